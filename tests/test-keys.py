#!/usr/bin/env python3
# Packet Flow: the real window driven as a person does (issue 12), TAP output.
#
# Usage: test-keys.py PACKETFLOW SOURCE_DIR
#
# Environment: as for the other UI tests (GSETTINGS_SCHEMA_DIR,
# PACKETFLOW_NETNS_HELPER, GSETTINGS_BACKEND=memory; meson sets them).
#
# The window tests in C drive GActions, so they cannot see which widget a
# key reaches. Here the real `packetflow` runs under an X server of its
# own (Xvfb, a free display from -displayfd) with Debian's openbox as
# window manager, gets real key presses through XTEST (`xdotool key`
# without --window: GTK ignores synthetic XSendEvent events), and what it
# shows is read back through the accessibility tree (AT-SPI over a
# session bus of its own, from dbus-run-session): the "Step N of M"
# label, which page is showing, whether the header bar is, and the
# window's size from xdotool for fullscreen.
#
# Each case starts a fresh packetflow and sends its first key before
# anything has been clicked, as a teacher does: just opened with a
# built-in scenario or a file, after the main menu, the mode popover or
# the shortcuts window, from the start page, in presentation mode.

import os
import subprocess
import sys
import time

import pftest
from pftest import Fail, check

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")

# A session bus of its own for AT-SPI (pftest.on_session_bus).
pftest.on_session_bus("PF_TEST_KEYS_BUS")

import gi                                 # noqa: E402
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib     # noqa: E402

WAIT = 20             # seconds for the window, a page, a step to show
SCREEN = (1280, 800)
STEPS = 5             # web.pflow.json: connect, GET, reply, the browser's close, the server's

ENV = dict(os.environ)
ENV.pop("NO_AT_BRIDGE", None)
ENV["GTK_A11Y"] = "atspi"
ENV["LC_ALL"] = "C.UTF-8"
ENV["LANGUAGE"] = "C"

XVFB = None
WM = None
APP = None
LAST_STDERR = ""


def start_display(screen=None):
    """Xvfb on a free display, @screen (width, height) or SCREEN large,
    openbox on it; sets DISPLAY in ENV."""
    global XVFB, WM
    for tool in ("Xvfb", "openbox", "xdotool"):
        check(pftest.find_tool(tool) is not None, "%s is not installed (./run test installs it)" % tool)
    read_fd, write_fd = os.pipe()
    XVFB = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                             "%dx%dx24" % (screen or SCREEN), "-nolisten", "tcp"],
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
        self.states = set(state.value_nick for state in node.get_state_set().get_states())
        try:
            self.description = node.get_description() or ""
        except GLib.Error:
            self.description = ""
        try:
            extents = node.get_extents(Atspi.CoordType.WINDOW)
            self.extents = (extents.x, extents.y, extents.width, extents.height)
        except GLib.Error:
            self.extents = None

    def __repr__(self):
        return "%s %r" % (self.role, self.name)


# Roles whose insides read_tree () leaves out: a test that does not look
# into the lists sets ("tree table", "table", "list"), as their rows and
# cells are hundreds of objects, each a round trip on the bus.
SKIPPED_ROLES = ()


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
    return ["in the tree: " + ", ".join(repr(n) for n in nodes if n.name and not n.name.startswith("Gtk"))[:3000]]


def named(nodes, name, role=None):
    return [n for n in nodes if n.name == name and (role is None or n.role == role)]


def step_text(nodes):
    for n in nodes:
        if n.role == "label" and n.name.startswith(("Step ", "Ready:", "Go to step ")):
            return n.name
    return None


def start_page_showing(nodes):
    """The header bar's first button is All Scenarios (win.show-start),
    enabled exactly while a run is shown."""
    buttons = [n for n in nodes if n.role == "push button"]
    return bool(buttons) and "sensitive" not in buttons[0].states


def header_showing(nodes):
    """The page stack starts below the header bar, or at the top when
    the bar is hidden."""
    pages = [i for i, n in enumerate(nodes) if n.name == "GtkStackPage"]
    if not pages:
        return True
    parents = [n for n in nodes[:pages[0]] if n.depth == nodes[pages[0]].depth - 1]
    return parents[-1].extents is not None and parents[-1].extents[1] > 0


def window_title(nodes):
    for i, n in enumerate(nodes):
        if n.name == "AdwWindowTitle":
            return [m.name for m in nodes[i + 1:i + 5] if m.role == "label"]
    return []


def toplevels(nodes):
    """The windows shown: the main window, a dialog."""
    return [n for n in nodes if n.depth == 1]


def menu_open(nodes):
    return any("Keyboard Shortcuts" in n.name for n in nodes)


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


def wait_step(text):
    return wait_for("the step label to read %r" % text, lambda nodes: step_text(nodes) == text)


def window_size():
    out = xdotool("getactivewindow", "getwindowgeometry", "--shell")
    values = dict(line.split("=", 1) for line in out.split())
    return int(values["WIDTH"]), int(values["HEIGHT"])


# ---------------------------------------------------------------- the app

def window_geometry():
    out = xdotool("getactivewindow", "getwindowgeometry", "--shell")
    values = dict(line.split("=", 1) for line in out.split())
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


def start_app(*args, size=None):
    """A fresh packetflow with @args, its window active (at the top left
    and @size large, by the window manager, if given), its a11y tree up."""
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
    if size is not None:
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


def before_each():
    stop_app()


# ---------------------------------------------------------------- the cases

def case_right_first_press():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("Right")
    wait_step("Step 1 of %d" % STEPS)
    key("Down")
    wait_step("Step 2 of %d" % STEPS)
    key("Left")
    wait_step("Step 1 of %d" % STEPS)
    key("Up")
    wait_step("Ready: %d steps" % STEPS)


def case_space_stays_in_run():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("space")
    nodes = wait_for("Space to play the first step, or to leave the run",
                     lambda nodes: start_page_showing(nodes) or
                     (step_text(nodes) or "").startswith("Step "))
    check(not start_page_showing(nodes), "Space left the run for the start page", describe(nodes))
    key("space")     # pauses
    # A step that had started when it paused is still shown when it ends
    # (a fraction of a second); after that, for longer than the 2 s a
    # step stays on screen when playing, nothing moves.
    time.sleep(3.0)
    nodes = read_tree()
    check(not start_page_showing(nodes), "the second Space left the run", describe(nodes))
    paused = step_text(nodes)
    time.sleep(4.5)
    check(step_text(read_tree()) == paused, "the second Space did not pause (%s, then %s)"
          % (paused, step_text(read_tree())))


def case_page_keys():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("Next")
    wait_step("Step 1 of %d" % STEPS)
    key("Next")
    wait_step("Step 2 of %d" % STEPS)
    key("Prior")
    wait_step("Step 1 of %d" % STEPS)
    key("Home")
    wait_step("Ready: %d steps" % STEPS)


def case_after_menu():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("F10")
    wait_for("the main menu to open", menu_open)
    key("Escape")
    wait_for("the main menu to close", lambda nodes: not menu_open(nodes))
    key("Right")
    wait_step("Step 1 of %d" % STEPS)


def case_from_file():
    start_app(os.path.join(SRCDIR, "data", "scenarios", "web.pflow.json"))
    wait_step("Ready: %d steps" % STEPS)
    key("Next")
    wait_step("Step 1 of %d" % STEPS)


def window_origin():
    out = xdotool("getactivewindow", "getwindowgeometry", "--shell")
    values = dict(line.split("=", 1) for line in out.split())
    return int(values["X"]), int(values["Y"])


def case_after_popover():
    start_app("web")
    nodes = wait_for("the mode button", lambda nodes: named(nodes, "Exact", "push button") or
                     named(nodes, "Loopback", "push button"))
    button = (named(nodes, "Exact", "push button") or named(nodes, "Loopback", "push button"))[0]
    x, y, width, height = button.extents
    origin = window_origin()
    xdotool("mousemove", str(origin[0] + x + width // 2), str(origin[1] + y + height // 2))
    xdotool("click", "1")
    wait_for("the mode popover to open",
             lambda nodes: any(n.name.startswith(("Exact mode:", "Loopback mode:")) for n in nodes))
    key("Right")       # the popover's: no step
    time.sleep(0.5)
    check(step_text(read_tree()) == "Ready: %d steps" % STEPS, "Right stepped with a popover open")
    key("Escape")
    wait_for("the mode popover to close",
             lambda nodes: not any(n.name.startswith(("Exact mode:", "Loopback mode:")) for n in nodes))
    key("Right")
    wait_step("Step 1 of %d" % STEPS)


def case_after_dialog():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("ctrl+question")
    wait_for("the shortcuts window", lambda nodes: len(toplevels(nodes)) == 2)
    time.sleep(0.5)
    key("Escape")
    wait_for("the shortcuts window to close", lambda nodes: len(toplevels(nodes)) == 1)
    key("Right")
    wait_step("Step 1 of %d" % STEPS)


def case_after_open_dialog():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("ctrl+o")
    wait_for("the Open dialog", lambda nodes: len(toplevels(nodes)) == 2)
    time.sleep(0.5)
    key("Right")       # the dialog's own: no step behind it
    time.sleep(0.5)
    check(step_text(read_tree()) == "Ready: %d steps" % STEPS, "Right stepped behind the Open dialog")
    key("Escape")
    wait_for("the Open dialog to close", lambda nodes: len(toplevels(nodes)) == 1)
    key("Right")
    wait_step("Step 1 of %d" % STEPS)


def case_after_drag():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    key("Right")
    wait_step("Step 1 of %d" % STEPS)
    nodes = wait_for("the stage", lambda nodes: any(n.name.startswith("Network stage") for n in nodes))
    stage = [n for n in nodes if n.name.startswith("Network stage")][0]
    x, y, width, height = stage.extents
    origin = window_origin()
    # The laptop's card is centred at (0.2, 0.5) of the stage (web.pflow.json).
    start = (origin[0] + x + int(width * 0.2), origin[1] + y + height // 2)
    xdotool("mousemove", str(start[0]), str(start[1]))
    xdotool("mousedown", "1")
    for i in range(1, 11):
        xdotool("mousemove", str(start[0] + 6 * i), str(start[1] + 4 * i))
        time.sleep(0.03)
    xdotool("mouseup", "1")
    time.sleep(0.3)
    key("Right")
    wait_step("Step 2 of %d" % STEPS)
    key("space")
    wait_for("Space after a drag to play on",
             lambda nodes: step_text(nodes) in ["Step %d of %d" % (n, STEPS) for n in range(3, STEPS + 1)])


def case_start_page():
    start_app()
    nodes = wait_for("the start page", start_page_showing)
    check(window_title(nodes)[:1] == ["Packet Flow"],
          "the start page's title is %s" % window_title(nodes), describe(nodes))
    key("Return")      # opens the focused row: the first scenario
    nodes = wait_for("Enter to open the first scenario",
                     lambda nodes: not start_page_showing(nodes))
    key("Right")
    wait_for("Right to take the first step",
             lambda nodes: (step_text(nodes) or "").startswith("Step 1 of "))


def case_start_page_clears_title():
    start_app("web")
    wait_for("the run's title", lambda nodes: window_title(nodes)[:1] == ["Fetching a web page"])
    key("alt+Home")
    wait_for("the start page", start_page_showing)
    time.sleep(0.5)
    nodes = read_tree()
    check(window_title(nodes) == ["Packet Flow"],
          "the start page keeps the title %s" % window_title(nodes), describe(nodes))
    check(not named(nodes, "Exact", "push button") and not named(nodes, "Loopback", "push button"),
          "the start page keeps the mode menu", describe(nodes))
    # The start page focuses its first row, whatever ran before it.
    rows = [n.name for n in nodes if n.role == "list item"]
    check(rows, "the start page lists no scenario", describe(nodes))
    key("Return")
    nodes = wait_for("Enter to open the focused row, “%s”" % rows[0],
                     lambda nodes: not start_page_showing(nodes)
                     and window_title(nodes)[:1] == [rows[0]]
                     and (step_text(nodes) or "").startswith("Ready: "))


def wait_size(what, predicate):
    deadline = time.monotonic() + WAIT
    while not predicate(window_size()) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(predicate(window_size()), "%s: the window is %dx%d" % ((what,) + window_size()))


def case_presentation():
    start_app("web")
    wait_step("Ready: %d steps" % STEPS)
    check(window_size() != SCREEN, "the window starts fullscreen")
    key("F5")
    wait_size("F5, fullscreen", lambda size: size == SCREEN)
    nodes = wait_for("F5 to hide the header bar", lambda nodes: not header_showing(nodes))
    check(not named(nodes, "_Sockets", "page tab") and not named(nodes, "Segment inspector"),
          "F5: the lists or the inspector are still shown", describe(nodes))
    key("Right")
    wait_step("Step 1 of %d" % STEPS)
    key("b")
    wait_for("B to blank the screen", lambda nodes: named(nodes, "Blank screen"))
    key("Right")
    wait_for("a key to bring the screen back", lambda nodes: not named(nodes, "Blank screen"))
    time.sleep(1.5)    # a step it had started would be on screen by now
    check(step_text(read_tree()) == "Step 1 of %d" % STEPS, "the key that unblanked also stepped")
    key("period")
    wait_for(". to blank the screen", lambda nodes: named(nodes, "Blank screen"))
    key("x")
    wait_for("a key to bring the screen back", lambda nodes: not named(nodes, "Blank screen"))
    key("3")
    wait_step("Go to step 3…")
    key("Return")
    wait_step("Step 3 of %d" % STEPS)
    key("1", "KP_Enter")
    wait_step("Step 1 of %d" % STEPS)
    key("Escape")
    wait_for("Esc to bring the header bar back", header_showing)
    wait_size("Esc, not fullscreen", lambda size: size != SCREEN)
    nodes = read_tree()
    check(named(nodes, "_Sockets", "page tab"), "Esc: the lists are not back", describe(nodes))


CASES = [
    ("packetflow web: Right, Down, Left from the first press", case_right_first_press),
    ("packetflow web: Space plays and never leaves the run", case_space_stays_in_run),
    ("Page Down, Page Up, Home", case_page_keys),
    ("after the main menu closed with Escape, Right steps", case_after_menu),
    ("packetflow FILE: Page Down from the first press", case_from_file),
    ("the mode popover takes the keys while open; after it, Right steps", case_after_popover),
    ("after the shortcuts window closed with Escape, Right steps", case_after_dialog),
    ("after the Open dialog closed with Escape, Right steps", case_after_open_dialog),
    ("after dragging a host on the stage, Right and Space play on", case_after_drag),
    ("the start page: Enter opens the focused first row, then Right steps", case_start_page),
    ("the start page clears the title and the mode; Enter opens the row", case_start_page_clears_title),
    ("presentation mode: F5 in, B blanks, 3 Enter jumps, Esc out", case_presentation),
]


def run():
    try:
        pftest.check_build_tree(BINARY, ENV)
        start_display()
    except Fail as e:
        print("1..1\nnot ok 1 - the display\n# %s" % e)
        for line in e.details:
            print("#   %s" % line)
        return 1
    try:
        # PF_TEST_KEYS_CASES=2,5 runs only those cases (when working on one).
        only = os.environ.get("PF_TEST_KEYS_CASES")
        cases = CASES
        if only:
            cases = [CASES[int(n) - 1] for n in only.split(",")]
        return pftest.main(cases, before_each=before_each)
    finally:
        stop_display()


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


if __name__ == "__main__":
    sys.exit(run())
