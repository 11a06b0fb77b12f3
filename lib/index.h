/*
 * index.h - the headers of stored mail, decoded after delivery.  Delivery
 * (wm-deliver, wm-lmtpd) stores a row with messages.indexed = 0 and leaves
 * From, To, Cc, Subject, Date, Message-ID and the attachment flag empty: it
 * holds the relay keys and does not parse the mail.  The notice sender and
 * the portal fill them in here, parsing in a sandboxed child (sandbox.h).
 */
#ifndef WM_INDEX_H
#define WM_INDEX_H

struct wm_db;
struct wm_err;

/*
 * Decodes the rows still undecoded, of mailbox or (NULL) of every mailbox,
 * at most max of them (0: all); *done counts the rows completed.  A mail the
 * parser cannot survive (crash, time or memory) is indexed with empty fields
 * and header_error saying so; a missing file likewise.  A file that cannot
 * be read now is left for the next call.  -1 only on a database error.
 */
int	 wm_index_pending(struct wm_db *, const char *mail_root,
	    const char *mailbox, long long max, long long *done,
	    struct wm_err *);

#endif
