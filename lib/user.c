/*
 * user.c - see user.h.
 *
 * Every entry point normalises the address first, so "Bob@EXAMPLE.com" and
 * "Bob@example.com" are one user, and an address that is not one fails with
 * EX_DATAERR before any SQL runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "db.h"
#include "err.h"
#include "mailbox.h"
#include "password.h"
#include "user.h"
#include "util.h"

#define USER_COLUMNS "id, address, domain, password IS NOT NULL, enabled, " \
	"created, signed_up, last_invite, totp_enabled, last_login"

/*
 * Checked against when there is no hash to check, so an unknown user costs
 * the same time as a wrong password and the two cannot be told apart.
 */
static const char dummy_hash[] =
    "$y$j9T$MDG.hV9kJPpqdD9K7MCNd/$3S5e.v9NXFOB/CAcwmi87TLZvlSnjZocM8NPa3.ltO1";

typedef char address_buf[WM_ADDRESS_MAX + 1];

static int
no_user(const char *address, struct wm_err *err)
{
	return wm_err_set(err, EX_NOUSER, "no such user: %s", address);
}

void
wm_user_free(struct wm_user *u)
{
	if (u == NULL)
		return;
	free(u->address);
	free(u->domain);
	free(u);
}

/* Fills u from a row of USER_COLUMNS; strings point into the statement. */
static void
row_view(sqlite3_stmt *st, struct wm_user *u, const char **address,
    const char **domain)
{
	u->id = sqlite3_column_int64(st, 0);
	*address = wm_db_text(st, 1);
	*domain = wm_db_text(st, 2);
	u->has_password = sqlite3_column_int(st, 3);
	u->enabled = sqlite3_column_int(st, 4);
	u->created = (time_t)sqlite3_column_int64(st, 5);
	u->signed_up = (time_t)sqlite3_column_int64(st, 6);
	u->last_invite = (time_t)sqlite3_column_int64(st, 7);
	u->totp_enabled = sqlite3_column_int(st, 8);
	u->last_login = (time_t)sqlite3_column_int64(st, 9);
}

struct wm_user *
wm_user_get(struct wm_db *db, const char *address, struct wm_err *err)
{
	struct wm_user *u = NULL;
	const char *a, *d;
	address_buf addr;
	sqlite3_stmt *st;
	int rc;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return NULL;
	st = wm_db_prepare(db, "SELECT " USER_COLUMNS " FROM users "
	    "WHERE address = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		no_user(addr, err);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		wm_db_fail(db, "user", err);
		goto out;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	row_view(st, u, &a, &d);
	u->address = strdup(a);
	u->domain = strdup(d);
	if (u->address == NULL || u->domain == NULL) {
		wm_user_free(u);
		u = NULL;
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
out:
	sqlite3_finalize(st);
	return u;
}

/* INSERT OR IGNORE of a normalised address; *inserted: a row was added. */
static int
insert_user(struct wm_db *db, const char *addr, int *inserted,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "INSERT OR IGNORE INTO users (address, domain, "
	    "created) VALUES (?, ?, ?)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, wm_address_domain(addr), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)wm_now());
	if (wm_db_step_done(db, st, "add user", err) == -1)
		return -1;
	*inserted = sqlite3_changes(wm_db_handle(db)) == 1;
	return 0;
}

int
wm_user_add(struct wm_db *db, const char *address, struct wm_err *err)
{
	address_buf addr;
	int inserted;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	if (insert_user(db, addr, &inserted, err) == -1)
		return -1;
	if (!inserted)
		return wm_err_set(err, EX_DATAERR, "user %s already exists", addr);
	return 0;
}

int
wm_user_ensure(struct wm_db *db, const char *address, int *created,
    struct wm_err *err)
{
	address_buf addr;
	int inserted;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	if (insert_user(db, addr, &inserted, err) == -1)
		return -1;
	if (created != NULL)
		*created = inserted;
	return 0;
}

/* Runs one statement binding addr to every parameter; *changes if asked. */
static int
exec_addr(struct wm_db *db, const char *sql, const char *addr, int *changes,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int i;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	for (i = 1; i <= sqlite3_bind_parameter_count(st); i++)
		sqlite3_bind_text(st, i, addr, -1, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "delete user", err) == -1)
		return -1;
	if (changes != NULL)
		*changes = sqlite3_changes(wm_db_handle(db));
	return 0;
}

/* *found: there was a user row. */
static int
delete_rows(struct wm_db *db, const char *addr, int purge, int *found,
    struct wm_err *err)
{
	int n;

	if (exec_addr(db, "DELETE FROM users WHERE address = ?", addr, &n,
	    err) == -1)
		return -1;
	*found = n > 0;
	if (exec_addr(db, "DELETE FROM properties WHERE scope = 'user' AND "
	    "owner = ?", addr, NULL, err) == -1 ||
	    exec_addr(db, "DELETE FROM templates WHERE scope = 'user' AND "
	    "owner = ?", addr, NULL, err) == -1 ||
	    /* A deleted user must not stay logged in. */
	    exec_addr(db, "DELETE FROM sessions WHERE kind = 'user' AND "
	    "principal = ?", addr, NULL, err) == -1 ||
	    /* A new user of that address gets a new invitation (guide 7.1). */
	    exec_addr(db, "DELETE FROM notices WHERE address = ?", addr, NULL,
	    err) == -1)
		return -1;
	if (purge && exec_addr(db, "DELETE FROM messages WHERE mailbox = ?",
	    addr, &n, err) == -1)
		return -1;
	if (purge && n > 0)
		*found = 1;
	return 0;
}

/*
 * Moves the maildir aside under a dot-name (which no address maps to, so it
 * drops out of every listing at once); *aside is NULL when there was none.
 */
static int
move_aside(const char *root, const char *addr, char **aside, struct wm_err *err)
{
	unsigned char r[8];
	char hex[17], *path;
	int rc = 0;

	*aside = NULL;
	if ((path = wm_mailbox_path(root, addr)) == NULL)
		return wm_err_set(err, EX_DATAERR, "address cannot be a mailbox");
	if (!wm_path_exists(path))
		goto out;
	if (wm_random_bytes(r, sizeof(r), err) == -1) {
		rc = -1;
		goto out;
	}
	wm_hex(r, sizeof(r), hex);
	if ((*aside = wm_asprintf("%s/.purge.%s", root, hex)) == NULL)
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (rename(path, *aside) == -1) {
		rc = wm_err_set(err, EX_IOERR, "%s: %s", path, strerror(errno));
		free(*aside);
		*aside = NULL;
	}
out:
	free(path);
	return rc;
}

static void
move_back(const char *root, const char *addr, const char *aside)
{
	char *path;

	if (aside == NULL || (path = wm_mailbox_path(root, addr)) == NULL)
		return;
	rename(aside, path);
	free(path);
}

/*
 * A transaction of our own, or a savepoint inside the caller's (an admin
 * page that deletes and audits in one transaction).
 */
static int
tx_begin(struct wm_db *db, int *own, struct wm_err *err)
{
	*own = sqlite3_get_autocommit(wm_db_handle(db));
	if (*own)
		return wm_db_begin(db, err);
	return wm_db_exec(db, "SAVEPOINT wm_user", err);
}

static int
tx_commit(struct wm_db *db, int own, struct wm_err *err)
{
	if (own)
		return wm_db_commit(db, err);
	return wm_db_exec(db, "RELEASE wm_user", err);
}

static void
tx_rollback(struct wm_db *db, int own)
{
	struct wm_err ignored;

	if (own) {
		wm_db_rollback(db);
		return;
	}
	wm_db_exec(db, "ROLLBACK TO wm_user", &ignored);
	wm_db_exec(db, "RELEASE wm_user", &ignored);
}

int
wm_user_delete(struct wm_db *db, const char *maildir_root, const char *address,
    int purge, struct wm_err *err)
{
	address_buf addr;
	char *aside = NULL;
	int found, own, rc;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	if (tx_begin(db, &own, err) == -1)
		return -1;
	if (delete_rows(db, addr, purge, &found, err) == -1 ||
	    (purge && move_aside(maildir_root, addr, &aside, err) == -1)) {
		tx_rollback(db, own);
		return -1;
	}
	/* Purging the mailbox of a user deleted earlier is fine. */
	if (!found && aside == NULL) {
		tx_rollback(db, own);
		return no_user(addr, err);
	}
	if (tx_commit(db, own, err) == -1) {
		if (!own)
			tx_rollback(db, own);
		move_back(maildir_root, addr, aside);
		free(aside);
		return -1;
	}
	rc = 0;
	if (aside != NULL && wm_rm_rf(aside, err) == -1)
		rc = wm_err_wrap(err, "user deleted, but the old mailbox remains");
	free(aside);
	return rc;
}

/* UPDATE users SET ... WHERE address = ?N, the address bound last. */
static int
update_user(struct wm_db *db, sqlite3_stmt *st, const char *addr,
    struct wm_err *err)
{
	sqlite3_bind_text(st, sqlite3_bind_parameter_count(st), addr, -1,
	    SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "update user", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) == 0)
		return no_user(addr, err);
	return 0;
}

int
wm_user_set_enabled(struct wm_db *db, const char *address, int enabled,
    struct wm_err *err)
{
	address_buf addr;
	sqlite3_stmt *st;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	st = wm_db_prepare(db, "UPDATE users SET enabled = ? WHERE address = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, enabled ? 1 : 0);
	return update_user(db, st, addr, err);
}

int
wm_user_set_password(struct wm_db *db, const char *address,
    const char *password, struct wm_err *err)
{
	address_buf addr;
	sqlite3_stmt *st;
	char *hash;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	if ((hash = wm_password_hash(password, err)) == NULL)
		return -1;
	/* The first password is the sign-up. */
	st = wm_db_prepare(db, "UPDATE users SET password = ?, "
	    "signed_up = COALESCE(signed_up, ?) WHERE address = ?", err);
	if (st == NULL) {
		free(hash);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)wm_now());
	free(hash);
	return update_user(db, st, addr, err);
}

/* The stored hash and enabled flag; *hash NULL when no user or no password. */
static int
load_hash(struct wm_db *db, const char *addr, char **hash, int *enabled,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*hash = NULL;
	*enabled = 0;
	st = wm_db_prepare(db, "SELECT password, enabled FROM users "
	    "WHERE address = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_TEXT &&
		    (*hash = strdup(wm_db_text(st, 0))) == NULL)
			rc = SQLITE_NOMEM;
		*enabled = sqlite3_column_int(st, 1);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		wm_db_fail(db, "user", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The user pages' "last login" and the cleanup of idle users read this. */
static int
touch_login(struct wm_db *db, const char *addr, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE users SET last_login = ? WHERE address = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "record login", err);
}

int
wm_user_check_password(struct wm_db *db, const char *address,
    const char *password, struct wm_err *err)
{
	struct wm_err ignored;
	address_buf addr;
	char *hash = NULL;
	int enabled = 0, ok;

	if (wm_address_normalize(address, addr, sizeof(addr), &ignored) == -1)
		addr[0] = '\0';
	else if (load_hash(db, addr, &hash, &enabled, err) == -1)
		return -1;
	ok = wm_password_verify(password ? password : "",
	    hash ? hash : dummy_hash) && hash != NULL;
	free(hash);
	if (!ok)
		return wm_err_set(err, EX_NOPERM, "wrong address or password");
	if (!enabled)
		return wm_err_set(err, EX_NOPERM, "this account is disabled");
	return touch_login(db, addr, err);
}

int
wm_user_set_last_invite(struct wm_db *db, const char *address, time_t when,
    struct wm_err *err)
{
	address_buf addr;
	sqlite3_stmt *st;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	st = wm_db_prepare(db, "UPDATE users SET last_invite = ? "
	    "WHERE address = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)when);
	return update_user(db, st, addr, err);
}

int
wm_user_foreach(struct wm_db *db, int (*fn)(const struct wm_user *, void *),
    void *arg, struct wm_err *err)
{
	struct wm_user u;
	const char *a, *d;
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT " USER_COLUMNS " FROM users "
	    "ORDER BY address", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		row_view(st, &u, &a, &d);
		/* Valid until the next step; fn must copy what it keeps. */
		u.address = (char *)a;
		u.domain = (char *)d;
		if (fn(&u, arg) == -1) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_SOFTWARE, "user listing stopped");
		}
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "users", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
wm_user_password_stamp(struct wm_db *db, const char *address, char **stamp,
    struct wm_err *err)
{
	address_buf addr;
	int enabled;

	*stamp = NULL;
	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	if (load_hash(db, addr, stamp, &enabled, err) == -1)
		return -1;
	if (*stamp == NULL && (*stamp = strdup("")) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}
