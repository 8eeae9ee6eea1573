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
import time

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
    check(len(description) > len("Step 1 of %d: " % keys.STEPS),
          "the stage says the step but not its narration: %r" % description)
    keys.key("Right")
    keys.wait_for("the stage to say “Step 2 of %d”" % keys.STEPS,
                  described_step("Step 2 of %d" % keys.STEPS))


def menu_items(nodes):
    """{name: sensitive} of the main menu's items, mnemonics dropped."""
    return {n.name.replace("_", ""): "sensitive" in n.states for n in nodes
            if n.role == "menu item"}


def open_menu_items(what):
    keys.key("F10")
    nodes = keys.wait_for("the main menu to open", keys.menu_open)
    items = menu_items(nodes)
    keys.key("Escape")
    keys.wait_for("the main menu to close", lambda nodes: not keys.menu_open(nodes))
    for name in ("Save Capture…", "Save Trace…", "Undo Move", "Reset Layout"):
        check(name in items, "%s: no “%s” in the main menu" % (what, name),
              ["items: %s" % sorted(items)])
    return items


def case_menu_saves_only_a_run():
    keys.start_app()
    keys.wait_for("the start page", keys.start_page_showing)
    items = open_menu_items("the start page")
    check(not items["Save Capture…"] and not items["Save Trace…"],
          "the start page can save a run it does not have", ["items: %s" % items])
    keys.start_app("web")
    keys.wait_step("Ready: %d steps" % keys.STEPS)
    items = open_menu_items("web")
    check(items["Save Capture…"] and items["Save Trace…"], "a run cannot be saved",
          ["items: %s" % items])
    check(not items["Undo Move"] and not items["Reset Layout"],
          "nothing was moved, yet Undo Move or Reset Layout is enabled", ["items: %s" % items])

    # A real drag of the laptop's card (at 0.2, 0.5 of the stage in
    # web.pflow.json) with the mouse, then Ctrl+Z; after a step, as the
    # lesson card covers the stage before step 1.
    keys.key("Right")
    keys.wait_step("Step 1 of %d" % keys.STEPS)
    nodes = keys.read_tree()
    stages = [n for n in nodes if n.role == "image" and n.name.startswith("Network stage")]
    check(stages and stages[0].extents, "no stage in the tree", keys.describe(nodes))
    x, y, width, height = stages[0].extents
    origin = keys.window_origin()
    start = (origin[0] + x + int(width * 0.2), origin[1] + y + height // 2)
    keys.xdotool("mousemove", str(start[0]), str(start[1]))
    keys.xdotool("mousedown", "1")
    for i in range(1, 11):
        keys.xdotool("mousemove", str(start[0] + 12 * i), str(start[1] + 6 * i))
        time.sleep(0.03)
    keys.xdotool("mouseup", "1")
    time.sleep(0.3)
    items = open_menu_items("after a drag")
    check(items["Undo Move"] and items["Reset Layout"],
          "a host was dragged, yet Undo Move or Reset Layout is disabled", ["items: %s" % items])
    keys.key("ctrl+z")
    time.sleep(0.3)
    items = open_menu_items("after Ctrl+Z")
    check(not items["Undo Move"] and not items["Reset Layout"],
          "Ctrl+Z did not put the host back", ["items: %s" % items])


keys.CASES[:] = [
    ("packetflow web: every button, toggle, menu button and drop-down has a name",
     case_every_control_named),
    ("after Right, the stage says “Step 1 of %d” and the narration" % keys.STEPS, case_stage_says_the_step),
    ("Save Capture…, Save Trace… only with a run; Undo Move, Reset Layout only after a move",
     case_menu_saves_only_a_run),
]

if __name__ == "__main__":
    sys.exit(keys.run())
