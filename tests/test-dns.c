/* test-dns.c: DNS queries and responses, built and read
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

#include "pf-dns.h"

/* www.example.com, A, IN, RD, ID 0x1234 */
static const guint8 www_query[] = {
  0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
  0x00, 0x01, 0x00, 0x01,
};

/* Its answer: 192.203.196.71 and 10.0.0.2, TTL 300. */
static const guint8 www_response[] = {
  0x12, 0x34, 0x85, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
  3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
  0x00, 0x01, 0x00, 0x01,
  0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 192, 203, 196, 71,
  0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 10, 0, 0, 2,
};

static const PfIpv4 www_addresses[] = { 0xC0CBC447, 0x0A000002 };

static void
test_build_query (void **state)
{
  g_autoptr (GBytes) query = pf_dns_build_query (0x1234, "www.example.com");
  g_autoptr (GBytes) dotted = pf_dns_build_query (0x1234, "www.example.com.");
  g_autoptr (GBytes) root = pf_dns_build_query (7, ".");
  static const guint8 root_query[] = {
    0, 7, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x01,
  };

  pf_test_assert_bytes (query, www_query, sizeof www_query);
  pf_test_assert_bytes (dotted, www_query, sizeof www_query);
  pf_test_assert_bytes (root, root_query, sizeof root_query);
}

static void
test_name_validity (void **state)
{
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autofree char *longest = NULL;
  g_autofree char *too_long = NULL;
  g_autoptr (GString) name = g_string_new (NULL);
  static const char *invalid[] = {
    "", "..", "a..b", ".a", "a b", "caf\xc3\xa9.example", "tab\t.example",
    "a.b..", "a.\x7f",
  };

  assert_true (pf_dns_name_is_valid (label63));
  assert_false (pf_dns_name_is_valid (label64));
  assert_null (pf_dns_build_query (1, label64));

  /* 253 characters, 255 bytes on the wire: the longest name. */
  for (guint i = 0; i < 4; i++)
    g_string_append_printf (name, "%s%s", i ? "." : "", i < 3 ? label63 : "a");
  while (name->len < 253)
    g_string_append_c (name, 'b');
  longest = g_strdup (name->str);
  assert_int_equal (strlen (longest), 253);
  assert_true (pf_dns_name_is_valid (longest));
  {
    g_autoptr (GBytes) query = pf_dns_build_query (1, longest);

    assert_non_null (query);
    assert_int_equal (g_bytes_get_size (query), 12 + 255 + 4);
  }
  too_long = g_strconcat (longest, "b", NULL);
  assert_false (pf_dns_name_is_valid (too_long));
  assert_null (pf_dns_build_query (1, too_long));

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      assert_false (pf_dns_name_is_valid (invalid[i]));
      assert_null (pf_dns_build_query (1, invalid[i]));
    }
  assert_false (pf_dns_name_is_valid (NULL));
  assert_true (pf_dns_name_is_valid ("_dmarc.example.org"));
  assert_true (pf_dns_name_is_valid ("localhost"));
}

static void
test_parse_query (void **state)
{
  g_autoptr (GBytes) query = pf_dns_build_query (0xbeef, "WWW.Example.COM.");
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;
  guint16 id = 0;
  guint16 qtype = 0;
  gsize len;
  const guint8 *data = g_bytes_get_data (query, &len);

  assert_true (pf_dns_parse_query (data, len, &id, &name, &qtype, &error));
  assert_null (error);
  assert_int_equal (id, 0xbeef);
  assert_string_equal (name, "www.example.com");
  assert_int_equal (qtype, PF_DNS_TYPE_A);

  /* All outputs are optional. */
  assert_true (pf_dns_parse_query (data, len, NULL, NULL, NULL, NULL));
}

static void
test_parse_query_edns (void **state)
{
  /* What dig sends: an OPT record with a cookie in the additional section. */
  static const guint8 dig_query[] = {
    0xab, 0xcd, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
    0x00, 0x01, 0x00, 0x01,
    0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
    0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
  };
  static const PfIpv4 address = 0x0A000019;
  static const guint8 expected[] = {
    0xab, 0xcd, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
    0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 10, 0, 0, 25,
  };
  g_autofree char *name = NULL;
  g_autoptr (GBytes) response = NULL;

  assert_true (pf_dns_parse_query (dig_query, sizeof dig_query, NULL, &name, NULL, NULL));
  assert_string_equal (name, "mail.example.org");

  /* The answer carries no OPT record back: we do not speak EDNS. */
  response = pf_dns_build_response (dig_query, sizeof dig_query, &address, 1, 60, NULL);
  pf_test_assert_bytes (response, expected, sizeof expected);
}

static void
test_build_response (void **state)
{
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GError) error = NULL;

  response = pf_dns_build_response (www_query, sizeof www_query,
                                    www_addresses, 2, PF_DNS_DEFAULT_TTL, &error);
  assert_null (error);
  pf_test_assert_bytes (response, www_response, sizeof www_response);
}

static void
test_build_response_nxdomain (void **state)
{
  static const guint8 expected[] = {
    0x12, 0x34, 0x85, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
  };
  g_autoptr (GBytes) response = pf_dns_build_response (www_query, sizeof www_query,
                                                       NULL, 0, 300, NULL);
  g_autoptr (GArray) addresses = NULL;
  guint rcode = 99;

  pf_test_assert_bytes (response, expected, sizeof expected);
  assert_true (pf_dns_parse_response (expected, sizeof expected, NULL, NULL,
                                      &addresses, &rcode, NULL));
  assert_int_equal (rcode, PF_DNS_RCODE_NXDOMAIN);
  assert_int_equal (addresses->len, 0);
  assert_string_equal (pf_dns_rcode_to_string (rcode), "NXDOMAIN");
}

static void
test_build_response_flags_and_case (void **state)
{
  /* No RD in the query: none in the answer. Mixed case, as resolvers
   * using DNS 0x20 send it: copied back as it came. */
  guint8 query[sizeof www_query];
  g_autoptr (GBytes) response = NULL;
  const guint8 *data;

  memcpy (query, www_query, sizeof query);
  query[2] = 0x00;
  query[13] = 'W';
  query[18] = 'X';

  response = pf_dns_build_response (query, sizeof query, www_addresses, 1, 300, NULL);
  assert_non_null (response);
  data = g_bytes_get_data (response, NULL);
  assert_int_equal (data[2], 0x84);
  assert_int_equal (data[3], 0x80);
  assert_memory_equal (data + 12, query + 12, sizeof query - 12);
}

static void
test_build_response_other_types (void **state)
{
  guint8 query[sizeof www_query];
  g_autoptr (GBytes) aaaa = NULL;
  g_autoptr (GBytes) chaos = NULL;
  g_autoptr (GBytes) any = NULL;
  const guint8 *data;

  /* AAAA for a name that has only IPv4: NOERROR, no records. */
  memcpy (query, www_query, sizeof query);
  query[30] = PF_DNS_TYPE_AAAA;
  aaaa = pf_dns_build_response (query, sizeof query, www_addresses, 2, 300, NULL);
  data = g_bytes_get_data (aaaa, NULL);
  assert_int_equal (g_bytes_get_size (aaaa), sizeof query);
  assert_int_equal (data[3] & 0x0f, PF_DNS_RCODE_NOERROR);
  assert_int_equal (data[7], 0);

  /* ANY: the A records. */
  query[30] = PF_DNS_TYPE_ANY;
  any = pf_dns_build_response (query, sizeof query, www_addresses, 2, 300, NULL);
  assert_int_equal (g_bytes_get_size (any), sizeof www_response);

  /* Class CH: refused, not authoritative. */
  query[30] = PF_DNS_TYPE_A;
  query[32] = 3;
  chaos = pf_dns_build_response (query, sizeof query, www_addresses, 2, 300, NULL);
  data = g_bytes_get_data (chaos, NULL);
  assert_int_equal (data[2], 0x81);
  assert_int_equal (data[3], 0x80 | PF_DNS_RCODE_REFUSED);
  assert_int_equal (data[7], 0);
}

static void
test_build_response_truncated (void **state)
{
  PfIpv4 many[40];
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GArray) addresses = NULL;
  const guint8 *data;
  guint n_fit = (512 - sizeof www_query) / 16;

  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = 0x0A000000 + i;

  response = pf_dns_build_response (www_query, sizeof www_query, many,
                                    G_N_ELEMENTS (many), 300, NULL);
  data = g_bytes_get_data (response, NULL);
  assert_true (g_bytes_get_size (response) <= PF_DNS_MAX_UDP_SIZE);
  assert_int_equal (g_bytes_get_size (response), sizeof www_query + n_fit * 16);
  assert_true (data[2] & 0x02);   /* TC */
  assert_int_equal (data[7], n_fit);

  assert_true (pf_dns_parse_response (data, g_bytes_get_size (response), NULL, NULL,
                                      &addresses, NULL, NULL));
  assert_int_equal (addresses->len, n_fit);
  for (guint i = 0; i < n_fit; i++)
    assert_int_equal (g_array_index (addresses, PfIpv4, i), many[i]);
}

static void
test_round_trip (void **state)
{
  static const char *names[] = { "knuth.example", "a", "Mail.Example.Org.", "x-1.y_2.z" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) query = pf_dns_build_query (i * 1000 + 1, names[i]);
      g_autoptr (GBytes) response = NULL;
      g_autoptr (GArray) addresses = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *name = NULL;
      g_autofree char *expected = g_ascii_strdown (names[i], -1);
      guint16 id = 0;
      guint rcode = 99;
      gsize len;
      const guint8 *data = g_bytes_get_data (query, &len);

      if (g_str_has_suffix (expected, "."))
        expected[strlen (expected) - 1] = '\0';

      response = pf_dns_build_response (data, len, www_addresses, i % 3, 300, &error);
      assert_null (error);
      data = g_bytes_get_data (response, &len);

      assert_true (pf_dns_parse_response (data, len, &id, &name, &addresses, &rcode, &error));
      assert_null (error);
      assert_int_equal (id, i * 1000 + 1);
      assert_string_equal (name, expected);
      assert_int_equal (rcode, i % 3 ? PF_DNS_RCODE_NOERROR : PF_DNS_RCODE_NXDOMAIN);
      assert_int_equal (addresses->len, i % 3);
      for (guint j = 0; j < addresses->len; j++)
        assert_int_equal (g_array_index (addresses, PfIpv4, j), www_addresses[j]);
    }
}

static void
test_parse_response_cname (void **state)
{
  static const guint8 response[] = {
    0xbe, 0xef, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
    /* 33: www.example.com CNAME web.example.com */
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x06,
    3, 'w', 'e', 'b', 0xc0, 0x10,
    /* 51: web.example.com A 10.0.0.5 */
    0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 10, 0, 0, 5,
    /* 67: other.example.com A 10.0.0.9: not an answer to the question */
    5, 'o', 't', 'h', 'e', 'r', 0xc0, 0x10,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 10, 0, 0, 9,
  };
  g_autoptr (GArray) addresses = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;

  assert_true (pf_dns_parse_response (response, sizeof response, NULL, &name,
                                      &addresses, NULL, &error));
  assert_null (error);
  assert_string_equal (name, "www.example.com");
  assert_int_equal (addresses->len, 1);
  assert_int_equal (g_array_index (addresses, PfIpv4, 0), 0x0A000005);
}

/* A heap block of exactly @len bytes (NULL for 0), so that valgrind or
 * ASan sees a read one byte too far. */
static guint8 *
exact_copy (const guint8 *data,
            gsize         len)
{
  guint8 *copy = g_malloc (len);

  if (len > 0)
    memcpy (copy, data, len);
  return copy;
}

/* Every prefix of a valid message is refused cleanly, as truncated. */
static void
test_truncation (void **state)
{
  for (gsize len = 0; len < sizeof www_response; len++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) addresses = NULL;
      g_autofree char *name = NULL;
      g_autofree guint8 *copy = exact_copy (www_response, len);

      assert_false (pf_dns_parse_response (copy, len, NULL, &name, &addresses, NULL, &error));
      assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED));
      assert_null (name);
      assert_null (addresses);
    }

  for (gsize len = 0; len < sizeof www_query; len++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) error2 = NULL;
      g_autoptr (GBytes) response = NULL;
      g_autofree char *name = NULL;
      g_autofree guint8 *copy = exact_copy (www_query, len);

      assert_false (pf_dns_parse_query (copy, len, NULL, &name, NULL, &error));
      assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED));
      assert_null (name);

      response = pf_dns_build_response (copy, len, www_addresses, 2, 300, &error2);
      assert_null (response);
      assert_true (g_error_matches (error2, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED));
    }
}

static void
assert_query_refused (const guint8 *data,
                      gsize         len,
                      int           code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  g_autoptr (GBytes) response = NULL;

  assert_false (pf_dns_parse_query (data, len, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, PF_DNS_ERROR, code));
  assert_true (strlen (error->message) > 10);
  response = pf_dns_build_response (data, len, www_addresses, 2, 300, &error2);
  assert_null (response);
  assert_true (g_error_matches (error2, PF_DNS_ERROR, code));
}

static void
test_malformed_queries (void **state)
{
  guint8 q[sizeof www_query];

  /* A response is not a query. */
  memcpy (q, www_query, sizeof q);
  q[2] |= 0x80;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_MALFORMED);

  /* Opcode 2 (STATUS). */
  memcpy (q, www_query, sizeof q);
  q[2] = 0x10;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_UNSUPPORTED);

  /* No question, two questions. */
  memcpy (q, www_query, sizeof q);
  q[5] = 0;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_UNSUPPORTED);
  q[5] = 2;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_UNSUPPORTED);

  /* Answers in a query. */
  memcpy (q, www_query, sizeof q);
  q[7] = 1;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_MALFORMED);

  /* More additional records than bytes to hold them. */
  memcpy (q, www_query, sizeof q);
  q[10] = 0xff;
  q[11] = 0xff;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_TRUNCATED);

  /* Label types 01 and 10 (extended, binary): not DNS any more. */
  memcpy (q, www_query, sizeof q);
  q[12] = 0x43;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_MALFORMED);
  q[12] = 0x83;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_MALFORMED);

  /* A question that points into the header, or at itself. */
  memcpy (q, www_query, sizeof q);
  q[12] = 0xc0;
  q[13] = 0x02;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_MALFORMED);
  q[13] = 0x0c;
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_MALFORMED);

  /* A label with a NUL, a space, a dot in it. */
  memcpy (q, www_query, sizeof q);
  q[14] = '\0';
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_UNSUPPORTED);
  q[14] = ' ';
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_UNSUPPORTED);
  q[14] = '.';
  assert_query_refused (q, sizeof q, PF_DNS_ERROR_UNSUPPORTED);
}

static void
test_compression_loops (void **state)
{
  /* Answers whose owner names loop: to themselves, to each other, and
   * forward. Every one must be refused, never followed forever. */
  static const guint8 self_loop[] = {
    0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
    1, 'a', 0, 0, 1, 0, 1,
    0xc0, 0x13, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4,
  };
  static const guint8 pair_loop[] = {
    0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
    1, 'a', 0, 0, 1, 0, 1,
    /* 19: "b" then a pointer back to 19: b.b.b.b... */
    1, 'b', 0xc0, 0x13, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4,
  };
  static const guint8 forward[] = {
    0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
    0xc0, 0x20, 0, 1, 0, 1,
  };
  const struct { const guint8 *data; gsize len; } cases[] = {
    { self_loop, sizeof self_loop },
    { pair_loop, sizeof pair_loop },
    { forward, sizeof forward },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      assert_false (pf_dns_parse_response (cases[i].data, cases[i].len,
                                           NULL, NULL, NULL, NULL, &error));
      assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED));
    }
}

static void
test_long_name_through_pointers (void **state)
{
  /* Each answer's owner adds 63-byte labels in front of the previous
   * one; the fifth name would be longer than 255 bytes. */
  g_autoptr (GByteArray) m = g_byte_array_new ();
  static const guint8 header[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 5, 0, 0, 0, 0,
                                   1, 'a', 0, 0, 1, 0, 1 };
  static const guint8 rr[] = { 0, 16, 0, 1, 0, 0, 0, 1, 0, 0 };  /* TXT, no data */
  guint16 previous = 12;
  g_autoptr (GError) error = NULL;

  g_byte_array_append (m, header, sizeof header);
  for (guint i = 0; i < 5; i++)
    {
      guint16 here = m->len;
      guint8 label_len = 63;
      guint8 pointer[2] = { 0xc0 | (previous >> 8), previous & 0xff };

      g_byte_array_append (m, &label_len, 1);
      for (guint j = 0; j < 63; j++)
        g_byte_array_append (m, (const guint8 *) "x", 1);
      g_byte_array_append (m, pointer, 2);
      g_byte_array_append (m, rr, sizeof rr);
      previous = here;
    }

  assert_false (pf_dns_parse_response (m->data, m->len, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED));
  assert_non_null (strstr (error->message, "255"));
}

static void
test_malformed_responses (void **state)
{
  guint8 r[sizeof www_response];
  g_autoptr (GError) error = NULL;

  /* A query is not a response. */
  assert_false (pf_dns_parse_response (www_query, sizeof www_query, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED));
  g_clear_error (&error);

  /* The first A record says five bytes: the next record's first byte. */
  memcpy (r, www_response, sizeof r);
  r[sizeof r - 16 - 5] = 5;
  assert_false (pf_dns_parse_response (r, sizeof r, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED));
  g_clear_error (&error);

  /* An answer count no message of this size can hold. */
  memcpy (r, www_response, sizeof r);
  r[6] = 0xff;
  assert_false (pf_dns_parse_response (r, sizeof r, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED));
  g_clear_error (&error);

  /* A second A record of five bytes, with the fifth byte there. */
  {
    g_autoptr (GByteArray) m = g_byte_array_new ();

    g_byte_array_append (m, www_response, sizeof www_response - 16);
    g_byte_array_append (m, (const guint8 *) "\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x05\x01\x02\x03\x04\x05", 17);
    assert_false (pf_dns_parse_response (m->data, m->len, NULL, NULL, NULL, NULL, &error));
    assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED));
    g_clear_error (&error);
  }
}

/* Random damage to valid messages, and random bytes: every outcome is a
 * clean answer or a clean error. Run under valgrind to mean something. */
static void
test_fuzz (void **state)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240611);
  guint8 buf[sizeof www_response + 8];
  g_autofree guint8 *copy = NULL;

  for (guint i = 0; i < 200000; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) addresses = NULL;
      g_autoptr (GBytes) response = NULL;
      g_autofree char *name = NULL;
      gsize len;
      gboolean ok;

      if (i % 4 == 0)
        {
          len = g_rand_int_range (rand, 0, sizeof buf);
          for (gsize j = 0; j < len; j++)
            buf[j] = g_rand_int_range (rand, 0, 256);
          if (len > 5)
            {
              buf[4] = 0;
              buf[5] = 1;
            }
        }
      else
        {
          const guint8 *base = i % 4 == 1 ? www_query : www_response;
          gsize base_len = i % 4 == 1 ? sizeof www_query : sizeof www_response;
          guint n_flips = g_rand_int_range (rand, 1, 4);

          memcpy (buf, base, base_len);
          len = base_len;
          for (guint j = 0; j < n_flips; j++)
            buf[g_rand_int_range (rand, 0, len)] = g_rand_int_range (rand, 0, 256);
        }

      g_free (copy);
      copy = exact_copy (buf, len);

      ok = pf_dns_parse_response (copy, len, NULL, &name, &addresses, NULL, &error);
      assert_true (ok == (error == NULL));
      if (ok)
        assert_true (strcmp (name, ".") == 0 || pf_dns_name_is_valid (name));
      g_clear_error (&error);
      g_clear_pointer (&name, g_free);

      ok = pf_dns_parse_query (copy, len, NULL, &name, NULL, &error);
      assert_true (ok == (error == NULL));
      g_clear_error (&error);

      response = pf_dns_build_response (copy, len, www_addresses, 2, 300, &error);
      assert_true (ok == (response != NULL));
      if (response != NULL)
        {
          g_autoptr (GArray) answers = NULL;

          assert_true (g_bytes_get_size (response) <= PF_DNS_MAX_UDP_SIZE);
          /* What we build, we can read back. */
          assert_true (pf_dns_parse_response (g_bytes_get_data (response, NULL),
                                              g_bytes_get_size (response),
                                              NULL, NULL, &answers, NULL, NULL));
        }
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_build_query),
    cmocka_unit_test (test_name_validity),
    cmocka_unit_test (test_parse_query),
    cmocka_unit_test (test_parse_query_edns),
    cmocka_unit_test (test_build_response),
    cmocka_unit_test (test_build_response_nxdomain),
    cmocka_unit_test (test_build_response_flags_and_case),
    cmocka_unit_test (test_build_response_other_types),
    cmocka_unit_test (test_build_response_truncated),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_parse_response_cname),
    cmocka_unit_test (test_truncation),
    cmocka_unit_test (test_malformed_queries),
    cmocka_unit_test (test_compression_loops),
    cmocka_unit_test (test_long_name_through_pointers),
    cmocka_unit_test (test_malformed_responses),
    cmocka_unit_test (test_fuzz),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
