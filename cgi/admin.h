/*
 * admin.h - what a page module of admin.cgi sees: the request context, the
 * route and menu tables it exports, and the helpers that answer in the
 * console's layout.
 *
 * ADDING A PAGE MODULE (for instance the MTA pages):
 *   1. cgi/admin_mta.c: handlers `static int r_x(struct admin *, const
 *      long long *args)`, and at its end
 *          const struct admin_route admin_mta_routes[] = {
 *              { "GET",  "/mta", r_mta, ADMIN_LOGIN, 0 },
 *              { "POST", "/mta", r_mta_save, ADMIN_LOGIN, 0 },
 *              ADMIN_ROUTES_END
 *          };
 *          const struct admin_menu admin_mta_menu[] = {
 *              { ADMIN_SECTION_ADMIN, "MTA", "/mta" },
 *              ADMIN_MENU_END
 *          };
 *      The Makefile links every cgi/admin_*.c into admin.cgi by itself.
 *   2. Declare both here with ADMIN_MODULE_DECLARE(mta) and add one line
 *      ADMIN_MODULE(mta) to the modules[] table in cgi/admin.c.
 *   3. Templates in templates/html/admin/mta.cs (the console's only
 *      template directory), starting with <?cs include:"header.cs" ?> and
 *      ending with <?cs include:"footer.cs" ?>; field.cs has the macros
 *      field_error(name) (next to a field) and csrf() (in every form).
 * A handler never checks the login, the method, the body size or the CSRF
 * token: main did, from the route.  It answers exactly once, with
 * admin_page, admin_redirect, admin_fail, admin_form_error or wm_web_send.
 * Library calls that change something are followed by admin_audit.
 */
#ifndef WM_CGI_ADMIN_H
#define WM_CGI_ADMIN_H

#include <stddef.h>

#include "admins.h"
#include "session.h"
#include "web.h"

struct wm_config;
struct wm_db;
struct wm_err;
struct wm_session;

#define ADMIN_BASE	"/admin"	/* URL prefix; the cookie's path */

/* Body limits: before login a login form, after it forms, uploads on routes that take them. */
#define ADMIN_BODY_SMALL	(8 * 1024)
#define ADMIN_BODY_FORM		(256 * 1024)
#define ADMIN_BODY_UPLOAD	(16 * 1024 * 1024)

/* One request of the console; page modules read it, main owns it. */
struct admin {
	struct wm_config	*cfg;
	struct wm_db		*db;
	struct wm_web		*w;
	struct wm_session	*sess;		/* any stage; NULL: none */
	char			*sid;		/* cookie value of sess */
	char			 pre[WM_SESSION_ID_LEN + 1];
	int			 expired;	/* a cookie came, no live session */
	int			 must_change;	/* the admin must change the password */
	const char		*section;	/* of the route being served, for the menu */
};

enum admin_access {
	ADMIN_PUBLIC,		/* login page, static files */
	ADMIN_LOGIN,		/* a full session with the password changed */
	ADMIN_CHANGE		/* a full session, even before the change */
};

struct admin_route {
	const char	*method;	/* "GET" or "POST" */
	const char	*pattern;	/* wm_web_match: "/certs/#" */
	int		(*fn)(struct admin *, const long long *args);
	enum admin_access access;
	size_t		 max_body;	/* 0: FORM after login; above FORM: takes uploads */
};
#define ADMIN_ROUTES_END	{ NULL, NULL, NULL, ADMIN_PUBLIC, 0 }

/* The guide's main menu, in its order. */
enum admin_section {
	ADMIN_SECTION_CERTIFICATES,
	ADMIN_SECTION_ROOTS,
	ADMIN_SECTION_CRLS,
	ADMIN_SECTION_CA,
	ADMIN_SECTION_SETTINGS,
	ADMIN_SECTION_QUEUES,
	ADMIN_SECTION_LOGS,
	ADMIN_SECTION_ADMIN,
	ADMIN_SECTION_COUNT
};

/* A page in a section's sub-menu; the section's link opens its first page. */
struct admin_menu {
	enum admin_section	 section;
	const char		*label;
	const char		*path;		/* without ADMIN_BASE: "/queue" */
};
#define ADMIN_MENU_END		{ ADMIN_SECTION_COUNT, NULL, NULL }

#define ADMIN_MODULE_DECLARE(name) \
	extern const struct admin_route admin_##name##_routes[]; \
	extern const struct admin_menu admin_##name##_menu[]

/* The core's own modules (cgi/admin_*.c of the core). */
ADMIN_MODULE_DECLARE(status);
ADMIN_MODULE_DECLARE(queue);
ADMIN_MODULE_DECLARE(control);
ADMIN_MODULE_DECLARE(testmail);
ADMIN_MODULE_DECLARE(logs);
ADMIN_MODULE_DECLARE(audit);
/* Settings, templates, PKI and user pages (cgi/admin_pages.h). */
ADMIN_MODULE_DECLARE(settings);
ADMIN_MODULE_DECLARE(templates);
ADMIN_MODULE_DECLARE(pki);
ADMIN_MODULE_DECLARE(users);
ADMIN_MODULE_DECLARE(mta);
ADMIN_MODULE_DECLARE(net);
ADMIN_MODULE_DECLARE(backup);
ADMIN_MODULE_DECLARE(admins);

/*
 * Renders templates_dir/html/admin/<template> inside the console layout:
 * title as <title> and <h1>, explain as the one-line explanation under it
 * (the guide's figures), the menu with the current section marked.
 */
int	 admin_page(struct admin *, const char *template, const char *title,
	    const char *explain);
/* The same with a status and an error line at the top of the page. */
int	 admin_page_error(struct admin *, int status, const char *template,
	    const char *title, const char *explain, const char *msg);
/*
 * A wrong field of a form: Form.errors.<field> is shown next to it by
 * the admin/field.cs macros; the page is answered with 400 by
 * admin_page afterwards.  Call for every wrong field, then render once.
 */
void	 admin_form_error(struct admin *, const char *field, const char *msg);
/* 303 to a console path ("/queue"); ADMIN_BASE is prepended. */
int	 admin_redirect(struct admin *, const char *path);
/* A failed library call: its message (4xx) or a generic one (5xx, logged). */
int	 admin_fail(struct admin *, const struct wm_err *);
/* Plain error page with status and message. */
int	 admin_error(struct admin *, int status, const char *msg);

/* The logged-in admin's name, and the audit actor string for it. */
const char *admin_name(const struct admin *);
const char *admin_client(const struct admin *);
/* The CSRF token of this request (already in Page.csrf for templates). */
const char *admin_csrf(const struct admin *);

/*
 * Records a change in the audit log: actor is the admin, client the
 * request's address.  old and new may be NULL; pass secrets masked.
 * A failure is logged (the change is done; the page says so).
 */
void	 admin_audit(struct admin *, const char *action, const char *object,
	    const char *old_value, const char *new_value);

/*
 * The confirm-twice pattern of dangerous POSTs, without JavaScript: the
 * first POST (no "confirm" field) answers a page asking "Really <question>?"
 * with a second form re-posting every field plus confirm=yes; only that
 * second POST returns 1, and the handler then acts.  0: the question page
 * was answered, return.
 */
int	 admin_confirmed(struct admin *, const char *question, const char *button);

#endif
