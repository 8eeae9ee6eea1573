/* fuzz-dns.c: the DNS parsers on any bytes
 *
 * The same bytes go to pf_dns_parse_query(), pf_dns_parse_response(),
 * pf_dns_message_parse() (the inspector's reading) and
 * pf_dns_build_response(), as the DNS service and the lookup step would
 * hand them a datagram. A query that parses is answered, and the answer
 * must parse back to the same id, name and addresses; a name that parses
 * and can be asked must survive pf_dns_build_query().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pf-dns.h"
#include "pf-fuzz.h"

static const PfIpv4 addresses[] = { 0xc0cbc447u, 0x0a000035u, 0x7f000001u };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pf_fuzz_init ();
  return 0;
}

static void
check_error (const GError *error)
{
  pf_fuzz_check (error != NULL && error->domain == PF_DNS_ERROR);
  pf_fuzz_check (g_utf8_validate (error->message, -1, NULL));
}

/* The capture tool's reading (the inspector's DNS section): a message
 * that parses has a question name of valid UTF-8 and whole records;
 * one that does not says why. */
static void
check_message (const guint8 *data,
               gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfDnsMessage) message = pf_dns_message_parse (data, size, &error);

  if (message == NULL)
    {
      check_error (error);
      return;
    }
  pf_fuzz_check (error == NULL && message->answers != NULL);
  pf_fuzz_check (message->qname != NULL && g_utf8_validate (message->qname, -1, NULL));
  for (guint i = 0; i < message->answers->len; i++)
    {
      const PfDnsAnswer *answer = &g_array_index (message->answers, PfDnsAnswer, i);

      pf_fuzz_check (answer->name != NULL && g_utf8_validate (answer->name, -1, NULL));
      pf_fuzz_check (answer->target == NULL || g_utf8_validate (answer->target, -1, NULL));
    }
  g_free (pf_dns_message_flags_to_string (message));
}

/* A query that parsed asks again the same. */
static void
check_query_round_trip (guint16     id,
                        const char *name)
{
  g_autoptr(GBytes) query = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name_again = NULL;
  guint16 id_again = 0;
  guint16 qtype = 0;

  if (!pf_dns_name_is_valid (name))
    return;

  query = pf_dns_build_query (id, name);
  pf_fuzz_check (query != NULL);
  pf_fuzz_check (pf_dns_parse_query (g_bytes_get_data (query, NULL), g_bytes_get_size (query),
                                     &id_again, &name_again, &qtype, &error));
  pf_fuzz_check (id_again == id && qtype == PF_DNS_TYPE_A);
  pf_fuzz_check (g_str_equal (name_again, name));
}

/* The answer to a query that parsed parses, with its id and name. */
static void
check_answer (const uint8_t *data,
              size_t         size,
              guint16        id,
              const char    *name,
              guint16        qtype,
              guint          n_addresses)
{
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name_again = NULL;
  g_autoptr(GArray) found = NULL;
  guint16 id_again = 0;
  guint rcode = 0;

  response = pf_dns_build_response (data, size, addresses, n_addresses, PF_DNS_DEFAULT_TTL, &error);
  pf_fuzz_check (response != NULL && error == NULL);
  pf_fuzz_check (g_bytes_get_size (response) <= PF_DNS_MAX_UDP_SIZE);

  if (!pf_dns_parse_response (g_bytes_get_data (response, NULL), g_bytes_get_size (response),
                              &id_again, &name_again, &found, &rcode, &error))
    {
      g_printerr ("an answer Packet Flow built does not parse: %s\n", error->message);
      abort ();
    }

  pf_fuzz_check (id_again == id);
  pf_fuzz_check (g_str_equal (name_again, name));
  pf_fuzz_check (pf_dns_rcode_to_string (rcode) != NULL);
  if (rcode == PF_DNS_RCODE_NOERROR && (qtype == PF_DNS_TYPE_A || qtype == PF_DNS_TYPE_ANY))
    {
      pf_fuzz_check (found->len == n_addresses);
      pf_fuzz_check (memcmp (found->data, addresses, n_addresses * sizeof (PfIpv4)) == 0);
    }
  else
    {
      pf_fuzz_check (found->len == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) query_error = NULL;
  g_autoptr(GError) response_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *response_name = NULL;
  g_autoptr(GArray) found = NULL;
  guint16 id = 0;
  guint16 qtype = 0;
  guint rcode = 0;

  if (pf_dns_parse_query (data, size, &id, &name, &qtype, &query_error))
    {
      pf_fuzz_check (name != NULL && g_utf8_validate (name, -1, NULL));
      check_query_round_trip (id, name);
      /* NXDOMAIN, one address, every address. */
      for (guint n = 0; n <= G_N_ELEMENTS (addresses); n += 1)
        check_answer (data, size, id, name, qtype, n);
    }
  else
    {
      g_autoptr(GError) build_error = NULL;

      check_error (query_error);
      pf_fuzz_check (pf_dns_build_response (data, size, addresses, 1, 60, &build_error) == NULL);
      check_error (build_error);
    }

  check_message (data, size);

  if (pf_dns_parse_response (data, size, &id, &response_name, &found, &rcode, &response_error))
    {
      pf_fuzz_check (response_name != NULL && g_utf8_validate (response_name, -1, NULL));
      pf_fuzz_check (found != NULL);
      pf_fuzz_check (pf_dns_rcode_to_string (rcode) != NULL);
    }
  else
    {
      check_error (response_error);
    }

  return 0;
}
