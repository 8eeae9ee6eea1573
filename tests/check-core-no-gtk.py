#!/usr/bin/env python3
# core/ must stay GLib-only: no GTK or libadwaita include in its sources, and
# no GTK include path on the command line that compiles it (so a GTK include
# added later fails to build rather than slipping through).
import json
import pathlib
import re
import sys

source_root = pathlib.Path(sys.argv[1])
build_root = pathlib.Path(sys.argv[2])
problems = []

include = re.compile(r'^\s*#\s*include\s*[<"](gtk|gdk|adwaita|gsk)', re.M)
for path in sorted((source_root / 'core').rglob('*.[ch]')):
    if include.search(path.read_text(encoding='utf-8')):
        problems.append(f'{path.relative_to(source_root)} includes a GTK header')

commands = json.loads((build_root / 'compile_commands.json').read_text())
core_commands = [c for c in commands
                 if pathlib.Path(c['file']).as_posix().startswith('../core/')
                 or '/core/' in pathlib.Path(c['directory'], c['file']).as_posix()
                 and 'libpfcore' in c['command']]
if not core_commands:
    problems.append('compile_commands.json has no command for core/: is core/ still built?')
for c in core_commands:
    if re.search(r'gtk-4\.0|libadwaita-1|graphene', c['command']):
        problems.append(f"{c['file']} is compiled with a GTK include path")

for p in problems:
    print(p)
print(f'{len(core_commands)} core/ compile commands checked')
sys.exit(1 if problems else 0)
