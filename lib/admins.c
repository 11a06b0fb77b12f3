/*
 * admins.c - see admins.h.  The password of an unknown name is checked
 * against a dummy hash, so an attacker cannot tell names from timing;
 * throttling keys are "user:admin:NAME" and "ip:ADDRESS" in the same table
 * as the portal's, so one client guessing at both listeners is counted once.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "admins.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "password.h"
#include "prefs.h"
#include "throttle.h"
#include "totp.h"
#include "util.h"

static const char dummy_hash[] =
    "$y$j9T$MDG.hV9kJPpqdD9K7MCNd/$3S5e.v9NXFOB/CAcwmi87TLZvlSnjZocM8NPa3.ltO1";

static const char *const login_names[] = {
	"ok", "need-totp", "must-change", "bad", "throttled", "disabled",
	"error"
};

const char *
wm_admin_login_name(enum wm_admin_login r)
{
	if ((unsigned)r >= sizeof(login_names) / sizeof(login_names[0]))
		return "unknown";
	return login_names[r];
}

int
wm_admin_name_ok(const char *name, struct wm_err *err)
{
	size_t i, n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > WM_ADMIN_NAME_MAX)
		return wm_err_set(err, EX_DATAERR, "an admin name has 1 to %d "
		    "characters", WM_ADMIN_NAME_MAX);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    strchr("._@+-", name[i]) == NULL)
			return wm_err_set(err, EX_DATAERR, "an admin name has only "
			    "letters, digits and . _ @ + -");
	return 0;
}

#define COLUMNS "name, enabled, must_change, totp_secret IS NOT NULL, " \
	"created, COALESCE(last_login, 0), COALESCE(password_changed, 0)"

static void
row(sqlite3_stmt *st, struct wm_admin *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", wm_db_text(st, 0));
	a->enabled = sqlite3_column_int(st, 1);
	a->must_change = sqlite3_column_int(st, 2);
	a->totp = sqlite3_column_int(st, 3);
	a->created = (time_t)sqlite3_column_int64(st, 4);
	a->last_login = (time_t)sqlite3_column_int64(st, 5);
	a->password_changed = (time_t)sqlite3_column_int64(st, 6);
}

int
wm_admin_get(struct wm_db *db, const char *name, struct wm_admin *out,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT " COLUMNS " FROM admins WHERE name = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row(st, out);
	else if (rc != SQLITE_DONE)
		wm_db_fail(db, "admin", err);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return wm_err_set(err, EX_NOUSER, "no admin %s", name);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
wm_admin_foreach(struct wm_db *db, int (*fn)(const struct wm_admin *, void *),
    void *arg, struct wm_err *err)
{
	struct wm_admin a;
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT " COLUMNS " FROM admins ORDER BY name",
	    err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row(st, &a);
		if (fn(&a, arg) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE)
		wm_db_fail(db, "admins", err);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
password_rules(struct wm_db *db, const char *name, const char *password,
    struct wm_err *err)
{
	long long min;

	if (wm_pref_user_num(db, NULL, "min-password-strength", &min, err) == -1)
		return -1;
	if (password != NULL && strcmp(password, WM_ADMIN_DEFAULT) == 0)
		return wm_err_set(err, EX_DATAERR, "the default password cannot "
		    "be kept; choose another one");
	return wm_password_check(password, name, (int)min, err);
}

static int
insert(struct wm_db *db, const char *name, const char *password,
    int must_change, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *hash;
	int rc;

	if ((hash = wm_password_hash(password, err)) == NULL)
		return -1;
	st = wm_db_prepare(db, "INSERT INTO admins (name, password, created, "
	    "must_change) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
	    err);
	if (st == NULL) {
		free(hash);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)wm_now());
	sqlite3_bind_int(st, 4, must_change != 0);
	free(hash);
	if (wm_db_step_done(db, st, "admin", err) == -1)
		return -1;
	rc = sqlite3_changes(wm_db_handle(db));
	return rc == 1 ? 0 : wm_err_set(err, EX_DATAERR, "admin %s exists",
	    name);
}

int
wm_admin_add(struct wm_db *db, const char *name, const char *password,
    int must_change, struct wm_err *err)
{
	if (wm_admin_name_ok(name, err) == -1)
		return -1;
	if (!must_change && password_rules(db, name, password, err) == -1)
		return -1;
	if (password == NULL || *password == '\0')
		return wm_err_set(err, EX_DATAERR, "the password is empty");
	return insert(db, name, password, must_change, err);
}

int
wm_admin_add_default(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc, n;

	if ((st = wm_db_prepare(db, "SELECT count(*) FROM admins", err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return wm_db_fail(db, "admins", err);
	if (n > 0)
		return 0;
	return insert(db, WM_ADMIN_DEFAULT, WM_ADMIN_DEFAULT, 1, err);
}

/* Enabled admins other than name. */
static int
others_enabled(struct wm_db *db, const char *name, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc, n;

	st = wm_db_prepare(db, "SELECT count(*) FROM admins WHERE enabled = 1 "
	    "AND name <> ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return wm_db_fail(db, "admins", err);
	return n;
}

/* Runs an UPDATE/DELETE bound to name; EX_NOUSER when no row changed. */
static int
change(struct wm_db *db, sqlite3_stmt *st, int name_col, const char *name,
    struct wm_err *err)
{
	sqlite3_bind_text(st, name_col, name, -1, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "admin", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) == 0)
		return wm_err_set(err, EX_NOUSER, "no admin %s", name);
	return 0;
}

/* The check and the change in one transaction: two consoles cannot race. */
static int
guarded(struct wm_db *db, const char *name, const char *sql, const char *what,
    struct wm_err *err)
{
	struct wm_admin a;
	sqlite3_stmt *st;
	int n;

	if (wm_db_begin(db, err) == -1)
		return -1;
	if (wm_admin_get(db, name, &a, err) == -1 ||
	    (n = others_enabled(db, name, err)) == -1)
		goto fail;
	if (a.enabled && n == 0) {
		wm_err_set(err, EX_NOPERM, "%s is the last enabled admin and "
		    "cannot be %s", name, what);
		goto fail;
	}
	if ((st = wm_db_prepare(db, sql, err)) == NULL ||
	    change(db, st, 1, name, err) == -1)
		goto fail;
	return wm_db_commit(db, err);
fail:
	wm_db_rollback(db);
	return -1;
}

int
wm_admin_delete(struct wm_db *db, const char *name, struct wm_err *err)
{
	sqlite3_stmt *st;

	if (guarded(db, name, "DELETE FROM admins WHERE name = ?", "deleted",
	    err) == -1)
		return -1;
	/* Its sessions go with it; a failure here leaves rows nobody can use. */
	st = wm_db_prepare(db, "DELETE FROM sessions WHERE kind = 'admin' AND "
	    "principal = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "sessions", err);
}

int
wm_admin_set_enabled(struct wm_db *db, const char *name, int enabled,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	if (!enabled)
		return guarded(db, name, "UPDATE admins SET enabled = 0 "
		    "WHERE name = ?", "disabled", err);
	st = wm_db_prepare(db, "UPDATE admins SET enabled = 1 WHERE name = ?",
	    err);
	return st == NULL ? -1 : change(db, st, 1, name, err);
}

int
wm_admin_set_password(struct wm_db *db, const char *name, const char *password,
    struct wm_err *err)
{
	struct wm_admin a;
	sqlite3_stmt *st;
	char *hash;

	if (wm_admin_get(db, name, &a, err) == -1 ||
	    password_rules(db, name, password, err) == -1)
		return -1;
	if ((hash = wm_password_hash(password, err)) == NULL)
		return -1;
	st = wm_db_prepare(db, "UPDATE admins SET password = ?, must_change = 0, "
	    "password_changed = ? WHERE name = ?", err);
	if (st == NULL) {
		free(hash);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)wm_now());
	free(hash);
	return change(db, st, 3, name, err);
}

int
wm_admin_reset_totp(struct wm_db *db, const char *name, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE admins SET totp_secret = NULL, "
	    "totp_pending = NULL, totp_last_step = 0 WHERE name = ?", err);
	return st == NULL ? -1 : change(db, st, 1, name, err);
}

char *
wm_admin_totp_begin(struct wm_db *db, const char *name, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *secret;

	if ((secret = wm_totp_secret_new(err)) == NULL)
		return NULL;
	st = wm_db_prepare(db, "UPDATE admins SET totp_pending = ? "
	    "WHERE name = ?", err);
	if (st == NULL) {
		wm_free_secret(secret);
		return NULL;
	}
	sqlite3_bind_text(st, 1, secret, -1, SQLITE_TRANSIENT);
	if (change(db, st, 2, name, err) == -1) {
		wm_free_secret(secret);
		return NULL;
	}
	return secret;
}

/* A secret column of an admin (malloc'd); NULL with EX_NOINPUT when unset. */
static char *
secret_of(struct wm_db *db, const char *name, const char *sql,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	char *s = NULL;
	int rc;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
		s = wm_strdup(wm_db_text(st, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		wm_db_fail(db, "admin", err);
	else
		wm_err_set(err, EX_NOINPUT, "no two-factor secret");
	sqlite3_finalize(st);
	return s;
}

char *
wm_admin_totp_pending(struct wm_db *db, const char *name, struct wm_err *err)
{
	return secret_of(db, name, "SELECT totp_pending FROM admins "
	    "WHERE name = ?", err);
}

/* Stores the step of an accepted code; a code is good once. */
static int
used_step(struct wm_db *db, const char *name, const char *sql, long long step,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, step);
	return change(db, st, 2, name, err);
}

int
wm_admin_totp_confirm(struct wm_db *db, const char *name, const char *code,
    struct wm_err *err)
{
	long long step;
	char *secret;

	if ((secret = wm_admin_totp_pending(db, name, err)) == NULL)
		return -1;
	step = wm_totp_match(secret, code ? code : "", wm_now(), WM_TOTP_WINDOW);
	wm_free_secret(secret);
	if (step < 0)
		return wm_err_set(err, EX_DATAERR, "that code is not right; "
		    "check the clock of your device and try again");
	return used_step(db, name, "UPDATE admins SET totp_secret = "
	    "totp_pending, totp_pending = NULL, totp_last_step = ? "
	    "WHERE name = ?", step, err);
}

/* Hash and flags of name; *hash NULL when there is no such admin. */
static int
load(struct wm_db *db, const char *name, char **hash, struct wm_admin *a,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*hash = NULL;
	st = wm_db_prepare(db, "SELECT " COLUMNS ", password FROM admins "
	    "WHERE name = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row(st, a);
		if ((*hash = wm_strdup(wm_db_text(st, 7))) == NULL)
			rc = SQLITE_NOMEM;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		wm_db_fail(db, "admin", err);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* 1 when name or addr has too many failures in the window, -1 on error. */
static int
throttled(struct wm_db *db, const char *name, const char *addr,
    struct wm_err *err)
{
	char key[WM_ADMIN_NAME_MAX + 64];
	int n;

	snprintf(key, sizeof(key), "user:admin:%s", name);
	for (n = 0; key[n] != '\0'; n++)
		key[n] = (char)tolower((unsigned char)key[n]);
	if ((n = wm_throttle_count(db, key, err)) == -1)
		return -1;
	if (n >= WM_THROTTLE_ACCOUNT)
		return 1;
	if (addr == NULL)
		return 0;
	snprintf(key, sizeof(key), "ip:%s", addr);
	if ((n = wm_throttle_count(db, key, err)) == -1)
		return -1;
	return n >= WM_THROTTLE_ADDRESS;
}

static enum wm_admin_login
failed(struct wm_db *db, const char *name, const char *addr)
{
	struct wm_err err;
	char account[WM_ADMIN_NAME_MAX + 8];

	snprintf(account, sizeof(account), "admin:%s", name);
	if (wm_throttle_fail(db, account, addr, &err) == -1)
		wm_log_err(&err);
	return WM_ADMIN_LOGIN_BAD;
}

static enum wm_admin_login
succeeded(struct wm_db *db, const struct wm_admin *a, int need_totp,
    struct wm_err *err)
{
	char account[WM_ADMIN_NAME_MAX + 8];
	sqlite3_stmt *st;

	snprintf(account, sizeof(account), "admin:%s", a->name);
	if (wm_throttle_success(db, account, err) == -1)
		return WM_ADMIN_LOGIN_ERROR;
	if (need_totp)
		return WM_ADMIN_LOGIN_NEED_TOTP;
	st = wm_db_prepare(db, "UPDATE admins SET last_login = ? WHERE name = ?",
	    err);
	if (st == NULL)
		return WM_ADMIN_LOGIN_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	if (change(db, st, 2, a->name, err) == -1)
		return WM_ADMIN_LOGIN_ERROR;
	return a->must_change ? WM_ADMIN_LOGIN_MUST_CHANGE : WM_ADMIN_LOGIN_OK;
}

enum wm_admin_login
wm_admin_login(struct wm_db *db, const char *name, const char *password,
    const char *addr, struct wm_err *err)
{
	struct wm_admin a;
	char *hash;
	int t, ok;

	if (name == NULL || wm_admin_name_ok(name, err) == -1)
		name = "";
	if ((t = throttled(db, name, addr, err)) != 0)
		return t == 1 ? WM_ADMIN_LOGIN_THROTTLED : WM_ADMIN_LOGIN_ERROR;
	if (load(db, name, &hash, &a, err) == -1)
		return WM_ADMIN_LOGIN_ERROR;
	ok = wm_password_verify(password ? password : "",
	    hash ? hash : dummy_hash) && hash != NULL;
	wm_free_secret(hash);
	if (!ok)
		return failed(db, name, addr);
	if (!a.enabled)
		return WM_ADMIN_LOGIN_DISABLED;
	return succeeded(db, &a, a.totp, err);
}

enum wm_admin_login
wm_admin_login_totp(struct wm_db *db, const char *name, const char *code,
    const char *addr, struct wm_err *err)
{
	struct wm_admin a;
	long long step, last;
	sqlite3_stmt *st;
	char *secret;
	int t;

	if ((t = throttled(db, name, addr, err)) != 0)
		return t == 1 ? WM_ADMIN_LOGIN_THROTTLED : WM_ADMIN_LOGIN_ERROR;
	if (wm_admin_get(db, name, &a, err) == -1)
		return err->code == EX_NOUSER ? WM_ADMIN_LOGIN_BAD :
		    WM_ADMIN_LOGIN_ERROR;
	if (!a.enabled)
		return WM_ADMIN_LOGIN_DISABLED;
	if ((secret = secret_of(db, name, "SELECT totp_secret FROM admins "
	    "WHERE name = ?", err)) == NULL)
		return err->code == EX_NOINPUT ? succeeded(db, &a, 0, err) :
		    WM_ADMIN_LOGIN_ERROR;
	step = wm_totp_match(secret, code ? code : "", wm_now(), WM_TOTP_WINDOW);
	wm_free_secret(secret);
	st = wm_db_prepare(db, "SELECT totp_last_step FROM admins WHERE name = ?",
	    err);
	if (st == NULL)
		return WM_ADMIN_LOGIN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	last = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (step < 0 || step <= last)
		return failed(db, name, addr);
	if (used_step(db, name, "UPDATE admins SET totp_last_step = ? "
	    "WHERE name = ?", step, err) == -1)
		return WM_ADMIN_LOGIN_ERROR;
	return succeeded(db, &a, 0, err);
}

int
wm_admin_default_password_set(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, found = 0;

	/* Only must-change rows can hold it: set-password refuses it. */
	st = wm_db_prepare(db, "SELECT password FROM admins WHERE enabled = 1 "
	    "AND must_change = 1", err);
	if (st == NULL)
		return -1;
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW)
		found = wm_password_verify(WM_ADMIN_DEFAULT, wm_db_text(st, 0));
	if (!found && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return wm_db_fail(db, "admins", err);
	}
	sqlite3_finalize(st);
	return found;
}
