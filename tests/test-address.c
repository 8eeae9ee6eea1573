/* test-address.c: IPv4 addresses, ports, endpoints, the 4-tuple
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-address.h"

static void
test_ipv4_parse_valid (void **state)
{
  static const struct { const char *text; PfIpv4 value; } cases[] = {
    { "192.203.196.71", 0xC0CBC447 },
    { "10.0.0.2", 0x0A000002 },
    { "0.0.0.0", 0x00000000 },
    { "255.255.255.255", 0xFFFFFFFF },
    { "127.0.0.1", 0x7F000001 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PfIpv4 address = 0x12345678;

      assert_true (pf_ipv4_parse (cases[i].text, &address));
      assert_int_equal (address, cases[i].value);
    }
}

static void
test_ipv4_parse_invalid (void **state)
{
  static const char *cases[] = {
    "", "192.203.196", "192.203.196.71.5", "192.203.196.710", "256.0.0.1",
    "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "1..3.4", "a.b.c.d", "010.0.0.1",
    "1.2.3.4/32", "::1", "1.2.3.4:80", "1,2,3,4", "4294967295",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PfIpv4 address = 0x12345678;

      assert_false (pf_ipv4_parse (cases[i], &address));
      /* A failed parse leaves the output alone. */
      assert_int_equal (address, 0x12345678);
    }

  assert_false (pf_ipv4_parse (NULL, &(PfIpv4) { 0 }));
}

static void
test_ipv4_format (void **state)
{
  char buf[PF_IPV4_STRLEN];
  g_autofree char *text = NULL;

  pf_ipv4_format (0xFFFFFFFF, buf);
  assert_string_equal (buf, "255.255.255.255");

  text = pf_ipv4_to_string (0xC0CBC447);
  assert_string_equal (text, "192.203.196.71");

  assert_true (pf_ipv4_is_loopback (0x7F000001));
  assert_true (pf_ipv4_is_loopback (0x7FCBC447));
  assert_false (pf_ipv4_is_loopback (0xC0CBC447));
}

static void
test_ipv4_round_trip (void **state)
{
  /* Every address formats to text that parses back to itself. */
  for (guint64 a = 0; a <= 0xFFFFFFFF; a += 0x01010101 + 7919)
    {
      char buf[PF_IPV4_STRLEN];
      PfIpv4 back;

      pf_ipv4_format ((PfIpv4) a, buf);
      assert_true (pf_ipv4_parse (buf, &back));
      assert_int_equal (back, (PfIpv4) a);
    }
}

static void
test_port_parse (void **state)
{
  static const char *invalid[] = {
    "", "0", "65536", "-1", "+80", "80a", " 80", "8 0", "0x50", "99999999999999999999",
  };
  guint16 port = 0;

  assert_true (pf_port_parse ("80", &port));
  assert_int_equal (port, 80);
  assert_true (pf_port_parse ("1", &port));
  assert_int_equal (port, 1);
  assert_true (pf_port_parse ("65535", &port));
  assert_int_equal (port, 65535);

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      port = 4242;
      assert_false (pf_port_parse (invalid[i], &port));
      assert_int_equal (port, 4242);
    }
}

static void
test_endpoint (void **state)
{
  PfEndpoint endpoint = { 0 };
  g_autofree char *text = NULL;

  assert_true (pf_endpoint_parse ("192.203.196.71:80", &endpoint));
  assert_int_equal (endpoint.address, 0xC0CBC447);
  assert_int_equal (endpoint.port, 80);

  text = pf_endpoint_to_string (&endpoint);
  assert_string_equal (text, "192.203.196.71:80");

  assert_false (pf_endpoint_parse ("192.203.196.71", &endpoint));
  assert_false (pf_endpoint_parse ("192.203.196.71:0", &endpoint));
  assert_false (pf_endpoint_parse ("knuth.luther.edu:80", &endpoint));
  assert_false (pf_endpoint_parse (":80", &endpoint));
}

static void
test_four_tuple (void **state)
{
  PfFourTuple browser = pf_four_tuple_init (0x0A000002, 49152, 0xC0CBC447, 80);
  PfFourTuple second_tab = pf_four_tuple_init (0x0A000002, 49153, 0xC0CBC447, 80);
  PfFourTuple reply = pf_four_tuple_reversed (&browser);
  g_autoptr(GHashTable) seen = g_hash_table_new (pf_four_tuple_hash, pf_four_tuple_equal);
  g_autofree char *text = NULL;

  text = pf_four_tuple_to_string (&browser);
  assert_string_equal (text, "10.0.0.2:49152 → 192.203.196.71:80");

  assert_int_equal (reply.src.address, 0xC0CBC447);
  assert_int_equal (reply.src.port, 80);
  assert_int_equal (reply.dst.address, 0x0A000002);
  assert_int_equal (reply.dst.port, 49152);

  /* Two tabs to one server differ only in their source port, and that is
   * enough to make them two connections. */
  assert_false (pf_four_tuple_equal (&browser, &second_tab));
  assert_true (pf_four_tuple_same_connection (&browser, &reply));
  assert_false (pf_four_tuple_same_connection (&browser, &second_tab));

  g_hash_table_add (seen, &browser);
  g_hash_table_add (seen, &second_tab);
  assert_int_equal (g_hash_table_size (seen), 2);
  assert_true (g_hash_table_contains (seen, &(PfFourTuple) { browser.src, browser.dst }));
  assert_false (g_hash_table_contains (seen, &reply));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_ipv4_parse_valid),
    cmocka_unit_test (test_ipv4_parse_invalid),
    cmocka_unit_test (test_ipv4_format),
    cmocka_unit_test (test_ipv4_round_trip),
    cmocka_unit_test (test_port_parse),
    cmocka_unit_test (test_endpoint),
    cmocka_unit_test (test_four_tuple),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
