/*
 * admin_admins.c - the Admin pages for the administrators themselves: the
 * list of admins with add, enable, disable, delete and reset two-factor
 * (what wm-admin does, through the same wm_admin_* calls), and the own
 * account: two-factor enrolment with a QR code and a confirming code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admins.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "totp.h"
#include "util.h"

#define ISSUER	"Secure Webmail Admin"

struct listing {
	struct admin	*a;
	int		 n;
};

static int
row(const struct wm_admin *ad, void *arg)
{
	struct listing *l = arg;
	char key[64], t[32];

#define SET(field, v) do { \
		snprintf(key, sizeof(key), "Admins.rows.%d." field, l->n); \
		wm_web_set(l->a->w, key, v); } while (0)
	SET("name", ad->name);
	SET("enabled", ad->enabled ? "1" : "");
	SET("totp", ad->totp ? "1" : "");
	SET("must_change", ad->must_change ? "1" : "");
	if (ad->last_login) {
		wm_time_format(ad->last_login, t, sizeof(t));
		SET("last_login", t);
	}
#undef SET
	l->n++;
	return 0;
}

static int
admins_page(struct admin *a)
{
	struct listing l = { a, 0 };
	struct wm_err err;

	if (wm_admin_foreach(a->db, row, &l, &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Admins.me", admin_name(a));
	return admin_page(a, "admins.cs", "Administrators", "Who may log in to "
	    "this console. The last enabled administrator can be neither "
	    "deleted nor disabled.");
}

static int
r_admins(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "done") != NULL)
		wm_web_set(a->w, "Page.notice", "Done.");
	return admins_page(a);
}

static int
r_add(struct admin *a, const long long *args)
{
	const char *name = wm_web_param(a->w, "name");
	const char *pw = wm_web_param(a->w, "password");
	char object[WM_ADMIN_NAME_MAX + 8];
	struct wm_err err;

	if (wm_admin_add(a->db, name ? name : "", pw ? pw : "", 1, &err) == -1) {
		if (err.code != EX_DATAERR)
			return admin_fail(a, &err);
		admin_form_error(a, strstr(err.msg, "password") ? "password" :
		    "name", err.msg);
		wm_web_set(a->w, "Form.name", name);
		return admins_page(a);
	}
	snprintf(object, sizeof(object), "admin %s", name);
	admin_audit(a, "admin-add", object, NULL, "enabled, must change password");
	return admin_redirect(a, "/admins?done=1");
}

/* One change to a named admin: enable, disable, delete, reset-2fa. */
static int
change(struct admin *a, const char *action)
{
	const char *name = wm_web_param(a->w, "name");
	char object[WM_ADMIN_NAME_MAX + 8], q[160];
	struct wm_err err;
	int rc;

	if (name == NULL || wm_admin_name_ok(name, &err) == -1)
		return admin_error(a, 400, "No such administrator.");
	if (strcmp(action, "admin-delete") == 0) {
		snprintf(q, sizeof(q), "Delete the administrator %s?", name);
		if (!admin_confirmed(a, q, "Delete"))
			return 0;
		rc = wm_admin_delete(a->db, name, &err);
	} else if (strcmp(action, "admin-reset-2fa") == 0)
		rc = wm_admin_reset_totp(a->db, name, &err);
	else
		rc = wm_admin_set_enabled(a->db, name,
		    strcmp(action, "admin-enable") == 0, &err);
	if (rc == -1)
		return admin_fail(a, &err);
	snprintf(object, sizeof(object), "admin %s", name);
	admin_audit(a, action, object, NULL, NULL);
	return admin_redirect(a, "/admins?done=1");
}

static int
r_enable(struct admin *a, const long long *args)
{
	return change(a, "admin-enable");
}

static int
r_disable(struct admin *a, const long long *args)
{
	return change(a, "admin-disable");
}

static int
r_delete(struct admin *a, const long long *args)
{
	return change(a, "admin-delete");
}

static int
r_reset(struct admin *a, const long long *args)
{
	return change(a, "admin-reset-2fa");
}

/* ---- the own account: two-factor enrolment ---- */

static int
account_page(struct admin *a, const char *secret)
{
	struct wm_admin ad;
	struct wm_err err;
	char *uri, *qr;

	if (wm_admin_get(a->db, admin_name(a), &ad, &err) == -1)
		return admin_fail(a, &err);
	if (ad.totp)
		wm_web_set(a->w, "Account.totp", "1");
	if (secret != NULL) {
		uri = wm_totp_uri(ISSUER, admin_name(a), secret);
		qr = uri ? wm_totp_qr_data_uri(uri, &err) : NULL;
		wm_web_set(a->w, "Account.secret", secret);
		wm_web_set(a->w, "Account.qr", qr);
		free(uri);
		free(qr);
	}
	return admin_page(a, "account.cs", "Your account", "Your password and "
	    "two-factor login.");
}

static int
r_account(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "done") != NULL)
		wm_web_set(a->w, "Page.notice", "Two-factor login is on.");
	return account_page(a, NULL);
}

static int
r_totp_begin(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *secret;
	int rc;

	if ((secret = wm_admin_totp_begin(a->db, admin_name(a), &err)) == NULL)
		return admin_fail(a, &err);
	rc = account_page(a, secret);
	wm_free_secret(secret);
	return rc;
}

static int
r_totp_confirm(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *secret;
	int rc;

	if (wm_admin_totp_confirm(a->db, admin_name(a),
	    wm_web_param(a->w, "code"), &err) == 0) {
		admin_audit(a, "admin-totp-enable", admin_name(a), NULL, "on");
		return admin_redirect(a, "/account?done=1");
	}
	if (err.code != EX_DATAERR)
		return admin_fail(a, &err);
	admin_form_error(a, "code", err.msg);
	if ((secret = wm_admin_totp_pending(a->db, admin_name(a), &err)) == NULL)
		return admin_fail(a, &err);
	rc = account_page(a, secret);
	wm_free_secret(secret);
	return rc;
}

const struct admin_route admin_admins_routes[] = {
	{ "GET",  "/admins",		r_admins,	ADMIN_LOGIN, 0 },
	{ "POST", "/admins/add",	r_add,		ADMIN_LOGIN, 0 },
	{ "POST", "/admins/enable",	r_enable,	ADMIN_LOGIN, 0 },
	{ "POST", "/admins/disable",	r_disable,	ADMIN_LOGIN, 0 },
	{ "POST", "/admins/delete",	r_delete,	ADMIN_LOGIN, 0 },
	{ "POST", "/admins/reset-2fa",	r_reset,	ADMIN_LOGIN, 0 },
	{ "GET",  "/account",		r_account,	ADMIN_LOGIN, 0 },
	{ "POST", "/account/totp/begin", r_totp_begin,	ADMIN_LOGIN, 0 },
	{ "POST", "/account/totp/confirm", r_totp_confirm, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_admins_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Administrators", "/admins" },
	{ ADMIN_SECTION_ADMIN, "Your account", "/account" },
	ADMIN_MENU_END
};
