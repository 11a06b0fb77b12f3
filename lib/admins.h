/*
 * admins.h - the administrators of the console (guide 2): accounts in the
 * admins table, their passwords (the box's strength rules), enabled or not,
 * optional two-factor login (TOTP), and the login decision.  A fresh box has
 * one administrator "admin" with password "admin" (the guide), marked
 * must-change: the console opens no page but the change page until a new
 * password is chosen.  The last enabled administrator can be neither
 * deleted nor disabled, so the box never locks its owners out.
 */
#ifndef WM_ADMINS_H
#define WM_ADMINS_H

#include <time.h>

struct wm_db;
struct wm_err;

#define WM_ADMIN_NAME_MAX	64
#define WM_ADMIN_DEFAULT	"admin"		/* name and password of a fresh box */

struct wm_admin {
	char	 name[WM_ADMIN_NAME_MAX + 1];
	int	 enabled;
	int	 must_change;		/* next login goes to the change page */
	int	 totp;			/* two-factor login on */
	time_t	 created;
	time_t	 last_login;		/* 0: never */
	time_t	 password_changed;	/* 0: never since created */
};

/* What a login attempt comes to; one name table for logs (wm_admin_login_name). */
enum wm_admin_login {
	WM_ADMIN_LOGIN_OK,		/* full session */
	WM_ADMIN_LOGIN_NEED_TOTP,	/* password right, code still needed */
	WM_ADMIN_LOGIN_MUST_CHANGE,	/* right, but only the change page opens */
	WM_ADMIN_LOGIN_BAD,		/* unknown name or wrong password: one answer */
	WM_ADMIN_LOGIN_THROTTLED,	/* too many failures for name or address */
	WM_ADMIN_LOGIN_DISABLED,	/* right password, account disabled */
	WM_ADMIN_LOGIN_ERROR		/* database: err says what, try later */
};
const char *wm_admin_login_name(enum wm_admin_login);

/* 0 when name is a valid admin name ([A-Za-z0-9._@+-], 1-64), else EX_DATAERR. */
int	 wm_admin_name_ok(const char *name, struct wm_err *);

/* One admin into *out; EX_NOUSER when there is none of that name. */
int	 wm_admin_get(struct wm_db *, const char *name, struct wm_admin *out,
	    struct wm_err *);
/* Calls fn for every admin by name; fn returning -1 stops with -1. */
int	 wm_admin_foreach(struct wm_db *, int (*fn)(const struct wm_admin *,
	    void *), void *arg, struct wm_err *);

/*
 * Adds an admin.  The password must pass the box's rules unless
 * must_change (a first password handed over, to be changed at login).
 * EX_DATAERR: bad name, weak password or the name exists.
 */
int	 wm_admin_add(struct wm_db *, const char *name, const char *password,
	    int must_change, struct wm_err *);
/* The default admin/admin of a fresh box, when there is no admin at all. */
int	 wm_admin_add_default(struct wm_db *, struct wm_err *);
/* EX_NOUSER unknown; EX_NOPERM when it is the last enabled admin. */
int	 wm_admin_delete(struct wm_db *, const char *name, struct wm_err *);
/* EX_NOPERM when disabling the last enabled admin. */
int	 wm_admin_set_enabled(struct wm_db *, const char *name, int enabled,
	    struct wm_err *);
/*
 * Checks the box's rules (and that it is not the default password) and
 * stores the password, clearing must-change.  EX_DATAERR names the rule.
 */
int	 wm_admin_set_password(struct wm_db *, const char *name,
	    const char *password, struct wm_err *);
/* Turns two-factor login off (a lost device). */
int	 wm_admin_reset_totp(struct wm_db *, const char *name, struct wm_err *);
/* Starts enrolment: a new pending secret (malloc'd, base32). */
char	*wm_admin_totp_begin(struct wm_db *, const char *name, struct wm_err *);
/* The pending secret, to show again (malloc'd); EX_NOINPUT when none. */
char	*wm_admin_totp_pending(struct wm_db *, const char *name, struct wm_err *);
/* Turns it on when code matches the pending secret; EX_DATAERR when not. */
int	 wm_admin_totp_confirm(struct wm_db *, const char *name, const char *code,
	    struct wm_err *);

/*
 * The login decision for name and password from client address addr:
 * throttling per account and per address first, then the password (the
 * same BAD for an unknown name), then disabled, must-change and TOTP.
 * A success clears the account's failures and records last_login.
 */
enum wm_admin_login wm_admin_login(struct wm_db *, const char *name,
	    const char *password, const char *addr, struct wm_err *);
/* The second step: OK when code is current and unused, else BAD/THROTTLED. */
enum wm_admin_login wm_admin_login_totp(struct wm_db *, const char *name,
	    const char *code, const char *addr, struct wm_err *);

/*
 * 1 when an enabled admin still has the default password "admin" (wm-ctl
 * status and make demo say so), 0 when not, -1 on error.
 */
int	 wm_admin_default_password_set(struct wm_db *, struct wm_err *);

#endif
