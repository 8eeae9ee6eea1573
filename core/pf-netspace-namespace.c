/* pf-netspace-namespace.c: exact mode, a private network namespace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * packetflow-netns-helper owns the namespaces (one per host, and its own
 * "wire namespace" with the wire ends of every veth pair) and brokers
 * sockets: we ask over a SOCK_SEQPACKET socketpair, it answers with a
 * descriptor by SCM_RIGHTS (protocol in pf-netns-protocol.h). The
 * topology goes on its command line. Requests are synchronous and quick:
 * a socket () and a bind () in another process.
 *
 * The helper exits when we close our end. If it dies earlier, "lost" is
 * emitted on the main context that created the netspace.
 */

#define G_LOG_DOMAIN "pf-netspace-namespace"

#include "config.h"

#include "pf-netspace-namespace.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "pf-netns-protocol.h"
#include "pf-netspace-private.h"

#define READY_TIMEOUT_MS   10000
/* A host takes about 2 ms to set up (tests/time-netspace.c); allow ten
 * times that on a slow or busy machine. */
#define READY_MS_PER_HOST  20
#define REQUEST_TIMEOUT_MS 5000
#define EXIT_GRACE_MS      1000

struct _PfNetspaceNamespace
{
  PfNetspace    parent_instance;

  char         *helper_path;
  GSubprocess  *helper;
  GMainContext *context;       /* the creator's; "lost" is emitted there */
  GSource      *control_watch; /* hang-up on the control socket */
  GCancellable *cancellable;   /* stops waiting for the helper's exit */
  int           control_fd;
  guint32       last_serial;
  guint         n_hosts;
  guint         n_ports;
  GPtrArray    *arguments;     /* the topology's tokens, for the helper */
  guint         lost : 1;
};

G_DEFINE_FINAL_TYPE (PfNetspaceNamespace, pf_netspace_namespace, PF_TYPE_NETSPACE)

typedef enum
{
  REPLY_OK,
  REPLY_END,      /* the helper closed its end */
  REPLY_TIMEOUT,
  REPLY_GARBLED,  /* wrong size, magic, version or descriptors */
  REPLY_FAILED,   /* poll () or recvmsg () failed; errno in out_errno */
} ReplyResult;

static char *
find_helper_path (void)
{
  const char *path = g_getenv ("PACKETFLOW_NETNS_HELPER");

  if (path != NULL && path[0] != '\0')
    return g_strdup (path);
  return g_build_filename (PF_LIBEXECDIR, "packetflow-netns-helper", NULL);
}

/* Keeps the first descriptor passed with @msg in *out_fd, closes others. */
static void
take_fds (struct msghdr *msg,
          int           *out_fd)
{
  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL;
       cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
        continue;

      for (gsize i = 0; i < (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int fd;

          memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (int), sizeof fd);
          if (*out_fd < 0)
            *out_fd = fd;
          else
            close (fd);
        }
    }
}

static ReplyResult
receive_reply (PfNetspaceNamespace *self,
               int                  timeout_ms,
               PfNetnsReply        *reply,
               int                 *out_fd,
               int                 *out_errno)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  struct pollfd pfd = { .fd = self->control_fd, .events = POLLIN };
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE (4 * sizeof (int))];
  } control;
  struct iovec iov = { .iov_base = reply, .iov_len = sizeof *reply };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  gssize len;

  *out_fd = -1;
  memset (reply, 0, sizeof *reply);

  for (;;)
    {
      gint64 remaining_ms = MAX (0, (deadline - g_get_monotonic_time ()) / 1000);
      int ready = poll (&pfd, 1, (int) remaining_ms);

      if (ready > 0)
        break;
      if (ready == 0)
        return REPLY_TIMEOUT;
      if (errno != EINTR)
        {
          *out_errno = errno;
          return REPLY_FAILED;
        }
    }

  do
    len = recvmsg (self->control_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (len < 0 && errno == EINTR);

  if (len < 0)
    {
      *out_errno = errno;
      return REPLY_FAILED;
    }

  take_fds (&msg, out_fd);

  if (len == 0 ||
      len != (gssize) sizeof *reply ||
      (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      reply->magic != PF_NETNS_MAGIC ||
      reply->version != PF_NETNS_VERSION)
    {
      if (*out_fd >= 0)
        close (*out_fd);
      *out_fd = -1;
      return len == 0 ? REPLY_END : REPLY_GARBLED;
    }

  return REPLY_OK;
}

static const char *
unshare_cause (int errsv)
{
  switch (errsv)
    {
    case ENOSPC:
    case EUSERS:
      return _("the limit on user namespaces is reached or set to zero");
    case EINVAL:
    case ENOSYS:
      return _("this kernel does not offer them");
    case EPERM:
    case EACCES:
      return _("the system refused to create one");
    default:
      return g_strerror (errsv);
    }
}

/* The helper's first reply said ERROR: what could not be set up. */
static void
set_setup_error (PfNetspaceNamespace *self,
                 const PfNetnsReply  *reply,
                 GError             **error)
{
  int errsv = reply->error_number;
  char address[PF_IPV4_STRLEN];

  switch (reply->stage)
    {
    case PF_NETNS_STAGE_UNSHARE:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_NOT_ALLOWED,
                   _("User namespaces are not allowed here (%s)."), unshare_cause (errsv));
      break;

    case PF_NETNS_STAGE_ID_MAP:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_NOT_ALLOWED,
                   _("Your user could not be mapped into a private network (%s)."),
                   g_strerror (errsv));
      break;

    case PF_NETNS_STAGE_LOOPBACK_UP:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_SETUP,
                   _("The private network's loopback interface could not be brought up (%s)."),
                   g_strerror (errsv));
      break;

    case PF_NETNS_STAGE_HOST:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_SETUP,
                   _("The network namespace of host %u could not be made (%s)."),
                   reply->index + 1, g_strerror (errsv));
      break;

    case PF_NETNS_STAGE_INTERFACE:
      pf_ipv4_format (reply->address, address);
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_SETUP,
                   _("The interface for %s (port %u) could not be made in the private network (%s)."),
                   address, reply->index, g_strerror (errsv));
      break;

    case PF_NETNS_STAGE_ADD_ADDRESS:
      pf_ipv4_format (reply->address, address);
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_SETUP,
                   _("The address %s could not be added to the private network (%s)."),
                   address, g_strerror (errsv));
      break;

    case PF_NETNS_STAGE_ROUTE:
      pf_ipv4_format (reply->address, address);
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_SETUP,
                   _("The route to %s of host %u could not be added to the private network (%s)."),
                   address, reply->index + 1, g_strerror (errsv));
      break;

    case PF_NETNS_STAGE_ARGUMENTS:
      {
        const char *argument = self->arguments != NULL && reply->index > 0 &&
                               reply->index < self->arguments->len
                               ? g_ptr_array_index (self->arguments, reply->index) : "?";

        g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                     _("The namespace helper %s refused the network's description at "
                       "argument %u, \"%s\" (%s)."),
                     self->helper_path, reply->index, argument, g_strerror (errsv));
      }
      break;

    default:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The namespace helper %s refused to start (%s)."),
                   self->helper_path, g_strerror (errsv));
      break;
    }
}

static gboolean
wait_until_ready (PfNetspaceNamespace  *self,
                  GError              **error)
{
  int timeout_ms = READY_TIMEOUT_MS + READY_MS_PER_HOST * (int) self->n_hosts;
  PfNetnsReply reply;
  ReplyResult result;
  int errsv = 0;
  int fd;

  result = receive_reply (self, timeout_ms, &reply, &fd, &errsv);
  if (result == REPLY_OK && fd >= 0)
    {
      close (fd);
      result = REPLY_GARBLED;
    }

  switch (result)
    {
    case REPLY_OK:
      break;
    case REPLY_END:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The namespace helper %s stopped before the private network was ready."),
                   self->helper_path);
      return FALSE;
    case REPLY_TIMEOUT:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The namespace helper %s did not answer within %d seconds."),
                   self->helper_path, timeout_ms / 1000);
      return FALSE;
    case REPLY_GARBLED:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The namespace helper %s does not speak this version of Packet Flow's protocol."),
                   self->helper_path);
      return FALSE;
    case REPLY_FAILED:
    default:
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The namespace helper %s could not be reached (%s)."),
                   self->helper_path, g_strerror (errsv));
      return FALSE;
    }

  if (reply.status == PF_NETNS_STATUS_READY && reply.serial == 0)
    return TRUE;

  if (reply.status == PF_NETNS_STATUS_ERROR && reply.serial == 0)
    set_setup_error (self, &reply, error);
  else
    g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                 _("The namespace helper %s does not speak this version of Packet Flow's protocol."),
                 self->helper_path);
  return FALSE;
}

/* The helper misbehaved: stop it. Its exit emits "lost". */
static void
give_up_on_helper (PfNetspaceNamespace *self)
{
  self->lost = TRUE;
  if (self->helper != NULL)
    g_subprocess_force_exit (self->helper);
}

/* One request, one reply. TRUE with status OK and *out_fd set, or status
 * ERROR; FALSE when the helper is gone or misbehaved. */
static gboolean
transact (PfNetspaceNamespace  *self,
          guint16               op,
          guint16               socket_type,
          PfIpv4                address,
          guint16               port,
          guint32               index,
          PfNetnsReply         *reply,
          int                  *out_fd,
          GError              **error)
{
  PfNetnsRequest request = {
    .magic = PF_NETNS_MAGIC,
    .version = PF_NETNS_VERSION,
    .op = op,
    .serial = ++self->last_serial,
    .socket_type = socket_type,
    .address = address,
    .port = port,
    .index = index,
  };
  ReplyResult result = REPLY_FAILED;
  int errsv = 0;
  gssize sent;

  *out_fd = -1;

  if (self->lost || self->control_fd < 0)
    {
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST,
                   _("The private network is gone, so no new sockets can be made."));
      return FALSE;
    }

  do
    sent = send (self->control_fd, &request, sizeof request, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);

  if (sent == (gssize) sizeof request)
    result = receive_reply (self, REQUEST_TIMEOUT_MS, reply, out_fd, &errsv);

  if (result == REPLY_OK && reply->serial == request.serial &&
      ((reply->status == PF_NETNS_STATUS_OK && *out_fd >= 0) ||
       (reply->status == PF_NETNS_STATUS_ERROR && *out_fd < 0)))
    return TRUE;

  if (*out_fd >= 0)
    close (*out_fd);
  *out_fd = -1;

  g_debug ("Request %u failed (result %d, %s), giving up on the helper",
           request.serial, result, g_strerror (errsv));
  give_up_on_helper (self);

  if (result == REPLY_TIMEOUT)
    g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST,
                 _("The namespace helper did not answer, so no new sockets can be made."));
  else
    g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST,
                 _("The namespace helper stopped, so no new sockets can be made."));
  return FALSE;
}

static void
stop_watching (PfNetspaceNamespace *self)
{
  if (self->control_watch != NULL)
    {
      g_source_destroy (self->control_watch);
      g_clear_pointer (&self->control_watch, g_source_unref);
    }
}

static gboolean
control_hangup_cb (int          fd,
                   GIOCondition condition,
                   gpointer     user_data)
{
  PfNetspaceNamespace *self = user_data;

  g_debug ("The namespace helper closed its end of the control socket");

  /* Returning G_SOURCE_REMOVE destroys it; drop our reference. */
  g_clear_pointer (&self->control_watch, g_source_unref);
  give_up_on_helper (self);

  return G_SOURCE_REMOVE;
}

static void
helper_exited_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GSubprocess *helper = G_SUBPROCESS (object);
  g_autoptr(GError) wait_error = NULL;
  g_autoptr(GError) error = NULL;
  PfNetspaceNamespace *self;

  /* Cancelled in dispose: user_data may be gone. */
  if (!g_subprocess_wait_finish (helper, result, &wait_error))
    return;

  self = user_data;
  self->lost = TRUE;
  stop_watching (self);
  if (self->control_fd >= 0)
    {
      close (self->control_fd);
      self->control_fd = -1;
    }

  if (g_subprocess_get_if_signaled (helper))
    {
      int signum = g_subprocess_get_term_sig (helper);

      g_set_error (&error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST,
                   _("The private network was lost: its helper was stopped by signal %d (%s). "
                     "Sockets already open keep working; new ones cannot be made."),
                   signum, g_strsignal (signum));
    }
  else
    {
      g_set_error (&error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST,
                   _("The private network was lost: its helper exited with status %d. "
                     "Sockets already open keep working; new ones cannot be made."),
                   g_subprocess_get_exit_status (helper));
    }

  g_debug ("%s", error->message);
  pf_netspace_emit_lost (PF_NETSPACE (self), error);
}

static gboolean
start_helper (PfNetspaceNamespace  *self,
              GError              **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) local_error = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int errsv = errno;

      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The channel to the namespace helper could not be made (%s)."),
                   g_strerror (errsv));
      return FALSE;
    }
  self->control_fd = fds[0];

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, self->helper_path);
  for (guint i = 1; i < self->arguments->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (self->arguments, i));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_fd (launcher, fds[1], PF_NETNS_CONTROL_FD);
  self->helper = g_subprocess_launcher_spawnv (launcher,
                                               (const char * const *) argv->pdata,
                                               &local_error);
  /* Our copy of the helper's end: closed now, so its exit reads as EOF. */
  g_subprocess_launcher_close (launcher);

  if (self->helper == NULL)
    {
      const char *cause = local_error->message;

      if (g_error_matches (local_error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
        cause = _("it does not exist");
      else if (g_error_matches (local_error, G_SPAWN_ERROR, G_SPAWN_ERROR_ACCES) ||
               g_error_matches (local_error, G_SPAWN_ERROR, G_SPAWN_ERROR_PERM))
        cause = _("it may not be run");

      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_HELPER,
                   _("The namespace helper %s could not be started (%s)."),
                   self->helper_path, cause);
      return FALSE;
    }

  if (!wait_until_ready (self, error))
    return FALSE;

  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  g_subprocess_wait_async (self->helper, self->cancellable, helper_exited_cb, self);

  self->control_watch = g_unix_fd_source_new (self->control_fd, G_IO_HUP | G_IO_ERR);
  g_source_set_callback (self->control_watch, G_SOURCE_FUNC (control_hangup_cb), self, NULL);
  g_source_set_static_name (self->control_watch, "[pf] namespace helper hang-up");
  g_source_attach (self->control_watch, self->context);

  return TRUE;
}

static void
helper_reaped_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *reaped = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *reaped = TRUE;
}

static gboolean
grace_over_cb (gpointer user_data)
{
  gboolean *over = user_data;

  *over = TRUE;
  return G_SOURCE_REMOVE;
}

/* The control socket is closed, so the helper is on its way out: wait
 * for it, and kill it only if it lingers. Leaves no zombie behind. */
static void
reap_helper (GSubprocess *helper)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) grace = g_timeout_source_new (EXIT_GRACE_MS);
  gboolean reaped = FALSE;
  gboolean over = FALSE;

  g_main_context_push_thread_default (context);

  g_source_set_callback (grace, grace_over_cb, &over, NULL);
  g_source_attach (grace, context);
  g_subprocess_wait_async (helper, NULL, helper_reaped_cb, &reaped);

  while (!reaped && !over)
    g_main_context_iteration (context, TRUE);

  if (!reaped)
    {
      g_debug ("The namespace helper did not exit after %d ms; killing it", EXIT_GRACE_MS);
      g_subprocess_force_exit (helper);
      while (!reaped)
        g_main_context_iteration (context, TRUE);
    }

  g_source_destroy (grace);
  g_main_context_pop_thread_default (context);
}

static PfNetspaceMode
pf_netspace_namespace_get_mode (PfNetspace *netspace)
{
  return PF_NETSPACE_MODE_EXACT;
}

static const char *
pf_netspace_namespace_get_description (PfNetspace *netspace)
{
  return _("exact: private network namespace");
}

static GSocket *
pf_netspace_namespace_create_socket (PfNetspace   *netspace,
                                     GSocketType   type,
                                     PfIpv4        scenario_address,
                                     guint16       scenario_port,
                                     GError      **error)
{
  PfNetspaceNamespace *self = PF_NETSPACE_NAMESPACE (netspace);
  guint16 socket_type = type == G_SOCKET_TYPE_STREAM ? PF_NETNS_SOCKET_STREAM
                                                     : PF_NETNS_SOCKET_DATAGRAM;
  PfNetnsReply reply;
  int fd;

  if (!transact (self, PF_NETNS_OP_SOCKET, socket_type, scenario_address, scenario_port, 0,
                 &reply, &fd, error))
    return NULL;

  if (reply.status == PF_NETNS_STATUS_ERROR)
    {
      pf_netspace_set_socket_error (netspace, error, reply.error_number,
                                    scenario_address, scenario_port);
      return NULL;
    }

  return pf_netspace_socket_from_fd (fd, error);
}

static guint
pf_netspace_namespace_get_n_ports (PfNetspace *netspace)
{
  return PF_NETSPACE_NAMESPACE (netspace)->n_ports;
}

static GSocket *
pf_netspace_namespace_open_port (PfNetspace  *netspace,
                                 guint        port,
                                 GError     **error)
{
  PfNetspaceNamespace *self = PF_NETSPACE_NAMESPACE (netspace);
  PfNetnsReply reply;
  int fd;

  if (port >= self->n_ports)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("There is no port %u: the wire has %u."), port, self->n_ports);
      return NULL;
    }

  if (!transact (self, PF_NETNS_OP_PORT, 0, 0, 0, port, &reply, &fd, error))
    return NULL;

  if (reply.status == PF_NETNS_STATUS_ERROR)
    {
      if (reply.error_number == EBUSY)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     _("Port %u of the wire is open already."), port);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (reply.error_number),
                     _("Port %u of the wire could not be opened (%s)."),
                     port, g_strerror (reply.error_number));
      return NULL;
    }

  return pf_netspace_socket_from_fd (fd, error);
}

static GSocket *
pf_netspace_namespace_open_diag (PfNetspace  *netspace,
                                 guint        host,
                                 GError     **error)
{
  PfNetspaceNamespace *self = PF_NETSPACE_NAMESPACE (netspace);
  PfNetnsReply reply;
  int fd;

  if (host >= self->n_hosts)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("There is no host %u: the scenario has %u."), host + 1, self->n_hosts);
      return NULL;
    }

  if (!transact (self, PF_NETNS_OP_SOCK_DIAG, 0, 0, 0, host, &reply, &fd, error))
    return NULL;

  if (reply.status == PF_NETNS_STATUS_ERROR)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (reply.error_number),
                   _("The private network's table of sockets could not be opened (%s)."),
                   g_strerror (reply.error_number));
      return NULL;
    }

  return pf_netspace_socket_from_fd (fd, error);
}

static void
pf_netspace_namespace_dispose (GObject *object)
{
  PfNetspaceNamespace *self = PF_NETSPACE_NAMESPACE (object);

  g_cancellable_cancel (self->cancellable);
  stop_watching (self);

  /* End of file on the control socket: the helper exits by itself. */
  if (self->control_fd >= 0)
    {
      close (self->control_fd);
      self->control_fd = -1;
    }

  if (self->helper != NULL)
    {
      reap_helper (self->helper);
      g_clear_object (&self->helper);
    }

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (pf_netspace_namespace_parent_class)->dispose (object);
}

static void
pf_netspace_namespace_finalize (GObject *object)
{
  PfNetspaceNamespace *self = PF_NETSPACE_NAMESPACE (object);

  g_clear_pointer (&self->helper_path, g_free);
  g_clear_pointer (&self->arguments, g_ptr_array_unref);

  G_OBJECT_CLASS (pf_netspace_namespace_parent_class)->finalize (object);
}

static void
pf_netspace_namespace_class_init (PfNetspaceNamespaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PfNetspaceClass *netspace_class = PF_NETSPACE_CLASS (klass);

  object_class->dispose = pf_netspace_namespace_dispose;
  object_class->finalize = pf_netspace_namespace_finalize;

  netspace_class->get_mode = pf_netspace_namespace_get_mode;
  netspace_class->get_description = pf_netspace_namespace_get_description;
  netspace_class->create_socket = pf_netspace_namespace_create_socket;
  netspace_class->get_n_ports = pf_netspace_namespace_get_n_ports;
  netspace_class->open_port = pf_netspace_namespace_open_port;
  netspace_class->open_diag = pf_netspace_namespace_open_diag;
}

static void
pf_netspace_namespace_init (PfNetspaceNamespace *self)
{
  self->control_fd = -1;
}

/* The helper's rule for a host,ID: a letter, then letters, digits, '-'
 * or '_'. The scenario's ids follow it; anything else gets h<N>. */
static gboolean
is_helper_id (const char *id)
{
  gsize len = id != NULL ? strlen (id) : 0;

  if (len == 0 || len > PF_NETNS_MAX_ID || !g_ascii_isalpha (id[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;
  return TRUE;
}

/* The helper's command line (pf-netns-protocol.h), every value checked
 * first so that the helper's refusal is never the first word. */
static gboolean
build_arguments (PfNetspaceNamespace   *self,
                 const PfNetspaceHost  *hosts,
                 guint                  n_hosts,
                 GError               **error)
{
  g_autoptr(GArray) addresses = g_array_new (FALSE, FALSE, sizeof (PfIpv4));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  if (n_hosts > PF_NETNS_MAX_HOSTS)
    {
      g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS,
                   _("A scenario can have at most %u hosts."), PF_NETNS_MAX_HOSTS);
      return FALSE;
    }

  self->arguments = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->arguments, g_strdup ("packetflow-netns-helper"));

  for (guint i = 0; i < n_hosts; i++)
    {
      const PfNetspaceHost *host = &hosts[i];
      g_autofree char *id = is_helper_id (host->id) ? g_strdup (host->id)
                                                     : g_strdup_printf ("h%u", i);
      char text[PF_IPV4_STRLEN];

      g_ptr_array_add (self->arguments,
                       g_strdup_printf ("host,%s%s", id, host->forward ? ",forward" : ""));

      if (host->n_interfaces > PF_NETNS_MAX_HOST_INTERFACES ||
          self->n_ports + host->n_interfaces > PF_NETNS_MAX_INTERFACES)
        {
          g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS,
                       _("A scenario can have at most %u interfaces, %u on one host."),
                       PF_NETNS_MAX_INTERFACES, PF_NETNS_MAX_HOST_INTERFACES);
          return FALSE;
        }

      for (guint j = 0; j < host->n_interfaces; j++)
        {
          const PfNetspaceInterface *interface = &host->interfaces[j];
          const guint8 *m = interface->mac;
          char mac[PF_MAC_STRLEN];

          pf_ipv4_format (interface->address, text);
          if (g_hash_table_contains (seen, GUINT_TO_POINTER (interface->address)))
            {
              g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS,
                           _("%s is the address of two interfaces."), text);
              return FALSE;
            }
          if (interface->prefix_length < 1 || interface->prefix_length > 32)
            {
              g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS,
                           _("%s/%u: a prefix length is 1 to 32."), text,
                           interface->prefix_length);
              return FALSE;
            }
          g_hash_table_add (seen, GUINT_TO_POINTER (interface->address));
          g_array_append_val (addresses, interface->address);
          pf_mac_format (m, mac);
          g_ptr_array_add (self->arguments,
                           g_strdup_printf ("if,%s/%u,%s", text, interface->prefix_length, mac));
        }
      self->n_ports += host->n_interfaces;

      if (host->default_on_link && host->n_interfaces > 0)
        g_ptr_array_add (self->arguments, g_strdup ("route,0.0.0.0/0,dev,0"));
      else if (host->gateway != 0 && host->n_interfaces > 0)
        {
          pf_ipv4_format (host->gateway, text);
          g_ptr_array_add (self->arguments, g_strdup_printf ("route,0.0.0.0/0,via,%s", text));
        }
    }
  self->n_hosts = n_hosts;

  /* Every address is a host's (not 0.0.0.0/8, not multicast). */
  return pf_netspace_set_addresses (PF_NETSPACE (self), (const PfIpv4 *) (gpointer) addresses->data,
                                    addresses->len, error);
}

/**
 * pf_netspace_namespace_new:
 * @hosts: (array length=n_hosts): the hosts, see pf_netspace_new ()
 *
 * Starts the helper (PACKETFLOW_NETNS_HELPER if set, else
 * PF_LIBEXECDIR/packetflow-netns-helper) with the hosts' network on its
 * command line and waits until that network is ready. Most callers want
 * pf_netspace_new ().
 *
 * Returns: (transfer full): the netspace, or %NULL with a
 *   PF_NETSPACE_ERROR (NOT_ALLOWED when user namespaces are refused)
 */
PfNetspaceNamespace *
pf_netspace_namespace_new (const PfNetspaceHost  *hosts,
                           guint                  n_hosts,
                           GError               **error)
{
  g_autoptr(PfNetspaceNamespace) self = NULL;

  g_return_val_if_fail (hosts != NULL || n_hosts == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (PF_TYPE_NETSPACE_NAMESPACE, NULL);

  if (!build_arguments (self, hosts, n_hosts, error))
    return NULL;

  self->helper_path = find_helper_path ();
  if (!start_helper (self, error))
    return NULL;

  g_debug ("Private network ready: %u hosts, %u ports; helper %s is process %s",
           self->n_hosts, self->n_ports,
           self->helper_path, g_subprocess_get_identifier (self->helper));

  return g_steal_pointer (&self);
}

const char *
pf_netspace_namespace_get_helper_path (PfNetspaceNamespace *self)
{
  g_return_val_if_fail (PF_IS_NETSPACE_NAMESPACE (self), NULL);

  return self->helper_path;
}

/* The helper's process id while it runs, 0 once it has exited. For
 * diagnostics and tests. */
GPid
pf_netspace_namespace_get_helper_pid (PfNetspaceNamespace *self)
{
  const char *identifier;

  g_return_val_if_fail (PF_IS_NETSPACE_NAMESPACE (self), 0);

  if (self->helper == NULL ||
      (identifier = g_subprocess_get_identifier (self->helper)) == NULL)
    return 0;

  return (GPid) g_ascii_strtoll (identifier, NULL, 10);
}
