/*
 * prefsform.h - the settings as the console's forms see them: which page and
 * group a setting belongs to (guide figures 13-15, 18), whether it hides
 * behind "show advanced settings", its value at one scope with what it would
 * inherit, and a whole form applied at once: every field validated first,
 * then all of it in one transaction, or nothing.  wm-prefs apply and
 * admin.cgi both call wm_prefs_apply.
 */
#ifndef WM_PREFSFORM_H
#define WM_PREFSFORM_H

#include <stddef.h>

#include "err.h"
#include "prefs.h"

struct wm_db;

enum wm_pref_page {
	WM_PREF_PAGE_GENERAL = 0,	/* figure 13 (and 18 for domain/user) */
	WM_PREF_PAGE_QUOTA,		/* figure 14 */
	WM_PREF_PAGE_WEBMAIL		/* figure 15, global only */
};

enum wm_pref_page wm_pref_page_of(const struct wm_pref_def *);
/* "general", "quota", "webmail"; -1 from parse for another word. */
const char *wm_pref_page_name(enum wm_pref_page);
int	 wm_pref_page_parse(const char *, enum wm_pref_page *);
/* Shown only after "show advanced settings". */
int	 wm_pref_advanced(const struct wm_pref_def *);
/* The heading it is listed under: "General", "Post processing", ... */
const char *wm_pref_group(const struct wm_pref_def *);
/* The label of the guide: "Min. password strength" (static storage). */
const char *wm_pref_label(const struct wm_pref_def *);
/* The setting may be set at scope. */
int	 wm_pref_allowed(const struct wm_pref_def *, enum wm_scope);

/* One field of a form at one scope. */
struct wm_pref_view {
	const struct wm_pref_def *def;
	char		*own;		/* set at exactly this scope; NULL: inherit */
	char		*inherited;	/* what it is without own */
	enum wm_scope	 inherited_from;
};

/*
 * Fills v for def at scope/owner (GLOBAL: owner NULL).  A lookup error is
 * -1, never a default.  Free the strings with wm_pref_view_clear.
 */
int	 wm_pref_view_get(struct wm_db *, enum wm_scope, const char *owner,
	    const struct wm_pref_def *, struct wm_pref_view *, struct wm_err *);
void	 wm_pref_view_clear(struct wm_pref_view *);

/* The domains that have settings of their own, in order (at most 1000). */
int	 wm_prefs_domains(struct wm_db *, int (*fn)(const char *domain, void *),
	    void *arg, struct wm_err *);

/* One field of a submitted form. */
struct wm_pref_change {
	const char	*name;
	const char	*value;		/* NULL: inherit (remove the row) */
	struct wm_err	 err;		/* why this field was refused */
	int		 changed;	/* set by apply: it differed and was written */
};

/*
 * Validates every change (name known, allowed at scope, value valid) and
 * fills the err of each bad one; if any is bad, writes nothing and returns
 * -1 with EX_DATAERR.  Otherwise writes the changes that differ from what is
 * stored in one transaction, each audited with actor, client (NULL for a
 * program), the setting and scope, the old and the new value (a secret
 * masked).
 */
int	 wm_prefs_apply(struct wm_db *, const char *actor, const char *client,
	    enum wm_scope, const char *owner, struct wm_pref_change *, size_t n,
	    struct wm_err *);

#endif
