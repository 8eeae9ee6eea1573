#!/usr/bin/env python3
# Packet Flow: every protocol named as tshark names it (issue 13), TAP.
#
# Usage: test-protocols.py PACKETFLOW SOURCE_DIR
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER, as for
# running the build tree (meson sets them). Needs tshark.
#
# Every built-in scenario (packetflow --list) and the ICMP scenario of
# tests/scenarios/ run headless in exact mode (a private network
# namespace, where every segment is captured), with --pcap and
# --trace=-. Exact mode is required: without it the run exits 3 and the
# case fails; nothing is skipped.
#
# Frames and trace events correspond one to one, in order: the pcap holds
# the captured segments, and each is one trace event of kind "segment"
# with origin "captured" (the summary's count says none is modelled).
#
# "Same protocol" for a frame means:
# - the transport agrees: tshark's ip.proto 1, 6, 17 is the trace's
#   "proto" icmp, tcp, udp;
# - tshark's Protocol column (its first name: "SMTP/IMF" is SMTP) is DNS,
#   HTTP, SMTP or SSH exactly when the trace's "app" is that protocol;
#   ICMP exactly when "proto" is icmp; TCP or UDP (nothing above them)
#   when "app" is absent or "text"; any other name tshark knows by port
#   (ECHO on 7, IRC on 6667) when "app" is absent or "text", as Packet
#   Flow names no protocol there.
# And the words agree: a DNS frame's id, query or response, RCODE, query
# type, name and A addresses; an HTTP, SMTP or SSH frame's first line
# within tshark's Info; an ICMP frame's type and code words.
#
# And the headers agree: every IPv4 frame's TTL is the trace's "ttl"; a
# frame the trace says the wire carried ("eth") has tshark's eth.src,
# eth.dst and EtherType, and one without "eth" has no Ethernet header in
# the pcap (a pcap of raw IPv4, as today's runs on one lo write); an ARP
# frame (tshark's ARP) is the trace's "proto" "arp" with the same
# opcode, sender and target MACs and addresses, and tshark's Info word
# for word.
#
# tshark runs with TCP reassembly off (tcp.desegment_tcp_streams:FALSE):
# Packet Flow describes each segment by what begins in it, and so does
# tshark then.

import json
import os
import re
import subprocess
import sys
import tempfile

import pftest
from pftest import Fail, check, expect_exit, find_tool, parse_trace_text

RUN_TIMEOUT = 60

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")
ENV = dict(os.environ)
ENV.setdefault("LC_ALL", "C.UTF-8")
TMP = tempfile.mkdtemp(prefix="pf-test-protocols-")
TSHARK = find_tool("tshark", "/usr/bin/tshark")
ICMP_FILE = os.path.join(SRCDIR, "tests", "scenarios", "icmp-unreachable.pflow.json")

TRANSPORTS = {"1": "icmp", "6": "tcp", "17": "udp"}
NAMED = {"DNS", "HTTP", "SMTP", "SSH"}
DNS_INFO = re.compile(r"^Standard query (response )?0x([0-9a-f]{4})( No such name| Server failure| Refused)?"
                      r" (\S+) (\S+)(.*)$")


# The header fields compared frame by frame, beside the words.
HEADER_FIELDS = ["eth.src", "eth.dst", "eth.type", "ip.ttl", "arp.opcode", "arp.src.hw_mac",
                 "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4"]
ETHERTYPES = {"ipv4": "0x0800", "arp": "0x0806"}
ARP_OPS = {"request": "1", "reply": "2"}


def run(args):
    pftest.check_build_tree(BINARY, ENV)
    return pftest.run_packetflow([BINARY] + args, args, ENV, RUN_TIMEOUT)


def builtin_names():
    r = run(["--list"])
    expect_exit(r, 0)
    names = [line.split("\t")[0] for line in r.stdout.splitlines() if line.strip()]
    check(len(names) >= 10, "packetflow --list names %d scenarios" % len(names), r.describe())
    return names


def run_exact(scenario, tag):
    pcap = os.path.join(TMP, tag + ".pcap")
    r = run(["--headless", scenario, "--mode=exact", "--trace=-", "--pcap=" + pcap])
    expect_exit(r, 0)
    check("mode: exact" in r.stderr, "the run of %s was not in exact mode" % scenario, r.describe())
    check(re.search(r"segments: \d+ captured, 0 modelled", r.stderr),
          "%s: some segments were modelled, not captured" % scenario, r.describe())
    events = parse_trace_text(r.stdout, "the trace of " + scenario)
    segments = [e for e in events if e["kind"] == "segment"]
    return r, segments, pcap


def tshark_frames(pcap):
    check(TSHARK is not None, "tshark is not installed (package tshark)")
    # A segment that crossed a router is in the file once per link: tshark's
    # sequence analysis would take its second copy for a retransmission
    # and leave its payload undissected, so the analysis is off.
    proc = subprocess.run([TSHARK, "-n", "-o", "tcp.desegment_tcp_streams:FALSE",
                           "-o", "tcp.analyze_sequence_numbers:FALSE", "-r", pcap,
                           "-T", "fields", "-E", "separator=\t",
                           "-e", "frame.number", "-e", "ip.proto",
                           "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"]
                          + [a for field in HEADER_FIELDS for a in ("-e", field)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=60)
    check(proc.returncode == 0, "tshark -r %s exited %d" % (pcap, proc.returncode),
          proc.stderr.decode("utf-8", "replace").splitlines()[-5:])
    frames = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        values = (line.split("\t") + [""] * (4 + len(HEADER_FIELDS)))[:4 + len(HEADER_FIELDS)]
        number, proto, column, info = values[:4]
        # ip.proto and ip.ttl of an ICMP error list the quoted header's
        # too: "1,17", "64,64"; the first is the frame's own.
        headers = {field: value.split(",")[0] for field, value in zip(HEADER_FIELDS, values[4:])}
        frames.append((int(number), proto.split(",")[0], column.split("/")[0], info.strip(), headers))
    return frames


def dns_fields(info, who):
    m = DNS_INFO.match(info)
    check(m is not None, "%s's DNS info %r is not a standard query or response" % (who, info))
    addresses = re.findall(r" A (\d+\.\d+\.\d+\.\d+)", m.group(6))
    return (bool(m.group(1)), m.group(2), (m.group(3) or "").strip(), m.group(4), m.group(5),
            addresses)


def compare_headers(where, headers, event, details):
    eth = event.get("eth")
    if eth is None:
        check(headers["eth.src"] == "" and headers["eth.dst"] == "",
              "%s: tshark sees an Ethernet header the trace has no \"eth\" for" % where, details)
    else:
        check((headers["eth.src"], headers["eth.dst"]) == (eth["src"], eth["dst"]),
              "%s: tshark's MACs %s → %s are not the trace's %s → %s"
              % (where, headers["eth.src"], headers["eth.dst"], eth["src"], eth["dst"]), details)
        check(headers["eth.type"] == ETHERTYPES.get(eth["type"]),
              "%s: tshark's EtherType %s is not the trace's %r" % (where, headers["eth.type"], eth["type"]),
              details)
    if event["proto"] == "arp":
        arp = event["arp"]
        check(headers["ip.ttl"] == "" and "ttl" not in event, "%s: an ARP frame has no TTL" % where, details)
        ours = (ARP_OPS.get(arp["op"]), arp["sender_mac"], arp["sender_ip"], arp["target_mac"],
                arp["target_ip"])
        theirs = tuple(headers[f] for f in HEADER_FIELDS[4:])
        check(ours == theirs, "%s: the ARP fields differ: trace %r, tshark %r" % (where, ours, theirs),
              details)
    else:
        check("ttl" in event and headers["ip.ttl"] == str(event["ttl"]),
              "%s: tshark's TTL %r is not the trace's %r" % (where, headers["ip.ttl"], event.get("ttl")),
              details)


def compare_frame(where, frame, event):
    number, ip_proto, column, info, headers = frame
    app = event.get("app")
    ours = event.get("info")
    details = ["tshark: %s %s %r %s" % (ip_proto, column, info, json.dumps(headers)),
               "trace:  %s" % json.dumps(event)[:300]]

    check(ours is not None, "%s: the trace event has no \"info\"" % where, details)
    compare_headers(where, headers, event, details)
    if column == "ARP" or event["proto"] == "arp":
        check(column == "ARP" and event["proto"] == "arp" and app == "arp",
              "%s: tshark says %s, the trace's proto is %r, app %r" % (where, column, event["proto"], app),
              details)
        check(info == ours, "%s: tshark's ARP info %r is not the trace's %r" % (where, info, ours), details)
        return
    check(TRANSPORTS.get(ip_proto) == event["proto"],
          "%s: tshark's IP protocol %s is not the trace's %r" % (where, ip_proto, event["proto"]),
          details)
    if column in NAMED:
        check(app == column.lower(), "%s: tshark says %s, the trace's app is %r" % (where, column, app),
              details)
    elif column == "ICMP":
        check(event["proto"] == "icmp", "%s: tshark says ICMP" % where, details)
    else:
        check(app in (None, "text"),
              "%s: tshark says %s, the trace names app %r" % (where, column, app), details)

    if column == "DNS":
        check(dns_fields(ours, "the trace") == dns_fields(info, "tshark"),
              "%s: the DNS words differ: trace %r, tshark %r" % (where, ours, info), details)
    elif column == "HTTP":
        check(info.startswith(ours), "%s: tshark's HTTP info does not begin with %r" % (where, ours),
              details)
    elif column == "SMTP" and info[:3] in ("S: ", "C: "):
        check(info[3:].startswith(ours), "%s: tshark's SMTP info does not hold %r" % (where, ours),
              details)
    elif column == "SSH" and "Protocol (" in info:
        check("Protocol (%s)" % ours in info, "%s: tshark's SSH info does not hold %r" % (where, ours),
              details)
    elif column == "ICMP":
        check(info.startswith(event["icmp_type_name"]),
              "%s: tshark's ICMP info does not begin with %r" % (where, event["icmp_type_name"]),
              details)
        if "icmp_code_name" in event:
            check(event["icmp_code_name"] in info,
                  "%s: tshark's ICMP info does not hold %r" % (where, event["icmp_code_name"]), details)
        check(info.startswith(ours), "%s: tshark's ICMP info does not begin with %r" % (where, ours),
              details)


def case_agrees(scenario, tag, must_see=()):
    _, segments, pcap = run_exact(scenario, tag)
    frames = tshark_frames(pcap)
    check(len(frames) == len(segments),
          "%s: %d pcap frames but %d segment events" % (scenario, len(frames), len(segments)))
    seen = set()
    for frame, event in zip(frames, segments):
        check(event.get("origin") == "captured", "%s: segment %d was not captured" % (scenario, frame[0]))
        compare_frame("%s frame %d" % (scenario, frame[0]), frame, event)
        seen.add(frame[2])
    missing = [name for name in must_see if name not in seen]
    check(not missing, "%s: tshark saw no %s frame" % (scenario, ", ".join(missing)), sorted(seen))
    return ["%d frames; tshark protocols %s" % (len(frames), ", ".join(sorted(seen)))]


# What each scenario must show, so a comparison that matched nothing
# cannot pass unnoticed.
EXPECTED = {"dns": ["DNS", "HTTP"], "web": ["HTTP"], "mail": ["SMTP"], "ssh": ["SSH"],
            "ports": ["HTTP", "SMTP", "SSH"]}


def case_icmp_trace_and_summary():
    r, segments, _ = run_exact(ICMP_FILE, "icmp-summary")
    icmp = [e for e in segments if e["proto"] == "icmp"]
    udp = [e for e in segments if e["proto"] == "udp"]
    check(len(icmp) == 1 and len(udp) == 1, "expected one UDP datagram and one ICMP message",
          [json.dumps(e) for e in segments])
    e, d = icmp[0], udp[0]
    details = [json.dumps(e)]
    check(e["icmp_type"] == 3 and e["icmp_code"] == 3, "not ICMP type 3 code 3", details)
    check(e["icmp_type_name"] == "Destination unreachable" and e["icmp_code_name"] == "Port unreachable",
          "the ICMP words are wrong", details)
    check(":" not in e["src"] and ":" not in e["dst"], "an ICMP message has no ports", details)
    check("flags" not in e, "an ICMP message has no TCP flags", details)
    check(e["kind_of_segment"] == "icmp", "an ICMP message is of kind icmp", details)
    check(e["info"] == "Destination unreachable (Port unreachable)", "wrong info", details)
    check(e["quoted"] == {"proto": "udp", "src": d["src"], "dst": d["dst"], "ip_id": e["quoted"]["ip_id"]},
          "the quote does not name the datagram %s → %s" % (d["src"], d["dst"]), details)
    check(d["info"] == "Anyone there?" and d["app"] == "text", "the datagram's info is wrong", [json.dumps(d)])

    connections = r.stderr.split("connections (", 1)[1].split("other packets:", 1)[0]
    check(":0 " not in connections and "10.0.0.7:0" not in connections,
          "the summary lists the ICMP message as a connection", r.stderr.splitlines())
    check(len([l for l in connections.splitlines() if l.startswith("  ")]) == 1,
          "the summary lists other than the one datagram's flow", r.stderr.splitlines())
    expected = ("ICMP Destination unreachable (Port unreachable) from 10.0.0.7 about UDP %s → %s"
                % (d["src"], d["dst"]))
    check(("other packets:\n" in r.stderr and "\n  " + expected + "\n" in
           r.stderr.split("other packets:\n", 1)[1]),
          "the summary does not say what the ICMP message is: %r" % expected, r.stderr.splitlines())


def cases():
    yield ("the ICMP port unreachable in the trace and the summary", case_icmp_trace_and_summary)
    yield ("icmp-unreachable: every frame's protocol as tshark says",
           lambda: case_agrees(ICMP_FILE, "icmp", ["UDP", "ICMP"]))
    for name in builtin_names():
        yield ("%s: every frame's protocol as tshark says" % name,
               lambda name=name: case_agrees(name, name, EXPECTED.get(name, [])))


if __name__ == "__main__":
    pftest.become_subreaper()
    sys.exit(pftest.main(cases(), scratch=TMP))
