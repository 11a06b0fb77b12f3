/*
 * audit.c - see audit.h.  Paging is by id (keyset), so the page for the
 * newest entries costs the same with a million rows as with ten.
 */
#include <stdint.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "err.h"
#include "util.h"

int
wm_audit_add(struct wm_db *db, const struct wm_audit *a, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "INSERT INTO audit (at, actor, action, detail, "
	    "client, object, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(a->at ? a->at : wm_now()));
	sqlite3_bind_text(st, 2, a->actor ? a->actor : "unknown", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, a->client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, a->object, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, a->old_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, a->new_value, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "audit", err);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
	    (const char *)sqlite3_column_text(st, i);
}

static void
bind_query(sqlite3_stmt *st, const struct wm_audit_query *q)
{
	sqlite3_bind_int64(st, 1, (sqlite3_int64)q->since);
	if (q->actor != NULL)
		sqlite3_bind_text(st, 2, q->actor, -1, SQLITE_TRANSIENT);
	if (q->text != NULL)
		sqlite3_bind_text(st, 3, q->text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, q->before_id > 0 ? q->before_id :
	    (sqlite3_int64)INT64_MAX);
	sqlite3_bind_int64(st, 5, q->limit > 0 ? (sqlite3_int64)q->limit : -1);
}

int
wm_audit_foreach(struct wm_db *db, const struct wm_audit_query *q,
    int (*fn)(const struct wm_audit *, void *), void *arg, struct wm_err *err)
{
	struct wm_audit a;
	sqlite3_stmt *st;
	int rc;

	/* instr() keeps LIKE's % and _ in the search text literal. */
	st = wm_db_prepare(db, "SELECT id, at, actor, client, action, object, "
	    "old_value, new_value, detail FROM audit WHERE at >= ?1 "
	    "AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR "
	    "instr(lower(action || ' ' || COALESCE(object, '') || ' ' || "
	    "COALESCE(old_value, '') || ' ' || COALESCE(new_value, '') || ' ' || "
	    "COALESCE(detail, '') || ' ' || actor), lower(?3)) > 0) "
	    "AND id < ?4 ORDER BY id DESC LIMIT ?5", err);
	if (st == NULL)
		return -1;
	bind_query(st, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(st, 0);
		a.at = (time_t)sqlite3_column_int64(st, 1);
		a.actor = col(st, 2);
		a.client = col(st, 3);
		a.action = col(st, 4);
		a.object = col(st, 5);
		a.old_value = col(st, 6);
		a.new_value = col(st, 7);
		a.detail = col(st, 8);
		if (fn(&a, arg) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE)
		wm_db_fail(db, "audit", err);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
