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
# README's spelling and compared as sets. The keys the sources bind
# (gtk_widget_class_add_binding_action, the window's player_keys table,
# gtk_application_set_accels_for_action) must all be in the shortcuts
# window, less the keypad's twins and Ctrl+= (Ctrl++ on a US keyboard).

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


MASKS = {"GDK_CONTROL_MASK": "<Control>", "GDK_SHIFT_MASK": "<Shift>", "GDK_ALT_MASK": "<Alt>"}
# Keys that only repeat another under a second name: the keypad's, and
# Ctrl+= for Ctrl++ (on a US layout + is Shift+=).
ALIASES = ("KP_",)


def code_keys():
    """{key: where} for every key the sources bind: widget class
    bindings, the window's player key table, the application's
    accelerators."""
    keys = {}
    for sub in ("ui", "app"):
        folder = os.path.join(SRCDIR, sub)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".c"):
                continue
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            where = "%s/%s" % (sub, name)
            for m in re.finditer(r"add_binding_action\s*\(\s*\w+,\s*GDK_KEY_(\w+),\s*([\w |]+?),",
                                 text):
                key, mask = m.group(1), m.group(2)
                mods = "".join(MASKS[part.strip()] for part in mask.split("|")
                               if part.strip() in MASKS)
                if key.startswith(ALIASES) or (key == "equal" and mods == "<Control>"):
                    continue
                keys[people_key(mods + key)] = where
            for m in re.finditer(r"\{\s*GDK_KEY_(\w+),\s*\"win\.", text):
                if not m.group(1).startswith(ALIASES):
                    keys[people_key(m.group(1))] = where + " (player keys)"
            for m in re.finditer(r"set_accels_for_action\s*\([^;]*?\{\s*\"([^\"]+)\"", text, re.S):
                keys[people_key(m.group(1))] = where
    return keys


def case_every_bound_key_listed():
    overlay = overlay_keys()
    bound = code_keys()
    check(len(bound) >= 20, "found only %d bound keys in the sources" % len(bound))
    missing = sorted(set(bound) - set(overlay))
    check(not missing, "keys bound in the code but not in the shortcuts window",
          ["%s (%s)" % (key, bound[key]) for key in missing])
    return ["%d bound keys, all listed" % len(bound)]


if __name__ == "__main__":
    raise SystemExit(pftest.main([
        ("every shortcut in the shortcuts window names its keys", case_every_shortcut_has_keys),
        ("README's key table lists the keys of the shortcuts window, and no others", case_same_keys),
        ("every key the code binds is in the shortcuts window", case_every_bound_key_listed),
    ]))
