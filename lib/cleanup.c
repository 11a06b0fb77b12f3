/*
 * cleanup.c - removes messages past WM-Expires and, with auto cleanup on,
 * messages older than cleanup-interval.  WM-Expires is the sender's word and
 * holds whether or not auto cleanup is enabled.
 *
 * Order per message: index row, then file.  Users only ever see mail through
 * the index, so a crash between the two leaves an unreferenced file that is
 * invisible, never a listed message whose file has gone.
 */
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "mailbox.h"
#include "message.h"
#include "prefs.h"
#include "util.h"

struct due {
	struct wm_cleanup_item	 it;
	char			*mailbox;
	char			*folder;
	char			*file;
	char			*subject;
};

struct due_list {
	struct due	*v;
	size_t		 n;
	size_t		 cap;
};

static void
due_list_free(struct due_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].mailbox);
		free(l->v[i].folder);
		free(l->v[i].file);
		free(l->v[i].subject);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
due_add(struct due_list *l, sqlite3_stmt *st, time_t now)
{
	struct due *d, *nv;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 64;
		if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	d = &l->v[l->n];
	memset(d, 0, sizeof(*d));
	d->mailbox = wm_strdup(wm_db_text(st, 1));
	d->folder = wm_strdup(wm_db_text(st, 2));
	d->file = wm_strdup(wm_db_text(st, 3));
	d->subject = wm_strdup(wm_db_text(st, 4));
	if (!d->mailbox || !d->folder || !d->file || !d->subject) {
		free(d->mailbox);
		free(d->folder);
		free(d->file);
		free(d->subject);
		return -1;
	}
	d->it.id = sqlite3_column_int64(st, 0);
	d->it.mailbox = d->mailbox;
	d->it.folder = d->folder;
	d->it.file = d->file;
	d->it.subject = d->subject;
	d->it.received = (time_t)sqlite3_column_int64(st, 5);
	d->it.expires = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 :
	    (time_t)sqlite3_column_int64(st, 6);
	d->it.reason = d->it.expires > 0 && d->it.expires <= now ? "expired" :
	    "age";
	l->n++;
	return 0;
}

/* Reads every due row first: deleting while a SELECT walks the table is not. */
static int
find_due(struct wm_db *db, time_t now, int by_age, time_t cutoff,
    struct due_list *l, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT id, mailbox, folder, file, subject, "
	    "received, expires FROM messages WHERE (expires IS NOT NULL AND "
	    "expires > 0 AND expires <= ?1) OR (?2 AND received < ?3) "
	    "ORDER BY mailbox, id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int(st, 2, by_age);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)cutoff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (due_add(l, st, now) == -1) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "messages", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Cutoff for age-based cleanup; *by_age 0 when auto cleanup is off. */
static int
age_policy(struct wm_db *db, time_t now, int *by_age, time_t *cutoff,
    struct wm_err *err)
{
	long long secs;
	char *v;
	int on;

	*by_age = 0;
	*cutoff = 0;
	if (wm_pref_user_bool(db, NULL, "auto-cleanup-enabled", &on, err) == -1)
		return -1;
	if (!on)
		return 0;
	v = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "cleanup-interval", NULL, err);
	if (v == NULL)
		return -1;
	if (wm_parse_interval(v, &secs) == -1 || secs <= 0) {
		wm_err_set(err, EX_CONFIG, "cleanup-interval %s is not an interval",
		    v);
		free(v);
		return -1;
	}
	free(v);
	*by_age = 1;
	*cutoff = now - (time_t)secs;
	return 0;
}

/* 0 removed, 1 gone meanwhile (a user or another run), -1 error. */
static int
remove_one(struct wm_db *db, const char *root, const struct wm_cleanup_item *it,
    struct wm_err *err)
{
	struct wm_err ferr;

	if (wm_message_delete(db, it->mailbox, it->id, err) == -1)
		return err->code == EX_NOINPUT ? 1 : -1;
	if (wm_mailbox_remove(root, it->mailbox, it->file, &ferr) == -1) {
		/* The row is gone, so users no longer see it: log, go on. */
		wm_log(LOG_WARNING, "cleanup: %s message %lld: file left: %s",
		    it->mailbox, it->id, ferr.msg);
	}
	return 0;
}

int
wm_cleanup_run(struct wm_config *cfg, struct wm_db *db,
    const struct wm_cleanup_opts *o, long long *removed, struct wm_err *err)
{
	struct due_list l;
	const char *root;
	time_t now = wm_now(), cutoff;
	size_t i;
	int by_age, gone, rc = 0;

	*removed = 0;
	memset(&l, 0, sizeof(l));
	if ((root = wm_config_path(cfg, "mail")) == NULL)
		return wm_err_set(err, EX_CONFIG, "no [paths] mail");
	if (age_policy(db, now, &by_age, &cutoff, err) == -1 ||
	    find_due(db, now, by_age, cutoff, &l, err) == -1) {
		due_list_free(&l);
		return -1;
	}
	for (i = 0; i < l.n && rc == 0; i++) {
		if (!o->dry_run &&
		    (gone = remove_one(db, root, &l.v[i].it, err)) != 0) {
			if (gone == -1) {
				rc = -1;
				break;
			}
			continue;
		}
		(*removed)++;
		if (!o->dry_run)
			wm_log(LOG_INFO, "cleanup: removed %s message %lld (%s)",
			    l.v[i].it.mailbox, l.v[i].it.id, l.v[i].it.reason);
		if (o->report != NULL && o->report(&l.v[i].it, o->arg) == -1)
			break;
	}
	due_list_free(&l);
	return rc;
}
