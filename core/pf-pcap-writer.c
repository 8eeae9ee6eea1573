/* pf-pcap-writer.c: save packets as a pcap file that Wireshark opens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-pcap-writer"

#include "config.h"

#include "pf-pcap-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* One file has one link type, decided by the first packet written: a
 * packet with Ethernet (a frame the wire carried, PfPacket.has_ethernet)
 * makes it ETHERNET (DLT_EN10MB, 1 in the file) and every record one
 * whole frame, ARP included; a packet without makes it RAW (101 in the
 * file), every record one IPv4 datagram: what an AF_PACKET SOCK_DGRAM
 * socket gives, with no link header to invent. A packet of the other kind
 * after that is refused with an error. A file closed with no packet is
 * RAW. The file header is therefore written with the first record. A
 * frame is at most 14 bytes more than a 65535-byte datagram, so nothing
 * is ever cut.
 *
 * A regular file is written beside its target under a hidden temporary
 * name and renamed over it only once every byte is flushed and synced, so
 * a full disk or a crash leaves the previous file, or none, never half of
 * one. A target that exists and is not a regular file (a FIFO that
 * Wireshark reads, /dev/stdout) is written in place, and so is "-",
 * which means standard output (`packetflow --pcap=- … | tshark -r -`).
 *
 * Captured packets are written as captured (PfPacket.raw): a pcap shows
 * what the kernel sent, including a checksum it left to the device on lo,
 * exactly as tcpdump would save it. Modelled packets are encoded. */

struct _PfPcapWriter
{
  GObject        parent_instance;

  char          *path;
  char          *display_name;  /* path, for messages */
  char          *tmp_path;      /* NULL when writing in place */
  pcap_t        *pcap;          /* NULL until the first packet */
  pcap_dumper_t *dumper;        /* NULL until the first packet */
  FILE          *file;          /* owned by dumper, once there is one */
  gboolean       ethernet;      /* the link type: ETHERNET, else RAW */
  int            saved_errno;   /* the first write error, 0 if none */
  guint          n_packets;
  gboolean       closed;
};

G_DEFINE_FINAL_TYPE (PfPcapWriter, pf_pcap_writer, G_TYPE_OBJECT)

static gboolean G_GNUC_PRINTF (3, 4)
set_file_error (GError     **error,
                int          errsv,
                const char  *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s: %s.", message, g_strerror (errsv));
  return FALSE;
}

static gboolean
set_write_error (PfPcapWriter  *self,
                 GError       **error)
{
  return set_file_error (error, self->saved_errno,
                         "Could not write the capture to “%s”", self->display_name);
}

/* Drops what was written; the target is left as it was. */
static void
pf_pcap_writer_discard (PfPcapWriter *self)
{
  if (self->dumper != NULL)
    g_clear_pointer (&self->dumper, pcap_dump_close);
  else if (self->file != NULL)
    fclose (self->file);
  self->file = NULL;
  if (self->tmp_path != NULL)
    {
      g_unlink (self->tmp_path);
      g_clear_pointer (&self->tmp_path, g_free);
    }
}

static void
pf_pcap_writer_dispose (GObject *object)
{
  PfPcapWriter *self = PF_PCAP_WRITER (object);

  if (!self->closed && self->file != NULL)
    {
      g_debug ("Discarding the unfinished capture for %s", self->path);
      pf_pcap_writer_discard (self);
    }

  G_OBJECT_CLASS (pf_pcap_writer_parent_class)->dispose (object);
}

static void
pf_pcap_writer_finalize (GObject *object)
{
  PfPcapWriter *self = PF_PCAP_WRITER (object);

  g_clear_pointer (&self->pcap, pcap_close);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->tmp_path, g_free);

  G_OBJECT_CLASS (pf_pcap_writer_parent_class)->finalize (object);
}

static void
pf_pcap_writer_class_init (PfPcapWriterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_pcap_writer_dispose;
  object_class->finalize = pf_pcap_writer_finalize;
}

static void
pf_pcap_writer_init (PfPcapWriter *self G_GNUC_UNUSED)
{
}

/* The descriptor to write to: a new temporary file beside a regular
 * target (or a new one), else the target itself. */
static int
open_output (PfPcapWriter  *self,
             GError       **error)
{
  GStatBuf st;
  gboolean exists;
  int fd;
  int errsv;

  /* A descriptor of its own, so closing the capture leaves stdout open. */
  if (g_str_equal (self->path, "-"))
    {
      fd = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
      if (fd < 0)
        set_file_error (error, errno, "Could not write the capture to standard output");
      return fd;
    }

  exists = g_stat (self->path, &st) == 0;
  if (exists && S_ISDIR (st.st_mode))
    {
      set_file_error (error, EISDIR, "Could not save the capture as “%s”",
                      self->display_name);
      return -1;
    }

  if (exists && !S_ISREG (st.st_mode))
    {
      fd = g_open (self->path, O_WRONLY | O_CLOEXEC, 0);
      errsv = errno;
    }
  else
    {
      g_autofree char *dir = g_path_get_dirname (self->path);
      g_autofree char *base = g_path_get_basename (self->path);
      g_autofree char *name = g_strdup_printf (".%s.XXXXXX", base);

      self->tmp_path = g_build_filename (dir, name, NULL);
      fd = g_mkstemp_full (self->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
      errsv = errno;
      if (fd < 0)
        g_clear_pointer (&self->tmp_path, g_free);
    }

  if (fd < 0)
    set_file_error (error, errsv, "Could not create the capture file “%s”",
                    self->display_name);
  return fd;
}

/**
 * pf_pcap_writer_new:
 * @path: the file to write, in the GLib file name encoding; "-" for
 *   standard output
 *
 * Returns: (transfer full): a writer, or %NULL with @error set (in the
 *   %G_FILE_ERROR domain) when the file cannot be created.
 */
PfPcapWriter *
pf_pcap_writer_new (const char  *path,
                    GError     **error)
{
  g_autoptr(PfPcapWriter) self = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (PF_TYPE_PCAP_WRITER, NULL);
  self->path = g_strdup (path);
  self->display_name = g_str_equal (path, "-") ? g_strdup ("standard output")
                                                : g_filename_display_name (path);
  fd = open_output (self, error);
  if (fd < 0)
    return NULL;

  self->file = fdopen (fd, "wb");
  if (self->file == NULL)
    {
      int errsv = errno;

      close (fd);
      pf_pcap_writer_discard (self);
      set_file_error (error, errsv, "Could not create the capture file “%s”",
                      self->display_name);
      return NULL;
    }

  g_debug ("Writing %s through %s", path, self->tmp_path ? self->tmp_path : "itself");
  return g_steal_pointer (&self);
}

/* Writes the file header, for the link type of @ethernet. */
static gboolean
start_dump (PfPcapWriter  *self,
            gboolean       ethernet,
            GError       **error)
{
  self->ethernet = ethernet;
  self->pcap = pcap_open_dead (ethernet ? DLT_EN10MB : DLT_RAW,
                               G_MAXUINT16 + (ethernet ? 14 : 0));
  if (self->pcap == NULL)
    {
      self->saved_errno = ENOMEM;
      return set_write_error (self, error);
    }

  errno = 0;
  self->dumper = pcap_dump_fopen (self->pcap, self->file);
  if (self->dumper == NULL)
    {
      self->saved_errno = errno != 0 ? errno : EIO;
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "Could not write the capture to “%s”: %s.",
                   self->display_name, pcap_geterr (self->pcap));
      return FALSE;
    }
  return TRUE;
}

const char *
pf_pcap_writer_get_path (PfPcapWriter *self)
{
  g_return_val_if_fail (PF_IS_PCAP_WRITER (self), NULL);

  return self->path;
}

/* Whether the file's records are Ethernet frames; decided by the first
 * packet written, FALSE before it. */
gboolean
pf_pcap_writer_get_ethernet (PfPcapWriter *self)
{
  g_return_val_if_fail (PF_IS_PCAP_WRITER (self), FALSE);

  return self->ethernet;
}

guint
pf_pcap_writer_get_n_packets (PfPcapWriter *self)
{
  g_return_val_if_fail (PF_IS_PCAP_WRITER (self), 0);

  return self->n_packets;
}

/**
 * pf_pcap_writer_write:
 * @wall_time_us: the record's time stamp, µs since the Unix epoch
 *
 * Appends one record: the packet's Ethernet frame, or its IPv4 datagram
 * when it has no Ethernet. The first packet decides the file's link type;
 * a packet of the other kind after it is refused (%G_FILE_ERROR_INVAL),
 * and the file stays as it was. Writes are buffered: a full disk may only
 * show at pf_pcap_writer_close(), which is the call that must succeed.
 */
gboolean
pf_pcap_writer_write (PfPcapWriter    *self,
                      const PfPacket  *packet,
                      gint64           wall_time_us,
                      GError         **error)
{
  g_autoptr(GBytes) bytes = NULL;
  struct pcap_pkthdr header = { 0 };
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (PF_IS_PCAP_WRITER (self), FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);
  g_return_val_if_fail (!self->closed, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->saved_errno != 0)
    return set_write_error (self, error);
  if (self->dumper == NULL && !start_dump (self, packet->has_ethernet, error))
    return FALSE;
  if (packet->has_ethernet != self->ethernet)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "Could not write packet %u to the capture “%s”: it is %s, but "
                   "the capture holds %s, and one file has one link type.",
                   self->n_packets + 1, self->display_name,
                   packet->has_ethernet ? "an Ethernet frame" : "an IPv4 datagram without Ethernet",
                   self->ethernet ? "Ethernet frames" : "IPv4 datagrams without Ethernet");
      return FALSE;
    }

  bytes = pf_packet_get_bytes (packet);
  data = g_bytes_get_data (bytes, &len);
  wall_time_us = MAX (wall_time_us, 0);
  header.ts.tv_sec = wall_time_us / G_USEC_PER_SEC;
  header.ts.tv_usec = wall_time_us % G_USEC_PER_SEC;
  header.caplen = header.len = (bpf_u_int32) len;

  errno = 0;
  pcap_dump ((u_char *) self->dumper, &header, data);
  if (ferror (self->file))
    {
      self->saved_errno = errno != 0 ? errno : EIO;
      return set_write_error (self, error);
    }

  self->n_packets++;
  return TRUE;
}

/**
 * pf_pcap_writer_close:
 *
 * Flushes and syncs every record and puts the file in place. On failure
 * nothing is left behind: no temporary file, no half-written target (a
 * target that existed before is kept as it was).
 *
 * Returns: %TRUE when the file is complete on disk.
 */
gboolean
pf_pcap_writer_close (PfPcapWriter  *self,
                      GError       **error)
{
  g_return_val_if_fail (PF_IS_PCAP_WRITER (self), FALSE);
  g_return_val_if_fail (!self->closed, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->closed = TRUE;

  if (self->saved_errno == 0 && self->dumper == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!start_dump (self, FALSE, &local_error))
        {
          pf_pcap_writer_discard (self);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (self->saved_errno == 0 && pcap_dump_flush (self->dumper) != 0)
    self->saved_errno = errno != 0 ? errno : EIO;
  if (self->saved_errno == 0 && ferror (self->file))
    self->saved_errno = EIO;
  if (self->saved_errno == 0 && self->tmp_path != NULL &&
      fsync (fileno (self->file)) != 0)
    self->saved_errno = errno;

  if (self->saved_errno != 0)
    {
      pf_pcap_writer_discard (self);
      return set_write_error (self, error);
    }

  g_clear_pointer (&self->dumper, pcap_dump_close);
  self->file = NULL;

  if (self->tmp_path != NULL && g_rename (self->tmp_path, self->path) != 0)
    {
      int errsv = errno;

      pf_pcap_writer_discard (self);
      return set_file_error (error, errsv, "Could not save the capture as “%s”",
                             self->display_name);
    }

  g_clear_pointer (&self->tmp_path, g_free);
  g_debug ("Wrote %u packets to %s", self->n_packets, self->path);
  return TRUE;
}
