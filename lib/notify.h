/*
 * notify.h - what to tell whom: sign-up invitations, new-message
 * notifications, password reset mails, over-quota notices, postmaster reports
 * and read receipts, rendered from ClearSilver mail templates and submitted
 * through Postfix's sendmail.  Every mail carries the system-mail header.
 */
#ifndef WM_NOTIFY_H
#define WM_NOTIFY_H

#include <stddef.h>

struct wm_config;
struct wm_db;
struct wm_err;
struct wm_message;

/*
 * Tells the recipient about new mail: an invitation (at most once per hour,
 * tracked in notices and users.last_invite) while the user has no password,
 * a new-message notification otherwise.  Links are <url>?t=<token>.  A
 * failed submission gives the hour back and is EX_TEMPFAIL.
 */
int	 wm_notify_new_mail(struct wm_config *, struct wm_db *, const char *address,
	    struct wm_err *);
/* An invitation now, whatever the hour; EX_DATAERR once signed up. */
int	 wm_notify_signup(struct wm_config *, struct wm_db *, const char *address,
	    struct wm_err *);
/* EX_NOPERM when password-reset-enabled is off; no password: invitation. */
int	 wm_notify_password_reset(struct wm_config *, struct wm_db *,
	    const char *address, struct wm_err *);
/*
 * The same for a request anyone can make on the portal's reset page: at most
 * one mail per address every WM_RESET_EVERY seconds, so the page cannot be
 * used to flood a mailbox.  The mail is queued (notice.h), so the page
 * answers at once; *sent tells whether one was queued.
 */
#define WM_RESET_EVERY	300
int	 wm_notify_password_reset_request(struct wm_config *, struct wm_db *,
	    const char *address, int *sent, struct wm_err *);
/*
 * Tells sender and postmaster that address's mailbox is full.  This and the
 * two below use the null envelope sender, so they never bounce back.
 */
int	 wm_notify_over_quota(struct wm_config *, struct wm_db *, const char *address,
	    const char *sender, const char *subject, struct wm_err *);
/* Sends the whole tunnel mail to the postmaster with the reason. */
int	 wm_notify_postmaster(struct wm_config *, struct wm_db *, const char *reason,
	    const void *mail, size_t len, struct wm_err *);
/* RFC 8098 report to the envelope sender (else From) once, when the row
 * asks for one and none was sent; marks the row receipt_sent. */
int	 wm_notify_read_receipt(struct wm_config *, struct wm_db *,
	    const struct wm_message *, struct wm_err *);

#endif
