/*
 * cleanup.h - removing old mail: messages past their WM-Expires time always,
 * and, when auto-cleanup-enabled is set, messages received longer than
 * cleanup-interval ago.  Index row and maildir file go together.
 */
#ifndef WM_CLEANUP_H
#define WM_CLEANUP_H

#include <time.h>

struct wm_config;
struct wm_db;
struct wm_err;

/* One message cleanup removed (or would remove, on a dry run). */
struct wm_cleanup_item {
	long long	 id;
	const char	*mailbox;
	const char	*folder;
	const char	*file;
	const char	*subject;
	time_t		 received;
	time_t		 expires;	/* 0: none */
	const char	*reason;	/* "expired" (WM-Expires) or "age" */
};

struct wm_cleanup_opts {
	int	 dry_run;		/* report, remove nothing */
	/* Called for each message after it is removed; -1 stops the run. */
	int	(*report)(const struct wm_cleanup_item *, void *arg);
	void	*arg;
};

/*
 * Removes what is due at wm_now().  A message is due when expires <= now,
 * or when auto cleanup is on and received < now - cleanup-interval (a
 * message exactly cleanup-interval old stays until the next run).
 * *removed counts the messages.  Rows go in batches, each in one
 * transaction that also records their files as to be removed; then the
 * files go: a crash leaves neither a row naming a missing file nor a file
 * nothing names (the next run removes what was recorded first).
 */
int	 wm_cleanup_run(struct wm_config *, struct wm_db *,
	    const struct wm_cleanup_opts *, long long *removed, struct wm_err *);
/*
 * A delivery publishing file (the same mail again) takes back a removal
 * recorded for it; called in the delivery's transaction.
 */
int	 wm_cleanup_keep_file(struct wm_db *, const char *mailbox,
	    const char *file, struct wm_err *);

#endif
