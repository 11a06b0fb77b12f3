/*
 * test_user.c - users over the database: add, find, passwords, enable,
 * delete with and without purging the mailbox (guide 7.1).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "mailbox.h"
#include "user.h"
#include "util.h"
#include "testutil.h"

static char *dir;
static char *root;
static struct wm_db *db;

static void
setup(void)
{
	struct wm_err err;
	char *path;

	dir = wm_test_tmpdir();
	path = wm_asprintf("%s/wm.db", dir);
	root = wm_asprintf("%s/mail", dir);
	ck_assert_int_eq(wm_mkdir_p(root, 0700, &err), 0);
	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	free(path);
}

static void
teardown(void)
{
	wm_db_close(db);
	free(root);
	wm_test_rmdir(dir);
}

static void
sql(const char *text)
{
	struct wm_err err;

	ck_assert_msg(wm_db_exec(db, text, &err) == 0, "%s", err.msg);
}

static long long
count(const char *query)
{
	sqlite3_stmt *st;
	struct wm_err err;
	long long n;

	st = wm_db_prepare(db, query, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

START_TEST(test_user_add_normalises_address)
{
	struct wm_user *u;
	struct wm_err err;

	setenv("WM_NOW", "1800000000", 1);
	ck_assert_int_eq(wm_user_add(db, "Bob@Example.COM", &err), 0);
	unsetenv("WM_NOW");
	u = wm_user_get(db, "Bob@EXAMPLE.com", &err);
	ck_assert_msg(u != NULL, "%s", err.msg);
	ck_assert_str_eq(u->address, "Bob@example.com");
	ck_assert_str_eq(u->domain, "example.com");
	ck_assert_int_eq(u->enabled, 1);
	ck_assert_int_eq(u->has_password, 0);
	ck_assert_int_eq((long)u->created, 1800000000L);
	ck_assert_int_eq((long)u->signed_up, 0);
	ck_assert_int_eq((long)u->last_invite, 0);
	wm_user_free(u);
	/* the local part keeps its case: a different user */
	ck_assert_ptr_null(wm_user_get(db, "bob@example.com", &err));
	ck_assert_int_eq(err.code, EX_NOUSER);
	wm_user_free(NULL);
}
END_TEST

START_TEST(test_user_add_refuses_duplicates_and_bad_addresses)
{
	struct wm_err err;

	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_user_add(db, "bob@EXAMPLE.com", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "exists") != NULL, "%s", err.msg);
	ck_assert_int_eq(wm_user_add(db, "Bob <bob@example.com>", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_user_add(db, "bob@example.com\r\nX: y", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_ptr_null(wm_user_get(db, "not an address", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(count("SELECT count(*) FROM users"), 1);
}
END_TEST

START_TEST(test_user_ensure_tells_whether_it_created)
{
	struct wm_err err;
	int created = -1;

	ck_assert_int_eq(wm_user_ensure(db, "new@example.com", &created, &err), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(wm_user_ensure(db, "new@EXAMPLE.com", &created, &err), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM users"), 1);
}
END_TEST

START_TEST(test_user_enable_and_disable)
{
	struct wm_user *u;
	struct wm_err err;

	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_user_set_enabled(db, "bob@example.com", 0, &err), 0);
	u = wm_user_get(db, "bob@example.com", &err);
	ck_assert_int_eq(u->enabled, 0);
	wm_user_free(u);
	ck_assert_int_eq(wm_user_set_enabled(db, "bob@example.com", 1, &err), 0);
	u = wm_user_get(db, "bob@example.com", &err);
	ck_assert_int_eq(u->enabled, 1);
	wm_user_free(u);
	ck_assert_int_eq(wm_user_set_enabled(db, "nobody@example.com", 0, &err), -1);
	ck_assert_int_eq(err.code, EX_NOUSER);
}
END_TEST

START_TEST(test_user_password_set_and_check)
{
	struct wm_user *u;
	struct wm_err err, e2;

	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	/* no password yet: nothing matches */
	ck_assert_int_eq(wm_user_check_password(db, "bob@example.com", "", &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	setenv("WM_NOW", "1800000100", 1);
	ck_assert_int_eq(wm_user_set_password(db, "bob@example.com",
	    "Blue horizon 42", &err), 0);
	setenv("WM_NOW", "1800000200", 1);
	ck_assert_int_eq(wm_user_set_password(db, "bob@example.com",
	    "Green horizon 43", &err), 0);
	unsetenv("WM_NOW");
	u = wm_user_get(db, "bob@example.com", &err);
	ck_assert_int_eq(u->has_password, 1);
	/* signed up with the first password, not the change */
	ck_assert_int_eq((long)u->signed_up, 1800000100L);
	wm_user_free(u);
	/* stored as a yescrypt hash, never as given */
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE password LIKE '$y$%'"), 1);
	ck_assert_int_eq(wm_user_check_password(db, "bob@EXAMPLE.com",
	    "Green horizon 43", &err), 0);
	ck_assert_int_eq(wm_user_check_password(db, "bob@example.com",
	    "Blue horizon 42", &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	/* unknown user and bad address read exactly like a wrong password */
	ck_assert_int_eq(wm_user_check_password(db, "eve@example.com",
	    "Green horizon 43", &e2), -1);
	ck_assert_int_eq(e2.code, EX_NOPERM);
	ck_assert_str_eq(e2.msg, err.msg);
	ck_assert_int_eq(wm_user_check_password(db, "<junk>",
	    "Green horizon 43", &e2), -1);
	ck_assert_str_eq(e2.msg, err.msg);
	/* a disabled account cannot log in */
	ck_assert_int_eq(wm_user_set_enabled(db, "bob@example.com", 0, &err), 0);
	ck_assert_int_eq(wm_user_check_password(db, "bob@example.com",
	    "Green horizon 43", &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_int_eq(wm_user_set_password(db, "eve@example.com", "x", &err), -1);
	ck_assert_int_eq(err.code, EX_NOUSER);
}
END_TEST

START_TEST(test_user_last_invite)
{
	struct wm_user *u;
	struct wm_err err;

	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_user_set_last_invite(db, "bob@example.com", 12345, &err), 0);
	u = wm_user_get(db, "bob@example.com", &err);
	ck_assert_int_eq((long)u->last_invite, 12345);
	wm_user_free(u);
}
END_TEST

/* bob and carol with settings, templates and indexed mail. */
static void
two_users_with_data(void)
{
	struct wm_err err;

	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_user_add(db, "carol@example.com", &err), 0);
	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", "mail", 4,
	    NULL, &err), 0);
	ck_assert_int_eq(wm_mailbox_store(root, "carol@example.com", "mail", 4,
	    NULL, &err), 0);
	sql("INSERT INTO properties VALUES ('user','bob@example.com','quota','1M'),"
	    "('user','carol@example.com','quota','2M'),"
	    "('domain','example.com','quota','3M');"
	    "INSERT INTO templates VALUES ('user','bob@example.com','signup','x'),"
	    "('user','carol@example.com','signup','y');"
	    "INSERT INTO messages (mailbox, file, received, size) VALUES "
	    "('bob@example.com','new/1',1,4),('carol@example.com','new/2',1,4);"
	    "INSERT INTO sessions VALUES ('h1','user','bob@example.com','c',1,1,'full'),"
	    "('h2','user','carol@example.com','c',1,1,'full');");
}

START_TEST(test_user_delete_keeps_mailbox)
{
	struct wm_err err;
	char *path;
	int created;

	two_users_with_data();
	ck_assert_int_eq(wm_user_delete(db, root, "bob@EXAMPLE.com", 0, &err), 0);
	ck_assert_ptr_null(wm_user_get(db, "bob@example.com", &err));
	ck_assert_int_eq(err.code, EX_NOUSER);
	ck_assert_int_eq(count("SELECT count(*) FROM properties WHERE owner = 'bob@example.com'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM templates WHERE owner = 'bob@example.com'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions WHERE principal = 'bob@example.com'"), 0);
	/* the mail stays for a re-signup */
	ck_assert_int_eq(count("SELECT count(*) FROM messages WHERE mailbox = 'bob@example.com'"), 1);
	path = wm_mailbox_path(root, "bob@example.com");
	ck_assert(wm_path_exists(path));
	ck_assert_int_eq(wm_mailbox_usage(root, "bob@example.com"), 4);
	/* the other user and the domain setting are untouched */
	ck_assert_int_eq(count("SELECT count(*) FROM properties"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM templates"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions"), 1);
	/* the next mail re-creates the user, who finds the old mail */
	ck_assert_int_eq(wm_user_ensure(db, "bob@example.com", &created, &err), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM messages WHERE mailbox = 'bob@example.com'"), 1);
	free(path);
}
END_TEST

START_TEST(test_user_delete_purge_removes_mailbox_and_index)
{
	struct wm_err err;
	char *path, *other;
	DIR *d;
	struct dirent *de;
	int n = 0;

	two_users_with_data();
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 1, &err), 0);
	path = wm_mailbox_path(root, "bob@example.com");
	ck_assert(!wm_path_exists(path));
	ck_assert_int_eq(count("SELECT count(*) FROM messages WHERE mailbox = 'bob@example.com'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM messages"), 1);
	other = wm_mailbox_path(root, "carol@example.com");
	ck_assert(wm_path_exists(other));
	/* nothing left behind in the mail directory but carol */
	d = opendir(root);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	ck_assert_int_eq(n, 1);
	free(path);
	free(other);
}
END_TEST

START_TEST(test_user_delete_purge_without_mailbox)
{
	struct wm_err err;

	ck_assert_int_eq(wm_user_add(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 1, &err), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM users"), 0);
}
END_TEST

START_TEST(test_user_purge_after_delete_removes_kept_mailbox)
{
	struct wm_err err;
	char *path;

	two_users_with_data();
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 0, &err), 0);
	path = wm_mailbox_path(root, "bob@example.com");
	ck_assert(wm_path_exists(path));
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 1, &err), 0);
	ck_assert(!wm_path_exists(path));
	ck_assert_int_eq(count("SELECT count(*) FROM messages WHERE mailbox = 'bob@example.com'"), 0);
	/* now there is nothing left to delete */
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 1, &err), -1);
	ck_assert_int_eq(err.code, EX_NOUSER);
	ck_assert_int_eq(wm_user_delete(db, root, "carol@example.com", 0, &err), 0);
	free(path);
}
END_TEST

START_TEST(test_user_delete_joins_a_running_transaction)
{
	struct wm_err err;

	two_users_with_data();
	ck_assert_int_eq(wm_db_begin(db, &err), 0);
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 0, &err), 0);
	ck_assert_int_eq(wm_user_delete(db, root, "eve@example.com", 0, &err), -1);
	ck_assert_int_eq(err.code, EX_NOUSER);
	/* the caller's rollback undoes the delete */
	wm_db_rollback(db);
	ck_assert_int_eq(count("SELECT count(*) FROM users"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM properties"), 3);
	ck_assert_int_eq(wm_db_begin(db, &err), 0);
	ck_assert_int_eq(wm_user_delete(db, root, "bob@example.com", 0, &err), 0);
	ck_assert_int_eq(wm_db_commit(db, &err), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM users"), 1);
}
END_TEST

START_TEST(test_user_delete_unknown_changes_nothing)
{
	struct wm_err err;

	two_users_with_data();
	ck_assert_int_eq(wm_user_delete(db, root, "eve@example.com", 1, &err), -1);
	ck_assert_int_eq(err.code, EX_NOUSER);
	ck_assert_int_eq(wm_user_delete(db, root, "<eve@example.com>", 1, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(count("SELECT count(*) FROM users"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM messages"), 2);
}
END_TEST

static int
collect(const struct wm_user *u, void *arg)
{
	struct wm_buf *b = arg;

	wm_buf_printf(b, "%s%s;", u->address, u->enabled ? "" : "(off)");
	return 0;
}

static int
stop_first(const struct wm_user *u, void *arg)
{
	(*(int *)arg)++;
	return -1;
}

START_TEST(test_user_foreach_orders_by_address)
{
	struct wm_err err;
	struct wm_buf b;
	int calls = 0;

	ck_assert_int_eq(wm_user_add(db, "zed@example.com", &err), 0);
	ck_assert_int_eq(wm_user_add(db, "amy@example.com", &err), 0);
	ck_assert_int_eq(wm_user_add(db, "kim@example.org", &err), 0);
	ck_assert_int_eq(wm_user_set_enabled(db, "kim@example.org", 0, &err), 0);
	wm_buf_init(&b);
	ck_assert_int_eq(wm_user_foreach(db, collect, &b, &err), 0);
	ck_assert_str_eq(b.data, "amy@example.com;kim@example.org(off);zed@example.com;");
	wm_buf_free(&b);
	ck_assert_int_eq(wm_user_foreach(db, stop_first, &calls, &err), -1);
	ck_assert_int_eq(calls, 1);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("user");

	WM_TEST_F(s, test_user_add_normalises_address, setup, teardown);
	WM_TEST_F(s, test_user_add_refuses_duplicates_and_bad_addresses, setup, teardown);
	WM_TEST_F(s, test_user_ensure_tells_whether_it_created, setup, teardown);
	WM_TEST_F(s, test_user_enable_and_disable, setup, teardown);
	WM_TEST_F(s, test_user_password_set_and_check, setup, teardown);
	WM_TEST_F(s, test_user_last_invite, setup, teardown);
	WM_TEST_F(s, test_user_delete_keeps_mailbox, setup, teardown);
	WM_TEST_F(s, test_user_delete_purge_removes_mailbox_and_index, setup, teardown);
	WM_TEST_F(s, test_user_delete_purge_without_mailbox, setup, teardown);
	WM_TEST_F(s, test_user_purge_after_delete_removes_kept_mailbox, setup, teardown);
	WM_TEST_F(s, test_user_delete_joins_a_running_transaction, setup, teardown);
	WM_TEST_F(s, test_user_delete_unknown_changes_nothing, setup, teardown);
	WM_TEST_F(s, test_user_foreach_orders_by_address, setup, teardown);
	return s;
}
