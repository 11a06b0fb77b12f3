/*
 * admin_settings.c - the settings pages (guide 6.1-6.3, figures 13-15 and
 * 18): global preferences, quota and webmail settings, the same for a
 * domain and for a user with only the settings allowed there.  Every field
 * has its "inherit" box and shows what it inherits; "show advanced
 * settings" is a link.  A form is applied by wm_prefs_apply: all fields
 * checked first, each wrong one shown next to itself, nothing saved unless
 * all are right.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "admin.h"
#include "admin_pages.h"
#include "err.h"
#include "prefs.h"
#include "prefsform.h"
#include "userlist.h"
#include "util.h"

#define FIELDS_MAX	64

static const char *const page_titles[] = {
	"Global preferences", "Quota", "Webmail settings"
};

static const char *const page_explain[] = {
	"Settings of the webmail box; a setting whose \"inherit\" box is "
	    "checked takes its value from the level above.",
	"User quota restricts the maximum storage size of an individual "
	    "mailbox; the new quota applies to new and existing users.",
	"Settings of the webmail client; they can only be set globally."
};

void
admin_list_set(struct admin *a, const char *list, int n, const char *field,
    const char *value)
{
	char key[128];

	snprintf(key, sizeof(key), "%s.%d.%s", list, n, field);
	wm_web_set(a->w, key, value);
}

void
admin_size_text(long long b, char *out, size_t outlen)
{
	static const char *const units[] = { "bytes", "KB", "MB", "GB", "TB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outlen, "%lld bytes", b);
	else
		snprintf(out, outlen, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

size_t
admin_selected_ids(struct admin *a, long long *ids, size_t max)
{
	const char *v[256];
	size_t n, i, k = 0;
	char *end;

	n = wm_web_param_list(a->w, "sel", v, max < 256 ? max : 256);
	for (i = 0; i < n; i++) {
		long long id = strtoll(v[i], &end, 10);

		if (*v[i] != '\0' && *end == '\0' && id > 0)
			ids[k++] = id;
	}
	return k;
}

/* The form key of a setting: its name with '-' as '_' (HDF- and id-safe). */
static void
field_key(const char *name, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < outlen; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	out[i] = '\0';
}

static int
on_form(const struct wm_pref_def *d, enum wm_scope scope,
    enum wm_pref_page page, int advanced)
{
	return wm_pref_allowed(d, scope) && wm_pref_page_of(d) == page &&
	    (advanced || !wm_pref_advanced(d));
}

static const char *
origin_text(enum wm_scope from, enum wm_scope scope, const char *owner)
{
	if (from == WM_SCOPE_DOMAIN && scope == WM_SCOPE_USER)
		return wm_address_domain(owner);
	if (from == WM_SCOPE_DOMAIN || from == WM_SCOPE_USER)
		return owner;
	return wm_scope_name(from);
}

/* What a field shows: the value, and for a secret never the value. */
static const char *
shown(const struct wm_pref_def *d, const char *v)
{
	if (d->type != WM_PREF_SECRET)
		return v;
	return v && *v ? "(set, hidden)" : "(not set)";
}

static void
fill_posted(struct admin *a, int n, const char *key,
    const struct wm_pref_def *d)
{
	char name[80];
	const char *v;

	snprintf(name, sizeof(name), "i_%s", key);
	admin_list_set(a, "Form.fields", n, "inherit",
	    wm_web_param(a->w, name) ? "1" : "0");
	snprintf(name, sizeof(name), "v_%s", key);
	v = wm_web_param(a->w, name);
	if (d->type == WM_PREF_BOOL)
		admin_list_set(a, "Form.fields", n, "checked", v ? "1" : "0");
	else if (d->type != WM_PREF_SECRET)
		admin_list_set(a, "Form.fields", n, "value", v ? v : "");
}

static void
fill_stored(struct admin *a, int n, const struct wm_pref_view *v)
{
	const char *eff = v->own ? v->own : v->inherited;

	admin_list_set(a, "Form.fields", n, "inherit", v->own ? "0" : "1");
	if (v->def->type == WM_PREF_BOOL)
		admin_list_set(a, "Form.fields", n, "checked",
		    strcmp(eff, "yes") == 0 ? "1" : "0");
	else if (v->def->type != WM_PREF_SECRET)
		admin_list_set(a, "Form.fields", n, "value", eff);
}

static int
fill_field(struct admin *a, int n, const struct wm_pref_view *v,
    enum wm_scope scope, const char *owner, int posted, const char **group)
{
	const struct wm_pref_def *d = v->def;
	char key[64];

	field_key(d->name, key, sizeof(key));
	admin_list_set(a, "Form.fields", n, "key", key);
	admin_list_set(a, "Form.fields", n, "name", d->name);
	admin_list_set(a, "Form.fields", n, "label", wm_pref_label(d));
	admin_list_set(a, "Form.fields", n, "type", wm_pref_type_name(d->type));
	admin_list_set(a, "Form.fields", n, "doc", d->doc);
	if (*group == NULL || strcmp(*group, wm_pref_group(d)) != 0)
		admin_list_set(a, "Form.fields", n, "group", wm_pref_group(d));
	*group = wm_pref_group(d);
	admin_list_set(a, "Form.fields", n, "bool",
	    d->type == WM_PREF_BOOL ? "1" : "0");
	admin_list_set(a, "Form.fields", n, "secret",
	    d->type == WM_PREF_SECRET ? "1" : "0");
	admin_list_set(a, "Form.fields", n, "inherited",
	    shown(d, v->inherited));
	admin_list_set(a, "Form.fields", n, "from",
	    origin_text(v->inherited_from, scope, owner));
	admin_list_set(a, "Form.fields", n, "own", v->own ? "1" : "0");
	if (posted)
		fill_posted(a, n, key, d);
	else
		fill_stored(a, n, v);
	return 0;
}

int
admin_settings_fill(struct admin *a, enum wm_scope scope, const char *owner,
    enum wm_pref_page page, int advanced, int posted, const char *action)
{
	const struct wm_pref_def *d;
	const char *group = NULL;
	struct wm_pref_view v;
	struct wm_err err;
	int n = 0, hidden = 0;

	for (d = wm_pref_defs(); d->name != NULL; d++) {
		if (!on_form(d, scope, page, 1))
			continue;
		if (!on_form(d, scope, page, advanced)) {
			hidden++;
			continue;
		}
		if (wm_pref_view_get(a->db, scope, owner, d, &v, &err) == -1)
			return admin_fail(a, &err);
		fill_field(a, n++, &v, scope, owner, posted, &group);
		wm_pref_view_clear(&v);
	}
	wm_web_set(a->w, "Form.action", action);
	wm_web_set(a->w, "Form.scope", wm_scope_name(scope));
	wm_web_set(a->w, "Form.owner", owner);
	wm_web_set_int(a->w, "Form.advanced", advanced);
	wm_web_set_int(a->w, "Form.hidden", hidden);
	return 0;
}

/* The changes a posted form asks for; secrets left empty are kept. */
static size_t
collect(struct admin *a, enum wm_scope scope, enum wm_pref_page page,
    int advanced, struct wm_pref_change *ch, size_t max)
{
	const struct wm_pref_def *d;
	char key[64], name[80];
	const char *v;
	size_t n = 0;

	for (d = wm_pref_defs(); d->name != NULL && n < max; d++) {
		if (!on_form(d, scope, page, advanced))
			continue;
		field_key(d->name, key, sizeof(key));
		memset(&ch[n], 0, sizeof(ch[n]));
		ch[n].name = d->name;
		snprintf(name, sizeof(name), "i_%s", key);
		if (wm_web_param(a->w, name) != NULL) {
			n++;
			continue;
		}
		snprintf(name, sizeof(name), "v_%s", key);
		v = wm_web_param(a->w, name);
		if (d->type == WM_PREF_BOOL)
			v = v ? "yes" : "no";
		else if (d->type == WM_PREF_SECRET && (v == NULL || *v == '\0'))
			continue;
		ch[n++].value = v ? v : "";
	}
	return n;
}

struct target {
	enum wm_scope		 scope;
	char			 owner[WM_ADDRESS_MAX + 1];
	enum wm_pref_page	 page;
	long long		 user_id;
	char			 path[WM_ADDRESS_MAX + 64];	/* of this form */
	char			 title[WM_ADDRESS_MAX + 64];
};

static void
set_links(struct admin *a, const struct target *t)
{
	char base[64];

	if (t->scope == WM_SCOPE_USER)
		snprintf(base, sizeof(base), "/users/%lld", t->user_id);
	wm_web_set(a->w, "Links.scope", wm_scope_name(t->scope));
	if (t->scope == WM_SCOPE_USER) {
		wm_web_setf(a->w, "Links.user", ADMIN_BASE "%s", base);
		wm_web_setf(a->w, "Links.general", ADMIN_BASE "%s/settings", base);
		wm_web_setf(a->w, "Links.quota", ADMIN_BASE "%s/quota", base);
		wm_web_setf(a->w, "Links.templates", ADMIN_BASE "/templates?u=%lld",
		    t->user_id);
	} else if (t->scope == WM_SCOPE_DOMAIN) {
		wm_web_setf(a->w, "Links.general", ADMIN_BASE "/settings/domain?d=%s",
		    t->owner);
		wm_web_setf(a->w, "Links.quota", ADMIN_BASE "/settings/domain?d=%s"
		    "&page=quota", t->owner);
		wm_web_setf(a->w, "Links.templates", ADMIN_BASE "/templates?d=%s",
		    t->owner);
	}
	wm_web_set_int(a->w, "Links.page", t->page);
}

static int
render(struct admin *a, const struct target *t, int advanced, int posted)
{
	char action[WM_ADDRESS_MAX + 96];

	snprintf(action, sizeof(action), ADMIN_BASE "%s", t->path);
	if (admin_settings_fill(a, t->scope, t->scope == WM_SCOPE_GLOBAL ? NULL :
	    t->owner, t->page, advanced, posted, action) == -1)
		return -1;
	set_links(a, t);
	if (wm_web_param(a->w, "saved") != NULL)
		wm_web_set(a->w, "Page.notice", "The settings are saved.");
	return admin_page(a, "settings.cs", t->title, page_explain[t->page]);
}

static int
advanced_param(struct admin *a)
{
	const char *v = wm_web_param(a->w, "advanced");

	return v != NULL && strcmp(v, "1") == 0;
}

static int
save(struct admin *a, struct target *t)
{
	struct wm_pref_change ch[FIELDS_MAX];
	int advanced = advanced_param(a);
	char key[64], back[WM_ADDRESS_MAX + 128];
	struct wm_err err;
	size_t n, i;

	n = collect(a, t->scope, t->page, advanced, ch, FIELDS_MAX);
	if (wm_prefs_apply(a->db, admin_name(a), admin_client(a), t->scope, t->scope ==
	    WM_SCOPE_GLOBAL ? NULL : t->owner, ch, n, &err) == 0) {
		snprintf(back, sizeof(back), "%s%csaved=1%s", t->path,
		    strchr(t->path, '?') ? '&' : '?', advanced ? "&advanced=1" : "");
		return admin_redirect(a, back);
	}
	if (err.code != EX_DATAERR)
		return admin_fail(a, &err);
	for (i = 0; i < n; i++)
		if (ch[i].err.code != 0) {
			field_key(ch[i].name, key, sizeof(key));
			admin_form_error(a, key, ch[i].err.msg);
		}
	return render(a, t, advanced, 1);
}

static void
global_target(struct target *t, enum wm_pref_page page)
{
	static const char *const paths[] = { "/settings", "/settings/quota",
	    "/settings/webmail" };

	memset(t, 0, sizeof(*t));
	t->scope = WM_SCOPE_GLOBAL;
	t->page = page;
	snprintf(t->path, sizeof(t->path), "%s", paths[page]);
	snprintf(t->title, sizeof(t->title), "%s", page == WM_PREF_PAGE_GENERAL ?
	    "Edit global preferences" : page == WM_PREF_PAGE_QUOTA ?
	    "User quota for global settings" : page_titles[page]);
}

static int
r_global(struct admin *a, const long long *args)
{
	struct target t;

	(void)args;
	global_target(&t, WM_PREF_PAGE_GENERAL);
	return render(a, &t, advanced_param(a), 0);
}

static int
r_global_save(struct admin *a, const long long *args)
{
	struct target t;

	(void)args;
	global_target(&t, WM_PREF_PAGE_GENERAL);
	return save(a, &t);
}

static int
r_quota(struct admin *a, const long long *args)
{
	struct target t;

	(void)args;
	global_target(&t, WM_PREF_PAGE_QUOTA);
	return strcmp(wm_web_method(a->w), "POST") == 0 ? save(a, &t) :
	    render(a, &t, 0, 0);
}

static int
r_webmail(struct admin *a, const long long *args)
{
	struct target t;

	(void)args;
	global_target(&t, WM_PREF_PAGE_WEBMAIL);
	return strcmp(wm_web_method(a->w), "POST") == 0 ? save(a, &t) :
	    render(a, &t, 0, 0);
}

/* A domain's form: ?d=DOMAIN[&page=quota]; without d a form asks for one. */
static int
domain_target(struct admin *a, struct target *t, struct wm_err *err)
{
	const char *d = wm_web_param(a->w, "d"), *p = wm_web_param(a->w, "page");

	memset(t, 0, sizeof(*t));
	t->scope = WM_SCOPE_DOMAIN;
	if (p != NULL && (wm_pref_page_parse(p, &t->page) == -1 ||
	    t->page == WM_PREF_PAGE_WEBMAIL))
		return wm_err_set(err, EX_DATAERR, "no such settings page");
	if (wm_pref_owner(WM_SCOPE_DOMAIN, d, t->owner, sizeof(t->owner),
	    err) == -1)
		return -1;
	snprintf(t->path, sizeof(t->path), "/settings/domain?d=%s%s", t->owner,
	    t->page == WM_PREF_PAGE_QUOTA ? "&page=quota" : "");
	snprintf(t->title, sizeof(t->title), "%s for domain %s",
	    t->page == WM_PREF_PAGE_QUOTA ? "User quota" : "Edit preferences",
	    t->owner);
	return 0;
}

struct domains {
	struct admin	*a;
	int		 n;
};

static int
domain_row(const char *d, void *arg)
{
	struct domains *ds = arg;

	admin_list_set(ds->a, "Domains", ds->n++, "name", d);
	return 0;
}

static int
domain_pick(struct admin *a)
{
	struct domains ds = { a, 0 };
	struct wm_err err;

	if (wm_prefs_domains(a->db, domain_row, &ds, &err) == -1)
		return admin_fail(a, &err);
	return admin_page(a, "domain_pick.cs", "Domain preferences", "Settings "
	    "for every user of one domain; a user's own setting still wins.");
}

static int
r_domain(struct admin *a, const long long *args)
{
	struct wm_err err;
	struct target t;

	(void)args;
	if (wm_web_param(a->w, "d") == NULL ||
	    *wm_web_param(a->w, "d") == '\0')
		return domain_pick(a);
	if (domain_target(a, &t, &err) == -1) {
		admin_form_error(a, "d", err.msg);
		return domain_pick(a);
	}
	return strcmp(wm_web_method(a->w), "POST") == 0 ? save(a, &t) :
	    render(a, &t, advanced_param(a), 0);
}

static int
user_target(struct admin *a, long long id, enum wm_pref_page page,
    struct target *t)
{
	struct wm_err err;
	char *addr;

	memset(t, 0, sizeof(*t));
	if ((addr = wm_user_address_of(a->db, id, &err)) == NULL)
		return admin_fail(a, &err);
	t->scope = WM_SCOPE_USER;
	t->page = page;
	t->user_id = id;
	snprintf(t->owner, sizeof(t->owner), "%s", addr);
	free(addr);
	snprintf(t->path, sizeof(t->path), "/users/%lld/%s", id,
	    page == WM_PREF_PAGE_QUOTA ? "quota" : "settings");
	snprintf(t->title, sizeof(t->title), "%s: %s", page ==
	    WM_PREF_PAGE_QUOTA ? "User quota" : "Edit user", t->owner);
	return 0;
}

static int
r_user(struct admin *a, const long long *args)
{
	struct target t;
	int quota = strstr(wm_web_path(a->w), "/quota") != NULL;

	if (user_target(a, args[0], quota ? WM_PREF_PAGE_QUOTA :
	    WM_PREF_PAGE_GENERAL, &t) == -1)
		return -1;
	return strcmp(wm_web_method(a->w), "POST") == 0 ? save(a, &t) :
	    render(a, &t, quota ? 0 : advanced_param(a), 0);
}

const struct admin_route admin_settings_routes[] = {
	{ "GET", "/settings", r_global, ADMIN_LOGIN, 0 },
	{ "POST", "/settings", r_global_save, ADMIN_LOGIN, 0 },
	{ "GET", "/settings/quota", r_quota, ADMIN_LOGIN, 0 },
	{ "POST", "/settings/quota", r_quota, ADMIN_LOGIN, 0 },
	{ "GET", "/settings/webmail", r_webmail, ADMIN_LOGIN, 0 },
	{ "POST", "/settings/webmail", r_webmail, ADMIN_LOGIN, 0 },
	{ "GET", "/settings/domain", r_domain, ADMIN_LOGIN, 0 },
	{ "POST", "/settings/domain", r_domain, ADMIN_LOGIN, 0 },
	{ "GET", "/users/#/settings", r_user, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/settings", r_user, ADMIN_LOGIN, 0 },
	{ "GET", "/users/#/quota", r_user, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/quota", r_user, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_settings_menu[] = {
	{ ADMIN_SECTION_SETTINGS, "Global preferences", "/settings" },
	{ ADMIN_SECTION_SETTINGS, "Quota", "/settings/quota" },
	{ ADMIN_SECTION_SETTINGS, "Webmail", "/settings/webmail" },
	{ ADMIN_SECTION_SETTINGS, "Domains", "/settings/domain" },
	ADMIN_MENU_END
};
