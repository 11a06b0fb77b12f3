/*
 * cleanup.c - removes messages past WM-Expires and, with auto cleanup on,
 * messages older than cleanup-interval.  WM-Expires is the sender's word and
 * holds whether or not auto cleanup is enabled.
 *
 * Order, per batch of rows: the rows are deleted and their files recorded in
 * file_removals in one transaction, then the files and their records go (in
 * the transaction that deletes the next batch's rows, so the disk's waits
 * and the database's work overlap).
 * Users only ever see mail through the index, so no listed message ever
 * lacks its file; and a crash after the commit leaves records, which the
 * next run finishes first, never a file nothing names.  One commit per
 * batch, not per mail: a commit is a sync.
 */
#include <pthread.h>
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

#define BATCH	5000	/* rows per transaction: one commit (and sync) each */

/*
 * Deletes the rows of one batch and records their files as to be removed, in
 * the caller's transaction.  A row gone meanwhile (a user, another run) is
 * marked gone (it.id = 0) and not reported.
 */
static int
forget_rows(struct wm_db *db, struct due *v, size_t n, struct wm_err *err)
{
	sqlite3_stmt *del = NULL, *rec = NULL;
	size_t i;
	int rc = -1;

	if ((del = wm_db_prepare(db, "DELETE FROM messages WHERE id = ? AND "
	    "mailbox = ?", err)) == NULL || (rec = wm_db_prepare(db, "INSERT OR "
	    "IGNORE INTO file_removals (mailbox, file) VALUES (?, ?)", err)) ==
	    NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(del, 1, v[i].it.id);
		sqlite3_bind_text(del, 2, v[i].mailbox, -1, SQLITE_STATIC);
		sqlite3_bind_text(rec, 1, v[i].mailbox, -1, SQLITE_STATIC);
		sqlite3_bind_text(rec, 2, v[i].file, -1, SQLITE_STATIC);
		if (sqlite3_step(del) != SQLITE_DONE ||
		    (sqlite3_changes(wm_db_handle(db)) == 1 &&
		    sqlite3_step(rec) != SQLITE_DONE)) {
			wm_db_fail(db, "cleanup", err);
			goto out;
		}
		if (sqlite3_changes(wm_db_handle(db)) == 0)
			v[i].it.id = 0;
		sqlite3_reset(del);
		sqlite3_reset(rec);
	}
	rc = 0;
out:
	sqlite3_finalize(del);
	sqlite3_finalize(rec);
	return rc;
}

/*
 * The files of one batch, removed by several threads: an unlink waits for
 * the disk (ext4 with online discard trims each freed block before unlink
 * returns, about 2 ms on a virtual disk), and unlinks wait in parallel, so
 * the time per mail falls with the threads, not the CPU.
 */
#define RM_THREADS	64

struct rm_set {
	const char	 *root;
	char		**mailbox;
	char		**file;
	char		**fail;		/* a message per file left, or NULL */
	size_t		  n;
	size_t		  stride;
	struct rm_part {
		struct rm_set	*set;
		size_t		 first;
	}		  part[RM_THREADS];
	pthread_t	  tid[RM_THREADS];
	int		  started[RM_THREADS];
};

static void *
rm_part_run(void *arg)
{
	struct rm_part *p = arg;
	struct rm_set *s = p->set;
	struct wm_err ferr;
	size_t i;

	for (i = p->first; i < s->n; i += s->stride)
		if (wm_mailbox_remove(s->root, s->mailbox[i], s->file[i],
		    &ferr) == -1 && ferr.code != EX_NOINPUT)
			s->fail[i] = wm_strdup(ferr.msg);
	return NULL;
}

/* Starts removing the files of s; rm_set_join waits for the end. */
static void
rm_set_start(struct rm_set *s)
{
	size_t i, k;

	k = s->n / 32 + 1;
	s->stride = k < RM_THREADS ? k : RM_THREADS;
	for (i = 0; i < s->stride; i++) {
		s->part[i].set = s;
		s->part[i].first = i;
		s->started[i] = pthread_create(&s->tid[i], NULL, rm_part_run,
		    &s->part[i]) == 0;
	}
}

/* A share whose thread could not start is removed here. */
static void
rm_set_join(struct rm_set *s)
{
	size_t i;

	for (i = 0; i < s->stride; i++)
		if (!s->started[i])
			rm_part_run(&s->part[i]);
	for (i = 0; i < s->stride; i++)
		if (s->started[i])
			pthread_join(s->tid[i], NULL);
	for (i = 0; i < s->n; i++)
		if (s->fail[i] != NULL)
			wm_log(LOG_WARNING, "cleanup: %s: file left: %s",
			    s->mailbox[i], s->fail[i]);
}

static void
rm_set_free(struct rm_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->mailbox[i]);
		free(s->file[i]);
		free(s->fail[i]);
	}
	free(s->mailbox);
	free(s->file);
	free(s->fail);
}

/*
 * Removes up to BATCH recorded files and their records, under the write lock:
 * a delivery that publishes the same file name meanwhile (the same mail
 * again) waits, and takes the record back in its own transaction
 * (wm_cleanup_keep_file).  While the threads wait for the disk, the rows of
 * the next batch (v, n; none when v is NULL) are deleted and their files
 * recorded in the same transaction.  A crash before the commit leaves every
 * record and row: the next run finds any file already gone as gone.
 * *left: records remained.
 */
static int
remove_batch(struct wm_db *db, const char *root, struct due *v, size_t n,
    int *left, struct wm_err *err)
{
	struct rm_set s;
	sqlite3_stmt *st;
	int rc, frc;

	*left = 0;
	memset(&s, 0, sizeof(s));
	s.root = root;
	if ((s.mailbox = calloc(BATCH, sizeof(char *))) == NULL ||
	    (s.file = calloc(BATCH, sizeof(char *))) == NULL ||
	    (s.fail = calloc(BATCH, sizeof(char *))) == NULL) {
		rm_set_free(&s);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if (wm_db_begin(db, err) == -1) {
		rm_set_free(&s);
		return -1;
	}
	st = wm_db_prepare(db, "DELETE FROM file_removals WHERE rowid IN "
	    "(SELECT rowid FROM file_removals LIMIT ?) RETURNING mailbox, file",
	    err);
	if (st == NULL) {
		wm_db_rollback(db);
		rm_set_free(&s);
		return -1;
	}
	sqlite3_bind_int(st, 1, BATCH);
	while (s.n < BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		s.mailbox[s.n] = wm_strdup(wm_db_text(st, 0));
		s.file[s.n] = wm_strdup(wm_db_text(st, 1));
		s.n++;
		if (s.mailbox[s.n - 1] == NULL || s.file[s.n - 1] == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_NOMEM)
			wm_err_set(err, EX_TEMPFAIL, "out of memory");
		else
			wm_db_fail(db, "cleanup", err);
		wm_db_rollback(db);
		rm_set_free(&s);
		return -1;
	}
	rm_set_start(&s);
	frc = v == NULL ? 0 : forget_rows(db, v, n, err);
	rm_set_join(&s);
	*left = s.n == BATCH;
	rm_set_free(&s);
	if (frc == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

/* Removes every recorded file, including those a crashed run left. */
static int
remove_recorded(struct wm_db *db, const char *root, struct wm_err *err)
{
	int left = 1;

	while (left)
		if (remove_batch(db, root, NULL, 0, &left, err) == -1)
			return -1;
	return 0;
}

int
wm_cleanup_keep_file(struct wm_db *db, const char *mailbox, const char *file,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "DELETE FROM file_removals WHERE mailbox = ? AND "
	    "file = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "cleanup", err);
}

static int
report_batch(const struct wm_cleanup_opts *o, const struct due *v, size_t n,
    long long *removed)
{
	long long expired = 0, age = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (!o->dry_run && v[i].it.id == 0)
			continue;	/* gone meanwhile */
		(*removed)++;
		*(strcmp(v[i].it.reason, "expired") == 0 ? &expired : &age) += 1;
		if (o->report != NULL && o->report(&v[i].it, o->arg) == -1)
			rc = -1;
	}
	/* One line a batch: a line per mail would cost more than the removal. */
	if (!o->dry_run && expired + age > 0)
		wm_log(LOG_INFO, "cleanup: removed %lld messages (%lld expired, "
		    "%lld by age)", expired + age, expired, age);
	return rc;
}

static int
run_batches(struct wm_db *db, const char *root, const struct wm_cleanup_opts *o,
    struct due_list *l, long long *removed, struct wm_err *err)
{
	size_t i, n;
	int left;

	/* The files of batch k go in the transaction that forgets batch k+1. */
	for (i = 0; i < l->n; i += n) {
		n = l->n - i < BATCH ? l->n - i : BATCH;
		if (!o->dry_run && remove_batch(db, root, l->v + i, n, &left,
		    err) == -1)
			return -1;
		if (report_batch(o, l->v + i, n, removed) == -1)
			break;
	}
	if (!o->dry_run && remove_recorded(db, root, err) == -1)
		return -1;
	return 0;
}

#define TMP_AGE	(36 * 3600)	/* maildir(5): tmp/ files older are debris */

static int
sweep_one(const char *name, const char *address, void *arg)
{
	const char *root = arg;
	struct wm_err err;
	long long n = 0;

	(void)name;
	if (wm_mailbox_sweep_tmp(root, address, TMP_AGE, &n, &err) == -1)
		wm_log(LOG_WARNING, "cleanup: %s: %s", address, err.msg);
	else if (n > 0)
		wm_log(LOG_INFO, "cleanup: %s: removed %lld stale tmp/ files "
		    "(deliveries killed before their rename)", address, n);
	return 0;
}

/*
 * Each DELETE of a batch fires the totals trigger, so SQLite keeps a
 * statement journal for it; in a temp file that is several writes per mail,
 * the largest cost of a batch after the unlinks.  Changing temp_store drops
 * the connection's temporary tables and triggers, so a connection that has
 * some keeps its setting.
 */
static int
memory_journals(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc, n;

	if ((st = wm_db_prepare(db, "SELECT count(*) FROM sqlite_temp_master",
	    err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return wm_db_fail(db, "cleanup", err);
	return n > 0 ? 0 : wm_db_exec(db, "PRAGMA temp_store = MEMORY", err);
}

int
wm_cleanup_run(struct wm_config *cfg, struct wm_db *db,
    const struct wm_cleanup_opts *o, long long *removed, struct wm_err *err)
{
	struct due_list l;
	const char *root;
	time_t now = wm_now(), cutoff;
	int by_age, rc;

	*removed = 0;
	memset(&l, 0, sizeof(l));
	if ((root = wm_config_path(cfg, "mail")) == NULL)
		return wm_err_set(err, EX_CONFIG, "no [paths] mail");
	if (memory_journals(db, err) == -1)
		return -1;
	if ((!o->dry_run && remove_recorded(db, root, err) == -1) ||
	    age_policy(db, now, &by_age, &cutoff, err) == -1 ||
	    find_due(db, now, by_age, cutoff, &l, err) == -1) {
		due_list_free(&l);
		return -1;
	}
	rc = run_batches(db, root, o, &l, removed, err);
	due_list_free(&l);
	if (rc == 0 && !o->dry_run &&
	    wm_mailbox_foreach(root, sweep_one, (void *)root, err) == -1)
		rc = -1;
	return rc;
}
