/*
 * test_notify.c - what the box tells whom: invitations with a working link
 * (at most once per hour on new mail), notifications, resets, over-quota
 * notices, postmaster reports with the whole mail, read receipts, the
 * system-mail header, and submission through a stand-in sendmail that
 * records its argv and stdin.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gmime/gmime.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "message.h"
#include "notice.h"
#include "notify.h"
#include "outbound.h"
#include "sysmail.h"
#include "prefs.h"
#include "token.h"
#include "user.h"
#include "util.h"
#include "testutil.h"

#define T0	1800000000LL

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

/* A sendmail that keeps each call as outbox/N.args and outbox/N.eml. */
static void
fake_sendmail(int status)
{
	char *path, *script;

	path = wm_asprintf("%s/sendmail", dir);
	script = wm_asprintf("#!/bin/sh\nd='%s/outbox'\n"
	    "n=$(cat \"$d/.n\" 2>/dev/null || echo 0); n=$((n + 1))\n"
	    "echo $n >\"$d/.n\"\nprintf '%%s\\n' \"$@\" >\"$d/$n.args\"\n"
	    "cat >\"$d/$n.eml\"\nexit %d\n", dir, status);
	wm_test_write(path, script);
	chmod(path, 0755);
	wm_config_set(cfg, "commands", "sendmail", path);
	free(script);
	free(path);
}

static void
setup(void)
{
	struct wm_err err;
	char top[PATH_MAX], *path;

	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	path = wm_asprintf("%s/outbox", dir);
	ck_assert_int_eq(wm_mkdir_p(path, 0755, &err), 0);
	free(path);
	cfg = wm_config_new(dir);
	/* No Postfix: the notice sender uses the stand-in sendmail too. */
	wm_config_set(cfg, "listen", "submit", "");
	ck_assert_ptr_nonnull(realpath(".", top));
	path = wm_asprintf("%s/templates", top);
	wm_config_set(cfg, "paths", "templates", path);
	free(path);
	fake_sendmail(0);
	pref("server-secret", "serversecret0123456789");
	pref("system-mail-secret", "systemsecret0123456789");
	pref("notification-sender", "notify@wm.example");
	pref("postmaster", "pm@wm.example");
	pref("portal-base-url", "https://wm.example/");
	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	wm_test_clock(T0);
}

static void
teardown(void)
{
	wm_config_free(cfg);
	wm_db_close(db);
	wm_test_rmdir(dir);
	unsetenv("WM_NOW");
}

static int
sent(void)
{
	struct wm_buf b;
	struct wm_err err;
	char *path = wm_asprintf("%s/outbox/.n", dir);
	int n = 0;

	wm_buf_init(&b);
	if (wm_read_file(path, 64, &b, &err) == 0)
		n = atoi(b.data);
	wm_buf_free(&b);
	free(path);
	return n;
}

/* Contents of outbox/N.ext (caller frees). */
static char *
outbox(int n, const char *ext)
{
	struct wm_buf b;
	struct wm_err err;
	char *path = wm_asprintf("%s/outbox/%d.%s", dir, n, ext);

	wm_buf_init(&b);
	ck_assert_msg(wm_read_file(path, 1 << 22, &b, &err) == 0, "%s", err.msg);
	free(path);
	return wm_buf_take(&b);
}

static void
assert_box_headers(const char *eml)
{
	ck_assert_ptr_nonnull(strstr(eml, "Message-ID: <"));
	ck_assert_ptr_nonnull(strstr(eml, "\nDate: "));
	ck_assert_ptr_nonnull(strstr(eml, "\nAuto-Submitted: auto-generated\n"));
	ck_assert_ptr_nonnull(strstr(eml, "\n" WM_SYSMAIL_HEADER ": "));
	ck_assert_msg(wm_sysmail_check(db, eml, strlen(eml)) == 1, "%s", eml);
}

/* The token of the first "?t=" link in the mail. */
static char *
link_token(const char *eml, const char *url)
{
	const char *p = strstr(eml, url);
	size_t n;

	ck_assert_msg(p != NULL, "no %s in:\n%s", url, eml);
	p += strlen(url);
	n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.");
	return strndup(p, n);
}

START_TEST(test_invitation_carries_working_signup_link)
{
	struct wm_err err;
	char *eml, *args, *tok, *addr = NULL;

	ck_assert_msg(wm_notify_new_mail(cfg, db, "bob@example.com", &err) == 0,
	    "%s", err.msg);
	ck_assert_int_eq(sent(), 1);
	args = outbox(1, "args");
	ck_assert_str_eq(args, "-i\n-f\nnotify@wm.example\n--\nbob@example.com\n");
	eml = outbox(1, "eml");
	ck_assert_ptr_nonnull(strstr(eml, "\nFrom: notify@wm.example\n"));
	ck_assert_ptr_nonnull(strstr(eml, "\nTo: bob@example.com\n"));
	assert_box_headers(eml);
	tok = link_token(eml, "https://wm.example/portal/signup?t=");
	ck_assert_msg(wm_token_check(db, tok, "signup", &addr, &err) == 0, "%s",
	    err.msg);
	ck_assert_str_eq(addr, "bob@example.com");
	ck_assert_int_eq(wm_token_check(db, tok, "reset", NULL, &err), -1);
	/* Valid for signup-link-validity (43200 minutes by default). */
	wm_test_clock(T0 + 43200LL * 60 + 1);
	ck_assert_int_eq(wm_token_check(db, tok, "signup", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	free(addr);
	free(tok);
	free(eml);
	free(args);
}
END_TEST

START_TEST(test_invitation_again_at_most_once_per_hour)
{
	struct wm_err err;
	struct wm_user *u;

	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	ck_assert_int_eq(sent(), 1);
	wm_test_clock(T0 + 1800);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	wm_test_clock(T0 + 3599);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	ck_assert_int_eq(sent(), 1);
	wm_test_clock(T0 + 3600);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	ck_assert_int_eq(sent(), 2);
	u = wm_user_get(db, "bob@example.com", &err);
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq((long long)u->last_invite, T0 + 3600);
	wm_user_free(u);
}
END_TEST

START_TEST(test_failed_submission_is_tempfail_and_retried)
{
	struct wm_err err;

	fake_sendmail(75);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	/* The failed attempt does not count against the hourly limit. */
	fake_sendmail(0);
	wm_test_clock(T0 + 60);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	ck_assert_int_eq(sent(), 2);
	wm_config_set(cfg, "commands", "sendmail", "/nonexistent/sendmail");
	ck_assert_int_eq(wm_notify_signup(cfg, db, "bob@example.com", &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
}
END_TEST

START_TEST(test_sendmail_killed_is_tempfail)
{
	const char *rcpts[] = { "bob@example.com", NULL };
	struct wm_err err;
	char *path = wm_asprintf("%s/killed", dir);

	wm_test_write(path, "#!/bin/sh\nkill -9 $$\n");
	chmod(path, 0755);
	wm_config_set(cfg, "commands", "sendmail", path);
	ck_assert_int_eq(wm_sendmail(cfg, "a@example.com", rcpts, "x\n", 2, &err),
	    -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_msg(strstr(err.msg, "signal 9") != NULL, "%s", err.msg);
	/* Relative commands are refused: no PATH lookup. */
	wm_config_set(cfg, "commands", "sendmail", "sendmail -C /tmp");
	ck_assert_int_eq(wm_sendmail(cfg, "a@example.com", rcpts, "x\n", 2, &err),
	    -1);
	ck_assert_int_eq(err.code, EX_CONFIG);
	free(path);
}
END_TEST

START_TEST(test_signed_up_user_gets_notification_not_invitation)
{
	struct wm_err err;
	char *eml;

	ck_assert_int_eq(wm_user_set_password(db, "bob@example.com",
	    "correct horse battery staple", &err), 0);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_notify_new_mail(cfg, db, "bob@example.com", &err), 0);
	ck_assert_int_eq(sent(), 2);
	eml = outbox(2, "eml");
	ck_assert_ptr_nonnull(strstr(eml, "Subject: New secure message\n"));
	ck_assert_ptr_nonnull(strstr(eml, "https://wm.example/portal/login"));
	ck_assert_ptr_null(strstr(eml, "?t="));
	assert_box_headers(eml);
	free(eml);
	ck_assert_int_eq(wm_notify_signup(cfg, db, "bob@example.com", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
}
END_TEST

START_TEST(test_from_follows_notification_sender)
{
	struct wm_err err;
	char *eml, *args;

	pref("notification-sender", "noreply@other.example");
	ck_assert_int_eq(wm_notify_signup(cfg, db, "bob@example.com", &err), 0);
	eml = outbox(1, "eml");
	args = outbox(1, "args");
	ck_assert_ptr_nonnull(strstr(eml, "\nFrom: noreply@other.example\n"));
	ck_assert_ptr_nonnull(strstr(eml, "@other.example>"));
	ck_assert_ptr_nonnull(strstr(args, "-f\nnoreply@other.example\n"));
	free(eml);
	free(args);
}
END_TEST

START_TEST(test_password_reset_link)
{
	struct wm_err err;
	char *eml, *tok, *addr = NULL;

	ck_assert_int_eq(wm_user_set_password(db, "bob@example.com",
	    "correct horse battery staple", &err), 0);
	ck_assert_int_eq(wm_notify_password_reset(cfg, db, "bob@example.com",
	    &err), 0);
	eml = outbox(1, "eml");
	tok = link_token(eml, "https://wm.example/portal/reset?t=");
	ck_assert_int_eq(wm_token_check(db, tok, "reset", &addr, &err), 0);
	ck_assert_str_eq(addr, "bob@example.com");
	ck_assert_int_eq(wm_token_check(db, tok, "signup", NULL, &err), -1);
	wm_test_clock(T0 + 300 * 60 + 1);
	ck_assert_int_eq(wm_token_check(db, tok, "reset", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	pref("password-reset-enabled", "no");
	ck_assert_int_eq(wm_notify_password_reset(cfg, db, "bob@example.com",
	    &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_int_eq(wm_notify_password_reset(cfg, db, "nobody@example.com",
	    &err), -1);
	free(addr);
	free(tok);
	free(eml);
}
END_TEST

START_TEST(test_reset_requests_limited_per_address)
{
	struct wm_notice_stats st;
	struct wm_err err;
	char *path;
	int sent;

	ck_assert_int_eq(wm_user_set_password(db, "bob@example.com",
	    "correct horse battery staple", &err), 0);
	ck_assert_int_eq(wm_notify_password_reset_request(cfg, db,
	    "bob@example.com", &sent, &err), 0);
	ck_assert_int_eq(sent, 1);
	/* Queued, not sent: the portal page does not wait for sendmail. */
	ck_assert_int_eq(wm_notice_pending(db, &err), 1);
	ck_assert_int_eq(wm_notice_flush(cfg, db, 0, &st, &err), 0);
	ck_assert_int_eq(st.mails, 1);
	wm_test_clock(T0 + WM_RESET_EVERY - 1);
	ck_assert_int_eq(wm_notify_password_reset_request(cfg, db,
	    "bob@example.com", &sent, &err), 0);
	ck_assert_int_eq(sent, 0);
	path = wm_asprintf("%s/outbox/2.eml", dir);
	ck_assert_msg(!wm_path_exists(path), "a second reset mail went out");
	free(path);
	ck_assert_int_eq(wm_notice_pending(db, &err), 0);
	wm_test_clock(T0 + WM_RESET_EVERY + 1);
	ck_assert_int_eq(wm_notify_password_reset_request(cfg, db,
	    "bob@example.com", &sent, &err), 0);
	ck_assert_int_eq(sent, 1);
	ck_assert_int_eq(wm_notice_flush(cfg, db, 0, &st, &err), 0);
	free(outbox(2, "eml"));
}
END_TEST

START_TEST(test_sysmail_header_roundtrip_and_forgery)
{
	struct wm_err err;
	char *v, *mail;

	v = wm_sysmail_value(db, "<abc.1@wm.example>", &err);
	ck_assert_ptr_nonnull(v);
	mail = wm_asprintf("Message-ID: <abc.1@wm.example>\r\n" WM_SYSMAIL_HEADER
	    ": %s\r\nSubject: x\r\n\r\nbody\r\n", v);
	ck_assert_int_eq(wm_sysmail_check(db, mail, strlen(mail)), 1);
	free(mail);
	/* Folded value, other header case. */
	mail = wm_asprintf("message-id:\n <abc.1@wm.example>\nx-wm-system-mail:\n"
	    "\t%s\n\nbody\n", v);
	ck_assert_int_eq(wm_sysmail_check(db, mail, strlen(mail)), 1);
	free(mail);
	/* Same value on another message: refused. */
	mail = wm_asprintf("Message-ID: <abc.2@wm.example>\n" WM_SYSMAIL_HEADER
	    ": %s\n\nbody\n", v);
	ck_assert_int_eq(wm_sysmail_check(db, mail, strlen(mail)), 0);
	free(mail);
	/* One changed digit: refused. */
	v[5] = v[5] == '0' ? '1' : '0';
	mail = wm_asprintf("Message-ID: <abc.1@wm.example>\n" WM_SYSMAIL_HEADER
	    ": %s\n\nbody\n", v);
	ck_assert_int_eq(wm_sysmail_check(db, mail, strlen(mail)), 0);
	free(mail);
	v[5] = v[5] == '0' ? '1' : '0';
	/* In the body it does not count. */
	mail = wm_asprintf("Message-ID: <abc.1@wm.example>\n\n" WM_SYSMAIL_HEADER
	    ": %s\n", v);
	ck_assert_int_eq(wm_sysmail_check(db, mail, strlen(mail)), 0);
	free(mail);
	ck_assert_int_eq(wm_sysmail_check(db, "Subject: x\n\n", 12), 0);
	/* Another box (another secret) does not recognise it. */
	pref("system-mail-secret", "anothersecret987654321");
	mail = wm_asprintf("Message-ID: <abc.1@wm.example>\n" WM_SYSMAIL_HEADER
	    ": %s\n\nbody\n", v);
	ck_assert_int_eq(wm_sysmail_check(db, mail, strlen(mail)), 0);
	free(mail);
	free(v);
}
END_TEST

START_TEST(test_sendmail_gets_argv_without_shell)
{
	struct wm_err err;
	const char *rcpts[] = { "a$(touch pwned)@example.com", "b;ls@example.com",
	    NULL };
	const char *bad[] = { "-oQ/tmp@example.com", NULL };
	const char *crlf[] = { "a@example.com\nb@example.com", NULL };
	char *args, *eml, *pwned;

	ck_assert_int_eq(wm_sendmail(cfg, "", rcpts, "Subject: x\n\nhi\n", 15,
	    &err), 0);
	args = outbox(1, "args");
	ck_assert_str_eq(args, "-i\n-f\n\n--\na$(touch pwned)@example.com\n"
	    "b;ls@example.com\n");
	eml = outbox(1, "eml");
	ck_assert_str_eq(eml, "Subject: x\n\nhi\n");
	pwned = wm_asprintf("%s/pwned", dir);
	ck_assert_int_eq(wm_path_exists(pwned), 0);
	ck_assert_int_eq(wm_path_exists("pwned"), 0);
	ck_assert_int_eq(wm_sendmail(cfg, "x@example.com", bad, "x", 1, &err), -1);
	ck_assert_int_eq(wm_sendmail(cfg, "x@example.com", crlf, "x", 1, &err), -1);
	ck_assert_int_eq(sent(), 1);
	/* Arguments in [commands] sendmail come first (sendmail -C DIR). */
	free(args);
	args = wm_asprintf("%s/sendmail  -C /etc/wm/postfix", dir);
	wm_config_set(cfg, "commands", "sendmail", args);
	ck_assert_int_eq(wm_sendmail(cfg, "x@example.com", rcpts + 1, "x\n", 2,
	    &err), 0);
	free(args);
	args = outbox(2, "args");
	ck_assert_str_eq(args, "-C\n/etc/wm/postfix\n-i\n-f\nx@example.com\n--\n"
	    "b;ls@example.com\n");
	free(pwned);
	free(args);
	free(eml);
}
END_TEST

START_TEST(test_over_quota_notice_to_sender_and_postmaster)
{
	struct wm_err err;
	char *a1, *a2, *e1, *e2;

	ck_assert_int_eq(wm_notify_over_quota(cfg, db, "bob@example.com",
	    "alice@corp.example", "Q3\r\nBcc: evil@example.net", &err), 0);
	ck_assert_int_eq(sent(), 2);
	a1 = outbox(1, "args");
	a2 = outbox(2, "args");
	/* Null envelope sender: notices about mail never bounce back. */
	ck_assert_str_eq(a1, "-i\n-f\n\n--\nalice@corp.example\n");
	ck_assert_str_eq(a2, "-i\n-f\n\n--\npm@wm.example\n");
	e1 = outbox(1, "eml");
	e2 = outbox(2, "eml");
	ck_assert_ptr_nonnull(strstr(e1, "Subject: Mailbox full: bob@example.com\n"));
	ck_assert_ptr_null(strstr(e1, "\nBcc:"));
	ck_assert_ptr_nonnull(strstr(e1, "Q3  Bcc: evil@example.net"));
	ck_assert_ptr_nonnull(strstr(e2, "alice@corp.example"));
	assert_box_headers(e1);
	assert_box_headers(e2);
	free(a1);
	free(a2);
	free(e1);
	free(e2);
}
END_TEST

/* Delivery queues the Subject as the mail has it; the notice shows it decoded. */
START_TEST(test_over_quota_notice_decodes_the_subject)
{
	struct wm_err err;
	char *e1;

	ck_assert_int_eq(wm_notify_over_quota(cfg, db, "bob@example.com",
	    "alice@corp.example", " =?ISO-8859-1?Q?Gr=FC=DFe?= aus Bern ", &err), 0);
	ck_assert_int_eq(sent(), 2);
	e1 = outbox(1, "eml");
	ck_assert_msg(strstr(e1, "\"Grüße aus Bern\"") != NULL, "%s", e1);
	ck_assert_ptr_null(strstr(e1, "=?ISO-8859-1?"));
	free(e1);
}
END_TEST

/* Decoded content of the second MIME part of a mail. */
static GMimeObject *
second_part(const char *eml, GMimeMessage **msg)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeObject *top;

	g_mime_init();
	s = g_mime_stream_mem_new_with_buffer(eml, strlen(eml));
	p = g_mime_parser_new_with_stream(s);
	*msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	ck_assert_ptr_nonnull(*msg);
	top = g_mime_message_get_mime_part(*msg);
	ck_assert(GMIME_IS_MULTIPART(top));
	ck_assert_int_eq(g_mime_multipart_get_count(GMIME_MULTIPART(top)), 2);
	return g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
}

START_TEST(test_postmaster_report_carries_whole_mail)
{
	static const char tunnel[] = "Received: x\r\nSubject: \xff\r\n\r\n"
	    "binary\0bytes\r\n.\r\nend";
	struct wm_err err;
	GMimeMessage *msg;
	GMimeObject *att;
	GMimeStream *out;
	GByteArray *bytes;
	char *eml, *args;

	ck_assert_msg(wm_notify_postmaster(cfg, db, "untrusted signer", tunnel,
	    sizeof(tunnel) - 1, &err) == 0, "%s", err.msg);
	args = outbox(1, "args");
	ck_assert_str_eq(args, "-i\n-f\n\n--\npm@wm.example\n");
	eml = outbox(1, "eml");
	ck_assert_ptr_nonnull(strstr(eml, "Reason: untrusted signer"));
	assert_box_headers(eml);
	att = second_part(eml, &msg);
	ck_assert(GMIME_IS_PART(att));
	ck_assert_str_eq(g_mime_part_get_filename(GMIME_PART(att)), "tunnel.eml");
	out = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(att)),
	    out);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	ck_assert_uint_eq(bytes->len, sizeof(tunnel) - 1);
	ck_assert_mem_eq(bytes->data, tunnel, sizeof(tunnel) - 1);
	g_object_unref(out);
	g_object_unref(msg);
	free(eml);
	free(args);
}
END_TEST

START_TEST(test_read_receipt_is_mdn_to_original_sender)
{
	struct wm_message m, *got;
	struct wm_err err;
	GMimeMessage *msg;
	GMimeObject *mdn;
	GMimeContentType *ct;
	char *eml, *args;

	memset(&m, 0, sizeof(m));
	m.mailbox = "bob@example.com";
	m.folder = "inbox";
	m.file = "new/1.x";
	m.delivery_key = "k1";
	m.envelope_sender = "alice@corp.example";
	m.from_addr = "Alice <alice@corp.example>";
	m.subject = "Contract";
	m.message_id = "<orig.1@corp.example>";
	m.read_receipt = 1;
	m.received = T0;
	ck_assert_int_eq(wm_message_insert(db, &m, &err), 0);
	ck_assert_msg(wm_notify_read_receipt(cfg, db, &m, &err) == 0, "%s",
	    err.msg);
	args = outbox(1, "args");
	ck_assert_str_eq(args, "-i\n-f\n\n--\nalice@corp.example\n");
	eml = outbox(1, "eml");
	ck_assert_ptr_nonnull(strstr(eml, "Subject: Read: Contract\n"));
	assert_box_headers(eml);
	mdn = second_part(eml, &msg);
	ct = g_mime_object_get_content_type(g_mime_message_get_mime_part(msg));
	ck_assert_str_eq(g_mime_content_type_get_media_subtype(ct), "report");
	ck_assert_str_eq(g_mime_content_type_get_parameter(ct, "report-type"),
	    "disposition-notification");
	ct = g_mime_object_get_content_type(mdn);
	ck_assert_str_eq(g_mime_content_type_get_media_subtype(ct),
	    "disposition-notification");
	ck_assert_ptr_nonnull(strstr(eml, "Final-Recipient: rfc822; bob@example.com"));
	ck_assert_ptr_nonnull(strstr(eml, "Original-Message-ID: <orig.1@corp.example>"));
	ck_assert_ptr_nonnull(strstr(eml, "Disposition: manual-action/"
	    "MDN-sent-automatically; displayed"));
	g_object_unref(msg);
	got = wm_message_get(db, "bob@example.com", m.id, &err);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->receipt_sent, 1);
	/* Sent once: the stored row says so. */
	ck_assert_int_eq(wm_notify_read_receipt(cfg, db, got, &err), 0);
	ck_assert_int_eq(sent(), 1);
	wm_message_free(got);
	free(eml);
	free(args);
}
END_TEST

START_TEST(test_read_receipt_survives_hostile_subject)
{
	struct wm_message m;
	struct wm_err err;
	char *eml, *hdr_end;

	memset(&m, 0, sizeof(m));
	m.mailbox = "bob@example.com";
	m.file = "new/2.x";
	m.delivery_key = "k2";
	m.from_addr = "Mallory <mallory@corp.example>";
	m.subject = "Bad \xff\r\nBcc: victim@example.net";
	m.message_id = "<m\r\nBcc: x@example.net>";
	m.read_receipt = 1;
	ck_assert_int_eq(wm_message_insert(db, &m, &err), 0);
	ck_assert_msg(wm_notify_read_receipt(cfg, db, &m, &err) == 0, "%s",
	    err.msg);
	eml = outbox(1, "eml");
	hdr_end = strstr(eml, "\n\n");
	*hdr_end = '\0';
	ck_assert_ptr_null(strstr(eml, "\nBcc:"));
	ck_assert_ptr_nonnull(strstr(eml, "\nTo: mallory@corp.example\n"));
	ck_assert_ptr_nonnull(strstr(eml, "\nSubject: Read: "));
	free(eml);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("notify");

	WM_TEST_F(s, test_invitation_carries_working_signup_link, setup, teardown);
	WM_TEST_F(s, test_invitation_again_at_most_once_per_hour, setup, teardown);
	WM_TEST_F(s, test_failed_submission_is_tempfail_and_retried, setup, teardown);
	WM_TEST_F(s, test_sendmail_killed_is_tempfail, setup, teardown);
	WM_TEST_F(s, test_signed_up_user_gets_notification_not_invitation, setup, teardown);
	WM_TEST_F(s, test_from_follows_notification_sender, setup, teardown);
	WM_TEST_F(s, test_password_reset_link, setup, teardown);
	WM_TEST_F(s, test_reset_requests_limited_per_address, setup, teardown);
	WM_TEST_F(s, test_sysmail_header_roundtrip_and_forgery, setup, teardown);
	WM_TEST_F(s, test_sendmail_gets_argv_without_shell, setup, teardown);
	WM_TEST_F(s, test_over_quota_notice_to_sender_and_postmaster, setup, teardown);
	WM_TEST_F(s, test_over_quota_notice_decodes_the_subject, setup, teardown);
	WM_TEST_F(s, test_postmaster_report_carries_whole_mail, setup, teardown);
	WM_TEST_F(s, test_read_receipt_is_mdn_to_original_sender, setup, teardown);
	WM_TEST_F(s, test_read_receipt_survives_hostile_subject, setup, teardown);
	return s;
}
