/* pf-bench-net.c: the benchmarks' plain loops on Packet Flow's network
 *
 * A plain loop measures what the kernel's sockets cost without the
 * engine. In exact mode the hosts' namespaces are joined only by Packet
 * Flow's wire, so the plain loop needs one too: PfWire, the engine's own,
 * carries the frames on a thread of its own while the loop's blocking
 * sockets run on the main one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-bench-net.h"

struct _PfBenchWire
{
  PfNetspace   *netspace;
  guint         latency_us;
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  PfWire       *wire;
  GMutex        lock;
  GCond         ready;
  gboolean      started;
};

/* Every host on one link, each with one address, as a file without
 * links has them. */
PfNetspace *
pf_bench_net_new (PfNetspaceMode   mode,
                  const PfIpv4    *addresses,
                  guint            n_hosts,
                  GError         **error)
{
  g_autofree PfNetspaceInterface *interfaces = g_new0 (PfNetspaceInterface, MAX (n_hosts, 1));
  g_autofree PfNetspaceHost *hosts = g_new0 (PfNetspaceHost, MAX (n_hosts, 1));
  g_autofree char *fallback = NULL;

  for (guint i = 0; i < n_hosts; i++)
    {
      const guint8 mac[6] = { 0x02, 0x50, 0x46, (guint8) (i >> 8), (guint8) i, 0 };

      interfaces[i].address = addresses[i];
      interfaces[i].prefix_length = 32;
      memcpy (interfaces[i].mac, mac, 6);
      hosts[i].id = "bench";
      hosts[i].default_on_link = TRUE;
      hosts[i].interfaces = &interfaces[i];
      hosts[i].n_interfaces = 1;
    }

  return pf_netspace_new (mode, hosts, n_hosts, &fallback, error);
}

static gpointer
wire_thread (gpointer data)
{
  PfBenchWire *self = data;
  guint n_ports = pf_netspace_get_n_ports (self->netspace);

  g_main_context_push_thread_default (self->context);
  self->wire = pf_wire_new ();
  pf_wire_add_link (self->wire, self->latency_us);
  for (guint i = 0; i < n_ports; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) port = pf_netspace_open_port (self->netspace, i, &error);

      if (port == NULL)
        g_error ("bench: no port %u of the wire: %s", i, error->message);
      pf_wire_add_port (self->wire, 0, port);
    }
  pf_wire_start (self->wire);

  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);
  pf_wire_stop (self->wire);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* A wire between every port of @netspace (exact mode), on its own
 * thread; NULL in loopback mode, which has none. */
PfBenchWire *
pf_bench_wire_start (PfNetspace *netspace,
                     guint       latency_us)
{
  PfBenchWire *self;

  if (pf_netspace_get_n_ports (netspace) == 0)
    return NULL;

  self = g_new0 (PfBenchWire, 1);
  self->netspace = g_object_ref (netspace);
  self->latency_us = latency_us;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->thread = g_thread_new ("pf-bench-wire", wire_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Stops @wire (NULL: nothing to stop) and says what it carried. */
void
pf_bench_wire_stop (PfBenchWire *self,
                    guint64     *out_frames,
                    guint64     *out_lost)
{
  if (out_frames != NULL)
    *out_frames = 0;
  if (out_lost != NULL)
    *out_lost = 0;
  if (self == NULL)
    return;

  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  if (out_frames != NULL)
    *out_frames = pf_wire_get_frames_in (self->wire);
  if (out_lost != NULL)
    *out_lost = pf_wire_get_frames_lost (self->wire);

  g_object_unref (self->wire);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_object_unref (self->netspace);
  g_free (self);
}
