/*
 * test_session.c - web sessions: hashed ids, timeouts, rotation, logout.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "session.h"
#include "testutil.h"

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	struct wm_err err;
	char *path;

	unsetenv("WM_NOW");
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
	unsetenv("WM_NOW");
}

static void
at(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("WM_NOW", buf, 1);
}

static int
rows_with(const char *col, const char *value)
{
	sqlite3_stmt *st;
	char *sql = wm_asprintf("SELECT count(*) FROM sessions WHERE %s = ?", col);
	int n;

	ck_assert_int_eq(sqlite3_prepare_v2(wm_db_handle(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	free(sql);
	return n;
}

START_TEST(test_session_stores_only_the_hash_of_a_256_bit_id)
{
	char id[WM_SESSION_ID_LEN + 1], hash[WM_SESSION_ID_LEN + 1];
	struct wm_session *s;
	struct wm_err err;

	s = wm_session_create(db, "user", "bob@example.com", "full", id, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_uint_eq(strlen(id), 64);
	ck_assert_int_eq(rows_with("id_hash", id), 0);
	wm_session_hash(id, hash);
	ck_assert_int_eq(rows_with("id_hash", hash), 1);
	ck_assert_uint_eq(strlen(s->csrf), 64);
	ck_assert_str_ne(s->csrf, id);
	wm_session_free(s);
}
END_TEST

START_TEST(test_session_found_by_cookie_value_and_kind)
{
	char id[WM_SESSION_ID_LEN + 1];
	struct wm_session *s, *g;
	struct wm_err err;

	s = wm_session_create(db, "user", "bob@example.com", "full", id, &err);
	ck_assert_ptr_nonnull(s);
	g = wm_session_get(db, "user", id, WM_SESSION_IDLE, WM_SESSION_MAX, &err);
	ck_assert_msg(g != NULL, "%s", err.msg);
	ck_assert_str_eq(g->principal, "bob@example.com");
	ck_assert_str_eq(g->csrf, s->csrf);
	ck_assert_str_eq(g->stage, "full");
	wm_session_free(g);
	ck_assert_ptr_null(wm_session_get(db, "admin", id, WM_SESSION_IDLE,
	    WM_SESSION_MAX, &err));
	ck_assert_int_eq(err.code, EX_NOPERM);
	id[0] = id[0] == 'a' ? 'b' : 'a';
	ck_assert_ptr_null(wm_session_get(db, "user", id, WM_SESSION_IDLE,
	    WM_SESSION_MAX, &err));
	ck_assert_ptr_null(wm_session_get(db, "user", "short", WM_SESSION_IDLE,
	    WM_SESSION_MAX, &err));
	wm_session_free(s);
}
END_TEST

START_TEST(test_session_expires_after_idle_timeout)
{
	char id[WM_SESSION_ID_LEN + 1];
	struct wm_session *s;
	struct wm_err err;

	at(1000000);
	s = wm_session_create(db, "user", "bob@example.com", "full", id, &err);
	wm_session_free(s);
	at(1000000 + 100);
	s = wm_session_get(db, "user", id, 300, 3600, &err);
	ck_assert_ptr_nonnull(s);
	wm_session_free(s);
	at(1000000 + 100 + 301);
	ck_assert_ptr_null(wm_session_get(db, "user", id, 300, 3600, &err));
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_ptr_nonnull(strstr(err.msg, "expired"));
	/* The expired row is gone, not merely refused. */
	at(1000000 + 200);
	ck_assert_ptr_null(wm_session_get(db, "user", id, 300, 3600, &err));
}
END_TEST

START_TEST(test_session_expires_after_absolute_timeout_despite_activity)
{
	char id[WM_SESSION_ID_LEN + 1];
	struct wm_session *s;
	struct wm_err err;
	long long t;

	at(2000000);
	s = wm_session_create(db, "user", "bob@example.com", "full", id, &err);
	wm_session_free(s);
	for (t = 2000000 + 250; t <= 2000000 + 3600; t += 250) {
		at(t);
		s = wm_session_get(db, "user", id, 300, 3600, &err);
		ck_assert_msg(s != NULL, "at %lld: %s", t, err.msg);
		wm_session_free(s);
	}
	at(2000000 + 3601);
	ck_assert_ptr_null(wm_session_get(db, "user", id, 300, 3600, &err));
}
END_TEST

START_TEST(test_session_promotion_rotates_the_id)
{
	char id[WM_SESSION_ID_LEN + 1], id2[WM_SESSION_ID_LEN + 1];
	struct wm_session *s, *g;
	struct wm_err err;

	s = wm_session_create(db, "user", "bob@example.com", "totp", id, &err);
	ck_assert_str_eq(s->stage, "totp");
	ck_assert_int_eq(wm_session_promote(db, s, id2, &err), 0);
	ck_assert_str_ne(id, id2);
	ck_assert_str_eq(s->stage, "full");
	ck_assert_ptr_null(wm_session_get(db, "user", id, WM_SESSION_IDLE,
	    WM_SESSION_MAX, &err));
	g = wm_session_get(db, "user", id2, WM_SESSION_IDLE, WM_SESSION_MAX, &err);
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->stage, "full");
	wm_session_free(g);
	wm_session_free(s);
}
END_TEST

START_TEST(test_session_logout_deletes_the_row)
{
	char id[WM_SESSION_ID_LEN + 1], hash[WM_SESSION_ID_LEN + 1];
	struct wm_session *s;
	struct wm_err err;

	s = wm_session_create(db, "user", "bob@example.com", "full", id, &err);
	wm_session_free(s);
	ck_assert_int_eq(wm_session_delete(db, id, &err), 0);
	wm_session_hash(id, hash);
	ck_assert_int_eq(rows_with("id_hash", hash), 0);
	ck_assert_ptr_null(wm_session_get(db, "user", id, WM_SESSION_IDLE,
	    WM_SESSION_MAX, &err));
}
END_TEST

START_TEST(test_session_delete_principal_keeps_the_current_one)
{
	char a[WM_SESSION_ID_LEN + 1], b[WM_SESSION_ID_LEN + 1];
	struct wm_session *s;
	struct wm_err err;

	wm_session_free(wm_session_create(db, "user", "bob@example.com", "full",
	    a, &err));
	wm_session_free(wm_session_create(db, "user", "bob@example.com", "full",
	    b, &err));
	ck_assert_int_eq(wm_session_delete_principal(db, "user",
	    "bob@example.com", b, &err), 0);
	ck_assert_ptr_null(wm_session_get(db, "user", a, WM_SESSION_IDLE,
	    WM_SESSION_MAX, &err));
	s = wm_session_get(db, "user", b, WM_SESSION_IDLE, WM_SESSION_MAX, &err);
	ck_assert_ptr_nonnull(s);
	wm_session_free(s);
}
END_TEST

START_TEST(test_session_purge_removes_expired_rows)
{
	char id[WM_SESSION_ID_LEN + 1];
	struct wm_err err;

	at(3000000);
	wm_session_free(wm_session_create(db, "user", "a@example.com", "full",
	    id, &err));
	at(3000000 + 1000);
	wm_session_free(wm_session_create(db, "user", "b@example.com", "full",
	    id, &err));
	ck_assert_int_eq(wm_session_purge(db, 500, 3600, &err), 1);
	ck_assert_int_eq(rows_with("principal", "b@example.com"), 1);
}
END_TEST

static long long
stored_last_seen(void)
{
	sqlite3_stmt *st;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(wm_db_handle(db),
	    "SELECT last_seen FROM sessions", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(test_session_last_seen_written_only_when_a_minute_stale)
{
	char id[WM_SESSION_ID_LEN + 1];
	struct wm_session *s;
	struct wm_err err;
	long long t;

	at(4000000);
	wm_session_free(wm_session_create(db, "user", "bob@example.com", "full",
	    id, &err));
	at(4000000 + WM_SESSION_TOUCH - 1);
	s = wm_session_get(db, "user", id, 300, 3600, &err);
	ck_assert_ptr_nonnull(s);
	wm_session_free(s);
	ck_assert_int_eq(stored_last_seen(), 4000000);
	at(4000000 + WM_SESSION_TOUCH);
	s = wm_session_get(db, "user", id, 300, 3600, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->last_seen, 4000000 + WM_SESSION_TOUCH);
	wm_session_free(s);
	ck_assert_int_eq(stored_last_seen(), 4000000 + WM_SESSION_TOUCH);
	/* Requests more often than that still keep an idle timeout alive. */
	for (t = 4000000 + WM_SESSION_TOUCH; t < 4000000 + 3000; t += 50) {
		at(t);
		s = wm_session_get(db, "user", id, 300, 3600, &err);
		ck_assert_msg(s != NULL, "at %lld: %s", t, err.msg);
		wm_session_free(s);
	}
	/* And idleness still ends it, within that minute. */
	at(stored_last_seen() + 301);
	ck_assert_ptr_null(wm_session_get(db, "user", id, 300, 3600, &err));
}
END_TEST

START_TEST(test_session_hash_is_sha256_hex_and_random_fills_all)
{
	unsigned char a[32], b[32];
	char hash[WM_SESSION_ID_LEN + 1];
	struct wm_err err;

	/* FIPS 180-2 example: stored hashes stay what they were. */
	wm_session_hash("abc", hash);
	ck_assert_str_eq(hash, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(wm_session_random(a, sizeof(a), &err), 0);
	ck_assert_int_eq(wm_session_random(b, sizeof(b), &err), 0);
	ck_assert_int_ne(memcmp(a, b, sizeof(a)), 0);
	ck_assert_int_ne(memcmp(a + 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
	    16), 0);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_session_stores_only_the_hash_of_a_256_bit_id);
	tcase_add_test(tc, test_session_found_by_cookie_value_and_kind);
	tcase_add_test(tc, test_session_expires_after_idle_timeout);
	tcase_add_test(tc, test_session_expires_after_absolute_timeout_despite_activity);
	tcase_add_test(tc, test_session_promotion_rotates_the_id);
	tcase_add_test(tc, test_session_logout_deletes_the_row);
	tcase_add_test(tc, test_session_delete_principal_keeps_the_current_one);
	tcase_add_test(tc, test_session_purge_removes_expired_rows);
	tcase_add_test(tc, test_session_last_seen_written_only_when_a_minute_stale);
	tcase_add_test(tc, test_session_hash_is_sha256_hex_and_random_fills_all);
	suite_add_tcase(s, tc);
	return s;
}
