/*
 * test_box_totals.c - the one-row totals the status page reads agree with
 * counting the rows, through inserts, moves and deletes of users and mail.
 */
#include <check.h>
#include <stdlib.h>

#include "db.h"
#include "testutil.h"

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
}

static long long
one(const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(wm_db_handle(db), sql, -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
exec(const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(wm_db_handle(db), sql, NULL, NULL, NULL),
	    SQLITE_OK);
}

static void
agree(void)
{
	ck_assert_int_eq(one("SELECT users FROM box_totals"),
	    one("SELECT count(*) FROM users"));
	ck_assert_int_eq(one("SELECT mailboxes FROM box_totals"),
	    one("SELECT count(DISTINCT mailbox) FROM mailbox_totals"));
	ck_assert_int_eq(one("SELECT bytes FROM box_totals"),
	    one("SELECT COALESCE(sum(bytes), 0) FROM mailbox_totals"));
}

#define MAIL(box, folder, size) \
	"INSERT INTO messages (mailbox, folder, file, from_addr, subject, " \
	"received, size) VALUES ('" box "', '" folder "', 'cur/x', 'a@b', 's', " \
	"1, " #size ");"

START_TEST(test_box_totals_follow_users_and_mail)
{
	agree();
	exec("INSERT INTO users (address, domain, created) VALUES "
	    "('a@x.example', 'x.example', 1), ('b@x.example', 'x.example', 1);");
	exec(MAIL("a@x.example", "inbox", 100) MAIL("a@x.example", "inbox", 50)
	    MAIL("a@x.example", "sent", 7) MAIL("b@x.example", "inbox", 1000));
	agree();
	ck_assert_int_eq(one("SELECT mailboxes FROM box_totals"), 2);
	ck_assert_int_eq(one("SELECT bytes FROM box_totals"), 1157);
	exec("UPDATE messages SET folder = 'sent' WHERE size = 100;");
	exec("DELETE FROM messages WHERE size = 1000;");
	exec("DELETE FROM users WHERE address = 'b@x.example';");
	agree();
	ck_assert_int_eq(one("SELECT users FROM box_totals"), 1);
	exec("DELETE FROM mailbox_totals WHERE mailbox = 'b@x.example';");
	agree();
	ck_assert_int_eq(one("SELECT mailboxes FROM box_totals"), 1);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("box_totals");

	WM_TEST_F(s, test_box_totals_follow_users_and_mail, setup, teardown);
	return s;
}
