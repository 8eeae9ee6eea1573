#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Check the Packet Flow Flatpak manifest: flatpak-builder must be able to
# read it, and the sandbox must stay as small as the app needs (no network,
# no host files).
#
# Usage: check-manifest.py MANIFEST

import json
import os
import subprocess
import sys
import tempfile

APP_ID = 'io.github.packetflow.PacketFlow'
COMMAND = 'packetflow'
MIN_RUNTIME_VERSION = 49
FORBIDDEN_ARGS = ('--share=network',)
FORBIDDEN_PREFIXES = ('--filesystem',)
# Libraries the GNOME runtime lacks, built as modules before Packet Flow:
# libpcap (pcap files), libnl (the namespace helper's netlink).
REQUIRED_MODULES = ('libpcap', 'libnl')


def load_manifest(path):
    """Return the manifest as flatpak-builder reads it, or exit."""
    # flatpak-builder leaves a .flatpak-builder directory in its working
    # directory; keep it out of the source and build trees.
    try:
        with tempfile.TemporaryDirectory(prefix='check-manifest-') as tmp:
            result = subprocess.run(['flatpak-builder', '--show-manifest',
                                     os.path.abspath(path)],
                                    cwd=tmp, capture_output=True, text=True,
                                    check=False)
    except FileNotFoundError:
        sys.exit('check-manifest: flatpak-builder is not installed')

    if result.returncode != 0:
        sys.exit(f'check-manifest: flatpak-builder could not read {path} '
                 f'(exit status {result.returncode}):\n{result.stderr}')

    try:
        manifest = json.loads(result.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f'check-manifest: flatpak-builder --show-manifest did not '
                 f'print JSON for {path}: {e}')

    if not isinstance(manifest, dict):
        sys.exit(f'check-manifest: {path} is not a JSON object')

    return manifest


def check(manifest):
    """Return a list of problems, one sentence each."""
    problems = []

    # flatpak-builder prints the app id as "id"; manifests may say "app-id".
    app_id = manifest.get('id', manifest.get('app-id'))
    if app_id != APP_ID:
        problems.append(f'the app id is {app_id!r}, expected {APP_ID!r}')

    command = manifest.get('command')
    if command != COMMAND:
        problems.append(f'the command is {command!r}, expected {COMMAND!r}')

    runtime_version = manifest.get('runtime-version')
    try:
        major = int(str(runtime_version).split('.')[0])
    except ValueError:
        problems.append(f'the runtime version {runtime_version!r} is not '
                        f'a number (need {MIN_RUNTIME_VERSION} or newer)')
    else:
        if major < MIN_RUNTIME_VERSION:
            problems.append(f'the runtime version is {runtime_version!r}, '
                            f'need {MIN_RUNTIME_VERSION} or newer')

    finish_args = manifest.get('finish-args', [])
    if not isinstance(finish_args, list):
        problems.append('finish-args is not a list')
        finish_args = []
    for arg in finish_args:
        if arg in FORBIDDEN_ARGS:
            problems.append(f'finish-args grants {arg}: Packet Flow needs no '
                            f'network access, its hosts talk over loopback '
                            f'inside the sandbox')
        elif any(arg == p or arg.startswith(p + '=')
                 for p in FORBIDDEN_PREFIXES):
            problems.append(f'finish-args grants {arg}: Packet Flow opens '
                            f'files through the file chooser portal and needs '
                            f'no direct file system access')

    modules = manifest.get('modules', [])
    if not isinstance(modules, list):
        problems.append('modules is not a list')
        modules = []
    names = [m.get('name') if isinstance(m, dict) else None for m in modules]
    if COMMAND not in names:
        problems.append(f'no module is named {COMMAND!r}')
    for required in REQUIRED_MODULES:
        if required not in names:
            problems.append(f'no module builds {required}: the GNOME runtime '
                            f'does not have it')
        elif COMMAND in names and names.index(required) > names.index(COMMAND):
            problems.append(f'{required} is built after {COMMAND}, which '
                            f'needs it')

    return problems


def main(argv):
    if len(argv) != 2:
        print(f'usage: {argv[0]} MANIFEST', file=sys.stderr)
        return 2

    path = argv[1]
    problems = check(load_manifest(path))
    if problems:
        for problem in problems:
            print(f'check-manifest: {path}: {problem}', file=sys.stderr)
        return 1

    print(f'check-manifest: {path}: ok')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
