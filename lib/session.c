/*
 * session.c - see session.h.  The cookie value is looked up by its hash with
 * an ordinary index lookup: the value has 256 bits of entropy, so nothing is
 * learned from timing a lookup that a guess could use.
 */
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <openssl/crypto.h>

#include "db.h"
#include "err.h"
#include "session.h"
#include "util.h"

/*
 * GLib's SHA-256 and not OpenSSL's: every page view hashes the cookie, and
 * OpenSSL 3 sets up its providers on the first digest, which costs more than
 * the rest of a listing.  The stored hashes are the same.
 */
void
wm_session_hash(const char *id, char *out)
{
	GChecksum *ck;
	const char *hex;

	if ((ck = g_checksum_new(G_CHECKSUM_SHA256)) == NULL)
		abort();
	g_checksum_update(ck, (const guchar *)id, (gssize)strlen(id));
	hex = g_checksum_get_string(ck);
	snprintf(out, WM_SESSION_ID_LEN + 1, "%s", hex);
	g_checksum_free(ck);
}

/* The kernel's CSPRNG directly: no library state to set up per process. */
int
wm_session_random(void *buf, size_t n, struct wm_err *err)
{
	unsigned char *p = buf;
	ssize_t got;

	while (n > 0) {
		if ((got = getrandom(p, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return wm_err_set(err, EX_TEMPFAIL, "no randomness "
			    "available: %s", strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int
well_formed(const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != WM_SESSION_ID_LEN)
		return 0;
	for (i = 0; i < WM_SESSION_ID_LEN; i++)
		if (!isdigit((unsigned char)id[i]) && (id[i] < 'a' || id[i] > 'f'))
			return 0;
	return 1;
}

static int
new_id(char *out, struct wm_err *err)
{
	unsigned char r[WM_SESSION_ID_LEN / 2];

	if (wm_session_random(r, sizeof(r), err) == -1)
		return -1;
	wm_hex(r, sizeof(r), out);
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

void
wm_session_free(struct wm_session *s)
{
	if (s == NULL)
		return;
	free(s->principal);
	OPENSSL_cleanse(s->csrf, sizeof(s->csrf));
	free(s);
}

static int
stage_ok(const char *stage)
{
	return strcmp(stage, "full") == 0 || strcmp(stage, "totp") == 0;
}

static int
kind_ok(const char *kind)
{
	return strcmp(kind, "user") == 0 || strcmp(kind, "admin") == 0;
}

struct wm_session *
wm_session_create(struct wm_db *db, const char *kind, const char *principal,
    const char *stage, char *id_out, struct wm_err *err)
{
	struct wm_session *s;
	sqlite3_stmt *st;
	char id[WM_SESSION_ID_LEN + 1];

	if (!kind_ok(kind) || !stage_ok(stage) || principal == NULL) {
		wm_err_set(err, EX_SOFTWARE, "session: bad kind or stage");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->principal = strdup(principal)) == NULL) {
		wm_session_free(s);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (new_id(id, err) == -1 || new_id(s->csrf, err) == -1) {
		wm_session_free(s);
		return NULL;
	}
	wm_session_hash(id, s->id_hash);
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	snprintf(s->stage, sizeof(s->stage), "%s", stage);
	s->created = s->last_seen = wm_now();
	st = wm_db_prepare(db, "INSERT INTO sessions (id_hash, kind, principal, "
	    "csrf, created, last_seen, stage) VALUES (?, ?, ?, ?, ?, ?, ?)", err);
	if (st == NULL) {
		wm_session_free(s);
		return NULL;
	}
	sqlite3_bind_text(st, 1, s->id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)s->created);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)s->last_seen);
	sqlite3_bind_text(st, 7, s->stage, -1, SQLITE_STATIC);
	if (wm_db_step_done(db, st, "session", err) == -1) {
		wm_session_free(s);
		return NULL;
	}
	memcpy(id_out, id, sizeof(id));
	OPENSSL_cleanse(id, sizeof(id));
	return s;
}

static int
delete_hash(struct wm_db *db, const char *hash, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "DELETE FROM sessions WHERE id_hash = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	return wm_db_step_done(db, st, "session", err);
}

static struct wm_session *
load(struct wm_db *db, const char *kind, const char *hash, struct wm_err *err)
{
	struct wm_session *s;
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT principal, csrf, created, last_seen, stage "
	    "FROM sessions WHERE id_hash = ? AND kind = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			wm_err_set(err, EX_NOPERM, "not logged in");
		else
			wm_db_fail(db, "session", err);
		sqlite3_finalize(st);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->principal = strdup(wm_db_text(st, 0))) == NULL) {
		wm_session_free(s);
		sqlite3_finalize(st);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	snprintf(s->id_hash, sizeof(s->id_hash), "%s", hash);
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	snprintf(s->csrf, sizeof(s->csrf), "%s", wm_db_text(st, 1));
	s->created = (time_t)sqlite3_column_int64(st, 2);
	s->last_seen = (time_t)sqlite3_column_int64(st, 3);
	snprintf(s->stage, sizeof(s->stage), "%s", wm_db_text(st, 4));
	sqlite3_finalize(st);
	return s;
}

struct wm_session *
wm_session_get(struct wm_db *db, const char *kind, const char *id, long idle,
    long max, struct wm_err *err)
{
	struct wm_session *s;
	sqlite3_stmt *st;
	char hash[WM_SESSION_ID_LEN + 1];
	time_t now = wm_now();

	if (!well_formed(id)) {
		wm_err_set(err, EX_NOPERM, "not logged in");
		return NULL;
	}
	wm_session_hash(id, hash);
	if ((s = load(db, kind, hash, err)) == NULL)
		return NULL;
	if (now - s->last_seen > idle || now - s->created > max) {
		delete_hash(db, hash, NULL);
		wm_session_free(s);
		wm_err_set(err, EX_NOPERM, "your session has expired; please log "
		    "in again");
		return NULL;
	}
	/*
	 * A write per page view costs a lock and a WAL frame; a minute of
	 * granularity in the idle timeout does not matter.
	 */
	if (now - s->last_seen < WM_SESSION_TOUCH)
		return s;
	st = wm_db_prepare(db, "UPDATE sessions SET last_seen = ? "
	    "WHERE id_hash = ?", err);
	if (st == NULL) {
		wm_session_free(s);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (wm_db_step_done(db, st, "session", err) == -1) {
		wm_session_free(s);
		return NULL;
	}
	s->last_seen = now;
	return s;
}

int
wm_session_promote(struct wm_db *db, struct wm_session *s, char *id_out,
    struct wm_err *err)
{
	char id[WM_SESSION_ID_LEN + 1], hash[WM_SESSION_ID_LEN + 1];
	sqlite3_stmt *st;

	if (new_id(id, err) == -1)
		return -1;
	wm_session_hash(id, hash);
	st = wm_db_prepare(db, "UPDATE sessions SET id_hash = ?, stage = 'full', "
	    "last_seen = ? WHERE id_hash = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)wm_now());
	sqlite3_bind_text(st, 3, s->id_hash, -1, SQLITE_STATIC);
	if (wm_db_step_done(db, st, "session", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) != 1)
		return wm_err_set(err, EX_NOPERM, "not logged in");
	memcpy(s->id_hash, hash, sizeof(hash));
	snprintf(s->stage, sizeof(s->stage), "full");
	memcpy(id_out, id, sizeof(id));
	OPENSSL_cleanse(id, sizeof(id));
	return 0;
}

int
wm_session_delete(struct wm_db *db, const char *id, struct wm_err *err)
{
	char hash[WM_SESSION_ID_LEN + 1];

	if (!well_formed(id))
		return 0;
	wm_session_hash(id, hash);
	return delete_hash(db, hash, err);
}

int
wm_session_delete_principal(struct wm_db *db, const char *kind,
    const char *principal, const char *keep_id, struct wm_err *err)
{
	char keep[WM_SESSION_ID_LEN + 1] = "";
	sqlite3_stmt *st;

	if (keep_id != NULL && well_formed(keep_id))
		wm_session_hash(keep_id, keep);
	st = wm_db_prepare(db, "DELETE FROM sessions WHERE kind = ? AND "
	    "principal = ? AND id_hash <> ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, keep, -1, SQLITE_STATIC);
	return wm_db_step_done(db, st, "session", err);
}

int
wm_session_purge(struct wm_db *db, long idle, long max, struct wm_err *err)
{
	sqlite3_stmt *st;
	time_t now = wm_now();

	st = wm_db_prepare(db, "DELETE FROM sessions WHERE last_seen < ? OR "
	    "created < ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - idle));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - max));
	if (wm_db_step_done(db, st, "session purge", err) == -1)
		return -1;
	return sqlite3_changes(wm_db_handle(db));
}
