/*
 * message_sync.c - the index follows maildir files that stock readers move
 * (see message.h).  A reader such as Dovecot moves a message from new/ to
 * cur/ and keeps its flags after the unique name ("cur/<unique>:2,ST"); the
 * unique part never changes, so a row finds its file by it.  The maildir
 * stays the truth for Seen and Trashed once a file carries flags; the index
 * copies them so listings and counts need no look at the files.
 *
 * A whole-folder sync reads new/ and cur/ only when one of them changed since
 * the last sync (their mtimes, kept in maildir_scans).  A row whose file is
 * found nowhere is left alone: a rename seen half-way by readdir must never
 * cost a message its row.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "err.h"
#include "mailbox.h"
#include "message.h"
#include "util.h"

/* Sent mail counts as read whatever a reader's flags say. */
static int
adopt(struct wm_db *db, long long id, const char *file, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE messages SET file = ?1, seen = CASE "
	    "WHEN folder = 'sent' THEN seen ELSE ?2 END, trashed = ?3 "
	    "WHERE id = ?4", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, wm_mailbox_has_flag(file, 'S'));
	sqlite3_bind_int(st, 3, wm_mailbox_has_flag(file, 'T'));
	sqlite3_bind_int64(st, 4, id);
	return wm_db_step_done(db, st, "adopt moved message file", err);
}

static void
take_file(struct wm_message *m, char *file)
{
	free(m->file);
	m->file = file;
	if (strcmp(m->folder, "sent") != 0)
		m->seen = wm_mailbox_has_flag(file, 'S');
	m->trashed = wm_mailbox_has_flag(file, 'T');
}

char *
wm_message_path(const char *mail_root, const struct wm_message *m,
    struct wm_err *err)
{
	char *dir, *path;

	if (!wm_mailbox_file_ok(m->file)) {
		wm_err_set(err, EX_DATAERR, "message %lld: bad file name", m->id);
		return NULL;
	}
	if ((dir = wm_mailbox_path(mail_root, m->mailbox)) == NULL) {
		wm_err_set(err, EX_DATAERR, "message %lld: bad mailbox", m->id);
		return NULL;
	}
	path = wm_asprintf("%s/%s", dir, m->file);
	free(dir);
	if (path == NULL)
		wm_err_set(err, EX_OSERR, "out of memory");
	return path;
}

int
wm_message_locate(struct wm_db *db, const char *mail_root, struct wm_message *m,
    struct wm_err *err)
{
	char *now;

	if ((now = wm_mailbox_locate(mail_root, m->mailbox, m->file, err)) == NULL)
		return -1;
	if (strcmp(now, m->file) == 0) {
		free(now);
		return 0;
	}
	if (adopt(db, m->id, now, err) == -1) {
		free(now);
		return -1;
	}
	take_file(m, now);
	return 0;
}

int
wm_message_mark_seen(struct wm_db *db, const char *mail_root,
    struct wm_message *m, struct wm_err *err)
{
	char *now;

	/*
	 * The file first: a crash before the row is fixed by the next locate.
	 * A file gone meanwhile is still read in the index.
	 */
	if (wm_mailbox_set_flag(mail_root, m->mailbox, m->file, 'S', 1, &now,
	    err) == -1) {
		if (err->code != EX_NOINPUT ||
		    wm_message_set_seen(db, m->mailbox, m->id, 1, err) == -1)
			return -1;
		m->seen = 1;
		return 0;
	}
	if (adopt(db, m->id, now, err) == -1) {
		free(now);
		return -1;
	}
	take_file(m, now);
	m->seen = 1;
	return 0;
}

/* ---- whole folders ---- */

struct scan {
	char	**v;		/* "[.Sent/]new|cur/<name>", sorted by unique part */
	size_t	  n, cap;
};

static size_t
unique_len(const char *file, const char **base)
{
	const char *slash = strrchr(file, '/');

	*base = slash != NULL ? slash + 1 : file;
	return strcspn(*base, ":");
}

static int
by_unique(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b, *bx, *by;
	size_t lx = unique_len(x, &bx), ly = unique_len(y, &by);
	int c = memcmp(bx, by, lx < ly ? lx : ly);

	return c != 0 ? c : (lx > ly) - (lx < ly);
}

static int
scan_push(struct scan *s, char *file)
{
	char **nv;

	if (file == NULL)
		return -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if ((nv = reallocarray(s->v, s->cap, sizeof(*nv))) == NULL) {
			free(file);
			return -1;
		}
		s->v = nv;
	}
	s->v[s->n++] = file;
	return 0;
}

static void
scan_free(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Adds the entries of <box>/<pre><sub>; a missing directory adds nothing. */
static int
scan_dir(const char *box, const char *pre, const char *sub, struct scan *s)
{
	struct dirent *de;
	char *dir;
	DIR *d;
	int rc = 0;

	if ((dir = wm_asprintf("%s/%s%s", box, pre, sub)) == NULL)
		return -1;
	d = opendir(dir);
	free(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while (rc == 0 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			rc = scan_push(s, wm_asprintf("%s%s/%s", pre, sub,
			    de->d_name));
	closedir(d);
	return rc;
}

/*
 * The mtimes of new/ and cur/: when they did not change, nothing moved.  The
 * kernel stamps directories with a coarse clock, so a rename just after a
 * scan may keep the same mtime: a stamp younger than two seconds is saved
 * as "" and the next call scans again.
 */
static char *
folder_stamp(const char *box, const char *pre)
{
	struct stat sn, sc;
	char *n, *c, *stamp = NULL;
	time_t now = time(NULL);

	n = wm_asprintf("%s/%snew", box, pre);
	c = wm_asprintf("%s/%scur", box, pre);
	if (n != NULL && c != NULL && stat(n, &sn) == 0 && stat(c, &sc) == 0)
		stamp = now - sn.st_mtime < 2 || now - sc.st_mtime < 2 ?
		    wm_strdup("") : wm_asprintf("%lld.%09ld %lld.%09ld",
		    (long long)sn.st_mtim.tv_sec, sn.st_mtim.tv_nsec,
		    (long long)sc.st_mtim.tv_sec, sc.st_mtim.tv_nsec);
	free(n);
	free(c);
	return stamp;
}

/* 1 when the folder is as the last sync left it. */
static int
stamp_same(struct wm_db *db, const char *mailbox, const char *folder,
    const char *stamp, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc, same = 0;

	st = wm_db_prepare(db, "SELECT stamp FROM maildir_scans WHERE "
	    "mailbox = ? AND folder = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, folder, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		same = *stamp != '\0' && strcmp(wm_db_text(st, 0), stamp) == 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(db, "maildir scan stamp", err);
	return same;
}

static int
stamp_save(struct wm_db *db, const char *mailbox, const char *folder,
    const char *stamp, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "INSERT INTO maildir_scans (mailbox, folder, stamp) "
	    "VALUES (?, ?, ?) ON CONFLICT (mailbox, folder) DO UPDATE SET "
	    "stamp = excluded.stamp", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, folder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, stamp, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "save maildir scan stamp", err);
}

/* Rows whose file is now under another name get that name and its flags. */
static int
adopt_all(struct wm_db *db, const char *mailbox, const char *folder,
    const struct scan *s, struct wm_err *err)
{
	sqlite3_stmt *st;
	const char *file;
	char **hit;
	int rc;

	st = wm_db_prepare(db, "SELECT id, file FROM messages WHERE mailbox = ? "
	    "AND folder = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, folder, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		file = wm_db_text(st, 1);
		/* An empty maildir has no array, which bsearch must not get. */
		hit = s->n == 0 ? NULL :
		    bsearch(&file, s->v, s->n, sizeof(*s->v), by_unique);
		if (hit != NULL && strcmp(*hit, file) != 0 &&
		    adopt(db, sqlite3_column_int64(st, 0), *hit, err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : wm_db_fail(db, "list message files", err);
}

static int
sync_scanned(struct wm_db *db, const char *mailbox, const char *folder,
    const struct scan *s, const char *stamp, struct wm_err *err)
{
	if (wm_db_begin(db, err) == -1)
		return -1;
	if (adopt_all(db, mailbox, folder, s, err) == -1 ||
	    stamp_save(db, mailbox, folder, stamp, err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

int
wm_message_sync(struct wm_db *db, const char *mail_root, const char *mailbox,
    const char *folder, struct wm_err *err)
{
	const char *pre = strcmp(folder, "sent") == 0 ? ".Sent/" : "";
	struct scan s = { 0 };
	char *box, *stamp = NULL;
	int rc = -1;

	if ((box = wm_mailbox_path(mail_root, mailbox)) == NULL)
		return wm_err_set(err, EX_DATAERR, "bad mailbox name");
	if ((stamp = folder_stamp(box, pre)) == NULL) {
		rc = 0;		/* no maildir yet: nothing to follow */
		goto out;
	}
	if ((rc = stamp_same(db, mailbox, folder, stamp, err)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	/* new/ before cur/: a message moving meanwhile is seen in one of them. */
	if (scan_dir(box, pre, "new", &s) == -1 ||
	    scan_dir(box, pre, "cur", &s) == -1) {
		rc = wm_err_set(err, EX_IOERR, "%s: %s", box, strerror(errno));
		goto out;
	}
	if (s.n > 1)	/* an empty maildir has no array: qsort wants one */
		qsort(s.v, s.n, sizeof(*s.v), by_unique);
	rc = sync_scanned(db, mailbox, folder, &s, stamp, err);
out:
	scan_free(&s);
	free(stamp);
	free(box);
	return rc;
}
