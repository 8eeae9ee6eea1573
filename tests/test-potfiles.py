#!/usr/bin/env python3
# Packet Flow: po/POTFILES.in names every file with a translatable string,
# and only files that are there (issue 11), TAP output.
#
# Usage: test-potfiles.py SOURCE_DIR
#
# xgettext reads only the files POTFILES.in lists, so a string in a file
# left out is never offered for translation, and it stops at a listed
# file that is gone. Translatable here: C sources in core/, ui/, app/ and
# helper/ with a gettext call (_(), N_(), C_(), ngettext() and the
# others of the glib preset, outside comments); GtkBuilder files with
# translatable="yes"; desktop entries (.desktop.in); AppStream metainfo;
# GSettings schemas with a summary or a description. The files are found
# by globbing, so one added later (pf-engine-*.c, pf-stage-*.c...) is
# checked with the rest.

import os
import re
import tempfile
from pathlib import Path

import pftest
from pftest import check

C_DIRS = ("core", "ui", "app", "helper")
XML_DIRS = ("data", "ui", "app")

# Comments and literals, so that a call is found only where it is code.
C_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)
GETTEXT_CALL = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|Q_|gettext|ngettext|dgettext|dngettext|'
                          r'g_dgettext|g_dngettext|g_dcgettext|g_dpgettext|g_dpgettext2)\s*\(')


def code_of(text):
    """@text without its comments, its literals emptied."""
    def blank(match):
        token = match.group(0)
        if token.startswith("/"):
            return " "
        return token[0] * 2
    return C_TOKENS.sub(blank, text)


def is_translatable(path):
    name = path.name
    text = path.read_text(encoding="utf-8", errors="replace")
    if name.endswith((".c", ".h")):
        return GETTEXT_CALL.search(code_of(text)) is not None
    if name.endswith(".ui"):
        return re.search(r'translatable\s*=\s*"(?:yes|true|1)"', text) is not None
    if name.endswith(".desktop.in") or ".metainfo.xml" in name or ".appdata.xml" in name:
        return True
    if name.endswith(".gschema.xml"):
        return re.search(r"<(?:summary|description)\b", text) is not None
    return False


def translatable_files(root):
    """The files under @root with translatable strings, relative to it."""
    candidates = []
    for directory in C_DIRS:
        if (root / directory).is_dir():
            candidates += (root / directory).rglob("*.[ch]")
    for directory in XML_DIRS:
        if (root / directory).is_dir():
            for pattern in ("*.ui", "*.desktop.in", "*.metainfo.xml.in", "*.appdata.xml.in",
                            "*.gschema.xml"):
                candidates += (root / directory).rglob(pattern)
    return sorted({p.relative_to(root).as_posix() for p in candidates
                   if p.is_file() and is_translatable(p)})


def listed_files(root):
    """What po/POTFILES.in lists, in order."""
    listed = []
    with open(root / "po" / "POTFILES.in", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")):
                listed.append(line)
    return listed


def problems(root):
    """(files with translatable strings that POTFILES.in leaves out,
    files it lists that do not exist)."""
    listed = listed_files(root)
    missing = [p for p in translatable_files(root) if p not in listed]
    gone = [p for p in listed if not (root / p).is_file()]
    return missing, gone


ROOT = Path(pftest.arguments("SOURCE_DIR"))


def case_complete():
    missing, _ = problems(ROOT)
    check(not missing, "po/POTFILES.in leaves out %d file(s) with translatable strings"
          % len(missing), missing)
    return ["%d files with translatable strings, all listed" % len(translatable_files(ROOT))]


def case_no_stale():
    _, gone = problems(ROOT)
    check(not gone, "po/POTFILES.in lists %d file(s) that do not exist" % len(gone), gone)


# A tree with one of each: the check must find the file left out and the
# file that is gone, and must not be fooled by a call in a comment or a
# string.
SELF_TEST_TREE = {
    "core/pf-listed.c": '#include <glib/gi18n-lib.h>\nconst char *s (void) { return _("x"); }\n',
    "core/pf-left-out.c": 'const char *s (void) { return ngettext ("a", "b", 2); }\n',
    "ui/pf-in-comment.c": '/* _("not a call") */\nconst char *t = "N_(";\n',
    "data/ui/pf-left-out.ui": '<interface><object class="GtkLabel">'
                              '<property name="label" translatable="yes">x</property>'
                              '</object></interface>\n',
    "data/ui/pf-plain.ui": '<interface><object class="GtkBox"/></interface>\n',
    "po/POTFILES.in": "# Files with translatable strings.\ncore/pf-listed.c\ncore/pf-gone.c\n",
}


def case_self_test():
    with tempfile.TemporaryDirectory(prefix="pf-check-potfiles-") as scratch:
        root = Path(scratch)
        for name, text in SELF_TEST_TREE.items():
            os.makedirs(root / os.path.dirname(name), exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        missing, gone = problems(root)
    check(missing == ["core/pf-left-out.c", "data/ui/pf-left-out.ui"],
          "the check did not find exactly the files left out", ["found: %s" % missing])
    check(gone == ["core/pf-gone.c"], "the check did not find exactly the file that is gone",
          ["found: %s" % gone])


CASES = [
    ("every file with translatable strings is in po/POTFILES.in", case_complete),
    ("every file po/POTFILES.in lists exists", case_no_stale),
    ("the check finds a file left out and a file that is gone, not a call in a comment",
     case_self_test),
]

if __name__ == "__main__":
    raise SystemExit(pftest.main(CASES))
