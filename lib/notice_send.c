/*
 * notice_send.c - the sending side of the notice queue (notice.h): one pass
 * (wm-notify flush) or the long-running sender (wm-notify serve).
 *
 * Rows are small except a postmaster copy, whose body is read only when it
 * is sent.  Marking a row is its own short transaction after the submission,
 * never one around it: Postfix can take seconds and deliveries must not wait
 * for the write lock meanwhile.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "index.h"
#include "log.h"
#include "notice.h"
#include "notify.h"
#include "outbound.h"
#include "util.h"

#define BATCH	200		/* rows read per pass */
#define MAX_DELAY 600		/* seconds between tries at most */
#define INDEX_MAX 1000		/* mails decoded per pass at most */

/* One due row, as read; strings owned. */
struct row {
	long long		 id;
	enum wm_notice_kind	 kind;
	char			*address, *sender, *subject, *reason;
	time_t			 created;
	int			 attempts;
	int			 invitation;	/* new mail to a user without password */
};

static void
rows_free(struct row *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].address);
		free(r[i].sender);
		free(r[i].subject);
		free(r[i].reason);
	}
	free(r);
}

static int
row_read(sqlite3_stmt *st, struct row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	if (wm_notice_kind_parse(wm_db_text(st, 1), &r->kind) == -1)
		return 1;	/* a kind from a newer build: leave it */
	r->address = wm_db_dup(st, 2);
	r->sender = wm_db_dup(st, 3);
	r->subject = wm_db_dup(st, 4);
	r->reason = wm_db_dup(st, 5);
	r->created = (time_t)sqlite3_column_int64(st, 6);
	r->attempts = sqlite3_column_int(st, 7);
	r->invitation = sqlite3_column_int(st, 8);
	return r->address == NULL ? -1 : 0;
}

static int
due_rows(struct wm_db *db, struct row **out, size_t *n, struct wm_err *err)
{
	sqlite3_stmt *st;
	struct row *r;
	int rc;

	*n = 0;
	if ((*out = r = calloc(BATCH, sizeof(*r))) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	st = wm_db_prepare(db, "SELECT id, kind, address, sender, subject, "
	    "reason, created, attempts, EXISTS (SELECT 1 FROM users u WHERE "
	    "u.address = q.address AND u.password IS NULL) FROM notice_queue q "
	    "WHERE sent IS NULL AND failed IS NULL AND next_try <= ? ORDER BY id "
	    "LIMIT ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	sqlite3_bind_int(st, 2, BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = row_read(st, &r[*n])) == -1) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
		if (rc == 0)
			(*n)++;
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "notice queue", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The body of a postmaster row (NULL, 0 when it has none). */
static int
row_body(struct wm_db *db, long long id, struct wm_buf *body, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT body FROM notice_queue WHERE id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_bytes(st, 0) &&
	    wm_buf_append(body, sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0)) == -1)
		rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return wm_err_set(err, EX_TEMPFAIL, "notice %lld: body not read", id);
	return 0;
}

static int
send_postmaster(struct wm_config *cfg, struct wm_db *db, const struct row *r,
    struct wm_err *err)
{
	struct wm_buf body;
	int rc;

	wm_buf_init(&body);
	rc = row_body(db, r->id, &body, err);
	if (rc == 0)
		rc = wm_notify_postmaster(cfg, db, r->reason ? r->reason : "",
		    body.data ? body.data : "", body.len, err);
	wm_buf_free(&body);
	return rc;
}

/* Renders and submits one row's mail. */
static int
send_row(struct wm_config *cfg, struct wm_db *db, const struct row *r,
    struct wm_err *err)
{
	switch (r->kind) {
	case WM_NOTICE_NEW_MAIL:
		return wm_notify_new_mail(cfg, db, r->address, err);
	case WM_NOTICE_SIGNUP:
		return wm_notify_signup(cfg, db, r->address, err);
	case WM_NOTICE_RESET:
		return wm_notify_password_reset(cfg, db, r->address, err);
	case WM_NOTICE_OVER_QUOTA:
		return wm_notify_over_quota(cfg, db, r->address, r->sender,
		    r->subject, err);
	case WM_NOTICE_POSTMASTER:
		return send_postmaster(cfg, db, r, err);
	}
	return wm_err_set(err, EX_SOFTWARE, "unknown notice kind");
}

/* Failures no retry can fix; everything else waits for another try. */
static int
permanent(int code)
{
	return code == EX_DATAERR || code == EX_NOUSER || code == EX_NOINPUT ||
	    code == EX_NOPERM || code == EX_USAGE;
}

static int
mark(struct wm_db *db, const char *sql, long long a, long long b,
    const char *text, struct wm_err *err)
{
	sqlite3_stmt *st;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (text != NULL)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "notice queue", err);
}

/* Marks r sent; a new-mail row takes the rows it was merged with along. */
static int
mark_sent(struct wm_db *db, const struct row *r, long long *n,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	if (r->kind != WM_NOTICE_NEW_MAIL) {
		*n = 1;
		/* A postmaster copy's body is the whole tunnel: not kept. */
		return mark(db, "UPDATE notice_queue SET sent = ?, body = NULL "
		    "WHERE id = ?", (long long)wm_now(), r->id, NULL, err);
	}
	st = wm_db_prepare(db, "UPDATE notice_queue SET sent = ? WHERE kind = "
	    "'new-mail' AND address = ? AND sent IS NULL AND failed IS NULL", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	sqlite3_bind_text(st, 2, r->address, -1, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "notice queue", err) == -1)
		return -1;
	*n = sqlite3_changes(wm_db_handle(db));
	return 0;
}

static long long
backoff(int attempts)
{
	long long d = 1LL << (attempts < 9 ? attempts : 9);

	return d < MAX_DELAY ? d : MAX_DELAY;
}

/* A notice given up: the postmaster hears of it (unless it was theirs). */
static int
give_up(struct wm_db *db, const struct row *r, const struct wm_err *why,
    struct wm_err *err)
{
	struct wm_notice pm;
	char *reason;
	int rc;

	wm_log(LOG_ERR, "notice %lld (%s to %s) given up: %s", r->id,
	    wm_notice_kind_name(r->kind), r->address, why->msg);
	if (wm_db_begin(db, err) == -1)
		return -1;
	rc = mark(db, "UPDATE notice_queue SET failed = ?, last_error = ?3 "
	    "WHERE id = ?2", (long long)wm_now(), r->id, why->msg, err);
	if (rc == 0 && r->kind != WM_NOTICE_POSTMASTER &&
	    why->code != EX_NOPERM && why->code != EX_NOUSER) {
		reason = wm_asprintf("the %s notice for %s cannot be sent: %s",
		    wm_notice_kind_name(r->kind), r->address, why->msg);
		memset(&pm, 0, sizeof(pm));
		pm.kind = WM_NOTICE_POSTMASTER;
		pm.reason = reason ? reason : "a notice cannot be sent";
		rc = wm_notice_queue(db, &pm, err);
		free(reason);
	}
	if (rc == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

static int
defer(struct wm_db *db, const struct row *r, const struct wm_err *why,
    struct wm_err *err)
{
	wm_log(LOG_WARNING, "notice %lld (%s to %s) not sent: %s; will retry",
	    r->id, wm_notice_kind_name(r->kind), r->address, why->msg);
	return mark(db, "UPDATE notice_queue SET attempts = attempts + 1, "
	    "next_try = ?, last_error = ?3 WHERE id = ?2",
	    (long long)wm_now() + backoff(r->attempts), r->id, why->msg, err);
}

/*
 * New-mail rows wait for the merge window; a later row of an address already
 * handled in this pass went out (or failed) with the first.
 */
static int
waits(const struct row *r, size_t i, const struct row *all, time_t window,
    time_t now)
{
	size_t k;

	if (r->kind != WM_NOTICE_NEW_MAIL)
		return 0;
	for (k = 0; k < i; k++)
		if (all[k].kind == WM_NOTICE_NEW_MAIL &&
		    strcmp(all[k].address, r->address) == 0)
			return 2;
	/*
	 * New mail for a user who has not signed up yet makes an invitation,
	 * at most one an hour whatever the number of mails: nothing to merge,
	 * so it goes at once.
	 */
	if (r->invitation)
		return 0;
	return now - r->created < window;
}

static int
flush_row(struct wm_config *cfg, struct wm_db *db, const struct row *r,
    struct wm_notice_stats *s, struct wm_err *err)
{
	struct wm_err why;
	long long n = 0;

	wm_err_clear(&why);
	if (send_row(cfg, db, r, &why) == 0) {
		s->mails++;
		if (mark_sent(db, r, &n, err) == -1)
			return -1;	/* sent twice at worst, never lost */
		s->sent += n;
		return 0;
	}
	if (permanent(why.code)) {
		s->failed++;
		return give_up(db, r, &why, err);
	}
	s->deferred++;
	return defer(db, r, &why, err);
}

/*
 * What the sender writes (sent, deferred, given up, the invitation claims)
 * needs no fsync of its own: a mark lost in a power cut only means one
 * notice sent twice, which a crash between submit and mark may do anyway.
 * So its commits leave the WAL unsynced (synchronous = NORMAL, this
 * connection only), and the next synced commit of a delivery, which appends
 * to the same WAL, makes them durable in order.  That saves two to three
 * fsyncs a notice.
 */
static void
lazy_commits(struct wm_db *db, int on)
{
	struct wm_err ignored;

	wm_err_clear(&ignored);
	(void)wm_db_exec(db, on ? "PRAGMA synchronous = NORMAL" :
	    "PRAGMA synchronous = FULL", &ignored);
}

/*
 * The mails stored since the last pass get their headers decoded first
 * (index.c): this process holds no key and is always running beside
 * delivery.  A failure here is logged; the notices still go out.
 */
static void
index_stored(struct wm_config *cfg, struct wm_db *db, struct wm_notice_stats *s)
{
	const char *root = wm_config_path(cfg, "mail");
	struct wm_err ierr;

	if (root != NULL && wm_index_pending(db, root, NULL, INDEX_MAX,
	    &s->indexed, &ierr) == -1)
		wm_log(LOG_WARNING, "indexing stored mail: %s; will retry",
		    ierr.msg);
}

int
wm_notice_flush(struct wm_config *cfg, struct wm_db *db, time_t window,
    struct wm_notice_stats *s, struct wm_err *err)
{
	struct row *r = NULL;
	size_t i, n = 0;
	time_t now = wm_now();
	int w, rc = 0;

	memset(s, 0, sizeof(*s));
	lazy_commits(db, 1);
	index_stored(cfg, db, s);
	if (due_rows(db, &r, &n, err) == -1) {
		lazy_commits(db, 0);
		rows_free(r, n);
		return -1;
	}
	/* One SMTP session for the pass, when the instance has a listener. */
	if (n > 0 && wm_outbound_begin(cfg, err) == -1) {
		lazy_commits(db, 0);
		rows_free(r, n);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if ((w = waits(&r[i], i, r, window, now)) != 0) {
			if (w == 1)
				s->waiting++;
			continue;
		}
		rc = flush_row(cfg, db, &r[i], s, err);
		/*
		 * Postfix not listening says nothing about the other notices:
		 * they stay due, untouched, and the next pass asks again, so they
		 * go out as soon as it is back instead of after each one's backoff.
		 */
		if (wm_outbound_down())
			break;
	}
	wm_outbound_end();
	lazy_commits(db, 0);
	rows_free(r, n);
	return rc;
}

#define KEEP_SENT	(7 * 86400)	/* sent and given-up rows, for inquiries */

static int
prune(struct wm_db *db, struct wm_err *err)
{
	return mark(db, "DELETE FROM notice_queue WHERE sent < ?1 OR failed < ?2",
	    (long long)wm_now() - KEEP_SENT, (long long)wm_now() - KEEP_SENT,
	    NULL, err);
}

static void
nap_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);	/* a signal ends it early: so much the better */
}

int
wm_notice_serve(struct wm_config *cfg, struct wm_db *db, time_t window,
    unsigned interval_ms, volatile int *stop, struct wm_err *err)
{
	struct wm_notice_stats s;
	struct wm_err perr;
	unsigned passes = 0;

	(void)err;
	wm_log(LOG_INFO, "notice sender started");
	while (!*stop) {
		/*
		 * Closing does not checkpoint (db.c), so the long-running sender
		 * does, now and then: the WAL stays short and every wm-deliver
		 * opens the database cheaply.
		 */
		if (passes++ % 30 == 0 && (prune(db, &perr) == -1 ||
		    wm_db_exec(db, "PRAGMA wal_checkpoint(PASSIVE)", &perr) == -1))
			wm_log(LOG_INFO, "housekeeping: %s", perr.msg);
		if (wm_notice_flush(cfg, db, window, &s, &perr) == -1)
			wm_log(LOG_WARNING, "notice queue: %s; will retry",
			    perr.msg);
		else if (s.mails + s.deferred + s.failed + s.indexed > 0)
			wm_log(LOG_INFO, "notices: %lld mails for %lld notices, "
			    "%lld deferred, %lld given up; %lld mails indexed",
			    s.mails, s.sent, s.deferred, s.failed, s.indexed);
		if (!*stop && s.mails == 0 && s.indexed == 0)
			nap_ms(interval_ms);
	}
	wm_log(LOG_INFO, "notice sender stopped");
	return 0;
}
