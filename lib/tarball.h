/*
 * tarball.h - tar archives through libarchive: writing members from files
 * or memory (wm-backup, wm-logexport) and reading them back one by one, with
 * a bound on every member, refusing anything that is not a plain tar.
 */
#ifndef WM_TARBALL_H
#define WM_TARBALL_H

#include <stddef.h>
#include <time.h>

struct wm_err;
struct wm_buf;
struct wm_tar;

struct wm_tar *wm_tar_create(const char *path, struct wm_err *);
/* Adds a regular file; sha256 (65 bytes, may be NULL) gets its hex digest. */
int	 wm_tar_add_file(struct wm_tar *, const char *name, const char *path,
	    char *sha256, struct wm_err *);
int	 wm_tar_add_mem(struct wm_tar *, const char *name, const void *,
	    size_t, time_t mtime, struct wm_err *);
/* Finishes the archive; -1 when it could not be written whole. */
int	 wm_tar_close(struct wm_tar *, struct wm_err *);
/* Frees without finishing (after an error). */
void	 wm_tar_abort(struct wm_tar *);

/*
 * Reads every member in order: each regular file of at most max bytes is
 * handed to fn with its name and contents; fn returns -1 to stop.  A file
 * that is not a tar, is truncated or holds anything but regular files fails
 * with EX_DATAERR.
 */
int	 wm_tar_read(const char *path, size_t max,
	    int (*fn)(const char *name, const struct wm_buf *, void *),
	    void *arg, struct wm_err *);

/* Hex SHA-256 of a buffer (out: 65 bytes). */
void	 wm_sha256_hex(const void *, size_t, char *out);

#endif
