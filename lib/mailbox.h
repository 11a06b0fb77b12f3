/*
 * mailbox.h - maildirs: mail/<name>/{tmp,new,cur}.  <name> is the address with
 * every byte outside [A-Za-z0-9._+-] written =XX, and "." / ".." can never be
 * produced, so a name never leaves the mail directory.
 */
#ifndef WM_MAILBOX_H
#define WM_MAILBOX_H

#include <stddef.h>
#include <time.h>

struct wm_buf;
struct wm_err;

/* Encodes address into out; -1 when out is too small. */
int	 wm_mailbox_name(const char *address, char *out, size_t outlen);
/* Decodes a mailbox name; -1 when it is not a name wm_mailbox_name makes. */
int	 wm_mailbox_address(const char *name, char *out, size_t outlen);
/* malloc'd root/<name>; NULL when the address is empty or its name would be
 * longer than NAME_MAX. */
char	*wm_mailbox_path(const char *root, const char *address);
/* Creates tmp/, new/, cur/ (mode 0700). */
int	 wm_mailbox_create(const char *root, const char *address, struct wm_err *);
/*
 * Stores bytes as a new message: tmp/ -> fsync -> rename into new/ -> fsync
 * dir.  *file_out gets "new/<unique name>" (malloc'd).  Failures that can
 * clear up (disk full, permissions) are EX_TEMPFAIL.
 */
int	 wm_mailbox_store(const char *root, const char *address, const void *data,
	    size_t len, char **file_out, struct wm_err *);
/*
 * A delivery in two steps, so that its file has one name whatever happens:
 * stage writes tmp/<name>.<unique> and fsyncs it; publish renames it to
 * new/<name> (replacing a file an interrupted run left there, which holds
 * the same bytes) and fsyncs new/.  name is derived from the delivery key,
 * so a retry finds and adopts what an interrupted run stored instead of
 * adding a second copy.  With lf, CRLF line ends are written as LF (see
 * wm_mailbox_store_unix).  *tmp_out is malloc'd; discard removes it.
 */
int	 wm_mailbox_stage(const char *root, const char *address, const char *name,
	    const void *data, size_t len, int lf, char **tmp_out,
	    struct wm_err *);
int	 wm_mailbox_publish(const char *root, const char *address,
	    const char *tmp, const char *name, struct wm_err *);
void	 wm_mailbox_discard(const char *tmp);
/* 1 when new/<name> exists (an interrupted run's file), 0 when not. */
int	 wm_mailbox_has_new(const char *root, const char *address,
	    const char *name);
/*
 * Removes tmp/ files older than age seconds from the mailbox (maildir(5):
 * a delivery killed before its rename leaves one).  *removed counts them.
 */
int	 wm_mailbox_sweep_tmp(const char *root, const char *address, time_t age,
	    long long *removed, struct wm_err *);
/*
 * The same into a Maildir++ folder ("Sent" -> <maildir>/.Sent/), so stock
 * readers see the inbox and each folder apart; folder NULL is the inbox.
 * *file_out gets ".Sent/new/<unique name>".  Folder names are letters only.
 */
int	 wm_mailbox_store_folder(const char *root, const char *address,
	    const char *folder, const void *data, size_t len, char **file_out,
	    struct wm_err *);
/*
 * The same for delivered mail, in the Unix maildir convention of Postfix and
 * Dovecot: an original whose lines all end in CRLF is stored with LF line
 * ends (*lf = 1; wm_mailbox_restore_crlf gives the original back); one with
 * mixed or bare line ends is stored as it came (*lf = 0).
 */
int	 wm_mailbox_store_unix(const char *root, const char *address,
	    const void *data, size_t len, char **file_out, int *lf,
	    struct wm_err *);
/*
 * The bytes wm_mailbox_store_unix (or stage with *lf) writes for data; *lf
 * gets whether it is stored with LF line ends.
 */
long long wm_mailbox_stored_size(const void *data, size_t len, int *lf);
/* 1 when every line of data ends in CRLF and no CR stands alone. */
int	 wm_mailbox_crlf_only(const void *data, size_t len);
/* Appends data with every LF written as CRLF to out. */
int	 wm_mailbox_restore_crlf(const void *data, size_t len, struct wm_buf *out);
/*
 * 1 when file is a message file name this module makes: "new/X", "cur/X",
 * or the same below one ".Folder/", X one plain path component.  Anything
 * an index row names is checked with this before it is opened.
 */
int	 wm_mailbox_file_ok(const char *file);
/*
 * Stock readers (Dovecot, mutt) move a message from new/ to cur/ and write
 * flags after its unique name ("cur/<unique>:2,S").  wm_mailbox_locate finds
 * the message an index row names wherever it is now: the relative file name
 * (malloc'd), NULL with EX_NOINPUT when it is in neither new/ nor cur/.
 */
char	*wm_mailbox_locate(const char *root, const char *address,
	    const char *file, struct wm_err *);
/* The flag letters of a file name ("" without ":2,"); whether one is set. */
const char *wm_mailbox_flags(const char *file);
int	 wm_mailbox_has_flag(const char *file, char flag);
/*
 * Sets or clears a standard flag (S seen, T trashed, F flagged, R replied)
 * the way every maildir reader does: the file goes to cur/<unique>:2,<flags>.
 * *file_out gets the new relative name (malloc'd).
 */
int	 wm_mailbox_set_flag(const char *root, const char *address,
	    const char *file, char flag, int on, char **file_out, struct wm_err *);
/*
 * Removes one stored message by its "new/..." or "cur/..." file name, or
 * wherever a stock reader moved it since.
 */
int	 wm_mailbox_remove(const char *root, const char *address, const char *file,
	    struct wm_err *);
/* Bytes of the files in tmp, new and cur (apparent size: st_size); 0 for a
 * mailbox that does not exist; -1 on error. */
long long wm_mailbox_usage(const char *root, const char *address);
/* Calls fn for every mailbox directory under root with its decoded address,
 * in name order; entries that do not decode are skipped; fn returning -1
 * stops (and the call returns -1). */
int	 wm_mailbox_foreach(const char *root,
	    int (*fn)(const char *name, const char *address, void *), void *arg,
	    struct wm_err *);

#endif
