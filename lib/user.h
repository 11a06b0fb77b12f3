/*
 * user.h - webmail users: one row per address.  Deleting a user keeps the
 * mailbox unless purged (guide 7.1); the next mail re-invites the user.
 */
#ifndef WM_USER_H
#define WM_USER_H

#include <time.h>

struct wm_db;
struct wm_err;

struct wm_user {
	long long	 id;
	char		*address;
	char		*domain;
	int		 has_password;
	int		 enabled;
	time_t		 created;
	time_t		 signed_up;	/* 0: not yet */
	time_t		 last_invite;	/* 0: never */
	int		 totp_enabled;
	time_t		 last_login;	/* 0: never (last matching password) */
};

void	 wm_user_free(struct wm_user *);
/* NULL with EX_NOUSER when there is no such user. */
struct wm_user *wm_user_get(struct wm_db *, const char *address, struct wm_err *);
/* Normalises address; EX_CANTCREAT-free duplicate check: EX_DATAERR if it exists. */
int	 wm_user_add(struct wm_db *, const char *address, struct wm_err *);
/* Finds or creates; *created tells which.  Used by wm-deliver. */
int	 wm_user_ensure(struct wm_db *, const char *address, int *created,
	    struct wm_err *);
/*
 * Deletes the user row, its user-scope properties and templates and its
 * sessions in one transaction; purge also removes the maildir and its rows
 * in messages.  Without purge the mailbox stays for a re-signup (guide 7.1).
 * Purging also works for the mailbox of a user deleted before; EX_NOUSER
 * only when there is neither a user nor a mailbox.  Inside a caller's
 * transaction it runs as a savepoint of it.
 */
int	 wm_user_delete(struct wm_db *, const char *maildir_root, const char *address,
	    int purge, struct wm_err *);
int	 wm_user_set_enabled(struct wm_db *, const char *address, int enabled,
	    struct wm_err *);
/* Hashes and stores; does not apply strength rules (callers decide). */
int	 wm_user_set_password(struct wm_db *, const char *address,
	    const char *password, struct wm_err *);
/* 0 when the password matches; -1 with EX_NOPERM otherwise (same message and
 * same time for unknown user and wrong password; a disabled account is
 * refused, and said so, only after a matching password). */
int	 wm_user_check_password(struct wm_db *, const char *address,
	    const char *password, struct wm_err *);
int	 wm_user_set_last_invite(struct wm_db *, const char *address, time_t,
	    struct wm_err *);
/* Calls fn for each user ordered by address; fn returning -1 stops (and the
 * call returns -1).  The strings of the user are valid during the call only. */
int	 wm_user_foreach(struct wm_db *, int (*fn)(const struct wm_user *, void *),
	    void *arg, struct wm_err *);

/*
 * What a signed link is bound to (*stamp malloc'd, wipe it): the stored
 * password hash, "" while there is none.  Every password change, sign-up
 * and reset included, changes it, so every earlier link stops matching.
 */
int	 wm_user_password_stamp(struct wm_db *, const char *address,
	    char **stamp, struct wm_err *);

#endif
