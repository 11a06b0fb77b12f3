/*
 * userlist.c - see userlist.h.
 *
 * Pages are keyset walks of the address index (or of a partial index when a
 * filter is set, see migration 3): "address > ? ORDER BY address LIMIT n+1"
 * reads n+1 index entries whatever the page, where OFFSET would read every
 * row before it.  A search by part of the address cannot use an index; it
 * still stops after n+1 matches.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "address.h"
#include "audit.h"
#include "db.h"
#include "err.h"
#include "mailbox.h"
#include "user.h"
#include "userlist.h"
#include "util.h"

#define COLUMNS "id, address, domain, password IS NOT NULL, enabled, created, " \
	"signed_up, last_invite, totp_enabled, last_login"
#define SEARCH_MAX	WM_ADDRESS_MAX

static const char *const filter_names[] = {
	"all", "password-set", "no-password", "disabled", NULL
};

static const char *const filter_sql[] = {
	"1", "password IS NOT NULL", "password IS NULL", "enabled = 0"
};

const char *
wm_user_filter_name(enum wm_user_filter f)
{
	if ((unsigned)f >= sizeof(filter_sql) / sizeof(filter_sql[0]))
		return "all";
	return filter_names[f];
}

int
wm_user_filter_parse(const char *s, enum wm_user_filter *out)
{
	int i;

	for (i = 0; s != NULL && filter_names[i] != NULL; i++)
		if (strcmp(s, filter_names[i]) == 0) {
			*out = (enum wm_user_filter)i;
			return 0;
		}
	return -1;
}

/* One page of rows, copied so the statement can be reset before fn runs. */
struct page {
	struct wm_user	*v;
	int		 n;
};

static void
page_free(struct page *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].address);
		free(p->v[i].domain);
	}
	free(p->v);
}

static int
page_add(struct page *p, sqlite3_stmt *st, struct wm_err *err)
{
	struct wm_user *u = &p->v[p->n];

	u->id = sqlite3_column_int64(st, 0);
	u->address = strdup(wm_db_text(st, 1));
	u->domain = strdup(wm_db_text(st, 2));
	u->has_password = sqlite3_column_int(st, 3);
	u->enabled = sqlite3_column_int(st, 4);
	u->created = (time_t)sqlite3_column_int64(st, 5);
	u->signed_up = (time_t)sqlite3_column_int64(st, 6);
	u->last_invite = (time_t)sqlite3_column_int64(st, 7);
	u->totp_enabled = sqlite3_column_int(st, 8);
	u->last_login = (time_t)sqlite3_column_int64(st, 9);
	p->n++;
	if (u->address == NULL || u->domain == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

/*
 * Runs st (bound by the caller), keeps up to limit rows and says whether a
 * further row exists; reversed pages (walking back) are put in order.
 */
static int
page_fill(struct wm_db *db, sqlite3_stmt *st, int limit, int reversed,
    struct page *p, int *more, struct wm_err *err)
{
	struct wm_user t;
	int rc, i;

	*more = 0;
	if ((p->v = calloc((size_t)limit, sizeof(*p->v))) == NULL) {
		sqlite3_finalize(st);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (p->n == limit) {
			*more = 1;
			break;
		}
		if (page_add(p, st, err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		wm_db_fail(db, "list users", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	for (i = 0; reversed && i < p->n / 2; i++) {
		t = p->v[i];
		p->v[i] = p->v[p->n - 1 - i];
		p->v[p->n - 1 - i] = t;
	}
	return 0;
}

static int
page_emit(struct page *p, int (*fn)(const struct wm_user *, void *),
    void *arg, struct wm_err *err)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (fn(&p->v[i], arg) == -1)
			return wm_err_set(err, EX_SOFTWARE, "user listing stopped");
	return 0;
}

static int
check_limit(int limit, struct wm_err *err)
{
	if (limit < 1 || limit > WM_LIST_MAX)
		return wm_err_set(err, EX_USAGE, "page size must be 1 to %d",
		    WM_LIST_MAX);
	return 0;
}

/* "%part%" for LIKE, with the pattern characters of part taken literally. */
static char *
like_pattern(const char *part, struct wm_err *err)
{
	struct wm_buf b;
	const char *s;

	if (strlen(part) > SEARCH_MAX) {
		wm_err_set(err, EX_DATAERR, "search text too long");
		return NULL;
	}
	wm_buf_init(&b);
	wm_buf_puts(&b, "%");
	for (s = part; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			wm_buf_puts(&b, "\\");
		wm_buf_append(&b, s, 1);
	}
	wm_buf_puts(&b, "%");
	return wm_buf_take(&b);
}

/*
 * A part of three characters or more without LIKE wildcards is looked up in
 * the trigram index (migration 5); a shorter one, or one holding % _ or \,
 * is matched row by row (the trigram LIKE takes no ESCAPE).
 */
static int
trigram_ok(const char *part)
{
	return part != NULL && strlen(part) >= 3 && strpbrk(part, "%_\\") == NULL;
}

static const char *
search_sql(const char *part)
{
	if (part == NULL || *part == '\0')
		return "?2 IS NULL";
	if (trigram_ok(part))
		return "id IN (SELECT rowid FROM users_search WHERE address LIKE ?2)";
	return "address LIKE ?2 ESCAPE '\\'";
}

static sqlite3_stmt *
user_query(struct wm_db *db, const struct wm_user_query *q, int *reversed,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	char *sql, *pat = NULL;

	const char *key;

	*reversed = q->before != NULL && *q->before && !(q->after && *q->after);
	key = *reversed ? q->before : q->after;
	if (key != NULL && *key == '\0')
		key = NULL;
	/* "?1 IS NULL OR" would cost the index its range seek. */
	sql = wm_asprintf("SELECT " COLUMNS " FROM users WHERE %s%s%s AND %s "
	    "ORDER BY address %s LIMIT ?3", filter_sql[q->filter],
	    key ? " AND address " : "", key ? (*reversed ? "< ?1" : "> ?1") : "",
	    search_sql(q->search), *reversed ? "DESC" : "ASC");
	if (sql == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	st = wm_db_prepare(db, sql, err);
	free(sql);
	if (st == NULL)
		return NULL;
	if (q->search != NULL && *q->search &&
	    (pat = like_pattern(q->search, err)) == NULL) {
		sqlite3_finalize(st);
		return NULL;
	}
	if (key != NULL)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (pat != NULL)
		sqlite3_bind_text(st, 2, pat, -1, free);
	sqlite3_bind_int(st, 3, q->limit + 1);
	return st;
}

int
wm_user_list(struct wm_db *db, const struct wm_user_query *q,
    int (*fn)(const struct wm_user *, void *), void *arg, int *more,
    struct wm_err *err)
{
	struct page p = { 0 };
	sqlite3_stmt *st;
	int reversed, more_, rc;

	if (check_limit(q->limit, err) == -1)
		return -1;
	if ((unsigned)q->filter > WM_USERS_DISABLED)
		return wm_err_set(err, EX_USAGE, "unknown user filter");
	if ((st = user_query(db, q, &reversed, err)) == NULL)
		return -1;
	rc = page_fill(db, st, q->limit, reversed, &p, &more_, err);
	if (rc == 0)
		rc = page_emit(&p, fn, arg, err);
	page_free(&p);
	if (more != NULL)
		*more = more_;
	return rc;
}

char *
wm_user_address_of(struct wm_db *db, long long id, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *addr = NULL;
	int rc;

	st = wm_db_prepare(db, "SELECT address FROM users WHERE id = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (addr = strdup(wm_db_text(st, 0))) == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (rc == SQLITE_DONE)
		wm_err_set(err, EX_NOUSER, "no such user");
	else if (rc != SQLITE_ROW)
		wm_db_fail(db, "user", err);
	sqlite3_finalize(st);
	return addr;
}

/* Idle users */

static sqlite3_stmt *
idle_query(struct wm_db *db, const struct wm_idle_query *q, int limit,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	long long cutoff;

	if (q->days < 0 || q->days > 36600) {
		wm_err_set(err, EX_USAGE, "days must be 0 to 36600");
		return NULL;
	}
	cutoff = (long long)wm_now() - q->days * 86400;
	if (q->kind == WM_IDLE_NEVER)
		st = wm_db_prepare(db, "SELECT " COLUMNS " FROM users WHERE "
		    "last_login IS NULL AND created <= ?1 AND address > ?2 "
		    "ORDER BY address LIMIT ?3", err);
	else
		st = wm_db_prepare(db, "SELECT " COLUMNS " FROM users WHERE "
		    "last_login IS NOT NULL AND last_login <= ?1 AND address > ?2 "
		    "ORDER BY address LIMIT ?3", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_text(st, 2, q->after ? q->after : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, limit + 1);
	return st;
}

int
wm_user_idle_list(struct wm_db *db, const struct wm_idle_query *q,
    int (*fn)(const struct wm_user *, void *), void *arg, int *more,
    struct wm_err *err)
{
	struct page p = { 0 };
	sqlite3_stmt *st;
	int more_, rc;

	if (check_limit(q->limit, err) == -1)
		return -1;
	if ((st = idle_query(db, q, q->limit, err)) == NULL)
		return -1;
	rc = page_fill(db, st, q->limit, 0, &p, &more_, err);
	if (rc == 0)
		rc = page_emit(&p, fn, arg, err);
	page_free(&p);
	if (more != NULL)
		*more = more_;
	return rc;
}

static int
cleanup_one(struct wm_db *db, const char *root, const char *actor,
    const char *client, const char *address, int purge, struct wm_err *err)
{
	struct wm_audit e = { 0 };

	if (wm_user_delete(db, root, address, purge, err) == -1)
		return -1;
	e.actor = actor ? actor : "unknown";
	e.client = client;
	e.action = "user-delete";
	e.object = address;
	e.old_value = "user";
	e.new_value = purge ? "deleted with the mailbox (idle)" :
	    "deleted, mailbox kept (idle)";
	return wm_audit_add(db, &e, err);
}

int
wm_user_cleanup(struct wm_db *db, const char *root, const char *actor,
    const char *client, const struct wm_idle_query *q, int purge,
    long long *removed, struct wm_err *err)
{
	struct page p;
	sqlite3_stmt *st;
	int more = 1, i, rc = 0;

	*removed = 0;
	/* Page by page from the start: deleted rows drop out of the next one. */
	while (rc == 0 && more) {
		memset(&p, 0, sizeof(p));
		if ((st = idle_query(db, q, 500, err)) == NULL)
			return -1;
		rc = page_fill(db, st, 500, 0, &p, &more, err);
		/* One transaction per page: one fsync per 500 users, not each. */
		if (rc == 0 && p.n > 0)
			rc = wm_db_begin(db, err);
		for (i = 0; rc == 0 && i < p.n; i++)
			rc = cleanup_one(db, root, actor, client, p.v[i].address,
			    purge, err);
		if (rc == 0 && p.n > 0)
			rc = wm_db_commit(db, err);
		else if (p.n > 0)
			wm_db_rollback(db);
		if (rc == 0)
			*removed += p.n;
		if (p.n == 0)
			more = 0;
		page_free(&p);
	}
	return rc;
}

/* Mailboxes */

struct mbwalk {
	struct wm_db			*db;
	const char			*root;
	const struct wm_mailbox_query	*q;
	int				(*fn)(const struct wm_mailbox_info *, void *);
	void				*arg;
	int				 n;
	int				 more;
	struct wm_err			*err;
};

static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

static int
user_exists(struct wm_db *db, const char *address, int *yes, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT 1 FROM users WHERE address = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(db, "find user", err);
	*yes = rc == SQLITE_ROW;
	return 0;
}

static int
mb_visit(const char *name, const char *address, void *arg)
{
	struct mbwalk *w = arg;
	struct wm_mailbox_info mi;

	if (w->q->after != NULL && strcmp(name, w->q->after) <= 0)
		return 0;
	if (w->q->search != NULL && !contains_nocase(address, w->q->search))
		return 0;
	memset(&mi, 0, sizeof(mi));
	if (user_exists(w->db, address, &mi.has_user, w->err) == -1)
		return -1;
	if (w->q->hide_active && mi.has_user)
		return 0;
	if (w->n == w->q->limit) {
		w->more = 1;
		return -1;
	}
	mi.name = name;
	mi.address = address;
	mi.usage = wm_mailbox_usage(w->root, address);
	w->n++;
	return w->fn(&mi, w->arg);
}

int
wm_mailbox_list(struct wm_db *db, const char *root,
    const struct wm_mailbox_query *q,
    int (*fn)(const struct wm_mailbox_info *, void *), void *arg, int *more,
    struct wm_err *err)
{
	struct mbwalk w = { db, root, q, fn, arg, 0, 0, err };
	struct wm_err inner;
	int rc;

	if (check_limit(q->limit, err) == -1)
		return -1;
	wm_err_clear(&inner);
	w.err = &inner;
	rc = wm_mailbox_foreach(root, mb_visit, &w, err);
	if (more != NULL)
		*more = w.more;
	if (rc == -1 && w.more)
		return 0;
	if (rc == -1 && inner.code != 0)
		*err = inner;
	return rc;
}

int
wm_mailbox_purge(struct wm_db *db, const char *root, const char *address,
    struct wm_err *err)
{
	char addr[WM_ADDRESS_MAX + 1], *path;
	sqlite3_stmt *st;
	int has_user, had_dir, rc;

	if (wm_address_normalize(address, addr, sizeof(addr), err) == -1)
		return -1;
	if ((path = wm_mailbox_path(root, addr)) == NULL)
		return wm_err_set(err, EX_DATAERR, "address cannot be a mailbox");
	had_dir = wm_path_exists(path);
	rc = user_exists(db, addr, &has_user, err);
	if (rc == 0 && !had_dir && !has_user)
		rc = wm_err_set(err, EX_NOUSER, "no such mailbox: %s", addr);
	/* Rows first: a crash after leaves files no index row shows. */
	if (rc == 0 && (st = wm_db_prepare(db, "DELETE FROM messages WHERE "
	    "mailbox = ?", err)) == NULL)
		rc = -1;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
		rc = wm_db_step_done(db, st, "delete messages", err);
	}
	if (rc == 0 && had_dir)
		rc = wm_rm_rf(path, err);
	if (rc == 0 && has_user)
		rc = wm_mailbox_create(root, addr, err);
	free(path);
	return rc;
}
