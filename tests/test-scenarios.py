#!/usr/bin/env python3
# Packet Flow: the built-in scenarios (issue 5), TAP output.
#
# Usage: test-scenarios.py PACKETFLOW SOURCE_DIR
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER, as for
# running the build tree (meson sets them). Needs tshark (/usr/bin/tshark),
# unshare and ip; `./run test` installs tshark.
#
# Every NAME.pflow.json in data/scenarios/ is run by path (so a scenario
# is tested before it is compiled into the program), in exact mode and in
# loopback mode, with a trace and a pcap. Each run must exit 0, record one
# step event per step with the file's narration, write a pcap that tshark
# reads as the trace's segments, and show the events that make the
# scenario's point: CHECKS below has one function per scenario, and a
# scenario file without one fails, so a new scenario comes with its test.
#
# Loopback mode uses 127.0.0.0/8 on lo, shared with everything else on the
# machine (another test, a developer's own run). To be alone there, the
# loopback runs happen in a network namespace of their own (unshare -rn),
# with lo up: the same code path, a clean lo.
#
# Also: `packetflow --check` and the JSON Schema accept every file, and
# index.txt and pf-scenarios.gresource.xml list exactly the files there.

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

import pftest
from pftest import (Fail, check, expect_exit, find_tool, norm_flags, read_trace, seg_key,
                    split_endpoint)

RUN_TIMEOUT = 60          # seconds for one run of packetflow
LESSON_ORDER = ["echo", "web", "dns", "ports", "mail", "ssh", "tabs", "chat",
                "refused", "udp-tcp", "udp-echo", "mss", "who-closes", "half-close",
                "tcp-life", "arp", "router"]
MODES = ("exact", "loopback")

EXCERPT_CHARS = 64        # core/pf-trace-writer.c: PAYLOAD_EXCERPT_CHARS


# ---------------------------------------------------------------- setup

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")
SCENARIO_DIR = os.path.join(SRCDIR, "data", "scenarios")
SCHEMA = os.path.join(SRCDIR, "data", "scenario.schema.json")
VALIDATOR = os.path.join(SRCDIR, "tests", "validate-schema.py")
ENV = dict(os.environ)
ENV.setdefault("LC_ALL", "C.UTF-8")
TMP = tempfile.mkdtemp(prefix="pf-test-scenarios-")
ENV.setdefault("HOME", TMP)     # tshark wants a home for its profile


TSHARK = "/usr/bin/tshark" if os.access("/usr/bin/tshark", os.X_OK) else shutil.which("tshark")
UNSHARE = find_tool("unshare", "/usr/bin/unshare", "/bin/unshare")
IP = find_tool("ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")


def need_tools():
    for name, path in (("tshark", TSHARK), ("unshare", UNSHARE), ("ip", IP)):
        check(path is not None,
              "%s is not installed: this test needs it (./run test installs it; "
              "or apt-get install %s)" % (name, "tshark" if name == "tshark" else "iproute2 util-linux"))


# ---------------------------------------------------------------- processes


# In a namespace of its own, lo starts down: bring it up, then run.
ISOLATE_SCRIPT = '"$0" link set lo up || { echo "cannot bring lo up" >&2; exit 90; }; exec "$@"'


def run(args, isolated=False, timeout=RUN_TIMEOUT):
    """Run packetflow, in a network namespace of its own if @isolated;
    check that no helper is left over afterwards."""
    command = [BINARY] + args
    if isolated:
        need_tools()
        command = [UNSHARE, "-rn", "sh", "-c", ISOLATE_SCRIPT, IP] + command
    return pftest.run_packetflow(command, args, ENV, timeout)


# ---------------------------------------------------------------- traces


def has_flag(segment, flag):
    return flag in segment["flags"].split(",")


def show_seq(name, seq, limit=60):
    lines = ["%s (%d):" % (name, len(seq))]
    for item in seq[:limit]:
        lines.append("  " + " ".join(str(x) for x in item))
    if len(seq) > limit:
        lines.append("  ...")
    return lines


def excerpt(data):
    """What the trace shows of a payload (core/pf-trace-writer.c): its
    characters as they are, once escaped by JSON, a byte that is not text
    as U+FFFD."""
    out, i = [], 0
    while i < len(data):
        if len(out) == EXCERPT_CHARS:
            return "".join(out) + "…"
        byte = data[i]
        size, piece = 1, "\ufffd"
        if byte in (9, 10, 13) or 0x20 <= byte < 0x7f:
            piece = chr(byte)
        elif byte >= 0x80:
            for n in (2, 3, 4):
                try:
                    c = data[i:i + n].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if c.isprintable():
                    size, piece = n, c
                break
        out.append(piece)
        i += size
    return "".join(out)


# ---------------------------------------------------------------- tshark

PCAP_FIELDS = ["frame.number", "ip.src", "tcp.srcport", "udp.srcport", "ip.dst", "tcp.dstport",
               "udp.dstport", "ip.proto", "tcp.flags", "tcp.len", "udp.length", "tcp.seq_raw",
               "tcp.ack_raw", "tcp.payload", "udp.payload", "tcp.options.mss_val",
               "dns.flags.response", "dns.qry.name", "dns.a", "icmp.type", "icmp.code",
               "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "ip.ttl"]


def read_pcap(path, dns_ports=()):
    """Every frame of a capture file as a dict: proto, src, dst, flags,
    len, seq, ack, payload (bytes), mss, and for DNS messages dns_response,
    dns_names, dns_addresses. @dns_ports: UDP ports to decode as DNS."""
    need_tools()
    check(os.path.exists(path), "no capture file at %s" % path)
    cmd = [TSHARK, "-n", "-r", path, "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for port in sorted(set(dns_ports)):
        cmd += ["-d", "udp.port==%d,dns" % port]
    for field in PCAP_FIELDS:
        cmd += ["-e", field]
    proc = subprocess.run(cmd, env=ENV, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(proc.returncode == 0, "tshark could not read %s (exit %d)" % (path, proc.returncode),
          proc.stderr.decode("utf-8", "replace").splitlines()[:10])
    frames = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        v = dict(zip(PCAP_FIELDS, line.split("\t")))
        proto = v.get("ip.proto", "")
        frame = {"number": int(v["frame.number"])}
        if v.get("arp.opcode", "") != "":
            # Exact mode's wire carries ARP before the first IP packet.
            frame.update(proto="arp", src=v["arp.src.proto_ipv4"], dst=v["arp.dst.proto_ipv4"],
                         flags="", len=0, payload=b"", arp_op=int(v["arp.opcode"]))
        elif proto.split(",")[0] == "1":
            # An ICMP error quotes the IP and UDP header it answers: the
            # first of each field is the ICMP message's own, the UDP
            # ports are the quoted datagram's.
            frame.update(proto="icmp", src=v["ip.src"].split(",")[0], dst=v["ip.dst"].split(",")[0],
                         flags="", len=0, payload=b"",
                         icmp_type=int(v["icmp.type"].split(",")[0]),
                         icmp_code=int(v["icmp.code"].split(",")[0]),
                         quoted_dport=int(v["udp.dstport"] or 0))
        elif proto == "6":
            frame.update(proto="tcp", ttl=int(v["ip.ttl"]),
                         src="%s:%s" % (v["ip.src"], v["tcp.srcport"]),
                         dst="%s:%s" % (v["ip.dst"], v["tcp.dstport"]),
                         flags=norm_flags(int(v["tcp.flags"], 16)),
                         len=int(v["tcp.len"]),
                         seq=int(v["tcp.seq_raw"]), ack=int(v["tcp.ack_raw"] or 0),
                         payload=bytes.fromhex(v["tcp.payload"].replace(":", "")),
                         mss=int(v["tcp.options.mss_val"]) if v["tcp.options.mss_val"] else None)
        elif proto == "17":
            frame.update(proto="udp", ttl=int(v["ip.ttl"]),
                         src="%s:%s" % (v["ip.src"], v["udp.srcport"]),
                         dst="%s:%s" % (v["ip.dst"], v["udp.dstport"]),
                         flags="", len=int(v["udp.length"]) - 8,
                         payload=bytes.fromhex(v["udp.payload"].replace(":", "")))
            if v.get("dns.flags.response", "") != "":
                frame.update(dns_response=v["dns.flags.response"] in ("1", "True"),
                             dns_names=[n for n in v["dns.qry.name"].split(",") if n],
                             dns_addresses=[a for a in v["dns.a"].split(",") if a])
        else:
            raise Fail("%s holds a frame that is neither ARP, nor TCP, UDP or ICMP over IPv4"
                       % path, [line])
        check(len(frame["payload"]) == frame["len"],
              "tshark reads %d payload bytes in frame %d of %s, its header says %d"
              % (len(frame["payload"]), frame["number"], path, frame["len"]))
        frames.append(frame)
    return frames


# ---------------------------------------------------------------- scenarios

def scenario_files():
    names = sorted(f[:-len(".pflow.json")] for f in os.listdir(SCENARIO_DIR)
                   if f.endswith(".pflow.json"))
    check(names, "no .pflow.json file in %s" % SCENARIO_DIR)
    return names


def scenario_path(name):
    return os.path.join(SCENARIO_DIR, name + ".pflow.json")


def load_scenario(name):
    with open(scenario_path(name), encoding="utf-8") as f:
        return json.load(f)


def scenario_ports(scenario):
    """Every port the scenario names (what loopback mode reserves)."""
    ports = set()
    for host in scenario["hosts"]:
        for service in host.get("services", []):
            ports.add(service["port"])
    for step in scenario["steps"]:
        for key in ("port", "source_port"):
            if key in step:
                ports.add(step[key])
    return ports


class Run:
    """One run of a scenario in one mode: its trace, its pcap, and how
    its hosts and ports appear in them."""

    def __init__(self, name, mode):
        self.name = name
        self.mode = mode
        self.scenario = load_scenario(name)
        self.hosts = {h["id"]: h for h in self.scenario["hosts"]}
        trace = os.path.join(TMP, "%s-%s.jsonl" % (name, mode))
        pcap = os.path.join(TMP, "%s-%s.pcap" % (name, mode))
        self.result = run(["--headless", scenario_path(name), "--mode=" + mode,
                           "--trace=" + trace, "--pcap=" + pcap],
                          isolated=(mode == "loopback"))
        expect_exit(self.result, 0)
        self.events = read_trace(trace)
        self.address_of = self._learn_addresses()
        self._low_ports = {}
        dns_ports = {self.port(s["port"]) for h in self.scenario["hosts"]
                     for s in h.get("services", []) if s["type"] == "dns"}
        self.frames = read_pcap(pcap, dns_ports)

    def _learn_addresses(self):
        """Host id → the address its sockets have in this run."""
        addresses = {}
        for e in self.events:
            if "host" in e and e.get("local"):
                address, _ = split_endpoint(e["local"])
                previous = addresses.setdefault(e["host"], address)
                check(previous == address,
                      "host \"%s\" has two addresses in the trace: %s and %s"
                      % (e["host"], previous, address))
        for host_id, address in addresses.items():
            if self.mode == "exact":
                check(address == self.hosts[host_id]["address"],
                      "in exact mode host \"%s\" is %s, the scenario says %s"
                      % (host_id, address, self.hosts[host_id]["address"]))
            else:
                check(address.startswith("127."),
                      "in loopback mode host \"%s\" is %s, outside 127.0.0.0/8" % (host_id, address))
        return addresses

    def addr(self, host_id):
        check(host_id in self.address_of,
              "no event of the trace shows host \"%s\"'s address" % host_id)
        return self.address_of[host_id]

    def port(self, port):
        """The port as this mode has it: loopback mode moves ports below
        1024 to the first free port from 8000 + port up, skipping the
        ports the scenario itself names (core/pf-netspace-loopback.c)."""
        if self.mode == "exact" or port >= 1024:
            return port
        if port not in self._low_ports:
            taken = scenario_ports(self.scenario) | set(self._low_ports.values())
            mapped = 8000 + port
            while mapped in taken:
                mapped += 1
            self._low_ports[port] = mapped
        return self._low_ports[port]

    def endpoint(self, host_id, port):
        return "%s:%d" % (self.addr(host_id), self.port(port))

    # Events

    def of_kind(self, kind):
        return [e for e in self.events if e["kind"] == kind]

    def segments(self, proto=None):
        """The IP packets (ARP apart: arps ())."""
        return [e for e in self.of_kind("segment")
                if not is_arp(e) and (proto is None or (e["proto"] == proto and not is_icmp(e)))]

    def arps(self):
        return [e for e in self.of_kind("segment") if is_arp(e)]

    def errors(self):
        return self.of_kind("error")

    def delivered(self, host_id, proto="tcp"):
        return [e for e in self.of_kind("deliver") if e["host"] == host_id and e["proto"] == proto]

    def connections(self):
        """Every TCP connection, in the order of their SYNs: a dict with
        the client's and the server's endpoints, the SYN's step, and the
        connection's segments and frames."""
        conns = []
        # A segment through a router is in the trace and the pcap once per
        # link: the connection's are the ones as they left their sender,
        # before any router (its TTL untouched: 64).
        sent = [e for e in self.segments("tcp") if e.get("ttl", 64) == 64]
        for e in sent:
            if norm_flags(e["flags"]) == "SYN":
                conns.append({"client": e["src"], "server": e["dst"], "step": e["step"]})
        for c in conns:
            ends = {c["client"], c["server"]}
            c["segments"] = [e for e in sent if {e["src"], e["dst"]} == ends]
            c["frames"] = [f for f in self.frames if f["proto"] == "tcp" and f["ttl"] == 64 and
                           {f["src"], f["dst"]} == ends]
        return conns

    def frames_from(self, conn, side):
        src = conn[side]
        return [f for f in conn["frames"] if f["src"] == src]

    def data_sent(self, conn, side):
        """The bytes one side sent on a connection, from the pcap."""
        return b"".join(f["payload"] for f in self.frames_from(conn, side))

    def last_states(self):
        """(host, local, remote) → the last TCP state the trace shows."""
        last = {}
        for e in self.of_kind("state"):
            if e.get("proto") == "tcp" and e.get("remote"):
                last[(e["host"], e["local"], e["remote"])] = e["to"]
        return last

    def describe_segments(self):
        return show_seq("segments", [(e["step"],) + (("icmp", e["src"], e["dst"]) if is_icmp(e) else seg_key(e))
                                     for e in self.segments()])


def is_arp(segment):
    """An ARP message the wire carried: "proto": "arp", its fields in "arp"."""
    return segment["proto"] == "arp"


def is_icmp(segment):
    """An ICMP message in the trace: "proto": "icmp", addresses without
    ports (tests/test-protocols.py compares it with tshark's reading)."""
    return segment["proto"] == "icmp"


def common_checks(r):
    """What every scenario's run must show."""
    steps = r.of_kind("step")
    # Set-up is step 0; the file's first step is step 1, as in the window.
    check([e["step"] for e in steps] == list(range(1, len(r.scenario["steps"]) + 1)),
          "the trace has step events %s, the file has %d steps"
          % ([e["step"] for e in steps], len(r.scenario["steps"])))
    for e, step in zip(steps, r.scenario["steps"]):
        check(e.get("narration") == step["narration"],
              "step %d's narration in the trace is not the file's" % e["step"],
              ["trace: %r" % e.get("narration"), "file:  %r" % step["narration"]])
    check(r.segments(), "the trace has no segment")
    origin = "captured" if r.mode == "exact" else "modelled"
    wrong = [e for e in r.segments() if e.get("origin") != origin]
    check(not wrong, "%d segment(s) are not \"%s\"" % (len(wrong), origin),
          [json.dumps(e) for e in wrong[:5]])
    trace_keys = [seg_key(e) for e in r.segments() if not is_icmp(e)]
    pcap_keys = [(f["proto"], f["src"], f["dst"], f["flags"], f["len"]) for f in r.frames
                 if f["proto"] not in ("icmp", "arp")]
    check(trace_keys == pcap_keys, "tshark reads other segments from the pcap than the trace has",
          show_seq("trace", trace_keys) + show_seq("pcap", pcap_keys))
    # ARP: on the wire before the first IP packet to each neighbour, the
    # same messages in the trace as in the pcap; no wire, no ARP.
    trace_arps = [({"request": 1, "reply": 2}[e["arp"]["op"]], e["arp"]["sender_ip"],
                   e["arp"]["target_ip"]) for e in r.arps()]
    pcap_arps = [(f["arp_op"], f["src"], f["dst"]) for f in r.frames if f["proto"] == "arp"]
    check(trace_arps == pcap_arps, "tshark reads other ARP messages from the pcap than the trace has",
          show_seq("trace", trace_arps) + show_seq("pcap", pcap_arps))
    if r.mode == "exact":
        check(trace_arps and trace_arps[0][0] == 1, "the first frame on the wire is no ARP request",
              show_seq("ARP", trace_arps))
    else:
        check(not trace_arps, "loopback mode shows ARP it cannot have seen", show_seq("ARP", trace_arps))
    # Every connection opens with the three-way handshake, or is refused.
    for c in r.connections():
        shape = [norm_flags(e["flags"]) for e in c["segments"][:3]]
        check(shape == ["SYN", "SYN,ACK", "ACK"] or shape[:2] == ["SYN", "RST,ACK"],
              "the connection %s → %s opens with %s" % (c["client"], c["server"], shape),
              r.describe_segments())


def no_errors(r):
    errors = r.errors()
    check(not errors, "%d error event(s)" % len(errors), [json.dumps(e) for e in errors[:5]])


def one_connection_to(r, host_id, port, conns=None):
    conns = r.connections() if conns is None else conns
    server = r.endpoint(host_id, port)
    found = [c for c in conns if c["server"] == server]
    check(len(found) == 1, "%d connection(s) to %s (%s port %d), expected one"
          % (len(found), server, host_id, port), r.describe_segments())
    return found[0]


def closed_by_both(r, conn, first):
    """Both sides sent FIN, @first ("client" or "server") first, and the
    last segment acknowledges the other FIN."""
    fins = [f for f in conn["frames"] if "FIN" in f["flags"].split(",")]
    senders = [f["src"] for f in fins]
    check(sorted(senders) == sorted([conn["client"], conn["server"]]),
          "the connection %s → %s does not end with one FIN from each side"
          % (conn["client"], conn["server"]), show_seq("FINs", [(f["src"], f["flags"]) for f in fins]))
    check(senders[0] == conn[first], "the %s did not send the first FIN" % first,
          show_seq("FINs", [(f["src"], f["flags"]) for f in fins]))
    last = conn["frames"][-1]
    second_fin = fins[1]
    check(last["src"] == fins[0]["src"] and last["ack"] == (second_fin["seq"] + 1) % (1 << 32),
          "the last segment of %s → %s does not acknowledge the second FIN"
          % (conn["client"], conn["server"]))


def acknowledged_in_its_step(r, conn, side):
    """Every data segment @side sends on @conn is acknowledged by the
    other side's kernel in the same step (the narration says so)."""
    other = conn["server"] if side == "client" else conn["client"]
    for e in conn["segments"]:
        if e["src"] != conn[side] or e["len"] == 0:
            continue
        end = (e["seq"] + e["len"]) % (1 << 32)
        check(any(a["src"] == other and a["step"] == e["step"] and has_flag(a, "ACK") and
                  a["ack"] == end for a in conn["segments"]),
              "the %s's %d bytes in step %d are not acknowledged in that step"
              % (side, e["len"], e["step"]), r.describe_segments())


def delivered_excerpts(r, host_id, local=None):
    return [e["payload"] for e in r.delivered(host_id) if local is None or e["local"] == local]


# ---------------------------------------------------------------- per scenario

def check_echo(r):
    no_errors(r)
    message = b"Hello, echo!\n"
    conns = r.connections()
    check(len(conns) == 1, "%d connections, expected one" % len(conns), r.describe_segments())
    c = one_connection_to(r, "echo", 7, conns)
    address, port = split_endpoint(c["client"])
    check(address == r.addr("laptop") and port >= 1024,
          "the client's end is %s, expected the laptop's address and a port the kernel picked"
          % c["client"])
    four = {c["client"], c["server"]}
    check(all({e["src"], e["dst"]} == four for e in r.segments()),
          "a segment is not between %s and %s" % tuple(sorted(four)), r.describe_segments())
    check(r.data_sent(c, "client") == message and r.data_sent(c, "server") == message,
          "the echo did not carry the message there and back",
          ["client sent %r" % r.data_sent(c, "client"), "server sent %r" % r.data_sent(c, "server")])
    check(delivered_excerpts(r, "echo") == [excerpt(message)] and
          delivered_excerpts(r, "laptop") == [excerpt(message)],
          "each program did not read the message once",
          ["echo read %s" % delivered_excerpts(r, "echo"), "laptop read %s" % delivered_excerpts(r, "laptop")])
    acknowledged_in_its_step(r, c, "client")
    acknowledged_in_its_step(r, c, "server")
    to_server = [e for e in r.of_kind("deliver") if e["host"] == "echo"][0]
    back = [e for e in r.of_kind("deliver") if e["host"] == "laptop"][0]
    check(back["step"] == to_server["step"] + 1,
          "the echo came back in step %d, its request arrived in step %d: the answer belongs "
          "to the next step" % (back["step"], to_server["step"]))
    closed_by_both(r, c, "client")


def check_web(r):
    no_errors(r)
    c = one_connection_to(r, "knuth", 80)
    check(r.data_sent(c, "client").startswith(b"GET / HTTP/1.1\r\nHost: knuth.luther.edu\r\n"),
          "the browser did not send GET / with Host: knuth.luther.edu")
    check(r.data_sent(c, "server").startswith(b"HTTP/1.1 200 OK\r\n"), "the server did not answer 200 OK")
    acknowledged_in_its_step(r, c, "client")
    acknowledged_in_its_step(r, c, "server")
    check(delivered_excerpts(r, "laptop", c["client"])[0].startswith("HTTP/1.1 200 OK"),
          "the browser did not read the 200 OK")
    closed_by_both(r, c, "client")


def check_dns(r):
    no_errors(r)
    knuth = r.hosts["knuth"]["address"]
    resolver = r.endpoint("resolver", 53)
    queries = [f for f in r.frames if f["proto"] == "udp" and f["dst"] == resolver]
    answers = [f for f in r.frames if f["proto"] == "udp" and f["src"] == resolver]
    check(len(queries) == 2 and len(answers) == 2,
          "%d datagram(s) to the DNS server %s and %d back, expected two each"
          % (len(queries), resolver, len(answers)), r.describe_segments())
    for q, a in zip(queries, answers):
        check(split_endpoint(q["src"])[0] == r.addr("laptop") and a["dst"] == q["src"],
              "the answer %s → %s does not go back to the query's %s" % (a["src"], a["dst"], q["src"]))
        check(q.get("dns_response") is False and a.get("dns_response") is True,
              "tshark does not read a DNS query and its response",
              ["query: %s" % q.get("dns_names"), "answer: %s" % a.get("dns_names")])
    names = [q["dns_names"] for q in queries]
    check(names == [["knuth.luther.edu"], ["www.luther.edu"]],
          "the queries ask for %s, expected knuth.luther.edu, then www.luther.edu" % names)
    check([a["dns_names"] for a in answers] == names, "the answers are not for the names asked")
    got = [a["dns_addresses"] for a in answers]
    check(got == [[knuth], [knuth]],
          "the answers give %s, expected %s for both names" % (got, knuth))
    for host_id in ("resolver", "laptop"):
        check(len(r.delivered(host_id, "udp")) == 2,
              "%s's program read %d datagram(s), expected two"
              % (host_id, len(r.delivered(host_id, "udp"))))
    udp_steps = sorted({(e["step"]) for e in r.segments("udp")})
    check(udp_steps == [1, 2], "the DNS datagrams travel in steps %s, expected 1 and 2 "
          "(a UDP service answers in the same step)" % udp_steps)
    c = one_connection_to(r, "knuth", 80)
    check(split_endpoint(c["server"])[0] == r.addr("knuth") and c["step"] > max(udp_steps),
          "the connection to the address the answers gave does not come after them")
    check(r.data_sent(c, "client").startswith(b"GET / HTTP/1.1\r\nHost: www.luther.edu\r\n"),
          "the browser's request does not name www.luther.edu in its Host line")
    check(r.data_sent(c, "server").startswith(b"HTTP/1.1 200 OK\r\n"), "the server did not answer 200 OK")
    closed_by_both(r, c, "client")


def check_ports(r):
    no_errors(r)
    conns = r.connections()
    check(len(conns) == 3, "%d connections, expected three" % len(conns), r.describe_segments())
    answers = {80: b"HTTP/1.1 200 OK\r\n", 25: b"220 knuth.luther.edu ESMTP",
               22: b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"}
    sources = set()
    for port, answer in answers.items():
        c = one_connection_to(r, "knuth", port, conns)
        sources.add(c["client"])
        check(split_endpoint(c["client"])[0] == r.addr("laptop"),
              "the connection to port %d does not come from the laptop" % port)
        check(r.data_sent(c, "server").startswith(answer),
              "port %d was not answered by its program: expected %r, got %r"
              % (port, answer, r.data_sent(c, "server")[:40]))
        read = delivered_excerpts(r, "laptop", c["client"])
        check(read and read[0].startswith(excerpt(answer)[:20]),
              "the laptop's program on port %d's connection did not read the answer" % port, read)
        closed_by_both(r, c, "client")
    check(len(sources) == 3, "the three connections do not have three source ports", sorted(sources))


def check_mail(r):
    no_errors(r)
    c = one_connection_to(r, "knuth", 25)
    replies = [f["payload"] for f in r.frames_from(c, "server") if f["payload"]]
    codes = [p[:3].decode("ascii", "replace") for p in replies]
    check(codes == ["220", "250", "250", "250", "354", "250", "221"],
          "the server's replies have codes %s, expected 220 250 250 250 354 250 221" % codes)
    commands = [f["payload"] for f in r.frames_from(c, "client") if f["payload"]]
    words = [re.split(rb"[ :\r]", p, 1)[0] for p in commands]
    check(words == [b"HELO", b"MAIL", b"RCPT", b"DATA", b"From", b"QUIT"],
          "the client sent %s, expected HELO, MAIL FROM, RCPT TO, DATA, the message, QUIT" % words)
    check(commands[4].endswith(b"\r\n.\r\n"), "the message does not end with a line holding a dot")
    read = delivered_excerpts(r, "laptop", c["client"])
    check([p[:3] for p in read] == codes, "the mail program read replies %s" % read)
    # Each reply travels in the step after its command (the 220 after the connect).
    client_steps = [e["step"] for e in c["segments"] if e["src"] == c["client"] and e["len"] > 0]
    server_steps = [e["step"] for e in c["segments"] if e["src"] == c["server"] and e["len"] > 0]
    check(server_steps == [c["step"] + 1] + [s + 1 for s in client_steps],
          "the replies travel in steps %s, the commands in %s: each reply belongs to the step "
          "after its command" % (server_steps, client_steps))
    # QUIT: the server hangs up first and keeps the TIME_WAIT.
    closed_by_both(r, c, "server")
    last = r.last_states()
    server_state = last.get(("knuth", c["server"], c["client"]))
    client_state = last.get(("laptop", c["client"], c["server"]))
    check(server_state == "TIME_WAIT" and client_state != "TIME_WAIT",
          "after the server hung up first, its socket ends in %s and the laptop's in %s; "
          "expected TIME_WAIT on the server only" % (server_state, client_state))


def check_ssh(r):
    no_errors(r)
    c = one_connection_to(r, "knuth", 22)
    banner = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
    check(r.data_sent(c, "server") == banner, "the server sent %r, expected its version line %r"
          % (r.data_sent(c, "server"), banner))
    client_line = r.data_sent(c, "client")
    check(re.fullmatch(rb"SSH-2\.0-[!-~]+\r\n", client_line) is not None,
          "the client sent %r, expected an SSH-2.0 version line" % client_line)
    first_data = [f for f in c["frames"] if f["payload"]][0]
    check(first_data["src"] == c["server"], "the client spoke before the server's banner")
    check(delivered_excerpts(r, "laptop", c["client"]) == [excerpt(banner)],
          "the ssh program did not read the server's banner")
    check(delivered_excerpts(r, "knuth") == [excerpt(client_line)],
          "the SSH server did not read the client's version line")
    closed_by_both(r, c, "client")


def check_tabs(r):
    no_errors(r)
    conns = r.connections()
    check(len(conns) == 3, "%d connections, expected three tabs" % len(conns), r.describe_segments())
    knuth = r.endpoint("knuth", 80)
    example = r.endpoint("example", 80)
    check([c["server"] for c in conns] == [knuth, knuth, example],
          "the tabs connect to %s, expected %s twice, then %s"
          % ([c["server"] for c in conns], knuth, example))
    clients = [split_endpoint(c["client"]) for c in conns]
    check(all(a == r.addr("laptop") for a, _ in clients), "a tab's connection is not from the laptop")
    check(len({p for _, p in clients}) == 3,
          "the source ports %s are not all different" % [p for _, p in clients])
    check(split_endpoint(example)[1] == split_endpoint(knuth)[1] and
          split_endpoint(example)[0] != split_endpoint(knuth)[0],
          "the third tab's server does not differ from knuth in its address only")
    pages = [(b"GET / ", b"Hello from knuth.luther.edu"), (b"GET /news.html ", b"<h1>News</h1>"),
             (b"GET / ", b"Example Domain")]
    for number, (c, (request, page)) in enumerate(zip(conns, pages), 1):
        check(r.data_sent(c, "client").startswith(request),
              "tab %d sent %r" % (number, r.data_sent(c, "client")[:30]))
        answer = r.data_sent(c, "server")
        check(answer.startswith(b"HTTP/1.1 200 OK\r\n") and page in answer,
              "tab %d's connection did not carry back its own page (%r)" % (number, page))
        read = delivered_excerpts(r, "laptop", c["client"])
        check(read and read[0].startswith("HTTP/1.1 200 OK"),
              "tab %d's program did not read the 200 OK" % number)
        # The page comes back under the step that expects it, not under
        # the next tab's request (issue 13).
        expect_step = next(i for i, s in enumerate(r.scenario["steps"], 1)
                           if s["action"] == "expect" and s["connection"] == "tab%d" % number)
        steps = sorted({e["step"] for e in r.delivered("laptop") if e["local"] == c["client"]})
        check(steps == [expect_step], "tab %d's page is read in steps %s, its expect is step %d"
              % (number, steps, expect_step))
        closed_by_both(r, c, "client")


def check_chat(r):
    no_errors(r)
    conns = r.connections()
    check(len(conns) == 2, "%d connections, expected two" % len(conns), r.describe_segments())
    server = r.endpoint("chat", 6667)
    check(all(c["server"] == server for c in conns), "not both clients connect to %s" % server)
    ada, bob = conns
    check(split_endpoint(ada["client"])[0] == r.addr("laptop") and
          split_endpoint(bob["client"])[0] == r.addr("phone"),
          "the connections do not come from the laptop, then the phone")
    lines = [(ada, bob, b"Ada: Hi Bob, are you in the lecture?\n", "phone"),
             (bob, ada, b"Bob: Yes, watching the packets flow.\n", "laptop")]
    for sender, receiver, line, reader in lines:
        sent = [e for e in sender["segments"] if e["src"] == sender["client"] and e["len"] > 0]
        relayed = [e for e in receiver["segments"] if e["src"] == receiver["server"] and e["len"] > 0]
        check(r.data_sent(sender, "client") == line and r.data_sent(receiver, "server") == line,
              "the line %r was not sent on one connection and relayed on the other" % line)
        check(len(sent) == 1 and len(relayed) == 1 and relayed[0]["step"] == sent[0]["step"] + 1,
              "the relay of %r does not travel in the step after the line" % line)
        check(delivered_excerpts(r, reader, receiver["client"]) == [excerpt(line)],
              "the %s's program did not read %r" % (reader, line))
        check(not any(line in f["payload"] for f in r.frames
                      if f["src"] == sender["client"] and f["dst"] == receiver["client"]),
              "a segment went straight from one client to the other")
    for c in conns:
        closed_by_both(r, c, "client")


def check_refused(r):
    errors = r.errors()
    refused = [e for e in errors if e.get("code") == "ECONNREFUSED"]
    check(len(refused) == 1 and len(errors) == 1,
          "expected one error event, ECONNREFUSED; got %s" % [e.get("code") for e in errors])
    conns = r.connections()
    wrong = one_connection_to(r, "knuth", 8080, conns)
    shape = [(e["src"], norm_flags(e["flags"])) for e in wrong["segments"]]
    check(shape == [(wrong["client"], "SYN"), (wrong["server"], "RST,ACK")],
          "the connection to port 8080 is %s, expected SYN and RST,ACK back" % shape)
    check(refused[0].get("remote") == wrong["server"] and refused[0].get("host") == "laptop",
          "the ECONNREFUSED is not the laptop's, for %s" % wrong["server"], [json.dumps(refused[0])])
    check(refused[0].get("expected") is True,
          "the trace does not mark the refusal the scenario asks for as expected",
          [json.dumps(refused[0])])
    syn, rst = wrong["frames"]
    check(rst["ack"] == (syn["seq"] + 1) % (1 << 32), "the RST,ACK does not acknowledge the SYN")
    web = one_connection_to(r, "knuth", 80, conns)
    check(norm_flags(web["segments"][1]["flags"]) == "SYN,ACK", "port 80 did not answer SYN,ACK")
    closed_by_both(r, web, "client")


def check_udp_tcp(r):
    no_errors(r)
    message = b"Hello, echo!\n"
    udp = r.segments("udp")
    server_udp = r.endpoint("echo", 7)
    check(len(udp) == 2 and udp[0]["dst"] == server_udp and udp[1]["src"] == server_udp
          and udp[1]["dst"] == udp[0]["src"],
          "expected one datagram to %s and one back" % server_udp, r.describe_segments())
    udp_frames = [f for f in r.frames if f["proto"] == "udp"]
    check([f["payload"] for f in udp_frames] == [message, message],
          "the datagrams carry %s" % [f["payload"] for f in udp_frames])
    check(udp[0]["step"] == udp[1]["step"] == 1, "the datagram and its echo are not both in step 1")
    check(not [e for e in r.segments("tcp") if e["step"] == 1],
          "TCP segments travel with the datagram: UDP needs no handshake")
    conns = r.connections()
    check(len(conns) == 1, "%d TCP connections, expected one" % len(conns))
    c = conns[0]
    check(c["server"] == r.endpoint("echo", 7) and c["step"] > udp[1]["step"],
          "the TCP connection to port 7 does not come after the datagrams")
    data_frames = [f for f in c["frames"] if f["payload"]]
    check([f["payload"] for f in data_frames] == [message, message],
          "the connection does not carry the same message there and back in one segment each",
          ["%s → %s %r" % (f["src"], f["dst"], f["payload"]) for f in data_frames])
    acknowledged_in_its_step(r, c, "client")
    acknowledged_in_its_step(r, c, "server")
    check(len(c["segments"]) >= 9,
          "the TCP connection took %d segments; a handshake, two data segments with their "
          "ACKs and a close take at least 9" % len(c["segments"]))
    for proto in ("udp", "tcp"):
        read = [e["payload"] for e in r.delivered("echo", proto)]
        check(read == [excerpt(message)],
              "the echo server read %s over %s, expected the message once" % (read, proto.upper()))
    closed_by_both(r, c, "client")


SEGMENTS_PER_MESSAGE = 3   # what mss's narration says, each way


def check_mss(r):
    no_errors(r)
    mss = next(s["mss"] for s in r.scenario["steps"] if s["action"] == "connect")
    message = next(s["data"] for s in r.scenario["steps"] if s["action"] == "send").encode()
    c = one_connection_to(r, "echo", 7)
    syn = c["frames"][0]
    check(syn["mss"] == mss, "the SYN announces MSS %s, expected %d" % (syn["mss"], mss))
    for side, other in (("client", "server"), ("server", "client")):
        data = [f for f in r.frames_from(c, side) if f["payload"]]
        sizes = [f["len"] for f in data]
        check(len(data) == SEGMENTS_PER_MESSAGE and max(sizes) <= mss,
              "the %s sent the %d-byte message in segments of %s bytes: expected %d, "
              "none longer than the MSS, %d" % (side, len(message), sizes, SEGMENTS_PER_MESSAGE, mss),
              r.describe_segments())
        check(b"".join(f["payload"] for f in data) == message,
              "the %s's segments do not carry the message" % side)
        for a, b in zip(data, data[1:]):
            check(b["seq"] == (a["seq"] + a["len"]) % (1 << 32),
                  "the %s's segments are not in sequence: %d + %d ≠ %d" % (side, a["seq"], a["len"], b["seq"]))
        first = data[0]["number"]
        acks = [f for f in r.frames_from(c, other) if f["number"] > first and "ACK" in f["flags"].split(",")
                and (f["ack"] - data[0]["seq"]) % (1 << 32) > 0]
        check(acks, "nothing from the %s acknowledges the %s's segments" % (other, side))
        end = (data[-1]["seq"] + data[-1]["len"]) % (1 << 32)
        check(any(f["ack"] == end for f in acks),
              "the %s never acknowledges the whole message (ack %d)" % (other, end))
    for host_id in ("echo", "laptop"):
        got = sum(e["len"] for e in r.delivered(host_id))
        check(got == len(message), "%s's program read %d bytes, the message is %d"
              % (host_id, got, len(message)))
    closed_by_both(r, c, "client")


def check_who_closes(r):
    no_errors(r)
    conns = r.connections()
    check(len(conns) == 2, "%d connections, expected two" % len(conns), r.describe_segments())
    server = r.endpoint("knuth", 80)
    check(all(c["server"] == server for c in conns), "not both connections go to %s" % server)
    last = r.last_states()
    for c, closer in zip(conns, ("client", "server")):
        closed_by_both(r, c, closer)
        client_state = last.get(("laptop", c["client"], c["server"]))
        server_state = last.get(("knuth", c["server"], c["client"]))
        states = {"client": client_state, "server": server_state}
        other = "server" if closer == "client" else "client"
        check(states[closer] == "TIME_WAIT" and states[other] not in (None, "TIME_WAIT"),
              "the %s closed %s → %s first, but the last states are: laptop %s, knuth %s; "
              "expected TIME_WAIT on the %s only"
              % (closer, c["client"], c["server"], client_state, server_state, closer),
              [json.dumps(e) for e in r.of_kind("state") if e.get("remote")])


def check_udp_echo(r):
    no_errors(r)
    laptop_ip = r.addr("laptop")
    echo = r.endpoint("echo", 7)
    to_echo = [e for e in r.segments("udp") if e["dst"] == echo]
    back = [e for e in r.segments("udp") if e["src"] == echo]
    sent = [b"Hello", b"tick", b"tick", b"tick"]
    # One row per datagram, each with its own length, there and back.
    for rows, way in ((to_echo, "to the echo"), (back, "back")):
        check([(e["len"], e["payload"]) for e in rows] == [(len(p), excerpt(p)) for p in sent],
              "the datagrams %s are %s, expected Hello and three ticks, one row each"
              % (way, [(e["len"], e["payload"]) for e in rows]), r.describe_segments())
    check([e["step"] for e in back] == [1, 3, 3, 3],
          "the echoes travel in steps %s: a UDP service answers in the step that sent"
          % [e["step"] for e in back])
    read = [(e["len"], e["payload"]) for e in r.delivered("laptop", "udp")]
    check(read == [(len(p), excerpt(p)) for p in sent],
          "the laptop's program read %s: one message per datagram expected" % read)
    closed = r.endpoint("echo", 9)
    lost = [e for e in r.segments("udp") if e["dst"] == closed]
    check(len(lost) == 1 and split_endpoint(lost[0]["src"])[0] == laptop_ip and lost[0]["step"] == 5,
          "expected one datagram from the laptop to the closed port %s in step 5" % closed,
          r.describe_segments())
    check(not [e for e in r.segments("udp") if e["src"] == closed],
          "a datagram came back from the closed port %s" % closed)
    icmp = [f for f in r.frames if f["proto"] == "icmp"]
    if r.mode == "exact":
        # The kernel's answer, as tshark reads it: destination unreachable
        # (3), port unreachable (3), quoting the datagram to port 9.
        check(len(icmp) == 1 and icmp[0]["src"] == r.addr("echo") and icmp[0]["dst"] == laptop_ip and
              (icmp[0]["icmp_type"], icmp[0]["icmp_code"]) == (3, 3) and icmp[0]["quoted_dport"] == 9,
              "expected one ICMP port unreachable from the echo server to the laptop about port 9",
              [json.dumps({k: v for k, v in f.items() if k != "payload"}) for f in icmp])
        check(len([e for e in r.segments() if is_icmp(e) and e["step"] == 5]) == 1,
              "the trace does not show the ICMP message in step 5", r.describe_segments())
    else:
        check(not icmp, "loopback mode models no ICMP, yet the pcap has %d" % len(icmp))


def check_half_close(r):
    no_errors(r)
    c = one_connection_to(r, "echo", 7)
    lines = b"First line\nSecond line\n"
    check(r.data_sent(c, "client") == lines and r.data_sent(c, "server") == lines,
          "the lines did not go there and back")
    order = [(e["src"] == c["client"] and "client" or "server",
              "FIN" if has_flag(e, "FIN") else ("data" if e["len"] > 0 else "ack"), e["step"])
             for e in c["segments"]]
    client_fin = next(i for i, o in enumerate(order) if o[:2] == ("client", "FIN"))
    server_data = next(i for i, o in enumerate(order) if o[:2] == ("server", "data"))
    server_fin = next(i for i, o in enumerate(order) if o[:2] == ("server", "FIN"))
    check(client_fin < server_data < server_fin and order[client_fin][2] == order[server_fin][2] == 3,
          "expected, in step 3, the client's FIN, then the echoed lines, then the server's FIN",
          ["%s %s (step %d)" % o for o in order])
    read = [e for e in r.delivered("laptop") if e["local"] == c["client"]]
    check([e["payload"] for e in read] == [excerpt(lines)] and read[0]["step"] == 3,
          "the laptop did not read the echo after its FIN", [json.dumps(e) for e in read])
    closed_by_both(r, c, "client")
    check(r.last_states().get(("laptop", c["client"], c["server"])) == "TIME_WAIT",
          "the laptop, which sent the first FIN, does not end in TIME_WAIT")


# The three lessons of the wire (issue 14). What they show of the wire
# itself (ARP frames, MACs, TTL per hop, every TCP state read in each
# namespace) needs the wire; these checks are what both modes show today.

def check_router(r):
    no_errors(r)
    conns = r.connections()
    check(len(conns) == 1, "%d connections, expected one" % len(conns), r.describe_segments())
    c = one_connection_to(r, "knuth", 80, conns)
    check(split_endpoint(c["client"])[0] == r.addr("laptop"),
          "the connection to knuth does not come from the laptop: %s" % c["client"])
    # the router forwards and is no end of the connection: the 4-tuple
    # of every segment is the laptop's and knuth's, never the router's
    four = {c["client"], c["server"]}
    check(all({e["src"], e["dst"]} == four for e in r.segments()),
          "a segment is not between %s and %s" % tuple(sorted(four)), r.describe_segments())
    check(not [e for e in r.events if e.get("host") == "gw" and e["kind"] in ("deliver", "state")],
          "the router has a socket of its own; it only forwards")
    check(r.data_sent(c, "client").startswith(b"GET / HTTP/1.1\r\nHost: knuth.luther.edu\r\n"),
          "the browser did not send GET / with Host: knuth.luther.edu")
    # Each segment crosses both links: TTL 64 on the first, one less past
    # the router, the same 4-tuple on both; on the wire each hop has its
    # own MACs (loopback mode models the hops, and has no frames).
    tcp = r.segments("tcp")
    by_link = {}
    for e in tcp:
        by_link.setdefault(e.get("link"), []).append(e)
    check(set(by_link) == {"home", "campus"}, "the segments travel on links %s, expected home and "
          "campus" % sorted(map(str, by_link)), r.describe_segments())
    check(len(by_link["home"]) == len(by_link["campus"]),
          "%d segments on home, %d on campus" % (len(by_link["home"]), len(by_link["campus"])))
    for e in tcp:
        from_laptop = split_endpoint(e["src"])[0] == r.addr("laptop")
        first_hop = (e["link"] == "home") == from_laptop
        check(e["ttl"] == (64 if first_hop else 63),
              "a segment on %s has TTL %d" % (e["link"], e["ttl"]), [json.dumps(e)])
        if r.mode == "exact":
            macs = (e["eth"]["src"], e["eth"]["dst"])
            check(len(set(macs)) == 2, "a frame goes from and to the same MAC", [json.dumps(e)])
    if r.mode == "exact":
        home = {(e["eth"]["src"], e["eth"]["dst"]) for e in by_link["home"]}
        campus = {(e["eth"]["src"], e["eth"]["dst"]) for e in by_link["campus"]}
        check(not (home & campus), "the MACs do not change at the router")
        arp_links = sorted({e["link"] for e in r.arps()})
        check(arp_links == ["campus", "home"], "ARP on links %s, expected on both" % arp_links)
    check(r.data_sent(c, "server").startswith(b"HTTP/1.1 200 OK\r\n"), "the server did not answer 200 OK")
    check(delivered_excerpts(r, "laptop", c["client"])[0].startswith("HTTP/1.1 200 OK"),
          "the browser did not read the 200 OK")
    closed_by_both(r, c, "client")


def check_arp(r):
    no_errors(r)
    resolver = r.endpoint("dns", 53)
    queries = [f for f in r.frames if f["proto"] == "udp" and f["dst"] == resolver]
    answers = [f for f in r.frames if f["proto"] == "udp" and f["src"] == resolver]
    check(len(queries) == 2 and len(answers) == 2,
          "%d datagram(s) to the DNS server %s and %d back, expected two each"
          % (len(queries), resolver, len(answers)), r.describe_segments())
    names = [q["dns_names"] for q in queries]
    check(names == [["phone.home.example"], ["laptop.home.example"]],
          "the queries ask for %s, expected phone.home.example, then laptop.home.example" % names)
    got = [a["dns_addresses"] for a in answers]
    want = [[r.hosts["phone"]["address"]], [r.hosts["laptop"]["address"]]]
    check(got == want, "the answers give %s, expected %s" % (got, want))
    echo = r.endpoint("phone", 7)
    to_phone = [f for f in r.frames if f["proto"] == "udp" and f["dst"] == echo]
    back = [f for f in r.frames if f["proto"] == "udp" and f["src"] == echo]
    check([f["payload"] for f in to_phone] == [b"hello, phone"] and
          [f["payload"] for f in back] == [b"hello, phone"],
          "the datagram to the phone's echo service did not go there and back once",
          r.describe_segments())
    check(len(r.delivered("laptop", "udp")) == 3,
          "the laptop read %d datagram(s), expected two DNS answers and the echo"
          % len(r.delivered("laptop", "udp")))
    if r.mode == "exact":
        # One question per neighbour, asked of everyone on the link; the
        # answers come from the one that has the address; after that the
        # ARP cache answers.
        requests = [e for e in r.arps() if e["arp"]["op"] == "request"]
        asked = [e["arp"]["target_ip"] for e in requests if e["arp"]["sender_ip"] == r.addr("laptop")]
        check(sorted(asked) == sorted({r.hosts["dns"]["address"], r.hosts["phone"]["address"]}),
              "the laptop asked ARP for %s, expected once for each of its neighbours" % asked)
        for e in requests:
            check(e["eth"]["dst"] == "ff:ff:ff:ff:ff:ff", "an ARP request not broadcast",
                  [json.dumps(e)])
            check(len(e["to"]) == len(r.hosts) - 1, "a broadcast reached %s, not every other host"
                  % e["to"], [json.dumps(e)])


def check_tcp_life(r):
    no_errors(r)
    conns = r.connections()
    check(len(conns) == 1, "%d connections, expected one" % len(conns), r.describe_segments())
    c = one_connection_to(r, "server", 7, conns)
    check(r.data_sent(c, "client") == b"hello" and r.data_sent(c, "server") == b"hello",
          "the five bytes did not go there and back",
          ["client sent %r" % r.data_sent(c, "client"), "server sent %r" % r.data_sent(c, "server")])
    acknowledged_in_its_step(r, c, "client")
    acknowledged_in_its_step(r, c, "server")
    closed_by_both(r, c, "client")
    fin_steps = sorted(e["step"] for e in c["segments"] if has_flag(e, "FIN"))
    check(fin_steps == [4, 5], "the FINs travel in steps %s, expected the laptop's in step 4 "
          "and the server's in step 5" % fin_steps)
    check(r.last_states().get(("laptop", c["client"], c["server"])) == "TIME_WAIT",
          "the laptop, which closed first, does not end in TIME_WAIT")
    if r.mode == "exact":
        # Every state of both ends, each read from its kernel as the
        # frame that moved it was delivered.
        def states(host, local, remote):
            return [e["to"] for e in r.of_kind("state")
                    if e["host"] == host and e.get("local") == local and e.get("remote") == remote]
        laptop = states("laptop", c["client"], c["server"])
        server = states("server", c["server"], c["client"])
        check(laptop == ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"],
              "the laptop's states are %s" % laptop)
        check(server == ["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"],
              "the server's states are %s" % server)


CHECKS = {
    "echo": check_echo,
    "web": check_web,
    "dns": check_dns,
    "ports": check_ports,
    "mail": check_mail,
    "ssh": check_ssh,
    "tabs": check_tabs,
    "chat": check_chat,
    "refused": check_refused,
    "udp-tcp": check_udp_tcp,
    "mss": check_mss,
    "who-closes": check_who_closes,
    "udp-echo": check_udp_echo,
    "half-close": check_half_close,
    "tcp-life": check_tcp_life,
    "arp": check_arp,
    "router": check_router,
}


# ---------------------------------------------------------------- cases

def case_index():
    """index.txt: every scenario file once, in the lesson's order."""
    files = scenario_files()
    with open(os.path.join(SCENARIO_DIR, "index.txt"), encoding="utf-8") as f:
        names = [l.strip() for l in f if l.strip() and not l.strip().startswith("#")]
    check(len(names) == len(set(names)), "index.txt names a scenario twice", names)
    check(sorted(names) == files, "index.txt and the files differ",
          ["index.txt: %s" % " ".join(names), "files:     %s" % " ".join(files)])
    lesson = [n for n in names if n in LESSON_ORDER]
    check(lesson == LESSON_ORDER, "index.txt has the lesson's scenarios in another order",
          ["index.txt: %s" % " ".join(lesson), "lesson:    %s" % " ".join(LESSON_ORDER)])


def case_gresource():
    """pf-scenarios.gresource.xml compiles in index.txt and every file."""
    tree = ElementTree.parse(os.path.join(SCENARIO_DIR, "pf-scenarios.gresource.xml"))
    listed = [f.text for f in tree.getroot().iter("file")]
    wanted = ["index.txt"] + ["%s.pflow.json" % n for n in scenario_files()]
    check(len(listed) == len(set(listed)), "the gresource lists a file twice", listed)
    check(sorted(listed) == sorted(wanted), "the gresource does not list exactly the scenario files",
          ["listed: %s" % " ".join(sorted(listed)), "wanted: %s" % " ".join(sorted(wanted))])


def case_check_all():
    bad = []
    for name in scenario_files():
        r = run(["--check", scenario_path(name)])
        if r.returncode != 0:
            bad += ["%s: exit %d" % (name, r.returncode)] + r.stderr.splitlines()[:3]
    check(not bad, "packetflow --check rejects scenario files", bad)


def case_schema_all():
    files = [scenario_path(n) for n in scenario_files()]
    proc = subprocess.run([sys.executable, VALIDATOR, SCHEMA] + files, env=ENV,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120)
    out = proc.stdout.decode("utf-8", "replace").splitlines()
    check(proc.returncode == 0, "validate-schema.py rejects scenario files (exit %d)" % proc.returncode,
          [l for l in out if not l.endswith(": valid")][:20])


def case_texts():
    """Title, summary, lesson and every narration: there, and readable aloud."""
    bad = []
    for name in scenario_files():
        s = load_scenario(name)
        for key in ("title", "summary", "lesson"):
            if not isinstance(s.get(key), str) or not s[key].strip():
                bad.append("%s: no %s" % (name, key))
        for key in ("summary", "lesson"):
            text = s.get(key, "")
            if isinstance(text, str) and text and not text.rstrip().endswith((".", "!", "?")):
                bad.append("%s: the %s is not a sentence: %r" % (name, key, text[-40:]))
        for number, step in enumerate(s["steps"]):
            text = step.get("narration", "")
            if (not re.match(r"[A-Z0-9]", text) or not text.rstrip().endswith((".", "!", "?")) or
                    len(re.findall(r"[A-Za-z]{2,}", text)) < 3):
                bad.append("%s step %d: the narration is not a sentence: %r" % (name, number, text))
        for host in s["hosts"]:
            if "position" not in host:
                bad.append("%s: host \"%s\" has no position" % (name, host["id"]))
    check(not bad, "scenario texts are missing or not sentences", bad)


def case_scenario(name, mode):
    check(name in CHECKS, "no checks for scenario \"%s\": add a check_%s () to %s"
          % (name, name.replace("-", "_"), os.path.basename(__file__)))
    r = Run(name, mode)
    common_checks(r)
    CHECKS[name](r)
    return ["%s mode: %d events, %d segments, %.2f s"
            % (mode, len(r.events), len(r.segments()), r.result.seconds)]


def cases():
    result = [
        ("index.txt lists every scenario file once, in the lesson's order", case_index),
        ("pf-scenarios.gresource.xml lists index.txt and every scenario file", case_gresource),
        ("packetflow --check accepts every scenario file", case_check_all),
        ("the JSON Schema accepts every scenario file", case_schema_all),
        ("every scenario has a title, a summary, a lesson, narrations and host positions", case_texts),
    ]
    try:
        names = scenario_files()
    except Fail:
        names = []
    order = [n for n in LESSON_ORDER if n in names] + [n for n in names if n not in LESSON_ORDER]
    for name in order:
        for mode in MODES:
            result.append(("%s in %s mode makes its point" % (name, mode),
                           lambda name=name, mode=mode: case_scenario(name, mode)))
    return result


def main():
    pftest.become_subreaper()
    return pftest.main(cases(), scratch=TMP, before_each=lambda: pftest.check_build_tree(BINARY, ENV))


if __name__ == "__main__":
    sys.exit(main())
