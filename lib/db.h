/*
 * db.h - the SQLite database of an instance: WAL mode, busy timeout, foreign
 * keys, and forward migrations recorded in PRAGMA user_version.
 * All SQL in libwm goes through prepared statements; never build SQL from input.
 */
#ifndef WM_DB_H
#define WM_DB_H

#include <sqlite3.h>

struct wm_err;
struct wm_db;

#define WM_DB_CREATE	0x01	/* create the file if missing */
#define WM_DB_READONLY	0x02
#define WM_DB_NOKEYS	0x04	/* never attach the key store (the portal) */

struct wm_db *wm_db_open(const char *path, int flags, struct wm_err *);
void	 wm_db_close(struct wm_db *);
sqlite3	*wm_db_handle(struct wm_db *);
int	 wm_db_version(struct wm_db *);
/* The newest schema version this build knows. */
int	 wm_db_schema_version(void);

/* BEGIN IMMEDIATE: writers queue up front instead of failing half-way. */
int	 wm_db_begin(struct wm_db *, struct wm_err *);
int	 wm_db_commit(struct wm_db *, struct wm_err *);
void	 wm_db_rollback(struct wm_db *);

sqlite3_stmt *wm_db_prepare(struct wm_db *, const char *sql, struct wm_err *);
int	 wm_db_exec(struct wm_db *, const char *sql, struct wm_err *);
/*
 * Turns the last SQLite error into err: busy, locked, full and I/O errors are
 * EX_TEMPFAIL (a caller such as wm-deliver must let Postfix retry), the rest
 * EX_SOFTWARE.  Returns -1.
 */
int	 wm_db_fail(struct wm_db *, const char *what, struct wm_err *);
/* Runs a prepared statement to SQLITE_DONE and finalizes it. */
int	 wm_db_step_done(struct wm_db *, sqlite3_stmt *, const char *what,
	    struct wm_err *);
/* Text of column i, never NULL ("" for NULL). */
const char *wm_db_text(sqlite3_stmt *, int i);
/* A copy of a text column; NULL for SQL NULL (or out of memory). */
char	*wm_db_dup(sqlite3_stmt *, int i);

/* Appends one line to the audit table: who did what. */
int	 wm_db_audit(struct wm_db *, const char *actor, const char *action,
	    const char *detail, struct wm_err *);

/*
 * Confines the connection of a program that parses hostile input (the
 * portal): from then on no statement on it reads or writes the relay private
 * keys or the administrators' credentials, and no other database file can be
 * attached.  Defence in depth beside the file permissions of the key store.
 */
int	 wm_db_deny_secrets(struct wm_db *, struct wm_err *);

#endif
