/*
 * keystore.c - see keystore.h.
 *
 * Why a second file: the web programs parse hostile input (mail, HTTP) and
 * must open the main database, so a key kept there is one memory bug away
 * from an attacker.  SQLite has no per-table access control that a bug in
 * the same process could not undo; the kernel's file permissions do.  The
 * key PEMs therefore live in <database dir>/keys/keys.db, directory 0700 and
 * file 0600, owned by the instance user (wm) that wm-deliver, wm-notify and
 * wm-pki run as.  main.private_keys keeps one row per key with an empty pem
 * (which certificate has a key, for listings and ON DELETE CASCADE); the PEM
 * is in keystore.key_pem under the same cert_id.  A connection that cannot
 * open the directory never attaches it, and every key read names
 * keystore.key_pem, so it fails ("no such table") instead of reading a copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "keystore.h"
#include "util.h"

char *
wm_keystore_path(const char *dbpath)
{
	const char *slash = strrchr(dbpath, '/');

	if (slash == NULL)
		return wm_strdup("keys/keys.db");
	return wm_asprintf("%.*s/keys/keys.db", (int)(slash - dbpath), dbpath);
}

/*
 * The store belongs to the owner of the database (wm): only that owner, or
 * root on its behalf, makes it.  The web user, in the database's group,
 * could write the directory but never owns the file, so it never makes a
 * store of its own.
 */
static int
make_store(const char *dbpath, const char *file, struct wm_err *err)
{
	char *dir = wm_strdup(file), *slash;
	struct stat st;
	int fd = -1, rc = 0;

	if (stat(dbpath, &st) == -1 || (st.st_uid != geteuid() && geteuid() != 0))
		return 0;
	if (dir == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		rc = -1;
	else if ((fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		rc = -1;
	else if (geteuid() == 0 && (chown(dir, st.st_uid, st.st_gid) == -1 ||
	    fchown(fd, st.st_uid, st.st_gid) == -1))
		rc = -1;
	if (rc == -1)
		wm_err_set(err, EX_CANTCREAT, "key store %s: %s", file,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS keystore.key_pem ("
    "  cert_id INTEGER PRIMARY KEY,"
    "  pem BLOB NOT NULL)";

int
wm_keystore_attached(struct wm_db *db)
{
	return sqlite3_db_filename(wm_db_handle(db), "keystore") != NULL;
}

int
wm_keystore_attach(struct wm_db *db, const char *dbpath, int create,
    struct wm_err *err)
{
	char *file;
	sqlite3_stmt *st;
	int rc = 0;

	if (*dbpath == '\0' || *dbpath == ':')
		return 0;	/* an in-memory database has no directory */
	if ((file = wm_keystore_path(dbpath)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	(void)create;
	if (!wm_path_exists(file) && make_store(dbpath, file, err) == -1) {
		free(file);
		return -1;
	}
	/* Not ours to open (the web user) or not made yet: no keys here. */
	if (access(file, R_OK | W_OK) == -1) {
		free(file);
		return 0;
	}
	if ((st = wm_db_prepare(db, "ATTACH DATABASE ? AS keystore", err)) ==
	    NULL) {
		free(file);
		return -1;
	}
	sqlite3_bind_text(st, 1, file, -1, SQLITE_TRANSIENT);
	free(file);
	rc = wm_db_step_done(db, st, "attach the key store", err);
	if (rc == 0)
		rc = wm_db_exec(db, schema_sql, err);
	return rc == 0 ? wm_keystore_adopt(db, err) : -1;
}

/* Whether adopt has work: most opens (every delivery) must not take a lock. */
static int
adopt_needed(struct wm_db *db)
{
	sqlite3_stmt *st;
	int need = 1;

	if (sqlite3_prepare_v2(wm_db_handle(db), "SELECT EXISTS (SELECT 1 FROM "
	    "main.private_keys WHERE length(pem) > 0) OR EXISTS (SELECT 1 FROM "
	    "keystore.key_pem WHERE cert_id NOT IN (SELECT cert_id FROM "
	    "main.private_keys))", -1, &st, NULL) != SQLITE_OK)
		return 1;
	if (sqlite3_step(st) == SQLITE_ROW)
		need = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return need;
}

int
wm_keystore_adopt(struct wm_db *db, struct wm_err *err)
{
	if (!wm_keystore_attached(db) || !adopt_needed(db))
		return 0;
	if (wm_db_begin(db, err) == -1)
		return -1;
	if (wm_db_exec(db, "INSERT OR REPLACE INTO keystore.key_pem "
	    "(cert_id, pem) SELECT cert_id, pem FROM main.private_keys "
	    "WHERE length(pem) > 0", err) == -1 ||
	    wm_db_exec(db, "UPDATE main.private_keys SET pem = x'' "
	    "WHERE length(pem) > 0", err) == -1 ||
	    /* A key deleted by a process without the store (the console). */
	    wm_db_exec(db, "DELETE FROM keystore.key_pem WHERE cert_id NOT IN "
	    "(SELECT cert_id FROM main.private_keys)", err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

int
wm_keystore_export_into(struct wm_db *db, const char *path, struct wm_err *err)
{
	struct wm_err e;
	sqlite3_stmt *st;
	int rc;

	if (!wm_keystore_attached(db))
		return 0;
	if ((st = wm_db_prepare(db, "ATTACH DATABASE ? AS snap", err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "attach the snapshot", err) == -1)
		return -1;
	rc = wm_db_exec(db, "UPDATE snap.private_keys SET pem = (SELECT p.pem "
	    "FROM keystore.key_pem p WHERE p.cert_id = snap.private_keys.cert_id) "
	    "WHERE cert_id IN (SELECT cert_id FROM keystore.key_pem)", err);
	if (wm_db_exec(db, "DETACH DATABASE snap", rc == 0 ? err : &e) == -1)
		rc = -1;
	return rc;
}
