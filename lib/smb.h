/*
 * smb.h - files on a remote SMB share through libsmbclient, for backups and
 * log exports (guide 8.2.1, 9.1.1).  Missing directories are created; a
 * file is written under a temporary name and renamed, so a half-written
 * file never carries its final name.  Failures keep apart what may pass
 * (server unreachable: EX_TEMPFAIL) from what needs the admin (wrong user
 * or password: EX_NOPERM; no such share or bad settings: EX_CONFIG).
 */
#ifndef WM_SMB_H
#define WM_SMB_H

struct wm_db;
struct wm_err;

struct wm_smb_conf {
	char	domain[128];
	char	user[128];
	char	password[257];	/* wipe with wm_smb_conf_wipe */
	char	server[256];
	char	share[128];
	char	dir[512];
	int	port;
};

/* Reads PREFIX-smb-* settings ("backup", "logexport"). */
int	 wm_smb_load(struct wm_db *, const char *prefix, struct wm_smb_conf *,
	    struct wm_err *);
void	 wm_smb_conf_wipe(struct wm_smb_conf *);

/* Copies local file to dir/name on the share. */
int	 wm_smb_put(const struct wm_smb_conf *, const char *local,
	    const char *name, struct wm_err *);
/* Copies dir/name from the share to a local file. */
int	 wm_smb_get(const struct wm_smb_conf *, const char *name,
	    const char *local, struct wm_err *);
/* Writes, reads back and removes a probe file in dir. */
int	 wm_smb_test(const struct wm_smb_conf *, struct wm_err *);
/* Each file in dir whose name starts with prefix (temporaries skipped). */
int	 wm_smb_list(const struct wm_smb_conf *, const char *prefix,
	    int (*fn)(const char *name, long long size, long long mtime, void *),
	    void *, struct wm_err *);

#endif
