/*
 * pathcheck.h - can the service users reach a directory?  Postfix, the
 * instance user and the web server run as other users than the root who
 * creates an instance; a parent directory they cannot search (a mktemp -d
 * of mode 0700) makes them fail later with a cryptic "Permission denied".
 */
#ifndef WM_PATHCHECK_H
#define WM_PATHCHECK_H

struct wm_err;

/*
 * Checks that every user of the NULL-terminated list (users not on the
 * system are skipped) may search every existing parent of path (which may
 * not exist yet; parents still to be made are made searchable by wm-init).
 * On failure err says, in one line, which directory, for whom, and the chmod
 * that fixes it (EX_NOPERM).
 */
int	 wm_path_check_search(const char *path, const char *const *users,
	    struct wm_err *);

#endif
