/* test-wire.c: the wire carries frames as the links of a network would
 *
 * Each port is one end of an AF_UNIX datagram socketpair, the other end
 * plays the host's interface: one message is one frame, as on an
 * AF_PACKET socket.
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

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pf-wire.h"

#define N_HOSTS 4

typedef struct
{
  PfWire    *wire;
  GSocket   *wire_ends[N_HOSTS];
  int        hosts[N_HOSTS];     /* the hosts' ends, blocking off */
  GPtrArray *delivered;          /* PfWireFrame copies */
} Net;

static const guint8 BROADCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void
mac_of (guint   host,
        guint8 *mac)
{
  const guint8 m[6] = { 0x02, 0x50, 0x46, 0x00, (guint8) host, 0x00 };

  memcpy (mac, m, 6);
}

static void
frame_copy_free (PfWireFrame *frame)
{
  g_bytes_unref (frame->bytes);
  g_free (frame->to_ports);
  g_free (frame);
}

static void
on_delivered (PfWire      *wire,
              PfWireFrame *frame,
              Net         *net)
{
  PfWireFrame *copy = g_memdup2 (frame, sizeof *frame);

  copy->bytes = g_bytes_ref (frame->bytes);
  copy->to_ports = g_memdup2 (frame->to_ports, sizeof (guint) * MAX (frame->n_to, 1));
  g_ptr_array_add (net->delivered, copy);
}

/* @links[i]: the link of host i; @latencies: one per link. */
static void
net_init (Net         *net,
          const guint *links,
          guint        n_hosts,
          const guint *latencies,
          guint        n_links)
{
  memset (net, 0, sizeof *net);
  net->wire = pf_wire_new ();
  net->delivered = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_copy_free);
  for (guint l = 0; l < n_links; l++)
    assert_int_equal (pf_wire_add_link (net->wire, latencies[l]), l);

  for (guint h = 0; h < n_hosts; h++)
    {
      g_autoptr(GError) error = NULL;
      int pair[2];

      assert_int_equal (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
      net->hosts[h] = pair[0];
      net->wire_ends[h] = g_socket_new_from_fd (pair[1], &error);
      pf_test_assert_no_error (error);
      g_socket_set_blocking (net->wire_ends[h], FALSE);
      assert_int_equal (pf_wire_add_port (net->wire, links[h], net->wire_ends[h]), h);
    }
  g_signal_connect (net->wire, "delivered", G_CALLBACK (on_delivered), net);
  pf_wire_start (net->wire);
}

static void
net_clear (Net *net)
{
  pf_wire_stop (net->wire);
  g_clear_object (&net->wire);
  for (guint h = 0; h < N_HOSTS; h++)
    {
      g_clear_object (&net->wire_ends[h]);
      if (net->hosts[h] > 0)
        close (net->hosts[h]);
    }
  g_ptr_array_unref (net->delivered);
}

/* Host @from sends a frame to @dst with @tag as its payload. */
static void
host_send (Net          *net,
           guint         from,
           const guint8 *dst,
           guint         tag)
{
  guint8 frame[60] = { 0 };

  memcpy (frame, dst, 6);
  mac_of (from, frame + 6);
  frame[12] = 0x08;  /* IPv4, as far as the switch cares: it does not */
  frame[14] = (guint8) tag;
  assert_int_equal (send (net->hosts[from], frame, sizeof frame, 0), sizeof frame);
}

/* The tag of the next frame host @h received, or -1 when none waits. */
static int
host_receive (Net   *net,
              guint  h)
{
  guint8 frame[PF_WIRE_MAX_FRAME];
  ssize_t n = recv (net->hosts[h], frame, sizeof frame, MSG_DONTWAIT);

  if (n < 0)
    return -1;
  assert_int_equal (n, 60);
  return frame[14];
}

static gboolean
delivered_at_least (gpointer data)
{
  Net *net = data;

  return net->delivered->len >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (net->wire), "want"));
}

static void
wait_delivered (Net   *net,
                guint  n)
{
  g_object_set_data (G_OBJECT (net->wire), "want", GUINT_TO_POINTER (n));
  pf_test_iterate_until (delivered_at_least, net);
}

/* A broadcast reaches every other host of the link; a reply to a MAC the
 * switch has seen goes to its owner only; an unknown MAC is flooded. */
static void
test_learning_switch (void **state)
{
  const guint links[] = { 0, 0, 0 };
  const guint latencies[] = { 0 };
  guint8 mac1[6], mac0[6], unknown[6];
  PfWireFrame *frame;
  Net net;

  net_init (&net, links, 3, latencies, 1);
  mac_of (0, mac0);
  mac_of (1, mac1);
  mac_of (9, unknown);

  host_send (&net, 0, BROADCAST, 1);
  wait_delivered (&net, 1);
  assert_int_equal (host_receive (&net, 1), 1);
  assert_int_equal (host_receive (&net, 2), 1);
  assert_int_equal (host_receive (&net, 0), -1);
  frame = g_ptr_array_index (net.delivered, 0);
  assert_int_equal (frame->from_port, 0);
  assert_int_equal (frame->n_to, 2);

  host_send (&net, 1, mac0, 2);
  wait_delivered (&net, 2);
  assert_int_equal (host_receive (&net, 0), 2);
  assert_int_equal (host_receive (&net, 2), -1);
  frame = g_ptr_array_index (net.delivered, 1);
  assert_int_equal (frame->n_to, 1);
  assert_int_equal (frame->to_ports[0], 0);

  /* Host 0 has not sent to host 1's MAC yet, but host 1 has sent: known. */
  host_send (&net, 0, mac1, 3);
  wait_delivered (&net, 3);
  assert_int_equal (host_receive (&net, 1), 3);
  assert_int_equal (host_receive (&net, 2), -1);

  host_send (&net, 2, unknown, 4);
  wait_delivered (&net, 4);
  assert_int_equal (host_receive (&net, 0), 4);
  assert_int_equal (host_receive (&net, 1), 4);
  assert_int_equal (host_receive (&net, 2), -1);

  assert_int_equal (pf_wire_get_frames_in (net.wire), 4);
  assert_int_equal (pf_wire_get_frames_out (net.wire), 2 + 1 + 1 + 2);
  assert_int_equal (pf_wire_get_frames_lost (net.wire), 0);
  assert_null (pf_wire_take_loss_message (net.wire));
  net_clear (&net);
}

/* A frame never crosses from one link to another: only a router does. */
static void
test_links_apart (void **state)
{
  const guint links[] = { 0, 0, 1, 1 };
  const guint latencies[] = { 0, 0 };
  Net net;

  net_init (&net, links, 4, latencies, 2);
  host_send (&net, 0, BROADCAST, 7);
  host_send (&net, 3, BROADCAST, 8);
  wait_delivered (&net, 2);
  assert_int_equal (host_receive (&net, 1), 7);
  assert_int_equal (host_receive (&net, 2), 8);
  assert_int_equal (host_receive (&net, 1), -1);
  assert_int_equal (host_receive (&net, 2), -1);
  assert_int_equal (host_receive (&net, 0), -1);
  assert_int_equal (host_receive (&net, 3), -1);
  net_clear (&net);
}

static gboolean
in_flight (gpointer data)
{
  return pf_wire_get_n_in_flight (data) > 0;
}

/* The link's latency is applied for real: the frame is held, the other
 * end has nothing, then has it, no earlier than the latency after. */
static void
test_latency (void **state)
{
  const guint links[] = { 0, 0 };
  const guint latencies[] = { 30000 };
  PfWireFrame *frame;
  gint64 sent;
  Net net;

  net_init (&net, links, 2, latencies, 1);
  sent = g_get_real_time ();
  host_send (&net, 0, BROADCAST, 5);
  pf_test_iterate_until (in_flight, net.wire);
  assert_int_equal (host_receive (&net, 1), -1);
  assert_int_equal (net.delivered->len, 0);

  wait_delivered (&net, 1);
  assert_true (g_get_real_time () - sent >= 30000);
  assert_int_equal (host_receive (&net, 1), 5);
  assert_int_equal (pf_wire_get_n_in_flight (net.wire), 0);
  frame = g_ptr_array_index (net.delivered, 0);
  assert_true (frame->delivered_us - frame->left_us >= 30000);
  assert_true (frame->left_us >= sent);
  net_clear (&net);
}

/* A burst bigger than one batch arrives whole and in order. */
static void
test_burst_in_order (void **state)
{
  const guint links[] = { 0, 0 };
  const guint latencies[] = { 1000 };
  guint8 mac1[6];
  int buffer = 1 << 20;
  Net net;

  net_init (&net, links, 2, latencies, 1);
  mac_of (1, mac1);
  setsockopt (net.hosts[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  for (guint i = 0; i < 200; i++)
    host_send (&net, 0, mac1, i);
  wait_delivered (&net, 200);
  for (guint i = 0; i < 200; i++)
    assert_int_equal (host_receive (&net, 1), (int) i);
  assert_int_equal (pf_wire_get_frames_in (net.wire), 200);
  assert_int_equal (pf_wire_get_frames_out (net.wire), 200);
  assert_int_equal (pf_wire_get_frames_lost (net.wire), 0);
  net_clear (&net);
}

/* A frame the wire could not deliver is counted and said, never silent. */
static void
test_loss_is_said (void **state)
{
  const guint links[] = { 0, 0 };
  const guint latencies[] = { 0 };
  g_autofree char *message = NULL;
  guint8 big[PF_WIRE_MAX_FRAME + 100] = { 0 };
  guint8 mac1[6];
  Net net;

  net_init (&net, links, 2, latencies, 1);
  mac_of (1, mac1);

  /* Host 1's interface is gone: the frame to it cannot be sent on. */
  close (net.hosts[1]);
  net.hosts[1] = -1;
  host_send (&net, 0, mac1, 1);
  wait_delivered (&net, 1);
  assert_int_equal (pf_wire_get_frames_lost (net.wire), 1);
  message = pf_wire_take_loss_message (net.wire);
  assert_non_null (message);
  assert_non_null (strstr (message, "could not be delivered to port 1"));
  assert_null (pf_wire_take_loss_message (net.wire));

  /* A frame larger than any link carries is a loss too. */
  g_clear_pointer (&message, g_free);
  memset (big, 0xff, 6);
  assert_int_equal (send (net.hosts[0], big, sizeof big, 0), sizeof big);
  pf_wire_poll (net.wire);
  message = pf_wire_take_loss_message (net.wire);
  assert_non_null (message);
  assert_non_null (strstr (message, "larger than any frame"));
  assert_int_equal (pf_wire_get_frames_lost (net.wire), 2);
  net_clear (&net);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_learning_switch),
    cmocka_unit_test (test_links_apart),
    cmocka_unit_test (test_latency),
    cmocka_unit_test (test_burst_in_order),
    cmocka_unit_test (test_loss_is_said),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
