/*
 * throttle.c - see throttle.h.  Accounts are keyed lowercased, so "Bob@" and
 * "bob@" share one counter.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "throttle.h"
#include "util.h"

static char *
make_key(const char *prefix, const char *value)
{
	char *k, *p;

	if ((k = wm_asprintf("%s:%s", prefix, value)) == NULL)
		return NULL;
	for (p = k; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

/* Count and oldest failure of key inside the window. */
static int
window(struct wm_db *db, const char *key, int *count, time_t *oldest,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "SELECT count(*), min(at) FROM login_failures "
	    "WHERE key = ? AND at > ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(wm_now() - WM_THROTTLE_WINDOW));
	if (sqlite3_step(st) != SQLITE_ROW) {
		wm_db_fail(db, "throttle", err);
		sqlite3_finalize(st);
		return -1;
	}
	*count = sqlite3_column_int(st, 0);
	*oldest = (time_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

int
wm_throttle_count(struct wm_db *db, const char *key, struct wm_err *err)
{
	time_t oldest;
	int n;

	if (window(db, key, &n, &oldest, err) == -1)
		return -1;
	return n;
}

static int
check_key(struct wm_db *db, const char *prefix, const char *value, int limit,
    struct wm_err *err)
{
	time_t oldest;
	long mins;
	char *key;
	int n, rc;

	if (value == NULL)
		return 0;
	if ((key = make_key(prefix, value)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = window(db, key, &n, &oldest, err);
	free(key);
	if (rc == -1)
		return -1;
	if (n < limit)
		return 0;
	mins = (long)((oldest + WM_THROTTLE_WINDOW - wm_now() + 59) / 60);
	if (mins < 1)
		mins = 1;
	return wm_err_set(err, EX_TEMPFAIL, "Too many failed logins. For your "
	    "security, logging in is blocked for now; try again in %ld minute%s.",
	    mins, mins == 1 ? "" : "s");
}

int
wm_throttle_check(struct wm_db *db, const char *account, const char *addr,
    struct wm_err *err)
{
	if (check_key(db, "user", account, WM_THROTTLE_ACCOUNT, err) == -1)
		return -1;
	return check_key(db, "ip", addr, WM_THROTTLE_ADDRESS, err);
}

static int
insert(struct wm_db *db, const char *prefix, const char *value,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	char *key;
	int rc;

	if (value == NULL)
		return 0;
	if ((key = make_key(prefix, value)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	st = wm_db_prepare(db, "INSERT INTO login_failures (key, at) "
	    "VALUES (?, ?)", err);
	if (st == NULL) {
		free(key);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)wm_now());
	rc = wm_db_step_done(db, st, "throttle", err);
	free(key);
	return rc;
}

int
wm_throttle_fail(struct wm_db *db, const char *account, const char *addr,
    struct wm_err *err)
{
	if (insert(db, "user", account, err) == -1)
		return -1;
	return insert(db, "ip", addr, err);
}

int
wm_throttle_success(struct wm_db *db, const char *account, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *key;
	int rc;

	if ((key = make_key("user", account)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	st = wm_db_prepare(db, "DELETE FROM login_failures WHERE key = ?", err);
	if (st == NULL) {
		free(key);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	rc = wm_db_step_done(db, st, "throttle", err);
	free(key);
	return rc;
}

int
wm_throttle_purge(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "DELETE FROM login_failures WHERE at <= ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(wm_now() - WM_THROTTLE_WINDOW));
	return wm_db_step_done(db, st, "throttle purge", err);
}
