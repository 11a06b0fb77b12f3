/*
 * smtp.h - an SMTP client (RFC 5321) for the one server the box talks to
 * itself: the submission listener of its own Postfix ([listen] submit).
 * One session carries many mails, as the notice sender submits them; a mail
 * is Postfix's once the reply to its final dot is 250, and only then may
 * the caller forget it.
 *
 * Outcomes, as err codes: EX_TEMPFAIL for everything a later try can fix
 * (no listener, a timeout, a 4xx, a refusal by policy such as 5.7.1, which
 * is a configuration to repair rather than a verdict on the mail);
 * EX_DATAERR for replies that no retry changes: a refused address (5.1.x),
 * a mail too big (5.3.4), content the listener will not take (5.6.x, or
 * UTF-8 to a listener that does not offer SMTPUTF8).
 */
#ifndef WM_SMTP_H
#define WM_SMTP_H

#include <stddef.h>

struct wm_err;
struct wm_smtp;

/* A session to host:port (numeric host); connects on the first send. */
struct wm_smtp *wm_smtp_new(const char *hostport, struct wm_err *);
/*
 * Submits mail (LF or CRLF line ends) from sender ("" for the null sender)
 * to recipients (NULL-terminated): all of them or none.  After a failed
 * connection every later send of the session fails the same way at once,
 * so a pass over a queue does not knock on a closed port per mail.
 */
int	 wm_smtp_send(struct wm_smtp *, const char *sender,
	    const char *const *recipients, const void *mail, size_t len,
	    struct wm_err *);
/* 1 when the session could not connect: the listener is down. */
int	 wm_smtp_down(const struct wm_smtp *);
/* QUIT (when connected) and free; NULL is fine. */
void	 wm_smtp_free(struct wm_smtp *);

#endif
