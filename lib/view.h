/*
 * view.h - one stored mail as the portal shows it: parsed with GMime from the
 * maildir file, headers decoded to UTF-8, the text body converted to UTF-8,
 * the HTML body sanitised (sanitize.h), the attachments with safe UTF-8 file
 * names, any part as its decoded bytes, and the whole mail as it was stored.
 *
 * Nothing here fails on a malformed mail: what cannot be decoded is shown as
 * well as it can be (U+FFFD for undecodable bytes, a generated file name for
 * a missing or unusable one).  Only I/O and memory errors fail.
 */
#ifndef WM_VIEW_H
#define WM_VIEW_H

#include <stddef.h>

#include "sandbox.h"
#include <time.h>

struct wm_buf;
struct wm_config;
struct wm_db;
struct wm_err;
struct wm_message;
struct wm_view;

/* Every field is valid UTF-8 and never NULL ("" when the header is absent). */
struct wm_view_headers {
	const char	*from;		/* "Name <addr>, ..." decoded */
	const char	*to;
	const char	*cc;
	const char	*reply_to;
	const char	*subject;
	const char	*date;		/* the Date header as written */
	const char	*message_id;	/* without <> */
	const char	*in_reply_to;
	const char	*references;
	time_t		 date_t;	/* 0 when missing or unparsable */
};

/* One leaf part of the mail that is not shown as the body. */
struct wm_attachment {
	int		 part;		/* number for wm_view_part() */
	const char	*filename;	/* UTF-8, no / \ or controls, never empty */
	const char	*content_type;	/* "type/subtype", lower case */
	size_t		 size;		/* decoded bytes */
	int		 is_inline;	/* Content-Disposition inline (e.g. cid: image) */
};

/* Reads and parses a stored mail (max bytes; 0: no limit). */
struct wm_view *wm_view_open(const char *path, size_t max, struct wm_err *);
/* The mail at the index row m of the maildir tree under mail_root. */
struct wm_view *wm_view_open_message(const char *mail_root,
	    const struct wm_message *m, struct wm_err *);
/* Parses bytes already in memory (copied). */
struct wm_view *wm_view_parse(const void *data, size_t len, struct wm_err *);

/*
 * What a page needs of a mail parsed in the sandbox: the headers, text,
 * parts and attachment list always; BODY adds the sanitised HTML, PART the
 * bytes of one part.
 */
enum wm_view_want { WM_VIEW_PAGE = 0, WM_VIEW_BODY, WM_VIEW_PART };
/*
 * Reads the mail of m here and parses it in a sandboxed child (sandbox.h):
 * a parser bug can crash, hang or exhaust only that child.  The view
 * answers like one parsed here, except that wm_view_header() has nothing
 * and wm_view_html()/wm_view_part() only what want asked for.  When the
 * child failed: NULL, EX_DATAERR and *outcome saying how.
 */
struct wm_view *wm_view_open_boxed(const char *mail_root,
	    const struct wm_message *, enum wm_view_want, int part,
	    enum wm_sandbox_outcome *outcome, struct wm_err *);
void	 wm_view_free(struct wm_view *);

const struct wm_view_headers *wm_view_headers(const struct wm_view *);
/* Any header of the top-level message, decoded and UTF-8; NULL when absent. */
const char *wm_view_header(const struct wm_view *, const char *name);

/* The text/plain body in UTF-8, NULL when the mail has none. */
const char *wm_view_text(const struct wm_view *);
/* 1 when the mail has an HTML body. */
int	 wm_view_has_html(const struct wm_view *);
/*
 * Appends the HTML body as a sanitised, complete document (cid: images
 * inlined as data: URLs) to out; *blocked (may be NULL) gets how many remote
 * resources were removed.  EX_NOINPUT when there is no HTML body.  Serve it
 * with Content-Security-Policy: wm_sanitize_csp().
 */
int	 wm_view_html(const struct wm_view *, struct wm_buf *out, int *blocked,
	    struct wm_err *);

/* The attachments, in the order of the mail. */
const struct wm_attachment *wm_view_attachments(const struct wm_view *, size_t *n);
/*
 * Part number n (any leaf, body parts included) as its decoded bytes.
 * *content_type (may be NULL) gets "type/subtype" plus a charset parameter
 * for text parts; *filename (may be NULL) the safe file name; both stay
 * owned by the view.  EX_NOINPUT when there is no part n.
 */
int	 wm_view_part(const struct wm_view *, int n, struct wm_buf *out,
	    const char **content_type, const char **filename, struct wm_err *);

/* The mail exactly as the gateway sent it (CR given back where stored LF). */
const void *wm_view_raw(const struct wm_view *, size_t *len);
/* A safe file name for the whole mail: the subject plus ".eml". */
const char *wm_view_eml_filename(const struct wm_view *);

/*
 * A Content-Disposition header value for a download: attachment, an ASCII
 * filename fallback and filename*=UTF-8''... (RFC 6266, RFC 8187).  The value
 * never contains CR, LF or an unescaped quote.  malloc'd.
 */
char	*wm_view_disposition(const char *filename);
/*
 * Turns any name (possibly NULL, invalid UTF-8, with directories or
 * controls) into a safe file name; fallback is used when nothing is left.
 * malloc'd.
 */
char	*wm_view_safe_filename(const char *name, const char *fallback);

/*
 * The read receipt decision: 1 when opening m by its owner must send a
 * receipt (the tunnel asked for one, it is inbox mail, none was sent yet).
 */
int	 wm_view_receipt_due(const struct wm_message *m);
/*
 * Marks m seen and, when wm_view_receipt_due(), sends the read receipt
 * (wm_notify_read_receipt) and records it.  Showing the mail must not depend
 * on this succeeding: callers log the error and carry on.
 */
int	 wm_view_mark_read(struct wm_config *, struct wm_db *, struct wm_message *m,
	    struct wm_err *);

#endif
