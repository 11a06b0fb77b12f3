/*
 * throttle.h - login throttling: failed logins are counted per account and
 * per client address in a sliding window (table login_failures).  Past the
 * limit, logins are refused with a message saying when to try again; a
 * successful login clears the account's counter.
 */
#ifndef WM_THROTTLE_H
#define WM_THROTTLE_H

struct wm_db;
struct wm_err;

#define WM_THROTTLE_WINDOW	900	/* seconds a failure counts */
#define WM_THROTTLE_ACCOUNT	5	/* failures per account in the window */
#define WM_THROTTLE_ADDRESS	20	/* per client address: many users, one NAT */

/*
 * 0 when a login for account from addr may be tried; -1 with EX_TEMPFAIL
 * and "too many failed logins, try again in N minutes" when not.  Either
 * may be NULL.
 */
int	 wm_throttle_check(struct wm_db *, const char *account, const char *addr,
	    struct wm_err *);
/* Records a failed login for both keys. */
int	 wm_throttle_fail(struct wm_db *, const char *account, const char *addr,
	    struct wm_err *);
/* Clears the account counter after a successful login. */
int	 wm_throttle_success(struct wm_db *, const char *account, struct wm_err *);
/* Failures of a key ("user:ADDRESS" / "ip:ADDRESS") in the window. */
int	 wm_throttle_count(struct wm_db *, const char *key, struct wm_err *);
/* Removes failures older than the window. */
int	 wm_throttle_purge(struct wm_db *, struct wm_err *);

#endif
