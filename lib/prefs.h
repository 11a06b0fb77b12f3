/*
 * prefs.h - every setting of the guide, its built-in default, the scopes it may
 * be set at, its type and validation, and resolution user -> domain -> global
 * -> built-in default.  "inherit" means no row at that scope.
 */
#ifndef WM_PREFS_H
#define WM_PREFS_H

#include <stddef.h>

struct wm_db;
struct wm_err;

enum wm_scope {
	WM_SCOPE_BUILTIN = 0,	/* the built-in default: no row anywhere */
	WM_SCOPE_GLOBAL,
	WM_SCOPE_DOMAIN,
	WM_SCOPE_USER
};

/* Bits of wm_pref_def.scopes */
#define WM_SCOPES_GLOBAL	0x1
#define WM_SCOPES_DOMAIN	0x2
#define WM_SCOPES_USER		0x4
#define WM_SCOPES_ALL		0x7

enum wm_pref_type {
	WM_PREF_STRING, WM_PREF_BOOL, WM_PREF_INT, WM_PREF_SIZE, WM_PREF_MINUTES,
	WM_PREF_INTERVAL, WM_PREF_URL, WM_PREF_ADDRESS, WM_PREF_SECRET,
	WM_PREF_HEADER,		/* empty, or one "Name: value" header line */
	WM_PREF_CRON,		/* a Quartz cron expression (cron.h) */
	WM_PREF_STRATEGY,	/* backup file name: day-of-week, day-of-month,
				   day-of-year or timestamp */
	WM_PREF_PASSWORD	/* any password (SMB, backup): a secret that is
				   never shown, logged or audited */
};

struct wm_pref_def {
	const char		*name;		/* kebab-case label of the guide */
	enum wm_pref_type	 type;
	const char		*def;		/* built-in default, "" for none */
	int			 scopes;
	const char		*doc;		/* one line, for wm-prefs list and the man page */
};

/* Paths of the portal pages the derived URLs point at. */
#define WM_PATH_SIGNUP	"/portal/signup"
#define WM_PATH_RESET	"/portal/reset"
#define WM_PATH_LOGIN	"/portal/login"

/* "default", "global", "domain", "user". */
const char *wm_scope_name(enum wm_scope);
/* Table of all settings, ended by a NULL name. */
const struct wm_pref_def *wm_pref_defs(void);
const struct wm_pref_def *wm_pref_find(const char *name);
/* Checks value against the type (EX_DATAERR naming the problem). */
int	 wm_pref_validate(const struct wm_pref_def *, const char *value, struct wm_err *);
/*
 * The form a valid value is stored in (malloc'd): booleans "yes"/"no", sizes
 * in bytes, addresses normalised, intervals lower-cased.  NULL with
 * EX_DATAERR when the value is not valid for the type.
 */
char	*wm_pref_canonical(const struct wm_pref_def *, const char *value,
	    struct wm_err *);
/* True for SECRET and PASSWORD: the value is never shown, logged or audited. */
int	 wm_pref_is_secret(const struct wm_pref_def *);
/* "type" words used in messages, wm-prefs list and the man page. */
const char *wm_pref_type_name(enum wm_pref_type);
/*
 * Validates the owner of a scope and writes its canonical form: an address
 * for USER, a lower-case domain for DOMAIN, "" for GLOBAL.  EX_DATAERR when
 * malformed, EX_USAGE when a USER or DOMAIN owner is missing.
 */
int	 wm_pref_owner(enum wm_scope, const char *owner, char *out, size_t outlen,
	    struct wm_err *);

/*
 * Effective value at a scope: scope USER with owner = address resolves
 * user -> domain of the address -> global -> built-in; DOMAIN with owner =
 * domain resolves domain -> global -> built-in; GLOBAL with owner NULL.
 * Returns a malloc'd string (free it) and, if from is not NULL, the scope it
 * came from.  Unknown name: NULL with EX_USAGE.  Rows at scopes a setting
 * does not allow are never consulted.  signup-url, password-reset-url and
 * webmail-login-url set nowhere are derived: portal-base-url (without
 * trailing slashes) joined with WM_PATH_SIGNUP, WM_PATH_RESET, WM_PATH_LOGIN,
 * reported as coming from BUILTIN.
 */
char	*wm_pref_get(struct wm_db *, enum wm_scope, const char *owner,
	    const char *name, enum wm_scope *from, struct wm_err *);
/* Shorthands for the effective value for a user address (NULL: global). */
char	*wm_pref_user(struct wm_db *, const char *address, const char *name,
	    struct wm_err *);
/*
 * Typed effective values.  Integers as they are, sizes in bytes, minutes and
 * intervals in seconds (signup-link-validity 300 -> 18000).  Both return -1
 * with err when the lookup fails (database busy or broken: EX_TEMPFAIL) and
 * never a default in its place: the caller defers or refuses.
 */
int	 wm_pref_user_bool(struct wm_db *, const char *address, const char *name,
	    int *out, struct wm_err *);
int	 wm_pref_user_num(struct wm_db *, const char *address, const char *name,
	    long long *out, struct wm_err *);

/*
 * Sets or unsets (back to inherit) a value at exactly one scope.  Unknown
 * name or a scope the setting does not allow: EX_USAGE; bad value or owner:
 * EX_DATAERR.  Unsetting a value that is not set succeeds.
 */
int	 wm_pref_set(struct wm_db *, enum wm_scope, const char *owner,
	    const char *name, const char *value, struct wm_err *);
int	 wm_pref_unset(struct wm_db *, enum wm_scope, const char *owner,
	    const char *name, struct wm_err *);
/*
 * The same, adding an audit row naming actor in the same transaction (the
 * value of a secret is never written to the audit).
 */
int	 wm_pref_set_by(struct wm_db *, const char *actor, enum wm_scope,
	    const char *owner, const char *name, const char *value, struct wm_err *);
int	 wm_pref_unset_by(struct wm_db *, const char *actor, enum wm_scope,
	    const char *owner, const char *name, struct wm_err *);
/* Removes every setting of one user or domain (wm_user_delete). */
int	 wm_prefs_unset_owner(struct wm_db *, enum wm_scope, const char *owner,
	    struct wm_err *);

/* Generates server-secret and system-mail-secret when not set yet (wm-init). */
int	 wm_prefs_init_secrets(struct wm_db *, struct wm_err *);

/* "10485760", "10M", "1G" -> bytes. */
int	 wm_parse_size(const char *, long long *bytes);
/* "8h", "1d", "2w", "30m" -> seconds. */
int	 wm_parse_interval(const char *, long long *seconds);

#endif
