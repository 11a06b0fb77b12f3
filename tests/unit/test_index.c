/*
 * test_index.c - headers decoded after delivery (index.c): rows stored
 * undecoded get From, To, Subject (RFC 2047), Date, Message-ID and the
 * attachment flag; a mail moved to cur/ by a stock reader is found; a
 * missing file and a mail whose parse crashes the sandboxed child are
 * indexed with empty fields and the reason, and the mails beside the crash
 * in its batch are decoded all the same; a second pass changes nothing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "err.h"
#include "index.h"
#include "mailbox.h"
#include "message.h"
#include "util.h"
#include "testutil.h"

static char *dir, *root;
static struct wm_db *db;

static void
setup(void)
{
	dir = wm_test_tmpdir();
	root = wm_asprintf("%s/mail", dir);
	db = wm_test_db(dir);
	unsetenv("WM_TEST_PARSE_FAULTS");
}

static void
teardown(void)
{
	wm_db_close(db);
	free(root);
	wm_test_rmdir(dir);
}

/* A mail in bob's maildir as file (new/NAME), and its undecoded row. */
static long long
stored(const char *file, const char *mail, int write_it)
{
	static int n;
	struct wm_message m;
	struct wm_err err;
	char *box, *sub, *path, key[32];

	box = wm_mailbox_path(root, "bob@example.com");
	mkdir(root, 0700);
	mkdir(box, 0700);
	sub = wm_asprintf("%s/new", box);
	mkdir(sub, 0700);
	sub[strlen(sub) - 3] = 'c';
	sub[strlen(sub) - 2] = 'u';
	sub[strlen(sub) - 1] = 'r';
	mkdir(sub, 0700);
	path = wm_asprintf("%s/%s", box, file);
	if (write_it)
		wm_test_write(path, mail);
	memset(&m, 0, sizeof(m));
	snprintf(key, sizeof(key), "k%d", ++n);
	m.mailbox = "bob@example.com";
	m.file = (char *)file;
	m.delivery_key = key;
	m.envelope_sender = "gw@corp.example";
	m.size = (long long)strlen(mail);
	m.unindexed = 1;
	ck_assert_int_eq(wm_message_insert(db, &m, &err), 0);
	free(path);
	free(sub);
	free(box);
	return m.id;
}

static struct wm_message *
row(long long id)
{
	struct wm_message *m;
	struct wm_err err;

	m = wm_message_get(db, "bob@example.com", id, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	return m;
}

static const char plain[] =
    "From: =?UTF-8?B?SsO2cmc=?= <joerg@corp.example>\n"
    "To: bob@example.com\nCc: carol@example.com\n"
    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Bern\n"
    "Date: Tue, 01 Dec 2026 10:00:00 +0000\n"
    "Message-ID: <m1@corp.example>\n\nHello\n";

static const char multipart[] =
    "From: alice@corp.example\nTo: bob@example.com\nSubject: figures\n"
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
    "--b\nContent-Type: text/plain\n\nsee attached\n--b\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment; filename=q.pdf\n\n%PDF\n--b--\n";

static const char crash[] =
    "From: mallory@corp.example\nSubject: boom\n"
    "X-WM-Test-Fault: crash\n\nbody\n";

START_TEST(test_rows_are_decoded_once)
{
	struct wm_message *m;
	struct wm_err err;
	long long a, b, done;

	a = stored("new/1.a", plain, 1);
	b = stored("new/2.b", multipart, 1);
	m = row(a);
	ck_assert(m->unindexed && m->subject == NULL && m->from_addr == NULL);
	wm_message_free(m);
	ck_assert_int_eq(wm_index_pending(db, root, NULL, 0, &done, &err), 0);
	ck_assert_int_eq(done, 2);
	m = row(a);
	ck_assert_int_eq(m->unindexed, 0);
	ck_assert_str_eq(m->subject, "Grüße aus Bern");
	ck_assert_ptr_nonnull(strstr(m->from_addr, "Jörg"));
	ck_assert_ptr_nonnull(strstr(m->cc_addr, "carol@example.com"));
	ck_assert_str_eq(m->message_id, "m1@corp.example");
	ck_assert_int_eq(m->date, 1796119200);
	ck_assert_int_eq(m->has_attachments, 0);
	ck_assert_ptr_null(m->header_error);
	wm_message_free(m);
	m = row(b);
	ck_assert_str_eq(m->subject, "figures");
	ck_assert_int_eq(m->has_attachments, 1);
	ck_assert_ptr_null(m->message_id);
	wm_message_free(m);
	ck_assert_int_eq(wm_index_pending(db, root, NULL, 0, &done, &err), 0);
	ck_assert_int_eq(done, 0);
}
END_TEST

START_TEST(test_moved_and_missing_files)
{
	struct wm_message *m;
	struct wm_err err;
	long long a, b, done;
	char *box, *from, *to;

	a = stored("new/3.c", plain, 1);
	b = stored("new/4.d", plain, 0);
	/* A stock reader read it: new/3.c is now cur/3.c:2,S. */
	box = wm_mailbox_path(root, "bob@example.com");
	from = wm_asprintf("%s/new/3.c", box);
	to = wm_asprintf("%s/cur/3.c:2,S", box);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(wm_index_pending(db, root, "bob@example.com", 0, &done,
	    &err), 0);
	ck_assert_int_eq(done, 2);
	m = row(a);
	ck_assert_str_eq(m->subject, "Grüße aus Bern");
	ck_assert_str_eq(m->file, "cur/3.c:2,S");
	wm_message_free(m);
	m = row(b);
	ck_assert_int_eq(m->unindexed, 0);
	ck_assert_str_eq(m->subject, "");
	ck_assert_str_eq(m->header_error, "the mail file is missing");
	wm_message_free(m);
	free(from);
	free(to);
	free(box);
}
END_TEST

START_TEST(test_a_crash_costs_only_its_own_mail)
{
	struct wm_message *m;
	struct wm_err err;
	long long a, b, c, done;

	setenv("WM_TEST_PARSE_FAULTS", "1", 1);
	a = stored("new/5.e", plain, 1);
	b = stored("new/6.f", crash, 1);
	c = stored("new/7.g", multipart, 1);
	ck_assert_int_eq(wm_index_pending(db, root, NULL, 0, &done, &err), 0);
	ck_assert_int_eq(done, 3);
	m = row(a);
	ck_assert_str_eq(m->subject, "Grüße aus Bern");
	wm_message_free(m);
	m = row(b);
	ck_assert_int_eq(m->unindexed, 0);
	ck_assert_str_eq(m->subject, "");
	ck_assert_ptr_nonnull(strstr(m->header_error, "crashed"));
	wm_message_free(m);
	m = row(c);
	ck_assert_int_eq(m->has_attachments, 1);
	wm_message_free(m);
}
END_TEST

START_TEST(test_only_the_mailbox_asked_for)
{
	struct wm_message m, *got;
	struct wm_err err;
	long long done, a;

	a = stored("new/8.h", plain, 1);
	memset(&m, 0, sizeof(m));
	m.mailbox = "carol@example.com";
	m.file = "new/9.i";
	m.delivery_key = "carol-1";
	m.size = 10;
	m.unindexed = 1;
	ck_assert_int_eq(wm_message_insert(db, &m, &err), 0);
	ck_assert_int_eq(wm_index_pending(db, root, "carol@example.com", 0,
	    &done, &err), 0);
	ck_assert_int_eq(done, 1);	/* carol's, whose file is missing */
	got = row(a);
	ck_assert_int_eq(got->unindexed, 1);
	wm_message_free(got);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("index");

	WM_TEST_F(s, test_rows_are_decoded_once, setup, teardown);
	WM_TEST_F(s, test_moved_and_missing_files, setup, teardown);
	WM_TEST_F(s, test_a_crash_costs_only_its_own_mail, setup, teardown);
	WM_TEST_F(s, test_only_the_mailbox_asked_for, setup, teardown);
	return s;
}
