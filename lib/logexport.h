/*
 * logexport.h - the log export of guide section 9: every log file of the box
 * (the instance log, the mail log, lighttpd's and wm-ctl's logs, the rest of
 * [paths] logdir, and in production the system mail and lighttpd logs), only
 * those modified within the last N minutes when asked, as a tar, gpg
 * password-encrypted when a password is set.
 */
#ifndef WM_LOGEXPORT_H
#define WM_LOGEXPORT_H

#include <stddef.h>

struct wm_config;
struct wm_db;
struct wm_err;

/*
 * Writes the export to out (atomically).  last_minutes 0: every log file.
 * password NULL or "": not encrypted.  *count (may be NULL): files exported.
 */
int	 wm_logexport_create(const struct wm_config *, long last_minutes,
	    const char *password, const char *out, int *count, struct wm_err *);
/*
 * Exports to the log export share under the logexport-strategy name;
 * password NULL: the logexport-password setting; last_minutes -1: the
 * logexport-last-modified setting.
 */
int	 wm_logexport_to_smb(struct wm_config *, struct wm_db *, long last_minutes,
	    const char *password, char *name, size_t namelen, struct wm_err *);
/* The automatic log export (wm-cron). */
int	 wm_logexport_scheduled(struct wm_config *, struct wm_db *, struct wm_err *);

#endif
