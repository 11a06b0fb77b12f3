/*
 * userlist.h - the administrators' views of many users and mailboxes: search
 * by part of the address, filters, keyset paging (a page costs the same at
 * the 100,000th user as at the first), idle-user cleanup, and the mailbox
 * listing with disk usage.  wm-user and admin.cgi both call these.
 */
#ifndef WM_USERLIST_H
#define WM_USERLIST_H

#include <time.h>

#include "user.h"

struct wm_db;
struct wm_err;

#define WM_LIST_MAX	1000	/* most rows one page may ask for */

enum wm_user_filter {
	WM_USERS_ALL = 0,
	WM_USERS_PASSWORD_SET,
	WM_USERS_NO_PASSWORD,
	WM_USERS_DISABLED
};

/* "all", "password-set", "no-password", "disabled". */
const char *wm_user_filter_name(enum wm_user_filter);
/* -1 for an unknown word. */
int	 wm_user_filter_parse(const char *, enum wm_user_filter *);

struct wm_user_query {
	const char		*search;	/* part of the address; NULL, "": all */
	enum wm_user_filter	 filter;
	const char		*after;		/* next page: addresses after this */
	const char		*before;	/* previous page: addresses before */
	int			 limit;		/* 1..WM_LIST_MAX */
};

/*
 * Calls fn for at most limit users in address order (strings valid during
 * the call).  *more (may be NULL) tells whether another page follows in the
 * direction walked (after: later addresses; before: earlier ones).
 */
int	 wm_user_list(struct wm_db *, const struct wm_user_query *,
	    int (*fn)(const struct wm_user *, void *), void *arg, int *more,
	    struct wm_err *);

/* The address of user id (malloc'd); NULL with EX_NOUSER when none. */
char	*wm_user_address_of(struct wm_db *, long long id, struct wm_err *);

enum wm_idle_kind {
	WM_IDLE_NEVER = 0,	/* never logged in, created at least days ago */
	WM_IDLE_SINCE		/* logged in once, but not for days */
};

struct wm_idle_query {
	enum wm_idle_kind	 kind;
	long long		 days;		/* >= 0 */
	const char		*after;		/* keyset, as in wm_user_query */
	int			 limit;
};

/* The users a cleanup with the same query would delete, a page at a time. */
int	 wm_user_idle_list(struct wm_db *, const struct wm_idle_query *,
	    int (*fn)(const struct wm_user *, void *), void *arg, int *more,
	    struct wm_err *);
/*
 * Deletes every user the query matches (limit and after ignored), with
 * wm_user_delete (purge: with the mailbox), one audit line per user (actor,
 * client: NULL for a program), a transaction per 500 users.  *removed
 * counts the users of the transactions that committed.
 */
int	 wm_user_cleanup(struct wm_db *, const char *maildir_root,
	    const char *actor, const char *client, const struct wm_idle_query *,
	    int purge, long long *removed, struct wm_err *);

struct wm_mailbox_info {
	const char	*name;		/* directory name under the mail root */
	const char	*address;
	long long	 usage;		/* bytes on disk (wm_mailbox_usage) */
	int		 has_user;	/* an account exists: the mailbox is active */
};

struct wm_mailbox_query {
	const char	*search;	/* part of the address */
	int		 hide_active;	/* only mailboxes without an account */
	const char	*after;		/* keyset: mailbox names after this */
	int		 limit;
};

int	 wm_mailbox_list(struct wm_db *, const char *maildir_root,
	    const struct wm_mailbox_query *,
	    int (*fn)(const struct wm_mailbox_info *, void *), void *arg,
	    int *more, struct wm_err *);
/*
 * Deletes the mail of one mailbox (index rows first, then the files) and
 * keeps the account: a user that exists gets an empty maildir back.
 * EX_NOUSER when there is neither a mailbox nor an account.
 */
int	 wm_mailbox_purge(struct wm_db *, const char *maildir_root,
	    const char *address, struct wm_err *);

#endif
