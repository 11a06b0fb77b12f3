/*
 * test_core.c - the utility library, wm.conf parsing and the database.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "util.h"
#include "testutil.h"

START_TEST(test_config_reports_unknown_key_with_line)
{
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.conf", dir);

	wm_test_write(path, "[paths]\ndatabase = x.db\n\n[paths]\ndatabse = y\n");
	ck_assert_ptr_null(wm_config_load(path, &err));
	ck_assert_int_eq(err.code, EX_CONFIG);
	ck_assert_msg(strstr(err.msg, "wm.conf:5") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "databse") != NULL, "%s", err.msg);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_config_reports_syntax_error)
{
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.conf", dir);

	wm_test_write(path, "[paths\n");
	ck_assert_ptr_null(wm_config_load(path, &err));
	ck_assert_int_eq(err.code, EX_CONFIG);
	ck_assert_msg(strstr(err.msg, "wm.conf:1") != NULL, "%s", err.msg);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_config_paths_are_relative_to_file)
{
	struct wm_config *c;
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.conf", dir);
	char *want = wm_asprintf("%s/data/wm.db", dir);

	wm_test_write(path, "# comment\n[paths]\ndatabase = data/wm.db\n[listen]\nsmtp = 127.0.0.1:2525\n");
	c = wm_config_load(path, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(wm_config_path(c, "database"), want);
	ck_assert_str_eq(wm_config_get(c, "listen", "smtp"), "127.0.0.1:2525");
	ck_assert_str_eq(wm_config_get(c, "commands", "sendmail"), "/usr/sbin/sendmail");
	wm_config_free(c);
	free(want);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_config_missing_file_is_config_error)
{
	struct wm_err err;

	ck_assert_ptr_null(wm_config_load("/nonexistent/wm.conf", &err));
	ck_assert_int_eq(err.code, EX_CONFIG);
}
END_TEST

START_TEST(test_config_from_environment)
{
	struct wm_config *c;
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.conf", dir);

	wm_test_write(path, "[instance]\nname = envtest\n");
	setenv("WM_CONFIG", path, 1);
	c = wm_config_load(NULL, &err);
	unsetenv("WM_CONFIG");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(wm_config_get(c, "instance", "name"), "envtest");
	wm_config_free(c);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_db_migrates_to_current_version_in_wal)
{
	struct wm_db *db;
	struct wm_err err;
	sqlite3_stmt *st;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.db", dir);

	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	ck_assert_int_eq(wm_db_version(db), wm_db_schema_version());
	st = wm_db_prepare(db, "PRAGMA journal_mode", &err);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq(wm_db_text(st, 0), "wal");
	sqlite3_finalize(st);
	wm_db_close(db);
	/* Opening again is a no-op migration. */
	db = wm_db_open(path, 0, &err);
	ck_assert_ptr_nonnull(db);
	wm_db_close(db);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

/*
 * One process after the other (as wm-deliver runs), each the only one with
 * the database open: the WAL stays short, so opening never reads megabytes
 * of it again.  Before the reset it only grew (300 commits: over 1 MB).
 */
START_TEST(test_db_wal_stays_short_across_processes)
{
	struct wm_db *db;
	struct wm_err err;
	struct stat st;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.db", dir);
	char *wal = wm_asprintf("%s-wal", path);
	char value[2048];
	int i;

	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	wm_db_close(db);
	for (i = 0; i < 300; i++) {
		sqlite3_stmt *q;

		ck_assert_ptr_nonnull(db = wm_db_open(path, 0, &err));
		ck_assert_int_eq(wm_db_begin(db, &err), 0);
		q = wm_db_prepare(db, "INSERT INTO properties (scope, owner, name, "
		    "value) VALUES ('global', '', ?, ?)", &err);
		ck_assert_ptr_nonnull(q);
		sqlite3_bind_text(q, 1, wm_asprintf("n%d", i), -1, free);
		sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
		ck_assert_int_eq(wm_db_step_done(db, q, "insert", &err), 0);
		ck_assert_int_eq(wm_db_commit(db, &err), 0);
		wm_db_close(db);
	}
	ck_assert_int_eq(stat(wal, &st), 0);
	ck_assert_msg(st.st_size < 120 * 4120, "WAL of %lld bytes", (long long)st.st_size);
	free(wal);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_db_busy_is_tempfail)
{
	struct wm_db *a, *b;
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.db", dir);

	a = wm_db_open(path, WM_DB_CREATE, &err);
	b = wm_db_open(path, 0, &err);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	sqlite3_busy_timeout(wm_db_handle(b), 50);
	ck_assert_int_eq(wm_db_begin(a, &err), 0);
	ck_assert_int_eq(wm_db_begin(b, &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	wm_db_rollback(a);
	wm_db_close(a);
	wm_db_close(b);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_atomic_write_and_read_back)
{
	struct wm_buf b;
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/f", dir);
	static const char data[] = "a\0b\r\nc";

	ck_assert_int_eq(wm_write_file_atomic(path, data, sizeof(data), 0600, &err), 0);
	wm_buf_init(&b);
	ck_assert_int_eq(wm_read_file(path, 1024, &b, &err), 0);
	ck_assert_uint_eq(b.len, sizeof(data));
	ck_assert(memcmp(b.data, data, sizeof(data)) == 0);
	wm_buf_free(&b);
	ck_assert_int_eq(wm_read_file(path, 3, &b, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	wm_buf_free(&b);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_hex_and_ct_compare)
{
	unsigned char in[4] = { 0x00, 0x7f, 0x80, 0xff }, out[4];
	char hex[9];

	wm_hex(in, 4, hex);
	ck_assert_str_eq(hex, "007f80ff");
	ck_assert_int_eq(wm_unhex(hex, out, 4), 0);
	ck_assert(memcmp(in, out, 4) == 0);
	ck_assert_int_eq(wm_unhex("zz7f80ff", out, 4), -1);
	ck_assert(wm_ct_streq("abc", "abc"));
	ck_assert(!wm_ct_streq("abc", "abd"));
	ck_assert(!wm_ct_streq("abc", "abcd"));
}
END_TEST

START_TEST(test_clock_can_be_set)
{
	time_t t;

	setenv("WM_NOW", "1000", 1);
	ck_assert_int_eq((long)wm_now(), 1000);
	unsetenv("WM_NOW");
	ck_assert(wm_now() > 1700000000);
	ck_assert_int_eq(wm_time_parse("2027-01-31T00:00:00Z", &t), 0);
	ck_assert_int_eq((long)t, 1801353600L);
	ck_assert_int_eq(wm_time_parse("2027-01-31", &t), -1);
}
END_TEST

START_TEST(test_crlf_detection)
{
	ck_assert(wm_has_crlf("a\r\nBcc: x"));
	ck_assert(wm_has_crlf("a\n"));
	ck_assert(!wm_has_crlf("plain subject"));
}
END_TEST

static long long
total(struct wm_db *db, const char *col, const char *box, const char *folder)
{
	struct wm_err err;
	sqlite3_stmt *st;
	char *sql = wm_asprintf("SELECT %s FROM mailbox_totals WHERE mailbox = ? "
	    "AND folder = ?", col);
	long long v = -1;

	st = wm_db_prepare(db, sql, &err);
	free(sql);
	ck_assert_ptr_nonnull(st);
	sqlite3_bind_text(st, 1, box, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(test_db_mailbox_totals_follow_the_index)
{
	struct wm_db *db;
	struct wm_err err;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/wm.db", dir);

	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(wm_db_exec(db, "INSERT INTO messages (mailbox, folder, "
	    "file, received, size, seen) VALUES ('a@x', 'inbox', 'new/1', 1, 100, 0),"
	    "('a@x', 'inbox', 'new/2', 2, 50, 1), ('a@x', 'sent', 'new/3', 3, 7, 1),"
	    "('b@x', 'inbox', 'new/4', 4, 1000, 0)", &err), 0);
	ck_assert_int_eq(total(db, "messages", "a@x", "inbox"), 2);
	ck_assert_int_eq(total(db, "unseen", "a@x", "inbox"), 1);
	ck_assert_int_eq(total(db, "bytes", "a@x", "inbox"), 150);
	ck_assert_int_eq(total(db, "bytes", "a@x", "sent"), 7);
	ck_assert_int_eq(wm_db_exec(db, "UPDATE messages SET seen = 1 WHERE "
	    "file = 'new/1'", &err), 0);
	ck_assert_int_eq(total(db, "unseen", "a@x", "inbox"), 0);
	ck_assert_int_eq(wm_db_exec(db, "DELETE FROM messages WHERE file = 'new/2'",
	    &err), 0);
	ck_assert_int_eq(total(db, "messages", "a@x", "inbox"), 1);
	ck_assert_int_eq(total(db, "bytes", "a@x", "inbox"), 100);
	ck_assert_int_eq(total(db, "bytes", "b@x", "inbox"), 1000);
	wm_db_close(db);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("core");

	WM_TEST(s, test_config_reports_unknown_key_with_line);
	WM_TEST(s, test_config_reports_syntax_error);
	WM_TEST(s, test_config_paths_are_relative_to_file);
	WM_TEST(s, test_config_missing_file_is_config_error);
	WM_TEST(s, test_config_from_environment);
	WM_TEST(s, test_db_migrates_to_current_version_in_wal);
	WM_TEST(s, test_db_busy_is_tempfail);
	WM_TEST(s, test_db_wal_stays_short_across_processes);
	WM_TEST(s, test_atomic_write_and_read_back);
	WM_TEST(s, test_hex_and_ct_compare);
	WM_TEST(s, test_clock_can_be_set);
	WM_TEST(s, test_crlf_detection);
	WM_TEST(s, test_db_mailbox_totals_follow_the_index);
	return s;
}
