/*
 * NAME
 *	admin.cgi - the web administration console
 * SYNOPSIS
 *	admin.cgi (run by the web server as a FastCGI application or a CGI)
 * DESCRIPTION
 *	Serves the console under /admin/ on the admin listener only: login
 *	(with a second step when the admin has two-factor login on), the
 *	forced change of the default password, logout, and every page the
 *	page modules (cgi/admin_*.c) register in their route tables.  Each
 *	route says its method, whether it needs a login and how large a body
 *	it takes; main checks all of that, and the CSRF token of every POST,
 *	once, before any handler runs.
 *
 *	Started by lighttpd's mod_fastcgi it serves request after request
 *	(see wm_web_main), forgetting all of one request before the next.
 * DIAGNOSTICS
 *	Failures are answered with an HTTP status and a one-line message; the
 *	details go to the instance log.
 * SECURITY
 *	Runs as the wm user.  Its own session cookie (wmadmin, Path=/admin,
 *	HttpOnly; Secure; SameSite=Strict), sessions of kind admin with
 *	shorter timeouts than the portal's, a new id at every login; a portal
 *	session is no session here.  Until the default password is changed,
 *	every page but the change page and logout redirects there.
 * FILES
 *	wm.conf(5) named by $WM_CONFIG, the database and templates it names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admins.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "throttle.h"
#include "util.h"
#include "web.h"
#include "websession.h"

extern char **environ;

#define COOKIE_SESSION	"wmadmin"
#define COOKIE_PRE	"wmadmincsrf"
#define IDLE		900	/* seconds: shorter than the portal's 1800 */
#define MAX_AGE		14400	/* seconds since login (portal: 43200) */

static const struct wm_web_cookies cookies = {
	"admin", COOKIE_SESSION, COOKIE_PRE, ADMIN_BASE, IDLE, MAX_AGE
};
#define FCGI_REQUESTS	10000
#define MSG_TRY_LATER	"Something went wrong on our side. Please try again later."
#define MSG_BAD_LOGIN	"The name or password is not right."

struct module {
	const char			*name;
	const struct admin_route	*routes;
	const struct admin_menu		*menu;
};
#define ADMIN_MODULE(name) \
	{ #name, admin_##name##_routes, admin_##name##_menu }

/*
 * Every page module, one line each (see admin.h for how to add one).  The
 * first route matching method and path wins, so the order is the order of
 * precedence.
 */
static const struct module modules[] = {
	ADMIN_MODULE(status),
	ADMIN_MODULE(queue),
	ADMIN_MODULE(control),
	ADMIN_MODULE(testmail),
	ADMIN_MODULE(logs),
	ADMIN_MODULE(audit),
	ADMIN_MODULE(settings),
	ADMIN_MODULE(users),
	ADMIN_MODULE(templates),
	ADMIN_MODULE(pki),
	ADMIN_MODULE(mta),
	ADMIN_MODULE(net),
	ADMIN_MODULE(backup),
	ADMIN_MODULE(admins),
	{ NULL, NULL, NULL }
};

static const char *const section_names[ADMIN_SECTION_COUNT] = {
	"Certificates", "Roots", "CRLs", "CA", "Settings", "Queues", "Logs",
	"Admin"
};

/* ---- answering ---- */

const char *
admin_name(const struct admin *a)
{
	return a->sess != NULL ? a->sess->principal : "";
}

const char *
admin_client(const struct admin *a)
{
	return wm_web_remote_addr(a->w);
}

const char *
admin_csrf(const struct admin *a)
{
	return a->sess != NULL ? a->sess->csrf : a->pre;
}

static int
logged_in(const struct admin *a)
{
	return a->sess != NULL && strcmp(a->sess->stage, "full") == 0;
}

static int
on_path(const char *path, const char *entry)
{
	size_t n = strlen(entry);

	return strncmp(path, entry, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

static void
set_key(struct admin *a, const char *list, int n, const char *field,
    const char *value)
{
	char key[64];

	snprintf(key, sizeof(key), "%s.%d.%s", list, n, field);
	wm_web_set(a->w, key, value);
}

/* The first page of section s, and whether the request is in it. */
static const char *
section_first(int s, const char *path, int *current)
{
	const struct admin_menu *m;
	const char *first = NULL;
	size_t i;

	*current = 0;
	for (i = 0; modules[i].name != NULL; i++)
		for (m = modules[i].menu; m->label != NULL; m++)
			if ((int)m->section == s) {
				first = first ? first : m->path;
				*current |= on_path(path, m->path);
			}
	return first;
}

/* The sub-menu of the current section. */
static void
submenu_vars(struct admin *a, int s, const char *path)
{
	const struct admin_menu *m;
	char url[256];
	size_t i;
	int n = 0;

	for (i = 0; modules[i].name != NULL; i++)
		for (m = modules[i].menu; m->label != NULL; m++) {
			if ((int)m->section != s)
				continue;
			snprintf(url, sizeof(url), ADMIN_BASE "%s", m->path);
			set_key(a, "Sub", n, "label", m->label);
			set_key(a, "Sub", n, "path", url);
			if (on_path(path, m->path))
				set_key(a, "Sub", n, "current", "1");
			n++;
		}
}

/* The main menu: a section shows only when a module has a page in it. */
static void
menu_vars(struct admin *a)
{
	const char *path = wm_web_path(a->w), *first;
	int s, current, n = 0, cur = -1;
	char url[256];

	for (s = 0; s < ADMIN_SECTION_COUNT; s++) {
		if ((first = section_first(s, path, &current)) == NULL)
			continue;
		snprintf(url, sizeof(url), ADMIN_BASE "%s", first);
		set_key(a, "Menu", n, "label", section_names[s]);
		set_key(a, "Menu", n, "path", url);
		if (current && cur < 0) {
			set_key(a, "Menu", n, "current", "1");
			cur = s;
		}
		n++;
	}
	if (cur >= 0)
		submenu_vars(a, cur, path);
}

static int form_errors;		/* of this request: admin_form_error calls */

int
admin_page(struct admin *a, const char *template, const char *title,
    const char *explain)
{
	struct wm_err err;

	wm_web_set(a->w, "Page.title", title);
	wm_web_set(a->w, "Page.explain", explain);
	if (logged_in(a) && !a->must_change)
		menu_vars(a);
	if (form_errors > 0 && !wm_web_sent(a->w))
		wm_web_status(a->w, 400);
	if (wm_web_render(a->w, template, &err) == -1) {
		wm_log_err(&err);
		wm_web_error(a->w, 500, MSG_TRY_LATER);
		return -1;
	}
	return 0;
}

int
admin_page_error(struct admin *a, int status, const char *template,
    const char *title, const char *explain, const char *msg)
{
	wm_web_status(a->w, status);
	wm_web_set(a->w, "Page.error", msg);
	return admin_page(a, template, title, explain);
}

void
admin_form_error(struct admin *a, const char *field, const char *msg)
{
	char key[96];
	size_t i;

	snprintf(key, sizeof(key), "Form.errors.%s", field);
	/* A field name with a dot would reach into another part of the HDF. */
	for (i = sizeof("Form.errors.") - 1; key[i] != '\0'; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '_')
			key[i] = '_';
	wm_web_set(a->w, key, msg);
	if (form_errors++ == 0)
		wm_web_set(a->w, "Page.error", "Please correct the fields marked "
		    "below; nothing was saved.");
}

int
admin_redirect(struct admin *a, const char *path)
{
	struct wm_err err;
	char *url = wm_asprintf(ADMIN_BASE "%s", path);

	if (url == NULL || wm_web_redirect(a->w, url, &err) == -1) {
		free(url);
		wm_web_error(a->w, 500, MSG_TRY_LATER);
		return -1;
	}
	free(url);
	return 0;
}

int
admin_error(struct admin *a, int status, const char *msg)
{
	if (logged_in(a) && !a->must_change)
		menu_vars(a);
	wm_web_error(a->w, status, msg);
	return -1;
}

int
admin_fail(struct admin *a, const struct wm_err *err)
{
	int status = wm_web_status_for(err->code);

	if (status >= 500) {
		wm_log_err(err);
		return admin_error(a, status, MSG_TRY_LATER);
	}
	return admin_error(a, status, err->msg);
}

void
admin_audit(struct admin *a, const char *action, const char *object,
    const char *old_value, const char *new_value)
{
	struct wm_audit e = { 0 };
	struct wm_err err;

	e.actor = admin_name(a);
	e.client = admin_client(a);
	e.action = action;
	e.object = object;
	e.old_value = old_value;
	e.new_value = new_value;
	wm_log(LOG_INFO, "%s %s by %s from %s", action, object ? object : "",
	    e.actor, e.client);
	if (wm_audit_add(a->db, &e, &err) == -1)
		wm_log_err(&err);
}

/* Copies the posted fields into Confirm.fields for the second form. */
static void
confirm_fields(struct admin *a)
{
	HDF *q = hdf_get_obj(wm_web_hdf(a->w), "Query"), *f, *v;
	int n = 0;

	for (f = q ? hdf_obj_child(q) : NULL; f != NULL; f = hdf_obj_next(f)) {
		const char *name = hdf_obj_name(f);

		if (strcmp(name, WM_WEB_CSRF_FIELD) == 0 ||
		    strcmp(name, "confirm") == 0)
			continue;
		if ((v = hdf_obj_child(f)) == NULL) {
			set_key(a, "Confirm.fields", n, "name", name);
			set_key(a, "Confirm.fields", n++, "value",
			    hdf_obj_value(f));
			continue;
		}
		for (; v != NULL; v = hdf_obj_next(v)) {
			set_key(a, "Confirm.fields", n, "name", name);
			set_key(a, "Confirm.fields", n++, "value",
			    hdf_obj_value(v));
		}
	}
}

int
admin_confirmed(struct admin *a, const char *question, const char *button)
{
	const char *c = wm_web_param(a->w, "confirm");

	if (c != NULL && strcmp(c, "yes") == 0)
		return 1;
	confirm_fields(a);
	wm_web_setf(a->w, "Confirm.action", ADMIN_BASE "%s", wm_web_path(a->w));
	wm_web_set(a->w, "Confirm.question", question);
	wm_web_set(a->w, "Confirm.button", button);
	admin_page(a, "confirm.cs", "Please confirm", "This cannot be undone "
	    "from here; nothing happens until you confirm.");
	return 0;
}

/* ---- sessions ---- */

static void load_pre_token(struct admin *);

static void
end_session(struct admin *a)
{
	struct wm_err err;

	if (a->sid != NULL && wm_session_delete(a->db, a->sid, &err) == -1)
		wm_log_err(&err);
	wm_session_free(a->sess);
	wm_free_secret(a->sid);
	a->sess = NULL;
	a->sid = NULL;
	a->must_change = 0;
	if (wm_web_set_cookie_path(a->w, COOKIE_SESSION, "", ADMIN_BASE, 0,
	    &err) == -1)
		wm_log_err(&err);
	load_pre_token(a);
	wm_web_set(a->w, "Page.csrf", admin_csrf(a));
	wm_web_set(a->w, "Page.admin", "");
}

/* A new session id at every login and password change: no fixation. */
static int
start_session(struct admin *a, const char *name, const char *stage,
    struct wm_err *err)
{
	char id[WM_SESSION_ID_LEN + 1];

	end_session(a);
	a->sess = wm_session_create(a->db, "admin", name, stage, id, err);
	if (a->sess == NULL)
		return -1;
	if ((a->sid = strdup(id)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_web_set(a->w, "Page.csrf", admin_csrf(a));
	return wm_web_set_cookie_path(a->w, COOKIE_SESSION, id, ADMIN_BASE, -1,
	    err);
}

/* The admin of the session still exists and is enabled; its must-change flag. */
static int
admin_ok(struct admin *a, struct wm_err *err)
{
	struct wm_admin ad;

	if (wm_admin_get(a->db, a->sess->principal, &ad, err) == -1)
		return err->code == EX_NOUSER ? 0 : -1;
	a->must_change = ad.must_change;
	return ad.enabled;
}

/* -1 only when the database failed: a busy database logs nobody out. */
static int
load_session(struct admin *a, struct wm_err *err)
{
	int ok;

	if ((ok = wm_web_session_load(a->w, a->db, &cookies, &a->sess, &a->sid,
	    &a->expired, err)) != 1)
		return ok;
	if ((ok = admin_ok(a, err)) == -1)
		return -1;
	if (!ok) {
		end_session(a);
		return 0;
	}
	if (logged_in(a))
		wm_web_set(a->w, "Page.admin", a->sess->principal);
	return 0;
}

/* The double-submit token of the login form (no session yet). */
static void
load_pre_token(struct admin *a)
{
	if (a->sess == NULL)
		wm_web_pre_token(a->w, &cookies, a->pre);
}

/* ---- login, second step, password change, logout ---- */

static int
r_root(struct admin *a, const long long *args)
{
	if (!logged_in(a))
		return admin_redirect(a, "/login");
	return admin_redirect(a, a->must_change ? "/password" : "/status");
}

static int
login_page(struct admin *a, int status, const char *msg)
{
	if (msg != NULL)
		wm_web_status(a->w, status);
	wm_web_set(a->w, "Page.error", msg);
	return admin_page(a, "login.cs", "Admin login",
	    "Please enter your username and password.");
}

static int
r_login_form(struct admin *a, const long long *args)
{
	if (logged_in(a))
		return r_root(a, args);
	if (wm_web_param(a->w, "out") != NULL)
		wm_web_set(a->w, "Page.notice", "You are logged out.");
	else if (a->expired || wm_web_param(a->w, "expired") != NULL)
		wm_web_set(a->w, "Page.notice", "Your session has ended. Please "
		    "log in again.");
	return login_page(a, 200, NULL);
}

/* Sessions and failures past their time go at logins, not on every page. */
static void
housekeeping(struct admin *a)
{
	struct wm_err err;

	if (wm_session_purge(a->db, IDLE, MAX_AGE, &err) == -1 ||
	    wm_throttle_purge(a->db, &err) == -1)
		wm_log_err(&err);
}

/* Starts the session a login outcome asks for and goes where it leads. */
static int
logged_in_as(struct admin *a, const char *name, enum wm_admin_login r)
{
	struct wm_err err;
	const char *stage = r == WM_ADMIN_LOGIN_NEED_TOTP ? "totp" : "full";

	if (start_session(a, name, stage, &err) == -1)
		return admin_fail(a, &err);
	wm_log(LOG_INFO, "admin login %s (%s) from %s", name,
	    wm_admin_login_name(r), admin_client(a));
	if (r != WM_ADMIN_LOGIN_NEED_TOTP)
		wm_metric_note(a->db, WM_METRIC_LOGINS, 1);
	housekeeping(a);
	if (r == WM_ADMIN_LOGIN_NEED_TOTP)
		return admin_redirect(a, "/totp");
	return admin_redirect(a, r == WM_ADMIN_LOGIN_MUST_CHANGE ? "/password" :
	    "/status");
}

/* The answer to a refused login; one message for unknown and wrong. */
static int
refused(struct admin *a, const char *name, enum wm_admin_login r,
    const struct wm_err *err)
{
	wm_log(LOG_NOTICE, "admin login %s refused (%s) from %s", name,
	    wm_admin_login_name(r), admin_client(a));
	switch (r) {
	case WM_ADMIN_LOGIN_THROTTLED:
		return login_page(a, 429, "Too many failed logins. For your "
		    "security, logging in is blocked for now; try again in 15 "
		    "minutes.");
	case WM_ADMIN_LOGIN_DISABLED:
		return login_page(a, 403, "This admin account is disabled.");
	case WM_ADMIN_LOGIN_ERROR:
		return admin_fail(a, err);
	default:
		return login_page(a, 403, MSG_BAD_LOGIN);
	}
}

static int
r_login(struct admin *a, const long long *args)
{
	const char *name = wm_web_param(a->w, "name");
	const char *pw = wm_web_param(a->w, "password");
	enum wm_admin_login r;
	struct wm_err err;

	wm_web_set(a->w, "Form.name", name);
	r = wm_admin_login(a->db, name ? name : "", pw ? pw : "",
	    admin_client(a), &err);
	if (r == WM_ADMIN_LOGIN_OK || r == WM_ADMIN_LOGIN_MUST_CHANGE ||
	    r == WM_ADMIN_LOGIN_NEED_TOTP)
		return logged_in_as(a, name, r);
	return refused(a, name ? name : "", r, &err);
}

static int
r_totp_form(struct admin *a, const long long *args)
{
	if (logged_in(a))
		return r_root(a, args);
	if (a->sess == NULL)
		return admin_redirect(a, "/login");
	return admin_page(a, "totp.cs", "Two-factor login",
	    "Enter the 6-digit code your authenticator app shows.");
}

static int
r_totp(struct admin *a, const long long *args)
{
	char name[WM_ADMIN_NAME_MAX + 1];
	enum wm_admin_login r;
	struct wm_err err;

	if (logged_in(a))
		return r_root(a, args);
	if (a->sess == NULL)
		return admin_redirect(a, "/login");
	snprintf(name, sizeof(name), "%s", a->sess->principal);
	r = wm_admin_login_totp(a->db, name, wm_web_param(a->w, "code"),
	    admin_client(a), &err);
	if (r == WM_ADMIN_LOGIN_OK || r == WM_ADMIN_LOGIN_MUST_CHANGE)
		return logged_in_as(a, name, r);
	if (r == WM_ADMIN_LOGIN_BAD) {
		wm_log(LOG_NOTICE, "admin code refused for %s from %s", name,
		    admin_client(a));
		wm_web_status(a->w, 403);
		wm_web_set(a->w, "Page.error", "That code is not right.");
		return r_totp_form(a, args);
	}
	end_session(a);
	return refused(a, name, r, &err);
}

static int
r_logout(struct admin *a, const long long *args)
{
	if (a->sess != NULL)
		wm_log(LOG_INFO, "admin logout %s", a->sess->principal);
	end_session(a);
	return admin_redirect(a, "/login?out=1");
}

static int
password_page(struct admin *a)
{
	if (a->must_change)
		wm_web_set(a->w, "Page.notice", "This account still has its "
		    "initial password. Choose a new one before anything else.");
	return admin_page(a, "password.cs", "Change password",
	    "Choose a strong password: the box's password rules apply.");
}

static int
r_password_form(struct admin *a, const long long *args)
{
	return password_page(a);
}

/* Current password right?  A wrong one counts as a failed login. */
static int
current_ok(struct admin *a, const char *pw, struct wm_err *err)
{
	enum wm_admin_login r;

	r = wm_admin_login(a->db, a->sess->principal, pw ? pw : "",
	    admin_client(a), err);
	if (r == WM_ADMIN_LOGIN_ERROR)
		return -1;
	return r == WM_ADMIN_LOGIN_OK || r == WM_ADMIN_LOGIN_MUST_CHANGE ||
	    r == WM_ADMIN_LOGIN_NEED_TOTP;
}

static int
r_password(struct admin *a, const long long *args)
{
	const char *cur = wm_web_param(a->w, "current");
	const char *pw = wm_web_param(a->w, "password");
	const char *pw2 = wm_web_param(a->w, "password2");
	char name[WM_ADMIN_NAME_MAX + 1];
	struct wm_err err;
	int ok;

	if ((ok = current_ok(a, cur, &err)) == -1)
		return admin_fail(a, &err);
	if (!ok)
		admin_form_error(a, "current", "The current password is not "
		    "right.");
	else if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0)
		admin_form_error(a, "password2", "The two new passwords differ.");
	else if (wm_admin_set_password(a->db, a->sess->principal, pw,
	    &err) == -1) {
		if (err.code != EX_DATAERR)
			return admin_fail(a, &err);
		admin_form_error(a, "password", err.msg);
	}
	if (form_errors > 0)
		return password_page(a);
	snprintf(name, sizeof(name), "%s", a->sess->principal);
	admin_audit(a, "admin-password", name, NULL, WM_AUDIT_MASKED);
	/* Other sessions of this admin end; this one continues under a new id. */
	if (wm_session_delete_principal(a->db, "admin", name, NULL, &err) == -1)
		wm_log_err(&err);
	a->sid = NULL;
	if (start_session(a, name, "full", &err) == -1)
		return admin_fail(a, &err);
	return admin_redirect(a, "/status?changed=1");
}

/* The stylesheet, when the web server does not serve /static/ itself. */
static int
r_css(struct admin *a, const long long *args)
{
	const char *sdir = wm_config_path(a->cfg, "static");
	struct wm_buf css;
	struct wm_err err;
	char *path;
	int rc;

	path = wm_asprintf("%s/admin.css", sdir ? sdir :
	    "/usr/share/wm/templates/html/static");
	wm_buf_init(&css);
	if (path == NULL || wm_read_file(path, 1 << 20, &css, &err) == -1) {
		free(path);
		return admin_error(a, 404, "There is no such page.");
	}
	free(path);
	wm_web_header(a->w, "Cache-Control", "max-age=3600", &err);
	rc = wm_web_send(a->w, "text/css; charset=utf-8", NULL, NULL, css.data,
	    css.len, &err);
	wm_buf_free(&css);
	return rc;
}

static const struct admin_route auth_routes[] = {
	{ "GET",  "/static/admin.css",	r_css,		ADMIN_PUBLIC, 0 },
	{ "GET",  "/",			r_root,		ADMIN_PUBLIC, 0 },
	{ "GET",  "/login",		r_login_form,	ADMIN_PUBLIC, 0 },
	{ "POST", "/login",		r_login,	ADMIN_PUBLIC, 0 },
	{ "GET",  "/totp",		r_totp_form,	ADMIN_PUBLIC, 0 },
	{ "POST", "/totp",		r_totp,		ADMIN_PUBLIC, 0 },
	{ "POST", "/logout",		r_logout,	ADMIN_PUBLIC, 0 },
	{ "GET",  "/password",		r_password_form, ADMIN_CHANGE, 0 },
	{ "POST", "/password",		r_password,	ADMIN_CHANGE, 0 },
	ADMIN_ROUTES_END
};

/* ---- the request ---- */

/* The route for method and path; *wrong_method when only the method differs. */
static const struct admin_route *
find_route(const char *method, const char *path, long long *args,
    int *wrong_method)
{
	const struct admin_route *r;
	size_t i;

	*wrong_method = 0;
	for (r = auth_routes; r->pattern != NULL; r++)
		if (wm_web_match(r->pattern, path, args, 4)) {
			if (strcmp(r->method, method) == 0)
				return r;
			*wrong_method = 1;
		}
	for (i = 0; modules[i].name != NULL; i++)
		for (r = modules[i].routes; r->pattern != NULL; r++) {
			memset(args, 0, 4 * sizeof(*args));
			if (!wm_web_match(r->pattern, path, args, 4))
				continue;
			if (strcmp(r->method, method) == 0)
				return r;
			*wrong_method = 1;
		}
	return NULL;
}

/*
 * "/admin/status" is the page "/status"; "/" (the listener's root) leads to
 * the console.  Returns 0 when the path is the console's, -1 when not.
 */
static int
strip_base(struct wm_web *w)
{
	const char *path = wm_web_path(w);
	size_t n = strlen(ADMIN_BASE);
	char *rest;

	if (strcmp(path, "/") == 0)
		return 0;
	if (strncmp(path, ADMIN_BASE, n) != 0 || (path[n] != '/' &&
	    path[n] != '\0')) {
		/* The stylesheet is found without the prefix too. */
		return strcmp(path, "/static/admin.css") == 0 ? 0 : -1;
	}
	if ((rest = strdup(path[n] == '\0' ? "/" : path + n)) == NULL)
		return -1;
	wm_web_set(w, "CGI.PathInfo", rest);
	free(rest);
	return 0;
}

/*
 * What the request may carry, decided before its body is read: a small form
 * before login, forms after it, uploads only on the routes that take them.
 */
static void
body_limits(struct admin *a, const struct admin_route *r,
    struct wm_web_limits *lim)
{
	lim->max_body = ADMIN_BODY_SMALL;
	lim->max_fields = WM_WEB_ANON_FIELDS;
	lim->uploads = 0;
	if (r == NULL || r->access == ADMIN_PUBLIC || !logged_in(a))
		return;
	lim->max_body = r->max_body > 0 ? r->max_body : ADMIN_BODY_FORM;
	lim->max_fields = WM_WEB_MAX_FIELDS;
	lim->uploads = lim->max_body > ADMIN_BODY_FORM;
}

/* The route may run for this request?  Answers itself when not. */
static int
access_ok(struct admin *a, const struct admin_route *r)
{
	int get = strcmp(wm_web_method(a->w), "GET") == 0;

	if (r->access == ADMIN_PUBLIC)
		return 1;
	if (!logged_in(a)) {
		if (a->sess != NULL)
			admin_redirect(a, "/totp");
		else if (get)
			admin_redirect(a, a->expired ? "/login?expired=1" :
			    "/login");
		else
			admin_error(a, 403, "Please log in first.");
		return 0;
	}
	if (r->access == ADMIN_LOGIN && a->must_change) {
		admin_redirect(a, "/password");
		return 0;
	}
	return 1;
}

static void
dispatch(struct admin *a)
{
	const struct admin_route *r;
	struct wm_web_limits lim;
	long long args[4] = { 0 };
	struct wm_err err;
	int wrong;

	if (strip_base(a->w) == -1) {
		admin_error(a, 404, "There is no such page.");
		return;
	}
	/*
	 * Only here: a request outside the cookie's path (/favicon.ico) would
	 * mint a token the browser then stores over the login form's.
	 */
	load_pre_token(a);
	wm_web_set(a->w, "Page.csrf", admin_csrf(a));
	r = find_route(wm_web_method(a->w), wm_web_path(a->w), args, &wrong);
	body_limits(a, r, &lim);
	/* A refused body is answered by wm_web_parse_limits itself. */
	if (wm_web_parse_limits(a->w, &lim, &err) == -1) {
		if (!wm_web_sent(a->w))
			admin_error(a, 400, "This request could not be read.");
		return;
	}
	if (r == NULL) {
		admin_error(a, wrong ? 405 : 404, wrong ? "This page does not "
		    "accept that request." : "There is no such page.");
		return;
	}
	if (strcmp(r->method, "POST") == 0 &&
	    wm_web_csrf_ok(a->w, admin_csrf(a)) == -1) {
		admin_error(a, 403, "This form has expired or did not come from "
		    "this site. Nothing was changed; reload the page and try "
		    "again.");
		return;
	}
	if (access_ok(a, r))
		r->fn(a, args);
}

/* Configuration and database: once per process, again after a failure. */
static int
open_instance(struct admin *a, struct wm_err *err)
{
	if (a->db != NULL)
		return 0;
	wm_config_free(a->cfg);
	if ((a->cfg = wm_config_load(NULL, err)) == NULL)
		return -1;
	wm_log_file(wm_config_path(a->cfg, "log"));
	a->db = wm_db_open(wm_config_path(a->cfg, "database"), 0, err);
	return a->db == NULL ? -1 : 0;
}

static void
close_instance(void *ctx)
{
	struct admin *a = ctx;

	wm_db_close(a->db);
	wm_config_free(a->cfg);
	a->db = NULL;
	a->cfg = NULL;
}

/* Uploads spool beside the database (inside the instance, never /var/tmp). */
static int
upload_dir(struct admin *a, struct wm_err *err)
{
	const char *db = wm_config_path(a->cfg, "database");
	char *dir, *slash;
	int rc;

	if (db == NULL || (dir = wm_strdup(db)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	rc = wm_web_upload_dir(a->w, dir);
	free(dir);
	return rc == -1 ? wm_err_set(err, EX_CONFIG, "no upload directory") : 0;
}

/* Templates of the console: html/admin/ only, so no portal page can show. */
static int
set_templates(struct admin *a, struct wm_err *err)
{
	const char *tdir = wm_config_path(a->cfg, "templates");
	char *dir;

	dir = wm_asprintf("%s/html/admin", tdir ? tdir :
	    "/usr/share/wm/templates");
	if (dir == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_web_set(a->w, "hdf.loadpaths.0", dir);
	free(dir);
	wm_web_set(a->w, "Page.base", ADMIN_BASE);
	return upload_dir(a, err);
}

/*
 * Forgets everything of the request, so a FastCGI process serves the next
 * one as a fresh CGI would: only the configuration and the database stay.
 */
static void
end_request(struct admin *a, int failed)
{
	wm_session_free(a->sess);
	wm_free_secret(a->sid);
	a->sess = NULL;
	a->sid = NULL;
	explicit_bzero(a->pre, sizeof(a->pre));
	a->expired = 0;
	a->must_change = 0;
	a->section = NULL;
	form_errors = 0;
	wm_web_free(a->w);
	a->w = NULL;
	if (a->db != NULL && !sqlite3_get_autocommit(wm_db_handle(a->db)))
		wm_db_rollback(a->db);
	if (failed)
		close_instance(a);
}

static void
serve(void *ctx)
{
	struct admin *a = ctx;
	struct wm_err err;
	int failed = 0;

	if ((a->w = wm_web_new(NULL, &err)) == NULL) {
		wm_log_err(&err);
		wm_web_fatal();
		return;
	}
	if (open_instance(a, &err) == -1 || set_templates(a, &err) == -1 ||
	    load_session(a, &err) == -1) {
		wm_log_err(&err);
		wm_web_error(a->w, 503, MSG_TRY_LATER);
		failed = 1;
	} else {
		dispatch(a);
		wm_web_error(a->w, 500, MSG_TRY_LATER);	/* no answer yet */
	}
	end_request(a, failed);
}

int
main(int argc, char **argv)
{
	struct admin a;
	struct wm_web_app app = { "WM_ADMIN_REQUESTS", FCGI_REQUESTS, serve,
	    close_instance, &a };

	memset(&a, 0, sizeof(a));
	wm_log_open("admin.cgi");
	wm_log_stderr(0);
	return wm_web_main(&app, argc, argv, environ);
}
