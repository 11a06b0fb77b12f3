/*
 * test_deliver.c - one tunnel delivered end to end in-process, against a mini
 * instance (database, mail directory, a sendmail stand-in that saves every
 * submission in outbox/): stored byte-identical for every recipient, never
 * twice, quota respected, refused tunnels to the postmaster, and EX_TEMPFAIL
 * with nothing half-done when the box itself has a problem.
 */
#include <check.h>
#include <dirent.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "deliver.h"
#include "notice.h"
#include "err.h"
#include "index.h"
#include "log.h"
#include "mailbox.h"
#include "notify.h"
#include "sysmail.h"
#include "message.h"
#include "pki.h"
#include "prefs.h"
#include "tunnel.h"
#include "util.h"
#include "view.h"
#include "testutil.h"
#include "pkifix.h"

static char *pki;		/* fixture certificates, made once */
static char *dir;		/* this test's instance */
static struct wm_config *cfg;
static struct wm_db *db;

static const char original[] =
    "From: Alice <alice@corp.example>\r\nTo: bob@customer.example\r\n"
    "Subject: quarterly figures\r\nMessage-ID: <q1@corp.example>\r\n"
    "Date: Tue, 02 Feb 2027 00:00:00 +0000\r\n\r\n"
    "binary \x01\xfe bytes\r\nno final newline";

static void
set(struct wm_db *d, const char *name, const char *value)
{
	struct wm_err err;

	ck_assert_msg(wm_pref_set(d, WM_SCOPE_GLOBAL, NULL, name, value, &err) == 0,
	    "%s: %s", name, err.msg);
}

/* A template database with a relay key, the gateway root and the settings. */
static void
setup_once(void)
{
	struct wm_err err;
	struct wm_db *d;
	struct wm_buf ca;
	char *path, *pem;

	pki = wm_test_tmpdir();
	fix_pki(pki);
	path = wm_asprintf("%s/template.db", pki);
	d = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(d != NULL, "%s", err.msg);
	ck_assert_msg(wm_pki_create_relay_cert(d, NULL, NULL, NULL, &err) == 0,
	    "%s", err.msg);
	pem = wm_pki_relay_cert_pem(d, &err);
	ck_assert_ptr_nonnull(pem);
	free(path);
	path = wm_asprintf("%s/box.pem", pki);
	wm_test_write(path, pem);
	free(pem);
	free(path);
	path = wm_asprintf("%s/ca.pem", pki);
	fix_read(path, &ca);
	ck_assert_msg(wm_pki_import(d, (unsigned char *)ca.data, ca.len, NULL,
	    WM_PKI_ROOT, NULL, &err) == 0, "%s", err.msg);
	wm_buf_free(&ca);
	free(path);
	ck_assert_int_eq(wm_prefs_init_secrets(d, &err), 0);
	set(d, "postmaster", "postmaster@box.example");
	set(d, "notification-sender", "webmail@box.example");
	set(d, "portal-base-url", "https://box.example");
	/* The file is copied per test: everything must be in it, not in a WAL. */
	ck_assert_int_eq(wm_db_exec(d, "PRAGMA wal_checkpoint(TRUNCATE)", &err), 0);
	wm_db_close(d);
}

static void
teardown_once(void)
{
	wm_test_rmdir(pki);
}

static void
sendmail_works(int works)
{
	char *path = wm_asprintf("%s/sendmail", dir);
	char *text = wm_asprintf("#!/bin/sh\n%s"
	    "n=%s/outbox/$(date +%%s%%N).$$\nprintf '%%s\\n' \"$@\" > $n.args\n"
	    "cat > $n.eml\n", works ? "" : "cat >/dev/null; exit 75\n", dir);

	wm_test_write(path, text);
	chmod(path, 0755);
	free(text);
	free(path);
}

static void
setup(void)
{
	struct wm_err err;
	char cwd[1024], *conf, *text;

	dir = wm_test_tmpdir();
	chmod(dir, 0755);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	/* The keys live beside the database (keystore.c): copied with it. */
	ck_assert_int_eq(fix_sh("mkdir -p %s/mail %s/log %s/outbox && "
	    "cp %s/template.db %s/wm.db && cp -r %s/keys %s/", dir, dir, dir,
	    pki, dir, pki, dir), 0);
	conf = wm_asprintf("%s/wm.conf", dir);
	text = wm_asprintf("[paths]\ndatabase = wm.db\nmail = mail\n"
	    "log = log/wm.log\noutbox = outbox\ntemplates = %s/templates\n"
	    "[commands]\nsendmail = %s/sendmail\n"
	    /* No Postfix: the notice sender uses the stand-in too. */
	    "[listen]\nsubmit =\n", cwd, dir);
	wm_test_write(conf, text);
	sendmail_works(1);
	cfg = wm_config_load(conf, &err);
	ck_assert_msg(cfg != NULL, "%s", err.msg);
	db = wm_db_open(wm_config_path(cfg, "database"), 0, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	wm_log_file(wm_config_path(cfg, "log"));
	wm_log_stderr(0);
	free(conf);
	free(text);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_config_free(cfg);
	wm_test_rmdir(dir);
}

/* A tunnel for rcpts (NULL-terminated), signed by signer, sealed to box. */
static void
tunnel(const char *signer, const char *const *rcpts, struct wm_buf *out)
{
	struct wm_tunnel_seal s;
	struct wm_tunnel t;
	struct wm_err err;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	t.sender = "alice@corp.example";
	t.recipients = (char **)rcpts;
	while (rcpts[t.nrecipients] != NULL)
		t.nrecipients++;
	t.read_receipt = 1;
	t.expires = 1801353600;
	s.relay = WM_PKI_RELAY_EMAIL;
	s.sign_cert = fix_cert(pki, signer);
	s.sign_key = fix_key(pki, signer);
	s.to_cert = fix_cert(pki, "box");
	wm_buf_init(out);
	ck_assert_msg(wm_tunnel_seal(&t, original, sizeof(original) - 1, &s, out,
	    &err) == 0, "%s", err.msg);
	X509_free(s.sign_cert);
	X509_free(s.to_cert);
	EVP_PKEY_free(s.sign_key);
}

/* Submits the queued notices, as wm-notify serve does. */
static long long
flush(void)
{
	struct wm_notice_stats s;
	struct wm_err err;

	ck_assert_msg(wm_notice_flush(cfg, db, 0, &s, &err) == 0, "%s", err.msg);
	return s.deferred;
}

static int
deliver(const struct wm_buf *mail, struct wm_err *err)
{
	int rc = wm_deliver(cfg, db, "gateway@corp.example", WM_PKI_RELAY_EMAIL,
	    mail->data, mail->len, err);

	flush();
	return rc;
}

/* Number of files in a directory whose names end in suffix. */
static int
count_files(const char *path, const char *suffix)
{
	struct dirent *e;
	size_t n, s = strlen(suffix);
	int cnt = 0;
	DIR *d;

	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (e->d_name[0] != '.' && n >= s &&
		    strcmp(e->d_name + n - s, suffix) == 0)
			cnt++;
	}
	closedir(d);
	return cnt;
}

static int
stored(const char *addr)
{
	char *box = wm_mailbox_path(wm_config_path(cfg, "mail"), addr);
	char *newdir = wm_asprintf("%s/new", box);
	int n = count_files(newdir, "");

	free(newdir);
	free(box);
	return n;
}

static long long
indexed(const char *addr)
{
	struct wm_err err;

	return wm_message_count(db, addr, "inbox", 0, &err);
}

static int
outbox_mentions(const char *what)
{
	return fix_sh("grep -qs -- '%s' %s/outbox/*", what, dir) == 0;
}

/*
 * The original as the portal serves it (.eml): the stored file has LF line
 * ends when the original had CRLF throughout, and the index says so.
 */
static void
assert_original(const struct wm_message *m, const struct wm_buf *stored,
    const void *want, size_t len)
{
	struct wm_view *view;
	struct wm_err err;
	const void *raw;
	size_t rlen;

	ck_assert_int_eq(m->stored_lf, 1);
	ck_assert(memchr(stored->data, '\r', stored->len) == NULL);
	view = wm_view_open_message(wm_config_path(cfg, "mail"), m, &err);
	ck_assert_msg(view != NULL, "%s", err.msg);
	raw = wm_view_raw(view, &rlen);
	ck_assert_uint_eq(rlen, len);
	ck_assert(memcmp(raw, want, len) == 0);
	wm_view_free(view);
}

/* Delivery stores the row undecoded: it holds the key and parses nothing. */
static void
assert_undecoded(const char *addr)
{
	struct wm_message **v;
	struct wm_err err;
	size_t n;

	ck_assert_int_eq(wm_message_list(db, addr, "inbox", 0, 10, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0]->unindexed, 1);
	ck_assert_ptr_null(v[0]->subject);
	ck_assert_ptr_null(v[0]->message_id);
	wm_message_list_free(v, n);
}

static void
assert_stored_exactly(const char *addr)
{
	struct wm_message **v;
	struct wm_buf b;
	struct wm_err err;
	char *box, *path;
	long long done;
	size_t n;

	ck_assert_int_eq(stored(addr), 1);
	ck_assert_int_eq(wm_index_pending(db, wm_config_path(cfg, "mail"), addr,
	    0, &done, &err), 0);
	ck_assert_int_eq(wm_message_list(db, addr, "inbox", 0, 10, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0]->unindexed, 0);
	box = wm_mailbox_path(wm_config_path(cfg, "mail"), addr);
	path = wm_asprintf("%s/%s", box, v[0]->file);
	fix_read(path, &b);
	assert_original(v[0], &b, original, sizeof(original) - 1);
	ck_assert_str_eq(v[0]->subject, "quarterly figures");
	ck_assert_str_eq(v[0]->envelope_sender, "alice@corp.example");
	ck_assert_int_eq(v[0]->read_receipt, 1);
	ck_assert_int_eq(v[0]->expires, 1801353600);
	/* The size indexed is what the maildir holds, so quota agrees with it. */
	ck_assert_int_eq(v[0]->size, (long long)b.len);
	ck_assert_str_eq(v[0]->message_id, "q1@corp.example");
	wm_buf_free(&b);
	free(path);
	free(box);
	wm_message_list_free(v, n);
}

static const char *const three[] = { "bob@customer.example",
    "carol@other.example", "dave@third.example", NULL };

START_TEST(test_three_recipients_stored_byte_identical)
{
	struct wm_buf mail;
	struct wm_err err;
	int i;

	tunnel("gw", three, &mail);
	ck_assert_msg(wm_deliver(cfg, db, "gateway@corp.example",
	    WM_PKI_RELAY_EMAIL, mail.data, mail.len, &err) == 0, "%s", err.msg);
	for (i = 0; three[i] != NULL; i++)
		assert_undecoded(three[i]);
	flush();	/* the notice sender decodes them, then sends */
	for (i = 0; three[i] != NULL; i++) {
		assert_stored_exactly(three[i]);
		ck_assert_msg(outbox_mentions(three[i]), "no notice to %s", three[i]);
	}
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_detached_tunnel_is_delivered)
{
	const char *const one[] = { "bob@customer.example", NULL };
	struct wm_tunnel_seal s;
	struct wm_tunnel t;
	struct wm_buf mail;
	struct wm_err err;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	t.sender = "alice@corp.example";
	t.recipients = (char **)one;
	t.nrecipients = 1;
	t.read_receipt = 1;
	t.expires = 1801353600;
	s.relay = WM_PKI_RELAY_EMAIL;
	s.detached = 1;
	s.sign_cert = fix_cert(pki, "gw");
	s.sign_key = fix_key(pki, "gw");
	s.to_cert = fix_cert(pki, "box");
	wm_buf_init(&mail);
	ck_assert(wm_tunnel_seal(&t, original, sizeof(original) - 1, &s, &mail,
	    &err) == 0);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	assert_stored_exactly("bob@customer.example");
	X509_free(s.sign_cert);
	X509_free(s.to_cert);
	EVP_PKEY_free(s.sign_key);
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_second_delivery_stores_one_copy)
{
	struct wm_buf mail;
	struct wm_err err;
	int i;

	tunnel("gw", three, &mail);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	for (i = 0; three[i] != NULL; i++) {
		ck_assert_int_eq(stored(three[i]), 1);
		ck_assert_int_eq(indexed(three[i]), 1);
	}
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_over_quota_recipient_skipped_others_delivered)
{
	struct wm_buf mail;
	struct wm_err err;

	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_USER, "carol@other.example",
	    "quota", "10", &err), 0);
	tunnel("gw", three, &mail);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	assert_stored_exactly("bob@customer.example");
	assert_stored_exactly("dave@third.example");
	ck_assert_int_eq(stored("carol@other.example"), 0);
	ck_assert_int_eq(indexed("carol@other.example"), 0);
	ck_assert(outbox_mentions("postmaster@box.example"));
	ck_assert(outbox_mentions("alice@corp.example"));
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_untrusted_signer_goes_to_postmaster)
{
	struct wm_buf mail;
	struct wm_err err;

	tunnel("rogue", three, &mail);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stored("bob@customer.example"), 0);
	ck_assert_int_eq(indexed("bob@customer.example"), 0);
	ck_assert_int_eq(count_files(wm_config_path(cfg, "outbox"), ".eml"), 1);
	ck_assert(outbox_mentions("postmaster@box.example"));
	ck_assert_int_eq(fix_sh("grep -q 'untrusted signer' %s/log/wm.log", dir), 0);
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_failed_postmaster_copy_stays_queued)
{
	struct wm_buf mail;
	struct wm_err err;

	sendmail_works(0);
	tunnel("rogue", three, &mail);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(count_files(wm_config_path(cfg, "outbox"), ".eml"), 0);
	ck_assert_int_eq(wm_notice_pending(db, &err), 1);
	sendmail_works(1);
	wm_test_clock(wm_now() + 3600);
	ck_assert_int_eq(flush(), 0);
	ck_assert_int_eq(wm_notice_pending(db, &err), 0);
	ck_assert(outbox_mentions("postmaster@box.example"));
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_failed_notification_keeps_mail_and_notice)
{
	const char *const one[] = { "bob@customer.example", NULL };
	struct wm_buf mail;
	struct wm_err err;

	sendmail_works(0);
	tunnel("gw", one, &mail);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	assert_stored_exactly("bob@customer.example");
	ck_assert_int_eq(wm_notice_pending(db, &err), 1);
	sendmail_works(1);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	assert_stored_exactly("bob@customer.example");
	wm_test_clock(wm_now() + 3600);
	ck_assert_int_eq(flush(), 0);
	ck_assert_int_eq(wm_notice_pending(db, &err), 0);
	ck_assert(outbox_mentions("bob@customer.example"));
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_unwritable_mail_dir_is_tempfail_and_nothing_indexed)
{
	struct passwd *nobody = getpwnam("nobody");
	struct wm_buf mail;
	struct wm_err err;
	pid_t pid;
	int status, i;

	ck_assert_ptr_nonnull(nobody);
	tunnel("gw", three, &mail);
	/* Everything belongs to the delivering user except the mail dir. */
	ck_assert_int_eq(fix_sh("chown -R %d %s && chown 0 %s/mail && "
	    "chmod 755 %s/mail", (int)nobody->pw_uid, dir, dir, dir), 0);
	if ((pid = fork()) == 0) {
		if (setgid(nobody->pw_gid) == -1 || setuid(nobody->pw_uid) == -1)
			_exit(99);
		_exit(deliver(&mail, &err) == 0 ? 0 : err.code);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), EX_TEMPFAIL);
	for (i = 0; three[i] != NULL; i++) {
		ck_assert_int_eq(indexed(three[i]), 0);
		ck_assert_int_eq(stored(three[i]), 0);
	}
	ck_assert_int_eq(fix_sh("grep -q 'will retry' %s/log/wm.log", dir), 0);
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_missing_relay_key_is_tempfail)
{
	struct wm_buf mail;
	struct wm_err err;

	tunnel("gw", three, &mail);
	ck_assert_int_eq(wm_db_exec(db, "DELETE FROM private_keys", &err), 0);
	ck_assert_int_eq(deliver(&mail, &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_int_eq(indexed("bob@customer.example"), 0);
	wm_buf_free(&mail);
}
END_TEST

/* A quota that cannot be read defers: it never means "unlimited". */
START_TEST(test_unreadable_quota_defers)
{
	struct wm_buf mail;
	struct wm_err err;

	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_USER, "bob@customer.example",
	    "quota", "10", &err), 0);
	ck_assert_int_eq(wm_db_exec(db, "UPDATE properties SET value = 'broken'"
	    " WHERE name = 'quota'", &err), 0);
	tunnel("gw", three, &mail);
	ck_assert_int_eq(deliver(&mail, &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_int_eq(stored("bob@customer.example"), 0);
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_empty_input_is_refused_without_postmaster)
{
	struct wm_err err;

	ck_assert_int_eq(wm_deliver(cfg, db, "a@b.example", "c@d.example", "", 0,
	    &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	ck_assert_int_eq(count_files(wm_config_path(cfg, "outbox"), ".eml"), 0);
}
END_TEST

START_TEST(test_delivery_key_depends_on_mail_and_recipient)
{
	char a[65], b[65], c[65];

	ck_assert_int_eq(wm_deliver_key("mail", 4, "bob@x.example", a), 0);
	ck_assert_int_eq(wm_deliver_key("mail", 4, "carol@x.example", b), 0);
	ck_assert_int_eq(wm_deliver_key("mail ", 5, "bob@x.example", c), 0);
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(a, c);
}
END_TEST

START_TEST(test_own_system_mail_is_not_processed_again)
{
	struct wm_buf mail;
	struct wm_err err;
	char *v, *p;

	v = wm_sysmail_value(db, "<n1@box.example>", &err);
	ck_assert_msg(v != NULL, "%s", err.msg);
	wm_buf_init(&mail);
	wm_buf_printf(&mail, "From: webmail@box.example\r\nTo: %s\r\n"
	    "Message-ID: <n1@box.example>\r\n%s: %s\r\nSubject: new mail\r\n\r\n"
	    "You have new mail.\r\n", WM_PKI_RELAY_EMAIL, WM_SYSMAIL_HEADER, v);
	free(v);
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(count_files(wm_config_path(cfg, "outbox"), ".eml"), 0);
	ck_assert_int_eq(fix_sh("grep -q 'system mail of this box' %s/log/wm.log",
	    dir), 0);
	/* A forged header is not ours: that mail goes to the postmaster. */
	p = strstr(mail.data, WM_SYSMAIL_HEADER ": ") + strlen(WM_SYSMAIL_HEADER) + 2;
	*p = *p == '0' ? '1' : '0';
	ck_assert_msg(deliver(&mail, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(count_files(wm_config_path(cfg, "outbox"), ".eml"), 1);
	wm_buf_free(&mail);
}
END_TEST

/* Feeds mail to wm_deliver_stream through a pipe, as Postfix does. */
/* Feeds mail through a pipe to a deliverer (dv) or the one-shot stream path. */
static int
feed(struct wm_deliverer *dv, const struct wm_buf *mail, struct wm_err *err)
{
	int fds[2], rc, status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		_exit(write(fds[1], mail->data, mail->len) == (ssize_t)mail->len ?
		    0 : 1);
	}
	close(fds[1]);
	rc = dv != NULL ? wm_deliverer_run(dv, "gateway@corp.example",
	    WM_PKI_RELAY_EMAIL, fds[0], WM_DELIVER_MAX, err) :
	    wm_deliver_stream(cfg, db, "gateway@corp.example",
	    WM_PKI_RELAY_EMAIL, fds[0], WM_DELIVER_MAX, err);
	close(fds[0]);
	waitpid(pid, &status, 0);
	return rc;
}

static int
deliver_pipe(const struct wm_buf *mail, struct wm_err *err)
{
	return feed(NULL, mail, err);
}

START_TEST(test_stream_from_pipe_delivers)
{
	struct wm_buf mail;
	struct wm_err err;

	tunnel("gw", three, &mail);
	ck_assert_msg(deliver_pipe(&mail, &err) == 0, "%s", err.msg);
	assert_stored_exactly("carol@other.example");
	wm_buf_free(&mail);
}
END_TEST

/*
 * A deliverer keeps its certificate store between mails; the signer must
 * still be judged at each mail's time.  The gateway's certificate is valid
 * for a year: two years on, its tunnels go to the postmaster.
 */
START_TEST(test_kept_store_judges_the_signer_now)
{
	const char *const dave[] = { "dave@customer.example", NULL };
	struct wm_deliverer *dv;
	struct wm_buf a, b;
	struct wm_err err;
	char later[32];

	ck_assert_ptr_nonnull(dv = wm_deliverer_new(cfg, db, &err));
	tunnel("gw", three, &a);
	tunnel("gw", dave, &b);
	ck_assert_msg(feed(dv, &a, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stored("bob@customer.example"), 1);
	snprintf(later, sizeof(later), "%lld", (long long)time(NULL) + 2 * 366 * 86400);
	setenv("WM_NOW", later, 1);
	ck_assert_msg(feed(dv, &b, &err) == 0, "%s", err.msg);
	unsetenv("WM_NOW");
	ck_assert_int_eq(stored("dave@customer.example"), 0);
	ck_assert_int_eq(fix_sh("grep -q 'refused: untrusted signer: "
	    "certificate has expired' %s/log/wm.log", dir), 0);
	flush();
	ck_assert(outbox_mentions("postmaster@box.example"));
	wm_deliverer_free(dv);
	wm_buf_free(&a);
	wm_buf_free(&b);
}
END_TEST

/* Past 8 MB the tunnel is spooled and decrypted file to file. */
static void
big_tunnel(int detached, struct wm_buf *out, struct wm_buf *orig)
{
	const char *const one[] = { "big@customer.example", NULL };
	struct wm_tunnel_seal s;
	struct wm_tunnel t;
	struct wm_err err;
	size_t i;

	wm_buf_init(orig);
	wm_buf_puts(orig, "From: a@corp.example\r\nSubject: big\r\n\r\n");
	for (i = 0; orig->len < 6 * 1024 * 1024; i++)
		wm_buf_printf(orig, "%075zu\r\n", i);
	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	t.sender = "alice@corp.example";
	t.recipients = (char **)one;
	t.nrecipients = 1;
	s.relay = WM_PKI_RELAY_EMAIL;
	s.detached = detached;
	s.sign_cert = fix_cert(pki, "gw");
	s.sign_key = fix_key(pki, "gw");
	s.to_cert = fix_cert(pki, "box");
	wm_buf_init(out);
	ck_assert(wm_tunnel_seal(&t, orig->data, orig->len, &s, out, &err) == 0);
	ck_assert_uint_gt(out->len, 8 * 1024 * 1024);
	X509_free(s.sign_cert);
	X509_free(s.to_cert);
	EVP_PKEY_free(s.sign_key);
}

static void
assert_big_stored(const struct wm_buf *orig)
{
	struct wm_message **v;
	struct wm_buf b;
	struct wm_err err;
	char *box, *path;
	size_t n;

	ck_assert_int_eq(wm_message_list(db, "big@customer.example", "inbox", 0,
	    10, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	box = wm_mailbox_path(wm_config_path(cfg, "mail"), "big@customer.example");
	path = wm_asprintf("%s/%s", box, v[0]->file);
	fix_read(path, &b);
	assert_original(v[0], &b, orig->data, orig->len);
	wm_buf_free(&b);
	free(path);
	free(box);
	wm_message_list_free(v, n);
}

START_TEST(test_big_opaque_tunnel_is_spooled_and_delivered)
{
	struct wm_buf mail, orig;
	struct wm_err err;

	big_tunnel(0, &mail, &orig);
	ck_assert_msg(deliver_pipe(&mail, &err) == 0, "%s", err.msg);
	assert_big_stored(&orig);
	wm_buf_free(&mail);
	wm_buf_free(&orig);
}
END_TEST

START_TEST(test_big_detached_tunnel_is_spooled_and_delivered)
{
	struct wm_buf mail, orig;
	struct wm_err err;

	big_tunnel(1, &mail, &orig);
	ck_assert_msg(deliver_pipe(&mail, &err) == 0, "%s", err.msg);
	assert_big_stored(&orig);
	wm_buf_free(&mail);
	wm_buf_free(&orig);
}
END_TEST

START_TEST(test_big_refused_tunnel_reaches_postmaster_whole)
{
	struct wm_buf mail, orig;
	struct wm_err err;

	big_tunnel(0, &mail, &orig);
	/* Not for us any more: the postmaster copy must carry all of it. */
	ck_assert_int_eq(wm_db_exec(db, "UPDATE certificates SET is_root = 0",
	    &err), 0);
	ck_assert_msg(deliver_pipe(&mail, &err) == 0, "%s", err.msg);
	flush();
	ck_assert_int_eq(indexed("big@customer.example"), 0);
	ck_assert_int_eq(count_files(wm_config_path(cfg, "outbox"), ".eml"), 1);
	ck_assert_int_eq(fix_sh("test $(cat %s/outbox/*.eml | wc -c) -gt %zu",
	    dir, mail.len), 0);
	wm_buf_free(&mail);
	wm_buf_free(&orig);
}
END_TEST

START_TEST(test_too_big_tunnel_is_refused)
{
	struct wm_buf mail;
	struct wm_err err;
	int fds[2];

	tunnel("gw", three, &mail);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], mail.data, mail.len), (ssize_t)mail.len);
	close(fds[1]);
	ck_assert_int_eq(wm_deliver_stream(cfg, db, "g@corp.example",
	    WM_PKI_RELAY_EMAIL, fds[0], mail.len - 1, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	close(fds[0]);
	ck_assert_int_eq(indexed("bob@customer.example"), 0);
	wm_buf_free(&mail);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("deliver");

	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_three_recipients_stored_byte_identical);
	tcase_add_test(tc, test_detached_tunnel_is_delivered);
	tcase_add_test(tc, test_second_delivery_stores_one_copy);
	tcase_add_test(tc, test_over_quota_recipient_skipped_others_delivered);
	tcase_add_test(tc, test_untrusted_signer_goes_to_postmaster);
	tcase_add_test(tc, test_failed_postmaster_copy_stays_queued);
	tcase_add_test(tc, test_failed_notification_keeps_mail_and_notice);
	tcase_add_test(tc, test_unwritable_mail_dir_is_tempfail_and_nothing_indexed);
	tcase_add_test(tc, test_missing_relay_key_is_tempfail);
	tcase_add_test(tc, test_unreadable_quota_defers);
	tcase_add_test(tc, test_empty_input_is_refused_without_postmaster);
	tcase_add_test(tc, test_delivery_key_depends_on_mail_and_recipient);
	tcase_add_test(tc, test_own_system_mail_is_not_processed_again);
	tcase_add_test(tc, test_stream_from_pipe_delivers);
	tcase_add_test(tc, test_kept_store_judges_the_signer_now);
	tcase_add_test(tc, test_big_opaque_tunnel_is_spooled_and_delivered);
	tcase_add_test(tc, test_big_detached_tunnel_is_spooled_and_delivered);
	tcase_add_test(tc, test_big_refused_tunnel_reaches_postmaster_whole);
	tcase_add_test(tc, test_too_big_tunnel_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
