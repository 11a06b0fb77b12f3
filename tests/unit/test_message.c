/*
 * test_message.c - the messages index: insert, delivery keys unique, lists
 * newest first with paging, and rows reachable only through their mailbox.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "err.h"
#include "mailbox.h"
#include "message.h"
#include "util.h"
#include "testutil.h"

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	struct wm_err err;
	char *path;

	dir = wm_test_tmpdir();
	path = wm_asprintf("%s/wm.db", dir);
	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	free(path);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
}

static long long
add(const char *mailbox, const char *key, time_t received, const char *subject)
{
	struct wm_message m;
	struct wm_err err;

	memset(&m, 0, sizeof(m));
	m.mailbox = (char *)mailbox;
	m.file = "new/1.x";
	m.delivery_key = (char *)key;
	m.envelope_sender = "alice@corp.example";
	m.from_addr = "Alice <alice@corp.example>";
	m.to_addr = (char *)mailbox;
	m.cc_addr = "";
	m.subject = (char *)subject;
	m.message_id = "id@corp.example";
	m.date = 1700000000;
	m.received = received;
	m.size = 1234;
	m.has_attachments = 1;
	m.expires = 1801353600;
	m.read_receipt = 1;
	m.header_error = "cannot parse Date";
	ck_assert_msg(wm_message_insert(db, &m, &err) == 0, "%s", err.msg);
	ck_assert_int_gt(m.id, 0);
	return m.id;
}

START_TEST(test_insert_and_get_keep_every_field)
{
	struct wm_message *m;
	struct wm_err err;
	long long id = add("bob@customer.example", "k1", 1000, "hello");

	m = wm_message_get(db, "bob@customer.example", id, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert_str_eq(m->folder, "inbox");
	ck_assert_str_eq(m->file, "new/1.x");
	ck_assert_str_eq(m->delivery_key, "k1");
	ck_assert_str_eq(m->subject, "hello");
	ck_assert_str_eq(m->from_addr, "Alice <alice@corp.example>");
	ck_assert_int_eq(m->date, 1700000000);
	ck_assert_int_eq(m->received, 1000);
	ck_assert_int_eq(m->size, 1234);
	ck_assert_int_eq(m->has_attachments, 1);
	ck_assert_int_eq(m->expires, 1801353600);
	ck_assert_int_eq(m->read_receipt, 1);
	ck_assert_int_eq(m->seen, 0);
	ck_assert_str_eq(m->header_error, "cannot parse Date");
	wm_message_free(m);
}
END_TEST

START_TEST(test_duplicate_delivery_key_is_refused)
{
	struct wm_message m;
	struct wm_err err;

	add("bob@customer.example", "same", 1000, "a");
	ck_assert_int_eq(wm_message_key_exists(db, "same", &err), 1);
	ck_assert_int_eq(wm_message_key_exists(db, "other", &err), 0);
	memset(&m, 0, sizeof(m));
	m.mailbox = "bob@customer.example";
	m.file = "new/2.x";
	m.delivery_key = "same";
	ck_assert_int_eq(wm_message_insert(db, &m, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 0,
	    &err), 1);
}
END_TEST

START_TEST(test_list_is_newest_first_with_paging)
{
	struct wm_message **v;
	struct wm_err err;
	size_t n;
	char key[16], subj[16];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		snprintf(subj, sizeof(subj), "s%d", i);
		add("bob@customer.example", key, 1000 + i, subj);
	}
	add("carol@other.example", "kc", 5000, "carol's");
	ck_assert_int_eq(wm_message_list(db, "bob@customer.example", "inbox", 0, 2,
	    &v, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0]->subject, "s4");
	ck_assert_str_eq(v[1]->subject, "s3");
	wm_message_list_free(v, n);
	ck_assert_int_eq(wm_message_list(db, "bob@customer.example", "inbox", 4, 2,
	    &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0]->subject, "s0");
	wm_message_list_free(v, n);
	ck_assert_int_eq(wm_message_list(db, "bob@customer.example", "sent", 0, 10,
	    &v, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	wm_message_list_free(v, n);
}
END_TEST

START_TEST(test_get_only_for_the_owner_mailbox)
{
	struct wm_err err;
	long long id = add("bob@customer.example", "k1", 1000, "bob's");

	ck_assert_ptr_null(wm_message_get(db, "eve@evil.example", id, &err));
	ck_assert_int_eq(err.code, EX_NOINPUT);
	ck_assert_int_eq(wm_message_set_seen(db, "eve@evil.example", id, 1, &err), -1);
	ck_assert_int_eq(wm_message_delete(db, "eve@evil.example", id, &err), -1);
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 0,
	    &err), 1);
}
END_TEST

START_TEST(test_seen_count_file_and_delete)
{
	struct wm_message *m;
	struct wm_err err;
	long long id = add("bob@customer.example", "k1", 1000, "x");

	add("bob@customer.example", "k2", 1001, "y");
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 1,
	    &err), 2);
	ck_assert_int_eq(wm_message_set_seen(db, "bob@customer.example", id, 1,
	    &err), 0);
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 1,
	    &err), 1);
	ck_assert_int_eq(wm_message_set_file(db, id, "cur/1.x:2,S", &err), 0);
	ck_assert_int_eq(wm_message_set_receipt_sent(db, id, &err), 0);
	m = wm_message_get(db, "bob@customer.example", id, &err);
	ck_assert_str_eq(m->file, "cur/1.x:2,S");
	ck_assert_int_eq(m->receipt_sent, 1);
	ck_assert_int_eq(m->seen, 1);
	wm_message_free(m);
	ck_assert_int_eq(wm_message_delete(db, "bob@customer.example", id, &err), 0);
	ck_assert_int_eq(wm_message_delete(db, "bob@customer.example", id, &err), -1);
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 0,
	    &err), 1);
}
END_TEST

/* Totals read from mailbox_totals agree with the rows after every change. */
static void
totals_are(const char *mailbox, const char *folder, long long msgs,
    long long unseen, long long bytes)
{
	long long a = -1, b = -1, c = -1;
	struct wm_err err;

	ck_assert_msg(wm_message_totals(db, mailbox, folder, &a, &b, &c,
	    &err) == 0, "%s", err.msg);
	ck_assert_int_eq(a, msgs);
	ck_assert_int_eq(b, unseen);
	ck_assert_int_eq(c, bytes);
}

START_TEST(test_totals_follow_insert_seen_and_delete)
{
	struct wm_message m;
	struct wm_err err;
	long long id1, id2;

	totals_are("bob@customer.example", NULL, 0, 0, 0);
	id1 = add("bob@customer.example", "k1", 1000, "x");
	id2 = add("bob@customer.example", "k2", 1001, "y");
	add("carol@other.example", "kc", 1002, "carol's");
	memset(&m, 0, sizeof(m));
	m.mailbox = "bob@customer.example";
	m.folder = "sent";
	m.file = "cur/3.x:2,S";
	m.delivery_key = "k3";
	m.size = 100;
	m.seen = 1;
	ck_assert_msg(wm_message_insert(db, &m, &err) == 0, "%s", err.msg);
	totals_are("bob@customer.example", "inbox", 2, 2, 2468);
	totals_are("bob@customer.example", "sent", 1, 0, 100);
	totals_are("bob@customer.example", NULL, 3, 2, 2568);
	totals_are("carol@other.example", NULL, 1, 1, 1234);
	ck_assert_int_eq(wm_message_set_seen(db, "bob@customer.example", id1, 1,
	    &err), 0);
	totals_are("bob@customer.example", "inbox", 2, 1, 2468);
	/* Marking it seen again changes nothing. */
	ck_assert_int_eq(wm_message_set_seen(db, "bob@customer.example", id1, 1,
	    &err), 0);
	totals_are("bob@customer.example", "inbox", 2, 1, 2468);
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 1,
	    &err), 1);
	ck_assert_int_eq(wm_message_delete(db, "bob@customer.example", id2, &err),
	    0);
	totals_are("bob@customer.example", "inbox", 1, 0, 1234);
	ck_assert_int_eq(wm_message_delete(db, "bob@customer.example", id1, &err),
	    0);
	totals_are("bob@customer.example", "inbox", 0, 0, 0);
	totals_are("bob@customer.example", NULL, 1, 0, 100);
	ck_assert_int_eq(wm_message_count(db, "bob@customer.example", "inbox", 0,
	    &err), 0);
}
END_TEST
/* A delivered message and its row, as wm-deliver leaves them. */
static long long
store(const char *root, const char *key, char **file)
{
	struct wm_message m;
	struct wm_err err;

	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", "S: x\n\nb\n",
	    9, file, &err), 0);
	memset(&m, 0, sizeof(m));
	m.mailbox = "bob@example.com";
	m.file = *file;
	m.delivery_key = (char *)key;
	m.size = 9;
	ck_assert_msg(wm_message_insert(db, &m, &err) == 0, "%s", err.msg);
	return m.id;
}

/* What Dovecot does: new/ -> cur/ with flags. */
static void
reader_moves(const char *root, const char *file, const char *flags)
{
	char *box = wm_mailbox_path(root, "bob@example.com");
	char *a = wm_asprintf("%s/%s", box, file);
	char *b = wm_asprintf("%s/cur/%s:2,%s", box, strchr(file, '/') + 1, flags);

	ck_assert_int_eq(rename(a, b), 0);
	free(a);
	free(b);
	free(box);
}

START_TEST(test_sync_adopts_moves_and_flags)
{
	char *root = wm_asprintf("%s/mail", dir), *f1, *f2, *f3;
	long long id1, id2, id3, unseen;
	struct wm_message *m;
	struct wm_err err;

	ck_assert_int_eq(mkdir(root, 0700), 0);
	id1 = store(root, "k1", &f1);
	id2 = store(root, "k2", &f2);
	id3 = store(root, "k3", &f3);
	reader_moves(root, f1, "S");
	reader_moves(root, f2, "ST");
	ck_assert_int_eq(wm_message_sync(db, root, "bob@example.com", "inbox",
	    &err), 0);
	m = wm_message_get(db, "bob@example.com", id1, &err);
	ck_assert_msg(strncmp(m->file, "cur/", 4) == 0 && m->seen && !m->trashed,
	    "%s", m->file);
	wm_message_free(m);
	m = wm_message_get(db, "bob@example.com", id2, &err);
	ck_assert(m->seen && m->trashed);
	wm_message_free(m);
	m = wm_message_get(db, "bob@example.com", id3, &err);
	ck_assert_str_eq(m->file, f3);
	ck_assert(!m->seen);
	ck_assert_int_eq(wm_message_totals(db, "bob@example.com", "inbox", NULL,
	    &unseen, NULL, &err), 0);
	ck_assert_int_eq(unseen, 1);
	/* One message, located alone; the portal's read mark is the flag S. */
	reader_moves(root, f3, "");
	ck_assert_int_eq(wm_message_locate(db, root, m, &err), 0);
	ck_assert_str_eq(wm_mailbox_flags(m->file), "");
	ck_assert_int_eq(wm_message_mark_seen(db, root, m, &err), 0);
	ck_assert_str_eq(wm_mailbox_flags(m->file), "S");
	wm_message_free(m);
	m = wm_message_get(db, "bob@example.com", id3, &err);
	ck_assert(m->seen && wm_mailbox_has_flag(m->file, 'S'));
	wm_message_free(m);
	free(f1);
	free(f2);
	free(f3);
	free(root);
}
END_TEST


Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("message");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_insert_and_get_keep_every_field);
	tcase_add_test(tc, test_duplicate_delivery_key_is_refused);
	tcase_add_test(tc, test_list_is_newest_first_with_paging);
	tcase_add_test(tc, test_get_only_for_the_owner_mailbox);
	tcase_add_test(tc, test_seen_count_file_and_delete);
	tcase_add_test(tc, test_totals_follow_insert_seen_and_delete);
	tcase_add_test(tc, test_sync_adopts_moves_and_flags);
	suite_add_tcase(s, tc);
	return s;
}
