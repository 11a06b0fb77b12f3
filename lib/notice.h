/*
 * notice.h - the notice queue.  Whoever decides that someone must be told
 * (a delivery, the portal's reset page) writes a row, inside its own
 * transaction when it has one, so the decision and the notice commit or roll
 * back together.  One sender (wm-notify serve, or flush) renders and submits
 * the rows through notify.c and marks a row sent only after Postfix took the
 * mail: a crash between the two may send a notice twice, never zero times.
 */
#ifndef WM_NOTICE_H
#define WM_NOTICE_H

#include <stddef.h>
#include <time.h>

struct wm_config;
struct wm_db;
struct wm_err;

enum wm_notice_kind {
	WM_NOTICE_NEW_MAIL,	/* invitation or new-message notification */
	WM_NOTICE_SIGNUP,	/* an invitation now */
	WM_NOTICE_RESET,	/* a password reset link (or an invitation) */
	WM_NOTICE_OVER_QUOTA,	/* sender and postmaster: mailbox full */
	WM_NOTICE_POSTMASTER	/* a refused tunnel, or a notice given up */
};

struct wm_notice {
	enum wm_notice_kind	 kind;
	const char		*address;	/* whom it concerns ("" postmaster) */
	const char		*sender;	/* over quota: original sender */
	const char		*subject;	/* over quota: original subject */
	const char		*reason;	/* postmaster: why */
	const void		*body;		/* postmaster: the mail (may be NULL) */
	size_t			 len;
};

/* "new-mail" and so on, as the queue stores it; -1 for an unknown name. */
int	 wm_notice_kind_parse(const char *, enum wm_notice_kind *);
const char *wm_notice_kind_name(enum wm_notice_kind);

/* Queues one notice; joins the caller's transaction if one is open. */
int	 wm_notice_queue(struct wm_db *, const struct wm_notice *, struct wm_err *);

/* Default seconds new-mail notices to one address wait to be merged. */
#define WM_NOTICE_WINDOW	5

struct wm_notice_stats {
	long long	 sent;		/* rows marked sent (merged rows count) */
	long long	 mails;		/* mails submitted */
	long long	 deferred;	/* submission failed; kept for later */
	long long	 failed;	/* given up (permanent); postmaster told */
	long long	 waiting;	/* not yet due (merge window, backoff) */
	long long	 indexed;	/* stored mails whose headers were decoded */
};

/*
 * The sending side (notice_send.c).  One pass: first the headers of mail
 * stored since the last pass are decoded (index.h), then the due notices.
 * New-mail notices to one address wait until the oldest is window seconds
 * old and then go out as one mail, except for a user without a password
 * (an invitation: nothing to merge).  A temporary failure keeps the row with a growing delay; a permanent one (a notice that
 * cannot be rendered or encoded, a user who is gone) marks it failed and
 * queues a report to the postmaster.  -1 only when the queue cannot be read.
 */
int	 wm_notice_flush(struct wm_config *, struct wm_db *, time_t window,
	    struct wm_notice_stats *, struct wm_err *);
/*
 * wm-notify serve: flushes every interval seconds until *stop is set (by a
 * signal handler).  A pass that fails (database busy) is logged and tried
 * again; only the caller's stop ends the loop.
 */
int	 wm_notice_serve(struct wm_config *, struct wm_db *, time_t window,
	    unsigned interval_ms, volatile int *stop, struct wm_err *);
/* Rows neither sent nor failed; -1 on error. */
long long wm_notice_pending(struct wm_db *, struct wm_err *);

#endif
