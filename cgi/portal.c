/*
 * NAME
 *	portal.cgi - the webmail portal of recipients
 * SYNOPSIS
 *	portal.cgi (run by the web server as a FastCGI application or a CGI)
 * DESCRIPTION
 *	Serves every page of the portal under /portal/: sign-up with a signed
 *	link, login (with a second step when two-factor authentication is on),
 *	logout, password reset, settings (password, two-factor enrolment), the
 *	mailbox listing, one message (its HTML body sanitised in a sandboxed
 *	frame), attachment and .eml downloads, replies and new mail.  The web
 *	server passes everything except /static/ to this program; PATH_INFO
 *	selects the page.
 *
 *	Started by lighttpd's mod_fastcgi (its stdin a listening socket), it
 *	serves request after request with the database open, forgetting all
 *	of a request (session, CSRF token, form, headers) before the next,
 *	and exits after 10,000 requests or when its heap stays above 64 MB,
 *	to be started again.  Otherwise it answers one request as a CGI.
 * DIAGNOSTICS
 *	Failures are answered with an HTTP status and a one-line message; the
 *	details go to the instance log.
 * SECURITY
 *	Runs as the wm user.  Sessions are cookies HttpOnly; Secure;
 *	SameSite=Strict holding 256 random bits of which only the hash is
 *	stored; every POST needs the CSRF token of the session; logins are
 *	throttled; every page carries a Content-Security-Policy without script.
 *	Another user's message id is answered 404.  Downloads are attachments
 *	with a sandboxing policy and nosniff.  Passwords are never logged.
 * FILES
 *	wm.conf(5) named by $WM_CONFIG, the database and templates it names.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "index.h"
#include "log.h"
#include "mailbox.h"
#include "message.h"
#include "metrics.h"
#include "notify.h"
#include "password.h"
#include "prefs.h"
#include "sanitize.h"
#include "session.h"
#include "throttle.h"
#include "token.h"
#include "totp.h"
#include "user.h"
#include "util.h"
#include "view.h"
#include "web.h"
#include "websession.h"

extern char **environ;

#define BASE		"/portal"
#define COOKIE_SESSION	"wmsession"
#define COOKIE_PRE	"wmcsrf"

static const struct wm_web_cookies cookies = {
	"user", COOKIE_SESSION, COOKIE_PRE, "/", WM_SESSION_IDLE, WM_SESSION_MAX
};
#define PAGE_SIZE	25
#define FCGI_REQUESTS	10000	/* requests of one FastCGI process */
#define ISSUER		"Secure Webmail"
#define MSG_TRY_LATER	"Something went wrong on our side. Please try again later."
#define MSG_BAD_LOGIN	"The email address or password is not right."

struct portal {
	struct wm_config	*cfg;
	struct wm_db		*db;
	struct wm_web		*w;
	struct wm_session	*sess;		/* any stage; NULL: none */
	char			*sid;		/* cookie value of sess */
	char			 pre[WM_SESSION_ID_LEN + 1];	/* CSRF before login */
	int			 expired;	/* a session cookie came, no session */
	/* A reset asked for, mailed once the answer has gone (M3). */
	char			 reset_to[WM_ADDRESS_MAX + 1];
	char			 reset_ip[64];
};

/* ---- answering ---- */

static int	logged_in(struct portal *);
static int	may_compose(struct portal *, struct wm_err *);
static int	open_instance(struct portal *, struct wm_err *);

static int
page(struct portal *p, const char *template, const char *title)
{
	struct wm_err err;

	wm_web_set(p->w, "Page.title", title);
	if (logged_in(p) && may_compose(p, &err) == 1)
		wm_web_set(p->w, "Page.compose", "1");
	if (wm_web_render(p->w, template, &err) == -1) {
		wm_log_err(&err);
		wm_web_error(p->w, 500, MSG_TRY_LATER);
		return -1;
	}
	return 0;
}

/* Shows a failed library call: its message when it is the user's doing. */
static int
fail(struct portal *p, const struct wm_err *err)
{
	int status = wm_web_status_for(err->code);

	if (status >= 500) {
		wm_log_err(err);
		wm_web_error(p->w, status, MSG_TRY_LATER);
	} else
		wm_web_error(p->w, status, err->msg);
	return -1;
}

static int
redirect(struct portal *p, const char *path)
{
	struct wm_err err;
	char *url = wm_asprintf(BASE "%s", path);

	if (url == NULL || wm_web_redirect(p->w, url, &err) == -1) {
		free(url);
		wm_web_error(p->w, 500, MSG_TRY_LATER);
		return -1;
	}
	free(url);
	return 0;
}

static int
page_error(struct portal *p, int status, const char *template,
    const char *title, const char *msg)
{
	wm_web_status(p->w, status);
	wm_web_set(p->w, "Page.error", msg);
	return page(p, template, title);
}

/* ---- sessions ---- */

static const char *
csrf_token(struct portal *p)
{
	return p->sess != NULL ? p->sess->csrf : p->pre;
}

static void	load_pre_token(struct portal *);

static void
end_session(struct portal *p)
{
	struct wm_err err;

	if (p->sid != NULL && wm_session_delete(p->db, p->sid, &err) == -1)
		wm_log_err(&err);
	wm_session_free(p->sess);
	wm_free_secret(p->sid);
	p->sess = NULL;
	p->sid = NULL;
	if (wm_web_set_cookie(p->w, COOKIE_SESSION, "", 0, &err) == -1)
		wm_log_err(&err);
	load_pre_token(p);
	wm_web_set(p->w, "Page.csrf", csrf_token(p));
	wm_web_set(p->w, "Page.user", "");
}

/* A new session id at every login: a planted cookie never gets a login. */
static int
start_session(struct portal *p, const char *address, const char *stage,
    struct wm_err *err)
{
	char id[WM_SESSION_ID_LEN + 1];

	end_session(p);
	p->sess = wm_session_create(p->db, "user", address, stage, id, err);
	if (p->sess == NULL)
		return -1;
	if ((p->sid = strdup(id)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return wm_web_set_cookie(p->w, COOKIE_SESSION, id, -1, err);
}

/*
 * A full session of a user who may still log in: 1 yes, 0 no, -1 when the
 * database could not tell (the request is refused, the session kept).
 */
static int
user_ok(struct portal *p, struct wm_err *err)
{
	struct wm_user *u;
	int ok, allowed = 0;

	if ((u = wm_user_get(p->db, p->sess->principal, err)) == NULL)
		return err->code == EX_NOUSER ? 0 : -1;
	ok = u->enabled && u->has_password;
	if (ok && wm_pref_user_bool(p->db, u->address, "login-allowed",
	    &allowed, err) == -1)
		ok = -1;
	wm_user_free(u);
	return ok == 1 ? allowed : ok;
}

/* -1 only when the database failed: a busy database logs nobody out. */
static int
load_session(struct portal *p, struct wm_err *err)
{
	int rc;

	if ((rc = wm_web_session_load(p->w, p->db, &cookies, &p->sess, &p->sid,
	    &p->expired, err)) != 1)
		return rc;
	switch (user_ok(p, err)) {
	case -1:
		return -1;
	case 0:
		end_session(p);
		return 0;
	}
	if (strcmp(p->sess->stage, "full") == 0)
		wm_web_set(p->w, "Page.user", p->sess->principal);
	return 0;
}

/*
 * The double-submit token of forms shown before login; a session has its
 * own, so a logged-in page view mints nothing.
 */
static void
load_pre_token(struct portal *p)
{
	if (p->sess == NULL)
		wm_web_pre_token(p->w, &cookies, p->pre);
}

static int
logged_in(struct portal *p)
{
	return p->sess != NULL && strcmp(p->sess->stage, "full") == 0;
}

/*
 * New mail (not replies) is a setting; its link shows only when allowed.
 * 1 allowed, 0 not, -1 the lookup failed.
 */
static int
may_compose(struct portal *p, struct wm_err *err)
{
	int on;

	if (wm_pref_user_bool(p->db, p->sess->principal, "compose-allowed", &on,
	    err) == -1)
		return -1;
	return on;
}

/* Handlers of pages behind the login start with this. */
static int
require_user(struct portal *p)
{
	if (logged_in(p))
		return 0;
	if (p->sess != NULL)
		redirect(p, "/totp");
	else if (strcmp(wm_web_method(p->w), "GET") == 0)
		redirect(p, p->expired ? "/login?expired=1" :
		    "/login");
	else
		wm_web_error(p->w, 403, "Please log in first.");
	return -1;
}

/* ---- login, second step, logout ---- */

static int
r_root(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	return redirect(p, logged_in(p) ? "/inbox" : "/login");
}

/* The reset link shows only when the setting could be read and is on. */
static void
login_vars(struct portal *p)
{
	struct wm_err err;
	int on;

	if (wm_pref_user_bool(p->db, NULL, "password-reset-enabled", &on,
	    &err) == -1)
		wm_log_err(&err);
	else if (on)
		wm_web_set(p->w, "Page.reset_enabled", "1");
}

static int
r_login_form(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	if (logged_in(p))
		return redirect(p, "/inbox");
	if (wm_web_param(w, "out") != NULL)
		wm_web_set(w, "Page.notice", "You are logged out.");
	else if (wm_web_param(w, "expired") != NULL)
		wm_web_set(w, "Page.notice", "Your session has ended. Please log in "
		    "again.");
	login_vars(p);
	return page(p, "login.cs", "Log in");
}

static int
login_refused(struct portal *p, int status, const char *msg)
{
	login_vars(p);
	return page_error(p, status, "login.cs", "Log in", msg);
}

/* The account may log in now?  Says why not in err. */
static int
may_login(struct portal *p, const struct wm_user *u, struct wm_err *err)
{
	int on;

	if (!u->enabled)
		return wm_err_set(err, EX_NOPERM, "Your account is not enabled yet. "
		    "An administrator has to enable it before you can log in.");
	if (wm_pref_user_bool(p->db, u->address, "login-allowed", &on,
	    err) == -1)
		return -1;
	if (!on)
		return wm_err_set(err, EX_NOPERM, "Logging in is not allowed for "
		    "this account.");
	return 0;
}

static int
r_login(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	const char *in = wm_web_param(w, "address");
	const char *pw = wm_web_param(w, "password");
	const char *ip = wm_web_remote_addr(w);
	char addr[WM_ADDRESS_MAX + 1];
	struct wm_user *u;
	struct wm_err err;
	int totp;

	wm_web_set(w, "Form.address", in);
	if (in == NULL || pw == NULL || *pw == '\0' ||
	    wm_address_normalize(in, addr, sizeof(addr), &err) == -1) {
		wm_throttle_fail(p->db, NULL, ip, &err);
		return login_refused(p, 403, MSG_BAD_LOGIN);
	}
	if (wm_throttle_check(p->db, addr, ip, &err) == -1) {
		if (err.code != EX_TEMPFAIL || strstr(err.msg, "Too many") == NULL)
			return fail(p, &err);
		wm_log(LOG_NOTICE, "login throttled for %s from %s", addr, ip);
		return login_refused(p, 429, err.msg);
	}
	/* A disabled account with the right password is told why. */
	if (wm_user_check_password(p->db, addr, pw, &err) == -1 &&
	    (err.code != EX_NOPERM || strstr(err.msg, "disabled") == NULL)) {
		if (err.code != EX_NOPERM)
			return fail(p, &err);
		wm_log(LOG_NOTICE, "login failed for %s from %s", addr, ip);
		if (wm_throttle_fail(p->db, addr, ip, &err) == -1)
			wm_log_err(&err);
		return login_refused(p, 403, MSG_BAD_LOGIN);
	}
	if ((u = wm_user_get(p->db, addr, &err)) == NULL)
		return fail(p, &err);
	if (may_login(p, u, &err) == -1) {
		wm_user_free(u);
		if (err.code != EX_NOPERM)
			return fail(p, &err);
		return login_refused(p, 403, err.msg);
	}
	totp = u->totp_enabled;
	/*
	 * With two factors the failures stand until the code is right: a
	 * password step must not give wrong codes a fresh count (M2).
	 */
	if ((!totp && wm_throttle_success(p->db, u->address, &err) == -1) ||
	    start_session(p, u->address, totp ? "totp" : "full", &err) == -1) {
		wm_user_free(u);
		return fail(p, &err);
	}
	wm_log(LOG_INFO, "login %s%s from %s", u->address,
	    totp ? " (code pending)" : "", ip);
	wm_metric_note(p->db, WM_METRIC_LOGINS, 1);
	/* Housekeeping rides on logins: old sessions and failures go. */
	if (wm_session_purge(p->db, WM_SESSION_IDLE, WM_SESSION_MAX, &err) == -1 ||
	    wm_throttle_purge(p->db, &err) == -1)
		wm_log_err(&err);
	wm_user_free(u);
	return redirect(p, totp ? "/totp" : "/inbox");
}

static int
r_totp_form(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	if (logged_in(p))
		return redirect(p, "/inbox");
	if (p->sess == NULL)
		return redirect(p, "/login");
	return page(p, "totp.cs", "Enter your code");
}

static int
r_totp(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	const char *ip = wm_web_remote_addr(w);
	char id[WM_SESSION_ID_LEN + 1];
	struct wm_err err;
	int recovery, left;

	if (logged_in(p))
		return redirect(p, "/inbox");
	if (p->sess == NULL)
		return redirect(p, "/login");
	if (wm_throttle_check(p->db, p->sess->principal, ip, &err) == -1) {
		end_session(p);
		return login_refused(p, 429, err.msg);
	}
	if (wm_totp_verify(p->db, p->sess->principal,
	    wm_web_param(w, "code"), &recovery, &err) == -1) {
		if (err.code != EX_NOPERM)
			return fail(p, &err);
		wm_log(LOG_NOTICE, "two-factor code refused for %s from %s",
		    p->sess->principal, ip);
		wm_throttle_fail(p->db, p->sess->principal, ip, NULL);
		return page_error(p, 403, "totp.cs", "Enter your code", err.msg);
	}
	if (wm_session_promote(p->db, p->sess, id, &err) == -1 ||
	    wm_throttle_success(p->db, p->sess->principal, &err) == -1)
		return fail(p, &err);
	wm_free_secret(p->sid);
	p->sid = strdup(id);
	if (wm_web_set_cookie(w, COOKIE_SESSION, id, -1, &err) == -1)
		return fail(p, &err);
	if (recovery) {
		left = wm_totp_recovery_left(p->db, p->sess->principal, &err);
		wm_log(LOG_NOTICE, "recovery code used by %s (%d left)",
		    p->sess->principal, left);
	}
	wm_log(LOG_INFO, "login %s completed with %s", p->sess->principal,
	    recovery ? "a recovery code" : "a code");
	return redirect(p, "/inbox");
}

static int
r_logout(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	if (p->sess != NULL)
		wm_log(LOG_INFO, "logout %s", p->sess->principal);
	end_session(p);
	return redirect(p, "/login?out=1");
}

/* ---- choosing a password: sign-up and reset ---- */

/* The strength rule of an address; -1 when it could not be read. */
static int
min_bits(struct portal *p, const char *address, struct wm_err *err)
{
	long long n;

	if (wm_pref_user_num(p->db, address, "min-password-strength", &n,
	    err) == -1)
		return -1;
	return n < 0 ? 0 : n > 1024 ? 1024 : (int)n;
}

/* The token of a mailed link: "t" in our forms, "token" in mailed links. */
static const char *
link_token(struct portal *p)
{
	const char *t = wm_web_param(p->w, "t");

	return t != NULL ? t : wm_web_param(p->w, "token");
}

/* Checks the link; on success *address is the account (malloc'd). */
static int
link_address(struct portal *p, const char *purpose, char **address,
    struct wm_err *err)
{
	const char *t = link_token(p);
	int bits;

	if (t == NULL || *t == '\0')
		return wm_err_set(err, EX_NOPERM, "This link is not complete. "
		    "Open the link from the email again.");
	if (wm_token_check(p->db, t, purpose, address, err) == -1) {
		if (err->code == EX_TEMPFAIL || err->code == EX_SOFTWARE)
			return -1;
		if (strstr(err->msg, "used") != NULL)
			return wm_err_set(err, EX_NOPERM, "This link was used "
			    "already.");
		if (strstr(err->msg, "password was chosen") != NULL)
			return wm_err_set(err, EX_NOPERM, "You have chosen a "
			    "password already. Log in with it, or reset it if you "
			    "forgot it.");
		return wm_err_set(err, EX_NOPERM, "This link is not valid or has "
		    "expired.%s", strcmp(purpose, "signup") == 0 ? " A new "
		    "message to you will bring a new sign-up link." : " You can "
		    "ask for a new one.");
	}
	wm_web_set(p->w, "Form.t", t);
	wm_web_set(p->w, "Form.address", *address);
	if ((bits = min_bits(p, *address, err)) == -1) {
		free(*address);
		*address = NULL;
		return -1;
	}
	wm_web_set_int(p->w, "Page.min_bits", bits);
	return 0;
}

/* Both fields equal and every rule kept; err names the rule broken. */
static int
new_password_ok(struct portal *p, const char *address, const char **pw,
    struct wm_err *err)
{
	const char *a = wm_web_param(p->w, "password");
	const char *b = wm_web_param(p->w, "password2");
	int bits;

	if (a == NULL || *a == '\0')
		return wm_err_set(err, EX_DATAERR, "Enter a new password.");
	if (b == NULL || strcmp(a, b) != 0)
		return wm_err_set(err, EX_DATAERR, "The two passwords are not the "
		    "same.");
	if ((bits = min_bits(p, address, err)) == -1)
		return -1;
	if (wm_password_check(a, address, bits, err) == -1)
		return err->code == EX_DATAERR ?
		    wm_err_wrap(err, "This password is not accepted") : -1;
	*pw = a;
	return 0;
}

/*
 * A sign-up link of an account that has no password yet: an older unused
 * invitation must not replace the password chosen with a newer one.
 */
static int
signup_link(struct portal *p, char **address, struct wm_err *err)
{
	struct wm_user *u;
	int has;

	if (link_address(p, "signup", address, err) == -1)
		return -1;
	if ((u = wm_user_get(p->db, *address, err)) == NULL) {
		free(*address);
		*address = NULL;
		return -1;
	}
	has = u->has_password;
	wm_user_free(u);
	if (!has)
		return 0;
	free(*address);
	*address = NULL;
	return wm_err_set(err, EX_NOPERM, "You have chosen a password already. "
	    "Log in with it, or reset it if you forgot it.");
}

static int
r_signup_form(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	char *addr = NULL;

	if (signup_link(p, &addr, &err) == -1)
		return fail(p, &err);
	free(addr);
	return page(p, "signup.cs", "Sign up");
}

static int
r_signup(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	const char *pw;
	char *addr = NULL;
	int initial;

	if (signup_link(p, &addr, &err) == -1)
		return fail(p, &err);
	if (new_password_ok(p, addr, &pw, &err) == -1) {
		free(addr);
		if (err.code != EX_DATAERR)
			return fail(p, &err);
		return page_error(p, 400, "signup.cs", "Sign up", err.msg);
	}
	if (wm_pref_user_bool(p->db, addr, "initial-login-allowed", &initial,
	    &err) == -1) {
		free(addr);
		return fail(p, &err);
	}
	/* Spent before use: the same link never sets a second password. */
	if (wm_token_consume(p->db, link_token(p), &err) == -1 ||
	    wm_user_set_password(p->db, addr, pw, &err) == -1 ||
	    (!initial && wm_user_set_enabled(p->db, addr, 0, &err) == -1)) {
		free(addr);
		if (err.code == EX_NOPERM)
			wm_err_set(&err, EX_NOPERM, "This link was used already.");
		return fail(p, &err);
	}
	wm_db_audit(p->db, addr, "signup", initial ? "enabled" :
	    "waiting for an administrator", NULL);
	wm_log(LOG_INFO, "signup %s", addr);
	free(addr);
	if (!initial)
		wm_web_set(w, "Page.text", "Your password is set. Your account "
		    "is not enabled yet: an administrator has to enable it before "
		    "you can log in. You will be able to log in with this "
		    "password then.");
	else {
		wm_web_set(w, "Page.text", "Your password is set. You can log in "
		    "now.");
		wm_web_set(w, "Page.link", BASE "/login");
		wm_web_set(w, "Page.linktext", "Log in");
	}
	return page(p, "message.cs", "Signed up");
}

static int
r_reset_form(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	char *addr = NULL;
	int on;

	if (wm_pref_user_bool(p->db, NULL, "password-reset-enabled", &on,
	    &err) == -1)
		return fail(p, &err);
	if (!on)
		return page_error(p, 403, "message.cs", "Reset password",
		    "Password reset is turned off. Ask your administrator.");
	if (link_token(p) == NULL)
		return page(p, "reset.cs", "Reset password");
	if (link_address(p, "reset", &addr, &err) == -1)
		return fail(p, &err);
	free(addr);
	return page(p, "reset.cs", "Choose a new password");
}

/*
 * Records the request only: whether the address has an account is looked at
 * after the answer has gone (reset_send), so the answer is the same, in the
 * same time, for every address.
 */
static int
reset_request(struct portal *p)
{
	const char *in = wm_web_param(p->w, "address");
	struct wm_err err;

	if (in != NULL && wm_address_normalize(in, p->reset_to,
	    sizeof(p->reset_to), &err) == 0)
		snprintf(p->reset_ip, sizeof(p->reset_ip), "%s",
		    wm_web_remote_addr(p->w));
	else
		p->reset_to[0] = '\0';
	wm_web_set(p->w, "Page.text", "If this address has a mailbox here, we "
	    "have sent a link to it. The link is valid for a limited time.");
	return page(p, "message.cs", "Check your mail");
}

/*
 * After the answer: the link goes to an enabled account, at most one per
 * address in a while (wm_notify_password_reset_request keeps that bound).
 */
static void
reset_send(struct portal *p)
{
	struct wm_user *u;
	struct wm_err err;
	int sent = 0;

	if (p->reset_to[0] == '\0')
		return;
	if (open_instance(p, &err) == 0 &&
	    (u = wm_user_get(p->db, p->reset_to, &err)) != NULL) {
		if (u->enabled && wm_notify_password_reset_request(p->cfg, p->db,
		    p->reset_to, &sent, &err) == -1)
			wm_log_err(&err);
		else if (u->enabled && sent)
			wm_log(LOG_INFO, "password reset link sent to %s (asked "
			    "from %s)", p->reset_to, p->reset_ip);
		wm_user_free(u);
	} else if (err.code != EX_NOUSER)
		wm_log_err(&err);
	explicit_bzero(p->reset_to, sizeof(p->reset_to));
	p->reset_ip[0] = '\0';
}

static int
r_reset(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	const char *pw;
	char *addr = NULL;
	int on;

	if (wm_pref_user_bool(p->db, NULL, "password-reset-enabled", &on,
	    &err) == -1)
		return fail(p, &err);
	if (!on)
		return page_error(p, 403, "message.cs", "Reset password",
		    "Password reset is turned off. Ask your administrator.");
	if (link_token(p) == NULL)
		return reset_request(p);
	if (link_address(p, "reset", &addr, &err) == -1)
		return fail(p, &err);
	if (new_password_ok(p, addr, &pw, &err) == -1) {
		free(addr);
		if (err.code != EX_DATAERR)
			return fail(p, &err);
		return page_error(p, 400, "reset.cs", "Choose a new password",
		    err.msg);
	}
	if (wm_token_consume(p->db, link_token(p), &err) == -1 ||
	    wm_user_set_password(p->db, addr, pw, &err) == -1 ||
	    wm_session_delete_principal(p->db, "user", addr, NULL, &err) == -1 ||
	    wm_throttle_success(p->db, addr, &err) == -1) {
		free(addr);
		if (err.code == EX_NOPERM)
			wm_err_set(&err, EX_NOPERM, "This link was used already.");
		return fail(p, &err);
	}
	wm_db_audit(p->db, addr, "password-reset", NULL, NULL);
	wm_log(LOG_INFO, "password reset by %s", addr);
	free(addr);
	end_session(p);
	wm_web_set(w, "Page.text", "Your new password is set. You can log in "
	    "with it now.");
	wm_web_set(w, "Page.link", BASE "/login");
	wm_web_set(w, "Page.linktext", "Log in");
	return page(p, "message.cs", "Password changed");
}

/* ---- settings ---- */

static int
settings_page(struct portal *p, int status, const char *error,
    const char *notice)
{
	const char *addr = p->sess->principal;
	struct wm_err err;
	int on, bits;

	if ((on = wm_totp_enabled(p->db, addr, &err)) == -1)
		return fail(p, &err);
	if (on) {
		wm_web_set(p->w, "Settings.totp_enabled", "1");
		wm_web_set_int(p->w, "Settings.recovery_left",
		    wm_totp_recovery_left(p->db, addr, &err));
	}
	if ((bits = min_bits(p, addr, &err)) == -1)
		return fail(p, &err);
	wm_web_set_int(p->w, "Page.min_bits", bits);
	wm_web_set(p->w, "Page.section", "settings");
	wm_web_set(p->w, "Page.error", error);
	wm_web_set(p->w, "Page.notice", notice);
	wm_web_status(p->w, status);
	return page(p, "settings.cs", "Settings");
}

static int
r_settings(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	if (require_user(p) == -1)
		return -1;
	return settings_page(p, 200, NULL, NULL);
}

/* The current password again before a change; failures count as logins. */
static int
current_password_ok(struct portal *p, struct wm_err *err)
{
	const char *addr = p->sess->principal, *ip = wm_web_remote_addr(p->w);
	const char *cur = wm_web_param(p->w, "current");

	if (wm_throttle_check(p->db, addr, ip, err) == -1)
		return -1;
	if (cur == NULL || wm_user_check_password(p->db, addr, cur, err) == -1) {
		if (err->code != EX_NOPERM && cur != NULL)
			return -1;
		wm_throttle_fail(p->db, addr, ip, NULL);
		return wm_err_set(err, EX_NOPERM, "Your current password is not "
		    "right.");
	}
	return 0;
}

static int
user_error(struct portal *p, const struct wm_err *err)
{
	if (err->code == EX_NOPERM || err->code == EX_DATAERR ||
	    strstr(err->msg, "Too many") != NULL)
		return settings_page(p, err->code == EX_DATAERR ? 400 :
		    err->code == EX_NOPERM ? 403 : 429, err->msg, NULL);
	return fail(p, err);
}

static int
r_password(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	const char *pw;

	if (require_user(p) == -1)
		return -1;
	if (current_password_ok(p, &err) == -1 ||
	    new_password_ok(p, p->sess->principal, &pw, &err) == -1)
		return user_error(p, &err);
	if (wm_user_set_password(p->db, p->sess->principal, pw, &err) == -1 ||
	    wm_session_delete_principal(p->db, "user", p->sess->principal,
	    p->sid, &err) == -1)
		return fail(p, &err);
	wm_db_audit(p->db, p->sess->principal, "password-change", NULL, NULL);
	wm_log(LOG_INFO, "password changed by %s", p->sess->principal);
	return settings_page(p, 200, NULL, "Your password was changed. Other "
	    "sessions were logged out.");
}

static int
totp_setup_page(struct portal *p, const char *secret, int status,
    const char *error)
{
	struct wm_err err;
	char *uri, *qr;

	if ((uri = wm_totp_uri(ISSUER, p->sess->principal, secret)) == NULL) {
		wm_web_error(p->w, 500, MSG_TRY_LATER);
		return -1;
	}
	qr = wm_totp_qr_data_uri(uri, &err);
	wm_free_secret(uri);
	if (qr == NULL)
		return fail(p, &err);
	wm_web_set(p->w, "Totp.qr", qr);
	wm_web_set(p->w, "Totp.secret", secret);
	free(qr);
	wm_web_set(p->w, "Page.section", "settings");
	wm_web_set(p->w, "Page.error", error);
	wm_web_status(p->w, status);
	return page(p, "totp_setup.cs", "Set up two-factor authentication");
}

static int
r_totp_begin(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	char *secret;
	int rc;

	if (require_user(p) == -1)
		return -1;
	/* A session alone does not turn on a second factor (L3). */
	if (current_password_ok(p, &err) == -1)
		return user_error(p, &err);
	if ((secret = wm_totp_begin(p->db, p->sess->principal, &err)) == NULL) {
		if (err.code == EX_NOUSER)
			return settings_page(p, 409, "Two-factor authentication "
			    "is on already.", NULL);
		return fail(p, &err);
	}
	rc = totp_setup_page(p, secret, 200, NULL);
	wm_free_secret(secret);
	return rc;
}

static int
r_totp_confirm(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;
	char **codes = NULL, *secret, key[32];
	size_t n = 0, i;
	int rc;

	if (require_user(p) == -1)
		return -1;
	if (wm_totp_confirm(p->db, p->sess->principal, wm_web_param(w, "code"),
	    &codes, &n, &err) == -1) {
		if (err.code != EX_DATAERR)
			return fail(p, &err);
		if ((secret = wm_totp_secret(p->db, p->sess->principal,
		    &err)) == NULL)
			return fail(p, &err);
		rc = totp_setup_page(p, secret, 400, err.msg);
		wm_free_secret(secret);
		return rc;
	}
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "Totp.codes.%zu", i);
		wm_web_set(w, key, codes[i]);
	}
	wm_totp_codes_free(codes, n);
	wm_db_audit(p->db, p->sess->principal, "totp-enable", NULL, NULL);
	wm_log(LOG_INFO, "two-factor authentication on for %s",
	    p->sess->principal);
	wm_web_set(w, "Page.section", "settings");
	return page(p, "totp_codes.cs", "Your recovery codes");
}

static int
r_totp_disable(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_err err;

	if (require_user(p) == -1)
		return -1;
	if (current_password_ok(p, &err) == -1)
		return user_error(p, &err);
	if (wm_totp_disable(p->db, p->sess->principal, &err) == -1)
		return fail(p, &err);
	wm_db_audit(p->db, p->sess->principal, "totp-disable", NULL, NULL);
	wm_log(LOG_INFO, "two-factor authentication off for %s",
	    p->sess->principal);
	return settings_page(p, 200, NULL, "Two-factor authentication is off.");
}

/* ---- mailbox listing ---- */

static void
human_size(long long n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%lld B", n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%lld KB", (n + 1023) / 1024);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(out, len, "%.1f MB", n / 1048576.0);
	else
		snprintf(out, len, "%.1f GB", n / 1073741824.0);
}

static void
list_row(struct portal *p, size_t i, const struct wm_message *m, int sent)
{
	char key[64], when[32], size[32];
	struct tm tm;
	time_t t = m->date ? m->date : m->received;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	human_size(m->size, size, sizeof(size));
#define ROW(field, value) do { \
	snprintf(key, sizeof(key), "Inbox.msg.%zu." field, i); \
	wm_web_set(p->w, key, value); } while (0)
	ROW("from", sent ? m->to_addr : m->from_addr);
	ROW("subject", m->subject);
	ROW("date", when);
	ROW("size", size);
	ROW("attach", m->has_attachments ? "1" : NULL);
	ROW("unread", !m->seen && !sent ? "1" : NULL);
	ROW("trashed", m->trashed ? "1" : NULL);
#undef ROW
	snprintf(key, sizeof(key), "Inbox.msg.%zu.id", i);
	wm_web_set_int(p->w, key, m->id);
}

/* The index holds each mail's size: no walk of the maildir per page. */
static int
quota_vars(struct portal *p, const char *addr)
{
	long long used = 0, quota, pct;
	struct wm_err err;
	char buf[32];

	if (wm_message_totals(p->db, addr, NULL, NULL, NULL, &used, &err) == -1)
		wm_log_err(&err);
	if (wm_pref_user_num(p->db, addr, "quota", &quota, &err) == -1) {
		wm_log_err(&err);
		return -1;
	}
	if (used < 0)
		used = 0;
	pct = quota > 0 ? used * 100 / quota : 0;
	human_size(used, buf, sizeof(buf));
	wm_web_set(p->w, "Inbox.used", buf);
	human_size(quota, buf, sizeof(buf));
	wm_web_set(p->w, "Inbox.quota", buf);
	return wm_web_set_int(p->w, "Inbox.percent", pct > 100 ? 100 : pct);
}

/* "<received>:<id>" of a keyset page link. */
static int
parse_key(const char *s, long long *received, long long *id)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*received = strtoll(s, &end, 10);
	if (*end != ':' || end[1] == '\0')
		return -1;
	*id = strtoll(end + 1, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/*
 * The rows of page pg.  The links carry the key of the row next to the page
 * (?before= older, ?after= newer), so a deep page costs what the first one
 * does; the last page is read from the old end.  Offsets only for a page
 * typed by hand.
 */
static int
list_page(struct portal *p, const char *folder, long long pg, long long count,
    struct wm_message ***list, size_t *n, struct wm_err *err)
{
	const char *addr = p->sess->principal;
	long long r, id, rest = count - (pg - 1) * PAGE_SIZE;

	if (parse_key(wm_web_param(p->w, "before"), &r, &id) == 0) {
		if (wm_message_list_from(p->db, addr, folder, r, id, 1, PAGE_SIZE,
		    list, n, err) == -1)
			return -1;
		if (*n > 0)
			return 0;
		wm_message_list_free(*list, *n);
	} else if (pg > 1 && parse_key(wm_web_param(p->w, "after"), &r,
	    &id) == 0) {
		if (wm_message_list_from(p->db, addr, folder, r, id, 0, PAGE_SIZE,
		    list, n, err) == -1)
			return -1;
		if (*n == PAGE_SIZE)
			return 0;
		wm_message_list_free(*list, *n);
	} else if (pg > 1 && rest > 0 && rest <= PAGE_SIZE)
		return wm_message_list_from(p->db, addr, folder, LLONG_MIN,
		    LLONG_MIN, 0, rest, list, n, err);
	return wm_message_list(p->db, addr, folder, (pg - 1) * PAGE_SIZE,
	    PAGE_SIZE, list, n, err);
}

static void
page_links(struct portal *p, long long pg, long long pages,
    struct wm_message **list, size_t n)
{
	if (pg > 2 && n > 0)
		wm_web_setf(p->w, "Inbox.prev", "%lld&after=%lld:%lld", pg - 1,
		    (long long)list[0]->received, list[0]->id);
	else if (pg > 1)
		wm_web_set_int(p->w, "Inbox.prev", pg - 1);
	if (pg < pages && n > 0)
		wm_web_setf(p->w, "Inbox.next", "%lld&before=%lld:%lld", pg + 1,
		    (long long)list[n - 1]->received, list[n - 1]->id);
	else if (pg < pages)
		wm_web_set_int(p->w, "Inbox.next", pg + 1);
}

/*
 * Mail stored since the notice sender last ran has no decoded headers yet
 * (index.h): it gets them now, parsed in a sandboxed child, so the list is
 * whole even while the sender is down.
 */
static void
index_mailbox(struct portal *p, const char *addr)
{
	struct wm_err err;
	long long n;

	if (wm_index_pending(p->db, wm_config_path(p->cfg, "mail"), addr, 0, &n,
	    &err) == -1)
		wm_log_err(&err);
}

static int
listing(struct portal *p, const char *folder, const char *title)
{
	const char *addr = p->sess->principal, *ps = wm_web_param(p->w, "p");
	struct wm_message **list = NULL;
	long long count, unread, pages, pg;
	struct wm_err err;
	size_t n = 0, i;

	/* What Dovecot or mutt did to the files shows in the list and counts. */
	if (wm_message_sync(p->db, wm_config_path(p->cfg, "mail"), addr, folder,
	    &err) == -1)
		wm_log_err(&err);
	index_mailbox(p, addr);
	if (wm_message_totals(p->db, addr, folder, &count, &unread, NULL,
	    &err) == -1)
		return fail(p, &err);
	pages = count == 0 ? 1 : (count + PAGE_SIZE - 1) / PAGE_SIZE;
	pg = ps != NULL ? strtoll(ps, NULL, 10) : 1;
	if (pg < 1)
		pg = 1;
	if (pg > pages)
		pg = pages;
	if (list_page(p, folder, pg, count, &list, &n, &err) == -1)
		return fail(p, &err);
	for (i = 0; i < n; i++)
		list_row(p, i, list[i], strcmp(folder, "sent") == 0);
	page_links(p, pg, pages, list, n);
	wm_message_list_free(list, n);
	wm_web_set_int(p->w, "Inbox.count", count);
	wm_web_set_int(p->w, "Inbox.unread", unread);
	wm_web_set_int(p->w, "Inbox.page", pg);
	wm_web_set_int(p->w, "Inbox.pages", pages);
	if (quota_vars(p, addr) == -1) {
		wm_web_error(p->w, 503, MSG_TRY_LATER);
		return -1;
	}
	wm_web_set(p->w, "Page.section", folder);
	return page(p, "inbox.cs", title);
}

static int
r_inbox(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	if (require_user(p) == -1)
		return -1;
	return listing(p, "inbox", "Inbox");
}

static int
r_sent(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;

	if (require_user(p) == -1)
		return -1;
	return listing(p, "sent", "Sent");
}

/*
 * The index row goes first, as in wm-cleanup: a crash in between leaves a
 * file nobody can see rather than a listed message without its file.
 */
static int
delete_one(struct portal *p, long long id, struct wm_err *err)
{
	const char *addr = p->sess->principal;
	struct wm_message *m;
	struct wm_err ferr;

	if ((m = wm_message_get(p->db, addr, id, err)) == NULL)
		return err->code == EX_NOINPUT ? 0 : -1;
	if (wm_message_delete(p->db, addr, id, err) == -1) {
		wm_message_free(m);
		return -1;
	}
	if (wm_mailbox_remove(wm_config_path(p->cfg, "mail"), addr, m->file,
	    &ferr) == -1)
		wm_log_err(&ferr);
	wm_message_free(m);
	return 0;
}

static int
delete_selected(struct portal *p, const char *folder)
{
	const char *ids[PAGE_SIZE * 4];
	char where[64];
	struct wm_err err;
	size_t n, i, done = 0;
	char *end;
	long long id;

	if (require_user(p) == -1)
		return -1;
	n = wm_web_param_list(p->w, "id", ids, sizeof(ids) / sizeof(ids[0]));
	for (i = 0; i < n; i++) {
		id = strtoll(ids[i], &end, 10);
		if (*ids[i] == '\0' || *end != '\0' || id <= 0)
			continue;
		if (delete_one(p, id, &err) == -1)
			return fail(p, &err);
		done++;
	}
	if (done > 0)
		wm_log(LOG_INFO, "%s deleted %zu message%s", p->sess->principal,
		    done, done == 1 ? "" : "s");
	snprintf(where, sizeof(where), "/%s", folder);
	return redirect(p, where);
}

static int
r_inbox_delete(struct wm_web *w, void *ctx, const long long *args)
{
	return delete_selected(ctx, "inbox");
}

static int
r_sent_delete(struct wm_web *w, void *ctx, const long long *args)
{
	return delete_selected(ctx, "sent");
}

/* ---- one message: the page, its HTML body, parts and the whole mail ---- */

/*
 * The message id of this user and its parsed mail.  Another user's id is
 * answered exactly like one that does not exist.
 */
static int
open_message(struct portal *p, long long id, enum wm_view_want want,
    int part, struct wm_message **mp, struct wm_view **vp)
{
	enum wm_sandbox_outcome outcome;
	struct wm_err err;

	*mp = NULL;
	*vp = NULL;
	index_mailbox(p, p->sess->principal);	/* the read receipt wants them */
	if ((*mp = wm_message_get(p->db, p->sess->principal, id, &err)) == NULL) {
		if (err.code == EX_NOINPUT) {
			wm_web_error(p->w, 404, "There is no such message.");
			return -1;
		}
		return fail(p, &err);
	}
	/* A stock reader may have moved the file; a gone file is handled below. */
	if (wm_message_locate(p->db, wm_config_path(p->cfg, "mail"), *mp,
	    &err) == -1 && err.code != EX_NOINPUT)
		wm_log_err(&err);
	/* Hostile bytes are parsed in a sandboxed child, never here. */
	*vp = wm_view_open_boxed(wm_config_path(p->cfg, "mail"), *mp, want, part,
	    &outcome, &err);
	if (*vp == NULL) {
		wm_message_free(*mp);
		*mp = NULL;
		if (outcome != WM_SANDBOX_OK) {
			wm_log(LOG_WARNING, "message %lld of %s: %s", id,
			    p->sess->principal, err.msg);
			wm_web_error(p->w, 500, "This message cannot be shown: "
			    "reading it failed (the parser " "crashed, took too long "
			    "or needed too much memory). Your other messages are not "
			    "affected.");
			return -1;
		}
		/* The file went (deleted meanwhile): as if the row were gone. */
		if (err.code == EX_NOINPUT) {
			wm_web_error(p->w, 404, "There is no such message.");
			return -1;
		}
		wm_log_err(&err);
		wm_web_error(p->w, wm_web_status_for(err.code) == 503 ? 503 : 500,
		    MSG_TRY_LATER);
		return -1;
	}
	return 0;
}

static void
close_message(struct wm_message *m, struct wm_view *v)
{
	wm_view_free(v);
	wm_message_free(m);
}

static void
message_vars(struct portal *p, long long id, const struct wm_view *v)
{
	const struct wm_view_headers *h = wm_view_headers(v);
	const struct wm_attachment *a;
	char key[64], size[32];
	size_t n = 0, i;

	wm_web_set_int(p->w, "Msg.id", id);
	wm_web_set(p->w, "Msg.from", h->from);
	wm_web_set(p->w, "Msg.to", h->to);
	wm_web_set(p->w, "Msg.cc", h->cc);
	wm_web_set(p->w, "Msg.date", h->date);
	wm_web_set(p->w, "Msg.text", wm_view_text(v));
	if (wm_view_has_html(v)) {
		wm_web_set(p->w, "Msg.html", "1");
		wm_web_set(p->w, "Msg.sandbox", wm_sanitize_iframe_sandbox());
	}
	a = wm_view_attachments(v, &n);
	for (i = 0; i < n; i++) {
		human_size((long long)a[i].size, size, sizeof(size));
#define ATT(field, value) do { \
	snprintf(key, sizeof(key), "Msg.att.%zu." field, i); \
	wm_web_set(p->w, key, value); } while (0)
		ATT("name", a[i].filename);
		ATT("type", a[i].content_type);
		ATT("size", size);
#undef ATT
		snprintf(key, sizeof(key), "Msg.att.%zu.part", i);
		wm_web_set_int(p->w, key, a[i].part);
	}
}

static int
r_msg(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	const char *subject;
	struct wm_message *m;
	struct wm_view *v;
	struct wm_err err;
	int rc;

	if (require_user(p) == -1 || open_message(p, args[0], WM_VIEW_PAGE, 0, &m,
	    &v) == -1)
		return -1;
	message_vars(p, args[0], v);
	wm_web_set(w, "Page.section", m->folder);
	/* Showing the mail never depends on the mark or the receipt. */
	if (wm_view_mark_read(p->cfg, p->db, m, &err) == -1)
		wm_log_err(&err);
	subject = wm_view_headers(v)->subject;
	rc = page(p, "mail.cs", *subject != '\0' ? subject : "(no subject)");
	close_message(m, v);
	return rc;
}

/* Bytes of a mail to the browser, never run or shown by it as our page. */
static int
download(struct portal *p, const char *type, const char *filename,
    const void *data, size_t len)
{
	struct wm_err err;
	char *disp;
	int rc;

	if ((disp = wm_view_disposition(filename)) == NULL) {
		wm_web_error(p->w, 500, MSG_TRY_LATER);
		return -1;
	}
	rc = wm_web_header(p->w, "Content-Disposition", disp, &err);
	free(disp);
	if (rc == 0)
		rc = wm_web_header(p->w, "Content-Security-Policy",
		    "default-src 'none'; sandbox", &err);
	if (rc == 0)
		rc = wm_web_send(p->w, type, NULL, NULL, data, len, &err);
	if (rc == -1) {
		wm_log_err(&err);
		wm_web_error(p->w, 500, MSG_TRY_LATER);
	}
	return rc;
}

static int
r_msg_body(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_message *m;
	struct wm_view *v;
	struct wm_buf html;
	struct wm_err err;
	int rc;

	if (require_user(p) == -1 || open_message(p, args[0], WM_VIEW_BODY, 0, &m,
	    &v) == -1)
		return -1;
	wm_buf_init(&html);
	rc = wm_view_html(v, &html, NULL, &err);
	close_message(m, v);
	if (rc == -1) {
		wm_buf_free(&html);
		if (err.code == EX_NOINPUT) {
			wm_web_error(w, 404, "This message has no HTML body.");
			return -1;
		}
		return fail(p, &err);
	}
	/* Only our own message page may frame it; it runs nothing. */
	if (wm_web_header(w, "Content-Security-Policy", wm_sanitize_csp(),
	    &err) == -1 ||
	    wm_web_header(w, "X-Frame-Options", "SAMEORIGIN", &err) == -1 ||
	    wm_web_send(w, "text/html; charset=utf-8", NULL, NULL, html.data,
	    html.len, &err) == -1) {
		wm_buf_free(&html);
		return fail(p, &err);
	}
	wm_buf_free(&html);
	return 0;
}

static int
r_msg_part(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	const char *type = NULL, *name = NULL;
	struct wm_message *m;
	struct wm_view *v;
	struct wm_buf data;
	struct wm_err err;
	int rc;

	if (require_user(p) == -1 || open_message(p, args[0],
	    WM_VIEW_PART, args[1] > 1000000 ? 0 : (int)args[1], &m, &v) == -1)
		return -1;
	wm_buf_init(&data);
	if (args[1] > 1000000 || wm_view_part(v, (int)args[1], &data, &type,
	    &name, &err) == -1) {
		close_message(m, v);
		wm_buf_free(&data);
		if (args[1] > 1000000 || err.code == EX_NOINPUT) {
			wm_web_error(w, 404, "There is no such attachment.");
			return -1;
		}
		return fail(p, &err);
	}
	rc = download(p, type != NULL ? type : "application/octet-stream", name,
	    data.data, data.len);
	close_message(m, v);
	wm_buf_free(&data);
	return rc;
}

static int
r_msg_eml(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_message *m;
	struct wm_view *v;
	const void *raw;
	size_t len;
	int rc;

	if (require_user(p) == -1 || open_message(p, args[0], WM_VIEW_PAGE, 0, &m,
	    &v) == -1)
		return -1;
	raw = wm_view_raw(v, &len);
	rc = download(p, "message/rfc822", wm_view_eml_filename(v), raw, len);
	close_message(m, v);
	return rc;
}

/* ---- writing: new mail and replies ---- */

static void
compose_vars(struct portal *p, const struct wm_compose *c, const char *action)
{
	wm_web_set(p->w, "Form.to", wm_compose_to(c));
	wm_web_set(p->w, "Form.cc", wm_compose_cc(c));
	wm_web_set(p->w, "Form.subject", wm_compose_subject(c));
	wm_web_set(p->w, "Form.body", wm_compose_body(c));
	wm_web_set(p->w, "Form.action", action);
	if (wm_compose_is_reply(c))
		wm_web_set(p->w, "Form.reply", "1");
}

static int
compose_page(struct portal *p, const struct wm_compose *c, const char *action,
    int status, const char *error)
{
	struct wm_err err;
	long long max = 0;
	char size[32];

	if (wm_compose_max_attachment(p->db, p->sess->principal, &max,
	    &err) == -1)
		return fail(p, &err);

	compose_vars(p, c, action);
	/* A refused form comes back as typed, not as far as it was taken. */
	if (error != NULL) {
		wm_web_set(p->w, "Form.to", wm_web_param(p->w, "to"));
		wm_web_set(p->w, "Form.cc", wm_web_param(p->w, "cc"));
		wm_web_set(p->w, "Form.subject", wm_web_param(p->w, "subject"));
		wm_web_set(p->w, "Form.body", wm_web_param(p->w, "body"));
	}
	if (max > 0) {
		human_size(max, size, sizeof(size));
		wm_web_set(p->w, "Form.max", size);
	}
	wm_web_set(p->w, "Page.section", wm_compose_is_reply(c) ? "inbox" :
	    "compose");
	wm_web_status(p->w, status);
	wm_web_set(p->w, "Page.error", error);
	return page(p, "compose.cs", wm_compose_is_reply(c) ? "Reply" :
	    "New message");
}

/* The attachment fields of the form; an empty one was left unused. */
static int
attach_uploads(struct portal *p, struct wm_compose *c, struct wm_err *err)
{
	char field[32];
	const char *name;
	struct wm_buf data;
	FILE *f;
	int i, rc;

	for (i = 1; i <= 3; i++) {
		snprintf(field, sizeof(field), "attachment%d", i);
		if ((f = wm_web_upload(p->w, field)) == NULL)
			continue;
		name = wm_web_upload_name(p->w, field);
		wm_buf_init(&data);
		rewind(f);
		if (wm_read_fd(fileno(f), SIZE_MAX / 2, &data, err) == -1) {
			wm_buf_free(&data);
			return -1;
		}
		rc = 0;
		if ((name != NULL && *name != '\0') || data.len > 0)
			rc = wm_compose_attach(c, name, NULL, data.data, data.len,
			    err);
		wm_buf_free(&data);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
compose_fields(struct portal *p, struct wm_compose *c, struct wm_err *err)
{
	const char *to = wm_web_param(p->w, "to");
	const char *cc = wm_web_param(p->w, "cc");
	const char *subject = wm_web_param(p->w, "subject");
	const char *body = wm_web_param(p->w, "body");
	long long max;

	if (wm_compose_max_attachment(p->db, p->sess->principal, &max,
	    err) == -1)
		return -1;
	wm_compose_set_max_attachment(c, max);
	if (wm_compose_set_to(c, to ? to : "", err) == -1 ||
	    wm_compose_set_cc(c, cc ? cc : "", err) == -1 ||
	    wm_compose_set_subject(c, subject ? subject : "", err) == -1 ||
	    wm_compose_set_body(c, body ? body : "", err) == -1)
		return -1;
	return attach_uploads(p, c, err);
}

/* Sends the form's mail; the form again when the user has to fix it. */
static int
compose_submit(struct portal *p, struct wm_compose *c, const char *action)
{
	long long sent_id = 0;
	struct wm_err err;

	if (compose_fields(p, c, &err) == -1 ||
	    wm_compose_send(p->cfg, p->db, c, &sent_id, &err) == -1) {
		if (err.code == EX_DATAERR)
			return compose_page(p, c, action, 400, err.msg);
		if (err.code == EX_NOPERM) {
			wm_web_error(p->w, 403, "You may not send new mail from "
			    "here.");
			return -1;
		}
		if (err.code == EX_TEMPFAIL) {
			wm_log_err(&err);
			wm_web_error(p->w, 503, "Your message could not be sent "
			    "now. Please try again later.");
			return -1;
		}
		return fail(p, &err);
	}
	wm_log(LOG_INFO, "%s sent %s (sent copy %lld)", p->sess->principal,
	    wm_compose_is_reply(c) ? "a reply" : "new mail", sent_id);
	return redirect(p, "/sent");
}

static int
compose_start(struct portal *p, struct wm_compose **cp)
{
	struct wm_err err;

	if (require_user(p) == -1)
		return -1;
	switch (may_compose(p, &err)) {
	case -1:
		return fail(p, &err);
	case 0:
		wm_web_error(p->w, 403, "You may not send new mail from here.");
		return -1;
	}
	if ((*cp = wm_compose_new(p->sess->principal, &err)) == NULL)
		return fail(p, &err);
	return 0;
}

static int
r_compose_form(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_compose *c;
	int rc;

	if (compose_start(p, &c) == -1)
		return -1;
	rc = compose_page(p, c, BASE "/compose", 200, NULL);
	wm_compose_free(c);
	return rc;
}

static int
r_compose(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_compose *c;
	int rc;

	if (compose_start(p, &c) == -1)
		return -1;
	rc = compose_submit(p, c, BASE "/compose");
	wm_compose_free(c);
	return rc;
}

/*
 * The reply prepared from the stored mail on the form and again on the
 * POST: In-Reply-To and References never come from the browser.
 */
static int
reply_start(struct portal *p, long long id, struct wm_compose **cp,
    char *action, size_t len)
{
	const char *all = wm_web_param(p->w, "all");
	int to_all = all != NULL && strcmp(all, "1") == 0;
	struct wm_message *m;
	struct wm_view *v;
	struct wm_err err;

	*cp = NULL;
	if (require_user(p) == -1 || open_message(p, id, WM_VIEW_PAGE, 0, &m,
	    &v) == -1)
		return -1;
	if ((*cp = wm_compose_new(p->sess->principal, &err)) == NULL ||
	    wm_compose_reply(*cp, v, to_all, &err) == -1) {
		close_message(m, v);
		wm_compose_free(*cp);
		*cp = NULL;
		return fail(p, &err);
	}
	close_message(m, v);
	snprintf(action, len, BASE "/reply/%lld%s", id, to_all ? "?all=1" : "");
	return 0;
}

static int
r_reply_form(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_compose *c;
	char action[64];
	int rc;

	if (reply_start(p, args[0], &c, action, sizeof(action)) == -1)
		return -1;
	rc = compose_page(p, c, action, 200, NULL);
	wm_compose_free(c);
	return rc;
}

static int
r_reply(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	struct wm_compose *c;
	char action[64];
	int rc;

	if (reply_start(p, args[0], &c, action, sizeof(action)) == -1)
		return -1;
	rc = compose_submit(p, c, action);
	wm_compose_free(c);
	return rc;
}

/* The stylesheet, when the web server does not serve /static/ itself. */
static int
r_css(struct wm_web *w, void *ctx, const long long *args)
{
	struct portal *p = ctx;
	const char *tdir = wm_config_path(p->cfg, "templates");
	struct wm_buf css;
	struct wm_err err;
	char *path;
	int rc;

	path = wm_asprintf("%s/html/static/portal.css", tdir ? tdir :
	    "/usr/share/wm/templates");
	wm_buf_init(&css);
	if (path == NULL || wm_read_file(path, 1 << 20, &css, &err) == -1) {
		free(path);
		wm_web_error(w, 404, "There is no such page.");
		return -1;
	}
	free(path);
	wm_web_header(w, "Cache-Control", "max-age=3600", &err);
	rc = wm_web_send(w, "text/css; charset=utf-8", NULL, NULL, css.data,
	    css.len, &err);
	wm_buf_free(&css);
	return rc;
}

static const struct wm_route routes[] = {
	{ "GET",  "/static/portal.css",	r_css },
	{ "GET",  "/",			r_root },
	{ "GET",  "/login",		r_login_form },
	{ "POST", "/login",		r_login },
	{ "POST", "/logout",		r_logout },
	{ "GET",  "/totp",		r_totp_form },
	{ "POST", "/totp",		r_totp },
	{ "GET",  "/signup",		r_signup_form },
	{ "POST", "/signup",		r_signup },
	{ "GET",  "/reset",		r_reset_form },
	{ "POST", "/reset",		r_reset },
	{ "GET",  "/settings",		r_settings },
	{ "POST", "/settings/password",	r_password },
	{ "POST", "/settings/totp/begin", r_totp_begin },
	{ "POST", "/settings/totp/confirm", r_totp_confirm },
	{ "POST", "/settings/totp/disable", r_totp_disable },
	{ "GET",  "/inbox",		r_inbox },
	{ "POST", "/inbox/delete",	r_inbox_delete },
	{ "GET",  "/sent",		r_sent },
	{ "POST", "/sent/delete",	r_sent_delete },
	{ "GET",  "/msg/#",		r_msg },
	{ "GET",  "/msg/#/body",	r_msg_body },
	{ "GET",  "/msg/#/part/#",	r_msg_part },
	{ "GET",  "/msg/#/eml",		r_msg_eml },
	{ "GET",  "/compose",		r_compose_form },
	{ "POST", "/compose",		r_compose, 1 },
	{ "GET",  "/reply/#",		r_reply_form },
	{ "POST", "/reply/#",		r_reply, 1 },
	{ NULL,   NULL,			NULL }
};

/* ---- the request ---- */

/* "/portal/inbox" and "/inbox" are the same page: the server may strip it. */
static void
strip_base(struct wm_web *w)
{
	const char *path = wm_web_path(w);
	size_t n = strlen(BASE);

	char *rest;

	if (strncmp(path, BASE, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return;
	/* A copy: path points into the value being replaced. */
	if ((rest = strdup(path[n] == '\0' ? "/" : path + n)) == NULL)
		return;
	wm_web_set(w, "CGI.PathInfo", rest);
	free(rest);
}

/* Configuration and database: once per process, again after a failure. */
static int
open_instance(struct portal *p, struct wm_err *err)
{
	if (p->db != NULL)
		return 0;
	wm_config_free(p->cfg);
	if ((p->cfg = wm_config_load(NULL, err)) == NULL)
		return -1;
	wm_log_file(wm_config_path(p->cfg, "log"));
	p->db = wm_db_open(wm_config_path(p->cfg, "database"), WM_DB_NOKEYS,
	    err);
	if (p->db == NULL)
		return -1;
	/* The portal parses hostile input: its connection sees no key. */
	if (wm_db_deny_secrets(p->db, err) == -1) {
		wm_db_close(p->db);
		p->db = NULL;
		return -1;
	}
	return 0;
}

static void
close_instance(struct portal *p)
{
	wm_db_close(p->db);
	wm_config_free(p->cfg);
	p->db = NULL;
	p->cfg = NULL;
}

/*
 * Limits of the body by route: before login a small form; uploads only on
 * the routes that take them, after login.
 */
static int
body_limits(struct portal *p, struct wm_web_limits *lim, struct wm_err *err)
{
	const struct wm_route *r = wm_web_route(p->w, routes);
	long long max;

	lim->uploads = 0;
	if (!logged_in(p)) {
		lim->max_body = WM_WEB_ANON_BODY;
		lim->max_fields = WM_WEB_ANON_FIELDS;
		return 0;
	}
	lim->max_body = WM_WEB_FORM_BODY;
	lim->max_fields = WM_WEB_MAX_FIELDS;
	if (r == NULL || !r->uploads)
		return 0;
	if (wm_pref_user_num(p->db, p->sess->principal, "max-attachment-size",
	    &max, err) == -1)
		return -1;
	/* Room for the largest attachment, base64 on the way, and the rest. */
	lim->uploads = 1;
	lim->max_body = (size_t)(max > 0 ? max : 10485760LL) * 2 + 1048576;
	return 0;
}

/* Templates and the request body; answers a refused request itself. */
static int
read_request(struct portal *p, struct wm_err *err)
{
	const char *tdir = wm_config_path(p->cfg, "templates");
	struct wm_web_limits lim;
	char *html;

	html = wm_asprintf("%s/html", tdir ? tdir : "/usr/share/wm/templates");
	if (html == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_web_set(p->w, "hdf.loadpaths.0", html);
	free(html);
	strip_base(p->w);
	if (body_limits(p, &lim, err) == -1)
		return -1;
	return wm_web_parse_limits(p->w, &lim, err);
}

/*
 * Forgets everything of the request, so a FastCGI process serves the next
 * one (maybe of another user) as a fresh CGI would: only the configuration
 * and the database handle stay.
 */
static void
end_request(struct portal *p, int failed)
{
	wm_session_free(p->sess);
	wm_free_secret(p->sid);
	p->sess = NULL;
	p->sid = NULL;
	explicit_bzero(p->pre, sizeof(p->pre));
	p->expired = 0;
	wm_web_free(p->w);
	p->w = NULL;
	/* A handler that failed inside a transaction must not leave it open. */
	if (p->db != NULL && !sqlite3_get_autocommit(wm_db_handle(p->db)))
		wm_db_rollback(p->db);
	if (failed)
		close_instance(p);
}

static void
serve(struct portal *p)
{
	struct wm_err err;
	int failed = 0;

	if ((p->w = wm_web_new(NULL, &err)) == NULL) {
		wm_log_err(&err);
		wm_web_fatal();
		return;
	}
	if (open_instance(p, &err) == -1 || load_session(p, &err) == -1) {
		wm_log_err(&err);
		wm_web_error(p->w, 503, MSG_TRY_LATER);
		failed = 1;
	} else if (read_request(p, &err) == -1) {
		/* A refused request is the client's doing, not the box's. */
		if (err.code == EX_DATAERR)
			wm_log(LOG_NOTICE, "%s", err.msg);
		else
			wm_log_err(&err);
		wm_web_error(p->w, 503, MSG_TRY_LATER);	/* unless answered */
	} else {
		load_pre_token(p);
		wm_web_set(p->w, "Page.base", BASE);
		wm_web_set(p->w, "Page.csrf", csrf_token(p));
		wm_web_dispatch(p->w, routes, csrf_token(p), p);
		wm_web_error(p->w, 500, MSG_TRY_LATER);	/* no answer yet */
	}
	end_request(p, failed);
}

static void
serve_one(void *ctx)
{
	serve(ctx);
}

static void
after_one(void *ctx)
{
	reset_send(ctx);
}

static void
close_one(void *ctx)
{
	close_instance(ctx);
}

int
main(int argc, char **argv)
{
	struct portal p;
	struct wm_web_app app = { "WM_PORTAL_REQUESTS", FCGI_REQUESTS,
	    serve_one, close_one, &p, after_one };

	memset(&p, 0, sizeof(p));
	wm_log_open("portal.cgi");
	wm_log_stderr(0);
	return wm_web_main(&app, argc, argv, environ);
}
