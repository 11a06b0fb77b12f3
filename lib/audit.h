/*
 * audit.h - the audit log: every change made from the console or a wm-*
 * program, with time, actor ("admin:NAME" is written as the admin's name;
 * programs "cli:UNIX-USER"), client address, action, object, old and new
 * value.  Callers pass secrets masked (wm_audit_mask); the log is append-only
 * for the programs (nothing here deletes).
 */
#ifndef WM_AUDIT_H
#define WM_AUDIT_H

#include <stddef.h>
#include <time.h>

struct wm_db;
struct wm_err;

struct wm_audit {
	long long	 id;
	time_t		 at;
	const char	*actor;		/* "alice" (console) or "cli:root" */
	const char	*client;	/* "127.0.0.1", NULL for programs */
	const char	*action;	/* "admin-add", "pref-set", ... */
	const char	*object;	/* what changed: "admin bob", "quota" */
	const char	*old_value;	/* NULL: none or not known */
	const char	*new_value;
	const char	*detail;	/* free text of older rows */
};

/* Appends one entry (at is now when 0). */
int	 wm_audit_add(struct wm_db *, const struct wm_audit *, struct wm_err *);

/* A selection of the log, newest first. */
struct wm_audit_query {
	time_t		 since;		/* 0: from the start */
	const char	*actor;		/* exact; NULL: anyone */
	const char	*text;		/* in action, object, values; NULL: all */
	long long	 before_id;	/* paging: entries older than this; 0: newest */
	size_t		 limit;		/* 0: all */
};

/* Calls fn for each entry (fields valid during the call); -1 from fn stops. */
int	 wm_audit_foreach(struct wm_db *, const struct wm_audit_query *,
	    int (*fn)(const struct wm_audit *, void *), void *arg,
	    struct wm_err *);

/* What the log shows for a secret (a password, a key): never any of it. */
#define WM_AUDIT_MASKED	"********"

#endif
