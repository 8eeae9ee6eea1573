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

import os
import subprocess
import sys
import time

import pftest
from pftest import Fail, check

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")

# A session bus of its own for AT-SPI (pftest.on_session_bus).
pftest.on_session_bus("PF_TEST_LAYOUT_BUS")

import gi                                 # noqa: E402
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib     # noqa: E402

WAIT = 20             # seconds for the window, a page, a step to show
PLAY_NAMES = ("Play", "Pause")
STEPS = 4             # web.pflow.json

ENV = dict(os.environ)
ENV.pop("NO_AT_BRIDGE", None)
ENV["GTK_A11Y"] = "atspi"
ENV["LC_ALL"] = "C.UTF-8"
ENV["LANGUAGE"] = "C"

XVFB = None
WM = None
APP = None
LAST_STDERR = ""


def start_display(screen):
    """Xvfb on a free display @screen (width, height) large, openbox on
    it; sets DISPLAY in ENV."""
    global XVFB, WM
    for tool in ("Xvfb", "openbox", "xdotool"):
        check(pftest.find_tool(tool) is not None, "%s is not installed (./run test installs it)" % tool)
    read_fd, write_fd = os.pipe()
    XVFB = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                             "%dx%dx24" % screen, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read_fd, 16)
        check(chunk, "Xvfb did not say which display it took")
        number += chunk
    os.close(read_fd)
    ENV["DISPLAY"] = ":" + number.decode().strip()
    os.environ["DISPLAY"] = ENV["DISPLAY"]
    WM = subprocess.Popen(["openbox", "--sm-disable"], env=ENV,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # openbox sets itself up in well under a second; a window mapped
    # before it manages the screen would still be found and activated.
    time.sleep(1.0)


def xdotool(*args, check_ok=True):
    proc = subprocess.run(["xdotool"] + list(args), env=ENV, capture_output=True,
                          text=True, timeout=WAIT + 10)
    if proc.returncode != 0:
        if check_ok:
            raise Fail("xdotool %s failed" % " ".join(args), proc.stderr.splitlines())
        return None
    return proc.stdout


def key(*names):
    """Real key presses through XTEST, to whatever window has focus."""
    for name in names:
        xdotool("key", "--clearmodifiers", name)
        time.sleep(0.15)


# ---------------------------------------------------------------- AT-SPI

def pump():
    context = GLib.MainContext.default()
    while context.pending():
        context.iteration(False)


def app_root():
    """The AT-SPI application of our packetflow, found by its pid."""
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        try:
            if app is not None and app.get_process_id() == APP.pid:
                app.set_cache_mask(Atspi.Cache.NONE)
                return app
        except GLib.Error:
            continue
    return None


class Node:
    """One accessible object as read now: role, name, states, extents."""

    def __init__(self, node, depth):
        self.depth = depth
        self.role = node.get_role_name()
        self.name = node.get_name() or ""
        try:
            self.description = node.get_description() or ""
        except GLib.Error:
            self.description = ""
        self.states = set(state.value_nick for state in node.get_state_set().get_states())
        try:
            extents = node.get_extents(Atspi.CoordType.WINDOW)
            self.extents = (extents.x, extents.y, extents.width, extents.height)
        except GLib.Error:
            self.extents = None

    def __repr__(self):
        return "%s %r" % (self.role, self.name)


# The lists' rows and cells: hundreds of objects that this test does not
# look at, each a round trip on the bus.
SKIPPED_ROLES = ("tree table", "table", "list")


def read_tree():
    """The window's accessible objects, in tree order. GTK 4.8 leaves
    hidden widgets out of the tree but marks none of the rest SHOWING,
    and a page of a GtkStack that is not shown keeps its old extents:
    so what is on screen is told by what is in the tree and by the
    sensitivity of the actions' buttons, not by states of visibility."""
    pump()
    root = app_root()
    nodes = []
    if root is None:
        return nodes
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        try:
            nodes.append(Node(node, depth))
            if nodes[-1].role in SKIPPED_ROLES:
                continue
            count = node.get_child_count()
            children = [node.get_child_at_index(i) for i in range(count)]
        except GLib.Error:
            continue
        stack.extend((child, depth + 1) for child in reversed(children) if child is not None)
    return nodes


def describe(nodes):
    return ["in the tree: " + ", ".join("%r %s" % (n, n.extents) for n in nodes
                                        if n.role in ("push button", "label", "frame"))[:3000]]


def step_text(nodes):
    for n in nodes:
        if n.role == "label" and n.name.startswith(("Step ", "Ready:", "Go to step ")):
            return n.name
    return None


def wait_for(what, predicate):
    """Polls the accessibility tree until @predicate(nodes) holds."""
    deadline = time.monotonic() + WAIT
    nodes = []
    while time.monotonic() < deadline:
        check(APP.poll() is None, "packetflow exited with status %s" % APP.returncode)
        nodes = read_tree()
        if nodes and predicate(nodes):
            return nodes
        time.sleep(0.1)
    raise Fail("waited %d s for %s" % (WAIT, what), describe(nodes))


def window_geometry():
    out = xdotool("getactivewindow", "getwindowgeometry", "--shell")
    values = dict(line.split("=", 1) for line in out.split())
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


# ---------------------------------------------------------------- the app

def start_app(size, *args):
    """A fresh packetflow with @args, its window active and @size large,
    its a11y tree up."""
    global APP
    stop_app()
    APP = subprocess.Popen([BINARY] + list(args), env=ENV, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + WAIT
    out = None
    while out is None and time.monotonic() < deadline and APP.poll() is None:
        out = xdotool("search", "--onlyvisible", "--pid", str(APP.pid), "--class", "packetflow",
                      check_ok=False)
        time.sleep(0.1)
    if out is None:
        stop_app()
        raise Fail("no packetflow window was mapped within %d s" % WAIT,
                   ["stderr: " + line for line in LAST_STDERR.splitlines()[:20]])
    window = out.split()[0]
    xdotool("windowactivate", "--sync", window)
    xdotool("windowmove", window, "0", "0")
    xdotool("windowsize", window, str(size[0]), str(size[1]))
    deadline = time.monotonic() + WAIT
    while window_geometry()[2:] != size and time.monotonic() < deadline:
        time.sleep(0.1)
    check(window_geometry()[2:] == size, "the window manager made the window %dx%d, not %dx%d"
          % (window_geometry()[2:] + size))
    wait_for("packetflow on the accessibility bus", lambda names: len(names) > 0)


def stop_app():
    global APP, LAST_STDERR
    if APP is None:
        return
    APP.terminate()
    try:
        LAST_STDERR = APP.communicate(timeout=10)[1].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        APP.kill()
        LAST_STDERR = APP.communicate()[1].decode("utf-8", "replace")
    APP = None


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
        check(APP.poll() is None, "packetflow exited with status %s" % APP.returncode)
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
    said = [line for line in LAST_STDERR.splitlines() if "Gtk-WARNING" in line or "Gtk-CRITICAL" in line]
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
    global XVFB, WM
    stop_app()
    for proc in (WM, XVFB):
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
    WM = XVFB = None


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
        pftest.check_build_tree(BINARY, ENV)
    except Fail as e:
        print("1..1\nnot ok 1 - the build tree\n# %s" % e)
        return 1
    try:
        start_display(SCREEN)
    except Fail as e:
        print("1..1\nnot ok 1 - the display\n# %s" % e)
        return 1
    try:
        return pftest.main(CASES)
    finally:
        stop_display()


if __name__ == "__main__":
    sys.exit(run())
