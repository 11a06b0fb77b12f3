/*
 * test_compose.c - mail written in the portal: replies thread correctly,
 * reply-all leaves the user out, typed header fields cannot inject headers,
 * attachments keep their bytes and names and respect max-attachment-size,
 * and sending goes through sendmail and leaves a copy in Sent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "compose.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "message.h"
#include "prefs.h"
#include "util.h"
#include "view.h"
#include "testutil.h"

#define USER	"bob@example.com"

static char		*dir;
static struct wm_db	*db;
static struct wm_config	*cfg;

static const char original[] =
    "From: Alice Example <alice@corp.example>\n"
    "To: Bob <bob@example.com>, carol@other.example\n"
    "Cc: \"Dave, D.\" <dave@corp.example>, BOB@example.com\n"
    "Subject: Quarterly figures\n"
    "Date: Tue, 01 Jun 2027 10:00:00 +0000\n"
    "Message-ID: <orig-2@corp.example>\n"
    "In-Reply-To: <orig-1@corp.example>\n"
    "References: <orig-0@corp.example> <orig-1@corp.example>\n"
    "\n"
    "Here they are.\n> earlier\n";

static struct wm_view *
view_of(const char *mail)
{
	struct wm_err err;
	struct wm_view *v = wm_view_parse(mail, strlen(mail), &err);

	ck_assert_msg(v != NULL, "%s", err.msg);
	return v;
}

static struct wm_compose *
compose(void)
{
	struct wm_err err;
	struct wm_compose *c = wm_compose_new(USER, &err);

	ck_assert_msg(c != NULL, "%s", err.msg);
	return c;
}

static struct wm_compose *
reply_to(const char *mail, int all)
{
	struct wm_err err;
	struct wm_view *v = view_of(mail);
	struct wm_compose *c = compose();

	ck_assert_msg(wm_compose_reply(c, v, all, &err) == 0, "%s", err.msg);
	wm_view_free(v);
	return c;
}

/* Builds c and parses the result back with GMime (through view.c). */
static struct wm_view *
built(struct wm_compose *c, struct wm_buf *raw)
{
	struct wm_err err;
	struct wm_view *v;

	wm_buf_init(raw);
	ck_assert_msg(wm_compose_build(c, raw, &err) == 0, "%s", err.msg);
	v = wm_view_parse(raw->data, raw->len, &err);
	ck_assert_ptr_nonnull(v);
	return v;
}

/* The header block of a built mail, for checks on the encoded form. */
static char *
head_of(const struct wm_buf *raw)
{
	const char *end = strstr(raw->data, "\n\n");

	ck_assert_ptr_nonnull(end);
	return strndup(raw->data, (size_t)(end - raw->data) + 1);
}

START_TEST(test_reply_threads_and_answers_the_sender)
{
	struct wm_compose *c = reply_to(original, 0);
	struct wm_buf raw;
	struct wm_view *v;
	const char *const *r;

	ck_assert_str_eq(wm_compose_to(c), "Alice Example <alice@corp.example>");
	ck_assert_str_eq(wm_compose_cc(c), "");
	ck_assert_str_eq(wm_compose_subject(c), "Re: Quarterly figures");
	ck_assert(wm_compose_is_reply(c));
	ck_assert(strstr(wm_compose_body(c), "> Here they are.\n>> earlier\n") !=
	    NULL);
	r = wm_compose_recipients(c);
	ck_assert_str_eq(r[0], "alice@corp.example");
	ck_assert_ptr_null(r[1]);
	v = built(c, &raw);
	ck_assert_str_eq(wm_view_header(v, "In-Reply-To"), "<orig-2@corp.example>");
	ck_assert_str_eq(wm_view_header(v, "References"), "<orig-0@corp.example> "
	    "<orig-1@corp.example> <orig-2@corp.example>");
	ck_assert_str_eq(wm_view_headers(v)->from, USER);
	ck_assert_str_eq(wm_view_headers(v)->subject, "Re: Quarterly figures");
	ck_assert(*wm_view_headers(v)->message_id != '\0');
	ck_assert(strstr(wm_view_headers(v)->message_id, "@example.com") != NULL);
	ck_assert(wm_view_headers(v)->date_t != 0);
	wm_view_free(v);
	wm_buf_free(&raw);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_reply_prefix_added_once)
{
	struct wm_compose *c = reply_to("From: a@corp.example\n"
	    "Subject: RE: Quarterly figures\nMessage-ID: <x@y>\n\nb\n", 0);

	ck_assert_str_eq(wm_compose_subject(c), "RE: Quarterly figures");
	wm_compose_free(c);
	c = reply_to("From: a@corp.example\nSubject: re: x\n\nb\n", 0);
	ck_assert_str_eq(wm_compose_subject(c), "re: x");
	wm_compose_free(c);
	c = reply_to("From: a@corp.example\nSubject: Regarding x\n\nb\n", 0);
	ck_assert_str_eq(wm_compose_subject(c), "Re: Regarding x");
	wm_compose_free(c);
}
END_TEST

START_TEST(test_reply_goes_to_reply_to_when_set)
{
	struct wm_compose *c = reply_to("From: a@corp.example\n"
	    "Reply-To: List <list@corp.example>\nSubject: s\n\nb\n", 0);

	ck_assert_str_eq(wm_compose_to(c), "List <list@corp.example>");
	wm_compose_free(c);
}
END_TEST

START_TEST(test_reply_to_own_sent_mail_goes_to_its_recipients)
{
	struct wm_compose *c = reply_to("From: bob@example.com\n"
	    "To: Alice <alice@corp.example>, bob@example.com\n"
	    "Cc: carol@other.example\nSubject: s\n\nb\n", 1);

	ck_assert_str_eq(wm_compose_to(c), "Alice <alice@corp.example>");
	ck_assert_str_eq(wm_compose_cc(c), "carol@other.example");
	wm_compose_free(c);
}
END_TEST

START_TEST(test_reply_all_adds_cc_without_the_user)
{
	struct wm_compose *c = reply_to(original, 1);
	const char *const *r = wm_compose_recipients(c);
	size_t n;

	ck_assert_str_eq(wm_compose_to(c), "Alice Example <alice@corp.example>");
	ck_assert_str_eq(wm_compose_cc(c), "carol@other.example, "
	    "\"Dave, D.\" <dave@corp.example>");
	for (n = 0; r[n] != NULL; n++)
		ck_assert_msg(strcasecmp(r[n], USER) != 0, "user is a recipient");
	ck_assert_uint_eq(n, 3);
	wm_compose_free(c);
	/* Someone in both To and Cc of the original is written to once. */
	c = reply_to("From: a@corp.example\nTo: bob@example.com, a@corp.example\n"
	    "Cc: a@corp.example, e@x.example\nSubject: s\n\nb\n", 1);
	ck_assert_str_eq(wm_compose_to(c), "a@corp.example");
	ck_assert_str_eq(wm_compose_cc(c), "e@x.example");
	wm_compose_free(c);
}
END_TEST

START_TEST(test_crlf_in_typed_fields_refused)
{
	struct wm_compose *c = compose();
	struct wm_err err;

	ck_assert_int_eq(wm_compose_set_subject(c, "hi\r\nBcc: x@evil.example",
	    &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_compose_set_subject(c, "hi\nBcc: x@evil.example",
	    &err), -1);
	ck_assert_int_eq(wm_compose_set_to(c, "a@corp.example\r\nBcc: "
	    "x@evil.example", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_compose_set_cc(c, "a@corp.example\nBcc: x@evil.example",
	    &err), -1);
	ck_assert_int_eq(wm_compose_attach(c, "a\r\nContent-Type: text/html.txt",
	    NULL, "x", 1, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_ptr_null(wm_compose_new("bob@example.com\r\nBcc: x@y", &err));
	ck_assert_str_eq(wm_compose_subject(c), "");
	ck_assert_str_eq(wm_compose_to(c), "");
	wm_compose_free(c);
}
END_TEST

START_TEST(test_addresses_validated_one_by_one)
{
	static const char *const bad[] = {
		"bob@example.com, garbage",
		"bob@example.com garbage",
		"a@corp.example; b@",
		"Group: a@corp.example;",
		"a@b@c",
		"\"x\" <a@exa mple.com>",
		"a@\xc3\xa9xample.com",
	};
	struct wm_compose *c = compose();
	struct wm_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(wm_compose_set_to(c, bad[i], &err) == -1, "%s", bad[i]);
		ck_assert_int_eq(err.code, EX_DATAERR);
		ck_assert(strncmp(err.msg, "To: ", 4) == 0);
	}
	ck_assert_int_eq(wm_compose_set_to(c, " \"Smith, J\" <j@Corp.Example>; "
	    "k@corp.example,, ", &err), 0);
	ck_assert_str_eq(wm_compose_to(c), "\"Smith, J\" <j@corp.example>, "
	    "k@corp.example");
	ck_assert_int_eq(wm_compose_set_to(c, "", &err), 0);
	ck_assert_int_eq(wm_compose_build(c, &(struct wm_buf){ 0 }, &err), -1);
	ck_assert(strstr(err.msg, "recipient") != NULL);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_attachment_round_trips_byte_identical)
{
	unsigned char bin[3000];
	struct wm_compose *c = compose();
	struct wm_err err;
	struct wm_buf raw, part;
	struct wm_view *v;
	const struct wm_attachment *a;
	const char *type;
	char *head;
	size_t i, n;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)((i * 131) ^ (i >> 3));
	ck_assert_int_eq(wm_compose_set_to(c, "alice@corp.example", &err), 0);
	ck_assert_int_eq(wm_compose_set_body(c, "Hello\r\nsee attached \xe2\x82\xac "
	    "and a long line that goes on and on and on and on and on and on and "
	    "on and on past seventy-six characters\r\n", &err), 0);
	ck_assert_int_eq(wm_compose_attach(c, "C:\\Users\\bob\\Gr\xc3\xbc\xc3\x9f"
	    "e \xe2\x82\xac.pdf", NULL, bin, sizeof(bin), &err), 0);
	ck_assert_int_eq(wm_compose_attach(c, "notes.weird", NULL, "\x01\x02\x03",
	    3, &err), 0);
	v = built(c, &raw);
	ck_assert_str_eq(wm_view_text(v), "Hello\nsee attached \xe2\x82\xac and a "
	    "long line that goes on and on and on and on and on and on and on and "
	    "on past seventy-six characters\n");
	a = wm_view_attachments(v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(a[0].filename, "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac.pdf");
	ck_assert_str_eq(a[0].content_type, "application/pdf");
	ck_assert_str_eq(a[1].content_type, "application/octet-stream");
	wm_buf_init(&part);
	ck_assert_int_eq(wm_view_part(v, a[0].part, &part, &type, NULL, &err), 0);
	ck_assert_uint_eq(part.len, sizeof(bin));
	ck_assert(memcmp(part.data, bin, sizeof(bin)) == 0);
	wm_buf_free(&part);
	/* UTF-8 quoted-printable text, base64 files, RFC 2231 UTF-8 names. */
	ck_assert(strstr(raw.data, "Content-Type: text/plain; charset=utf-8") != NULL);
	ck_assert(strstr(raw.data, "Content-Transfer-Encoding: quoted-printable") !=
	    NULL);
	ck_assert(strstr(raw.data, "=E2=82=AC") != NULL);
	ck_assert(strstr(raw.data, "Content-Transfer-Encoding: base64") != NULL);
	ck_assert(strstr(raw.data, "filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%E2%82%AC.pdf") !=
	    NULL || strstr(raw.data, "filename*0*=UTF-8''") != NULL);
	for (i = 0; i < raw.len; i++)
		ck_assert_msg((unsigned char)raw.data[i] < 0x80, "8-bit byte at %zu",
		    i);
	head = head_of(&raw);
	ck_assert(strstr(head, "multipart/mixed") != NULL);
	free(head);
	wm_view_free(v);
	wm_buf_free(&raw);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_non_ascii_subject_and_names_encoded)
{
	struct wm_compose *c = compose();
	struct wm_err err;
	struct wm_buf raw;
	struct wm_view *v;
	char *head;

	ck_assert_int_eq(wm_compose_set_to(c, "J\xc3\xb6rg M\xc3\xbcller "
	    "<joerg@corp.example>", &err), 0);
	ck_assert_int_eq(wm_compose_set_subject(c, "Gr\xc3\xbc\xc3\x9f" "e aus "
	    "K\xc3\xb6ln \xe2\x9c\x93", &err), 0);
	v = built(c, &raw);
	head = head_of(&raw);
	ck_assert_msg(strstr(head, "Subject: =?") != NULL, "%s", head);
	for (const char *p = head; *p != '\0'; p++)
		ck_assert_msg((unsigned char)*p < 0x80, "raw 8-bit header: %s", head);
	ck_assert_str_eq(wm_view_headers(v)->subject, "Gr\xc3\xbc\xc3\x9f" "e aus "
	    "K\xc3\xb6ln \xe2\x9c\x93");
	ck_assert_str_eq(wm_view_headers(v)->to, "J\xc3\xb6rg M\xc3\xbcller "
	    "<joerg@corp.example>");
	free(head);
	wm_view_free(v);
	wm_buf_free(&raw);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_attachment_over_limit_refused_with_clear_message)
{
	struct wm_compose *c = compose();
	struct wm_err err;
	char *big = calloc(1, 3000);

	wm_compose_set_max_attachment(c, 2048);
	ck_assert_int_eq(wm_compose_attach(c, "big.bin", NULL, big, 3000, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "big.bin") != NULL &&
	    strstr(err.msg, "2.9 KB") != NULL && strstr(err.msg, "2.0 KB") != NULL,
	    "%s", err.msg);
	/* Together too: two files under the limit but over it in all. */
	ck_assert_int_eq(wm_compose_attach(c, "a.bin", NULL, big, 1500, &err), 0);
	ck_assert_int_eq(wm_compose_attach(c, "b.bin", NULL, big, 1500, &err), -1);
	ck_assert_msg(strstr(err.msg, "b.bin") != NULL &&
	    strstr(err.msg, "in all") != NULL, "%s", err.msg);
	free(big);
	wm_compose_free(c);
}
END_TEST

/* ---- sending, against a database and a stand-in sendmail ---- */

static void
setup(void)
{
	struct wm_err err;
	char *path, *script;

	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	cfg = wm_config_new(dir);
	path = wm_asprintf("%s/sendmail", dir);
	script = wm_asprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" >'%s/out.args'\n"
	    "cat >'%s/out.eml'\nexit ${FAKE_STATUS:-0}\n", dir, dir);
	wm_test_write(path, script);
	chmod(path, 0755);
	wm_config_set(cfg, "commands", "sendmail", path);
	free(script);
	free(path);
	path = wm_asprintf("%s/mail", dir);
	ck_assert_int_eq(wm_mkdir_p(path, 0700, &err), 0);
	free(path);
	setenv("WM_NOW", "1811844000", 1);
}

static void
teardown(void)
{
	wm_config_free(cfg);
	wm_db_close(db);
	wm_test_rmdir(dir);
	unsetenv("WM_NOW");
	unsetenv("FAKE_STATUS");
}

static char *
slurp(const char *name)
{
	struct wm_buf b;
	struct wm_err err;
	char *path = wm_asprintf("%s/%s", dir, name);

	wm_buf_init(&b);
	ck_assert_msg(wm_read_file(path, 1 << 20, &b, &err) == 0, "%s", err.msg);
	free(path);
	return wm_buf_take(&b);
}

START_TEST(test_send_submits_and_keeps_copy_in_sent)
{
	struct wm_compose *c = reply_to(original, 1);
	struct wm_message **list, *m;
	struct wm_err err;
	struct wm_view *v;
	size_t n;
	long long id = 0;
	char *args, *mail, *copy, *path;

	ck_assert_int_eq(wm_compose_set_body(c, "Thanks!\n", &err), 0);
	ck_assert_msg(wm_compose_send(cfg, db, c, &id, &err) == 0, "%s", err.msg);
	ck_assert(id > 0);
	args = slurp("out.args");
	ck_assert_str_eq(args, "-i\n-f\nbob@example.com\n--\nalice@corp.example\n"
	    "carol@other.example\ndave@corp.example\n");
	mail = slurp("out.eml");
	ck_assert_int_eq(wm_message_list(db, USER, "sent", 0, 10, &list, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 1);
	m = list[0];
	ck_assert_int_eq(m->id, id);
	ck_assert_str_eq(m->folder, "sent");
	ck_assert(m->seen);
	ck_assert_str_eq(m->subject, "Re: Quarterly figures");
	path = wm_asprintf("%s/mail/bob=40example.com/%s", dir, m->file);
	copy = NULL;
	{
		struct wm_buf b;

		wm_buf_init(&b);
		ck_assert_int_eq(wm_read_file(path, 1 << 20, &b, &err), 0);
		copy = wm_buf_take(&b);
	}
	ck_assert_str_eq(copy, mail);
	v = view_of(mail);
	ck_assert_str_eq(wm_view_text(v), "Thanks!\n");
	wm_view_free(v);
	ck_assert_int_eq(wm_message_count(db, USER, "inbox", 0, &err), 0);
	wm_message_list_free(list, n);
	free(path);
	free(copy);
	free(mail);
	free(args);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_send_failure_keeps_nothing)
{
	struct wm_compose *c = reply_to(original, 0);
	struct wm_err err;

	setenv("FAKE_STATUS", "75", 1);
	ck_assert_int_eq(wm_compose_send(cfg, db, c, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_int_eq(wm_message_count(db, USER, "sent", 0, &err), 0);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_send_applies_max_attachment_size_setting)
{
	struct wm_compose *c = reply_to(original, 0);
	struct wm_err err;
	char data[2000] = { 0 };
	long long max;

	ck_assert_int_eq(wm_compose_attach(c, "x.bin", NULL, data, sizeof(data),
	    &err), 0);
	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL,
	    "max-attachment-size", "1000", &err), 0);
	ck_assert_int_eq(wm_compose_max_attachment(db, USER, &max, &err), 0);
	ck_assert_int_eq(max, 1000);
	ck_assert_int_eq(wm_compose_send(cfg, db, c, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "x.bin") != NULL, "%s", err.msg);
	ck_assert_int_eq(wm_message_count(db, USER, "sent", 0, &err), 0);
	wm_compose_free(c);
}
END_TEST

START_TEST(test_new_mail_needs_compose_allowed)
{
	struct wm_compose *c = compose();
	struct wm_err err;

	ck_assert_int_eq(wm_compose_set_to(c, "alice@corp.example", &err), 0);
	ck_assert_int_eq(wm_compose_set_subject(c, "hello", &err), 0);
	ck_assert_int_eq(wm_compose_send(cfg, db, c, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "compose-allowed",
	    "yes", &err), 0);
	ck_assert_msg(wm_compose_send(cfg, db, c, NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(wm_message_count(db, USER, "sent", 0, &err), 1);
	wm_compose_free(c);
}
END_TEST

/* M4: without compose-allowed a reply reaches only the mail's own people. */
START_TEST(test_reply_goes_only_to_the_mail_answered)
{
	struct wm_compose *c = reply_to(original, 0);
	struct wm_err err;

	ck_assert_int_eq(wm_compose_set_to(c, "mallory@evil.example", &err), 0);
	ck_assert_int_eq(wm_compose_send(cfg, db, c, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_msg(strstr(err.msg, "mallory@evil.example") != NULL, "%s",
	    err.msg);
	/* A plain reply is to the sender: the other recipients need reply-all. */
	ck_assert_int_eq(wm_compose_set_to(c, "alice@corp.example", &err), 0);
	ck_assert_int_eq(wm_compose_set_cc(c, "carol@other.example", &err), 0);
	ck_assert_int_eq(wm_compose_send(cfg, db, c, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_int_eq(wm_compose_set_cc(c, "", &err), 0);
	ck_assert_msg(wm_compose_send(cfg, db, c, NULL, &err) == 0, "%s", err.msg);
	wm_compose_free(c);
	c = reply_to(original, 1);
	ck_assert_int_eq(wm_compose_set_cc(c, "carol@other.example, "
	    "mallory@evil.example", &err), 0);
	ck_assert_int_eq(wm_compose_send(cfg, db, c, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_int_eq(wm_compose_set_cc(c, "carol@other.example", &err), 0);
	ck_assert_msg(wm_compose_send(cfg, db, c, NULL, &err) == 0, "%s", err.msg);
	wm_compose_free(c);
	/* With compose-allowed the form's recipients stand. */
	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "compose-allowed",
	    "yes", &err), 0);
	c = reply_to(original, 0);
	ck_assert_int_eq(wm_compose_set_to(c, "erin@elsewhere.example", &err), 0);
	ck_assert_msg(wm_compose_send(cfg, db, c, NULL, &err) == 0, "%s", err.msg);
	wm_compose_free(c);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("compose");

	WM_TEST_F(s, test_reply_threads_and_answers_the_sender, setup, teardown);
	WM_TEST_F(s, test_reply_prefix_added_once, setup, teardown);
	WM_TEST_F(s, test_reply_goes_to_reply_to_when_set, setup, teardown);
	WM_TEST_F(s, test_reply_to_own_sent_mail_goes_to_its_recipients, setup, teardown);
	WM_TEST_F(s, test_reply_all_adds_cc_without_the_user, setup, teardown);
	WM_TEST_F(s, test_crlf_in_typed_fields_refused, setup, teardown);
	WM_TEST_F(s, test_addresses_validated_one_by_one, setup, teardown);
	WM_TEST_F(s, test_attachment_round_trips_byte_identical, setup, teardown);
	WM_TEST_F(s, test_non_ascii_subject_and_names_encoded, setup, teardown);
	WM_TEST_F(s, test_attachment_over_limit_refused_with_clear_message, setup, teardown);
	WM_TEST_F(s, test_send_submits_and_keeps_copy_in_sent, setup, teardown);
	WM_TEST_F(s, test_send_failure_keeps_nothing, setup, teardown);
	WM_TEST_F(s, test_send_applies_max_attachment_size_setting, setup, teardown);
	WM_TEST_F(s, test_new_mail_needs_compose_allowed, setup, teardown);
	WM_TEST_F(s, test_reply_goes_only_to_the_mail_answered, setup, teardown);
	return s;
}
