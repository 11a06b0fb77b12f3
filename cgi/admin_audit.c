/*
 * admin_audit.c - the audit log (every change from the console or a wm-*
 * program), newest first, filtered by actor or text, paged by id so the
 * first page costs the same with a million entries (wm_audit_foreach, the
 * call wm-audit list makes).
 */
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "audit.h"
#include "err.h"
#include "util.h"

#define PAGE	50

struct page {
	struct admin	*a;
	int		 n;
	long long	 last_id;
};

static int
row(const struct wm_audit *e, void *arg)
{
	struct page *p = arg;
	char key[64], t[32];

	if (p->n == PAGE) {		/* one more than shown: there is a next page */
		wm_web_set_int(p->a->w, "Audit.next", p->last_id);
		return -1;
	}
	wm_time_format(e->at, t, sizeof(t));
#define SET(field, v) do { \
		snprintf(key, sizeof(key), "Audit.rows.%d." field, p->n); \
		wm_web_set(p->a->w, key, v); } while (0)
	SET("at", t);
	SET("actor", e->actor);
	SET("client", e->client ? e->client : "");
	SET("action", e->action);
	SET("object", e->object ? e->object : e->detail ? e->detail : "");
	SET("old", e->old_value ? e->old_value : "");
	SET("new", e->new_value ? e->new_value : "");
#undef SET
	p->last_id = e->id;
	p->n++;
	return 0;
}

static int
r_audit(struct admin *a, const long long *args)
{
	const char *actor = wm_web_param(a->w, "actor");
	const char *text = wm_web_param(a->w, "q");
	const char *before = wm_web_param(a->w, "before");
	struct wm_audit_query q = { 0 };
	struct page p = { a, 0, 0 };
	struct wm_err err;

	q.actor = actor != NULL && *actor != '\0' ? actor : NULL;
	q.text = text != NULL && *text != '\0' ? text : NULL;
	q.before_id = before != NULL ? strtoll(before, NULL, 10) : 0;
	q.limit = PAGE + 1;
	if (wm_audit_foreach(a->db, &q, row, &p, &err) == -1 &&
	    p.n < PAGE)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Form.actor", q.actor);
	wm_web_set(a->w, "Form.q", q.text);
	wm_web_set_int(a->w, "Audit.count", p.n);
	return admin_page(a, "audit.cs", "Audit log", "Every change made from "
	    "the console or a wm-* program: when, who, from where, what, and "
	    "the old and new value.");
}

const struct admin_route admin_audit_routes[] = {
	{ "GET", "/audit", r_audit, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_audit_menu[] = {
	{ ADMIN_SECTION_LOGS, "Audit", "/audit" },
	ADMIN_MENU_END
};
