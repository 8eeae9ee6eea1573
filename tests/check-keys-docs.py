#!/usr/bin/env python3
# Packet Flow: the shortcuts window and README's key table list the same
# keys (issue 12), TAP output.
#
# Usage: check-keys-docs.py SOURCE_DIR
#
# data/gtk/help-overlay.ui gives each shortcut its keys in GTK's
# accelerator syntax ("<Control>plus", "Right Page_Down", "0...9"); a
# GtkShortcutsShortcut with only an action-name shows no key at all,
# because the window's keys are widget class bindings, not the
# application's accelerators, so every shortcut must name its keys.
# README.md's table under "| key | does |" names them as people write
# them ("Ctrl+plus", "Right, Page Down", "0…9"). Both are brought to the
# README's spelling and compared as sets.

import os
import re
import xml.etree.ElementTree as ET

import pftest
from pftest import check

SRCDIR = pftest.arguments("SOURCE_DIR")
OVERLAY = os.path.join(SRCDIR, "data", "gtk", "help-overlay.ui")
README = os.path.join(SRCDIR, "README.md")

MODIFIERS = {"control": "Ctrl", "primary": "Ctrl", "ctrl": "Ctrl", "alt": "Alt", "shift": "Shift",
             "super": "Super"}
KEY_NAMES = {
    "space": "Space", "Page_Down": "Page Down", "Page_Up": "Page Up",
    "bracketleft": "[", "bracketright": "]", "question": "?", "period": ".",
    "Escape": "Esc", "Return": "Enter", "KP_Enter": "Enter",
}


def people_key(accel):
    """'<Control>plus' → 'Ctrl+plus', 'Page_Down' → 'Page Down',
    'o' → 'O', '0...9' → '0…9'."""
    if "..." in accel:
        first, last = accel.split("...", 1)
        return people_key(first) + "…" + people_key(last)
    mods = []
    for match in re.finditer(r"<(\w+)>", accel):
        name = match.group(1).lower()
        check(name in MODIFIERS, "unknown modifier <%s> in %r" % (match.group(1), accel))
        mods.append(MODIFIERS[name])
    key = re.sub(r"<\w+>", "", accel)
    check(key != "", "no key in the accelerator %r" % accel)
    key = KEY_NAMES.get(key, key)
    if len(key) == 1 and key.isalpha():
        key = key.upper()
    return "+".join(mods + [key])


def overlay_keys():
    """{key: shortcut title} from the shortcuts window."""
    keys = {}
    root = ET.parse(OVERLAY).getroot()
    for shortcut in root.iter("object"):
        if shortcut.get("class") != "GtkShortcutsShortcut":
            continue
        props = {p.get("name"): (p.text or "").strip() for p in shortcut.findall("property")}
        title = props.get("title", "?")
        check(props.get("accelerator"),
              "the shortcut %r in help-overlay.ui names no key (an action-name alone shows none)"
              % title)
        for accel in props["accelerator"].split():
            keys[people_key(accel)] = title
    return keys


def readme_keys():
    """{key: what it does} from README's table under '| key | does |'."""
    keys = {}
    lines = open(README, encoding="utf-8").read().splitlines()
    check("| key | does |" in lines, "README.md has no '| key | does |' table")
    start = lines.index("| key | does |") + 2
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        check(len(cells) == 2, "README key table: a row of %d cells: %r" % (len(cells), line))
        for key in cells[0].split(", "):
            check(key.strip() != "" and key == key.strip(),
                  "README key table: keys are written 'A, B': %r" % cells[0])
            keys[key] = cells[1]
    return keys


def case_every_shortcut_has_keys():
    keys = overlay_keys()
    return ["%d keys in the shortcuts window" % len(keys)]


def case_same_keys():
    overlay = overlay_keys()
    readme = readme_keys()
    only_overlay = sorted(set(overlay) - set(readme))
    only_readme = sorted(set(readme) - set(overlay))
    details = ["only in help-overlay.ui: %s (%s)" % (key, overlay[key]) for key in only_overlay]
    details += ["only in README.md: %s (%s)" % (key, readme[key]) for key in only_readme]
    check(not details, "README's key table and the shortcuts window list different keys", details)
    return ["%d keys in both" % len(overlay)]


if __name__ == "__main__":
    raise SystemExit(pftest.main([
        ("every shortcut in the shortcuts window names its keys", case_every_shortcut_has_keys),
        ("README's key table lists the keys of the shortcuts window, and no others", case_same_keys),
    ]))
