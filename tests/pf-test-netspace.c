/* pf-test-netspace.c: hosts for pf_netspace_new () in tests, and a wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-test-netspace.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

static void
pft_clear_host (gpointer data)
{
  PfNetspaceHost *host = data;

  g_free ((gpointer) host->interfaces);
  host->interfaces = NULL;
}

GArray *
pft_hosts_new (void)
{
  GArray *hosts = g_array_new (FALSE, TRUE, sizeof (PfNetspaceHost));

  g_array_set_clear_func (hosts, pft_clear_host);
  return hosts;
}

/* 02:50:46:00:HH:II, as the scenario loader makes them. */
void
pft_mac (guint8 mac[6],
         guint  host,
         guint  index)
{
  mac[0] = 0x02; mac[1] = 0x50; mac[2] = 0x46;
  mac[3] = (guint8) (host >> 8); mac[4] = (guint8) host; mac[5] = (guint8) index;
}

/* Adds a host; @addresses/@prefix_lengths are its interfaces. */
void
pft_hosts_add (GArray       *hosts,
               const char   *id,
               gboolean      forward,
               PfIpv4        gateway,
               gboolean      default_on_link,
               const PfIpv4 *addresses,
               const guint  *prefix_lengths,
               guint         n)
{
  PfNetspaceInterface *interfaces = g_new0 (PfNetspaceInterface, MAX (n, 1));
  PfNetspaceHost host = {
    .id = id, .forward = forward, .gateway = gateway, .default_on_link = default_on_link,
    .interfaces = interfaces, .n_interfaces = n,
  };

  for (guint i = 0; i < n; i++)
    {
      interfaces[i].address = addresses[i];
      interfaces[i].prefix_length = prefix_lengths != NULL ? prefix_lengths[i] : 32;
      pft_mac (interfaces[i].mac, hosts->len, i);
    }
  g_array_append_val (hosts, host);
}

GArray *
pft_hosts_one (const PfIpv4 *addresses,
               guint         n)
{
  GArray *hosts = pft_hosts_new ();

  pft_hosts_add (hosts, "only", FALSE, 0, TRUE, addresses, NULL, n);
  return hosts;
}

GArray *
pft_hosts_implicit (const PfIpv4 *addresses,
                    guint         n)
{
  GArray *hosts = pft_hosts_new ();

  for (guint i = 0; i < n; i++)
    pft_hosts_add (hosts, NULL, FALSE, 0, TRUE, &addresses[i], NULL, 1);
  return hosts;
}

/* pf_netspace_new () with every address on one host. */
PfNetspace *
pft_netspace_new_one (PfNetspaceMode   mode,
                      const PfIpv4    *addresses,
                      guint            n,
                      char           **out_reason,
                      GError         **error)
{
  g_autoptr(GArray) hosts = pft_hosts_one (addresses, n);

  return pf_netspace_new (mode, (const PfNetspaceHost *) (gpointer) hosts->data, hosts->len,
                          out_reason, error);
}

PfNetspace *
pft_netspace_new_hosts (PfNetspaceMode   mode,
                        GArray          *hosts,
                        GError         **error)
{
  return pf_netspace_new (mode, (const PfNetspaceHost *) (gpointer) hosts->data, hosts->len,
                          NULL, error);
}

/* Hosts A 10.0.0.1 (port 0) and B 10.0.0.2 (port 1) on the implicit
 * link, in exact mode. */
PfNetspace *
pft_new_two_hosts (void)
{
  PfIpv4 addresses[] = { (10u << 24) + 1, (10u << 24) + 2 };
  g_autoptr(GArray) hosts = pft_hosts_implicit (addresses, 2);
  g_autoptr(GError) error = NULL;
  PfNetspace *netspace;

  netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (netspace);
  g_assert_cmpuint (pf_netspace_get_n_ports (netspace), ==, 2);
  return netspace;
}

void
pft_frame_clear (gpointer data)
{
  PftFrame *frame = data;

  g_clear_pointer (&frame->bytes, g_bytes_unref);
}

void
pft_wire_init (PftWire    *wire,
               PfNetspace *netspace)
{
  memset (wire, 0, sizeof *wire);
  wire->n_ports = pf_netspace_get_n_ports (netspace);
  g_assert (wire->n_ports <= PFT_MAX_PORTS);
  wire->frames = g_array_new (FALSE, TRUE, sizeof (PftFrame));
  g_array_set_clear_func (wire->frames, pft_frame_clear);

  for (guint i = 0; i < wire->n_ports; i++)
    {
      g_autoptr(GError) error = NULL;

      wire->ports[i] = pf_netspace_open_port (netspace, i, &error);
      g_assert_no_error (error);
      wire->peer[i] = -1;
    }
}

void
pft_wire_clear (PftWire *wire)
{
  for (guint i = 0; i < wire->n_ports; i++)
    g_clear_object (&wire->ports[i]);
  g_clear_pointer (&wire->frames, g_array_unref);
}

void
pft_wire_link (PftWire *wire,
               guint    a,
               guint    b)
{
  wire->peer[a] = (int) b;
  wire->peer[b] = (int) a;
}

/* Reads what waits on every port, records it and carries it to the peer,
 * for up to @timeout_ms or until *@done is TRUE after a round. */
void
pft_wire_run (PftWire  *wire,
              int       timeout_ms,
              PftCarry  carry,
              gpointer  user_data,
              GArray   *held,
              gboolean (*done) (gpointer user_data))
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline && (done == NULL || !done (user_data)))
    {
      struct pollfd pfds[PFT_MAX_PORTS];

      for (guint i = 0; i < wire->n_ports; i++)
        pfds[i] = (struct pollfd) { g_socket_get_fd (wire->ports[i]), POLLIN, 0 };
      if (poll (pfds, wire->n_ports, 10) <= 0)
        continue;

      for (guint i = 0; i < wire->n_ports; i++)
        {
          guint8 buf[65536];
          gssize len;

          if ((pfds[i].revents & POLLIN) == 0)
            continue;
          while ((len = recv (pfds[i].fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
            {
              PftFrame frame = { i, g_bytes_new (buf, (gsize) len) };

              g_array_append_val (wire->frames, frame);
              if (wire->peer[i] < 0)
                continue;
              if (carry != NULL && !carry (&frame, user_data))
                {
                  PftFrame copy = { i, g_bytes_ref (frame.bytes) };

                  g_assert (held != NULL);
                  g_array_append_val (held, copy);
                  continue;
                }
              g_assert_cmpint (send (g_socket_get_fd (wire->ports[wire->peer[i]]), buf,
                                     (size_t) len, 0), ==, len);
            }
        }
    }
}

/* Sends the frames held so far on, in order. */
void
pft_wire_release (PftWire *wire,
                  GArray  *held)
{
  for (guint i = 0; i < held->len; i++)
    {
      PftFrame *frame = &g_array_index (held, PftFrame, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (frame->bytes, &len);

      g_assert_cmpint (send (g_socket_get_fd (wire->ports[wire->peer[frame->port]]), data,
                             len, 0), ==, (gssize) len);
    }
  g_array_set_size (held, 0);
}

/* Frame fields, by hand (Ethernet II, IPv4, TCP, ARP). */

guint16
pft_get16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

guint16
pft_ethertype (const PftFrame *frame)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (frame->bytes, &len);

  return len >= 14 ? pft_get16 (p + 12) : 0;
}

/* TCP flags of an IPv4 TCP frame, or -1. */
int
pft_tcp_flags (const PftFrame *frame)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (frame->bytes, &len);
  gsize ihl;

  if (len < 14 + 20 || pft_ethertype (frame) != 0x0800 || p[14 + 9] != 6)
    return -1;
  ihl = (gsize) (p[14] & 0xf) * 4;
  if (len < 14 + ihl + 20)
    return -1;
  return p[14 + ihl + 13];
}

static guint32
pft_sum (const guint8 *p,
         gsize         len,
         guint32       sum)
{
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += pft_get16 (p + i);
  if (len % 2 == 1)
    sum += (guint32) p[len - 1] << 8;
  return sum;
}

/* TRUE when the IPv4 header's checksum and the TCP checksum (over the
 * pseudo-header) are both right: what a receiver checks. */
gboolean
pft_checksums_ok (const PftFrame *frame)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (frame->bytes, &len);
  const guint8 *ip = p + 14;
  gsize ihl = (gsize) (ip[0] & 0xf) * 4;
  gsize total = pft_get16 (ip + 2);
  guint8 pseudo[12];
  guint32 sum;

  if (total > len - 14)
    return FALSE;
  sum = pft_sum (ip, ihl, 0);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  if (sum != 0xffff)
    return FALSE;

  memcpy (pseudo, ip + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = ip[9];
  pseudo[10] = (guint8) ((total - ihl) >> 8);
  pseudo[11] = (guint8) (total - ihl);
  sum = pft_sum (pseudo, sizeof pseudo, 0);
  sum = pft_sum (ip + ihl, total - ihl, sum);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}
