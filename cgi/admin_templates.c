/*
 * admin_templates.c - the mail templates (sign-up, new mail, password
 * reset, read receipt, over quota, postmaster report) at global, domain
 * (?d=DOMAIN) and user (?u=ID) scope: list, edit, preview with sample
 * values, save, reset to the inherited one.  Saving goes through
 * wm_template_save, which renders first and refuses, with the ClearSilver
 * error, what would not render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "admin.h"
#include "admin_pages.h"
#include "err.h"
#include "prefs.h"
#include "template.h"
#include "tmplcheck.h"
#include "userlist.h"
#include "util.h"

struct scope {
	enum wm_scope	 scope;
	char		 owner[WM_ADDRESS_MAX + 1];
	char		 query[64];	/* "d=example.com" / "u=12" / "" */
};

static int
scope_of(struct admin *a, struct scope *s)
{
	const char *d = wm_web_param(a->w, "d"), *u = wm_web_param(a->w, "u");
	struct wm_err err;
	char *addr, *end;
	long long id;

	memset(s, 0, sizeof(*s));
	s->scope = WM_SCOPE_GLOBAL;
	if (u != NULL && *u) {
		id = strtoll(u, &end, 10);
		if (*end || id <= 0)
			return admin_error(a, 400, "No such user.");
		if ((addr = wm_user_address_of(a->db, id, &err)) == NULL)
			return admin_fail(a, &err);
		s->scope = WM_SCOPE_USER;
		snprintf(s->owner, sizeof(s->owner), "%s", addr);
		snprintf(s->query, sizeof(s->query), "u=%lld", id);
		free(addr);
	} else if (d != NULL && *d) {
		if (wm_pref_owner(WM_SCOPE_DOMAIN, d, s->owner, sizeof(s->owner),
		    &err) == -1)
			return admin_error(a, 400, err.msg);
		s->scope = WM_SCOPE_DOMAIN;
		snprintf(s->query, sizeof(s->query), "d=%.60s", s->owner);
	}
	wm_web_set(a->w, "Scope.name", wm_scope_name(s->scope));
	wm_web_set(a->w, "Scope.owner", s->owner);
	wm_web_set(a->w, "Scope.query", s->query);
	return 0;
}

static const char *
origin(enum wm_scope from)
{
	return from == WM_SCOPE_BUILTIN ? "the shipped file" : wm_scope_name(from);
}

static const char *
owner_arg(const struct scope *s)
{
	return s->scope == WM_SCOPE_GLOBAL ? NULL : s->owner;
}

static int
r_list(struct admin *a, const long long *args)
{
	const char *const *n;
	enum wm_scope from;
	struct wm_err err;
	struct scope s;
	char *src;
	int i = 0;

	(void)args;
	if (scope_of(a, &s) == -1)
		return -1;
	for (n = wm_template_names(); *n != NULL; n++, i++) {
		src = wm_template_resolve(a->cfg, a->db, s.scope, owner_arg(&s), *n,
		    &from, &err);
		if (src == NULL && err.code != EX_NOINPUT)
			return admin_fail(a, &err);
		free(src);
		admin_list_set(a, "Templates", i, "name", *n);
		admin_list_set(a, "Templates", i, "from", src ? origin(from) :
		    "missing");
		admin_list_set(a, "Templates", i, "own", src && from == s.scope ?
		    "1" : "0");
	}
	return admin_page(a, "templates.cs", s.scope == WM_SCOPE_GLOBAL ?
	    "Mail templates" : s.scope == WM_SCOPE_DOMAIN ?
	    "Mail templates of a domain" : "Mail templates of a user",
	    "The mails the box sends; a template not set here is inherited.");
}

/* The editor with source (the stored one, or what was posted). */
static int
editor(struct admin *a, const struct scope *s, const char *name,
    const char *source)
{
	enum wm_scope from;
	struct wm_err err;
	char *src = NULL;

	if (source == NULL) {
		src = wm_template_resolve(a->cfg, a->db, s->scope, owner_arg(s),
		    name, &from, &err);
		if (src == NULL)
			return admin_fail(a, &err);
		wm_web_set(a->w, "Template.from", origin(from));
		wm_web_set(a->w, "Template.own", from == s->scope ? "1" : "0");
		source = src;
	}
	wm_web_set(a->w, "Template.name", name);
	wm_web_set(a->w, "Template.source", source);
	free(src);
	return admin_page(a, "template_edit.cs", "Edit mail template",
	    "ClearSilver source of the whole mail: headers, an empty line, the "
	    "text.  Preview renders it with sample values.");
}

static const char *
name_param(struct admin *a)
{
	const char *n = wm_web_param(a->w, "name");

	return n != NULL && wm_template_known(n) ? n : NULL;
}

static int
r_edit(struct admin *a, const long long *args)
{
	const char *name = name_param(a);
	struct scope s;

	(void)args;
	if (name == NULL)
		return admin_error(a, 404, "No such template.");
	if (scope_of(a, &s) == -1)
		return -1;
	if (wm_web_param(a->w, "saved") != NULL)
		wm_web_set(a->w, "Page.notice", "The template is saved.");
	if (wm_web_param(a->w, "reset") != NULL)
		wm_web_set(a->w, "Page.notice", "The template is inherited again.");
	return editor(a, &s, name, NULL);
}

static int
back(struct admin *a, const struct scope *s, const char *name,
    const char *what)
{
	char path[160];

	snprintf(path, sizeof(path), "/templates/edit?name=%s&%s%s%s", name,
	    what, *s->query ? "&" : "", s->query);
	return admin_redirect(a, path);
}

static int
r_post(struct admin *a, const long long *args)
{
	const char *name = name_param(a), *op = wm_web_param(a->w, "op");
	const char *src = wm_web_param(a->w, "source");
	struct wm_err err;
	struct scope s;
	char *mail;

	(void)args;
	if (name == NULL || op == NULL)
		return admin_error(a, 400, "No such template or action.");
	if (scope_of(a, &s) == -1)
		return -1;
	if (strcmp(op, "reset") == 0) {
		if (wm_template_reset(a->db, admin_name(a), admin_client(a), s.scope,
		    owner_arg(&s),
		    name, &err) == -1 && err.code != EX_NOINPUT)
			return admin_fail(a, &err);
		return back(a, &s, name, "reset=1");
	}
	if (strcmp(op, "preview") == 0) {
		if ((mail = wm_template_preview(name, src, &err)) == NULL)
			admin_form_error(a, "source", err.msg);
		wm_web_set(a->w, "Template.preview", mail);
		free(mail);
		return editor(a, &s, name, src ? src : "");
	}
	if (wm_template_save(a->db, admin_name(a), admin_client(a), s.scope,
	    owner_arg(&s), name,
	    src, &err) == -1) {
		if (err.code != EX_DATAERR && err.code != EX_USAGE)
			return admin_fail(a, &err);
		admin_form_error(a, "source", err.msg);
		return editor(a, &s, name, src ? src : "");
	}
	return back(a, &s, name, "saved=1");
}

const struct admin_route admin_templates_routes[] = {
	{ "GET", "/templates", r_list, ADMIN_LOGIN, 0 },
	{ "GET", "/templates/edit", r_edit, ADMIN_LOGIN, 0 },
	{ "POST", "/templates/edit", r_post, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_templates_menu[] = {
	{ ADMIN_SECTION_SETTINGS, "Templates", "/templates" },
	ADMIN_MENU_END
};
