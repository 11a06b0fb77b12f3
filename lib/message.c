/*
 * message.c - see message.h.  Every query names the mailbox, so a row of one
 * mailbox can never be read or changed through another.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "message.h"
#include "util.h"

#define COLUMNS "id, mailbox, folder, file, delivery_key, envelope_sender, " \
	"from_addr, to_addr, cc_addr, subject, message_id, date, received, " \
	"size, has_attachments, expires, read_receipt, receipt_sent, seen, " \
	"header_error, stored_lf, trashed, indexed"

void
wm_message_free(struct wm_message *m)
{
	if (m == NULL)
		return;
	free(m->mailbox);
	free(m->folder);
	free(m->file);
	free(m->delivery_key);
	free(m->envelope_sender);
	free(m->from_addr);
	free(m->to_addr);
	free(m->cc_addr);
	free(m->subject);
	free(m->message_id);
	free(m->header_error);
	free(m);
}

void
wm_message_list_free(struct wm_message **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		wm_message_free(v[i]);
	free(v);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int
bind_time(sqlite3_stmt *st, int i, time_t t)
{
	if (t == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, (sqlite3_int64)t);
}

int
wm_message_insert(struct wm_db *db, struct wm_message *m, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "INSERT INTO messages (mailbox, folder, file, "
	    "delivery_key, envelope_sender, from_addr, to_addr, cc_addr, "
	    "subject, message_id, date, received, size, has_attachments, "
	    "expires, read_receipt, receipt_sent, seen, header_error, stored_lf, "
	    "trashed, indexed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
	    "?)", err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, m->mailbox);
	bind_text(st, 2, m->folder ? m->folder : "inbox");
	bind_text(st, 3, m->file);
	bind_text(st, 4, m->delivery_key);
	bind_text(st, 5, m->envelope_sender);
	bind_text(st, 6, m->from_addr);
	bind_text(st, 7, m->to_addr);
	bind_text(st, 8, m->cc_addr);
	bind_text(st, 9, m->subject);
	bind_text(st, 10, m->message_id);
	bind_time(st, 11, m->date);
	sqlite3_bind_int64(st, 12, m->received ? m->received : wm_now());
	sqlite3_bind_int64(st, 13, m->size);
	sqlite3_bind_int(st, 14, m->has_attachments != 0);
	bind_time(st, 15, m->expires);
	sqlite3_bind_int(st, 16, m->read_receipt != 0);
	sqlite3_bind_int(st, 17, m->receipt_sent != 0);
	sqlite3_bind_int(st, 18, m->seen != 0);
	bind_text(st, 19, m->header_error);
	sqlite3_bind_int(st, 20, m->stored_lf != 0);
	sqlite3_bind_int(st, 21, m->trashed != 0);
	sqlite3_bind_int(st, 22, m->unindexed == 0);
	rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		sqlite3_finalize(st);
		return wm_err_set(err, EX_DATAERR,
		    "a message with this delivery key exists");
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "insert message", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	m->id = sqlite3_last_insert_rowid(wm_db_handle(db));
	return 0;
}

int
wm_message_key_exists(struct wm_db *db, const char *key, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT 1 FROM messages WHERE delivery_key = ?",
	    err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		wm_db_fail(db, "look up delivery key", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

static struct wm_message *
row(sqlite3_stmt *st)
{
	struct wm_message *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->id = sqlite3_column_int64(st, 0);
	m->mailbox = wm_db_dup(st, 1);
	m->folder = wm_db_dup(st, 2);
	m->file = wm_db_dup(st, 3);
	m->delivery_key = wm_db_dup(st, 4);
	m->envelope_sender = wm_db_dup(st, 5);
	m->from_addr = wm_db_dup(st, 6);
	m->to_addr = wm_db_dup(st, 7);
	m->cc_addr = wm_db_dup(st, 8);
	m->subject = wm_db_dup(st, 9);
	m->message_id = wm_db_dup(st, 10);
	m->date = (time_t)sqlite3_column_int64(st, 11);
	m->received = (time_t)sqlite3_column_int64(st, 12);
	m->size = sqlite3_column_int64(st, 13);
	m->has_attachments = sqlite3_column_int(st, 14);
	m->expires = (time_t)sqlite3_column_int64(st, 15);
	m->read_receipt = sqlite3_column_int(st, 16);
	m->receipt_sent = sqlite3_column_int(st, 17);
	m->seen = sqlite3_column_int(st, 18);
	m->header_error = wm_db_dup(st, 19);
	m->stored_lf = sqlite3_column_int(st, 20);
	m->trashed = sqlite3_column_int(st, 21);
	m->unindexed = sqlite3_column_int(st, 22) == 0;
	if (m->mailbox == NULL || m->folder == NULL || m->file == NULL) {
		wm_message_free(m);
		return NULL;
	}
	return m;
}

struct wm_message *
wm_message_get(struct wm_db *db, const char *mailbox, long long id,
    struct wm_err *err)
{
	struct wm_message *m = NULL;
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT " COLUMNS " FROM messages "
	    "WHERE mailbox = ? AND id = ?", err);
	if (st == NULL)
		return NULL;
	bind_text(st, 1, mailbox);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((m = row(st)) == NULL)
			wm_err_set(err, EX_TEMPFAIL, "out of memory");
	} else if (rc == SQLITE_DONE)
		wm_err_set(err, EX_NOINPUT, "no such message");
	else
		wm_db_fail(db, "read message", err);
	sqlite3_finalize(st);
	return m;
}

int
wm_message_list(struct wm_db *db, const char *mailbox, const char *folder,
    long long offset, long long limit, struct wm_message ***out, size_t *n,
    struct wm_err *err)
{
	struct wm_message **v = NULL, **nv, *m;
	sqlite3_stmt *st;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	st = wm_db_prepare(db, "SELECT " COLUMNS " FROM messages "
	    "WHERE mailbox = ? AND folder = ? "
	    "ORDER BY received DESC, id DESC LIMIT ? OFFSET ?", err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, mailbox);
	bind_text(st, 2, folder ? folder : "inbox");
	sqlite3_bind_int64(st, 3, limit < 0 ? -1 : limit);
	sqlite3_bind_int64(st, 4, offset < 0 ? 0 : offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (nv == NULL || (m = row(st)) == NULL) {
			wm_message_list_free(nv ? nv : v, cnt);
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
		v = nv;
		v[cnt++] = m;
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "list messages", err);
		sqlite3_finalize(st);
		wm_message_list_free(v, cnt);
		return -1;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = cnt;
	return 0;
}

static int
collect(struct wm_db *db, sqlite3_stmt *st, int reverse,
    struct wm_message ***out, size_t *n, struct wm_err *err)
{
	struct wm_message **v = NULL, **nv, *m;
	size_t cnt = 0, i;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (nv == NULL || (m = row(st)) == NULL) {
			wm_message_list_free(nv ? nv : v, cnt);
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
		v = nv;
		v[cnt++] = m;
	}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "list messages", err);
		sqlite3_finalize(st);
		wm_message_list_free(v, cnt);
		return -1;
	}
	sqlite3_finalize(st);
	for (i = 0; reverse && i < cnt / 2; i++) {
		m = v[i];
		v[i] = v[cnt - 1 - i];
		v[cnt - 1 - i] = m;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int
wm_message_list_from(struct wm_db *db, const char *mailbox, const char *folder,
    long long received, long long id, int older, long long limit,
    struct wm_message ***out, size_t *n, struct wm_err *err)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	/* Row values walk the (mailbox, folder, received, id) index. */
	st = wm_db_prepare(db, older ?
	    "SELECT " COLUMNS " FROM messages WHERE mailbox = ? AND folder = ? "
	    "AND (received, id) < (?, ?) ORDER BY received DESC, id DESC LIMIT ?" :
	    "SELECT " COLUMNS " FROM messages WHERE mailbox = ? AND folder = ? "
	    "AND (received, id) > (?, ?) ORDER BY received ASC, id ASC LIMIT ?",
	    err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, mailbox);
	bind_text(st, 2, folder ? folder : "inbox");
	sqlite3_bind_int64(st, 3, received);
	sqlite3_bind_int64(st, 4, id);
	sqlite3_bind_int64(st, 5, limit < 0 ? -1 : limit);
	return collect(db, st, !older, out, n, err);
}

int
wm_message_totals(struct wm_db *db, const char *mailbox, const char *folder,
    long long *messages, long long *unseen, long long *bytes,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	/* A mailbox without a row has 0 of everything, not NULL. */
	st = wm_db_prepare(db, "SELECT coalesce(sum(messages), 0), "
	    "coalesce(sum(unseen), 0), coalesce(sum(bytes), 0) "
	    "FROM mailbox_totals WHERE mailbox = ?1 "
	    "AND (?2 IS NULL OR folder = ?2)", err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, mailbox);
	bind_text(st, 2, folder);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		wm_db_fail(db, "count messages", err);
		sqlite3_finalize(st);
		return -1;
	}
	if (messages != NULL)
		*messages = sqlite3_column_int64(st, 0);
	if (unseen != NULL)
		*unseen = sqlite3_column_int64(st, 1);
	if (bytes != NULL)
		*bytes = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	return 0;
}

long long
wm_message_count(struct wm_db *db, const char *mailbox, const char *folder,
    int unseen_only, struct wm_err *err)
{
	long long all, unseen;

	if (wm_message_totals(db, mailbox, folder ? folder : "inbox", &all,
	    &unseen, NULL, err) == -1)
		return -1;
	return unseen_only ? unseen : all;
}

/* Runs an UPDATE/DELETE that must touch exactly one row of the mailbox. */
static int
change_one(struct wm_db *db, sqlite3_stmt *st, const char *what,
    struct wm_err *err)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		wm_db_fail(db, what, err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(wm_db_handle(db)) != 1)
		return wm_err_set(err, EX_NOINPUT, "no such message");
	return 0;
}

int
wm_message_set_seen(struct wm_db *db, const char *mailbox, long long id,
    int seen, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE messages SET seen = ? "
	    "WHERE mailbox = ? AND id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, seen != 0);
	bind_text(st, 2, mailbox);
	sqlite3_bind_int64(st, 3, id);
	return change_one(db, st, "mark message", err);
}

int
wm_message_set_receipt_sent(struct wm_db *db, long long id, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE messages SET receipt_sent = 1 WHERE id = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return change_one(db, st, "mark receipt sent", err);
}

int
wm_message_set_file(struct wm_db *db, long long id, const char *file,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE messages SET file = ? WHERE id = ?", err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, file);
	sqlite3_bind_int64(st, 2, id);
	return change_one(db, st, "rename message file", err);
}

int
wm_message_delete(struct wm_db *db, const char *mailbox, long long id,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "DELETE FROM messages WHERE mailbox = ? AND id = ?",
	    err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, mailbox);
	sqlite3_bind_int64(st, 2, id);
	return change_one(db, st, "delete message", err);
}
