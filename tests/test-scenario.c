/* test-scenario.c: the scenario loader, its messages, and the JSON locator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <string.h>

#include <glib/gstdio.h>

#include "pf-json-locator.h"
#include "pf-scenario.h"

/* ------------------------------------------------------------------ */
/* Pieces of small scenarios; the line numbers in the expected messages
 * count on them. */

/* lines 1-2 */
#define TOP \
  "{\"format\": \"packetflow-scenario\", \"version\": 1,\n" \
  " \"title\": \"T\", \"summary\": \"S\",\n"

/* lines 3-7 */
#define HOSTS \
  " \"hosts\": [\n" \
  "  {\"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\"},\n" \
  "  {\"id\": \"knuth\", \"name\": \"Knuth\", \"address\": \"192.203.196.71\", \"kind\": \"server\",\n" \
  "   \"names\": [\"knuth.luther.edu\"],\n" \
  "   \"services\": [{\"type\": \"http\", \"port\": 80}]}],\n"

/* line 8 */
#define STEPS " \"steps\": [\n"

/* one line each */
#define CONNECT_C1 \
  "  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 80}"
#define SEND_C1 \
  "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"x\"}"
#define CLOSE_C1_CLIENT \
  "  {\"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\", \"side\": \"client\"}"
#define HALF_CLOSE_C1_CLIENT \
  "  {\"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\", \"side\": \"client\", \"how\": \"write\"}"
#define CLOSE_C1_SERVER \
  "  {\"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\", \"side\": \"server\"}"
#define RESET_C1_CLIENT \
  "  {\"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\", \"side\": \"client\", \"how\": \"reset\"}"

#define END "]}\n"

/* A whole valid scenario, lines 1-10 */
#define VALID TOP HOSTS STEPS CONNECT_C1 ",\n" SEND_C1 END

/* TOP and STEPS around one host line (line 4) */
#define ONE_HOST(host) TOP " \"hosts\": [\n" host "],\n" STEPS CONNECT_SELF END
#define CONNECT_SELF \
  "  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"a\", \"to\": \"a\", \"port\": 80}"

/* TOP, HOSTS, STEPS, then the steps given (from line 9) */
#define WITH_STEPS(steps) TOP HOSTS STEPS steps END

/* Links (issue 14). Line 3 is "links"; the hosts start at line 5. */
#define LINKS_HOME \
  " \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"}],\n"
/* lines 3-4; the hosts start at line 6 */
#define LINKS_TWO \
  " \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"},\n" \
  "           {\"id\": \"campus\", \"network\": \"192.203.196.0/24\"}],\n"
#define LINKED(links, hosts) \
  TOP links " \"hosts\": [\n" hosts "],\n" STEPS CONNECT_SELF END
#define HOST_A(rest) \
  "  {\"id\": \"a\", \"name\": \"A\", \"kind\": \"laptop\"" rest "}"
#define HOST_A_HOME HOST_A (", \"address\": \"10.0.0.2\"")
#define HOST_A_ON_HOME HOST_A (", \"address\": \"10.0.0.2\", \"link\": \"home\"")
#define ROUTER(interfaces) \
  "  {\"id\": \"gw\", \"name\": \"GW\", \"kind\": \"router\", \"interfaces\": [" interfaces "]}"

typedef struct
{
  const char *name;
  const char *json;
  int         code;
  const char *message;
} BadCase;

#define SYNTAX  PF_SCENARIO_ERROR_SYNTAX
#define VERSION PF_SCENARIO_ERROR_VERSION
#define INVALID PF_SCENARIO_ERROR_INVALID

static const BadCase bad_cases[] = {
  /* not JSON */
  { "empty", "", SYNTAX,
    "bad.json:1:1: the file is empty; expected a JSON value" },
  { "blank", "  \n\n", SYNTAX,
    "bad.json:3:1: the file is empty; expected a JSON value" },
  { "trailing-comma", "{\"a\": 1,\n}", SYNTAX,
    "bad.json:1:8: trailing comma: JSON allows no ',' before '}'" },
  { "missing-colon", "{\n  \"format\" \"x\"\n}", SYNTAX,
    "bad.json:2:12: expected ':' after the member name, got a string" },
  { "single-quotes", "{'format': 1}", SYNTAX,
    "bad.json:1:2: strings must be in double quotes \"like this\", not single quotes" },
  { "comment", "// hi\n{}", SYNTAX,
    "bad.json:1:1: comments are not allowed in JSON" },
  { "unclosed-string", "{\"title\": \"abc\n}", SYNTAX,
    "bad.json:1:11: this string is not closed on its line; end it with \" (a line break inside a string is written \\n)" },
  { "unknown-word", "{\"a\": tru}", SYNTAX,
    "bad.json:1:7: unknown word 'tru'; expected a value: an object, array, string, number, true, false or null" },
  { "unquoted-name", "{format: 1}", SYNTAX,
    "bad.json:1:2: member names must be in double quotes, got 'format'" },
  { "second-value", "{} {}", SYNTAX,
    "bad.json:1:4: unexpected text after the end of the JSON value; a file holds exactly one value" },
  { "leading-zero", "{\"port\": 080}", SYNTAX,
    "bad.json:1:10: invalid number '080'; JSON numbers have no leading zeros" },
  { "hex-number", "{\"port\": 0x50}", SYNTAX,
    "bad.json:1:10: invalid number '0x50'; JSON numbers look like 80, -1, 0.25 or 1e6" },
  { "bad-escape", "{\"data\": \"\\x41\"}", SYNTAX,
    "bad.json:1:11: invalid escape '\\x' in a string; JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX" },
  { "nul-escape", "{\"data\": \"a\\u0000b\"}", SYNTAX,
    "bad.json:1:12: \\u0000 is not allowed: a string cannot hold the NUL character (binary data goes in \"hex\")" },
  { "lone-surrogate", "{\"data\": \"\\ud83d!\"}", SYNTAX,
    "bad.json:1:11: invalid escape \\uD83D: a high surrogate must be followed by a low one (\\uDC00 to \\uDFFF)" },
  { "raw-tab", "{\"data\": \"a\tb\"}", SYNTAX,
    "bad.json:1:12: a tab inside a string must be written \\t" },
  { "unclosed-object", "{\"a\": [1,\n 2]", SYNTAX,
    "bad.json:2:4: the file ends inside the object opened at 1:1; expected '}'" },
  { "missing-comma", "[1\n 2]", SYNTAX,
    "bad.json:2:2: expected ',' or ']' after this element, got '2'" },
  { "latin1", "{\"title\": \"caf\xe9\"}", SYNTAX,
    "bad.json:1:15: the file is not valid UTF-8 (byte 0xE9 here); save it as UTF-8" },
  { "duplicate-member", "{\"a\": 1,\n \"a\": 2}", SYNTAX,
    "bad.json:2:2: duplicate member \"a\" in this object; it is already at 1:2" },
  { "columns-count-characters", "{\"é€😀\": tru}", SYNTAX,
    "bad.json:1:9: unknown word 'tru'; expected a value: an object, array, string, number, true, false or null" },
  { "crlf", "{\r\n \"a\": tru\r\n}", SYNTAX,
    "bad.json:2:7: unknown word 'tru'; expected a value: an object, array, string, number, true, false or null" },

  /* not a scenario, or not this version */
  { "root-array", "[1, 2]", VERSION,
    "bad.json:1:1: expected a scenario object, {\"format\": \"packetflow-scenario\", ...}, got an array" },
  { "missing-format", "{\"version\": 1}", VERSION,
    "bad.json:1:1: missing field \"format\" in the scenario; expected \"packetflow-scenario\"" },
  { "wrong-format", "{\"format\": \"packetflow\", \"version\": 1}", VERSION,
    "bad.json:1:12: \"format\" must be \"packetflow-scenario\", got \"packetflow\"" },
  { "missing-version", "{\"format\": \"packetflow-scenario\"}", VERSION,
    "bad.json:1:1: missing field \"version\" in the scenario; expected 1" },
  { "version-2", "{\"format\": \"packetflow-scenario\", \"version\": 2, \"future\": true}", VERSION,
    "bad.json:1:46: scenario format version 2 is not supported; supported versions: 1" },
  { "version-string", "{\"format\": \"packetflow-scenario\", \"version\": \"1\"}", VERSION,
    "bad.json:1:46: \"version\" must be a number (supported: 1), got \"1\"" },

  /* the top level */
  { "unknown-field-typo", TOP " \"titel\": \"x\"}", INVALID,
    "bad.json:3:2: unknown field \"titel\" in the scenario; did you mean \"title\"?" },
  { "unknown-field", TOP " \"colour\": \"blue\"}", INVALID,
    "bad.json:3:2: unknown field \"colour\" in the scenario; expected one of: $schema, format, version, title, summary, lesson, links, hosts, steps" },
  { "missing-title", "{\"format\": \"packetflow-scenario\", \"version\": 1,\n \"summary\": \"S\"}", INVALID,
    "bad.json:1:1: missing field \"title\" in the scenario; expected a title, one line" },
  { "title-two-lines", "{\"format\": \"packetflow-scenario\", \"version\": 1,\n \"title\": \"a\\nb\"}", INVALID,
    "bad.json:2:11: \"title\" must be one line, without \\n; expected a title, one line" },
  { "title-blank", "{\"format\": \"packetflow-scenario\", \"version\": 1,\n \"title\": \"  \"}", INVALID,
    "bad.json:2:11: \"title\" must not be empty; expected a title, one line" },
  { "title-number", "{\"format\": \"packetflow-scenario\", \"version\": 1,\n \"title\": 42}", INVALID,
    "bad.json:2:11: \"title\" must be a title, one line, got 42" },
  { "missing-hosts", TOP STEPS CONNECT_C1 END, INVALID,
    "bad.json:1:1: missing field \"hosts\" in the scenario; expected an array of hosts like [{\"id\": \"laptop\", ...}]" },
  { "hosts-empty", TOP " \"hosts\": [],\n" STEPS CONNECT_C1 END, INVALID,
    "bad.json:3:11: \"hosts\" is empty; a scenario needs at least one host" },
  { "hosts-object", TOP " \"hosts\": {},\n" STEPS CONNECT_C1 END, INVALID,
    "bad.json:3:11: \"hosts\" must be an array of hosts like [{\"id\": \"laptop\", ...}], got an object" },
  { "host-string", TOP " \"hosts\": [\"laptop\"],\n" STEPS CONNECT_C1 END, INVALID,
    "bad.json:3:12: each host must be an object like {\"id\": \"laptop\", ...}, got \"laptop\"" },
  { "steps-empty", TOP HOSTS " \"steps\": []}", INVALID,
    "bad.json:8:11: \"steps\" is empty; a scenario needs at least one step" },

  /* hosts */
  { "host-missing-address",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:3: missing field \"address\" in a host; expected an IPv4 address like 192.203.196.71" },
  { "host-field-typo",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"adress\": \"10.0.0.1\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:28: unknown field \"adress\" in a host; did you mean \"address\"?" },
  { "host-bad-id",
    ONE_HOST ("  {\"id\": \"2a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:10: \"id\" must be an identifier like \"laptop\" (a letter, then letters, digits, '-' or '_'), got \"2a\"" },
  { "address-not-ipv4",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"192.203.196.710\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:39: \"address\" must be an IPv4 address like 192.203.196.71, got \"192.203.196.710\"" },
  { "address-leading-zero",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.01\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:39: \"address\" must be an IPv4 address like 192.203.196.71, got \"10.0.0.01\"" },
  { "address-any",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"0.0.0.0\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:39: \"address\" 0.0.0.0 cannot belong to a host: 0.x.x.x means \"this network\", not a host" },
  { "address-multicast",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"224.0.0.1\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:39: \"address\" 224.0.0.1 cannot belong to a host: 224.x.x.x to 239.x.x.x are multicast groups, not hosts" },
  { "address-broadcast",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"255.255.255.255\", \"kind\": \"laptop\"}"), INVALID,
    "bad.json:4:39: \"address\" 255.255.255.255 cannot belong to a host: 240.x.x.x and above are reserved (255.255.255.255 is broadcast)" },
  { "kind-unknown",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"tablet\"}"), INVALID,
    "bad.json:4:59: \"kind\" must be one of \"laptop\", \"desktop\", \"server\", \"phone\" or \"router\", got \"tablet\"" },
  { "position-outside",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\", \"position\": {\"x\": 1.5, \"y\": 0}}"), INVALID,
    "bad.json:4:87: \"x\" must be a number from 0 (left) to 1 (right), got 1.5" },
  { "position-missing-y",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\", \"position\": {\"x\": 0.5}}"), INVALID,
    "bad.json:4:81: missing field \"y\" in a position; expected a number from 0 (top) to 1 (bottom)" },
  { "bad-dns-name",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\", \"names\": [\"a.b\", \"knuth..edu\"]}"), INVALID,
    "bad.json:4:86: each of \"names\" must be a DNS name like knuth.luther.edu, got \"knuth..edu\"" },
  { "numeric-dns-name",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\", \"names\": [\"10.0.0.1\"]}"), INVALID,
    "bad.json:4:79: each of \"names\" must be a DNS name like knuth.luther.edu, got \"10.0.0.1\"" },
  { "duplicate-name-in-host",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\", \"names\": [\"a.org\", \"A.org\"]}"), INVALID,
    "bad.json:4:88: duplicate DNS name \"A.org\": it is already in this host's \"names\"" },
  { "duplicate-host-id",
    TOP " \"hosts\": [\n"
    "  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\"},\n"
    "  {\"id\": \"a\", \"name\": \"B\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\"}],\n"
    STEPS CONNECT_SELF END, INVALID,
    "bad.json:5:10: duplicate host id \"a\"; the host at 4:10 has it already" },
  { "duplicate-address",
    TOP " \"hosts\": [\n"
    "  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\"},\n"
    "  {\"id\": \"b\", \"name\": \"B\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\"}],\n"
    STEPS CONNECT_SELF END, INVALID,
    "bad.json:5:39: address 10.0.0.1 is already host \"a\"'s; every host needs an address of its own" },
  { "duplicate-dns-name",
    TOP " \"hosts\": [\n"
    "  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\", \"names\": [\"www.example.org\"]},\n"
    "  {\"id\": \"b\", \"name\": \"B\", \"address\": \"10.0.0.2\", \"kind\": \"server\", \"names\": [\"WWW.example.org\"]}],\n"
    STEPS CONNECT_SELF END, INVALID,
    "bad.json:5:79: duplicate DNS name \"WWW.example.org\": it is already a name of host \"a\"; a name leads to one address" },
  { "dns-name-is-other-id",
    TOP " \"hosts\": [\n"
    "  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\", \"names\": [\"b\"]},\n"
    "  {\"id\": \"b\", \"name\": \"B\", \"address\": \"10.0.0.2\", \"kind\": \"server\"}],\n"
    STEPS CONNECT_SELF END, INVALID,
    "bad.json:4:79: DNS name \"b\" is also the id of host \"b\"; \"to\": \"b\" would mean two hosts" },

  /* services */
  { "service-port-70000",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 70000}]}"), INVALID,
    "bad.json:5:42: \"port\" must be an integer from 1 to 65535, got 70000" },
  { "service-port-0",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 0}]}"), INVALID,
    "bad.json:5:42: \"port\" must be an integer from 1 to 65535, got 0" },
  { "service-port-string",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": \"80\"}]}"), INVALID,
    "bad.json:5:42: \"port\" must be an integer from 1 to 65535, got \"80\"" },
  { "service-port-huge",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 99999999999999999999}]}"), INVALID,
    "bad.json:5:42: \"port\" must be an integer from 1 to 65535, got 99999999999999999999" },
  { "service-port-fraction",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 80.5}]}"), INVALID,
    "bad.json:5:42: \"port\" must be an integer from 1 to 65535, got 80.5" },
  { "service-missing-port",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\"}]}"), INVALID,
    "bad.json:5:17: missing field \"port\" in an \"http\" service; expected an integer from 1 to 65535" },
  { "duplicate-service-port",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 80},\n"
              "                {\"type\": \"echo\", \"port\": 80}]}"), INVALID,
    "bad.json:6:42: host \"a\" already has a tcp service on port 80 (at 5:42); one port, one program" },
  { "same-port-other-protocol-is-fine-but-dns-needs-udp",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"echo\", \"port\": 53}, {\"type\": \"dns\", \"port\": 53, \"protocol\": \"tcp\"}]}"), INVALID,
    "bad.json:5:87: \"protocol\" must be \"udp\" (a \"dns\" service runs over UDP), got \"tcp\"" },
  { "http-over-udp",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 80, \"protocol\": \"udp\"}]}"), INVALID,
    "bad.json:5:58: \"protocol\" must be \"tcp\" (an \"http\" service runs over TCP), got \"udp\"" },
  { "service-type-unknown",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"ftp\", \"port\": 21}]}"), INVALID,
    "bad.json:5:26: \"type\" must be one of \"echo\", \"http\", \"smtp\", \"ssh-banner\", \"chat\", \"dns\" or \"script\", got \"ftp\"" },
  { "service-type-typo",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"typ\": \"http\", \"port\": 80}]}"), INVALID,
    "bad.json:5:18: unknown field \"typ\" in a service; did you mean \"type\"?" },
  { "field-of-another-type",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"smtp\", \"port\": 25, \"pages\": {}}]}"), INVALID,
    "bad.json:5:46: unknown field \"pages\" in an \"smtp\" service; expected one of: type, protocol, port, name, stopped, domain" },
  { "page-path",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 80, \"pages\": {\"index.html\": \"hi\"}}]}"), INVALID,
    "bad.json:5:56: page path \"index.html\" must start with \"/\" and have no spaces, '?' or '#', like \"/index.html\"" },
  { "page-number",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"http\", \"port\": 80, \"pages\": {\"/\": 42}}]}"), INVALID,
    "bad.json:5:61: \"/\" must be the page's text, or an object like {\"body\": \"...\", \"content_type\": \"text/plain\"}, got 42" },
  { "ssh-banner",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"ssh-banner\", \"port\": 22, \"banner\": \"OpenSSH\"}]}"), INVALID,
    "bad.json:5:62: \"banner\" must be a version line like \"SSH-2.0-OpenSSH_9.2p1 Debian-2\" (printable ASCII starting with SSH-, at most 253 characters), got \"OpenSSH\"" },
  { "stopped-string",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"echo\", \"port\": 7, \"stopped\": \"yes\"}]}"), INVALID,
    "bad.json:5:56: \"stopped\" must be true or false, got \"yes\"" },
  { "dialogue-missing-reply",
    ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"server\",\n"
              "   \"services\": [{\"type\": \"script\", \"port\": 110, \"dialogue\": [{\"expect\": \"USER\"}]}]}"), INVALID,
    "bad.json:5:62: missing field \"reply\" in a dialogue entry; expected the text to answer with" },

  /* steps */
  { "step-missing-action",
    WITH_STEPS ("  {\"narration\": \"n\", \"from\": \"laptop\"}"), INVALID,
    "bad.json:9:3: missing field \"action\" in a step; expected one of \"connect\", \"send\", \"expect\", \"close\", \"udp\", \"lookup\", \"start\", \"stop\" or \"wait\"" },
  { "step-unknown-action",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"teleport\"}"), INVALID,
    "bad.json:9:32: \"action\" must be one of \"connect\", \"send\", \"expect\", \"close\", \"udp\", \"lookup\", \"start\", \"stop\" or \"wait\", got \"teleport\"" },
  { "step-field-typo",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"prot\": 80}"), INVALID,
    "bad.json:9:88: unknown field \"prot\" in a \"connect\" step; did you mean \"port\"?" },
  { "step-field-of-another-action",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"port\": 80, \"data\": \"x\"}"), INVALID,
    "bad.json:10:60: unknown field \"port\" in a \"send\" step; expected one of: narration, action, connection, side, data, hex, repeat" },
  { "step-missing-narration",
    WITH_STEPS ("  {\"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 80}"), INVALID,
    "bad.json:9:3: missing field \"narration\" in a \"connect\" step; expected a sentence that tells what happens" },
  { "connect-port-70000",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 70000}"), INVALID,
    "bad.json:9:96: \"port\" must be an integer from 1 to 65535, got 70000" },
  { "unknown-from-typo",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptpo\", \"to\": \"knuth\", \"port\": 80}"), INVALID,
    "bad.json:9:63: unknown host \"laptpo\" in \"from\"; did you mean \"laptop\"?" },
  { "unknown-from",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"printer\", \"to\": \"knuth\", \"port\": 80}"), INVALID,
    "bad.json:9:63: unknown host \"printer\" in \"from\"; the hosts are: laptop, knuth" },
  { "from-is-a-name",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"knuth.luther.edu\", \"to\": \"laptop\", \"port\": 80}"), INVALID,
    "bad.json:9:63: \"from\" must be a host id; \"knuth.luther.edu\" is a DNS name of host \"knuth\", so write \"knuth\"" },
  { "unknown-to",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"www.example.org\", \"port\": 80}"), INVALID,
    "bad.json:9:79: unknown host or name \"www.example.org\" in \"to\"; expected a host id (laptop, knuth) or a DNS name (knuth.luther.edu)" },
  { "unknown-to-typo",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth.luther.ed\", \"port\": 80}"), INVALID,
    "bad.json:9:79: unknown host or name \"knuth.luther.ed\" in \"to\"; did you mean \"knuth.luther.edu\"?" },
  { "mss",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 80, \"mss\": 40}"), INVALID,
    "bad.json:9:107: \"mss\" must be a segment size from 88 to 32767 bytes (the TCP_MAXSEG socket option), got 40" },
  { "unknown-connection",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c9\", \"data\": \"x\"}"), INVALID,
    "bad.json:10:54: unknown connection \"c9\"; no \"connect\" step opens it" },
  { "connection-used-too-early",
    WITH_STEPS (SEND_C1 ",\n" CONNECT_C1), INVALID,
    "bad.json:9:54: connection \"c1\" is used before it is opened: its step is at line 10" },
  { "duplicate-connection-id",
    WITH_STEPS (CONNECT_C1 ",\n" CONNECT_C1), INVALID,
    "bad.json:10:49: duplicate connection id \"c1\"; the step at line 9 uses it already" },
  { "send-after-close",
    WITH_STEPS (CONNECT_C1 ",\n" CLOSE_C1_CLIENT ",\n" SEND_C1), INVALID,
    "bad.json:11:54: the client closed connection \"c1\" at line 10; it can no longer send" },
  { "expect-after-close",
    WITH_STEPS (CONNECT_C1 ",\n" CLOSE_C1_SERVER ",\n"
                "  {\"narration\": \"n\", \"action\": \"expect\", \"connection\": \"c1\", \"side\": \"server\", \"data\": \"x\"}"), INVALID,
    "bad.json:11:56: the server closed connection \"c1\" at line 10; it can no longer receive" },
  { "close-twice",
    WITH_STEPS (CONNECT_C1 ",\n" CLOSE_C1_CLIENT ",\n" CLOSE_C1_CLIENT), INVALID,
    "bad.json:11:55: the client already closed connection \"c1\" at line 10" },
  { "closed-by-both",
    WITH_STEPS (CONNECT_C1 ",\n" HALF_CLOSE_C1_CLIENT ",\n" CLOSE_C1_CLIENT ",\n"
                "  {\"narration\": \"n\", \"action\": \"expect\", \"connection\": \"c1\", \"side\": \"client\", \"data\": \"x\"}"), INVALID,
    "bad.json:12:56: connection \"c1\" was closed by both sides (lines 10 and 11); nothing can use it any more" },
  { "send-after-reset",
    WITH_STEPS (CONNECT_C1 ",\n" RESET_C1_CLIENT ",\n" SEND_C1), INVALID,
    "bad.json:11:54: the client reset connection \"c1\" at line 10 (\"how\": \"reset\"); a reset connection is finished, so no step can use it" },
  { "expect-after-other-reset",
    WITH_STEPS (CONNECT_C1 ",\n" RESET_C1_CLIENT ",\n"
                "  {\"narration\": \"n\", \"action\": \"expect\", \"connection\": \"c1\", \"side\": \"server\", \"data\": \"x\"}"), INVALID,
    "bad.json:11:56: the client reset connection \"c1\" at line 10 (\"how\": \"reset\"); a reset connection is finished, so no step can use it" },
  { "close-after-other-reset",
    WITH_STEPS (CONNECT_C1 ",\n" RESET_C1_CLIENT ",\n" CLOSE_C1_SERVER), INVALID,
    "bad.json:11:55: the client reset connection \"c1\" at line 10 (\"how\": \"reset\"); a reset connection is finished, so no step can use it" },
  { "reset-after-half-close",
    WITH_STEPS (CONNECT_C1 ",\n" HALF_CLOSE_C1_CLIENT ",\n" RESET_C1_CLIENT), INVALID,
    "bad.json:11:86: the server already closed its end of connection \"c1\" at line 10, so a reset would reach no program; a plain \"close\" closes the rest" },
  { "reset-on-udp",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"udp\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 53, \"data\": \"x\"},\n"
                RESET_C1_CLIENT), INVALID,
    "bad.json:10:55: \"c1\" is a UDP socket (line 9); a \"close\" step is for TCP connections" },
  { "use-refused-connection",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 81},\n" SEND_C1), INVALID,
    "bad.json:10:54: connection \"c1\" is refused at line 9 (nothing listens on that port then); no step can use it" },
  { "use-connection-to-stopped-service",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"stop\", \"host\": \"knuth\", \"port\": 80},\n" CONNECT_C1 ",\n" CLOSE_C1_CLIENT), INVALID,
    "bad.json:11:55: connection \"c1\" is refused at line 10 (nothing listens on that port then); no step can use it" },
  /* the other end's program closes as soon as one end has: --check knows */
  { "server-send-after-client-close",
    WITH_STEPS (CONNECT_C1 ",\n" CLOSE_C1_CLIENT ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"side\": \"server\", \"data\": \"x\"}"), INVALID,
    "bad.json:11:54: the client closed connection \"c1\" at line 10, and the server closes its end then too; it can no longer send" },
  { "close-twice-after-other-closed",
    WITH_STEPS (CONNECT_C1 ",\n" CLOSE_C1_SERVER ",\n" CLOSE_C1_CLIENT ",\n" CLOSE_C1_CLIENT), INVALID,
    "bad.json:12:55: connection \"c1\" was closed by both sides (lines 10 and 11); nothing can use it any more" },
  { "close-after-http-connection-close",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"GET / HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n\"},\n"
                CLOSE_C1_CLIENT), INVALID,
    "bad.json:11:55: the web server closes connection \"c1\" once it has answered the request of line 10 (its answer says \"Connection: close\"), and the client closes its end then too; this \"close\" would do nothing, so leave it out" },
  { "send-after-http-1.0",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"GET / HTTP/1.0\\r\\n\\r\\n\"},\n"
                SEND_C1), INVALID,
    "bad.json:11:54: the web server closes connection \"c1\" once it has answered the request of line 10 (its answer says \"Connection: close\"), and the client closes its end then too; it can no longer send" },
  { "close-after-bad-http-request",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"GET\\r\\n\"},\n"
                CLOSE_C1_CLIENT), INVALID,
    "bad.json:11:55: the web server closes connection \"c1\" once it has answered the request of line 10 (its answer says \"Connection: close\"), and the client closes its end then too; this \"close\" would do nothing, so leave it out" },
  { "keep-alive-then-close",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"GET / HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\n\"},\n"
                CLOSE_C1_CLIENT ",\n" CLOSE_C1_CLIENT), INVALID,
    "bad.json:12:55: the client already closed connection \"c1\" at line 11" },
  { "send-after-half-close",
    WITH_STEPS (CONNECT_C1 ",\n" HALF_CLOSE_C1_CLIENT ",\n" SEND_C1), INVALID,
    "bad.json:11:54: the client shut down its sending side of connection \"c1\" at line 10 (\"how\": \"write\"); it can no longer send, only receive" },
  { "half-close-twice",
    WITH_STEPS (CONNECT_C1 ",\n" HALF_CLOSE_C1_CLIENT ",\n" HALF_CLOSE_C1_CLIENT), INVALID,
    "bad.json:11:86: the client already shut down its sending side of connection \"c1\" at line 10; a plain \"close\" closes the rest" },
  { "close-bad-how",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\", \"how\": \"read\"}"), INVALID,
    "bad.json:10:68: \"how\" must be one of \"both\", \"write\" or \"reset\", got \"read\"" },
  { "expect-repeat-on-tcp",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"expect\", \"connection\": \"c1\", \"data\": \"x\", \"repeat\": 2}"), INVALID,
    "bad.json:10:85: \"repeat\" in an \"expect\" step is for UDP sockets, where it expects that many datagrams; TCP connection \"c1\" carries a stream of bytes, so write all of them in \"data\"" },
  { "send-data-and-hex",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"x\", \"hex\": \"78\"}"), INVALID,
    "bad.json:10:80: a \"send\" step takes one of \"data\" or \"hex\", not both \"data\" and \"hex\"" },
  { "send-no-data",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\"}"), INVALID,
    "bad.json:10:3: missing field \"data\" in a \"send\" step; expected the text to send (or \"hex\" with bytes)" },
  { "send-empty-data",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"\"}"), INVALID,
    "bad.json:10:68: \"data\" must be the text to send, not empty, got \"\"" },
  { "send-bad-hex",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"hex\": \"4g\"}"), INVALID,
    "bad.json:10:67: \"hex\" must be bytes as pairs of hex digits, like \"47 45 54 0d 0a\", got \"4g\"" },
  { "repeat-0",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"x\", \"repeat\": 0}"), INVALID,
    "bad.json:10:83: \"repeat\" must be a count from 1 to 1000000, got 0" },
  { "repeat-too-many-bytes",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\", \"repeat\": 1000000}"), INVALID,
    "bad.json:10:162: \"repeat\" 1000000 times 80 bytes is more than 64 MiB, the most one step sends" },
  { "side-unknown",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\", \"side\": \"both\"}"), INVALID,
    "bad.json:10:69: \"side\" must be \"client\" or \"server\", got \"both\"" },
  { "send-on-udp",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"udp\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 53, \"data\": \"x\"},\n"
                SEND_C1), INVALID,
    "bad.json:10:54: \"c1\" is a UDP socket (line 9); a \"send\" step is for TCP connections" },
  { "udp-on-tcp-id",
    WITH_STEPS (CONNECT_C1 ",\n"
                "  {\"narration\": \"n\", \"action\": \"udp\", \"id\": \"c1\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 53, \"data\": \"x\"}"), INVALID,
    "bad.json:10:45: duplicate connection id \"c1\"; the step at line 9 uses it already" },
  { "udp-socket-other-host",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"udp\", \"id\": \"q\", \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 53, \"data\": \"x\"},\n"
                "  {\"narration\": \"n\", \"action\": \"udp\", \"id\": \"q\", \"from\": \"knuth\", \"to\": \"laptop\", \"port\": 53, \"data\": \"x\"}"), INVALID,
    "bad.json:10:45: UDP socket \"q\" belongs to host \"laptop\" (line 9); \"from\" must be \"laptop\"" },
  { "lookup-without-dns",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"lookup\", \"from\": \"laptop\", \"name\": \"knuth.luther.edu\", \"server\": \"knuth\"}"), INVALID,
    "bad.json:9:98: host \"knuth\" has no \"dns\" service on udp port 53; a \"lookup\" asks a host that runs one" },
  { "lookup-bad-name",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"lookup\", \"from\": \"laptop\", \"name\": \"-bad-\", \"server\": \"knuth\"}"), INVALID,
    "bad.json:9:68: \"name\" must be a DNS name like knuth.luther.edu, got \"-bad-\"" },
  { "start-no-service",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"start\", \"host\": \"knuth\", \"port\": 8080}"), INVALID,
    "bad.json:9:66: host \"knuth\" has no tcp service on port 8080 to start" },
  { "start-running",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"start\", \"host\": \"knuth\", \"port\": 80}"), INVALID,
    "bad.json:9:66: the tcp service on port 80 of host \"knuth\" is already running (it starts running)" },
  { "stop-twice",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"stop\", \"host\": \"knuth\", \"port\": 80},\n"
                "  {\"narration\": \"n\", \"action\": \"stop\", \"host\": \"knuth\", \"port\": 80}"), INVALID,
    "bad.json:10:65: the tcp service on port 80 of host \"knuth\" is already stopped (since line 9)" },
  { "wait-too-long",
    WITH_STEPS ("  {\"narration\": \"n\", \"action\": \"wait\", \"milliseconds\": 3600000}"), INVALID,
    "bad.json:9:56: \"milliseconds\" must be a time from 1 to 60000 milliseconds, got 3600000" },
  { "step-not-object",
    WITH_STEPS ("  \"connect\""), INVALID,
    "bad.json:9:3: each step must be an object like {\"narration\": \"...\", \"action\": \"connect\", ...}, got \"connect\"" },

  /* links and interfaces (issue 14) */
  { "link-without-links",
    ONE_HOST (HOST_A (", \"address\": \"10.0.0.2\", \"link\": \"home\"")), INVALID,
    "bad.json:4:77: \"link\" names links, but this file has no \"links\"; list them at the top level, like \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"}], or leave \"link\" out" },
  { "interfaces-without-links",
    ONE_HOST (HOST_A (", \"interfaces\": [{\"link\": \"home\", \"address\": \"10.0.0.2\"}]")), INVALID,
    "bad.json:4:60: \"interfaces\" names links, but this file has no \"links\"; list them at the top level, like \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"}], or leave \"interfaces\" out" },
  { "links-empty", LINKED (" \"links\": [],\n", HOST_A_HOME), INVALID,
    "bad.json:3:11: \"links\" is empty; list at least one link, or leave \"links\" out to put every host on one network" },
  { "links-not-array", LINKED (" \"links\": {\"id\": \"home\"},\n", HOST_A_HOME), INVALID,
    "bad.json:3:11: \"links\" must be an array of links like [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"}], got an object" },
  { "link-not-object", LINKED (" \"links\": [\"home\"],\n", HOST_A_HOME), INVALID,
    "bad.json:3:12: each link must be an object like {\"id\": \"home\", \"network\": \"10.0.0.0/24\"}, got \"home\"" },
  { "link-unknown-field",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\", \"latency\": 5}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:53: unknown field \"latency\" in a link; expected one of: id, name, network, latency_ms" },
  { "link-missing-network",
    LINKED (" \"links\": [{\"id\": \"home\", \"name\": \"Home\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:12: missing field \"network\" in a link; expected a network like \"10.0.0.0/24\" (an address, '/', a prefix length from 0 to 32)" },
  { "link-bad-id",
    LINKED (" \"links\": [{\"id\": \"1home\", \"network\": \"10.0.0.0/24\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:19: \"id\" must be an identifier like \"home\" (a letter, then letters, digits, '-' or '_'), got \"1home\"" },
  { "link-prefix-too-long",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/33\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:38: \"network\" must be a network like \"10.0.0.0/24\" (an address, '/', a prefix length from 0 to 32), got \"10.0.0.0/33\"" },
  { "link-no-prefix",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:38: \"network\" must be a network like \"10.0.0.0/24\" (an address, '/', a prefix length from 0 to 32), got \"10.0.0.0\"" },
  { "link-prefix-leading-zero",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/024\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:38: \"network\" must be a network like \"10.0.0.0/24\" (an address, '/', a prefix length from 0 to 32), got \"10.0.0.0/024\"" },
  { "link-host-bits",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.1/24\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:38: \"network\" 10.0.0.1/24 has host bits set; expected the network itself, 10.0.0.0/24" },
  { "link-duplicate-id",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"},\n"
            "           {\"id\": \"home\", \"network\": \"10.0.1.0/24\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:4:19: duplicate link id \"home\"; the link at 3:19 has it already" },
  { "link-overlap",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\"},\n"
            "           {\"id\": \"big\", \"network\": \"10.0.0.0/16\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:4:37: network 10.0.0.0/16 of link \"big\" overlaps network 10.0.0.0/24 of link \"home\" (at 3:38); each link needs a network of its own" },
  { "link-overlap-later-inside",
    LINKED (" \"links\": [{\"id\": \"big\", \"network\": \"10.0.0.0/8\"},\n"
            "           {\"id\": \"x\", \"network\": \"11.0.0.0/24\"},\n"
            "           {\"id\": \"home\", \"network\": \"10.9.0.0/24\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:5:38: network 10.9.0.0/24 of link \"home\" overlaps network 10.0.0.0/8 of link \"big\" (at 3:37); each link needs a network of its own" },
  { "latency-too-high",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\", \"latency_ms\": 5000.5}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:67: \"latency_ms\" must be a number of milliseconds from 0 to 5000, like 2 or 0.5, got 5000.5" },
  { "latency-negative",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\", \"latency_ms\": -1}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:67: \"latency_ms\" must be a number of milliseconds from 0 to 5000, like 2 or 0.5, got -1" },
  { "latency-string",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"10.0.0.0/24\", \"latency_ms\": \"2\"}],\n", HOST_A_HOME), INVALID,
    "bad.json:3:67: \"latency_ms\" must be a number of milliseconds from 0 to 5000, like 2 or 0.5, got \"2\"" },
  { "address-outside-link",
    LINKED (LINKS_HOME, HOST_A (", \"address\": \"10.0.1.2\"")), INVALID,
    "bad.json:5:57: address 10.0.1.2 is not on link \"home\" (10.0.0.0/24); expected an address from 10.0.0.1 to 10.0.0.254" },
  { "address-network-of-link",
    LINKED (LINKS_HOME, HOST_A (", \"address\": \"10.0.0.0\"")), INVALID,
    "bad.json:5:57: address 10.0.0.0 is the network address of link \"home\" (10.0.0.0/24), not a host's; expected an address from 10.0.0.1 to 10.0.0.254" },
  { "address-broadcast-of-link",
    LINKED (LINKS_HOME, HOST_A (", \"address\": \"10.0.0.255\"")), INVALID,
    "bad.json:5:57: address 10.0.0.255 is the broadcast address of link \"home\" (10.0.0.0/24), not a host's; expected an address from 10.0.0.1 to 10.0.0.254" },
  { "address-unusable-on-link",
    LINKED (" \"links\": [{\"id\": \"home\", \"network\": \"0.0.0.0/0\"}],\n", HOST_A (", \"address\": \"0.1.2.3\"")), INVALID,
    "bad.json:5:57: \"address\" 0.1.2.3 cannot belong to a host: 0.x.x.x means \"this network\", not a host" },
  { "link-without-hosts", LINKED (LINKS_TWO, HOST_A (", \"address\": \"10.0.0.2\", \"link\": \"home\"")), INVALID,
    "bad.json:4:12: link \"campus\" has no hosts; put a host on it (\"link\": \"campus\", or an interface with it), or leave it out" },
  { "router-one-link",
    LINKED (LINKS_HOME, HOST_A_HOME ",\n" ROUTER ("{\"link\": \"home\", \"address\": \"10.0.0.1\"}")), INVALID,
    "bad.json:6:3: host \"gw\" is a router on one link only (\"home\"); a router forwards between links, so give it \"interfaces\" on two or more, or another \"kind\"" },
  { "router-address-one-link",
    LINKED (LINKS_HOME, HOST_A_HOME ",\n"
            "  {\"id\": \"gw\", \"name\": \"GW\", \"kind\": \"router\", \"address\": \"10.0.0.1\"}"), INVALID,
    "bad.json:6:3: host \"gw\" is a router on one link only (\"home\"); a router forwards between links, so give it \"interfaces\" on two or more, or another \"kind\"" },
  { "unknown-link-typo",
    LINKED (LINKS_TWO, HOST_A (", \"address\": \"10.0.0.2\", \"link\": \"hom\"")), INVALID,
    "bad.json:6:77: unknown link \"hom\" in \"link\"; did you mean \"home\"?" },
  { "unknown-link",
    LINKED (LINKS_TWO, HOST_A (", \"address\": \"10.0.0.2\", \"link\": \"office\"")), INVALID,
    "bad.json:6:77: unknown link \"office\" in \"link\"; the links are: home, campus" },
  { "missing-link",
    LINKED (LINKS_TWO, HOST_A_HOME), INVALID,
    "bad.json:6:3: missing field \"link\" in a host; expected the id of the link it is on (home, campus)" },
  { "missing-address-with-links",
    LINKED (LINKS_HOME, HOST_A ("")), INVALID,
    "bad.json:5:3: missing field \"address\" in a host; expected an IPv4 address like 10.0.0.2 (with \"link\"), or \"interfaces\"" },
  { "address-and-interfaces",
    LINKED (LINKS_HOME, HOST_A (", \"address\": \"10.0.0.2\", \"interfaces\": [{\"link\": \"home\", \"address\": \"10.0.0.3\"}]")), INVALID,
    "bad.json:5:83: a host has either \"address\" and \"link\", or \"interfaces\", not both; this one also has \"address\" (at 5:57)" },
  { "link-and-interfaces",
    LINKED (LINKS_HOME, HOST_A (", \"link\": \"home\", \"interfaces\": [{\"link\": \"home\", \"address\": \"10.0.0.3\"}]")), INVALID,
    "bad.json:5:76: a host has either \"address\" and \"link\", or \"interfaces\", not both; this one also has \"link\" (at 5:54)" },
  { "interfaces-empty",
    LINKED (LINKS_HOME, HOST_A (", \"interfaces\": []")), INVALID,
    "bad.json:5:60: \"interfaces\" is empty; a host needs at least one, like [{\"link\": \"home\", \"address\": \"10.0.0.1\"}]" },
  { "interfaces-not-array",
    LINKED (LINKS_HOME, HOST_A (", \"interfaces\": {\"link\": \"home\"}")), INVALID,
    "bad.json:5:60: \"interfaces\" must be an array of interfaces like [{\"link\": \"home\", \"address\": \"10.0.0.1\"}, ...], got an object" },
  { "interface-not-object",
    LINKED (LINKS_HOME, HOST_A (", \"interfaces\": [\"home\"]")), INVALID,
    "bad.json:5:61: each interface must be an object like {\"link\": \"home\", \"address\": \"10.0.0.1\"}, got \"home\"" },
  { "interface-unknown-field",
    LINKED (LINKS_HOME, HOST_A (", \"interfaces\": [{\"link\": \"home\", \"adress\": \"10.0.0.2\"}]")), INVALID,
    "bad.json:5:78: unknown field \"adress\" in an interface; did you mean \"address\"?" },
  { "interface-missing-link",
    LINKED (LINKS_HOME, HOST_A (", \"interfaces\": [{\"address\": \"10.0.0.2\"}]")), INVALID,
    "bad.json:5:61: missing field \"link\" in an interface; expected a link id like \"home\"" },
  { "interface-missing-address",
    LINKED (LINKS_HOME, HOST_A (", \"interfaces\": [{\"link\": \"home\"}]")), INVALID,
    "bad.json:5:61: missing field \"address\" in an interface; expected an IPv4 address like 192.203.196.71" },
  { "interface-unknown-link",
    LINKED (LINKS_TWO, HOST_A_ON_HOME ",\n"
            ROUTER ("{\"link\": \"home\", \"address\": \"10.0.0.1\"}, {\"link\": \"campsu\", \"address\": \"192.203.196.1\"}")), INVALID,
    "bad.json:7:113: unknown link \"campsu\" in \"link\"; did you mean \"campus\"?" },
  { "interface-same-link-twice",
    LINKED (LINKS_TWO, HOST_A_ON_HOME ",\n"
            ROUTER ("{\"link\": \"home\", \"address\": \"10.0.0.1\"}, {\"link\": \"home\", \"address\": \"10.0.0.3\"}")), INVALID,
    "bad.json:7:113: host \"gw\" is already on link \"home\" (its interface at 7:72); a host has one interface per link" },
  { "interface-outside-link",
    LINKED (LINKS_TWO, HOST_A_ON_HOME ",\n"
            ROUTER ("{\"link\": \"home\", \"address\": \"10.0.0.1\"}, {\"link\": \"campus\", \"address\": \"192.203.197.1\"}")), INVALID,
    "bad.json:7:134: address 192.203.197.1 is not on link \"campus\" (192.203.196.0/24); expected an address from 192.203.196.1 to 192.203.196.254" },
  { "interface-duplicate-address",
    LINKED (LINKS_TWO, HOST_A_ON_HOME ",\n"
            ROUTER ("{\"link\": \"home\", \"address\": \"10.0.0.2\"}, {\"link\": \"campus\", \"address\": \"192.203.196.1\"}")), INVALID,
    "bad.json:7:91: address 10.0.0.2 is already host \"a\"'s; every host needs an address of its own" },
  { "interface-address-taken-later",
    LINKED (LINKS_TWO,
            ROUTER ("{\"link\": \"home\", \"address\": \"10.0.0.1\"}, {\"link\": \"campus\", \"address\": \"192.203.196.1\"}") ",\n"
            HOST_A (", \"address\": \"192.203.196.1\", \"link\": \"campus\"")), INVALID,
    "bad.json:7:57: address 192.203.196.1 is already host \"gw\"'s; every host needs an address of its own" },
};

/* ------------------------------------------------------------------ */

static GBytes *
bytes_of (const char *text)
{
  return g_bytes_new_static (text, strlen (text));
}

static void
assert_load_fails (GBytes     *bytes,
                   const char *display_name,
                   int         code,
                   const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, display_name, &error);

  assert_null (scenario);
  assert_non_null (error);
  assert_true (error->domain == PF_SCENARIO_ERROR);
  assert_string_equal (error->message, message);
  assert_int_equal (error->code, code);
  assert_null (strchr (error->message, '\n'));
}

static void
test_bad_input (void **state)
{
  const BadCase *bad = *state;
  g_autoptr(GBytes) bytes = bytes_of (bad->json);

  assert_load_fails (bytes, "bad.json", bad->code, bad->message);
}

/* The source tree, from the environment meson's test() sets. */
static const char *
source_dir (void)
{
  const char *dir = g_getenv ("PACKETFLOW_SOURCE_DIR");

  if (dir == NULL)
    fail_msg ("PACKETFLOW_SOURCE_DIR must name the source tree");
  return dir;
}

static PfScenario *
load_source_file (const char *relative)
{
  g_autofree char *path = g_build_filename (source_dir (), relative, NULL);
  g_autoptr(GError) error = NULL;
  PfScenario *scenario = pf_scenario_load_file (path, &error);

  if (error != NULL)
    fail_msg ("%s", error->message);
  assert_non_null (scenario);
  assert_string_equal (scenario->filename, path);
  return scenario;
}

/* A close of the side whose other end closed first is that side's own
 * close, in its own step: its program waits for it (CLOSE_WAIT). */
static void
test_close_after_other_closed (void **state)
{
  const char *text = TOP HOSTS STEPS CONNECT_C1 ",\n" CLOSE_C1_CLIENT ",\n" CLOSE_C1_SERVER END;
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "ok.json", &error);
  const PfStep *last;

  pf_test_assert_no_error (error);
  assert_int_equal (scenario->steps->len, 3);
  last = g_ptr_array_index (scenario->steps, 2);
  assert_int_equal (last->action, PF_STEP_CLOSE);
  assert_int_equal (last->side, PF_SIDE_SERVER);
  assert_string_equal (last->connection, "c1");
}

static void
test_web (void **state)
{
  g_autoptr(PfScenario) scenario = load_source_file ("data/scenarios/web.pflow.json");
  const PfHost *laptop;
  const PfHost *knuth;
  const PfService *service;
  const PfHttpPage *page;
  const PfStep *step;
  g_auto(GStrv) ids = NULL;

  (void) state;

  assert_string_equal (scenario->title, "Fetching a web page");
  assert_non_null (scenario->summary);
  assert_non_null (scenario->lesson);
  assert_int_equal (scenario->hosts->len, 2);
  assert_int_equal (scenario->steps->len, 5);

  laptop = g_ptr_array_index (scenario->hosts, 0);
  assert_string_equal (laptop->id, "laptop");
  assert_string_equal (laptop->kind, "laptop");
  assert_int_equal (laptop->address, 0x0A000002);
  assert_null (laptop->names[0]);
  assert_true (laptop->has_position);
  assert_true (laptop->x == 0.2 && laptop->y == 0.5);
  assert_int_equal (laptop->services->len, 0);

  knuth = g_ptr_array_index (scenario->hosts, 1);
  assert_string_equal (knuth->id, "knuth");
  assert_string_equal (knuth->kind, "server");
  assert_int_equal (knuth->address, 0xC0CBC447);
  assert_string_equal (knuth->names[0], "knuth.luther.edu");
  assert_null (knuth->names[1]);
  assert_int_equal (knuth->services->len, 3);

  service = g_ptr_array_index (knuth->services, 0);
  assert_ptr_equal (service->host, knuth);
  assert_int_equal (service->type, PF_SERVICE_HTTP);
  assert_int_equal (service->protocol, PF_PROTOCOL_TCP);
  assert_int_equal (service->port, 80);
  assert_string_equal (service->name, "web");
  assert_false (service->stopped);
  assert_int_equal (service->pages->len, 1);
  page = g_ptr_array_index (service->pages, 0);
  assert_string_equal (page->path, "/");
  assert_string_equal (page->content_type, "text/html; charset=utf-8");
  assert_non_null (strstr (g_bytes_get_data (page->body, NULL), "Hello from knuth.luther.edu"));

  service = pf_host_find_service (knuth, PF_PROTOCOL_TCP, 25);
  assert_non_null (service);
  assert_int_equal (service->type, PF_SERVICE_SMTP);
  assert_string_equal (service->name, "mail");
  assert_string_equal (service->domain, "knuth.luther.edu");

  service = pf_host_find_service (knuth, PF_PROTOCOL_TCP, 22);
  assert_non_null (service);
  assert_int_equal (service->type, PF_SERVICE_SSH_BANNER);
  assert_string_equal (service->banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  assert_null (pf_host_find_service (knuth, PF_PROTOCOL_UDP, 22));

  step = g_ptr_array_index (scenario->steps, 0);
  assert_int_equal (step->action, PF_STEP_CONNECT);
  assert_string_equal (step->connection, "web");
  assert_ptr_equal (step->from, laptop);
  assert_ptr_equal (step->to, knuth);
  assert_string_equal (step->to_name, "knuth.luther.edu");
  assert_int_equal (step->port, 80);
  assert_int_equal (step->source_port, 0);
  assert_int_equal (step->mss, 0);
  assert_ptr_equal (step->service, pf_host_find_service (knuth, PF_PROTOCOL_TCP, 80));
  assert_int_equal (step->line, 48);
  assert_non_null (strstr (step->narration, "SYN, SYN-ACK, ACK"));

  step = g_ptr_array_index (scenario->steps, 1);
  assert_int_equal (step->action, PF_STEP_SEND);
  assert_string_equal (step->connection, "web");
  assert_int_equal (step->side, PF_SIDE_CLIENT);
  assert_int_equal (step->repeat, 1);
  pf_test_assert_bytes_text (step->data, "GET / HTTP/1.1\r\nHost: knuth.luther.edu\r\n\r\n");

  step = g_ptr_array_index (scenario->steps, 2);
  assert_int_equal (step->action, PF_STEP_EXPECT);
  assert_int_equal (step->side, PF_SIDE_CLIENT);
  assert_int_equal (step->match, PF_MATCH_CONTAINS);
  pf_test_assert_bytes_text (step->data, "HTTP/1.1 200 OK");

  step = g_ptr_array_index (scenario->steps, 3);
  assert_int_equal (step->action, PF_STEP_CLOSE);
  assert_int_equal (step->side, PF_SIDE_CLIENT);
  assert_int_equal (step->line, 70);

  assert_ptr_equal (pf_scenario_find_host (scenario, "knuth"), knuth);
  assert_null (pf_scenario_find_host (scenario, "knuth.luther.edu"));
  assert_ptr_equal (pf_scenario_resolve_name (scenario, "knuth.luther.edu"), knuth);
  assert_ptr_equal (pf_scenario_resolve_name (scenario, "KNUTH.Luther.EDU"), knuth);
  assert_null (pf_scenario_resolve_name (scenario, "knuth"));

  ids = pf_scenario_get_connection_ids (scenario);
  assert_int_equal (g_strv_length (ids), 1);
  assert_string_equal (ids[0], "web");
}

static void
test_refused (void **state)
{
  g_autoptr(PfScenario) scenario = load_source_file ("data/scenarios/refused.pflow.json");
  const PfHost *knuth = pf_scenario_find_host (scenario, "knuth");
  const PfStep *step;
  g_auto(GStrv) ids = NULL;

  (void) state;

  assert_non_null (knuth);
  assert_int_equal (knuth->services->len, 1);

  /* nothing listens on 8080: allowed, and the step says so */
  step = g_ptr_array_index (scenario->steps, 0);
  assert_int_equal (step->action, PF_STEP_CONNECT);
  assert_ptr_equal (step->to, knuth);
  assert_int_equal (step->port, 8080);
  assert_null (step->service);
  assert_non_null (strstr (step->narration, "RST"));
  assert_non_null (strstr (step->narration, "Connection refused"));

  step = g_ptr_array_index (scenario->steps, 1);
  assert_int_equal (step->port, 80);
  assert_non_null (step->service);
  assert_int_equal (step->service->type, PF_SERVICE_HTTP);

  ids = pf_scenario_get_connection_ids (scenario);
  assert_int_equal (g_strv_length (ids), 2);
  assert_string_equal (ids[0], "wrong-port");
  assert_string_equal (ids[1], "web");
}

static void
test_every_field (void **state)
{
  g_autoptr(PfScenario) scenario = load_source_file ("tests/scenarios/every-field.pflow.json");
  const PfHost *ns = pf_scenario_find_host (scenario, "ns");
  const PfHost *knuth = pf_scenario_find_host (scenario, "knuth");
  const PfHost *phone = pf_scenario_find_host (scenario, "phone");
  const PfService *service;
  const PfHttpPage *page;
  const PfScriptLine *line;
  const PfDnsRecord *record;
  const PfStep *step;
  g_auto(GStrv) ids = NULL;

  (void) state;

  assert_non_null (ns);
  assert_non_null (knuth);
  assert_non_null (phone);
  assert_non_null (strchr (scenario->lesson, '\n'));
  assert_false (phone->has_position);
  assert_null (phone->names[0]);

  /* dns: udp by default, answers for every name of the scenario */
  service = g_ptr_array_index (ns->services, 0);
  assert_int_equal (service->type, PF_SERVICE_DNS);
  assert_int_equal (service->protocol, PF_PROTOCOL_UDP);
  assert_string_equal (service->name, "dns");
  assert_int_equal (service->ttl, 60);
  assert_int_equal (service->records->len, 3);
  record = g_ptr_array_index (service->records, 0);
  assert_string_equal (record->name, "ns.example.org");
  assert_int_equal (record->address, 0x0A000035);
  record = g_ptr_array_index (service->records, 2);
  assert_string_equal (record->name, "WWW.Luther.edu");
  assert_int_equal (record->address, 0xC0CBC447);

  service = pf_host_find_service (knuth, PF_PROTOCOL_TCP, 80);
  assert_int_equal (service->pages->len, 3);
  page = g_ptr_array_index (service->pages, 1);
  assert_string_equal (page->path, "/notes.txt");
  assert_string_equal (page->content_type, "text/plain; charset=utf-8");
  page = g_ptr_array_index (service->pages, 2);
  assert_string_equal (page->path, "/a~b");
  assert_int_equal (g_bytes_get_size (page->body), 0);

  service = pf_host_find_service (knuth, PF_PROTOCOL_TCP, 25);
  assert_string_equal (service->domain, "knuth.luther.edu");
  service = pf_host_find_service (knuth, PF_PROTOCOL_TCP, 22);
  assert_true (service->stopped);
  assert_string_equal (service->banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  service = pf_host_find_service (knuth, PF_PROTOCOL_UDP, 7);
  assert_int_equal (service->type, PF_SERVICE_ECHO);
  assert_string_equal (service->name, "udp echo");
  assert_int_equal (pf_host_find_service (knuth, PF_PROTOCOL_TCP, 7)->type, PF_SERVICE_ECHO);
  assert_int_equal (pf_host_find_service (knuth, PF_PROTOCOL_TCP, 6667)->type, PF_SERVICE_CHAT);

  service = pf_host_find_service (knuth, PF_PROTOCOL_TCP, 110);
  assert_int_equal (service->type, PF_SERVICE_SCRIPT);
  assert_string_equal (service->greeting, "+OK POP3 ready\r\n");
  assert_int_equal (service->dialogue->len, 2);
  line = g_ptr_array_index (service->dialogue, 1);
  assert_string_equal (line->expect, "QUIT\r\n");
  assert_string_equal (line->reply, "+OK bye\r\n");

  step = g_ptr_array_index (scenario->steps, 0);
  assert_int_equal (step->action, PF_STEP_LOOKUP);
  assert_string_equal (step->to_name, "knuth.luther.edu");
  assert_ptr_equal (step->to, knuth);
  assert_ptr_equal (step->host, ns);
  assert_int_equal (step->port, 53);
  assert_ptr_equal (step->service, g_ptr_array_index (ns->services, 0));

  step = g_ptr_array_index (scenario->steps, 1);
  assert_string_equal (step->to_name, "nowhere.example.org");
  assert_null (step->to);

  step = g_ptr_array_index (scenario->steps, 2);
  assert_string_equal (step->to_name, "www.luther.edu");
  assert_ptr_equal (step->to, knuth);
  assert_int_equal (step->source_port, 50000);
  assert_int_equal (step->mss, 536);

  step = g_ptr_array_index (scenario->steps, 4);
  assert_int_equal (step->repeat, 3);

  step = g_ptr_array_index (scenario->steps, 5);
  pf_test_assert_bytes_text (step->data, "GET / HTTP/1.1\r\nHost: knuth\r\n\r\n");

  step = g_ptr_array_index (scenario->steps, 6);
  assert_int_equal (step->match, PF_MATCH_EXACT);

  step = g_ptr_array_index (scenario->steps, 8);
  assert_int_equal (step->action, PF_STEP_CLOSE);
  assert_int_equal (step->side, PF_SIDE_SERVER);

  step = g_ptr_array_index (scenario->steps, 9);
  assert_int_equal (step->action, PF_STEP_CLOSE);
  assert_true (step->half_close);
  step = g_ptr_array_index (scenario->steps, 17);
  assert_int_equal (step->action, PF_STEP_CLOSE);
  assert_false (step->half_close);
  assert_false (step->reset);
  step = g_ptr_array_index (scenario->steps, 20);
  assert_int_equal (step->action, PF_STEP_CLOSE);
  assert_int_equal (step->side, PF_SIDE_SERVER);
  assert_false (step->half_close);
  assert_true (step->reset);
  step = g_ptr_array_index (scenario->steps, 18);
  assert_int_equal (step->action, PF_STEP_EXPECT);
  assert_int_equal (step->repeat, 2);

  step = g_ptr_array_index (scenario->steps, 10);
  assert_int_equal (step->action, PF_STEP_UDP);
  assert_int_equal (step->protocol, PF_PROTOCOL_UDP);
  assert_string_equal (step->connection, "q1");
  assert_ptr_equal (step->from, phone);
  assert_int_equal (step->source_port, 40000);
  assert_ptr_equal (step->service, pf_host_find_service (knuth, PF_PROTOCOL_UDP, 7));

  step = g_ptr_array_index (scenario->steps, 12);
  assert_int_equal (g_bytes_get_size (step->data), 2);
  assert_int_equal (((const guint8 *) g_bytes_get_data (step->data, NULL))[1], 0xff);
  assert_int_equal (step->repeat, 2);

  step = g_ptr_array_index (scenario->steps, 13);
  assert_null (step->connection);
  assert_null (step->service);

  step = g_ptr_array_index (scenario->steps, 14);
  assert_int_equal (step->action, PF_STEP_START);
  assert_ptr_equal (step->host, knuth);
  assert_ptr_equal (step->service, pf_host_find_service (knuth, PF_PROTOCOL_TCP, 22));

  step = g_ptr_array_index (scenario->steps, 15);
  assert_int_equal (step->action, PF_STEP_STOP);
  assert_int_equal (step->protocol, PF_PROTOCOL_UDP);

  step = g_ptr_array_index (scenario->steps, 16);
  assert_int_equal (step->action, PF_STEP_WAIT);
  assert_int_equal (step->milliseconds, 250);

  ids = pf_scenario_get_connection_ids (scenario);
  assert_int_equal (g_strv_length (ids), 4);
  assert_string_equal (ids[0], "c1");
  assert_string_equal (ids[1], "c2");
  assert_string_equal (ids[2], "q1");
  assert_string_equal (ids[3], "c3");
}

/* The message the brief's reader sees for a typo'd address, in a file
 * laid out like data/scenarios/web.pflow.json. */
static void
test_address_message (void **state)
{
  static const char json[] =
    "{\n"
    "  \"format\": \"packetflow-scenario\",\n"
    "  \"version\": 1,\n"
    "  \"title\": \"Fetching a web page\",\n"
    "  \"summary\": \"A laptop asks a web server for its home page.\",\n"
    "  \"hosts\": [\n"
    "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\",\n"
    "      \"kind\": \"laptop\" },\n"
    "    {\n"
    "      \"id\": \"knuth\",\n"
    "      \"name\": \"knuth.luther.edu\",\n"
    "      \"kind\": \"server\",\n"
    "      \"names\": [\"knuth.luther.edu\"],\n"
    "      \"address\": \"192.203.196.710\"\n"
    "    }\n"
    "  ],\n"
    "  \"steps\": []\n"
    "}\n";
  g_autoptr(GBytes) bytes = bytes_of (json);

  (void) state;

  assert_load_fails (bytes, "web.json", PF_SCENARIO_ERROR_INVALID,
                     "web.json:14:18: \"address\" must be an IPv4 address like "
                     "192.203.196.71, got \"192.203.196.710\"");
}

static void
test_valid_minimal (void **state)
{
  g_autoptr(GBytes) bytes = bytes_of (VALID);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "ok.json", &error);
  const PfStep *step;

  (void) state;

  assert_null (error);
  assert_non_null (scenario);
  assert_string_equal (scenario->filename, "ok.json");
  assert_null (scenario->lesson);
  assert_int_equal (scenario->steps->len, 2);
  step = g_ptr_array_index (scenario->steps, 0);
  assert_null (step->to_name);
  assert_int_equal (step->line, 9);
  step = g_ptr_array_index (scenario->steps, 1);
  assert_int_equal (step->line, 10);
}

/* A byte order mark, CR LF line ends and a tab are all fine, and the
 * positions still count lines and characters. */
static void
test_bom_crlf (void **state)
{
  static const char good[] =
    "\xEF\xBB\xBF{\"format\": \"packetflow-scenario\", \"version\": 1,\r\n"
    "\t\"title\": \"T\", \"summary\": \"S\",\r\n"
    "\t\"hosts\": [{\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\"}],\r\n"
    "\t\"steps\": [{\"narration\": \"n\", \"action\": \"wait\", \"milliseconds\": 1}]}\r\n";
  static const char bad[] =
    "\xEF\xBB\xBF{\"format\": \"packetflow-scenario\", \"version\": 1,\r\n"
    "\t\"title\": \"T\", \"summary\": \"S\",\r\n"
    "\t\"hosts\": [{\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"laptop\"}],\r\n"
    "\t\"steps\": [{\"narration\": \"n\", \"action\": \"wait\", \"milliseconds\": 0}]}\r\n";
  g_autoptr(GBytes) good_bytes = bytes_of (good);
  g_autoptr(GBytes) bad_bytes = bytes_of (bad);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (good_bytes, "bom.json", &error);

  (void) state;

  assert_null (error);
  assert_non_null (scenario);
  assert_int_equal (((PfStep *) g_ptr_array_index (scenario->steps, 0))->line, 4);

  assert_load_fails (bad_bytes, "bom.json", PF_SCENARIO_ERROR_INVALID,
                     "bom.json:4:65: \"milliseconds\" must be a time from 1 to "
                     "60000 milliseconds, got 0");
}

static void
test_unreadable (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;

  (void) state;

  scenario = pf_scenario_load_file ("/nonexistent/web.pflow.json", &error);
  assert_null (scenario);
  assert_int_equal (error->code, PF_SCENARIO_ERROR_READ);
  assert_string_equal (error->message,
                       "/nonexistent/web.pflow.json: cannot read: No such file or directory");
  g_clear_error (&error);

  scenario = pf_scenario_load_file ("/", &error);
  assert_null (scenario);
  assert_int_equal (error->code, PF_SCENARIO_ERROR_READ);
  assert_string_equal (error->message, "/: cannot read: Is a directory");
}

static void
test_nul_byte (void **state)
{
  static const char json[] = "{\"title\": \"a\0b\"}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, sizeof json - 1);

  (void) state;

  assert_load_fails (bytes, "nul.json", PF_SCENARIO_ERROR_SYNTAX,
                     "nul.json:1:13: the file contains a NUL byte; expected "
                     "UTF-8 text");
}

/* json-glib 1.6 overflows its stack on this; the locator stops at 65. */
static void
test_deep_nesting (void **state)
{
  gsize size = 10 * 1024 * 1024;
  char *json = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;

  (void) state;

  memset (json, '[', size);
  bytes = g_bytes_new_take (json, size);
  assert_load_fails (bytes, "deep.json", PF_SCENARIO_ERROR_SYNTAX,
                     "deep.json:1:65: arrays and objects are nested more "
                     "than 64 deep");
}

static void
test_too_large (void **state)
{
  gsize size = PF_SCENARIO_MAX_FILE_SIZE + 1;
  char *json = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  int fd;

  (void) state;

  memset (json, ' ', size);
  bytes = g_bytes_new_take (json, size);
  assert_load_fails (bytes, "big.json", PF_SCENARIO_ERROR_READ,
                     "big.json: the file is larger than 16 MiB, the most a "
                     "scenario can be");

  fd = g_file_open_tmp ("pf-test-scenario-XXXXXX.json", &path, &error);
  assert_true (fd >= 0);
  assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), size, &error));
  g_close (fd, NULL);

  scenario = pf_scenario_load_file (path, &error);
  g_unlink (path);
  assert_null (scenario);
  assert_int_equal (error->code, PF_SCENARIO_ERROR_READ);
  assert_true (g_str_has_suffix (error->message,
                                 ": the file is larger than 16 MiB, the most "
                                 "a scenario can be"));
  assert_true (g_str_has_prefix (error->message, path));
}

static void
test_too_many_hosts (void **state)
{
  g_autoptr(GString) json = g_string_new (TOP " \"hosts\": [");
  g_autoptr(GBytes) bytes = NULL;

  (void) state;

  for (guint i = 0; i < PF_SCENARIO_MAX_HOSTS + 1; i++)
    g_string_append (json, i == 0 ? "{}" : ",{}");
  g_string_append (json, "],\n" STEPS CONNECT_C1 END);

  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  assert_load_fails (bytes, "many.json", PF_SCENARIO_ERROR_INVALID,
                     "many.json:3:11: \"hosts\" has 100001 hosts; a scenario "
                     "can have at most 100000");
}

static void
test_too_many_steps (void **state)
{
  g_autoptr(GString) json = g_string_new (TOP HOSTS " \"steps\": [");
  g_autoptr(GBytes) bytes = NULL;

  (void) state;

  for (guint i = 0; i < PF_SCENARIO_MAX_STEPS + 1; i++)
    g_string_append (json, i == 0 ? "{}" : ",{}");
  g_string_append (json, "]}");

  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  assert_load_fails (bytes, "many.json", PF_SCENARIO_ERROR_INVALID,
                     "many.json:8:11: \"steps\" has 100001 steps; a scenario "
                     "can have at most 100000");
}

/* The benchmark's size: 1000 hosts, 10,000 connections each sending,
 * receiving and closing. */
static void
test_large_scenario (void **state)
{
  g_autoptr(GString) json = g_string_new (TOP " \"hosts\": [\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  g_auto(GStrv) ids = NULL;
  const PfStep *step;

  (void) state;

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (json,
                            "%s  {\"id\": \"h%u\", \"name\": \"Host %u\", "
                            "\"address\": \"10.%u.%u.1\", \"names\": "
                            "[\"h%u.example.org\"], \"kind\": \"server\", "
                            "\"services\": [{\"type\": \"echo\", \"port\": 7}]}",
                            i == 0 ? "" : ",\n", i, i, i / 256, i % 256, i);
  g_string_append (json, "],\n" STEPS);

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (json,
                            "%s  {\"narration\": \"n\", \"action\": \"connect\", "
                            "\"id\": \"c%u\", \"from\": \"h%u\", \"to\": "
                            "\"h%u.example.org\", \"port\": 7},\n"
                            "  {\"narration\": \"n\", \"action\": \"send\", "
                            "\"connection\": \"c%u\", \"data\": \"hello\\n\"},\n"
                            "  {\"narration\": \"n\", \"action\": \"expect\", "
                            "\"connection\": \"c%u\", \"data\": \"hello\\n\"},\n"
                            "  {\"narration\": \"n\", \"action\": \"close\", "
                            "\"connection\": \"c%u\"}",
                            i == 0 ? "" : ",\n", i, i % 1000, (i + 1) % 1000,
                            i, i, i);
  g_string_append (json, END);

  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  scenario = pf_scenario_load_bytes (bytes, "large.json", &error);
  assert_null (error);
  assert_non_null (scenario);
  assert_int_equal (scenario->hosts->len, 1000);
  assert_int_equal (scenario->steps->len, 40000);

  step = g_ptr_array_index (scenario->steps, 39996);
  assert_string_equal (step->connection, "c9999");
  assert_string_equal (step->from->id, "h999");
  assert_string_equal (step->to->id, "h0");
  /* lines 1-3 open, 4-1003 hosts, 1004 "steps", then a step a line */
  assert_int_equal (step->line, 1005 + 39996);

  ids = pf_scenario_get_connection_ids (scenario);
  assert_int_equal (g_strv_length (ids), 10000);
}

/* ------------------------------------------------------------------ */
/* The locator on its own */

static const char locator_json[] =
  "{\n"
  "  \"a/b\": [1, -2.5e3, \"x\\\"y\"],\n"
  "  \"m~n\": {\"é\": true, \"\\u00e9t\\u00e9\": null},\n"
  "  \"😀\": [[], [{}], \"\\ud83d\\ude00 after\"],\n"
  "  \"long\": \"abcdefghijklmnopqrstuvwxyz\"\n"
  "}\n";

static PfJsonLocator *
new_locator (const char *json)
{
  g_autoptr(GBytes) bytes = bytes_of (json);
  g_autoptr(GError) error = NULL;
  PfJsonLocator *locator = pf_json_locator_new (bytes, NULL, &error);

  if (error != NULL)
    fail_msg ("%s", error->message);
  return locator;
}

static void
assert_at (PfJsonLocator *locator,
           const char    *pointer,
           guint          line,
           guint          column)
{
  PfJsonPosition position = { 0, 0, 0 };

  if (!pf_json_locator_lookup (locator, pointer, &position))
    fail_msg ("no value at \"%s\"", pointer);
  if (position.line != line || position.column != column)
    fail_msg ("\"%s\" is at %u:%u, expected %u:%u", pointer,
              position.line, position.column, line, column);
}

static void
test_locator_positions (void **state)
{
  g_autoptr(PfJsonLocator) locator = new_locator (locator_json);
  PfJsonPosition position;

  (void) state;

  assert_at (locator, "", 1, 1);
  assert_at (locator, "/a~1b", 2, 10);
  assert_at (locator, "/a~1b/0", 2, 11);
  assert_at (locator, "/a~1b/1", 2, 14);
  assert_at (locator, "/a~1b/2", 2, 22);
  assert_at (locator, "/m~0n", 3, 10);
  assert_at (locator, "/m~0n/é", 3, 16);
  assert_at (locator, "/m~0n/été", 3, 39);
  assert_at (locator, "/😀", 4, 8);
  assert_at (locator, "/😀/0", 4, 9);
  assert_at (locator, "/😀/1", 4, 13);
  assert_at (locator, "/😀/1/0", 4, 14);
  assert_at (locator, "/😀/2", 4, 19);
  assert_at (locator, "/long", 5, 11);

  assert_true (pf_json_locator_lookup_name (locator, "/m~0n/été", &position));
  assert_int_equal (position.line, 3);
  assert_int_equal (position.column, 22);
  assert_true (pf_json_locator_lookup_name (locator, "/😀", &position));
  assert_int_equal (position.column, 3);
  assert_int_equal (position.offset, strstr (locator_json, "\"😀\"") - locator_json);

  /* array elements and the root have no name */
  assert_false (pf_json_locator_lookup_name (locator, "/a~1b/0", &position));
  assert_false (pf_json_locator_lookup_name (locator, "", &position));

  /* root + 4 members + 3 + 2 + 3 + 1 ({} in [{}]) */
  assert_int_equal (pf_json_locator_get_n_values (locator), 14);
}

static void
test_locator_missing (void **state)
{
  g_autoptr(PfJsonLocator) locator = new_locator (locator_json);
  PfJsonPosition position;

  (void) state;

  assert_false (pf_json_locator_lookup (locator, "/nothing", &position));
  assert_false (pf_json_locator_lookup (locator, "/a~1b/3", &position));
  assert_false (pf_json_locator_lookup (locator, "/a~1b/01", &position));
  assert_false (pf_json_locator_lookup (locator, "/a~1b/-", &position));
  assert_false (pf_json_locator_lookup (locator, "/a/b", &position));
  assert_false (pf_json_locator_lookup (locator, "/a~2b", &position));
  assert_false (pf_json_locator_lookup (locator, "/long/0", &position));
  assert_false (pf_json_locator_lookup (locator, "long", &position));
  assert_null (pf_json_locator_dup_source (locator, "/nothing", 0));
}

static void
test_locator_source (void **state)
{
  g_autoptr(PfJsonLocator) locator = new_locator (locator_json);
  g_autofree char *number = pf_json_locator_dup_source (locator, "/a~1b/1", 0);
  g_autofree char *string = pf_json_locator_dup_source (locator, "/a~1b/2", 0);
  g_autofree char *array = pf_json_locator_dup_source (locator, "/a~1b", 0);
  g_autofree char *object = pf_json_locator_dup_source (locator, "/m~0n", 0);
  g_autofree char *literal = pf_json_locator_dup_source (locator, "/m~0n/été", 0);
  g_autofree char *cut = pf_json_locator_dup_source (locator, "/long", 10);
  g_autofree char *uncut = pf_json_locator_dup_source (locator, "/long", 28);

  (void) state;

  assert_string_equal (number, "-2.5e3");
  assert_string_equal (string, "\"x\\\"y\"");
  assert_string_equal (array, "[1, -2.5e3, \"x\\\"y\"]");
  assert_string_equal (object, "{\"é\": true, \"\\u00e9t\\u00e9\": null}");
  assert_string_equal (literal, "null");
  assert_string_equal (cut, "\"abcdefghi…");
  assert_string_equal (uncut, "\"abcdefghijklmnopqrstuvwxyz\"");
}

static void
test_locator_depth (void **state)
{
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GString) deep = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PfJsonLocator) locator = NULL;
  g_autoptr(GError) error = NULL;
  PfJsonPosition position = { 0, 0, 0 };
  const char *innermost;

  (void) state;

  /* [{"k": [{"k": ... 0 ... }]}] : exactly the limit */
  for (guint i = 0; i < PF_JSON_LOCATOR_MAX_DEPTH; i++)
    g_string_append (ok, i % 2 ? "{\"k\": " : "[");
  g_string_append (ok, "0");
  for (guint i = PF_JSON_LOCATOR_MAX_DEPTH; i > 0; i--)
    g_string_append (ok, (i - 1) % 2 ? "}" : "]");

  bytes = g_bytes_new (ok->str, ok->len);
  locator = pf_json_locator_new (bytes, &position, &error);
  assert_null (error);
  assert_non_null (locator);
  assert_int_equal (pf_json_locator_get_n_values (locator), PF_JSON_LOCATOR_MAX_DEPTH + 1);
  g_clear_pointer (&locator, pf_json_locator_free);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* one more level, on line 2 */
  deep = g_string_new ("\n  [");
  g_string_append (deep, ok->str);
  g_string_append (deep, "]");
  innermost = strrchr (deep->str, '{');

  bytes = g_bytes_new (deep->str, deep->len);
  locator = pf_json_locator_new (bytes, &position, &error);
  assert_null (locator);
  assert_true (g_error_matches (error, PF_JSON_LOCATOR_ERROR, PF_JSON_LOCATOR_ERROR_DEPTH));
  assert_string_equal (error->message, "arrays and objects are nested more than 64 deep");
  assert_int_equal (position.offset, innermost - deep->str);
  assert_int_equal (position.line, 2);
  assert_int_equal (position.column, position.offset);  /* line 2 starts at byte 1 */
}

static void
test_locator_errors (void **state)
{
  static const struct
  {
    const char *json;
    int code;
    guint line;
    guint column;
  } cases[] = {
    { "[1, 2", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 6 },
    { "{\"a\": 1, \"a\": 2}", PF_JSON_LOCATOR_ERROR_DUPLICATE, 1, 10 },
    { "[\"\xc3\"]", PF_JSON_LOCATOR_ERROR_ENCODING, 1, 3 },
    { "[\n\"é\", /* x */ 1]", PF_JSON_LOCATOR_ERROR_SYNTAX, 2, 6 },
    { "[1e]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "[-]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "[.5]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "[1.]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "[\"\\udc00\"]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 3 },
    { "[\"\\u12\"]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 3 },
    { "[\"abc", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "[\"\x01\"]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 3 },
    { "[truex]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "[NaN]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
    { "{\"a\" 1}", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 6 },
    { "{\"a\": 1,}", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 8 },
    { "[1,]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 3 },
    { "[,1]", PF_JSON_LOCATOR_ERROR_SYNTAX, 1, 2 },
  };

  (void) state;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = bytes_of (cases[i].json);
      g_autoptr(GError) error = NULL;
      PfJsonPosition position = { 0, 0, 0 };
      PfJsonLocator *locator = pf_json_locator_new (bytes, &position, &error);

      if (locator != NULL)
        fail_msg ("accepted %s", cases[i].json);
      if (!g_error_matches (error, PF_JSON_LOCATOR_ERROR, cases[i].code) ||
          position.line != cases[i].line || position.column != cases[i].column)
        fail_msg ("%s: %u:%u: %s (code %d)", cases[i].json, position.line,
                  position.column, error->message, error->code);
    }
}

/* Everything strict JSON allows, json-glib must read the same way. */
static void
test_locator_accepts (void **state)
{
  static const char *const documents[] = {
    "0", "-0", "1e5", "-1.25E-3", "true", "null", "\"\"", "[]", "{}",
    " \t\r\n[ 1 , 2 ] \n", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\\u00e9\\uD83D\\uDE00\"",
    "{\"\": 1, \" \": 2}",
  };

  (void) state;

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GBytes) bytes = bytes_of (documents[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PfJsonLocator) locator = pf_json_locator_new (bytes, NULL, &error);

      if (locator == NULL)
        fail_msg ("rejected %s: %s", documents[i], error->message);
    }
}

static void
test_json_pointer (void **state)
{
  g_autoptr(GString) pointer = g_string_new (NULL);

  (void) state;

  pf_json_pointer_append_name (pointer, "hosts");
  pf_json_pointer_append_index (pointer, 12);
  pf_json_pointer_append_name (pointer, "/a~b/");
  assert_string_equal (pointer->str, "/hosts/12/~1a~0b~1");
}

/* ------------------------------------------------------------------ */
/* Links and interfaces (issue 14) */

static void
assert_address (PfIpv4      address,
                const char *text)
{
  char buf[PF_IPV4_STRLEN];

  pf_ipv4_format (address, buf);
  assert_string_equal (buf, text);
}

static void
assert_mac (const guint8 mac[6],
            const char  *text)
{
  g_autofree char *got = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                                          mac[0], mac[1], mac[2], mac[3],
                                          mac[4], mac[5]);

  assert_string_equal (got, text);
}

static const PfInterface *
interface_of (const PfHost *host,
              guint         index)
{
  assert_true (index < host->interfaces->len);
  return g_ptr_array_index (host->interfaces, index);
}

/* Every interface is in the scenario's list at its port, in its link's
 * list, and found by its address. */
static void
assert_interfaces_consistent (const PfScenario *scenario)
{
  guint port = 0;

  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);

      assert_true (host->interfaces->len > 0);
      assert_int_equal (host->address, interface_of (host, 0)->address);
      for (guint j = 0; j < host->interfaces->len; j++, port++)
        {
          const PfInterface *interface = interface_of (host, j);
          guint found = G_MAXUINT;

          assert_ptr_equal (interface->host, host);
          assert_int_equal (interface->index, j);
          assert_int_equal (interface->port, port);
          assert_ptr_equal (g_ptr_array_index (scenario->interfaces, port), interface);
          assert_true (g_ptr_array_find (interface->link->interfaces, interface, &found));
          assert_ptr_equal (pf_scenario_find_interface (scenario, interface->address),
                            interface);
          assert_ptr_equal (pf_host_get_interface_on (host, interface->link), interface);
          assert_int_equal (interface->mac[3], (i >> 8) & 0xff);
          assert_int_equal (interface->mac[4], i & 0xff);
          assert_int_equal (interface->mac[5], j);
        }
    }
  assert_int_equal (scenario->interfaces->len, port);
}

/* The router lesson: the format's example. */
static void
test_links_router (void **state)
{
  g_autoptr(PfScenario) scenario = load_source_file ("data/scenarios/router.pflow.json");
  const PfLink *home, *campus;
  const PfHost *laptop, *gw, *knuth;
  const PfInterface *interface;

  (void) state;

  assert_true (pf_scenario_has_links (scenario));
  assert_int_equal (scenario->links->len, 2);
  home = pf_scenario_find_link (scenario, "home");
  campus = pf_scenario_find_link (scenario, "campus");
  assert_ptr_equal (home, g_ptr_array_index (scenario->links, 0));
  assert_ptr_equal (campus, g_ptr_array_index (scenario->links, 1));
  assert_null (pf_scenario_find_link (scenario, "lan"));
  assert_string_equal (home->name, "Home network");
  assert_address (home->network, "10.0.0.0");
  assert_int_equal (home->prefix_length, 24);
  assert_int_equal (home->latency_us, 2000);
  assert_false (home->implicit);
  assert_address (campus->network, "192.203.196.0");
  assert_int_equal (campus->prefix_length, 24);
  assert_int_equal (campus->latency_us, 10000);

  laptop = pf_scenario_find_host (scenario, "laptop");
  gw = pf_scenario_find_host (scenario, "gw");
  knuth = pf_scenario_find_host (scenario, "knuth");

  assert_int_equal (laptop->interfaces->len, 1);
  interface = interface_of (laptop, 0);
  assert_ptr_equal (interface->link, home);
  assert_address (interface->address, "10.0.0.2");
  assert_int_equal (interface->prefix_length, 24);
  assert_int_equal (interface->port, 0);
  assert_mac (interface->mac, "02:50:46:00:00:00");
  assert_int_equal (interface->line, laptop->line);
  assert_false (laptop->is_router);
  assert_address (laptop->gateway, "10.0.0.1");

  assert_true (gw->is_router);
  assert_int_equal (gw->gateway, 0);
  assert_address (gw->address, "10.0.0.1");
  assert_int_equal (gw->interfaces->len, 2);
  interface = interface_of (gw, 0);
  assert_ptr_equal (interface->link, home);
  assert_int_equal (interface->port, 1);
  assert_mac (interface->mac, "02:50:46:00:01:00");
  interface = interface_of (gw, 1);
  assert_ptr_equal (interface->link, campus);
  assert_address (interface->address, "192.203.196.1");
  assert_int_equal (interface->prefix_length, 24);
  assert_int_equal (interface->port, 2);
  assert_mac (interface->mac, "02:50:46:00:01:01");
  assert_int_equal (interface->line, gw->line + 6);
  assert_ptr_equal (pf_host_get_interface_on (gw, campus), interface);

  interface = interface_of (knuth, 0);
  assert_ptr_equal (interface->link, campus);
  assert_int_equal (interface->port, 3);
  assert_mac (interface->mac, "02:50:46:00:02:00");
  assert_address (knuth->gateway, "192.203.196.1");
  assert_null (pf_host_get_interface_on (knuth, home));

  /* each link lists its interfaces in file order */
  assert_int_equal (home->interfaces->len, 2);
  assert_ptr_equal (g_ptr_array_index (home->interfaces, 0), interface_of (laptop, 0));
  assert_ptr_equal (g_ptr_array_index (home->interfaces, 1), interface_of (gw, 0));
  assert_int_equal (campus->interfaces->len, 2);
  assert_ptr_equal (g_ptr_array_index (campus->interfaces, 0), interface_of (gw, 1));
  assert_ptr_equal (g_ptr_array_index (campus->interfaces, 1), interface_of (knuth, 0));

  assert_int_equal (scenario->interfaces->len, 4);
  assert_null (pf_scenario_find_interface (scenario, 0x0A000009));  /* 10.0.0.9 */
  assert_interfaces_consistent (scenario);
}

/* Two routers on one link, a router on three, a host on two links,
 * a /30, default names and latencies, a latency in fractions of a ms. */
static void
test_links_details (void **state)
{
  static const char json[] =
    TOP
    " \"links\": [{\"id\": \"lab\", \"network\": \"172.16.0.0/16\", \"latency_ms\": 0.25},\n"
    "           {\"id\": \"wan\", \"network\": \"198.51.100.0/30\"},\n"
    "           {\"id\": \"far\", \"network\": \"203.0.113.0/24\", \"latency_ms\": 80, \"name\": \"Far away\"}],\n"
    " \"hosts\": [\n"
    "  {\"id\": \"a\", \"name\": \"A\", \"address\": \"172.16.0.10\", \"link\": \"lab\", \"kind\": \"laptop\"},\n"
    "  {\"id\": \"r1\", \"name\": \"R1\", \"kind\": \"router\", \"interfaces\": [{\"link\": \"lab\", \"address\": \"172.16.0.1\"}, {\"link\": \"wan\", \"address\": \"198.51.100.1\"}]},\n"
    "  {\"id\": \"r2\", \"name\": \"R2\", \"kind\": \"router\", \"interfaces\": [{\"link\": \"wan\", \"address\": \"198.51.100.2\"}, {\"link\": \"lab\", \"address\": \"172.16.0.2\"}, {\"link\": \"far\", \"address\": \"203.0.113.1\"}]},\n"
    "  {\"id\": \"s\", \"name\": \"S\", \"kind\": \"server\", \"interfaces\": [{\"link\": \"far\", \"address\": \"203.0.113.5\"}, {\"link\": \"lab\", \"address\": \"172.16.255.254\"}]}],\n"
    STEPS CONNECT_SELF END;
  g_autoptr(GBytes) bytes = bytes_of (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "ok.json", &error);
  const PfLink *lab, *wan, *far;
  const PfHost *a, *r1, *r2, *server;

  (void) state;

  if (error != NULL)
    fail_msg ("%s", error->message);

  lab = pf_scenario_find_link (scenario, "lab");
  wan = pf_scenario_find_link (scenario, "wan");
  far = pf_scenario_find_link (scenario, "far");
  assert_string_equal (lab->name, "172.16.0.0/16");
  assert_string_equal (wan->name, "198.51.100.0/30");
  assert_string_equal (far->name, "Far away");
  assert_int_equal (lab->latency_us, 250);
  assert_int_equal (wan->latency_us, PF_LINK_DEFAULT_LATENCY_US);
  assert_int_equal (far->latency_us, 80000);
  assert_int_equal (lab->line, 3);
  assert_int_equal (far->line, 5);

  a = pf_scenario_find_host (scenario, "a");
  r1 = pf_scenario_find_host (scenario, "r1");
  r2 = pf_scenario_find_host (scenario, "r2");
  server = pf_scenario_find_host (scenario, "s");

  /* the first router of the host's first link, in file order */
  assert_address (a->gateway, "172.16.0.1");
  assert_address (server->gateway, "203.0.113.1");
  assert_true (r1->is_router && r2->is_router);
  assert_int_equal (r1->gateway, 0);
  assert_int_equal (r2->gateway, 0);
  assert_false (server->is_router);

  assert_address (r2->address, "198.51.100.2");
  assert_int_equal (r2->interfaces->len, 3);
  assert_int_equal (interface_of (r2, 0)->prefix_length, 30);
  assert_int_equal (interface_of (r2, 1)->prefix_length, 16);
  assert_int_equal (interface_of (r2, 2)->port, 5);
  assert_mac (interface_of (r2, 2)->mac, "02:50:46:00:02:02");
  assert_address (server->address, "203.0.113.5");
  assert_ptr_equal (interface_of (server, 1)->link, lab);
  assert_int_equal (interface_of (server, 1)->port, 7);
  assert_mac (interface_of (server, 1)->mac, "02:50:46:00:03:01");
  assert_int_equal (interface_of (server, 1)->line, 10);

  assert_int_equal (lab->interfaces->len, 4);
  assert_ptr_equal (g_ptr_array_index (lab->interfaces, 0), interface_of (a, 0));
  assert_ptr_equal (g_ptr_array_index (lab->interfaces, 1), interface_of (r1, 0));
  assert_ptr_equal (g_ptr_array_index (lab->interfaces, 2), interface_of (r2, 1));
  assert_ptr_equal (g_ptr_array_index (lab->interfaces, 3), interface_of (server, 1));
  assert_int_equal (wan->interfaces->len, 2);
  assert_int_equal (far->interfaces->len, 2);
  assert_int_equal (scenario->interfaces->len, 8);
  assert_interfaces_consistent (scenario);
}

/* One link: "link" may be left out; with no router on it, no gateway. */
static void
test_links_one_link (void **state)
{
  g_autoptr(GBytes) bytes = bytes_of (LINKED (LINKS_HOME, HOST_A_HOME ",\n"
                                              "  {\"id\": \"b\", \"name\": \"B\", \"kind\": \"server\", \"address\": \"10.0.0.254\", \"link\": \"home\"}"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "ok.json", &error);
  const PfLink *home;

  (void) state;

  if (error != NULL)
    fail_msg ("%s", error->message);

  home = pf_scenario_find_link (scenario, "home");
  assert_true (pf_scenario_has_links (scenario));
  assert_int_equal (home->interfaces->len, 2);
  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);

      assert_ptr_equal (interface_of (host, 0)->link, home);
      assert_int_equal (interface_of (host, 0)->prefix_length, 24);
      assert_int_equal (host->gateway, 0);
    }
  assert_interfaces_consistent (scenario);
}

/* 1000 hosts on four links and a router on all four: host indexes past
 * 255 in the MACs, the router found as every host's gateway. */
static void
test_links_many (void **state)
{
  g_autoptr(GString) json = g_string_new (TOP " \"links\": [");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  const PfHost *host;
  const PfHost *router;

  (void) state;

  for (guint i = 0; i < 4; i++)
    g_string_append_printf (json, "%s{\"id\": \"n%u\", \"network\": \"10.%u.0.0/16\"}",
                            i == 0 ? "" : ", ", i, i);
  g_string_append (json, "],\n \"hosts\": [\n");
  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (json,
                            "  {\"id\": \"h%u\", \"name\": \"H\", \"address\": "
                            "\"10.%u.%u.%u\", \"link\": \"n%u\", \"kind\": \"server\"},\n",
                            i, i / 250, i % 250, 10 + i % 7, i / 250);
  g_string_append (json, "  {\"id\": \"r\", \"name\": \"R\", \"kind\": \"router\", \"interfaces\": [");
  for (guint i = 0; i < 4; i++)
    g_string_append_printf (json, "%s{\"link\": \"n%u\", \"address\": \"10.%u.255.1\"}",
                            i == 0 ? "" : ", ", i, i);
  g_string_append (json, "]}],\n" STEPS
                   "  {\"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"h0\", \"to\": \"h999\", \"port\": 80}"
                   END);

  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  scenario = pf_scenario_load_bytes (bytes, "many.json", &error);
  if (error != NULL)
    fail_msg ("%s", error->message);

  assert_int_equal (scenario->interfaces->len, 1004);
  host = pf_scenario_find_host (scenario, "h300");
  assert_mac (interface_of (host, 0)->mac, "02:50:46:01:2c:00");
  assert_address (host->gateway, "10.1.255.1");
  host = pf_scenario_find_host (scenario, "h999");
  assert_address (host->gateway, "10.3.255.1");
  router = pf_scenario_find_host (scenario, "r");
  assert_true (router->is_router);
  assert_mac (interface_of (router, 3)->mac, "02:50:46:03:e8:03");
  assert_int_equal (interface_of (router, 3)->port, 1003);
  for (guint i = 0; i < 4; i++)
    assert_int_equal (((const PfLink *) g_ptr_array_index (scenario->links, i))->interfaces->len, 251);
  assert_interfaces_consistent (scenario);
}

/* A file without links: one implicit link, every host on it with a /32,
 * and a router that is only a picture. */
static void
test_links_implicit (void **state)
{
  g_autoptr(PfScenario) web = load_source_file ("data/scenarios/web.pflow.json");
  g_autoptr(GBytes) bytes = bytes_of (ONE_HOST ("  {\"id\": \"a\", \"name\": \"A\", \"address\": \"10.0.0.1\", \"kind\": \"router\"}"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "ok.json", &error);
  const PfLink *lan;
  const PfHost *host;

  (void) state;

  assert_false (pf_scenario_has_links (web));
  assert_int_equal (web->links->len, 1);
  lan = g_ptr_array_index (web->links, 0);
  assert_ptr_equal (pf_scenario_find_link (web, "lan"), lan);
  assert_string_equal (lan->id, "lan");
  assert_true (lan->implicit);
  assert_int_equal (lan->network, 0);
  assert_int_equal (lan->prefix_length, 0);
  assert_int_equal (lan->latency_us, PF_LINK_DEFAULT_LATENCY_US);
  assert_int_equal (lan->interfaces->len, web->hosts->len);
  for (guint i = 0; i < web->hosts->len; i++)
    {
      host = g_ptr_array_index (web->hosts, i);
      assert_int_equal (host->interfaces->len, 1);
      assert_ptr_equal (interface_of (host, 0)->link, lan);
      assert_int_equal (interface_of (host, 0)->prefix_length, 32);
      assert_int_equal (host->gateway, 0);
      assert_false (host->is_router);
    }
  assert_address (interface_of (pf_scenario_find_host (web, "knuth"), 0)->address,
                  "192.203.196.71");
  assert_interfaces_consistent (web);

  if (error != NULL)
    fail_msg ("%s", error->message);
  host = pf_scenario_find_host (scenario, "a");
  assert_string_equal (host->kind, "router");
  assert_false (host->is_router);
  assert_int_equal (host->gateway, 0);
}

/* ------------------------------------------------------------------ */

int
main (void)
{
  static const struct CMUnitTest fixed[] = {
    cmocka_unit_test (test_web),
    cmocka_unit_test (test_close_after_other_closed),
    cmocka_unit_test (test_refused),
    cmocka_unit_test (test_every_field),
    cmocka_unit_test (test_address_message),
    cmocka_unit_test (test_valid_minimal),
    cmocka_unit_test (test_bom_crlf),
    cmocka_unit_test (test_unreadable),
    cmocka_unit_test (test_nul_byte),
    cmocka_unit_test (test_deep_nesting),
    cmocka_unit_test (test_too_large),
    cmocka_unit_test (test_too_many_hosts),
    cmocka_unit_test (test_too_many_steps),
    cmocka_unit_test (test_large_scenario),
    cmocka_unit_test (test_locator_positions),
    cmocka_unit_test (test_locator_missing),
    cmocka_unit_test (test_locator_source),
    cmocka_unit_test (test_locator_depth),
    cmocka_unit_test (test_locator_errors),
    cmocka_unit_test (test_locator_accepts),
    cmocka_unit_test (test_json_pointer),
    cmocka_unit_test (test_links_router),
    cmocka_unit_test (test_links_details),
    cmocka_unit_test (test_links_one_link),
    cmocka_unit_test (test_links_many),
    cmocka_unit_test (test_links_implicit),
  };
  struct CMUnitTest tests[G_N_ELEMENTS (fixed) + G_N_ELEMENTS (bad_cases)];

  memcpy (tests, fixed, sizeof fixed);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      struct CMUnitTest *test = &tests[G_N_ELEMENTS (fixed) + i];

      *test = (struct CMUnitTest) cmocka_unit_test_prestate (test_bad_input,
                                                             (void *) &bad_cases[i]);
      test->name = bad_cases[i].name;
    }

  return cmocka_run_group_tests (tests, NULL, NULL);
}
