/*
 * pathcheck.c - see pathcheck.h.  Judged by the mode bits (owner, group,
 * others, supplementary groups), the way the kernel judges a search.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "pathcheck.h"
#include "util.h"

static int
in_group(const struct passwd *pw, gid_t gid)
{
	gid_t groups[256];
	int i, n = (int)(sizeof(groups) / sizeof(groups[0]));

	if (pw->pw_gid == gid)
		return 1;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return 0;	/* more than 256 groups: judged by others' bits */
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* The mode bit that decides for pw: S_IXUSR, S_IXGRP or S_IXOTH. */
static mode_t
deciding_bit(const struct stat *st, const struct passwd *pw)
{
	if (st->st_uid == pw->pw_uid)
		return S_IXUSR;
	if (in_group(pw, st->st_gid))
		return S_IXGRP;
	return S_IXOTH;
}

static int
refuse(const char *dir, const struct stat *st, const struct passwd *pw,
    mode_t bit, struct wm_err *err)
{
	const char *who = bit == S_IXUSR ? "u" : bit == S_IXGRP ? "g" : "o";

	return wm_err_set(err, EX_NOPERM, "%s (mode %04o) is not searchable "
	    "by user %s, which the instance runs as: chmod %s+x %s, or put the "
	    "instance elsewhere", dir, (unsigned)(st->st_mode & 07777),
	    pw->pw_name, who, dir);
}

/* Checks one directory for every user. */
static int
check_dir(const char *dir, const char *const *users, struct wm_err *err)
{
	struct passwd *pw;
	struct stat st;
	mode_t bit;

	if (stat(dir, &st) == -1)
		return wm_err_set(err, EX_CANTCREAT, "%s: %s", dir,
		    strerror(errno));
	for (; *users != NULL; users++) {
		if ((pw = getpwnam(*users)) == NULL || pw->pw_uid == 0)
			continue;
		bit = deciding_bit(&st, pw);
		if ((st.st_mode & bit) == 0)
			return refuse(dir, &st, pw, bit, err);
	}
	return 0;
}

/*
 * The real path of the longest existing prefix of path, into out; 1 when
 * that is path itself, 0 when only a parent exists.
 */
static int
existing_prefix(const char *path, char *out, struct wm_err *err)
{
	char buf[PATH_MAX], *slash;
	int whole = 1;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return wm_err_set(err, EX_USAGE, "%s: path too long", path);
	while (realpath(buf, out) == NULL) {
		if (errno != ENOENT)
			return wm_err_set(err, EX_CANTCREAT, "%s: %s", buf,
			    strerror(errno));
		whole = 0;
		if ((slash = strrchr(buf, '/')) == NULL)
			return realpath(".", out) == NULL ? wm_err_set(err,
			    EX_CANTCREAT, ".: %s", strerror(errno)) : 0;
		if (slash == buf)
			slash[1] = '\0';	/* "/x": the root exists */
		else
			*slash = '\0';
	}
	return whole;
}

int
wm_path_check_search(const char *path, const char *const *users,
    struct wm_err *err)
{
	char real[PATH_MAX], *p;
	int whole;

	if ((whole = existing_prefix(path, real, err)) == -1)
		return -1;
	/* "/", then "/a", "/a/b", ...: the first refusal is the outermost. */
	if (check_dir("/", users, err) == -1)
		return -1;
	for (p = real + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (check_dir(real, users, err) == -1)
			return -1;
		*p = '/';
	}
	/* An existing instance directory itself is wm-init's to chmod. */
	if (whole || strcmp(real, "/") == 0)
		return 0;
	return check_dir(real, users, err);
}
