/*
 * mime.h - what the index needs to know of a mail, decoded with GMime 3:
 * From, To, Cc, Subject (UTF-8), Date, Message-ID and whether it carries
 * attachments.  Malformed mail never fails: what could not be decoded is
 * described in header_error and the rest is still filled in.
 */
#ifndef WM_MIME_H
#define WM_MIME_H

#include <stddef.h>
#include <time.h>

struct wm_err;

struct wm_mime_info {
	char	*from;		/* decoded display form, "" when absent */
	char	*to;
	char	*cc;
	char	*subject;
	char	*message_id;	/* without angle brackets */
	time_t	 date;		/* 0: absent or unparseable */
	int	 has_attachments;
	char	*header_error;	/* NULL when every header decoded */
};

/*
 * Fills info from mail.  Only the header block is parsed unless the top-level
 * type is multipart, whose parts are looked at for attachments.
 * Fails only when out of memory (EX_TEMPFAIL).
 */
int	 wm_mime_index(const void *mail, size_t len, struct wm_mime_info *,
	    struct wm_err *);
void	 wm_mime_info_clear(struct wm_mime_info *);

#endif
