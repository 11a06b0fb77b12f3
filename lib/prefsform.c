/*
 * prefsform.c - see prefsform.h.  The page and group of each setting follow
 * the guide's figures; a setting added to prefs.c lands in "General" until
 * it is placed here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "address.h"
#include "audit.h"
#include "db.h"
#include "err.h"
#include "prefs.h"
#include "prefsform.h"
#include "util.h"

struct placing {
	const char		*name;
	enum wm_pref_page	 page;
	int			 advanced;
	const char		*group;
	const char		*label;
};

static const struct placing placings[] = {
	{ "comment", WM_PREF_PAGE_GENERAL, 0, "General", "Comment" },
	{ "min-password-strength", WM_PREF_PAGE_GENERAL, 0, "General",
	  "Min. password strength" },
	{ "login-allowed", WM_PREF_PAGE_GENERAL, 0, "General", "Login allowed" },
	{ "relay-recipient", WM_PREF_PAGE_GENERAL, 0, "General", "Relay recipient" },
	{ "portal-base-url", WM_PREF_PAGE_GENERAL, 0, "General", "Portal base URL" },
	{ "notification-sender", WM_PREF_PAGE_GENERAL, 0, "General",
	  "Notification sender" },
	{ "postmaster", WM_PREF_PAGE_GENERAL, 0, "General", "Postmaster" },
	{ "compose-allowed", WM_PREF_PAGE_GENERAL, 0, "General",
	  "Compose allowed" },
	{ "initial-login-allowed", WM_PREF_PAGE_GENERAL, 1, "General",
	  "Initial login allowed" },
	{ "server-secret", WM_PREF_PAGE_GENERAL, 1, "General", "Server secret" },
	{ "signup-link-validity", WM_PREF_PAGE_GENERAL, 1, "General",
	  "Signup link validity (min)" },
	{ "password-reset-link-validity", WM_PREF_PAGE_GENERAL, 1, "General",
	  "Password reset link validity (min)" },
	{ "signup-url", WM_PREF_PAGE_GENERAL, 1, "General", "Signup URL" },
	{ "password-reset-url", WM_PREF_PAGE_GENERAL, 1, "General",
	  "Password reset URL" },
	{ "webmail-login-url", WM_PREF_PAGE_GENERAL, 1, "General",
	  "Webmail login URL" },
	{ "password-reset-enabled", WM_PREF_PAGE_GENERAL, 1, "General",
	  "Password reset enabled" },
	{ "header-external", WM_PREF_PAGE_GENERAL, 1, "Post processing",
	  "Header external" },
	{ "system-mail-secret", WM_PREF_PAGE_GENERAL, 1, "Other",
	  "System mail secret" },
	{ "custom-1", WM_PREF_PAGE_GENERAL, 1, "Custom properties", "Custom 1" },
	{ "custom-2", WM_PREF_PAGE_GENERAL, 1, "Custom properties", "Custom 2" },
	{ "custom-3", WM_PREF_PAGE_GENERAL, 1, "Custom properties", "Custom 3" },
	{ "quota", WM_PREF_PAGE_QUOTA, 0, "Quota", "User quota (in bytes)" },
	{ "max-attachment-size", WM_PREF_PAGE_WEBMAIL, 0, "Webmail",
	  "Max attachment size" },
	{ "auto-cleanup-enabled", WM_PREF_PAGE_WEBMAIL, 0, "Auto mailbox cleanup",
	  "Auto cleanup enabled" },
	{ "cleanup-interval", WM_PREF_PAGE_WEBMAIL, 0, "Auto mailbox cleanup",
	  "Cleanup interval" },
	{ NULL, WM_PREF_PAGE_GENERAL, 0, NULL, NULL }
};

static const char *const page_names[] = { "general", "quota", "webmail", NULL };

static const struct placing *
placing_of(const struct wm_pref_def *d)
{
	const struct placing *p;

	for (p = placings; p->name != NULL; p++)
		if (strcmp(p->name, d->name) == 0)
			return p;
	return NULL;
}

enum wm_pref_page
wm_pref_page_of(const struct wm_pref_def *d)
{
	const struct placing *p = placing_of(d);

	return p ? p->page : WM_PREF_PAGE_GENERAL;
}

const char *
wm_pref_page_name(enum wm_pref_page p)
{
	return (unsigned)p <= WM_PREF_PAGE_WEBMAIL ? page_names[p] : "general";
}

int
wm_pref_page_parse(const char *s, enum wm_pref_page *out)
{
	int i;

	for (i = 0; s != NULL && page_names[i] != NULL; i++)
		if (strcmp(s, page_names[i]) == 0) {
			*out = (enum wm_pref_page)i;
			return 0;
		}
	return -1;
}

int
wm_pref_advanced(const struct wm_pref_def *d)
{
	const struct placing *p = placing_of(d);

	return p ? p->advanced : 1;
}

const char *
wm_pref_group(const struct wm_pref_def *d)
{
	const struct placing *p = placing_of(d);

	return p ? p->group : "Other";
}

const char *
wm_pref_label(const struct wm_pref_def *d)
{
	const struct placing *p = placing_of(d);

	return p ? p->label : d->name;
}

int
wm_pref_allowed(const struct wm_pref_def *d, enum wm_scope scope)
{
	static const int bits[] = { 0, WM_SCOPES_GLOBAL, WM_SCOPES_DOMAIN,
	    WM_SCOPES_USER };

	return (unsigned)scope <= WM_SCOPE_USER && (d->scopes & bits[scope]);
}

static const char *const scope_db[] = { "", "global", "domain", "user" };

/* The row at exactly one scope: *out NULL when there is none. */
static int
own_value(struct wm_db *db, enum wm_scope scope, const char *canon,
    const char *name, char **out, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	st = wm_db_prepare(db, "SELECT value FROM properties WHERE scope = ? AND "
	    "owner = ? AND name = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, scope_db[scope], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, canon, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (*out = strdup(wm_db_text(st, 0))) == NULL)
		rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(db, "read setting", err);
	return 0;
}

/* What the scope above gives: user -> its domain, domain -> global. */
static char *
parent_value(struct wm_db *db, enum wm_scope scope, const char *canon,
    const struct wm_pref_def *d, enum wm_scope *from, struct wm_err *err)
{
	if (scope == WM_SCOPE_USER)
		return wm_pref_get(db, WM_SCOPE_DOMAIN, wm_address_domain(canon),
		    d->name, from, err);
	if (scope == WM_SCOPE_DOMAIN)
		return wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, d->name, from, err);
	*from = WM_SCOPE_BUILTIN;
	return wm_strdup(d->def);
}

int
wm_pref_view_get(struct wm_db *db, enum wm_scope scope, const char *owner,
    const struct wm_pref_def *d, struct wm_pref_view *v, struct wm_err *err)
{
	char canon[WM_ADDRESS_MAX + 1];

	memset(v, 0, sizeof(*v));
	v->def = d;
	if (wm_pref_owner(scope, owner, canon, sizeof(canon), err) == -1 ||
	    own_value(db, scope, canon, d->name, &v->own, err) == -1)
		return -1;
	if (v->own == NULL)
		v->inherited = wm_pref_get(db, scope, scope == WM_SCOPE_GLOBAL ?
		    NULL : canon, d->name, &v->inherited_from, err);
	else
		v->inherited = parent_value(db, scope, canon, d,
		    &v->inherited_from, err);
	if (v->inherited == NULL) {
		wm_pref_view_clear(v);
		return -1;
	}
	return 0;
}

void
wm_pref_view_clear(struct wm_pref_view *v)
{
	wm_free_secret(v->own);
	wm_free_secret(v->inherited);
	v->own = v->inherited = NULL;
}

int
wm_prefs_domains(struct wm_db *db, int (*fn)(const char *, void *), void *arg,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT DISTINCT owner FROM properties WHERE "
	    "scope = 'domain' ORDER BY owner LIMIT 1000", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(wm_db_text(st, 0), arg) == -1) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_SOFTWARE, "listing stopped");
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return wm_db_fail(db, "domains", err);
	return 0;
}

static int
validate_one(const struct wm_pref_def *d, enum wm_scope scope,
    struct wm_pref_change *c)
{
	char *canon;

	if (d == NULL)
		return wm_err_set(&c->err, EX_USAGE, "unknown setting %s",
		    c->name ? c->name : "");
	if (!wm_pref_allowed(d, scope))
		return wm_err_set(&c->err, EX_USAGE, "%s cannot be set per %s",
		    d->name, wm_scope_name(scope));
	if (c->value == NULL)
		return 0;
	if ((canon = wm_pref_canonical(d, c->value, &c->err)) == NULL)
		return -1;
	wm_free_secret(canon);
	return 0;
}

/* Validates all first, so a form is refused as a whole with every reason. */
static int
validate_all(enum wm_scope scope, struct wm_pref_change *v, size_t n,
    struct wm_err *err)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		wm_err_clear(&v[i].err);
		v[i].changed = 0;
		if (validate_one(wm_pref_find(v[i].name), scope, &v[i]) == -1)
			bad++;
	}
	if (bad == 0)
		return 0;
	return wm_err_set(err, EX_DATAERR, "%zu setting%s not valid; nothing "
	    "was saved", bad, bad == 1 ? " is" : "s are");
}

struct writer {
	struct wm_db	*db;
	const char	*actor;
	const char	*client;
	enum wm_scope	 scope;
	const char	*canon;		/* owner, "" for global */
};

static const char *
masked(const struct wm_pref_def *d, const char *v)
{
	if (v == NULL || d->type != WM_PREF_SECRET)
		return v;
	return WM_AUDIT_MASKED;
}

static int
audit_change(const struct writer *w, const struct wm_pref_def *d,
    const char *old, const char *now, struct wm_err *err)
{
	struct wm_audit e = { 0 };
	char *object;
	int rc;

	object = wm_asprintf("%s at %s%s%s", d->name, wm_scope_name(w->scope),
	    *w->canon ? " " : "", w->canon);
	if (object == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	e.actor = w->actor;
	e.client = w->client;
	e.action = now ? "pref-set" : "pref-unset";
	e.object = object;
	e.old_value = masked(d, old);
	e.new_value = masked(d, now);
	rc = wm_audit_add(w->db, &e, err);
	free(object);
	return rc;
}

/* Writes one change when it differs from the row (canonical forms). */
static int
write_one(const struct writer *w, struct wm_pref_change *c, struct wm_err *err)
{
	const struct wm_pref_def *d = wm_pref_find(c->name);
	const char *owner = w->scope == WM_SCOPE_GLOBAL ? NULL : w->canon;
	char *own, *want = NULL;
	int rc = 0;

	if (own_value(w->db, w->scope, w->canon, d->name, &own, err) == -1)
		return -1;
	if (c->value != NULL &&
	    (want = wm_pref_canonical(d, c->value, err)) == NULL)
		rc = -1;
	else if (own == NULL ? want != NULL : want == NULL || strcmp(own, want) != 0) {
		rc = want ? wm_pref_set(w->db, w->scope, owner, d->name, want, err) :
		    wm_pref_unset(w->db, w->scope, owner, d->name, err);
		if (rc == 0)
			rc = audit_change(w, d, own, want, err);
		c->changed = rc == 0;
	}
	wm_free_secret(own);
	wm_free_secret(want);
	return rc;
}

int
wm_prefs_apply(struct wm_db *db, const char *actor, const char *client,
    enum wm_scope scope, const char *owner, struct wm_pref_change *v, size_t n,
    struct wm_err *err)
{
	char canon[WM_ADDRESS_MAX + 1];
	struct writer w = { db, actor ? actor : "unknown", client, scope, canon };
	size_t i;

	if (wm_pref_owner(scope, owner, canon, sizeof(canon), err) == -1 ||
	    validate_all(scope, v, n, err) == -1)
		return -1;
	if (wm_db_begin(db, err) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (write_one(&w, &v[i], err) == -1) {
			wm_db_rollback(db);
			for (i = 0; i < n; i++)
				v[i].changed = 0;
			return -1;
		}
	return wm_db_commit(db, err);
}
