#!/usr/bin/env python3
# Packet Flow: every control has a name a screen reader can say, and the
# stage and ladder say the step and the selected segment (issue 12), TAP
# output.
#
# Usage: test-a11y.py PACKETFLOW SOURCE_DIR
#
# The machinery is test-keys.py's, loaded as a module: the real
# packetflow under an Xvfb and openbox of its own, real key presses
# through XTEST, the accessibility tree read over AT-SPI on a session bus
# of its own (it runs this script again under dbus-run-session).

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("pf_test_keys", os.path.join(HERE, "test-keys.py"))
keys = importlib.util.module_from_spec(spec)
spec.loader.exec_module(keys)

from gi.repository import Atspi, GLib     # noqa: E402
from pftest import Fail, check            # noqa: E402

# The roles of the things one presses or chooses (GTK 4.8's AT-SPI names).
CONTROLS = {"push button", "toggle button", "menu button", "combo box", "check box",
            "radio button", "spin button", "slider", "switch", "link", "entry"}


def has_name(name):
    """GTK 4.8 names an unlabelled object after its type ("GtkButton"):
    that is no name for a person."""
    return bool(name.strip()) and not name.startswith(("Gtk", "Adw", "Pf"))


def read_controls():
    """(role, name, path) of every control in the window's tree, with the
    accessible path of the widgets above it, to find it by."""
    keys.pump()
    root = keys.app_root()
    found = []
    if root is None:
        return found
    stack = [(root, [])]
    while stack:
        node, path = stack.pop()
        try:
            role = node.get_role_name()
            name = node.get_name() or ""
            children = [node.get_child_at_index(i) for i in range(node.get_child_count())]
        except GLib.Error:
            continue
        here = path + ["%s %r" % (role, name)]
        if role in CONTROLS:
            found.append((role, name, " / ".join(here[-4:])))
        stack.extend((child, here) for child in reversed(children) if child is not None)
    return found


def find_described(role, prefix):
    """(name, description) of the first object of @role whose name
    starts with @prefix."""
    keys.pump()
    root = keys.app_root()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        try:
            if node.get_role_name() == role and (node.get_name() or "").startswith(prefix):
                return node.get_name() or "", node.get_description() or ""
            stack.extend(node.get_child_at_index(i) for i in range(node.get_child_count()))
        except GLib.Error:
            continue
    return None


def case_every_control_named():
    keys.start_app("web")
    keys.wait_step("Ready: %d steps" % keys.STEPS)
    controls = read_controls()
    check(len(controls) >= 8, "only %d controls in the tree" % len(controls),
          ["%s %r at %s" % c for c in controls])
    nameless = [c for c in controls if not has_name(c[1])]
    check(not nameless, "%d controls without a name" % len(nameless),
          ["%s %r at %s" % c for c in nameless])


def described_step(text):
    def holds(nodes):
        found = find_described("image", "Network stage")
        return found is not None and text in found[0] + " " + found[1]
    return holds


def case_stage_says_the_step():
    keys.start_app("web")
    keys.wait_step("Ready: %d steps" % keys.STEPS)
    keys.key("Right")
    keys.wait_step("Step 1 of %d" % keys.STEPS)
    keys.wait_for("the stage to say “Step 1 of %d”" % keys.STEPS,
                  described_step("Step 1 of %d" % keys.STEPS))
    name, description = find_described("image", "Network stage")
    check(len(description) > len("Step 1 of 4: "),
          "the stage says the step but not its narration: %r" % description)
    keys.key("Right")
    keys.wait_for("the stage to say “Step 2 of %d”" % keys.STEPS,
                  described_step("Step 2 of %d" % keys.STEPS))


keys.CASES[:] = [
    ("packetflow web: every button, toggle, menu button and drop-down has a name",
     case_every_control_named),
    ("after Right, the stage says “Step 1 of 4” and the narration", case_stage_says_the_step),
]

if __name__ == "__main__":
    sys.exit(keys.run())
