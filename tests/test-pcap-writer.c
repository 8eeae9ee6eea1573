/* test-pcap-writer.c: pcap files that libpcap reads back, and no debris
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "pf-packet-info.h"
#include "pf-pcap-writer.h"

#define LOCALHOST 0x7f000001u

/* Captured on lo (see test-packet.c): PSH,ACK carrying "GET / HTTP/1.1\r\n\r\n".
 * Its TCP checksum is the pseudo-header sum only: lo leaves it to the
 * device, and the file must keep it as captured. */
static const guint8 lo_data[] = {
  0x45, 0x00, 0x00, 0x46, 0xf3, 0x7a, 0x40, 0x00, 0x40, 0x06, 0x49, 0x35,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xdf, 0x08, 0x1f, 0x90,
  0x99, 0xd4, 0x53, 0xbe, 0xbd, 0xc5, 0xd6, 0x6e, 0x80, 0x18, 0x00, 0x40,
  0xfe, 0x3a, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x15, 0x7d, 0x52, 0x26,
  0x48, 0x59, 0xed, 0x62, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54,
  0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x0d, 0x0a,
};

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = g_dir_make_tmp ("test-pcap-writer-XXXXXX", NULL);
  assert_non_null (f->dir);
  f->path = g_build_filename (f->dir, "run.pcap", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f);
  return 0;
}

/* The names in a directory, sorted, comma-separated: "" when empty. */
static char *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  assert_non_null (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

static PfPacket *
make_packets (PfPacket **modelled,
              PfPacket **udp)
{
  PfPacket *captured = pf_packet_decode_ipv4 (lo_data, sizeof lo_data, NULL);

  assert_non_null (captured);
  *modelled = pf_packet_new_tcp (LOCALHOST, 8080, LOCALHOST, 57096,
                                 3183859310u, 2580829136u, PF_TCP_ACK, 64, NULL, 0);
  pf_packet_set_timestamps (*modelled, 1213853026u, 360534566u);
  *udp = pf_packet_new_udp (LOCALHOST, 48259, LOCALHOST, 53,
                            (const guint8 *) "dns?", 4);
  return captured;
}

static void
assert_next_record (pcap_t       *pcap,
                    gint64        time_us,
                    GBytes       *expected)
{
  struct pcap_pkthdr *header;
  const u_char *data;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (expected, &len);

  assert_int_equal (pcap_next_ex (pcap, &header, &data), 1);
  assert_int_equal (header->ts.tv_sec, time_us / G_USEC_PER_SEC);
  assert_int_equal (header->ts.tv_usec, time_us % G_USEC_PER_SEC);
  assert_int_equal (header->caplen, len);
  assert_int_equal (header->len, len);
  assert_memory_equal (data, bytes, len);
}

static void
test_write_and_read_back (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPcapWriter) writer = NULL;
  g_autoptr(PfPacket) captured = NULL;
  g_autoptr(PfPacket) modelled = NULL;
  g_autoptr(PfPacket) udp = NULL;
  g_autoptr(GBytes) captured_bytes = g_bytes_new_static (lo_data, sizeof lo_data);
  g_autoptr(GBytes) modelled_bytes = NULL;
  g_autoptr(GBytes) udp_bytes = NULL;
  g_autofree char *listing = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  const gint64 t0 = G_GINT64_CONSTANT (1700000000123456);
  struct pcap_pkthdr *header;
  const u_char *data;
  pcap_t *pcap;
  GStatBuf st;
  mode_t mask;

  captured = make_packets (&modelled, &udp);
  modelled_bytes = pf_packet_encode_ipv4 (modelled);
  udp_bytes = pf_packet_encode_ipv4 (udp);

  writer = pf_pcap_writer_new (f->path, &error);
  assert_null (error);
  assert_string_equal (pf_pcap_writer_get_path (writer), f->path);
  /* Nothing at the target until the file is complete. */
  assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  assert_true (pf_pcap_writer_write (writer, captured, t0, &error));
  assert_true (pf_pcap_writer_write (writer, modelled, t0 + 999999, &error));
  assert_true (pf_pcap_writer_write (writer, udp, t0 + 1000000, &error));
  assert_int_equal (pf_pcap_writer_get_n_packets (writer), 3);
  assert_true (pf_pcap_writer_close (writer, &error));
  assert_null (error);

  listing = list_dir (f->dir);
  assert_string_equal (listing, "run.pcap");
  mask = umask (0);
  umask (mask);
  assert_int_equal (g_stat (f->path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0666 & ~mask);

  pcap = pcap_open_offline (f->path, errbuf);
  if (pcap == NULL)
    fail_msg ("pcap_open_offline: %s", errbuf);
  assert_int_equal (pcap_datalink (pcap), DLT_RAW);
  assert_int_equal (pcap_snapshot (pcap), 65535);
  /* The captured packet exactly as captured, checksum included; the
   * modelled ones as encoded. */
  assert_next_record (pcap, t0, captured_bytes);
  assert_next_record (pcap, t0 + 999999, modelled_bytes);
  assert_next_record (pcap, t0 + 1000000, udp_bytes);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), PCAP_ERROR_BREAK);
  pcap_close (pcap);
}

/* A file that was there is replaced whole, and only on success. */
static void
test_replaces_existing_file (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPcapWriter) writer = NULL;
  g_autoptr(PfPacket) captured = NULL;
  g_autoptr(PfPacket) modelled = NULL;
  g_autoptr(PfPacket) udp = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  captured = make_packets (&modelled, &udp);
  assert_true (g_file_set_contents (f->path, "previous capture", -1, NULL));

  writer = pf_pcap_writer_new (f->path, &error);
  assert_non_null (writer);
  assert_true (pf_pcap_writer_write (writer, udp, 0, &error));
  assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  assert_string_equal (contents, "previous capture");
  g_clear_pointer (&contents, g_free);

  assert_true (pf_pcap_writer_close (writer, &error));
  assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  /* pcap file header (24 bytes), record header (16), the datagram (32) */
  assert_int_equal (len, 24 + 16 + 32);
  assert_int_equal (((const guint32 *) contents)[0], 0xa1b2c3d4);
}

/* A writer dropped without close leaves nothing behind. */
static void
test_unref_without_close (void **state)
{
  Fixture *f = *state;
  g_autoptr(PfPacket) captured = NULL;
  g_autoptr(PfPacket) modelled = NULL;
  g_autoptr(PfPacket) udp = NULL;
  g_autofree char *during = NULL;
  g_autofree char *after = NULL;
  PfPcapWriter *writer;

  captured = make_packets (&modelled, &udp);
  writer = pf_pcap_writer_new (f->path, NULL);
  assert_non_null (writer);
  assert_true (pf_pcap_writer_write (writer, captured, 0, NULL));
  during = list_dir (f->dir);
  assert_true (g_str_has_prefix (during, ".run.pcap."));    /* the temporary */
  g_object_unref (writer);
  after = list_dir (f->dir);
  assert_string_equal (after, "");
}

static void
test_nonexistent_directory (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  g_autofree char *path = g_build_filename (missing, "run.pcap", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *listing = NULL;
  PfPcapWriter *writer;

  writer = pf_pcap_writer_new (path, &error);
  assert_null (writer);
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  expected = g_strdup_printf ("Could not create the capture file “%s”: %s.",
                              path, g_strerror (ENOENT));
  assert_string_equal (error->message, expected);
  assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  listing = list_dir (f->dir);
  assert_string_equal (listing, "");
}

static void
test_target_is_directory (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  PfPcapWriter *writer;

  writer = pf_pcap_writer_new (f->dir, &error);
  assert_null (writer);
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR));
  assert_non_null (strstr (error->message, f->dir));
}

/* /dev/full: a device, written in place; the error comes at the latest
 * with close, names the file, and no file appears beside it. */
static void
test_dev_full (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPcapWriter) writer = NULL;
  g_autoptr(PfPacket) captured = NULL;
  g_autoptr(PfPacket) modelled = NULL;
  g_autoptr(PfPacket) udp = NULL;
  g_autoptr(GDir) dev = NULL;
  g_autofree char *expected = NULL;
  gboolean ok = TRUE;
  const char *name;

  (void) state;
  captured = make_packets (&modelled, &udp);
  writer = pf_pcap_writer_new ("/dev/full", &error);
  assert_null (error);
  assert_non_null (writer);

  for (guint i = 0; i < 3 && ok; i++)
    ok = pf_pcap_writer_write (writer, captured, 0, &error);
  if (ok)
    ok = pf_pcap_writer_close (writer, &error);

  assert_false (ok);
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC));
  expected = g_strdup_printf ("Could not write the capture to “/dev/full”: %s.",
                              g_strerror (ENOSPC));
  assert_string_equal (error->message, expected);
  assert_true (g_file_test ("/dev/full", G_FILE_TEST_EXISTS));
  assert_false (g_file_test ("/dev/full", G_FILE_TEST_IS_REGULAR));

  dev = g_dir_open ("/dev", 0, NULL);
  assert_non_null (dev);
  while ((name = g_dir_read_name (dev)) != NULL)
    assert_false (g_str_has_prefix (name, ".full."));
}

/* A disk that fills up halfway, simulated with RLIMIT_FSIZE: the error
 * names the file, the temporary file is gone, the old capture stays. */
static void
test_disk_full_midway (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPcapWriter) writer = NULL;
  g_autoptr(PfPacket) big = NULL;
  g_autofree guint8 *payload = g_malloc0 (1000);
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *expected = NULL;
  struct rlimit saved;
  struct rlimit limit;
  void (*saved_handler) (int);
  gboolean ok = TRUE;
  guint written = 0;

  big = pf_packet_new_tcp (LOCALHOST, 1, LOCALHOST, 2, 0, 0, PF_TCP_ACK, 1,
                           payload, 1000);
  assert_true (g_file_set_contents (f->path, "previous capture", -1, NULL));

  assert_int_equal (getrlimit (RLIMIT_FSIZE, &saved), 0);
  limit = saved;
  limit.rlim_cur = 16 * 1024;
  assert_int_equal (setrlimit (RLIMIT_FSIZE, &limit), 0);
  saved_handler = signal (SIGXFSZ, SIG_IGN);

  writer = pf_pcap_writer_new (f->path, &error);
  assert_non_null (writer);
  for (guint i = 0; i < 100 && ok; i++)
    if ((ok = pf_pcap_writer_write (writer, big, i, &error)))
      written++;
  /* 100 records of 1080 bytes cannot fit in 16 KiB: a write fails. */
  assert_false (ok);
  assert_int_equal (pf_pcap_writer_get_n_packets (writer), written);
  expected = g_strdup_printf ("Could not write the capture to “%s”: %s.",
                              f->path, g_strerror (EFBIG));
  assert_string_equal (error->message, expected);

  /* Once failed, it stays failed, and close says so too. */
  g_clear_error (&error);
  assert_false (pf_pcap_writer_write (writer, big, 0, &error));
  assert_string_equal (error->message, expected);
  g_clear_error (&error);
  assert_false (pf_pcap_writer_close (writer, &error));
  assert_string_equal (error->message, expected);

  setrlimit (RLIMIT_FSIZE, &saved);
  signal (SIGXFSZ, saved_handler);

  listing = list_dir (f->dir);
  assert_string_equal (listing, "run.pcap");
  assert_true (g_file_get_contents (f->path, &contents, NULL, NULL));
  assert_string_equal (contents, "previous capture");
}


/* Ethernet: the laptop 10.0.0.2 asks for its gateway 10.0.0.1, which
 * answers; then the laptop's SYN leaves through it. */
static const guint8 mac_gw[6] = { 0x02, 0x50, 0x46, 0x00, 0x01, 0x00 };
static const guint8 mac_laptop[6] = { 0x02, 0x50, 0x46, 0x00, 0x02, 0x00 };

#define TEN_0_0_1 0x0a000001u
#define TEN_0_0_2 0x0a000002u

static GPtrArray *
make_frames (void)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_packet_unref);
  g_autoptr(PfPacket) request = pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, TEN_0_0_2,
                                                   NULL, TEN_0_0_1);
  g_autoptr(GBytes) request_frame = pf_packet_get_frame (request);
  PfPacket *syn = pf_packet_new_tcp (TEN_0_0_2, 40000, TEN_0_0_1, 80, 1000, 0,
                                     PF_TCP_SYN, 64240, NULL, 0);

  /* the request as the wire would have captured it: decoded from bytes */
  g_ptr_array_add (frames, pf_packet_decode_ethernet_bytes (request_frame, NULL));
  g_ptr_array_add (frames, pf_packet_new_arp (PF_ARP_REPLY, mac_gw, TEN_0_0_1,
                                              mac_laptop, TEN_0_0_2));
  pf_packet_set_syn_options (syn, 1460, 7, TRUE, 1, 0);
  syn->ttl = 63;  /* not the default, so the field is seen to be read */
  pf_packet_update_lengths (syn);
  pf_packet_set_ethernet (syn, mac_laptop, mac_gw);
  g_ptr_array_add (frames, syn);
  for (guint i = 0; i < frames->len; i++)
    assert_non_null (frames->pdata[i]);
  return frames;
}

static char *
find_tshark (void)
{
  char *tshark = g_find_program_in_path ("tshark");

  if (tshark == NULL && g_file_test ("/usr/bin/tshark", G_FILE_TEST_IS_EXECUTABLE))
    tshark = g_strdup ("/usr/bin/tshark");
  if (tshark == NULL)
    fail_msg ("tshark is not installed (package tshark); this test needs it");
  return tshark;
}

/* A run whose packets carry Ethernet is LINKTYPE_ETHERNET, each record
 * its whole frame, and tshark reads the Ethernet, ARP and IPv4 fields
 * and says what pf-packet-info says. */
static void
test_ethernet_read_by_tshark (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPcapWriter) writer = NULL;
  g_autoptr(GPtrArray) frames = make_frames ();
  g_autofree char *tshark = find_tshark ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  const gint64 t0 = G_GINT64_CONSTANT (1700000000000000);
  const char *argv[] = {
    tshark, "-n", "-r", f->path, "-T", "fields", "-E", "separator=|",
    "-e", "eth.src", "-e", "eth.dst", "-e", "arp.opcode", "-e", "arp.src.proto_ipv4",
    "-e", "arp.dst.proto_ipv4", "-e", "ip.ttl", "-e", "_ws.col.Protocol",
    "-e", "_ws.col.Info", NULL,
  };
  const char *expected[] = {
    "02:50:46:00:02:00|ff:ff:ff:ff:ff:ff|1|10.0.0.2|10.0.0.1||ARP|",
    "02:50:46:00:01:00|02:50:46:00:02:00|2|10.0.0.1|10.0.0.2||ARP|",
    "02:50:46:00:02:00|02:50:46:00:01:00||||63|TCP|",
  };
  int status = -1;
  pcap_t *pcap;

  (void) state;
  writer = pf_pcap_writer_new (f->path, &error);
  assert_null (error);
  for (guint i = 0; i < frames->len; i++)
    if (!pf_pcap_writer_write (writer, frames->pdata[i], t0 + i * 1000, &error))
      fail_msg ("frame %u: %s", i, error->message);
  assert_true (pf_pcap_writer_get_ethernet (writer));
  assert_true (pf_pcap_writer_close (writer, &error));

  pcap = pcap_open_offline (f->path, errbuf);
  if (pcap == NULL)
    fail_msg ("pcap_open_offline: %s", errbuf);
  assert_int_equal (pcap_datalink (pcap), DLT_EN10MB);
  for (guint i = 0; i < frames->len; i++)
    {
      g_autoptr(GBytes) frame = pf_packet_get_frame (frames->pdata[i]);

      assert_next_record (pcap, t0 + i * 1000, frame);
    }
  pcap_close (pcap);

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &error))
    fail_msg ("tshark: %s", error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("tshark -r %s failed: %s", f->path, err);
  lines = g_strsplit (g_strchomp (out), "\n", -1);
  assert_int_equal (g_strv_length (lines), frames->len);
  for (guint i = 0; i < frames->len; i++)
    {
      g_autofree char *info = pf_packet_describe (frames->pdata[i]);
      g_autofree char *line = NULL;

      /* TCP's words are tshark's own ("40000 → 80 [SYN] Seq=0 Win=…",
       * relative); ARP's must be ours exactly. */
      if (pf_packet_get_kind (frames->pdata[i]) == PF_PACKET_KIND_ARP)
        line = g_strconcat (expected[i], info, NULL);
      else
        line = g_strconcat (expected[i], strrchr (lines[i], '|') + 1, NULL);
      assert_string_equal (lines[i], line);
    }
  assert_string_equal (strrchr (lines[0], '|') + 1, "Who has 10.0.0.1? Tell 10.0.0.2");
  assert_string_equal (strrchr (lines[1], '|') + 1, "10.0.0.1 is at 02:50:46:00:01:00");
  assert_true (g_str_has_prefix (strrchr (lines[2], '|') + 1, "40000 → 80 [SYN]"));
}

/* One file, one link type: a packet of the other kind is refused and
 * the file keeps what it had; a file of no packet is RAW. */
static void
test_one_link_type (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPcapWriter) writer = NULL;
  g_autoptr(PfPcapWriter) raw_writer = NULL;
  g_autoptr(PfPcapWriter) empty_writer = NULL;
  g_autoptr(GPtrArray) frames = make_frames ();
  g_autoptr(PfPacket) modelled = NULL;
  g_autoptr(PfPacket) udp = NULL;
  g_autoptr(PfPacket) captured = make_packets (&modelled, &udp);
  g_autofree char *raw_path = g_build_filename (f->dir, "raw.pcap", NULL);
  g_autofree char *empty_path = g_build_filename (f->dir, "empty.pcap", NULL);
  g_autofree char *expected = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  struct pcap_pkthdr *header;
  const u_char *data;
  pcap_t *pcap;

  writer = pf_pcap_writer_new (f->path, &error);
  assert_true (pf_pcap_writer_write (writer, frames->pdata[0], 0, &error));
  assert_false (pf_pcap_writer_write (writer, captured, 1, &error));
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_INVAL));
  expected = g_strdup_printf ("Could not write packet 2 to the capture “%s”: it is an IPv4 "
                              "datagram without Ethernet, but the capture holds Ethernet "
                              "frames, and one file has one link type.", f->path);
  assert_string_equal (error->message, expected);
  g_clear_error (&error);
  assert_true (pf_pcap_writer_write (writer, frames->pdata[1], 2, &error));
  assert_int_equal (pf_pcap_writer_get_n_packets (writer), 2);
  assert_true (pf_pcap_writer_close (writer, &error));

  raw_writer = pf_pcap_writer_new (raw_path, &error);
  assert_true (pf_pcap_writer_write (raw_writer, captured, 0, &error));
  assert_false (pf_pcap_writer_get_ethernet (raw_writer));
  assert_false (pf_pcap_writer_write (raw_writer, frames->pdata[2], 1, &error));
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_INVAL));
  assert_non_null (strstr (error->message, "it is an Ethernet frame, but the capture holds "
                                           "IPv4 datagrams without Ethernet"));
  g_clear_error (&error);
  assert_true (pf_pcap_writer_close (raw_writer, &error));

  empty_writer = pf_pcap_writer_new (empty_path, &error);
  assert_true (pf_pcap_writer_close (empty_writer, &error));

  pcap = pcap_open_offline (f->path, errbuf);
  assert_non_null (pcap);
  assert_int_equal (pcap_datalink (pcap), DLT_EN10MB);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), 1);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), 1);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), PCAP_ERROR_BREAK);
  pcap_close (pcap);

  pcap = pcap_open_offline (raw_path, errbuf);
  assert_non_null (pcap);
  assert_int_equal (pcap_datalink (pcap), DLT_RAW);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), 1);
  assert_int_equal (header->caplen, sizeof lo_data);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), PCAP_ERROR_BREAK);
  pcap_close (pcap);

  pcap = pcap_open_offline (empty_path, errbuf);
  assert_non_null (pcap);
  assert_int_equal (pcap_datalink (pcap), DLT_RAW);
  assert_int_equal (pcap_next_ex (pcap, &header, &data), PCAP_ERROR_BREAK);
  pcap_close (pcap);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_write_and_read_back, setup, teardown),
    cmocka_unit_test_setup_teardown (test_replaces_existing_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unref_without_close, setup, teardown),
    cmocka_unit_test_setup_teardown (test_nonexistent_directory, setup, teardown),
    cmocka_unit_test_setup_teardown (test_target_is_directory, setup, teardown),
    cmocka_unit_test (test_dev_full),
    cmocka_unit_test_setup_teardown (test_disk_full_midway, setup, teardown),
    cmocka_unit_test_setup_teardown (test_ethernet_read_by_tshark, setup, teardown),
    cmocka_unit_test_setup_teardown (test_one_link_type, setup, teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
