/*
 * admin_users.c - the Users pages (guide 7, figures 18 and 19): the user
 * list with search, filter and keyset paging; a user's page with mailbox,
 * usage, quota, password, last login and two-factor state and its actions;
 * the Mailboxes page; the user cleanup page.  Each action is the library
 * call wm-user makes for the same command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "admin.h"
#include "admin_pages.h"
#include "audit.h"
#include "config.h"
#include "err.h"
#include "mailbox.h"
#include "notify.h"
#include "password.h"
#include "prefs.h"
#include "totp.h"
#include "user.h"
#include "userlist.h"
#include "util.h"

#define PAGE_ROWS	50
#define SELECT_MAX	200

static const char *
mail_root(struct admin *a)
{
	return wm_config_path(a->cfg, "mail");
}

static void
set_time(struct admin *a, const char *key, time_t t, const char *never)
{
	char buf[32];

	if (t == 0) {
		wm_web_set(a->w, key, never);
		return;
	}
	wm_time_format(t, buf, sizeof(buf));
	wm_web_set(a->w, key, buf);
}

/* ---- the list ---- */

struct rows {
	struct admin	*a;
	const char	*list;
	int		 n;
	char		 first[WM_ADDRESS_MAX + 1];
	char		 last[WM_ADDRESS_MAX + 1];
};

static int
user_row(const struct wm_user *u, void *arg)
{
	struct rows *r = arg;
	char key[64];

	if (r->n == 0)
		snprintf(r->first, sizeof(r->first), "%s", u->address);
	snprintf(r->last, sizeof(r->last), "%s", u->address);
	snprintf(key, sizeof(key), "%s.%d.id", r->list, r->n);
	wm_web_set_int(r->a->w, key, u->id);
	admin_list_set(r->a, r->list, r->n, "address", u->address);
	admin_list_set(r->a, r->list, r->n, "enabled", u->enabled ? "1" : "0");
	admin_list_set(r->a, r->list, r->n, "password",
	    u->has_password ? "1" : "0");
	snprintf(key, sizeof(key), "%s.%d.last_login", r->list, r->n);
	set_time(r->a, key, u->last_login, "never");
	r->n++;
	return 0;
}

static int
r_users(struct admin *a, const long long *args)
{
	struct wm_user_query q = { 0 };
	struct rows r = { a, "Users", 0, "", "" };
	const char *f = wm_web_param(a->w, "filter");
	struct wm_err err;
	int more = 0;

	(void)args;
	q.search = wm_web_param(a->w, "q");
	q.after = wm_web_param(a->w, "after");
	q.before = wm_web_param(a->w, "before");
	q.limit = PAGE_ROWS;
	if (f != NULL && *f && wm_user_filter_parse(f, &q.filter) == -1)
		return admin_error(a, 400, "No such filter.");
	if (wm_user_list(a->db, &q, user_row, &r, &more, &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Search.q", q.search);
	wm_web_set(a->w, "Search.filter", wm_user_filter_name(q.filter));
	/* Walking back, "more" is about earlier pages; forward, later ones. */
	if (q.before && *q.before && !(q.after && *q.after)) {
		if (more)
			wm_web_set(a->w, "Paging.before", r.first);
		wm_web_set(a->w, "Paging.after", r.last);
	} else {
		if (more)
			wm_web_set(a->w, "Paging.after", r.last);
		if (q.after && *q.after && r.n > 0)
			wm_web_set(a->w, "Paging.before", r.first);
	}
	if (wm_web_param(a->w, "done") != NULL)
		wm_web_set(a->w, "Page.notice", "Done.");
	return admin_page(a, "users.cs", "Users", "Every user the box has made "
	    "an account for; click a user for the mailbox and settings.");
}

/* ---- one user ---- */

static char *
user_of(struct admin *a, long long id)
{
	struct wm_err err;
	char *addr;

	if ((addr = wm_user_address_of(a->db, id, &err)) == NULL)
		admin_fail(a, &err);
	return addr;
}

static int
user_vars(struct admin *a, const struct wm_user *u)
{
	char name[WM_ADDRESS_MAX * 3 + 1], size[32];
	enum wm_scope from;
	struct wm_err err;
	long long used, quota;
	char *q;

	if (wm_mailbox_name(u->address, name, sizeof(name)) == -1)
		name[0] = '\0';
	used = wm_mailbox_usage(mail_root(a), u->address);
	if ((q = wm_pref_get(a->db, WM_SCOPE_USER, u->address, "quota", &from,
	    &err)) == NULL)
		return admin_fail(a, &err);
	quota = strtoll(q, NULL, 10);
	free(q);
	wm_web_set_int(a->w, "User.id", u->id);
	wm_web_set(a->w, "User.address", u->address);
	wm_web_set(a->w, "User.mailbox", name);
	admin_size_text(used < 0 ? 0 : used, size, sizeof(size));
	wm_web_set(a->w, "User.usage", size);
	admin_size_text(quota, size, sizeof(size));
	wm_web_set(a->w, "User.quota", quota == 0 ? "no limit" : size);
	wm_web_set_int(a->w, "User.quota_bytes", quota);
	wm_web_set(a->w, "User.quota_from", wm_scope_name(from));
	wm_web_set_int(a->w, "User.password", u->has_password);
	wm_web_set_int(a->w, "User.enabled", u->enabled);
	wm_web_set_int(a->w, "User.totp", u->totp_enabled);
	set_time(a, "User.last_login", u->last_login, "never");
	set_time(a, "User.created", u->created, "never");
	set_time(a, "User.last_invite", u->last_invite, "never");
	return 0;
}

static const char *const notices[] = {
	"enabled", "The user may log in.", "disabled", "The user's logins are "
	"refused.", "2fa", "Two-factor login is off.", "signup", "A sign-up "
	"mail is on its way.", "password", "The password is changed.", "saved",
	"The settings are saved.", NULL
};

static void
notice(struct admin *a)
{
	const char *d = wm_web_param(a->w, "done");
	int i;

	for (i = 0; d != NULL && notices[i] != NULL; i += 2)
		if (strcmp(d, notices[i]) == 0)
			wm_web_set(a->w, "Page.notice", notices[i + 1]);
}

static int
user_page(struct admin *a, long long id)
{
	struct wm_user *u;
	struct wm_err err;
	char action[64], title[WM_ADDRESS_MAX + 16];
	char *addr;
	int rc;

	if ((addr = user_of(a, id)) == NULL)
		return -1;
	u = wm_user_get(a->db, addr, &err);
	free(addr);
	if (u == NULL)
		return admin_fail(a, &err);
	rc = user_vars(a, u);
	snprintf(action, sizeof(action), ADMIN_BASE "/users/%lld/settings", id);
	if (rc == 0)
		rc = admin_settings_fill(a, WM_SCOPE_USER, u->address,
		    WM_PREF_PAGE_GENERAL, 0, 0, action);
	snprintf(title, sizeof(title), "Edit user: %s", u->address);
	wm_user_free(u);
	if (rc == -1)
		return -1;
	notice(a);
	return admin_page(a, "user.cs", title, "The mailbox of the user, its "
	    "state and its settings; settings inherit from the domain and "
	    "the global preferences.");
}

static int
r_user(struct admin *a, const long long *args)
{
	return user_page(a, args[0]);
}

static int
back_to_user(struct admin *a, long long id, const char *done)
{
	char path[96];

	snprintf(path, sizeof(path), "/users/%lld?done=%s", id, done);
	return admin_redirect(a, path);
}

static int
r_enable(struct admin *a, const long long *args)
{
	int on = strstr(wm_web_path(a->w), "/enable") != NULL;
	struct wm_err err;
	char *addr;

	if ((addr = user_of(a, args[0])) == NULL)
		return -1;
	if (wm_user_set_enabled(a->db, addr, on, &err) == -1) {
		free(addr);
		return admin_fail(a, &err);
	}
	admin_audit(a, on ? "user-enable" : "user-disable", addr,
	    on ? "disabled" : "enabled", on ? "enabled" : "disabled");
	free(addr);
	return back_to_user(a, args[0], on ? "enabled" : "disabled");
}

static int
r_reset_2fa(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *addr;

	if ((addr = user_of(a, args[0])) == NULL)
		return -1;
	if (wm_totp_disable(a->db, addr, &err) == -1) {
		free(addr);
		return admin_fail(a, &err);
	}
	admin_audit(a, "user-reset-2fa", addr, "on", "off");
	free(addr);
	return back_to_user(a, args[0], "2fa");
}

static int
r_signup(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *addr;

	if ((addr = user_of(a, args[0])) == NULL)
		return -1;
	if (wm_notify_signup(a->cfg, a->db, addr, &err) == -1) {
		free(addr);
		return admin_fail(a, &err);
	}
	admin_audit(a, "user-signup-sent", addr, NULL, NULL);
	free(addr);
	return back_to_user(a, args[0], "signup");
}

static int
set_password(struct admin *a, const char *addr, struct wm_err *err)
{
	const char *pw = wm_web_param(a->w, "password");
	const char *pw2 = wm_web_param(a->w, "password2");
	long long min;

	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
		admin_form_error(a, "password2", "The two passwords differ.");
		return 1;
	}
	if (wm_pref_user_num(a->db, addr, "min-password-strength", &min,
	    err) == -1)
		return -1;
	if (wm_password_check(pw, addr, (int)min, err) == -1 ||
	    wm_user_set_password(a->db, addr, pw, err) == -1) {
		if (err->code != EX_DATAERR)
			return -1;
		admin_form_error(a, "password", err->msg);
		return 1;
	}
	return 0;
}

static int
r_password(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *addr;
	int rc;

	if ((addr = user_of(a, args[0])) == NULL)
		return -1;
	rc = set_password(a, addr, &err);
	if (rc == 0)
		admin_audit(a, "user-password", addr, NULL, WM_AUDIT_MASKED);
	free(addr);
	if (rc == -1)
		return admin_fail(a, &err);
	if (rc == 1)
		return user_page(a, args[0]);
	return back_to_user(a, args[0], "password");
}

static int
delete_one(struct admin *a, const char *addr, struct wm_err *err)
{
	if (wm_user_delete(a->db, mail_root(a), addr, 0, err) == -1)
		return -1;
	admin_audit(a, "user-delete", addr, "user", "deleted (mailbox kept)");
	return 0;
}

static int
r_delete(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *addr, q[WM_ADDRESS_MAX + 64];
	int rc;

	if ((addr = user_of(a, args[0])) == NULL)
		return -1;
	snprintf(q, sizeof(q), "delete the user %s (the mailbox is kept)", addr);
	if (!admin_confirmed(a, q, "Delete user")) {
		free(addr);
		return 0;
	}
	rc = delete_one(a, addr, &err);
	free(addr);
	if (rc == -1)
		return admin_fail(a, &err);
	return admin_redirect(a, "/users?done=1");
}

static int
r_delete_selected(struct admin *a, const long long *args)
{
	long long ids[SELECT_MAX];
	struct wm_err err;
	size_t n, i;
	char *addr, q[64];

	(void)args;
	if ((n = admin_selected_ids(a, ids, SELECT_MAX)) == 0)
		return admin_error(a, 400, "No user was selected.");
	snprintf(q, sizeof(q), "delete %zu selected user%s (mailboxes are kept)",
	    n, n == 1 ? "" : "s");
	if (!admin_confirmed(a, q, "Delete selected"))
		return 0;
	for (i = 0; i < n; i++) {
		if ((addr = wm_user_address_of(a->db, ids[i], &err)) == NULL)
			continue;
		if (delete_one(a, addr, &err) == -1) {
			free(addr);
			return admin_fail(a, &err);
		}
		free(addr);
	}
	return admin_redirect(a, "/users?done=1");
}

/* ---- mailboxes ---- */

struct mbrows {
	struct admin	*a;
	int		 n;
	char		 last[WM_ADDRESS_MAX * 3 + 1];
};

static int
mailbox_row(const struct wm_mailbox_info *mi, void *arg)
{
	struct mbrows *r = arg;
	char size[32];

	admin_size_text(mi->usage, size, sizeof(size));
	admin_list_set(r->a, "Mailboxes", r->n, "usage", size);
	admin_list_set(r->a, "Mailboxes", r->n, "address", mi->address);
	admin_list_set(r->a, "Mailboxes", r->n, "name", mi->name);
	admin_list_set(r->a, "Mailboxes", r->n, "active", mi->has_user ? "1" : "0");
	snprintf(r->last, sizeof(r->last), "%s", mi->name);
	r->n++;
	return 0;
}

static int
r_mailboxes(struct admin *a, const long long *args)
{
	struct wm_mailbox_query q = { 0 };
	struct mbrows r = { a, 0, "" };
	struct wm_err err;
	int more = 0;

	(void)args;
	q.search = wm_web_param(a->w, "q");
	q.hide_active = wm_web_param(a->w, "hide") != NULL;
	q.after = wm_web_param(a->w, "after");
	q.limit = PAGE_ROWS;
	if (wm_mailbox_list(a->db, mail_root(a), &q, mailbox_row, &r, &more,
	    &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Search.q", q.search);
	wm_web_set_int(a->w, "Search.hide", q.hide_active);
	if (more)
		wm_web_set(a->w, "Paging.after", r.last);
	if (wm_web_param(a->w, "done") != NULL)
		wm_web_set(a->w, "Page.notice", "The selected mailboxes are deleted.");
	return admin_page(a, "mailboxes.cs", "Mailboxes", "The mailboxes on "
	    "disk with their size; deleting a mailbox deletes its mail and "
	    "keeps the account.");
}

static int
r_mailboxes_delete(struct admin *a, const long long *args)
{
	const char *sel[SELECT_MAX];
	struct wm_err err;
	size_t n, i;
	char q[64];

	(void)args;
	if ((n = wm_web_param_list(a->w, "sel", sel, SELECT_MAX)) == 0)
		return admin_error(a, 400, "No mailbox was selected.");
	snprintf(q, sizeof(q), "delete the mail of %zu mailbox%s", n,
	    n == 1 ? "" : "es");
	if (!admin_confirmed(a, q, "Delete mailboxes"))
		return 0;
	for (i = 0; i < n; i++) {
		if (wm_mailbox_purge(a->db, mail_root(a), sel[i], &err) == -1)
			return admin_fail(a, &err);
		admin_audit(a, "mailbox-purge", sel[i], "mail", "deleted");
	}
	return admin_redirect(a, "/mailboxes?done=1");
}

/* ---- cleanup ---- */

static int
idle_query(struct admin *a, struct wm_idle_query *q)
{
	const char *k = wm_web_param(a->w, "kind"), *d = wm_web_param(a->w, "days");
	char *end;

	memset(q, 0, sizeof(*q));
	q->kind = k && strcmp(k, "idle") == 0 ? WM_IDLE_SINCE : WM_IDLE_NEVER;
	q->days = d && *d ? strtoll(d, &end, 10) : 30;
	if (d && *d && (*end || q->days < 0 || q->days > 36600)) {
		admin_form_error(a, "days", "Give a number of days, 0 or more.");
		return -1;
	}
	q->limit = 100;
	return 0;
}

static int
r_cleanup(struct admin *a, const long long *args)
{
	struct rows r = { a, "Idle", 0, "", "" };
	struct wm_idle_query q;
	struct wm_err err;
	int more = 0;

	(void)args;
	if (idle_query(a, &q) == 0 &&
	    wm_user_idle_list(a->db, &q, user_row, &r, &more, &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Cleanup.kind", q.kind == WM_IDLE_SINCE ? "idle" : "never");
	wm_web_set_int(a->w, "Cleanup.days", q.days);
	wm_web_set_int(a->w, "Cleanup.more", more);
	if (wm_web_param(a->w, "removed") != NULL)
		wm_web_setf(a->w, "Page.notice", "%s users removed.",
		    wm_web_param(a->w, "removed"));
	return admin_page(a, "cleanup.cs", "User cleanup", "Users who never "
	    "logged in, or not for a number of days; delete them with or "
	    "without their mailboxes.");
}

static int
r_cleanup_run(struct admin *a, const long long *args)
{
	struct wm_idle_query q;
	struct wm_err err;
	long long removed;
	int purge = wm_web_param(a->w, "purge") != NULL;
	char path[64];

	if (idle_query(a, &q) == -1)
		return r_cleanup(a, args);
	if (!admin_confirmed(a, purge ? "delete these users and their "
	    "mailboxes" : "delete these users (their mailboxes are kept)",
	    "Delete users"))
		return 0;
	if (wm_user_cleanup(a->db, mail_root(a), admin_name(a), admin_client(a),
	    &q, purge,
	    &removed, &err) == -1)
		return admin_fail(a, &err);
	snprintf(path, sizeof(path), "/users/cleanup?removed=%lld", removed);
	return admin_redirect(a, path);
}

const struct admin_route admin_users_routes[] = {
	{ "GET", "/users", r_users, ADMIN_LOGIN, 0 },
	{ "POST", "/users/delete", r_delete_selected, ADMIN_LOGIN, 0 },
	{ "GET", "/users/cleanup", r_cleanup, ADMIN_LOGIN, 0 },
	{ "POST", "/users/cleanup", r_cleanup_run, ADMIN_LOGIN, 0 },
	{ "GET", "/users/#", r_user, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/enable", r_enable, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/disable", r_enable, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/reset-2fa", r_reset_2fa, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/signup", r_signup, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/password", r_password, ADMIN_LOGIN, 0 },
	{ "POST", "/users/#/delete", r_delete, ADMIN_LOGIN, 0 },
	{ "GET", "/mailboxes", r_mailboxes, ADMIN_LOGIN, 0 },
	{ "POST", "/mailboxes/delete", r_mailboxes_delete, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_users_menu[] = {
	{ ADMIN_SECTION_SETTINGS, "Users", "/users" },
	{ ADMIN_SECTION_SETTINGS, "Mailboxes", "/mailboxes" },
	{ ADMIN_SECTION_SETTINGS, "User cleanup", "/users/cleanup" },
	ADMIN_MENU_END
};
