#!/usr/bin/env python3
# Packet Flow: the layout gives way and never loses the player (issue 12),
# with the real window, TAP output.
#
# Usage: test-layout.py PACKETFLOW SOURCE_DIR
#
# Environment: as for the other UI tests (GSETTINGS_SCHEMA_DIR,
# PACKETFLOW_NETNS_HELPER, GSETTINGS_BACKEND=memory; meson sets them).
#
# The real `packetflow web` runs under an X server of its own (Xvfb, a
# free display from -displayfd) with Debian's openbox, sized by the window
# manager as a person would (xdotool windowsize) to 1100×720 and to
# 800×600 on a 1920×1080 screen. Ctrl+plus goes up to the largest zoom
# and Ctrl+minus down to the smallest, real key presses through XTEST;
# after each press the play button, the step label and the caption, read
# back over AT-SPI (a session bus of its own from dbus-run-session), are
# shown whole inside the window and the screen, and the window kept the
# size it was given. At 1920×1080 the ladder beside the stage widens
# with the zoom, as its text does. The start-up is test-keys.py's.

import importlib.util
import os
import sys
import time

import pftest
from pftest import Fail, check

# The machinery is test-keys.py's, loaded as a module (as test-a11y.py
# does): the display, the session bus, the key presses, the tree.
HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("pf_test_keys", os.path.join(HERE, "test-keys.py"))
keys = importlib.util.module_from_spec(spec)
spec.loader.exec_module(keys)
keys.SKIPPED_ROLES = ("tree table", "table", "list")

PLAY_NAMES = ("Play", "Pause")
STEPS = keys.STEPS
WAIT = keys.WAIT
key, read_tree, step_text, wait_for, window_geometry = (keys.key, keys.read_tree, keys.step_text,
                                                        keys.wait_for, keys.window_geometry)


def describe(nodes):
    return ["in the tree: " + ", ".join("%r %s" % (n, n.extents) for n in nodes
                                        if n.role in ("push button", "label", "frame"))[:3000]]


def start_app(size, *args):
    keys.start_app(*args, size=size)


def stop_app():
    keys.stop_app()


# ---------------------------------------------------------------- the checks

def player_nodes(nodes):
    """The window, the step label, the play button and the caption in
    @nodes, or None while the tree is not whole (read during a relayout)."""
    frames = [n for n in nodes if n.depth == 1 and n.role == "frame"]
    steps = [n for n in nodes if n.role == "label" and n.name.startswith(("Step ", "Ready:"))]
    if len(frames) != 1 or not steps:
        return None
    step = steps[0]
    # The play button, by its name if it has one; GTK 4.8 names an icon
    # button by nothing but its tooltip, which AT-SPI does not show: then
    # the third of the player's buttons after the step label (Restart,
    # Step Back, Play, Step Forward).
    buttons = [n for n in nodes[nodes.index(step) + 1:] if n.role == "push button"]
    play = [n for n in buttons if n.name.startswith(PLAY_NAMES)] or buttons[2:3]
    # The caption: the label just above the player bar in the tree.
    captions = [n for n in nodes[:nodes.index(step)]
                if n.role == "label" and n.depth == step.depth - 1]
    if not play or not captions or None in (frames[0].extents, step.extents, play[0].extents,
                                            captions[-1].extents):
        return None
    return frames[0], step, play[0], captions[-1]


def settled(when):
    """The player's nodes once two readings 0.3 s apart agree on where
    they are: a zoom step relays out the window over a frame or two."""
    previous = None
    nodes = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        check(keys.APP.poll() is None, "packetflow exited with status %s" % keys.APP.returncode)
        nodes = read_tree()
        found = player_nodes(nodes)
        now = found and [n.extents for n in found]
        if found and now == previous:
            return found
        previous = now
        time.sleep(0.3)
    raise Fail("%s: waited %d s for the window, the player and the caption to hold still"
               % (when, WAIT), describe(nodes))


def inside(what, extents, box):
    x, y, width, height = extents
    bx, by, bwidth, bheight = box
    check(width > 0 and height > 0, "%s is %dx%d" % (what, width, height))
    check(x >= bx and y >= by and x + width <= bx + bwidth and y + height <= by + bheight,
          "%s at %d,%d %dx%d is not inside %d,%d %dx%d" % ((what,) + extents + box))


def check_player(size, screen, when):
    """The play button, the step label and the caption whole, inside the
    window and the screen; the window as large as it was made."""
    window, step, play, caption = settled(when)
    geometry = window_geometry()
    check(geometry[2:] == size, "%s: the window grew to %dx%d" % ((when,) + geometry[2:]))
    window = window.extents
    screen_box = (0, 0) + screen
    # Extents are read in the window's coordinates (GTK 4.8 leaves AT-SPI
    # asking for screen ones without a reply); the window is placed at
    # geometry[:2] on the screen.
    for what, node in (("the play button", play), ("the step label", step),
                       ("the caption", caption)):
        inside("%s: %s" % (when, what), node.extents, window)
        on_screen = (geometry[0] + node.extents[0], geometry[1] + node.extents[1]) + node.extents[2:]
        inside("%s: %s on the screen" % (when, what), on_screen, screen_box)


def check_no_gtk_warnings(what):
    """GTK's warnings and criticals said on stderr: a paned left without
    an allocation (its pane drawn blank) says so there and nowhere else."""
    stop_app()
    said = [line for line in keys.LAST_STDERR.splitlines() if "Gtk-WARNING" in line or "Gtk-CRITICAL" in line]
    check(not said, "%s: GTK warned" % what, said[:10])


def zoom_up_and_down(size, screen):
    start_app(size, "web")
    wait_for("the step label", lambda nodes: step_text(nodes) == "Ready: %d steps" % STEPS)
    check_player(size, screen, "at zoom 1")
    # 1.25 each: five presses reach 3.0, nine come back down to 0.5; one
    # more each way checks the ends hold.
    for i in range(6):
        key("ctrl+plus")
        check_player(size, screen, "after %d Ctrl+plus" % (i + 1))
    for i in range(10):
        key("ctrl+minus")
        check_player(size, screen, "after 6 Ctrl+plus and %d Ctrl+minus" % (i + 1))
    check_no_gtk_warnings("%dx%d" % size)


def stop_display():
    keys.stop_display()


def ladder_width():
    """The ladder's width, once it holds still: the image right of the
    stage (\"Sequence diagram…\")."""
    previous = None
    deadline = time.monotonic() + WAIT
    nodes = []
    while time.monotonic() < deadline:
        nodes = read_tree()
        frames = [n for n in nodes if n.depth == 1 and n.role == "frame"]
        ladders = [n for n in nodes if n.role == "image" and n.extents and frames and
                   (n.name.startswith("Sequence diagram") or
                    n.extents[0] > frames[0].extents[2] // 2)]
        now = ladders and ladders[0].extents
        if now and now == previous:
            return now[2]
        previous = now
        time.sleep(0.3)
    raise Fail("waited %d s for the ladder to hold still" % WAIT, describe(nodes))


def case_wide():
    """At 1920x1080 the ladder's text grows with the zoom and so does its
    width: names and labels whole at 1× (all of web's fit) stay whole at
    1.5625× (two Ctrl+plus), not cut to \"knuth.lut…\"."""
    size = (1920, 1080)
    start_app(size, "web")
    wait_for("the step label", lambda nodes: step_text(nodes) == "Ready: %d steps" % STEPS)
    for step in range(STEPS):
        key("Right")
        wait_for("step %d" % (step + 1),
                 lambda nodes: step_text(nodes) == "Step %d of %d" % (step + 1, STEPS))
    time.sleep(2.0)       # the last step's arrows drawn
    one = ladder_width()
    key("ctrl+plus", "ctrl+plus")
    time.sleep(1.0)
    zoomed = ladder_width()
    check(zoomed >= 1.5 * one, "the ladder is %d px wide at 1x and %d px at 1.5625x, in a "
          "1920 px window" % (one, zoomed))
    check_no_gtk_warnings("1920x1080")
    return ["the ladder: %d px at 1x, %d px at 1.5625x" % (one, zoomed)]


SCREEN = (1920, 1080)

CASES = [
    ("1100x720: the player and the caption whole at every zoom",
     lambda: zoom_up_and_down((1100, 720), SCREEN)),
    ("800x600: the player and the caption whole at every zoom",
     lambda: zoom_up_and_down((800, 600), SCREEN)),
    ("1920x1080: the ladder grows with the zoom beside the stage", case_wide),
]


def run():
    try:
        pftest.check_build_tree(keys.BINARY, keys.ENV)
    except Fail as e:
        print("1..1\nnot ok 1 - the build tree\n# %s" % e)
        return 1
    try:
        keys.start_display(SCREEN)
    except Fail as e:
        print("1..1\nnot ok 1 - the display\n# %s" % e)
        return 1
    try:
        return pftest.main(CASES)
    finally:
        stop_display()


if __name__ == "__main__":
    sys.exit(run())
