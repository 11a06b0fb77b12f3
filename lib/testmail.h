/*
 * testmail.h - the guide's "Compose test email" (11): a mail an
 * administrator writes to test the gateway settings, built with GMime
 * (UTF-8 names and subject encoded as RFC 2047, the body as UTF-8 text) and
 * handed to the instance's Postfix with wm_sendmail.  Every header field is
 * checked on its own: CR or LF anywhere, or an address that does not parse,
 * fails with EX_DATAERR naming that field, and nothing is sent.
 */
#ifndef WM_TESTMAIL_H
#define WM_TESTMAIL_H

struct wm_config;
struct wm_err;

#define WM_TESTMAIL_BODY_MAX	4096	/* characters (the guide) */

/* The form's fields; NULL or "" where not given. */
struct wm_testmail {
	const char	*to, *cc, *bcc;	/* comma-separated, display names allowed */
	const char	*from;		/* From header */
	const char	*sender;	/* envelope sender; "" the null sender */
	const char	*subject;
	const char	*headers;	/* "Name: value" lines */
	const char	*body;
};

/* The fields in the order a form shows them, for field-by-field errors. */
enum wm_testmail_field {
	WM_TM_TO, WM_TM_CC, WM_TM_BCC, WM_TM_FROM, WM_TM_SENDER, WM_TM_SUBJECT,
	WM_TM_HEADERS, WM_TM_BODY, WM_TM_COUNT
};
const char *wm_testmail_field_name(enum wm_testmail_field);	/* "to", ... */

/*
 * Checks every field: 0 when all are right, else -1 with the first wrong
 * one's message in err and, per field, errs[i].code != 0 (errs may be NULL).
 */
int	 wm_testmail_check(const struct wm_testmail *, struct wm_err errs[WM_TM_COUNT],
	    struct wm_err *);
/* Checks, builds and submits; *message_id (may be NULL) gets its id (malloc'd). */
int	 wm_testmail_send(struct wm_config *, const struct wm_testmail *,
	    char **message_id, struct wm_err *);

#endif
