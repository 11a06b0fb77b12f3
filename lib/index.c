/*
 * index.c - see index.h.
 *
 * Rows are taken in batches: the files of a batch are read here, one child
 * parses them all (a fork per batch, not per mail) and answers with the
 * fields, and one transaction stores them.  A batch whose child dies is
 * parsed again one mail at a time, so one hostile mail costs only itself.
 * The update says "AND indexed = 0": two processes completing the same rows
 * (the sender and a portal worker) store the same answer once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "index.h"
#include "log.h"
#include "mailbox.h"
#include "message.h"
#include "mime.h"
#include "sandbox.h"
#include "util.h"

#define BATCH		64		/* rows per child */
#define BATCH_BYTES	(64UL << 20)	/* mail bytes read per child, past one */
#define FIELDS		8		/* strings per row in the child's answer */

struct pending {
	long long	 id;
	char		*mailbox;
	char		*folder;
	char		*file;
	struct wm_buf	 raw;		/* data NULL: not read */
	char		*field[FIELDS];	/* the child's answer, as stored */
};

enum got { GOT_MAIL, GOT_NOTHING, GOT_LATER };	/* of reading a row's file */

enum { F_FROM, F_TO, F_CC, F_SUBJECT, F_ID, F_DATE, F_ATTACH, F_ERROR };

struct batch {
	struct pending	*p;
	size_t		 n;		/* rows in use */
	size_t		 taken;		/* rows selected (to free) */
};

static int
batch_free(struct batch *b, int rc)
{
	size_t i, k;

	for (i = 0; i < b->taken; i++) {
		free(b->p[i].mailbox);
		free(b->p[i].folder);
		free(b->p[i].file);
		wm_buf_free(&b->p[i].raw);
		for (k = 0; k < FIELDS; k++)
			free(b->p[i].field[k]);
	}
	free(b->p);
	return rc;
}

static int
select_rows(struct wm_db *db, const char *mailbox, long long after,
    struct batch *b, struct wm_err *err)
{
	sqlite3_stmt *st;
	struct pending *p;
	int rc;

	st = wm_db_prepare(db, mailbox != NULL ?
	    "SELECT id, mailbox, file, folder FROM messages WHERE indexed = 0 "
	    "AND mailbox = ?2 AND id > ?1 ORDER BY id LIMIT ?3" :
	    "SELECT id, mailbox, file, folder FROM messages WHERE indexed = 0 "
	    "AND id > ?1 ORDER BY id LIMIT ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	if (mailbox != NULL)
		sqlite3_bind_text(st, 2, mailbox, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, BATCH);
	if ((b->p = calloc(BATCH, sizeof(*b->p))) == NULL) {
		sqlite3_finalize(st);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = &b->p[b->taken++];
		b->n = b->taken;
		p->id = sqlite3_column_int64(st, 0);
		p->mailbox = wm_strdup(wm_db_text(st, 1));
		p->file = wm_strdup(wm_db_text(st, 2));
		p->folder = wm_strdup(wm_db_text(st, 3));
		wm_buf_init(&p->raw);
		if (p->mailbox == NULL || p->file == NULL || p->folder == NULL) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "unindexed messages", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * Reads the file where a stock reader may have moved it.  GOT_NOTHING: the
 * file is gone; GOT_LATER: it could not be read now.
 */
static enum got
read_one(struct wm_db *db, const char *root, struct pending *p)
{
	struct wm_message m;
	struct wm_err err;
	char *path;
	int rc;

	memset(&m, 0, sizeof(m));
	m.id = p->id;
	m.mailbox = p->mailbox;
	m.folder = p->folder;
	m.file = p->file;
	rc = wm_message_locate(db, root, &m, &err);
	p->file = m.file;	/* the name it has now */
	if (rc == -1)
		return err.code == EX_NOINPUT ? GOT_NOTHING : GOT_LATER;
	if ((path = wm_message_path(root, &m, &err)) == NULL)
		return GOT_LATER;
	rc = wm_read_file(path, (size_t)-1 / 4, &p->raw, &err);
	free(path);
	if (rc == -1) {
		wm_log(LOG_WARNING, "message %lld of %s: %s; indexed later",
		    p->id, p->mailbox, err.msg);
		return GOT_LATER;
	}
	return GOT_MAIL;
}

static int
put_field(struct wm_buf *out, const char *s)
{
	return wm_buf_append(out, s != NULL ? s : "", (s != NULL ? strlen(s) :
	    0) + 1);
}

/* In the child: the fields of every mail read, each a NUL-ended string. */
static int
parse_all(void *arg, struct wm_buf *out)
{
	struct batch *b = arg;
	struct wm_mime_info info;
	struct wm_err err;
	char num[32];
	size_t i;
	int rc = 0;

	for (i = 0; i < b->n && rc == 0; i++) {
		if (b->p[i].raw.data == NULL)
			continue;
		wm_sandbox_test_fault(b->p[i].raw.data);
		if (wm_mime_index(b->p[i].raw.data, b->p[i].raw.len, &info,
		    &err) == -1)
			_exit(WM_SANDBOX_EXIT_NOMEM);
		snprintf(num, sizeof(num), "%lld", (long long)info.date);
		rc |= put_field(out, info.from);
		rc |= put_field(out, info.to);
		rc |= put_field(out, info.cc);
		rc |= put_field(out, info.subject);
		rc |= put_field(out, info.message_id);
		rc |= put_field(out, num);
		rc |= put_field(out, info.has_attachments ? "1" : "0");
		rc |= put_field(out, info.header_error);
		wm_mime_info_clear(&info);
	}
	return rc;
}

/* Takes the child's answer apart; -1 if it does not fit the batch. */
static int
take_answer(struct batch *b, const struct wm_buf *ans)
{
	const char *p = ans->data, *end = ans->data + ans->len, *nul;
	size_t i, k;

	for (i = 0; i < b->n; i++) {
		if (b->p[i].raw.data == NULL)
			continue;
		for (k = 0; k < FIELDS; k++) {
			if (p == NULL || p >= end ||
			    (nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
				return -1;
			if ((b->p[i].field[k] = wm_strdup(p)) == NULL)
				return -1;
			p = nul + 1;
		}
	}
	return p == end || b->n == 0 ? 0 : -1;
}

/* What a row gets when its mail cannot be parsed at all. */
static int
give_up(struct pending *p, const char *why)
{
	static const char *const empty[FIELDS] = { "", "", "", "", "", "0", "0",
	    NULL };
	size_t k;

	for (k = 0; k < FIELDS; k++) {
		free(p->field[k]);
		p->field[k] = NULL;
		if (k != F_ERROR && (p->field[k] = wm_strdup(empty[k])) == NULL)
			return -1;
	}
	return (p->field[F_ERROR] = wm_strdup(why)) == NULL ? -1 : 0;
}

static void
clear_answer(struct batch *b)
{
	size_t i, k;

	for (i = 0; i < b->n; i++)
		for (k = 0; k < FIELDS && b->p[i].raw.data != NULL; k++) {
			free(b->p[i].field[k]);
			b->p[i].field[k] = NULL;
		}
}

static int
parse_batch(struct batch *b)
{
	static const struct wm_sandbox_limits lim = {
		WM_SANDBOX_CPU_LIMIT, WM_SANDBOX_MEM_LIMIT,
		WM_SANDBOX_WALL_LIMIT, 16UL << 20
	};
	enum wm_sandbox_outcome outcome;
	struct wm_buf ans;
	struct wm_err err;
	struct batch one;
	char *why;
	size_t i, have = 0;
	int rc;

	for (i = 0; i < b->n; i++)
		have += b->p[i].raw.data != NULL;
	if (have == 0)
		return 0;
	wm_buf_init(&ans);
	rc = wm_sandbox_run(parse_all, b, &lim, &ans, &outcome, &err);
	if (rc == 0 && take_answer(b, &ans) == -1) {
		clear_answer(b);
		outcome = WM_SANDBOX_CRASHED;	/* an answer that does not fit */
		rc = -1;
	}
	wm_buf_free(&ans);
	if (rc == 0)
		return 0;
	if (outcome == WM_SANDBOX_FAILED) {
		/* No fork, or no memory in the child: nothing said of the mail. */
		wm_log(LOG_WARNING, "indexing: %s; tried again later", err.msg);
		return 0;
	}
	if (have == 1) {
		for (i = 0; b->p[i].raw.data == NULL; i++)
			;
		wm_log(LOG_WARNING, "message %lld of %s: headers not decoded: "
		    "parser %s", b->p[i].id, b->p[i].mailbox,
		    wm_sandbox_outcome_name(outcome));
		why = wm_asprintf("the headers could not be decoded (parser %s)",
		    wm_sandbox_outcome_name(outcome));
		rc = why != NULL ? give_up(&b->p[i], why) : -1;
		free(why);
		return rc;
	}
	/* One of them is hostile: each on its own, so the rest are decoded. */
	for (i = 0; i < b->n; i++) {
		if (b->p[i].raw.data == NULL)
			continue;
		one.p = &b->p[i];
		one.n = one.taken = 1;
		if (parse_batch(&one) == -1)
			return -1;
	}
	return 0;
}

static int
store_one(struct wm_db *db, const struct pending *p, struct wm_err *err)
{
	sqlite3_stmt *st;
	size_t k;

	st = wm_db_prepare(db, "UPDATE messages SET from_addr = ?1, to_addr = ?2, "
	    "cc_addr = ?3, subject = ?4, message_id = NULLIF(?5, ''), "
	    "date = NULLIF(?6, 0), has_attachments = ?7, header_error = ?8, "
	    "indexed = 1 WHERE id = ?9 AND indexed = 0", err);
	if (st == NULL)
		return -1;
	for (k = 0; k < FIELDS; k++) {
		if (k == F_DATE || k == F_ATTACH)
			sqlite3_bind_int64(st, (int)k + 1,
			    strtoll(p->field[k], NULL, 10));
		else if (p->field[k] == NULL || (k == F_ERROR &&
		    *p->field[k] == '\0'))
			sqlite3_bind_null(st, (int)k + 1);
		else
			sqlite3_bind_text(st, (int)k + 1, p->field[k], -1,
			    SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 9, p->id);
	return wm_db_step_done(db, st, "index message", err);
}

static int
store_batch(struct wm_db *db, struct batch *b, long long *done,
    struct wm_err *err)
{
	size_t i;
	long long n = 0;

	if (wm_db_begin(db, err) == -1)
		return -1;
	for (i = 0; i < b->n; i++) {
		if (b->p[i].field[F_FROM] == NULL)
			continue;	/* unread: next time */
		if (store_one(db, &b->p[i], err) == -1) {
			wm_db_rollback(db);
			return -1;
		}
		n += sqlite3_changes(wm_db_handle(db));
	}
	if (wm_db_commit(db, err) == -1)
		return -1;
	*done += n;
	return 0;
}

/* One batch; the number of rows it took up, BATCH when more may follow. */
static int
one_batch(struct wm_db *db, const char *root, const char *mailbox,
    long long *after, long long *done, struct wm_err *err)
{
	struct batch b = { NULL, 0, 0 };
	size_t i, bytes = 0;
	int rc = -1;

	if (select_rows(db, mailbox, *after, &b, err) == -1)
		goto out;
	rc = (int)b.n;
	for (i = 0; i < b.n; i++) {
		/* Past the first mail, a batch stops at BATCH_BYTES. */
		if (i > 0 && bytes >= BATCH_BYTES) {
			rc = BATCH;
			break;
		}
		*after = b.p[i].id;
		if (read_one(db, root, &b.p[i]) == GOT_NOTHING &&
		    give_up(&b.p[i], "the mail file is missing") == -1)
			goto nomem;
		bytes += b.p[i].raw.len;
	}
	b.n = i;	/* batch_free below frees the rows cut off too */
	if (parse_batch(&b) == -1)
		goto nomem;
	if (store_batch(db, &b, done, err) == -1)
		rc = -1;
	goto out;
nomem:
	rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
out:
	return batch_free(&b, rc);
}

int
wm_index_pending(struct wm_db *db, const char *mail_root, const char *mailbox,
    long long max, long long *done, struct wm_err *err)
{
	long long after = 0;
	int n;

	*done = 0;
	do {
		if ((n = one_batch(db, mail_root, mailbox, &after, done,
		    err)) == -1)
			return -1;
	} while (n == BATCH && (max == 0 || *done < max));
	return 0;
}
