/*
 * queue.c - see queue.h.  postqueue -j prints one JSON object per mail; the
 * fields are read with SQLite's json_extract, the JSON parser libwm already
 * links, instead of a hand-written one.
 */
#include <ctype.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "err.h"
#include "queue.h"
#include "util.h"

#define MAX_IDS	500	/* per call: one form's selection */

static const char *const op_names[] = { "hold", "release", "delete" };
static const char *const op_flags[] = { "-h", "-H", "-d" };

const char *
wm_queue_op_name(enum wm_queue_op op)
{
	return (unsigned)op < 3 ? op_names[op] : "unknown";
}

int
wm_queue_op_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, op_names[i]) == 0)
			return i;
	return -1;
}

int
wm_queue_id_ok(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0, i;

	if (n < 6 || n > WM_QUEUE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]))
			return 0;
	return 1;
}

static int
postqueue(const struct wm_config *cfg, const char *flag, struct wm_buf *out,
    struct wm_err *err)
{
	const char *extra[] = { "-c", wm_config_path(cfg, "postfix"), flag, NULL };
	int rc;

	if ((rc = wm_ctl_command(cfg, "postqueue", extra, out, err)) == -1)
		return -1;
	if (rc != 0)
		return wm_err_set(err, EX_UNAVAILABLE, "postqueue %s failed (exit "
		    "%d); is the MTA running?", flag, rc);
	return 0;
}

static const char parse_sql[] =
    "SELECT json_extract(?1, '$.queue_id'), json_extract(?1, '$.queue_name'),"
    " COALESCE(json_extract(?1, '$.sender'), ''),"
    " (SELECT COALESCE(group_concat(json_extract(value, '$.address'), ', '), '')"
    "  FROM json_each(?1, '$.recipients')),"
    " (SELECT COALESCE(group_concat(json_extract(value, '$.delay_reason'), '; '),"
    "  '') FROM json_each(?1, '$.recipients')),"
    " COALESCE(json_extract(?1, '$.message_size'), 0),"
    " COALESCE(json_extract(?1, '$.arrival_time'), 0)";

/* One line of postqueue -j; 0 skipped (not JSON), 1 given to fn, -1 stop. */
static int
one(sqlite3_stmt *st, const char *line, size_t len,
    int (*fn)(const struct wm_queue_mail *, void *), void *arg)
{
	struct wm_queue_mail m;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, line, (int)len, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_type(st, 0) != SQLITE_TEXT)
		return 0;
	m.id = wm_db_text(st, 0);
	m.queue = wm_db_text(st, 1);
	m.sender = wm_db_text(st, 2);
	m.recipients = wm_db_text(st, 3);
	m.reason = wm_db_text(st, 4);
	m.size = sqlite3_column_int64(st, 5);
	m.arrival = (time_t)sqlite3_column_int64(st, 6);
	rc = fn(&m, arg);
	return rc == -1 ? -1 : 1;
}

int
wm_queue_foreach(const struct wm_config *cfg, struct wm_db *db,
    int (*fn)(const struct wm_queue_mail *, void *), void *arg,
    struct wm_err *err)
{
	struct wm_buf out;
	sqlite3_stmt *st;
	char *p, *nl;
	int rc = 0;

	wm_buf_init(&out);
	if (postqueue(cfg, "-j", &out, err) == -1) {
		wm_buf_free(&out);
		return -1;
	}
	if ((st = wm_db_prepare(db, parse_sql, err)) == NULL) {
		wm_buf_free(&out);
		return -1;
	}
	for (p = out.data; rc != -1 && p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (*p == '{')
			rc = one(st, p, nl ? (size_t)(nl - p) : strlen(p), fn, arg);
	}
	sqlite3_finalize(st);
	wm_buf_free(&out);
	return rc == -1 ? wm_err_set(err, EX_SOFTWARE, "queue listing stopped") : 0;
}

static int
count_one(const struct wm_queue_mail *m, void *arg)
{
	struct wm_queue_counts *c = arg;

	if (strcmp(m->queue, "incoming") == 0)
		c->incoming++;
	else if (strcmp(m->queue, "active") == 0)
		c->active++;
	else if (strcmp(m->queue, "deferred") == 0)
		c->deferred++;
	else if (strcmp(m->queue, "hold") == 0)
		c->hold++;
	else
		c->maildrop++;
	c->total++;
	return 0;
}

int
wm_queue_count(const struct wm_config *cfg, struct wm_db *db,
    struct wm_queue_counts *c, struct wm_err *err)
{
	memset(c, 0, sizeof(*c));
	return wm_queue_foreach(cfg, db, count_one, c, err);
}

int
wm_queue_flush(const struct wm_config *cfg, struct wm_err *err)
{
	return postqueue(cfg, "-f", NULL, err);
}

static int
ids_ok(const char *const *ids, size_t n, struct wm_err *err)
{
	size_t i;

	if (n == 0)
		return wm_err_set(err, EX_DATAERR, "no mail selected");
	if (n > MAX_IDS)
		return wm_err_set(err, EX_DATAERR, "at most %d mails at once",
		    MAX_IDS);
	for (i = 0; i < n; i++)
		if (!wm_queue_id_ok(ids[i]))
			return wm_err_set(err, EX_DATAERR, "not a queue id");
	return 0;
}

/* Runs [commands] key with a verb and each id; its exit status must be 0. */
static int
each_id(const struct wm_config *cfg, const char *key, const char *const *head,
    size_t nhead, const char *const *ids, size_t n, struct wm_err *err)
{
	const char *extra[8];
	size_t i, j;
	int rc;

	if (ids_ok(ids, n, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nhead && j < 6; j++)
			extra[j] = head[j];
		extra[j++] = ids[i];
		extra[j] = NULL;
		if ((rc = wm_ctl_command(cfg, key, extra, NULL, err)) == -1)
			return -1;
		if (rc != 0)
			return wm_err_set(err, EX_UNAVAILABLE, "%s %s failed (exit "
			    "%d)", key, ids[i], rc);
	}
	return 0;
}

int
wm_queue_super(const struct wm_config *cfg, enum wm_queue_op op,
    const char *const *ids, size_t n, struct wm_err *err)
{
	const char *head[] = { "-c", wm_config_path(cfg, "postfix"),
	    op_flags[op] };

	if ((unsigned)op >= 3)
		return wm_err_set(err, EX_SOFTWARE, "no such queue operation");
	return each_id(cfg, "postsuper", head, 3, ids, n, err);
}

int
wm_queue_admin(const struct wm_config *cfg, enum wm_queue_op op,
    const char *const *ids, size_t n, struct wm_err *err)
{
	const char *head[] = { op_names[op] };

	if ((unsigned)op >= 3)
		return wm_err_set(err, EX_SOFTWARE, "no such queue operation");
	return each_id(cfg, "queue", head, 1, ids, n, err);
}

static int
headers(const struct wm_config *cfg, const char *key, const char *const *extra,
    struct wm_buf *out, struct wm_err *err)
{
	int rc;

	if ((rc = wm_ctl_command(cfg, key, extra, out, err)) == -1)
		return -1;
	if (rc != 0)
		return wm_err_set(err, EX_NOINPUT, "no such mail in the queue");
	return 0;
}

int
wm_queue_headers(const struct wm_config *cfg, const char *id,
    struct wm_buf *out, struct wm_err *err)
{
	const char *extra[] = { "-c", wm_config_path(cfg, "postfix"), "-h", "-q",
	    id, NULL };

	if (!wm_queue_id_ok(id))
		return wm_err_set(err, EX_DATAERR, "not a queue id");
	return headers(cfg, "postcat", extra, out, err);
}

int
wm_queue_admin_headers(const struct wm_config *cfg, const char *id,
    struct wm_buf *out, struct wm_err *err)
{
	const char *extra[] = { "headers", id, NULL };

	if (!wm_queue_id_ok(id))
		return wm_err_set(err, EX_DATAERR, "not a queue id");
	return headers(cfg, "queue", extra, out, err);
}
