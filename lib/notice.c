/*
 * notice.c - see notice.h: the writing side of the queue, which deliveries
 * link.  Sending (notice_send.c) renders templates and talks SMTP; a program
 * that only queues, such as wm-deliver, links none of that.
 */
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "notice.h"
#include "util.h"

static const char *const kind_names[] = {
	[WM_NOTICE_NEW_MAIL] = "new-mail",
	[WM_NOTICE_SIGNUP] = "signup",
	[WM_NOTICE_RESET] = "reset",
	[WM_NOTICE_OVER_QUOTA] = "over-quota",
	[WM_NOTICE_POSTMASTER] = "postmaster",
};

#define NKINDS	(sizeof(kind_names) / sizeof(kind_names[0]))

const char *
wm_notice_kind_name(enum wm_notice_kind k)
{
	return (size_t)k < NKINDS ? kind_names[k] : "unknown";
}

int
wm_notice_kind_parse(const char *s, enum wm_notice_kind *k)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (strcmp(kind_names[i], s) == 0) {
			*k = (enum wm_notice_kind)i;
			return 0;
		}
	return -1;
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int
wm_notice_queue(struct wm_db *db, const struct wm_notice *n, struct wm_err *err)
{
	sqlite3_stmt *st;

	if ((size_t)n->kind >= NKINDS)
		return wm_err_set(err, EX_SOFTWARE, "unknown notice kind");
	st = wm_db_prepare(db, "INSERT INTO notice_queue (kind, address, sender, "
	    "subject, reason, body, created) VALUES (?, ?, ?, ?, ?, ?, ?)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind_names[n->kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->address ? n->address : "", -1,
	    SQLITE_TRANSIENT);
	bind_opt(st, 3, n->sender);
	bind_opt(st, 4, n->subject);
	bind_opt(st, 5, n->reason);
	if (n->body != NULL)
		sqlite3_bind_blob64(st, 6, n->body, n->len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)wm_now());
	return wm_db_step_done(db, st, "notice queue", err);
}

long long
wm_notice_pending(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;
	long long n = -1;

	st = wm_db_prepare(db, "SELECT count(*) FROM notice_queue WHERE "
	    "sent IS NULL AND failed IS NULL", err);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		wm_db_fail(db, "notice queue", err);
	sqlite3_finalize(st);
	return n;
}

