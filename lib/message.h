/*
 * message.h - the messages index: one row per stored mail, so the portal lists
 * a mailbox without parsing any mail.  Rows name maildir files; the index can
 * be rebuilt from the maildirs.
 */
#ifndef WM_MESSAGE_H
#define WM_MESSAGE_H

#include <stddef.h>
#include <time.h>

struct wm_db;
struct wm_err;

struct wm_message {
	long long	 id;
	char		*mailbox;	/* owner address */
	char		*folder;	/* "inbox" or "sent" */
	char		*file;		/* "new/..." or "cur/..." below the maildir */
	char		*delivery_key;
	char		*envelope_sender;
	char		*from_addr;
	char		*to_addr;
	char		*cc_addr;
	char		*subject;	/* decoded, UTF-8 */
	char		*message_id;
	time_t		 date;
	time_t		 received;
	long long	 size;
	int		 has_attachments;
	time_t		 expires;	/* 0: none */
	int		 read_receipt;
	int		 receipt_sent;
	int		 seen;
	char		*header_error;	/* NULL when every header decoded */
	int		 stored_lf;	/* original's CRLF stored as LF */
	int		 trashed;	/* a stock reader flagged it Deleted (T) */
	int		 unindexed;	/* headers not decoded yet (index.c) */
};

void	 wm_message_free(struct wm_message *);
/* Adds a row; fails with EX_DATAERR if delivery_key exists. Sets m->id. */
int	 wm_message_insert(struct wm_db *, struct wm_message *, struct wm_err *);
/* 1 when a row with this delivery key exists, 0 when not, -1 on error. */
int	 wm_message_key_exists(struct wm_db *, const char *key, struct wm_err *);
/* A row of this mailbox (never another's): NULL with EX_NOINPUT if absent. */
struct wm_message *wm_message_get(struct wm_db *, const char *mailbox, long long id,
	    struct wm_err *);
/* Page of a folder, newest first. */
int	 wm_message_list(struct wm_db *, const char *mailbox, const char *folder,
	    long long offset, long long limit, struct wm_message ***out, size_t *n,
	    struct wm_err *);
/*
 * Keyset paging: up to limit rows of a folder next to the row (received, id),
 * newest first.  older: the rows after it in the listing; else the rows
 * just before it.  The cost does not grow with the depth of the page.
 */
int	 wm_message_list_from(struct wm_db *, const char *mailbox,
	    const char *folder, long long received, long long id, int older,
	    long long limit, struct wm_message ***out, size_t *n,
	    struct wm_err *);
void	 wm_message_list_free(struct wm_message **, size_t);
long long wm_message_count(struct wm_db *, const char *mailbox, const char *folder,
	    int unseen_only, struct wm_err *);
/*
 * Messages, unseen messages and bytes (sizes as indexed) of a folder, or of
 * every folder of the mailbox when folder is NULL, from the running totals
 * the triggers keep: the cost does not grow with the mailbox.  A pointer may
 * be NULL.
 */
int	 wm_message_totals(struct wm_db *, const char *mailbox, const char *folder,
	    long long *messages, long long *unseen, long long *bytes,
	    struct wm_err *);
int	 wm_message_set_seen(struct wm_db *, const char *mailbox, long long id,
	    int seen, struct wm_err *);
int	 wm_message_set_receipt_sent(struct wm_db *, long long id, struct wm_err *);
int	 wm_message_set_file(struct wm_db *, long long id, const char *file,
	    struct wm_err *);
int	 wm_message_delete(struct wm_db *, const char *mailbox, long long id,
	    struct wm_err *);

/*
 * Maildirs shared with stock readers.  A reader (Dovecot, mutt) may move a
 * file from new/ to cur/ and change its flags; the index follows the
 * message by its unique name.  wm_message_locate finds m's file now and
 * adopts a move into the row and m (file, seen from S, trashed from T);
 * EX_NOINPUT when the file is gone.
 */
int	 wm_message_locate(struct wm_db *, const char *mail_root,
	    struct wm_message *m, struct wm_err *);
/* The path of m's file: below its maildir, never anything else. */
char	*wm_message_path(const char *mail_root, const struct wm_message *m,
	    struct wm_err *);
/*
 * The same for every message of a folder ("inbox", "sent") at once; cheap
 * when nothing changed in new/ and cur/ since the last call.
 */
int	 wm_message_sync(struct wm_db *, const char *mail_root,
	    const char *mailbox, const char *folder, struct wm_err *);
/* Marks m seen in the index and with the maildir flag S, which readers see. */
int	 wm_message_mark_seen(struct wm_db *, const char *mail_root,
	    struct wm_message *m, struct wm_err *);

#endif
