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
 * *removed counts the messages.  The index row goes first, then the file:
 * a crash in between leaves a file no index row names, which no user can
 * see, never a row naming a missing file.
 */
int	 wm_cleanup_run(struct wm_config *, struct wm_db *,
	    const struct wm_cleanup_opts *, long long *removed, struct wm_err *);

#endif
