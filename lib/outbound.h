/*
 * outbound.h - the one door for mail the box sends: every mail libwm
 * submits (notifications, sign-up and reset mails, read receipts, reports,
 * mail users write in the portal) goes through wm_outbound_submit, which
 * adds the post-processing header of the header-external setting (guide
 * 6.1) and hands the mail to Postfix: by default with its sendmail
 * (wm_sendmail), one run per mail; between wm_outbound_begin and
 * wm_outbound_end over one SMTP session to the submission listener of
 * [listen] submit (smtp.c), as the notice sender does.
 */
#ifndef WM_OUTBOUND_H
#define WM_OUTBOUND_H

#include <stddef.h>

struct wm_config;
struct wm_db;
struct wm_err;

/*
 * Submits mail (an RFC 5322 message with LF line ends) from sender to
 * recipients.  Every recipient is outside the box (it stores nothing it
 * sends), so header-external, when set, is added as the first header line.
 * A failed lookup of the setting, or a value that is no single header line
 * or names a header the box owns (X-WM-...), fails the submission
 * (EX_TEMPFAIL / EX_CONFIG): nothing is sent without it.
 */
int	 wm_outbound_submit(struct wm_config *, struct wm_db *,
	    const char *sender, const char *const *recipients,
	    const void *mail, size_t len, struct wm_err *);

/*
 * From now on this process submits over SMTP to [listen] submit, one
 * session for all, when that listener is set; an empty one keeps sendmail.
 * Each begin wants its end, which says QUIT.
 */
int	 wm_outbound_begin(struct wm_config *, struct wm_err *);
void	 wm_outbound_end(void);
/* 1 when the session of wm_outbound_begin found no listener to talk to. */
int	 wm_outbound_down(void);

/*
 * Submits a complete RFC 5322 mail to Postfix with sendmail -C (never SMTP
 * from here): -f sender, recipients as arguments (sendmail.c).  EX_TEMPFAIL
 * when sendmail fails, so callers like wm-deliver let Postfix retry.
 */
int	 wm_sendmail(struct wm_config *, const char *sender,
	    const char *const *recipients, const void *mail, size_t len,
	    struct wm_err *);

#endif
