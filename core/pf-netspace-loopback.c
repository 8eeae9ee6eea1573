/* pf-netspace-loopback.c: loopback mode, addresses mapped into 127.0.0.0/8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every address in 127.0.0.0/8 reaches lo without any privilege, so each
 * host gets one of them and the sockets are made right here.
 *
 * Addresses: A.B.C.D becomes 127.B.C.D. Hosts are taken in the order
 * given, in two passes: first every host whose 127.B.C.D is free takes
 * it, then each remaining host (its 127.B.C.D is another host's, or one
 * that real services use: 127.0.0.0, 127.0.0.1, 127.255.255.255) takes
 * the next free address after it, wrapping inside 127.0.0.0/8. The same
 * list in the same order always gives the same map.
 *
 * Ports: 1 to 1023 need privileges, so they become 8000 + port (80 is
 * 8080, 25 is 8025); 0 (ephemeral) and 1024 and up stay as they are.
 * The map stays one to one: a port the scenario itself uses (given by
 * pf_netspace_reserve_ports ()) is never the image of a low port, so a
 * scenario that talks to 80 and to 8080 gets 80 → 8081, and 8080 stays
 * 8080. Each low port takes the first free port from 8000 + port up, in
 * the order they are first asked for.
 *
 * Runs side by side (two windows, two processes, a test while Packet
 * Flow is open) must not share a mapped address: the second would find
 * 127.203.196.71:8080 taken. So each run takes a block: block K adds K
 * to the second byte of every mapped address (block 0 is the map above,
 * block 1 maps 192.203.196.71 to 127.204.196.71), ports unchanged. A
 * run takes the first of N_BLOCKS blocks where
 *  - it can lock every host's mapped address: a lock file per address in
 *    $XDG_RUNTIME_DIR/packetflow/loopback/, held with flock () for the
 *    netspace's lifetime (the kernel drops it when the process dies), so
 *    runs of one user, in one process or several, never share one; and
 *  - nothing else holds them: every host's mapped address with every port
 *    the scenario names (pf_netspace_reserve_ports ()) binds, TCP and
 *    UDP, so another user's run or any other program that listens there
 *    moves us on. (Between the probe and the real bind another user's
 *    program may still take it: then the bind reports it.)
 * If no block is free, the first block it can lock is used and the bind
 * says which port is taken, as before.
 */

#define G_LOG_DOMAIN "pf-netspace-loopback"

#include "config.h"

#include "pf-netspace-loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <glib/gi18n-lib.h>

#include "pf-netspace-private.h"
#include "pf-sock-diag.h"

#define LOOPBACK_NET       0x7f000000u
#define LOOPBACK_HOST_MASK 0x00ffffffu
#define PORT_SHIFT         8000
#define FIRST_FREE_PORT    1024
#define N_BLOCKS           PF_NETSPACE_LOOPBACK_N_BLOCKS

struct _PfNetspaceLoopback
{
  PfNetspace  parent_instance;

  guint       block;
  gboolean    fixed_block; /* pf_netspace_loopback_new_in_block () */
  GArray     *locks;       /* int: the lock files' descriptors */
  GArray     *ports;       /* guint16: every port the scenario names */

  GHashTable *to_real;     /* scenario PfIpv4 → real PfIpv4 */
  GHashTable *to_scenario; /* real PfIpv4 → scenario PfIpv4 */
  GHashTable *reserved;    /* ports of 1024 and up the scenario uses */
  GHashTable *port_to_real;
  GHashTable *port_to_scenario;
};

G_DEFINE_FINAL_TYPE (PfNetspaceLoopback, pf_netspace_loopback, PF_TYPE_NETSPACE)

/* 127.0.0.0 and 127.255.255.255 (network and broadcast) and 127.0.0.1,
 * where the machine's real services listen. */
static gboolean
is_reserved (PfIpv4 real)
{
  return real == LOOPBACK_NET ||
         real == (LOOPBACK_NET | 1) ||
         real == (LOOPBACK_NET | LOOPBACK_HOST_MASK);
}

/* A.B.C.D becomes 127.(B + block).C.D. */
static PfIpv4
natural_address (PfNetspaceLoopback *self,
                 PfIpv4              scenario)
{
  guint second = ((scenario >> 16) + self->block) & 0xff;

  return LOOPBACK_NET | (second << 16) | (scenario & 0xffff);
}

static gboolean
is_free (PfNetspaceLoopback *self,
         PfIpv4              real)
{
  return !is_reserved (real) &&
         !g_hash_table_contains (self->to_scenario, GUINT_TO_POINTER (real));
}

/* The first free address after @real; there are at most
 * PF_NETNS_MAX_ADDRESSES hosts, so one is always found. */
static PfIpv4
next_free_address (PfNetspaceLoopback *self,
                   PfIpv4              real)
{
  do
    real = LOOPBACK_NET | ((real + 1) & LOOPBACK_HOST_MASK);
  while (!is_free (self, real));

  return real;
}

static void
assign (PfNetspaceLoopback *self,
        PfIpv4              scenario,
        PfIpv4              real)
{
  g_hash_table_insert (self->to_real, GUINT_TO_POINTER (scenario), GUINT_TO_POINTER (real));
  g_hash_table_insert (self->to_scenario, GUINT_TO_POINTER (real), GUINT_TO_POINTER (scenario));
}

static void
build_map (PfNetspaceLoopback *self)
{
  const PfIpv4 *addresses;
  guint n_addresses;

  addresses = pf_netspace_get_addresses (PF_NETSPACE (self), &n_addresses);
  g_hash_table_remove_all (self->to_real);
  g_hash_table_remove_all (self->to_scenario);

  for (guint i = 0; i < n_addresses; i++)
    if (is_free (self, natural_address (self, addresses[i])))
      assign (self, addresses[i], natural_address (self, addresses[i]));

  for (guint i = 0; i < n_addresses; i++)
    if (!g_hash_table_contains (self->to_real, GUINT_TO_POINTER (addresses[i])))
      assign (self, addresses[i], next_free_address (self, natural_address (self, addresses[i])));
}

static void
release_locks (PfNetspaceLoopback *self)
{
  for (guint i = 0; i < self->locks->len; i++)
    close (g_array_index (self->locks, int, i));
  g_array_set_size (self->locks, 0);
}

/* Locks every mapped address of the block in use; FALSE (holding none)
 * when another run holds one. Where there is no directory for the lock
 * files, nothing is locked and the probe alone decides. */
static gboolean
lock_block (PfNetspaceLoopback *self)
{
  g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "packetflow", "loopback", NULL);
  GHashTableIter iter;
  gpointer real;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_debug ("No lock files in %s: %s", dir, g_strerror (errno));
      return TRUE;
    }

  g_hash_table_iter_init (&iter, self->to_scenario);
  while (g_hash_table_iter_next (&iter, &real, NULL))
    {
      char text[PF_IPV4_STRLEN];
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      int fd;

      pf_ipv4_format (GPOINTER_TO_UINT (real), text);
      name = g_strconcat (text, ".lock", NULL);
      path = g_build_filename (dir, name, NULL);
      fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        {
          g_debug ("Could not open %s: %s", path, g_strerror (errno));
          continue;
        }
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          g_debug ("Block %u: %s is another run's", self->block, text);
          close (fd);
          release_locks (self);
          return FALSE;
        }
      g_array_append_val (self->locks, fd);
    }

  return TRUE;
}

/* Whether @real:@port binds, as a socket of the run would (TCP with
 * SO_REUSEADDR, UDP without). */
static gboolean
binds (PfIpv4  real,
       guint16 port,
       int     type)
{
  struct sockaddr_in sin = {
    .sin_family = AF_INET,
    .sin_addr.s_addr = htonl (real),
    .sin_port = htons (port),
  };
  int one = 1;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  gboolean bound;

  if (fd < 0)
    return TRUE;   /* not a sign of a taken port; the real socket will say */
  if (type == SOCK_STREAM)
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bound = bind (fd, (struct sockaddr *) &sin, sizeof sin) == 0 || errno != EADDRINUSE;
  close (fd);
  return bound;
}

static guint16 pf_netspace_loopback_map_port (PfNetspace *netspace,
                                              guint16     scenario_port);

/* Whether every host's address takes every port the scenario names. */
static gboolean
probe_block (PfNetspaceLoopback *self)
{
  GHashTableIter iter;
  gpointer real;

  g_hash_table_iter_init (&iter, self->to_scenario);
  while (g_hash_table_iter_next (&iter, &real, NULL))
    for (guint i = 0; i < self->ports->len; i++)
      {
        guint16 scenario_port = g_array_index (self->ports, guint16, i);
        guint16 port = pf_netspace_loopback_map_port (PF_NETSPACE (self), scenario_port);

        if (port != 0 &&
            (!binds (GPOINTER_TO_UINT (real), port, SOCK_STREAM) ||
             !binds (GPOINTER_TO_UINT (real), port, SOCK_DGRAM)))
          {
            g_debug ("Block %u: port %u is taken", self->block, port);
            return FALSE;
          }
      }

  return TRUE;
}

static void
use_block (PfNetspaceLoopback *self,
           guint               block)
{
  self->block = block;
  build_map (self);
}

/* The first block no one holds; see the top of the file. */
static void
choose_block (PfNetspaceLoopback *self)
{
  release_locks (self);

  for (guint block = 0; block < N_BLOCKS; block++)
    {
      use_block (self, block);
      if (!lock_block (self))
        continue;
      if (probe_block (self))
        {
          g_debug ("Loopback block %u", block);
          return;
        }
      release_locks (self);
    }

  for (guint block = 0; block < N_BLOCKS; block++)
    {
      use_block (self, block);
      if (lock_block (self))
        return;
    }

  use_block (self, 0);
}

static PfNetspaceMode
pf_netspace_loopback_get_mode (PfNetspace *netspace)
{
  return PF_NETSPACE_MODE_LOOPBACK;
}

static const char *
pf_netspace_loopback_get_description (PfNetspace *netspace)
{
  return _("loopback: addresses mapped into 127.0.0.0/8");
}

/* A host's address comes from the map. Any other address (a host that is
 * not in the scenario, say) is mapped by the same rule but not recorded,
 * so it never lands on a host's address. */
static PfIpv4
pf_netspace_loopback_map_address (PfNetspace *netspace,
                                  PfIpv4      scenario_address)
{
  PfNetspaceLoopback *self = PF_NETSPACE_LOOPBACK (netspace);
  gpointer real;
  PfIpv4 natural;

  if (g_hash_table_lookup_extended (self->to_real, GUINT_TO_POINTER (scenario_address),
                                    NULL, &real))
    return GPOINTER_TO_UINT (real);

  natural = natural_address (self, scenario_address);
  return is_free (self, natural) ? natural : next_free_address (self, natural);
}

/* Addresses that are no host's come back unchanged. */
static PfIpv4
pf_netspace_loopback_unmap_address (PfNetspace *netspace,
                                    PfIpv4      real_address)
{
  PfNetspaceLoopback *self = PF_NETSPACE_LOOPBACK (netspace);
  gpointer scenario;

  if (g_hash_table_lookup_extended (self->to_scenario, GUINT_TO_POINTER (real_address),
                                    NULL, &scenario))
    return GPOINTER_TO_UINT (scenario);

  return real_address;
}

static void
pf_netspace_loopback_reserve_ports (PfNetspace    *netspace,
                                    const guint16 *ports,
                                    guint          n_ports)
{
  PfNetspaceLoopback *self = PF_NETSPACE_LOOPBACK (netspace);

  for (guint i = 0; i < n_ports; i++)
    {
      if (ports[i] >= FIRST_FREE_PORT)
        g_hash_table_add (self->reserved, GUINT_TO_POINTER (ports[i]));
    }
  g_array_append_vals (self->ports, ports, n_ports);

  /* Now that the ports are known, the block is chosen again: before any
   * socket is made, as the engine calls this. */
  if (!self->fixed_block)
    choose_block (self);
}

static gboolean
port_is_taken (PfNetspaceLoopback *self,
               guint               port)
{
  return g_hash_table_contains (self->reserved, GUINT_TO_POINTER (port)) ||
         g_hash_table_contains (self->port_to_scenario, GUINT_TO_POINTER (port));
}

static guint16
pf_netspace_loopback_map_port (PfNetspace *netspace,
                               guint16     scenario_port)
{
  PfNetspaceLoopback *self = PF_NETSPACE_LOOPBACK (netspace);
  gpointer real;
  guint port;

  if (scenario_port == 0 || scenario_port >= FIRST_FREE_PORT)
    return scenario_port;

  if (g_hash_table_lookup_extended (self->port_to_real, GUINT_TO_POINTER (scenario_port),
                                    NULL, &real))
    return GPOINTER_TO_UINT (real);

  /* At most 1023 low ports and as many reserved ones: a free port is
   * always found below 65536. */
  for (port = PORT_SHIFT + scenario_port; port_is_taken (self, port); port++)
    ;
  g_assert (port <= G_MAXUINT16);

  g_hash_table_insert (self->port_to_real, GUINT_TO_POINTER (scenario_port),
                       GUINT_TO_POINTER (port));
  g_hash_table_insert (self->port_to_scenario, GUINT_TO_POINTER (port),
                       GUINT_TO_POINTER (scenario_port));
  return port;
}

static guint16
pf_netspace_loopback_unmap_port (PfNetspace *netspace,
                                 guint16     real_port)
{
  PfNetspaceLoopback *self = PF_NETSPACE_LOOPBACK (netspace);
  gpointer scenario;

  if (g_hash_table_lookup_extended (self->port_to_scenario, GUINT_TO_POINTER (real_port),
                                    NULL, &scenario))
    return GPOINTER_TO_UINT (scenario);
  return real_port;
}

static GSocket *
pf_netspace_loopback_create_socket (PfNetspace   *netspace,
                                    GSocketType   type,
                                    PfIpv4        scenario_address,
                                    guint16       scenario_port,
                                    GError      **error)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  int native_type = type == G_SOCKET_TYPE_STREAM ? SOCK_STREAM : SOCK_DGRAM;
  int one = 1;
  int errsv;
  int fd;

  fd = socket (AF_INET, native_type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      errsv = errno;
      pf_netspace_set_socket_error (netspace, error, errsv, scenario_address, scenario_port);
      return NULL;
    }

  /* As in the helper: listeners may rebind at once, UDP keeps the
   * default so a busy port is reported. */
  if (native_type == SOCK_STREAM)
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);

  sin.sin_addr.s_addr = htonl (pf_netspace_map_address (netspace, scenario_address));
  sin.sin_port = htons (pf_netspace_map_port (netspace, scenario_port));
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    {
      errsv = errno;
      close (fd);
      pf_netspace_set_socket_error (netspace, error, errsv, scenario_address, scenario_port);
      return NULL;
    }

  return pf_netspace_socket_from_fd (fd, error);
}

/* This computer's own table: every program's sockets, not only ours. */
static GSocket *
pf_netspace_loopback_open_diag (PfNetspace  *netspace,
                                guint        host,
                                GError     **error)
{
  return pf_sock_diag_open (error);
}

static void
pf_netspace_loopback_finalize (GObject *object)
{
  PfNetspaceLoopback *self = PF_NETSPACE_LOOPBACK (object);

  g_clear_pointer (&self->to_real, g_hash_table_unref);
  g_clear_pointer (&self->to_scenario, g_hash_table_unref);
  g_clear_pointer (&self->reserved, g_hash_table_unref);
  g_clear_pointer (&self->port_to_real, g_hash_table_unref);
  g_clear_pointer (&self->port_to_scenario, g_hash_table_unref);
  release_locks (self);
  g_clear_pointer (&self->locks, g_array_unref);
  g_clear_pointer (&self->ports, g_array_unref);

  G_OBJECT_CLASS (pf_netspace_loopback_parent_class)->finalize (object);
}

static void
pf_netspace_loopback_class_init (PfNetspaceLoopbackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PfNetspaceClass *netspace_class = PF_NETSPACE_CLASS (klass);

  object_class->finalize = pf_netspace_loopback_finalize;

  netspace_class->get_mode = pf_netspace_loopback_get_mode;
  netspace_class->get_description = pf_netspace_loopback_get_description;
  netspace_class->create_socket = pf_netspace_loopback_create_socket;
  netspace_class->open_diag = pf_netspace_loopback_open_diag;
  netspace_class->map_address = pf_netspace_loopback_map_address;
  netspace_class->unmap_address = pf_netspace_loopback_unmap_address;
  netspace_class->reserve_ports = pf_netspace_loopback_reserve_ports;
  netspace_class->map_port = pf_netspace_loopback_map_port;
  netspace_class->unmap_port = pf_netspace_loopback_unmap_port;
}

static void
pf_netspace_loopback_init (PfNetspaceLoopback *self)
{
  self->to_real = g_hash_table_new (NULL, NULL);
  self->to_scenario = g_hash_table_new (NULL, NULL);
  self->reserved = g_hash_table_new (NULL, NULL);
  self->port_to_real = g_hash_table_new (NULL, NULL);
  self->port_to_scenario = g_hash_table_new (NULL, NULL);
  self->locks = g_array_new (FALSE, FALSE, sizeof (int));
  self->ports = g_array_new (FALSE, FALSE, sizeof (guint16));
}

/* Every host's 127.x address must be this computer's and reachable: not
 * so where lo is down (a new network namespace starts that way), and
 * finding out at the first connect would fail a step, not the run. A
 * UDP socket bound to the address and connected to it (a route lookup,
 * nothing is sent) finds out at once, whatever the kernel refuses:
 * older kernels the bind, newer ones the route. */
static gboolean
check_addresses (PfNetspaceLoopback  *self,
                 GError             **error)
{
  const PfIpv4 *addresses;
  guint n_addresses;

  addresses = pf_netspace_get_addresses (PF_NETSPACE (self), &n_addresses);

  for (guint i = 0; i < n_addresses; i++)
    {
      PfIpv4 real = pf_netspace_map_address (PF_NETSPACE (self), addresses[i]);
      struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl (real),
      };
      int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      int errsv = 0;

      if (fd < 0)
        errsv = errno;
      else if (bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
        errsv = errno;
      else
        {
          sin.sin_port = htons (9);
          if (connect (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
            errsv = errno;
        }
      if (fd >= 0)
        close (fd);

      if (errsv != 0)
        {
          g_autoptr(GError) local_error = NULL;

          pf_netspace_set_socket_error (PF_NETSPACE (self), &local_error, errsv,
                                        addresses[i], 0);
          g_set_error_literal (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_SETUP,
                               local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

static PfNetspaceLoopback *
loopback_new (const PfIpv4  *addresses,
              guint          n_addresses,
              int            block,
              GError       **error)
{
  g_autoptr(PfNetspaceLoopback) self = NULL;

  self = g_object_new (PF_TYPE_NETSPACE_LOOPBACK, NULL);

  if (!pf_netspace_set_addresses (PF_NETSPACE (self), addresses, n_addresses, error))
    return NULL;

  if (block < 0)
    choose_block (self);
  else
    {
      self->fixed_block = TRUE;
      use_block (self, block);
    }

  if (!check_addresses (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * pf_netspace_loopback_new:
 *
 * Never touches a namespace. Most callers want pf_netspace_new (). Takes
 * the first block of mapped addresses no other run holds, and again once
 * pf_netspace_reserve_ports () has said which ports the scenario uses.
 *
 * Returns: (transfer full): the netspace, or %NULL with
 *   PF_NETSPACE_ERROR_INVALID_ADDRESS, or PF_NETSPACE_ERROR_SETUP when a
 *   host's address cannot be used here (lo is down)
 */
PfNetspaceLoopback *
pf_netspace_loopback_new (const PfIpv4  *addresses,
                          guint          n_addresses,
                          GError       **error)
{
  g_return_val_if_fail (addresses != NULL || n_addresses == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return loopback_new (addresses, n_addresses, -1, error);
}

/**
 * pf_netspace_loopback_new_in_block:
 * @block: the block, 0 for the map without a shift
 *
 * As pf_netspace_loopback_new (), in @block whoever holds it: no lock, no
 * probe. For the tests of the map itself.
 */
PfNetspaceLoopback *
pf_netspace_loopback_new_in_block (const PfIpv4  *addresses,
                                   guint          n_addresses,
                                   guint          block,
                                   GError       **error)
{
  g_return_val_if_fail (addresses != NULL || n_addresses == 0, NULL);
  g_return_val_if_fail (block < N_BLOCKS, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return loopback_new (addresses, n_addresses, (int) block, error);
}

/* The block in use: for diagnostics and tests. */
guint
pf_netspace_loopback_get_block (PfNetspaceLoopback *self)
{
  g_return_val_if_fail (PF_IS_NETSPACE_LOOPBACK (self), 0);

  return self->block;
}
