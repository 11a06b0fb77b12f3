/*
 * websession.h - the session and the pre-login form token a request's
 * cookies name, shared by the portal and the admin console.
 */
#ifndef WM_WEBSESSION_H
#define WM_WEBSESSION_H

#include "db.h"
#include "err.h"
#include "session.h"
#include "web.h"

/* Where a request's session cookie lives and how long a session lasts. */
struct wm_web_cookies {
	const char	*kind;		/* sessions.kind: "user", "admin" */
	const char	*session;	/* cookie names */
	const char	*pre;
	const char	*path;		/* cookie path */
	long		 idle;		/* seconds */
	long		 max;
};

/*
 * Loads the live session the session cookie names into *sess (its cookie
 * value into *sid).  A cookie naming no live session is cleared and
 * *expired set.  0: no session; 1: loaded; -1 only when the database
 * failed, so that a busy database logs nobody out.
 */
int	 wm_web_session_load(struct wm_web *, struct wm_db *,
	    const struct wm_web_cookies *, struct wm_session **sess,
	    char **sid, int *expired, struct wm_err *);

/*
 * The double-submit token of forms shown before login, into pre (kept when
 * already set): the pre cookie's value, or a fresh one sent as that cookie.
 */
void	 wm_web_pre_token(struct wm_web *, const struct wm_web_cookies *,
	    char pre[WM_SESSION_ID_LEN + 1]);

#endif
