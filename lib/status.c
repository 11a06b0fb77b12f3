/*
 * status.c - see status.h.  The per-queue counts of the last sample live in
 * the metrics table's "latest" rows (step 1) under their own names, so a
 * FastCGI process and a CLI share one sample.
 */
#include <string.h>
#include <sys/statvfs.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "metrics.h"
#include "status.h"
#include "util.h"

static int
one_int(struct wm_db *db, const char *sql, long long arg, long long *out,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : wm_db_fail(db, "status", err);
}

static const char *const queue_rows[] = {
	"queue-incoming", "queue-active", "queue-deferred", "queue-hold", NULL
};

/* The last sample: 1 fresh, 2 fresh but the MTA did not answer, 0 stale. */
static int
cached_queue(struct wm_db *db, struct wm_queue_counts *q, struct wm_err *err)
{
	long *dst[] = { &q->incoming, &q->active, &q->deferred, &q->hold };
	sqlite3_stmt *st;
	int i, fresh = 1, rc;

	st = wm_db_prepare(db, "SELECT value FROM metrics WHERE name = ? AND "
	    "step = 1 AND start >= ?", err);
	if (st == NULL)
		return -1;
	memset(q, 0, sizeof(*q));
	for (i = 0; queue_rows[i] != NULL && fresh; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, queue_rows[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(wm_now() -
		    WM_STATUS_QUEUE_AGE));
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*dst[i] = (long)sqlite3_column_int64(st, 0);
		else
			fresh = 0;
	}
	sqlite3_finalize(st);
	/* A fresh failed sample (-1: the MTA did not answer) is not retried. */
	if (fresh && q->incoming < 0)
		return 2;
	q->total = q->incoming + q->active + q->deferred + q->hold;
	return fresh;
}

/* The sample, or when q is NULL that the MTA did not answer (all -1). */
static void
remember(struct wm_db *db, const struct wm_queue_counts *q)
{
	const long v[] = { q ? q->incoming : -1, q ? q->active : -1,
	    q ? q->deferred : -1, q ? q->hold : -1 };
	sqlite3_stmt *st;
	struct wm_err err;
	int i;

	st = wm_db_prepare(db, "INSERT INTO metrics (name, step, slot, start, "
	    "value) VALUES (?, 1, 0, ?, ?) ON CONFLICT (name, step, slot) DO "
	    "UPDATE SET start = excluded.start, value = excluded.value", &err);
	if (st == NULL)
		return;
	for (i = 0; queue_rows[i] != NULL; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, queue_rows[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)wm_now());
		sqlite3_bind_int64(st, 3, v[i]);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (q != NULL)
		wm_metric_note(db, WM_METRIC_QUEUE, q->total);
}

int
wm_status_sample_queue(const struct wm_config *cfg, struct wm_db *db,
    struct wm_queue_counts *q, struct wm_err *err)
{
	if (wm_queue_count(cfg, db, q, err) == -1) {
		remember(db, NULL);
		return -1;
	}
	remember(db, q);
	return 0;
}

static int
counters(struct wm_db *db, struct wm_status *s, struct wm_err *err)
{
	if (wm_metric_sum(db, WM_METRIC_DELIVERED, 3600, &s->delivered_hour, err) ||
	    wm_metric_sum(db, WM_METRIC_DELIVERED, 86400, &s->delivered_day, err) ||
	    wm_metric_sum(db, WM_METRIC_POSTMASTER, 3600, &s->postmaster_hour, err) ||
	    wm_metric_sum(db, WM_METRIC_POSTMASTER, 86400, &s->postmaster_day, err) ||
	    wm_metric_sum(db, WM_METRIC_DEFERRED, 3600, &s->deferred_hour, err) ||
	    wm_metric_sum(db, WM_METRIC_DEFERRED, 86400, &s->deferred_day, err))
		return -1;
	return 0;
}

static int
expiring(struct wm_db *db, struct wm_status *s, struct wm_err *err)
{
	long long now = (long long)wm_now();
	sqlite3_stmt *st;

	if (one_int(db, "SELECT count(*) FROM certificates WHERE not_after < ?",
	    now, &s->certs_expired, err) == -1 ||
	    one_int(db, "SELECT count(*) FROM certificates WHERE not_after >= ?1 "
	    "AND not_after < ?1 + 86400 * 30", now, &s->certs_expiring, err) ==
	    -1 || one_int(db, "SELECT count(*) FROM crls WHERE next_update < "
	    "?1 + 86400 * 7", now, &s->crls_due, err) == -1)
		return -1;
	s->first_expiring[0] = '\0';
	st = wm_db_prepare(db, "SELECT subject FROM certificates WHERE "
	    "not_after >= ? ORDER BY not_after LIMIT 1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) == SQLITE_ROW && s->certs_expiring > 0)
		snprintf(s->first_expiring, sizeof(s->first_expiring), "%s",
		    wm_db_text(st, 0));
	sqlite3_finalize(st);
	return 0;
}

int
wm_status_get(const struct wm_config *cfg, struct wm_db *db,
    struct wm_status *s, struct wm_err *err)
{
	struct statvfs vfs;
	struct wm_err qerr;
	int fresh;

	memset(s, 0, sizeof(*s));
	if ((fresh = cached_queue(db, &s->queue, err)) == -1)
		return -1;
	/*
	 * A status page costs one postqueue run a minute at most, also while
	 * the MTA is down (a failed sample is remembered as such).
	 */
	if (fresh == 2) {
		memset(&s->queue, 0, sizeof(s->queue));
		s->queue_known = 0;
	} else
		s->queue_known = fresh || wm_status_sample_queue(cfg, db,
		    &s->queue, &qerr) == 0;
	if (counters(db, s, err) == -1 || expiring(db, s, err) == -1)
		return -1;
	if (one_int(db, "SELECT users FROM box_totals", 0, &s->users, err) ==
	    -1 || one_int(db, "SELECT mailboxes FROM box_totals", 0,
	    &s->mailboxes, err) == -1 || one_int(db, "SELECT bytes FROM "
	    "box_totals", 0, &s->mail_bytes, err) == -1)
		return -1;
	if (statvfs(wm_config_path(cfg, "mail"), &vfs) == 0)
		s->free_bytes = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
	return 0;
}
