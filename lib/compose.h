/*
 * compose.h - mail written in the portal: a reply, a reply to all, or new
 * mail, built with GMime (UTF-8 text in quoted-printable, attachments in
 * base64 with RFC 2231 file names), submitted through Postfix's sendmail
 * (wm_sendmail) and kept in the user's Sent folder.
 *
 * Every field the user types is checked here, not in the portal: CR or LF in
 * a header field, an address wm_address_normalize() refuses, or attachments
 * over max-attachment-size fail with EX_DATAERR and a message meant for the
 * user.
 */
#ifndef WM_COMPOSE_H
#define WM_COMPOSE_H

#include <stddef.h>

struct wm_buf;
struct wm_config;
struct wm_db;
struct wm_err;
struct wm_view;
struct wm_compose;

/* from: the signed-in user's address (From and envelope sender). */
struct wm_compose *wm_compose_new(const char *from, struct wm_err *);
void	 wm_compose_free(struct wm_compose *);

/*
 * Limit on the attachments of one mail in bytes, each and all together
 * (0: none; the default until set).  wm_compose_send() applies the user's
 * max-attachment-size itself.
 */
void	 wm_compose_set_max_attachment(struct wm_compose *, long long bytes);
/* The user's max-attachment-size setting (0: no limit); -1 when unreadable. */
int	 wm_compose_max_attachment(struct wm_db *, const char *user,
	    long long *bytes, struct wm_err *);

/*
 * Prepares a reply to orig: To = its Reply-To or else From, with all set
 * Cc = its To and Cc without the user and without To; Subject with one
 * "Re: "; In-Reply-To and References; the original quoted as body.  Call
 * it on the form page to prefill the fields, and again on the POST (the
 * typed fields then replace the prefilled ones) so In-Reply-To and
 * References come from the stored mail, never from the browser.
 */
int	 wm_compose_reply(struct wm_compose *, const struct wm_view *orig, int all,
	    struct wm_err *);

/*
 * The fields as typed.  To and Cc are comma-separated lists of addresses
 * with optional display names ("Alice <alice@example.com>, bob@example.com").
 */
int	 wm_compose_set_to(struct wm_compose *, const char *, struct wm_err *);
int	 wm_compose_set_cc(struct wm_compose *, const char *, struct wm_err *);
int	 wm_compose_set_subject(struct wm_compose *, const char *, struct wm_err *);
int	 wm_compose_set_body(struct wm_compose *, const char *, struct wm_err *);
/*
 * Adds an attachment (data copied).  filename may carry a browser's path
 * (only its last component is kept); content_type NULL: guessed from the
 * name and bytes, else application/octet-stream.
 */
int	 wm_compose_attach(struct wm_compose *, const char *filename,
	    const char *content_type, const void *data, size_t len,
	    struct wm_err *);

/* The current fields, to fill the form ("" when unset, never NULL). */
const char *wm_compose_to(const struct wm_compose *);
const char *wm_compose_cc(const struct wm_compose *);
const char *wm_compose_subject(const struct wm_compose *);
const char *wm_compose_body(const struct wm_compose *);
int	 wm_compose_is_reply(const struct wm_compose *);

/*
 * The mail ready for submission (Message-ID and Date set), appended to out.
 * EX_DATAERR when there is no recipient.
 */
int	 wm_compose_build(struct wm_compose *, struct wm_buf *out, struct wm_err *);
/* Canonical addresses of To and Cc, NULL-terminated; valid until the next set. */
const char *const *wm_compose_recipients(const struct wm_compose *);

/*
 * Builds, checks the user's max-attachment-size (and compose-allowed when
 * this is not a reply: EX_NOPERM), submits with wm_sendmail and stores a
 * copy in the user's Sent folder (maildir + index row, folder "sent",
 * seen).  *sent_id (may be NULL) gets the index row id, 0 when the copy
 * could not be kept: the mail has left then, so that is logged, not failed.
 */
int	 wm_compose_send(struct wm_config *, struct wm_db *, struct wm_compose *,
	    long long *sent_id, struct wm_err *);

#endif
