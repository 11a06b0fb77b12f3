/*
 * test_view.c - showing a stored mail: decoded headers, the text body in
 * UTF-8, attachments with the right names, parts as their exact bytes, the
 * whole mail byte for byte, and no crash on any mail of the corpus.
 */
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "message.h"
#include "prefs.h"
#include "util.h"
#include "view.h"
#include "testutil.h"

static struct wm_view *
view_of(const char *mail)
{
	struct wm_err err;
	struct wm_view *v = wm_view_parse(mail, strlen(mail), &err);

	ck_assert_msg(v != NULL, "%s", err.msg);
	return v;
}

/* The attachment list of a mail with one part carrying these headers. */
static char *
name_of(const char *part_headers)
{
	struct wm_view *v;
	const struct wm_attachment *a;
	size_t n;
	char *mail, *name;

	mail = wm_asprintf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nbody\n"
	    "--b\n%s\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--b--\n",
	    part_headers);
	v = view_of(mail);
	a = wm_view_attachments(v, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(a[0].part, 2);
	name = strdup(a[0].filename);
	wm_view_free(v);
	free(mail);
	return name;
}

#define ck_name(hdrs, want) do { \
	char *got_ = name_of(hdrs); \
	ck_assert_str_eq(got_, (want)); \
	free(got_); \
} while (0)

START_TEST(test_rfc2231_filenames_decode_to_utf8)
{
	ck_name("Content-Type: application/pdf\nContent-Disposition: attachment;"
	    " filename*=UTF-8''%E2%82%AC%20rates.pdf", "\xe2\x82\xac rates.pdf");
	ck_name("Content-Type: text/plain\nContent-Disposition: attachment;\n"
	    " filename*0*=iso-8859-1'de'Gr%FC;\n filename*1*=%DFe.txt",
	    "Gr\xc3\xbc\xc3\x9f" "e.txt");
	ck_name("Content-Type: application/octet-stream;\n"
	    " name*=utf-8''%E6%97%A5%E6%9C%AC.doc", "\xe6\x97\xa5\xe6\x9c\xac.doc");
}
END_TEST

START_TEST(test_rfc2047_filenames_decode_to_utf8)
{
	ck_name("Content-Type: text/plain\nContent-Disposition: attachment;"
	    " filename=\"=?UTF-8?B?w6TDtsO8LnR4dA==?=\"", "\xc3\xa4\xc3\xb6\xc3\xbc.txt");
	ck_name("Content-Type: application/msword;"
	    " name=\"=?ISO-8859-1?Q?R=E9sum=E9=2Edoc?=\"",
	    "R\xc3\xa9sum\xc3\xa9.doc");
}
END_TEST

START_TEST(test_filenames_are_safe_and_never_empty)
{
	ck_name("Content-Type: text/plain\nContent-Disposition: attachment;"
	    " filename=\"../../etc/passwd\"", "passwd");
	ck_name("Content-Type: text/plain\nContent-Disposition: attachment;"
	    " filename=\"C:\\\\Users\\\\x\\\\report.doc\"", "report.doc");
	ck_name("Content-Type: application/pdf\nContent-Disposition: attachment;"
	    " filename=\"\"", "part-2.pdf");
	ck_name("Content-Type: image/png\nContent-Disposition: attachment;"
	    " filename=\"..\"", "part-2.png");
	ck_name("Content-Type: application/octet-stream\nContent-Disposition:"
	    " attachment; filename=\".bashrc\"", "bashrc");
	ck_name("Content-Type: application/x-foo\nContent-Disposition:"
	    " attachment", "part-2.bin");
	/* U+202E would show "evil\xe2\x80\xaetxt.exe" as "evilexe.txt". */
	ck_name("Content-Type: application/octet-stream\nContent-Disposition:"
	    " attachment; filename*=UTF-8''evil%E2%80%AEtxt.exe", "eviltxt.exe");
	ck_name("Content-Type: application/octet-stream\nContent-Disposition:"
	    " attachment; filename=\"a:b|c?.txt\"", "a_b_c_.txt");
}
END_TEST

START_TEST(test_safe_filename_rules)
{
	char *s;

	s = wm_view_safe_filename(NULL, "fallback.bin");
	ck_assert_str_eq(s, "fallback.bin");
	free(s);
	s = wm_view_safe_filename("dir/", "x");
	ck_assert_str_eq(s, "dir_");
	free(s);
	s = wm_view_safe_filename("a\r\nb\x01\x7f.txt", "x");
	ck_assert_str_eq(s, "ab.txt");
	free(s);
	s = wm_view_safe_filename("bad\xff\xfe.txt", "x");
	ck_assert(g_utf8_validate(s, -1, NULL));
	ck_assert(strstr(s, ".txt") != NULL);
	free(s);
	s = wm_view_safe_filename(" . ", "x");
	ck_assert_str_eq(s, "x");
	free(s);
}
END_TEST

START_TEST(test_disposition_value_is_safe)
{
	char *d;

	d = wm_view_disposition("\xe2\x82\xac \"q\" 100%.pdf");
	ck_assert_str_eq(d, "attachment; filename=\"_ _q_ 100_.pdf\"; "
	    "filename*=UTF-8''%E2%82%AC%20_q_%20100%25.pdf");
	free(d);
	d = wm_view_disposition("dir\\x.pdf");
	ck_assert_str_eq(d, "attachment; filename=\"x.pdf\"; "
	    "filename*=UTF-8''x.pdf");
	free(d);
	d = wm_view_disposition("a\r\nContent-Type: text/html\r\n\r\n<script>.txt");
	ck_assert(strpbrk(d, "\r\n") == NULL);
	ck_assert(strncmp(d, "attachment; filename=\"", 22) == 0);
	/* exactly two quotes: the ones around the fallback */
	ck_assert_ptr_eq(strchr(strchr(strchr(d, '"') + 1, '"') + 1, '"'), NULL);
	free(d);
	d = wm_view_disposition("");
	ck_assert_str_eq(d, "attachment; filename=\"attachment\"; "
	    "filename*=UTF-8''attachment");
	free(d);
}
END_TEST

START_TEST(test_headers_decoded_to_utf8)
{
	struct wm_view *v = view_of(
	    "From: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.com>\n"
	    "To: bob@example.com, \"Carol, C.\" <carol@example.com>\n"
	    "Cc: =?UTF-8?B?w4lsb2TDrWU=?= <elo@example.com>\n"
	    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus\n =?UTF-8?Q?K=C3=B6ln?=\n"
	    "Date: Tue, 01 Jun 2027 10:00:00 +0000\n"
	    "Message-ID: <abc@example.com>\n"
	    "X-Raw: caf\xc3\xa9\n\nbody\n");
	const struct wm_view_headers *h = wm_view_headers(v);

	ck_assert_str_eq(h->from, "J\xc3\xb6rg <joerg@example.com>");
	ck_assert(strstr(h->to, "bob@example.com") != NULL);
	ck_assert(strstr(h->to, "\"Carol, C.\" <carol@example.com>") != NULL);
	ck_assert_str_eq(h->cc, "\xc3\x89lod\xc3\xad" "e <elo@example.com>");
	ck_assert_str_eq(h->subject, "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln");
	ck_assert_str_eq(h->message_id, "abc@example.com");
	ck_assert_int_eq((long)h->date_t, 1811844000L);
	ck_assert_str_eq(h->reply_to, "");
	ck_assert_str_eq(wm_view_header(v, "X-Raw"), "caf\xc3\xa9");
	ck_assert_ptr_null(wm_view_header(v, "X-Missing"));
	wm_view_free(v);
}
END_TEST

START_TEST(test_text_body_converted_to_utf8)
{
	struct wm_view *v = view_of("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 cr=E8me\n");

	ck_assert_str_eq(wm_view_text(v), "caf\xc3\xa9 cr\xc3\xa8me\n");
	wm_view_free(v);
	v = view_of("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=koi8-r\n"
	    "Content-Transfer-Encoding: 8bit\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n");
	ck_assert_str_eq(wm_view_text(v), "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	    "\xd0\xb5\xd1\x82\n");
	wm_view_free(v);
}
END_TEST

START_TEST(test_unknown_charset_does_not_fail)
{
	struct wm_view *v;

	v = view_of("Subject: x\nContent-Type: text/plain; charset=x-martian\n\n"
	    "caf\xc3\xa9\n");
	ck_assert_str_eq(wm_view_text(v), "caf\xc3\xa9\n");
	wm_view_free(v);
	v = view_of("Subject: x\nContent-Type: text/plain; charset=x-martian\n\n"
	    "caf\xe9\n");
	ck_assert_str_eq(wm_view_text(v), "caf\xc3\xa9\n");
	wm_view_free(v);
	/* Declared UTF-8 with a broken byte and a NUL: U+FFFD, never a cut. */
	v = view_of("Subject: x\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\nYQBi/2M=\n");
	ck_assert_str_eq(wm_view_text(v), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	wm_view_free(v);
	/* Bytes that ISO-2022-JP cannot hold. */
	v = view_of("Subject: x\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
	    "ok \x8a\x8b end\n");
	ck_assert(g_utf8_validate(wm_view_text(v), -1, NULL));
	ck_assert(strstr(wm_view_text(v), "ok ") != NULL);
	ck_assert(strstr(wm_view_text(v), " end") != NULL);
	wm_view_free(v);
}
END_TEST

START_TEST(test_part_extraction_returns_exact_bytes)
{
	unsigned char bin[256 * 4];
	struct wm_buf b;
	struct wm_err err;
	struct wm_view *v;
	const struct wm_attachment *a;
	const char *type, *name;
	gchar *b64;
	char *mail;
	size_t i, n;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + i / 256);
	b64 = g_base64_encode(bin, sizeof(bin));
	mail = wm_asprintf("From: a@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain; charset=utf-8\n\nhello\n"
	    "--b\nContent-Type: application/octet-stream; name=\"data.bin\"\n"
	    "Content-Disposition: attachment; filename=\"data.bin\"\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n"
	    "--b\nContent-Type: text/csv; charset=iso-8859-1\n"
	    "Content-Disposition: attachment; filename=\"t.csv\"\n"
	    "Content-Transfer-Encoding: quoted-printable\n\na;=E9\n--b--\n", b64);
	g_free(b64);
	v = view_of(mail);
	ck_assert_str_eq(wm_view_text(v), "hello");
	a = wm_view_attachments(v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(a[0].filename, "data.bin");
	ck_assert_str_eq(a[0].content_type, "application/octet-stream");
	ck_assert_uint_eq(a[0].size, sizeof(bin));
	wm_buf_init(&b);
	ck_assert_int_eq(wm_view_part(v, a[0].part, &b, &type, &name, &err), 0);
	ck_assert_uint_eq(b.len, sizeof(bin));
	ck_assert(memcmp(b.data, bin, sizeof(bin)) == 0);
	ck_assert_str_eq(type, "application/octet-stream");
	ck_assert_str_eq(name, "data.bin");
	wm_buf_free(&b);
	ck_assert_int_eq(wm_view_part(v, a[1].part, &b, &type, NULL, &err), 0);
	ck_assert_str_eq(b.data, "a;\xe9");
	ck_assert_str_eq(type, "text/csv; charset=iso-8859-1");
	wm_buf_free(&b);
	ck_assert_int_eq(wm_view_part(v, 99, &b, NULL, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	ck_assert_int_eq(wm_view_part(v, 0, &b, NULL, NULL, &err), -1);
	wm_buf_free(&b);
	wm_view_free(v);
	free(mail);
}
END_TEST

START_TEST(test_html_body_sanitised_with_cid_image_inlined)
{
	struct wm_view *v = view_of("From: a@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=\"a\"\n\n"
	    "--a\nContent-Type: text/plain\n\nplain version\n"
	    "--a\nContent-Type: multipart/related; boundary=\"r\"\n\n"
	    "--r\nContent-Type: text/html; charset=iso-8859-1\n\n"
	    "<p onclick=x()>caf\xe9</p><script>alert(1)</script>"
	    "<img src=\"cid:logo@x\" alt=logo><img src=\"https://t.example/p.gif\">\n"
	    "--r\nContent-Type: image/png\nContent-ID: <logo@x>\n"
	    "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--r--\n--a--\n");
	struct wm_buf b;
	struct wm_err err;
	const struct wm_attachment *a;
	size_t n;
	int blocked = 0;

	ck_assert_str_eq(wm_view_text(v), "plain version");
	ck_assert(wm_view_has_html(v));
	wm_buf_init(&b);
	ck_assert_int_eq(wm_view_html(v, &b, &blocked, &err), 0);
	ck_assert(strstr(b.data, "<p>caf\xc3\xa9</p>") != NULL);
	ck_assert(strstr(b.data, "alert") == NULL);
	ck_assert(strstr(b.data, "onclick") == NULL);
	ck_assert(strstr(b.data, "t.example") == NULL);
	ck_assert(strstr(b.data, "<img src=\"data:image/png;base64,iVBORw0KGgo=\" "
	    "alt=\"logo\">") != NULL);
	ck_assert_int_eq(blocked, 1);
	wm_buf_free(&b);
	a = wm_view_attachments(v, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert(a[0].is_inline);
	wm_view_free(v);

	v = view_of("Subject: x\n\nno html\n");
	wm_buf_init(&b);
	ck_assert_int_eq(wm_view_html(v, &b, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	wm_buf_free(&b);
	wm_view_free(v);
}
END_TEST

START_TEST(test_mbox_from_line_and_unparsable_mail)
{
	struct wm_view *v = view_of("From alice@example.com Mon Jan  1 00:00:00 2027\n"
	    "From: alice@example.com\nSubject: hi\n\nbody\n");
	size_t len;

	ck_assert_str_eq(wm_view_headers(v)->subject, "hi");
	ck_assert_str_eq(wm_view_headers(v)->from, "alice@example.com");
	ck_assert_str_eq(wm_view_eml_filename(v), "hi.eml");
	wm_view_free(v);
	v = view_of("");
	ck_assert_str_eq(wm_view_headers(v)->subject, "");
	ck_assert_str_eq(wm_view_eml_filename(v), "message.eml");
	ck_assert(wm_view_raw(v, &len) != NULL);
	ck_assert_uint_eq(len, 0);
	wm_view_free(v);
}
END_TEST

START_TEST(test_open_message_refuses_paths_outside_maildir)
{
	struct wm_message m = { 0 };
	struct wm_err err;
	static char *const bad[] = { "../x", "new/../../x", "new/", "tmp/x",
	    "new/.hidden", "/etc/passwd", NULL };
	size_t i;

	m.mailbox = "bob@example.com";
	for (i = 0; bad[i] != NULL; i++) {
		m.file = bad[i];
		ck_assert_ptr_null(wm_view_open_message("/nonexistent", &m, &err));
		ck_assert_int_eq(err.code, EX_DATAERR);
	}
	m.file = "new/123.abc";
	ck_assert_ptr_null(wm_view_open_message("/nonexistent", &m, &err));
	ck_assert_int_eq(err.code, EX_NOINPUT);
}
END_TEST

START_TEST(test_read_receipt_decision)
{
	struct wm_message m = { 0 };

	m.folder = "inbox";
	ck_assert(!wm_view_receipt_due(&m));
	m.read_receipt = 1;
	ck_assert(wm_view_receipt_due(&m));
	m.receipt_sent = 1;
	ck_assert(!wm_view_receipt_due(&m));
	m.receipt_sent = 0;
	m.folder = "sent";
	ck_assert(!wm_view_receipt_due(&m));
	ck_assert(!wm_view_receipt_due(NULL));
}
END_TEST

/* ---- marking read, with a database and a stand-in sendmail ---- */

static char		*dir;
static struct wm_db	*db;
static struct wm_config	*cfg;

static void
pref(const char *name, const char *value)
{
	struct wm_err err;

	ck_assert_msg(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, name, value, &err) ==
	    0, "%s: %s", name, err.msg);
}

static void
setup(void)
{
	char top[PATH_MAX], *path, *script;

	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	cfg = wm_config_new(dir);
	ck_assert_ptr_nonnull(realpath(".", top));
	path = wm_asprintf("%s/templates", top);
	wm_config_set(cfg, "paths", "templates", path);
	free(path);
	/* Each submission appends one line: counting lines counts mails. */
	path = wm_asprintf("%s/sendmail", dir);
	script = wm_asprintf("#!/bin/sh\ncat >/dev/null\necho \"$*\" >>'%s/calls'\n",
	    dir);
	wm_test_write(path, script);
	chmod(path, 0755);
	wm_config_set(cfg, "commands", "sendmail", path);
	free(script);
	free(path);
	pref("server-secret", "serversecret0123456789");
	pref("system-mail-secret", "systemsecret0123456789");
	pref("notification-sender", "notify@wm.example");
	pref("postmaster", "pm@wm.example");
	pref("portal-base-url", "https://wm.example/");
}

static void
teardown(void)
{
	wm_config_free(cfg);
	wm_db_close(db);
	wm_test_rmdir(dir);
}

static int
sendmail_calls(void)
{
	char *path = wm_asprintf("%s/calls", dir), line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	free(path);
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n;
}

static long long
indexed(const char *key, int receipt)
{
	struct wm_message m = { 0 };
	struct wm_err err;

	m.mailbox = "bob@example.com";
	m.folder = "inbox";
	m.file = "new/1.x";
	m.delivery_key = (char *)key;
	m.envelope_sender = "alice@corp.example";
	m.from_addr = "Alice <alice@corp.example>";
	m.subject = "figures";
	m.message_id = "m1@corp.example";
	m.read_receipt = receipt;
	ck_assert_msg(wm_message_insert(db, &m, &err) == 0, "%s", err.msg);
	return m.id;
}

START_TEST(test_mark_read_sends_requested_receipt_once)
{
	struct wm_message *m;
	struct wm_err err;
	long long id = indexed("k1", 1);

	m = wm_message_get(db, "bob@example.com", id, &err);
	ck_assert_ptr_nonnull(m);
	ck_assert(wm_view_receipt_due(m));
	ck_assert_msg(wm_view_mark_read(cfg, db, m, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sendmail_calls(), 1);
	wm_message_free(m);
	m = wm_message_get(db, "bob@example.com", id, &err);
	ck_assert(m->seen);
	ck_assert(m->receipt_sent);
	ck_assert(!wm_view_receipt_due(m));
	ck_assert_int_eq(wm_view_mark_read(cfg, db, m, &err), 0);
	ck_assert_int_eq(sendmail_calls(), 1);
	wm_message_free(m);
}
END_TEST

START_TEST(test_mark_read_without_request_sends_nothing)
{
	struct wm_message *m;
	struct wm_err err;
	long long id = indexed("k2", 0);

	m = wm_message_get(db, "bob@example.com", id, &err);
	ck_assert_int_eq(wm_view_mark_read(cfg, db, m, &err), 0);
	wm_message_free(m);
	m = wm_message_get(db, "bob@example.com", id, &err);
	ck_assert(m->seen);
	ck_assert(!m->receipt_sent);
	ck_assert_int_eq(sendmail_calls(), 0);
	wm_message_free(m);
}
END_TEST

static const char *
corpus_dir(void)
{
	const char *d = getenv("WM_CORPUS");

	return d != NULL ? d : "../shared/corpus/mime";
}

/* Everything the portal does with a mail, on one corpus file. */
static int
check_corpus_file(const char *path)
{
	struct wm_view *v;
	struct wm_buf file, b;
	struct wm_err err;
	const struct wm_attachment *a;
	const struct wm_view_headers *h;
	const void *raw;
	size_t n, i, len;
	int has_html = 0;

	wm_buf_init(&file);
	ck_assert_int_eq(wm_read_file(path, 64 << 20, &file, &err), 0);
	v = wm_view_open(path, 0, &err);
	ck_assert_msg(v != NULL, "%s: %s", path, err.msg);
	raw = wm_view_raw(v, &len);
	ck_assert_msg(len == file.len && memcmp(raw, file.data, len) == 0,
	    "%s: .eml bytes differ", path);
	h = wm_view_headers(v);
	ck_assert_msg(g_utf8_validate(h->from, -1, NULL) &&
	    g_utf8_validate(h->to, -1, NULL) &&
	    g_utf8_validate(h->subject, -1, NULL), "%s: headers", path);
	if (wm_view_text(v) != NULL)
		ck_assert_msg(g_utf8_validate(wm_view_text(v), -1, NULL),
		    "%s: text not UTF-8", path);
	a = wm_view_attachments(v, &n);
	for (i = 0; i < n; i++) {
		const char *type;
		char *d;

		ck_assert_msg(*a[i].filename != '\0', "%s: empty name", path);
		ck_assert_msg(strpbrk(a[i].filename, "/\\\r\n") == NULL,
		    "%s: unsafe name %s", path, a[i].filename);
		ck_assert_msg(g_utf8_validate(a[i].filename, -1, NULL),
		    "%s: name not UTF-8", path);
		wm_buf_init(&b);
		ck_assert_int_eq(wm_view_part(v, a[i].part, &b, &type, NULL,
		    &err), 0);
		ck_assert_uint_eq(b.len, a[i].size);
		ck_assert(strpbrk(type, "\r\n\"") == NULL);
		wm_buf_free(&b);
		d = wm_view_disposition(a[i].filename);
		ck_assert(strpbrk(d, "\r\n") == NULL);
		free(d);
	}
	if (wm_view_has_html(v)) {
		has_html = 1;
		wm_buf_init(&b);
		ck_assert_int_eq(wm_view_html(v, &b, NULL, &err), 0);
		ck_assert_msg(strcasestr(b.data, "<script") == NULL, "%s", path);
		ck_assert_msg(g_utf8_validate(b.data, (gssize)b.len, NULL),
		    "%s: html not UTF-8", path);
		wm_buf_free(&b);
	}
	wm_buf_free(&file);
	wm_view_free(v);
	return has_html;
}

START_TEST(test_every_corpus_message_is_shown)
{
	DIR *d = opendir(corpus_dir());
	struct dirent *e;
	int files = 0, html = 0;

	ck_assert_msg(d != NULL, "corpus %s missing", corpus_dir());
	while ((e = readdir(d)) != NULL) {
		char *path;

		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0 ||
		    strcmp(e->d_name, "manifest.json") == 0)
			continue;
		path = wm_asprintf("%s/%s", corpus_dir(), e->d_name);
		html += check_corpus_file(path);
		files++;
		free(path);
	}
	closedir(d);
	ck_assert_int_ge(files, 130);
	ck_assert_int_ge(html, 20);
}
END_TEST

/* Details of the corpus that a careless decoder gets wrong. */
START_TEST(test_corpus_names_and_texts)
{
	struct wm_err err;
	struct wm_view *v;
	const struct wm_attachment *a;
	char *path;
	size_t n;

	path = wm_asprintf("%s/ruby-mail-japanese_attachment_long_name.eml",
	    corpus_dir());
	v = wm_view_open(path, 0, &err);
	ck_assert_ptr_nonnull(v);
	a = wm_view_attachments(v, &n);
	ck_assert_uint_ge(n, 1);
	{
		/* RFC 2231 continuations: "kakikukeko" five times, in kana. */
		const char *kana = "\xe3\x81\x8b\xe3\x81\x8d\xe3\x81\x8f"
		    "\xe3\x81\x91\xe3\x81\x93";
		char *want = wm_asprintf("%s%s%s%s%s.txt", kana, kana, kana,
		    kana, kana);

		ck_assert_str_eq(a[n - 1].filename, want);
		free(want);
	}
	wm_view_free(v);
	free(path);

	path = wm_asprintf("%s/mime4j-russian-headers.msg", corpus_dir());
	v = wm_view_open(path, 0, &err);
	ck_assert_ptr_nonnull(v);
	/* A koi8-r RFC 2047 word, unquoted, on a single-part mail. */
	a = wm_view_attachments(v, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].filename, "\xd0\xa1\xd0\xbf\xd0\xb8\xd1\x81"
	    "\xd0\xbe\xd0\xba.doc");
	ck_assert_ptr_null(wm_view_text(v));
	wm_view_free(v);
	free(path);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("view");

	WM_TEST_F(s, test_rfc2231_filenames_decode_to_utf8, setup, teardown);
	WM_TEST_F(s, test_rfc2047_filenames_decode_to_utf8, setup, teardown);
	WM_TEST_F(s, test_filenames_are_safe_and_never_empty, setup, teardown);
	WM_TEST_F(s, test_safe_filename_rules, setup, teardown);
	WM_TEST_F(s, test_disposition_value_is_safe, setup, teardown);
	WM_TEST_F(s, test_headers_decoded_to_utf8, setup, teardown);
	WM_TEST_F(s, test_text_body_converted_to_utf8, setup, teardown);
	WM_TEST_F(s, test_unknown_charset_does_not_fail, setup, teardown);
	WM_TEST_F(s, test_part_extraction_returns_exact_bytes, setup, teardown);
	WM_TEST_F(s, test_html_body_sanitised_with_cid_image_inlined, setup, teardown);
	WM_TEST_F(s, test_mbox_from_line_and_unparsable_mail, setup, teardown);
	WM_TEST_F(s, test_open_message_refuses_paths_outside_maildir, setup, teardown);
	WM_TEST_F(s, test_read_receipt_decision, setup, teardown);
	WM_TEST_F(s, test_every_corpus_message_is_shown, setup, teardown);
	WM_TEST_F(s, test_corpus_names_and_texts, setup, teardown);
	WM_TEST_F(s, test_mark_read_sends_requested_receipt_once, setup, teardown);
	WM_TEST_F(s, test_mark_read_without_request_sends_nothing, setup, teardown);
	return s;
}
