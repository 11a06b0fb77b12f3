/*
 * session.h - web sessions in the sessions table: the cookie carries 256
 * random bits, only their SHA-256 is stored, so a copy of the database cannot
 * be used to log in.  Sessions end after an idle and an absolute timeout; a
 * login always starts a new session (no fixation); logout deletes the row.
 * A login with two-factor authentication is a session of stage "totp" until
 * the code is checked, then it is promoted under a new id.
 */
#ifndef WM_SESSION_H
#define WM_SESSION_H

#include <stddef.h>
#include <time.h>

struct wm_db;
struct wm_err;

#define WM_SESSION_ID_LEN	64	/* hex characters of the cookie value */
#define WM_SESSION_IDLE		1800	/* seconds without a request */
#define WM_SESSION_MAX		43200	/* seconds since login */
#define WM_SESSION_TOUCH	60	/* last_seen is written when this stale */

struct wm_session {
	char	 id_hash[WM_SESSION_ID_LEN + 1];
	char	 kind[8];		/* "user" or "admin" */
	char	*principal;		/* address or admin name */
	char	 csrf[WM_SESSION_ID_LEN + 1];
	char	 stage[8];		/* "full" or "totp" */
	time_t	 created;
	time_t	 last_seen;
};

void	 wm_session_free(struct wm_session *);
/*
 * Starts a session for principal at stage ("full" or "totp"); id_out gets the
 * cookie value (hex, WM_SESSION_ID_LEN + 1 bytes).
 */
struct wm_session *wm_session_create(struct wm_db *, const char *kind,
	    const char *principal, const char *stage, char *id_out,
	    struct wm_err *);
/*
 * The live session of this kind for a cookie value, touching last_seen
 * when it is WM_SESSION_TOUCH seconds old or more.
 * Unknown, malformed, idle past idle or older than max: NULL with EX_NOPERM
 * (an expired row is deleted).
 */
struct wm_session *wm_session_get(struct wm_db *, const char *kind,
	    const char *id, long idle, long max, struct wm_err *);
/* Promotes a "totp" session to "full" under a new id (written to id_out). */
int	 wm_session_promote(struct wm_db *, struct wm_session *, char *id_out,
	    struct wm_err *);
/* Deletes the session of this cookie value (logout). */
int	 wm_session_delete(struct wm_db *, const char *id, struct wm_err *);
/* Deletes every session of a principal except keep (NULL: all). */
int	 wm_session_delete_principal(struct wm_db *, const char *kind,
	    const char *principal, const char *keep_id, struct wm_err *);
/* Removes rows past their timeouts; returns how many or -1. */
int	 wm_session_purge(struct wm_db *, long idle, long max, struct wm_err *);
/* SHA-256 hex of a cookie value, as stored. */
void	 wm_session_hash(const char *id, char *out);
/*
 * n random bytes from the kernel (getrandom(2)) for ids and tokens; fails
 * with EX_TEMPFAIL, never returns fewer.
 */
int	 wm_session_random(void *, size_t n, struct wm_err *);

#endif
