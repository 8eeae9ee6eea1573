#!/usr/bin/env python3
# Packet Flow: command-line tests of the engine (issue 3), TAP output.
#
# Usage: test-cli.py PACKETFLOW SOURCE_DIR
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER, as for
# running the build tree (meson sets them). Needs tshark (/usr/bin/tshark),
# unshare and ip; `./run test` installs tshark.
#
# Every case runs the real binary: exact mode (a private network namespace,
# captured segments) and loopback mode (127.x addresses, modelled
# segments), the trace and the pcap it writes, and a capture of lo taken
# by tshark during a loopback run to prove the model true to the wire.
# After every run of packetflow, no namespace helper may be left behind.

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pftest
from pftest import (Fail, check, check_no_leftover, expect_exit, find_tool, helper_pids,
                    norm_flags, parse_trace_text, read_trace, seg_key, split_endpoint)

RUN_TIMEOUT = 60          # seconds for one run of packetflow
MANY_MESSAGES = 10000     # case 11


# ---------------------------------------------------------------- setup

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")
ENV = dict(os.environ)
ENV.setdefault("LC_ALL", "C.UTF-8")
TMP = tempfile.mkdtemp(prefix="pf-test-cli-")
WEB_FILE = os.path.join(SRCDIR, "data", "scenarios", "web.pflow.json")
TSHARK = "/usr/bin/tshark" if os.access("/usr/bin/tshark", os.X_OK) else shutil.which("tshark")


UNSHARE = find_tool("unshare", "/usr/bin/unshare", "/bin/unshare")
IP = find_tool("ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")


# ---------------------------------------------------------------- processes


def run(args, env=None, timeout=RUN_TIMEOUT):
    """Run packetflow; check that no helper is left over afterwards."""
    return pftest.run_packetflow([BINARY] + args, args, env or ENV, timeout)


# ---------------------------------------------------------------- traces


def frames(events):
    """Every frame the trace recorded: TCP and UDP segments and, in exact
    mode, the wire's ARP frames."""
    return [e for e in events if e["kind"] == "segment"]


def segments(events):
    """TCP and UDP segments: what a connection sent, ARP frames left out
    (only the wire of exact mode has them; loopback mode has no link)."""
    return [e for e in events if e["kind"] == "segment" and e.get("proto") != "arp"]


def arp_frames(events):
    return [e for e in events if e["kind"] == "segment" and e.get("proto") == "arp"]


def frame_key(e):
    """seg_key () of a segment; ("arp", sender IP, target IP, op, 0) of an
    ARP frame, which has no ports."""
    if e.get("proto") == "arp":
        a = e["arp"]
        return ("arp", a["sender_ip"], a["target_ip"], a["op"], 0)
    return seg_key(e)


def tcp_segments(events):
    return [e for e in events if e["kind"] == "segment" and e.get("proto") == "tcp"]


def errors_of(events):
    return [e for e in events if e["kind"] == "error"]


def show_seq(name, seq, limit=40):
    lines = ["%s (%d):" % (name, len(seq))]
    for item in seq[:limit]:
        lines.append("  " + " ".join(str(x) for x in item))
    if len(seq) > limit:
        lines.append("  ...")
    return lines


def compare_seqs(name_a, a, name_b, b, what):
    if a == b:
        return
    first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    details = ["first difference at item %d" % (first + 1)]
    details += show_seq(name_a, a)
    details += show_seq(name_b, b)
    raise Fail(what, details)


# ---------------------------------------------------------------- tshark

def need_tools(*tools):
    for name, path in tools:
        check(path is not None,
              "%s is not installed: this test needs it (./run test installs it; "
              "or apt-get install %s)" % (name, "tshark" if name == "tshark" else "iproute2 util-linux"))


def tshark_segments(path):
    """Every TCP/UDP segment in a capture file, as seg_key() tuples, plus
    the raw sequence and acknowledgement numbers of TCP segments; an ARP
    frame as frame_key () makes it."""
    need_tools(("tshark", TSHARK))
    check(os.path.exists(path), "no capture file at %s" % path)
    env = dict(ENV)
    env.setdefault("HOME", TMP)
    fields = ["ip.src", "tcp.srcport", "udp.srcport", "ip.dst", "tcp.dstport", "udp.dstport",
              "ip.proto", "tcp.flags", "tcp.len", "udp.length", "tcp.seq_raw", "tcp.ack_raw",
              "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4"]
    cmd = [TSHARK, "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
    for field in fields:
        cmd += ["-e", field]
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(proc.returncode == 0, "tshark could not read %s (exit %d)" % (path, proc.returncode),
          proc.stderr.decode("utf-8", "replace").splitlines()[:10])
    rows = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        v = dict(zip(fields, line.split("\t")))
        proto = v.get("ip.proto", "")
        if proto == "6":
            src = "%s:%s" % (v["ip.src"], v["tcp.srcport"])
            dst = "%s:%s" % (v["ip.dst"], v["tcp.dstport"])
            key = ("tcp", src, dst, norm_flags(int(v["tcp.flags"], 16)), int(v["tcp.len"]))
            rows.append((key, int(v["tcp.seq_raw"]), int(v["tcp.ack_raw"] or 0)))
        elif proto == "17":
            src = "%s:%s" % (v["ip.src"], v["udp.srcport"])
            dst = "%s:%s" % (v["ip.dst"], v["udp.dstport"])
            rows.append((("udp", src, dst, "", int(v["udp.length"]) - 8), None, None))
        elif v.get("arp.opcode", "") in ("1", "2"):
            op = "request" if v["arp.opcode"] == "1" else "reply"
            rows.append((("arp", v["arp.src.proto_ipv4"], v["arp.dst.proto_ipv4"], op, 0), None, None))
        else:
            raise Fail("%s holds a frame that is neither TCP nor UDP over IPv4, nor ARP" % path, [line])
    return rows


def pcap_linktype(path):
    """The link type in a classic pcap file's global header (1: Ethernet,
    101: raw IPv4), in the byte order its magic number says."""
    with open(path, "rb") as f:
        header = f.read(24)
    check(len(header) == 24, "%s is shorter than a pcap header (%d bytes)" % (path, len(header)))
    magic = int.from_bytes(header[0:4], "little")
    order = "little" if magic in (0xa1b2c3d4, 0xa1b23c4d) else "big"
    return int.from_bytes(header[20:24], order)


# ---------------------------------------------------------------- scenarios

def write_file(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def web_request_bytes():
    with open(WEB_FILE, encoding="utf-8") as f:
        web = json.load(f)
    for step in web["steps"]:
        if step["action"] == "send":
            return step["data"]
    raise Fail("%s has no send step" % WEB_FILE)


BAD_PORT_TEXT = """{
  "format": "packetflow-scenario",
  "version": 1,
  "title": "A port that does not exist",
  "summary": "The echo service listens on port 70000, above 65535.",
  "hosts": [
    { "id": "laptop", "name": "Laptop", "address": "10.0.0.2", "kind": "laptop" },
    { "id": "srv", "name": "Server", "address": "10.0.0.3", "kind": "server",
      "services": [ { "type": "echo", "port": 70000 } ] }
  ],
  "steps": [
    { "narration": "The laptop connects.", "action": "connect", "id": "c",
      "from": "laptop", "to": "srv", "port": 7 }
  ]
}
"""


def position_of(text, needle):
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def many_messages_scenario(count):
    lines = ["message %05d\n" % i for i in range(1, count + 1)]
    steps = [{"narration": "The laptop connects to the echo service.", "action": "connect",
              "id": "echo", "from": "laptop", "to": "echo", "port": 7}]
    for line in lines:
        steps.append({"narration": "The laptop sends one line.", "action": "send",
                      "connection": "echo", "side": "client", "data": line})
    steps.append({"narration": "Every line comes back, in order.", "action": "expect",
                  "connection": "echo", "side": "client", "data": "".join(lines)})
    steps.append({"narration": "The laptop closes.", "action": "close",
                  "connection": "echo", "side": "client"})
    scenario = {
        "format": "packetflow-scenario",
        "version": 1,
        "title": "Ten thousand messages",
        "summary": "A laptop sends %d lines to an echo server over one connection." % count,
        "hosts": [
            {"id": "laptop", "name": "Laptop", "address": "10.0.0.2", "kind": "laptop"},
            {"id": "echo", "name": "Echo server", "address": "10.0.0.7", "kind": "server",
             "services": [{"type": "echo", "port": 7}]},
        ],
        "steps": steps,
    }
    return json.dumps(scenario, indent=1), len("".join(lines).encode())


def directions(events):
    """(direction, flags, len) of every TCP or UDP segment; the client of a
    connection is the sender of its first SYN without ACK. ARP frames are
    not in segments (): loopback mode has no link to carry them."""
    clients = {}
    shape = []
    for e in segments(events):
        conn = frozenset((e["src"], e["dst"]))
        flags = norm_flags(e["flags"]) if e["proto"] == "tcp" else ""
        if conn not in clients:
            check(flags == "SYN" or e["proto"] != "tcp",
                  "a connection's first segment is %s, not SYN: %s -> %s" % (flags, e["src"], e["dst"]))
            clients[conn] = e["src"]
        direction = "client->server" if e["src"] == clients[conn] else "server->client"
        shape.append((direction, flags, e["len"]))
    return shape


STRERRORS = {os.strerror(n) for n in range(1, 134)}


def is_bare_errno(line):
    """'No such file or directory' or 'x: No such file or directory'."""
    text = re.sub(r"^packetflow:\s*", "", line.strip()).rstrip(".")
    head, _, tail = text.rpartition(": ")
    return text in STRERRORS or (tail in STRERRORS and len(head.split()) <= 1)


def is_sentence(line):
    """Words, not an errno: at least five words, and not a bare strerror."""
    text = re.sub(r"^packetflow:\s*", "", line.strip())
    if is_bare_errno(text):
        return False
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= 5


# ---------------------------------------------------------------- cases

def case_list():
    r = run(["--list"])
    expect_exit(r, 0)
    lines = r.stdout.splitlines()
    names = {}
    for line in lines:
        check(re.fullmatch(r"[A-Za-z0-9_-]+\t\S.*", line) is not None,
              "--list printed a line that is not NAME<TAB>TITLE: %r" % line)
        name, title = line.split("\t", 1)
        names[name] = title
    for name in ("web", "refused"):
        check(name in names, "--list has no \"%s<TAB>...\" line" % name, lines)


def case_check_good():
    r = run(["--check", WEB_FILE])
    expect_exit(r, 0)


def case_check_bad():
    path = write_file("bad-port.pflow.json", BAD_PORT_TEXT)
    line, column = position_of(BAD_PORT_TEXT, '"port": 70000')
    column += len('"port": ')
    r = run(["--check", path])
    expect_exit(r, 2)
    first = r.stderr.splitlines()[0] if r.stderr else ""
    check(re.match(re.escape(path) + r":\d+:\d+: \S", first) is not None,
          "stderr's first line does not start with \"%s:LINE:COLUMN: \"" % path, r.describe())
    check(first.startswith("%s:%d:%d: " % (path, line, column)),
          "the error points elsewhere than the 70000 at %d:%d" % (line, column), [first])
    check(len(r.stderr.splitlines()) == 1 and r.stdout == "",
          "bad input must give one line and nothing else", r.describe() + ["stdout: " + r.stdout[:200]])


def case_headless_bad():
    path = os.path.join(TMP, "bad-port.pflow.json")
    if not os.path.exists(path):
        write_file("bad-port.pflow.json", BAD_PORT_TEXT)
    trace = os.path.join(TMP, "bad.jsonl")
    pcap = os.path.join(TMP, "bad.pcap")
    r = run(["--headless", path, "--trace=" + trace, "--pcap=" + pcap])
    expect_exit(r, 2)
    first = r.stderr.splitlines()[0] if r.stderr else ""
    check(re.match(re.escape(path) + r":\d+:\d+: \S", first) is not None,
          "stderr's first line does not start with \"%s:LINE:COLUMN: \"" % path, r.describe())
    check(not os.path.exists(trace), "a trace file was written for bad input: %s" % trace)
    check(not os.path.exists(pcap), "a pcap file was written for bad input: %s" % pcap)


def case_exact_web():
    pcap = os.path.join(TMP, "web-exact.pcap")
    r = run(["--headless", "web", "--mode=exact", "--trace=-", "--pcap=" + pcap])
    expect_exit(r, 0)
    events = parse_trace_text(r.stdout, "the trace on stdout")
    segs = tcp_segments(events)
    check(len(segs) >= 9, "only %d TCP segments in the trace" % len(segs),
          show_seq("trace", [seg_key(e) for e in segs]))
    bad_origin = [e for e in frames(events) if e.get("origin") != "captured"]
    check(not bad_origin, "%d frame(s) are not \"captured\"" % len(bad_origin),
          [json.dumps(e) for e in bad_origin[:5]])

    # The wire: the laptop asks who has knuth's address (broadcast), knuth
    # answers, and only then the first IP packet, each frame on link lan.
    all_frames = frames(events)
    first_ip = next(i for i, e in enumerate(all_frames) if e.get("proto") != "arp")
    arp = all_frames[:first_ip]
    check(len(arp) >= 2, "%d ARP frame(s) before the first IP packet, expected a request and its reply"
          % len(arp), show_seq("frames", [frame_key(e) for e in all_frames[:6]]))
    request, answer = arp[0], arp[1]
    check(request["arp"]["op"] == "request" and request["arp"]["sender_ip"] == "10.0.0.2"
          and request["arp"]["target_ip"] == "192.203.196.71"
          and request["eth"]["dst"] == "ff:ff:ff:ff:ff:ff",
          "the first frame is not the laptop's broadcast ARP request for 192.203.196.71",
          [json.dumps(request)])
    check(answer["arp"]["op"] == "reply" and answer["arp"]["sender_ip"] == "192.203.196.71"
          and answer["eth"]["dst"] == request["eth"]["src"]
          and answer["arp"]["sender_mac"] == answer["eth"]["src"],
          "the second frame is not knuth's ARP reply to the laptop's MAC", [json.dumps(answer)])
    for e in all_frames:
        check(e.get("link") == "lan" and e.get("to") and e.get("delivered_us", -1) >= e["t"],
              "a frame without its hop on link lan (link, to, delivered_us >= t)", [json.dumps(e)])
    first_ipv4 = all_frames[first_ip]
    check(first_ipv4["eth"]["dst"] == answer["arp"]["sender_mac"],
          "the SYN is not sent to the MAC the ARP reply gave", [json.dumps(first_ipv4)])

    syn, synack, ack = segs[0], segs[1], segs[2]
    client_ip, eph = split_endpoint(syn["src"])
    check(syn["flags"] == "SYN" and client_ip == "10.0.0.2" and eph >= 1024
          and syn["dst"] == "192.203.196.71:80",
          "the first segment is not SYN from 10.0.0.2:EPHEMERAL to 192.203.196.71:80",
          [json.dumps(syn)])
    client, server = syn["src"], syn["dst"]
    check(synack["flags"] == "SYN,ACK" and synack["src"] == server and synack["dst"] == client,
          "the second segment is not SYN,ACK from %s to %s" % (server, client), [json.dumps(synack)])
    check(ack["flags"] == "ACK" and ack["src"] == client and ack["dst"] == server and ack["len"] == 0,
          "the third segment is not a pure ACK from the client", [json.dumps(ack)])
    m32 = 1 << 32
    check(synack["ack"] == (syn["seq"] + 1) % m32,
          "SYN,ACK acks %d, expected the SYN's seq + 1 = %d" % (synack["ack"], (syn["seq"] + 1) % m32))
    check(ack["ack"] == (synack["seq"] + 1) % m32,
          "the ACK acks %d, expected the SYN,ACK's seq + 1" % ack["ack"])

    request = web_request_bytes()
    gets = [i for i, e in enumerate(segs)
            if e["src"] == client and e["len"] > 0 and e.get("payload", "").startswith("GET / HTTP/1.1")]
    check(gets, "no data segment from the client whose payload starts with \"GET / HTTP/1.1\"")
    gi = gets[0]
    get = segs[gi]
    check(get["len"] == len(request.encode()),
          "the GET segment has len %d, the request is %d bytes" % (get["len"], len(request.encode())))
    check(get["seq"] == (syn["seq"] + 1) % m32,
          "the GET's seq is %d, expected the SYN's seq + 1 = %d" % (get["seq"], (syn["seq"] + 1) % m32))
    acked = [e for e in segs[gi + 1:]
             if e["src"] == server and "ACK" in e["flags"].split(",")
             and e["ack"] == (get["seq"] + get["len"]) % m32]
    check(acked, "no segment from the server acknowledges the GET (ack = %d)"
          % ((get["seq"] + get["len"]) % m32))

    replies = [i for i, e in enumerate(segs)
               if e["src"] == server and e["len"] > 0 and e.get("payload", "").startswith("HTTP/1.1 200 OK")]
    check(replies, "no data segment from the server whose payload starts with \"HTTP/1.1 200 OK\"")
    ri = replies[0]
    reply = segs[ri]
    check(ri > gi, "the reply comes before the request")
    check(reply["seq"] == (synack["seq"] + 1) % m32,
          "the reply's seq is %d, expected the SYN,ACK's seq + 1" % reply["seq"])
    check(any(e["src"] == client and e["ack"] == (reply["seq"] + reply["len"]) % m32
              for e in segs[ri + 1:]),
          "no segment from the client acknowledges the reply")

    tail = segs[ri + 1:]
    fin_c = [i for i, e in enumerate(tail) if e["src"] == client and e["flags"] == "FIN,ACK"]
    fin_s = [i for i, e in enumerate(tail) if e["src"] == server and e["flags"] == "FIN,ACK"]
    check(fin_c and fin_s, "the close lacks a FIN,ACK from %s"
          % ("the client" if not fin_c else "the server"),
          show_seq("after the reply", [seg_key(e) for e in tail]))
    last = segs[-1]
    check(last["flags"] == "ACK" and last["len"] == 0 and len(tail) - 1 > max(fin_c[0], fin_s[0]),
          "the close does not end with a pure ACK after both FINs",
          show_seq("after the reply", [seg_key(e) for e in tail]))
    other_fin = tail[fin_s[0]] if last["src"] == client else tail[fin_c[0]]
    check(last["ack"] == (other_fin["seq"] + 1) % m32,
          "the last ACK does not acknowledge the other side's FIN", [json.dumps(last)])

    # Every TCP state of both ends, read from the kernel: SYN_SENT and
    # SYN_RECV in the handshake, FIN_WAIT2 / CLOSE_WAIT between the two
    # closes, LAST_ACK and TIME_WAIT at the end.
    states = [e for e in events if e["kind"] == "state" and e.get("remote")]
    moves = [(e["host"], e["from"], e["to"]) for e in states]
    wanted = [("laptop", "NONE", "SYN_SENT"), ("laptop", "SYN_SENT", "ESTABLISHED"),
              ("knuth", "NONE", "SYN_RECV"), ("knuth", "SYN_RECV", "ESTABLISHED"),
              ("laptop", "ESTABLISHED", "FIN_WAIT1"), ("knuth", "ESTABLISHED", "CLOSE_WAIT"),
              ("laptop", "FIN_WAIT1", "FIN_WAIT2"), ("knuth", "CLOSE_WAIT", "LAST_ACK"),
              ("laptop", "FIN_WAIT2", "TIME_WAIT")]
    missing = [m for m in wanted if m not in moves]
    check(not missing, "the trace lacks state changes read from the kernel: %s" % missing,
          show_seq("state changes", moves))
    syn_recv = states[moves.index(("knuth", "NONE", "SYN_RECV"))]
    check(syn["delivered_us"] <= syn_recv["t"] <= ack["delivered_us"],
          "the server's SYN_RECV (at %d us) is not between the SYN's delivery (%d) and the ACK's (%d)"
          % (syn_recv["t"], syn["delivered_us"], ack["delivered_us"]))
    last_ack = moves.index(("knuth", "CLOSE_WAIT", "LAST_ACK"))
    check(moves.index(("laptop", "FIN_WAIT1", "FIN_WAIT2")) < last_ack
          and last_ack < moves.index(("laptop", "FIN_WAIT2", "TIME_WAIT")),
          "FIN_WAIT2 on the laptop, then LAST_ACK on knuth, then TIME_WAIT: not in that order",
          show_seq("state changes", moves))

    # The pcap is the wire's: Ethernet frames, ARP included, each one the
    # trace has, in its order.
    check(pcap_linktype(pcap) == 1, "%s has link type %d, not 1 (Ethernet)" % (pcap, pcap_linktype(pcap)))
    wire = tshark_segments(pcap)
    check(wire and wire[0][0][0] == "arp", "the pcap's first frame is not ARP",
          show_seq("pcap", [w[0] for w in wire[:5]]))
    compare_seqs("trace", [frame_key(e) for e in all_frames],
                 "tshark -r " + os.path.basename(pcap), [w[0] for w in wire],
                 "tshark lists other frames than the trace")
    compare_seqs("trace seq/ack", [(e["seq"], e["ack"]) for e in segs],
                 "tshark seq/ack", [(w[1], w[2]) for w in wire if w[0][0] == "tcp"],
                 "tshark reads other sequence/acknowledgement numbers than the trace")


def case_loopback_web():
    pcap = os.path.join(TMP, "web-loopback.pcap")
    trace = os.path.join(TMP, "web-loopback.jsonl")
    r = run(["--headless", "web", "--mode=loopback", "--trace=" + trace, "--pcap=" + pcap])
    expect_exit(r, 0)
    events = read_trace(trace)
    segs = segments(events)
    check(len(segs) >= 9, "only %d segments in the trace" % len(segs))
    check(not arp_frames(events), "loopback mode has no link, yet the trace holds ARP frames",
          [json.dumps(e) for e in arp_frames(events)[:3]])
    for e in segs:
        check(e["src"].startswith("127.") and e["dst"].startswith("127."),
              "a segment outside 127.0.0.0/8: %s -> %s" % (e["src"], e["dst"]))
        check(e.get("origin") == "modelled", "a segment is %r, not \"modelled\"" % e.get("origin"),
              [json.dumps(e)])
    syn = segs[0]
    check(norm_flags(syn["flags"]) == "SYN" and split_endpoint(syn["dst"])[1] == 8080,
          "the first segment is not a SYN to port 8080 (80 shifted)", [json.dumps(syn)])
    server = syn["dst"]
    check(all(server in (e["src"], e["dst"]) for e in segs),
          "a segment does not involve the web server %s" % server)
    wire = tshark_segments(pcap)
    check(len(wire) == len(segs), "tshark reads %d segments from the pcap, the trace has %d"
          % (len(wire), len(segs)))
    compare_seqs("trace", [seg_key(e) for e in segs], "pcap", [w[0] for w in wire],
                 "the pcap holds other segments than the trace")


WIRE_SCRIPT = r"""
wire=$1 model=$2 bin=$3 scenario=$4 log=$5 ip=$6 tshark=$7
"$ip" link set lo up || { echo "cannot bring lo up" >&2; exit 90; }
"$tshark" -n -i lo -w "$wire" -f "tcp or udp" >"$log" 2>&1 &
ts=$!
i=0
while [ ! -s "$wire" ]; do
  i=$((i + 1))
  if [ $i -gt 150 ] || ! kill -0 $ts 2>/dev/null; then
    echo "tshark did not start capturing" >&2; kill $ts 2>/dev/null; exit 91
  fi
  sleep 0.1
done
sleep 1
"$bin" --headless "$scenario" --mode=loopback --trace="$model"
rc=$?
sleep 0.5
kill -INT $ts
wait $ts
exit $rc
"""


def case_wire(scenario):
    need_tools(("tshark", TSHARK), ("unshare", UNSHARE), ("ip", IP))
    wire = os.path.join(TMP, "wire-%s.pcapng" % scenario)
    model = os.path.join(TMP, "model-%s.jsonl" % scenario)
    log = os.path.join(TMP, "wire-%s.log" % scenario)
    env = dict(ENV)
    env.setdefault("HOME", TMP)
    before = helper_pids()
    proc = subprocess.run([UNSHARE, "-rn", "sh", "-c", WIRE_SCRIPT, "sh",
                           wire, model, BINARY, scenario, log, IP, TSHARK],
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT + 30)
    check_no_leftover(before, "the capture run of %s" % scenario)
    details = ["stderr: " + l for l in proc.stderr.decode("utf-8", "replace").splitlines()[:15]]
    if os.path.exists(log):
        with open(log, errors="replace") as f:
            details += ["tshark: " + l for l in f.read().splitlines()[:10]]
    check(proc.returncode == 0,
          "unshare -rn ... packetflow --headless %s --mode=loopback exited %d"
          % (scenario, proc.returncode), details)
    modelled = [seg_key(e) for e in segments(read_trace(model))]
    real = [w[0] for w in tshark_segments(wire)]
    check(real, "tshark captured nothing on lo", details)
    compare_seqs("modelled (trace)", modelled, "real (tshark on lo)", real,
                 "the model differs from the wire: %d modelled, %d real segments"
                 % (len(modelled), len(real)))


def case_same_shape(scenario):
    shapes = {}
    for mode in ("exact", "loopback"):
        trace = os.path.join(TMP, "shape-%s-%s.jsonl" % (scenario, mode))
        r = run(["--headless", scenario, "--mode=" + mode, "--trace=" + trace])
        expect_exit(r, 0)
        shapes[mode] = directions(read_trace(trace))
    compare_seqs("exact", shapes["exact"], "loopback", shapes["loopback"],
                 "exact and loopback modes give segments of another shape")


def case_refused(mode):
    trace = os.path.join(TMP, "refused-%s.jsonl" % mode)
    r = run(["--headless", "refused", "--mode=" + mode, "--trace=" + trace])
    expect_exit(r, 0)
    events = read_trace(trace)
    segs = segments(events)
    errors = errors_of(events)
    check(any(e.get("code") == "ECONNREFUSED" for e in errors),
          "the trace has no error event with code \"ECONNREFUSED\"",
          ["errors: %s" % json.dumps(errors)] + show_seq("segments", [seg_key(e) for e in segs]))
    check(segs and norm_flags(segs[0]["flags"]) == "SYN", "the first segment is not a SYN")
    syn = segs[0]
    rst = [e for e in segs if norm_flags(e["flags"]) == "RST,ACK"]
    check(rst and rst[0]["src"] == syn["dst"] and rst[0]["dst"] == syn["src"],
          "no RST,ACK from %s back to %s" % (syn["dst"], syn["src"]),
          show_seq("segments", [seg_key(e) for e in segs]))
    if mode == "exact":
        arp = arp_frames(events)
        check(len(arp) >= 2 and frames(events)[0].get("proto") == "arp",
              "no ARP request and reply before the SYN on the wire",
              show_seq("frames", [frame_key(e) for e in frames(events)[:6]]))
        moves = [(e["host"], e["from"], e["to"]) for e in events
                 if e["kind"] == "state" and e.get("remote")]
        check(("laptop", "NONE", "SYN_SENT") in moves and ("laptop", "SYN_SENT", "CLOSE") in moves,
              "the refused connection is not SYN_SENT, then CLOSE, read from the kernel",
              show_seq("state changes", moves))
        check(syn["dst"] == "192.203.196.71:8080",
              "the refused SYN goes to %s, not 192.203.196.71:8080" % syn["dst"])
        check(rst[0].get("origin") == "captured", "the RST,ACK is not \"captured\"")
        check(rst[0]["ack"] == (syn["seq"] + 1) % (1 << 32), "the RST,ACK does not ack the SYN")
    else:
        check(all(e.get("origin") == "modelled" for e in segs), "a segment is not \"modelled\"")


def case_expect_fails():
    with open(WEB_FILE, encoding="utf-8") as f:
        web = json.load(f)
    for step in web["steps"]:
        if step["action"] == "expect":
            step["contains"] = "HTTP/1.1 404"
    path = write_file("web-404.pflow.json", json.dumps(web, indent=2))
    trace = os.path.join(TMP, "web-404.jsonl")
    r = run(["--headless", path, "--trace=" + trace])
    expect_exit(r, 1)
    check(errors_of(read_trace(trace)), "the trace has no error event", r.describe())


def case_env_refused_exact():
    env = dict(ENV, PACKETFLOW_NETNS_HELPER="/nonexistent")
    r = run(["--headless", "web", "--mode=exact", "--trace=" + os.path.join(TMP, "nohelper.jsonl")], env=env)
    expect_exit(r, 3)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(lines, "nothing on stderr")
    check(any(is_sentence(l) for l in lines), "stderr has no sentence saying why", r.describe())
    check(not any(is_bare_errno(l) for l in lines), "stderr reports a bare errno", r.describe())


def case_env_refused_auto():
    env = dict(ENV, PACKETFLOW_NETNS_HELPER="/nonexistent")
    r = run(["--headless", "web", "--mode=auto", "--trace=" + os.path.join(TMP, "auto.jsonl")], env=env)
    expect_exit(r, 0)
    lines = r.stderr.splitlines()
    check(any(l.startswith("mode: loopback") for l in lines), "no line starting \"mode: loopback\"",
          r.describe())
    why = [l for l in lines if l.startswith("why:")]
    check(why and is_sentence(why[0]), "no \"why:\" line with a reason", r.describe())


def case_trace_unwritable(option):
    missing = os.path.join(TMP, "no-such-directory")
    target = os.path.join(missing, "out.jsonl" if option == "trace" else "out.pcap")
    other = os.path.join(TMP, "other-%s" % option)
    args = ["--headless", "web"]
    if option == "trace":
        args += ["--trace=" + target, "--pcap=" + other + ".pcap"]
    else:
        args += ["--pcap=" + target, "--trace=" + other + ".jsonl"]
    r = run(args)
    check(r.returncode != 0, "exit status 0 although the %s cannot be written" % option, r.describe())
    lines = [l for l in r.stderr.splitlines() if target in l]
    check(lines, "no message on stderr names %s" % target, r.describe())
    check(is_sentence(lines[0]), "the message is not a sentence: %r" % lines[0])
    check(not os.path.exists(missing), "%s was created" % missing)
    leftovers = [p for p in (other + ".pcap", other + ".jsonl") if os.path.exists(p)]
    check(not leftovers, "the other output was written although the run failed: %s" % leftovers)
    check(r.stdout == "", "something was written to stdout", [r.stdout[:200]])


MANY_TIMES = {}


def case_many(mode):
    path = os.path.join(TMP, "many.pflow.json")
    text, total = many_messages_scenario(MANY_MESSAGES)
    if not os.path.exists(path):
        write_file("many.pflow.json", text)
    trace = os.path.join(TMP, "many-%s.jsonl" % mode)
    r = run(["--headless", path, "--mode=" + mode, "--trace=" + trace])
    MANY_TIMES[mode] = r.seconds
    expect_exit(r, 0)
    events = read_trace(trace)
    errors = errors_of(events)
    check(not errors, "%d error event(s)" % len(errors), [json.dumps(e) for e in errors[:5]])
    delivered = {}
    for e in events:
        if e["kind"] == "deliver":
            delivered[e.get("host")] = delivered.get(e.get("host"), 0) + e["len"]
    check(delivered.get("echo", 0) == total,
          "the echo server received %d bytes, %d were sent" % (delivered.get("echo", 0), total))
    check(delivered.get("laptop", 0) == total,
          "the laptop received %d bytes back, %d were sent" % (delivered.get("laptop", 0), total))
    return ["%s mode: %d messages in %.1f s" % (mode, MANY_MESSAGES, r.seconds)]


CASES = [
    ("1 --list prints web and refused as NAME<TAB>TITLE", case_list),
    ("2 --check accepts data/scenarios/web.pflow.json", case_check_good),
    ("2 --check on port 70000 exits 2 with FILE:LINE:COLUMN", case_check_bad),
    ("2 --headless on bad input exits 2 and writes no trace or pcap", case_headless_bad),
    ("3 exact mode: web is the real handshake, GET, reply and close, captured; tshark agrees", case_exact_web),
    ("4 loopback mode: web on 127.x:8080, modelled, pcap read by tshark", case_loopback_web),
    ("5 loopback model of web is true to the wire (tshark on lo)", lambda: case_wire("web")),
    ("5 loopback model of refused is true to the wire (tshark on lo)", lambda: case_wire("refused")),
    ("6 web has the same shape in exact and loopback modes", lambda: case_same_shape("web")),
    # Not refused: how its server acknowledges the client's FIN (alone or
    # with its own FIN) varies from run to run on the real kernel, so two
    # runs need not match; case 5 checks its model against the wire.
    ("7 refused in exact mode: ECONNREFUSED and a captured RST,ACK", lambda: case_refused("exact")),
    ("7 refused in loopback mode: ECONNREFUSED and a modelled RST,ACK", lambda: case_refused("loopback")),
    ("8 an expectation that cannot be met exits 1 with an error event", case_expect_fails),
    ("9 --mode=exact without a helper exits 3 with a sentence", case_env_refused_exact),
    ("9 --mode=auto without a helper falls back to loopback and says why", case_env_refused_auto),
    ("10 --trace into a missing directory fails with a sentence, nothing written", lambda: case_trace_unwritable("trace")),
    ("10 --pcap into a missing directory fails with a sentence, nothing written", lambda: case_trace_unwritable("pcap")),
    ("11 10,000 messages over one connection, exact mode, within %d s" % RUN_TIMEOUT, lambda: case_many("exact")),
    ("11 10,000 messages over one connection, loopback mode, within %d s" % RUN_TIMEOUT, lambda: case_many("loopback")),
]


def main():
    pftest.become_subreaper()
    return pftest.main(CASES, scratch=TMP, before_each=lambda: pftest.check_build_tree(BINARY, ENV))


if __name__ == "__main__":
    sys.exit(main())
