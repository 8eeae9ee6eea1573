/* pf-address.c: IPv4 addresses, ports, endpoints and the 4-tuple
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-address"

#include "config.h"

#include <string.h>

#include "pf-address.h"

/* Strict dotted quad: four decimal octets, no leading zeros (they mean
 * octal to inet_aton, which is a lesson we do not want to teach), no
 * spaces, nothing after. */
gboolean
pf_ipv4_parse (const char *text,
               PfIpv4     *out_address)
{
  PfIpv4 address = 0;
  const char *p = text;

  g_return_val_if_fail (out_address != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      guint octet = 0;
      guint digits = 0;

      if (i > 0 && *p++ != '.')
        return FALSE;

      while (g_ascii_isdigit (*p))
        {
          if (digits > 0 && octet == 0)
            return FALSE;
          octet = octet * 10 + (guint) (*p - '0');
          if (octet > 255)
            return FALSE;
          digits++;
          p++;
        }

      if (digits == 0)
        return FALSE;

      address = (address << 8) | octet;
    }

  if (*p != '\0')
    return FALSE;

  *out_address = address;
  return TRUE;
}

void
pf_ipv4_format (PfIpv4 address,
                char   buf[PF_IPV4_STRLEN])
{
  g_snprintf (buf, PF_IPV4_STRLEN, "%u.%u.%u.%u",
              (address >> 24) & 0xff, (address >> 16) & 0xff,
              (address >> 8) & 0xff, address & 0xff);
}

char *
pf_ipv4_to_string (PfIpv4 address)
{
  char buf[PF_IPV4_STRLEN];

  pf_ipv4_format (address, buf);
  return g_strdup (buf);
}

gboolean
pf_ipv4_is_loopback (PfIpv4 address)
{
  return (address >> 24) == 127;
}

/* A port a socket can be bound or connected to: 1 to 65535, decimal. */
gboolean
pf_port_parse (const char *text,
               guint16    *out_port)
{
  guint64 value;

  g_return_val_if_fail (out_port != NULL, FALSE);

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return FALSE;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &value, NULL))
    return FALSE;

  *out_port = (guint16) value;
  return TRUE;
}

gboolean
pf_endpoint_parse (const char *text,
                   PfEndpoint *out_endpoint)
{
  g_autofree char *address = NULL;
  const char *colon;
  PfEndpoint endpoint;

  g_return_val_if_fail (out_endpoint != NULL, FALSE);

  if (text == NULL || (colon = strrchr (text, ':')) == NULL)
    return FALSE;

  address = g_strndup (text, colon - text);
  if (!pf_ipv4_parse (address, &endpoint.address) ||
      !pf_port_parse (colon + 1, &endpoint.port))
    return FALSE;

  *out_endpoint = endpoint;
  return TRUE;
}

void
pf_endpoint_format (const PfEndpoint *endpoint,
                    char              buf[PF_ENDPOINT_STRLEN])
{
  char address[PF_IPV4_STRLEN];

  pf_ipv4_format (endpoint->address, address);
  g_snprintf (buf, PF_ENDPOINT_STRLEN, "%s:%u", address, endpoint->port);
}

char *
pf_endpoint_to_string (const PfEndpoint *endpoint)
{
  char buf[PF_ENDPOINT_STRLEN];

  g_return_val_if_fail (endpoint != NULL, NULL);

  pf_endpoint_format (endpoint, buf);
  return g_strdup (buf);
}

gboolean
pf_endpoint_equal (const PfEndpoint *a,
                   const PfEndpoint *b)
{
  return a->address == b->address && a->port == b->port;
}

PfFourTuple
pf_four_tuple_init (PfIpv4  src_address,
                    guint16 src_port,
                    PfIpv4  dst_address,
                    guint16 dst_port)
{
  return (PfFourTuple) {
    .src = { src_address, src_port },
    .dst = { dst_address, dst_port },
  };
}

PfFourTuple
pf_four_tuple_reversed (const PfFourTuple *tuple)
{
  return (PfFourTuple) { .src = tuple->dst, .dst = tuple->src };
}

/* The two directions of one connection are the same socket pair. */
gboolean
pf_four_tuple_same_connection (const PfFourTuple *a,
                               const PfFourTuple *b)
{
  PfFourTuple reversed = pf_four_tuple_reversed (b);

  return pf_four_tuple_equal (a, b) || pf_four_tuple_equal (a, &reversed);
}

guint
pf_four_tuple_hash (gconstpointer tuple)
{
  const PfFourTuple *t = tuple;
  guint hash = 17;

  hash = hash * 31 + t->src.address;
  hash = hash * 31 + t->src.port;
  hash = hash * 31 + t->dst.address;
  hash = hash * 31 + t->dst.port;
  return hash;
}

gboolean
pf_four_tuple_equal (gconstpointer a,
                     gconstpointer b)
{
  const PfFourTuple *ta = a;
  const PfFourTuple *tb = b;

  return pf_endpoint_equal (&ta->src, &tb->src) &&
         pf_endpoint_equal (&ta->dst, &tb->dst);
}

/* "10.0.0.2:49152 → 192.203.196.71:80" */
char *
pf_four_tuple_to_string (const PfFourTuple *tuple)
{
  char src[PF_ENDPOINT_STRLEN];
  char dst[PF_ENDPOINT_STRLEN];

  g_return_val_if_fail (tuple != NULL, NULL);

  pf_endpoint_format (&tuple->src, src);
  pf_endpoint_format (&tuple->dst, dst);
  return g_strdup_printf ("%s → %s", src, dst);
}

/* A MAC address as tshark and ip(8) write it: "02:50:46:00:01:00". */
void
pf_mac_format (const guint8 mac[6],
               char         buf[PF_MAC_STRLEN])
{
  g_return_if_fail (mac != NULL);

  g_snprintf (buf, PF_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
              mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

char *
pf_mac_to_string (const guint8 mac[6])
{
  char buf[PF_MAC_STRLEN];

  g_return_val_if_fail (mac != NULL, NULL);

  pf_mac_format (mac, buf);
  return g_strdup (buf);
}

/* ff:ff:ff:ff:ff:ff, every host of the link. */
gboolean
pf_mac_is_broadcast (const guint8 mac[6])
{
  g_return_val_if_fail (mac != NULL, FALSE);

  for (guint i = 0; i < 6; i++)
    if (mac[i] != 0xff)
      return FALSE;
  return TRUE;
}
