/*
 * backup.h - system backup and restore (guide 8): every setting of the box
 * (the database, taken with SQLite's online backup API so it is consistent
 * while mail is delivered; wm.conf; the Postfix and lighttpd configuration
 * the box owns; the TLS key and certificate) and a MANIFEST (format version,
 * time, host, home, schema version, SHA-256 and size of every member), as a
 * tar, gpg-encrypted when a password is given.  The users' mail is not in
 * it.  Restore verifies everything before it changes anything.
 */
#ifndef WM_BACKUP_H
#define WM_BACKUP_H

#include <stddef.h>
#include <time.h>

struct wm_config;
struct wm_db;
struct wm_err;
struct wm_smb_conf;

#define WM_BACKUP_FORMAT	1

/* Writes a backup to out (atomically); password NULL or "": not encrypted. */
int	 wm_backup_create(struct wm_config *, struct wm_db *, const char *password,
	    const char *out, struct wm_err *);
/*
 * Creates a backup and stores it on the backup share under the name the
 * backup-strategy gives for wm_now(); password NULL: the backup-password
 * setting.  name (may be NULL) receives the file name.
 */
int	 wm_backup_to_smb(struct wm_config *, struct wm_db *, const char *password,
	    char *name, size_t namelen, struct wm_err *);
/* The automatic backup (wm-cron): wm_backup_to_smb with the settings. */
int	 wm_backup_scheduled(struct wm_config *, struct wm_db *, struct wm_err *);

struct wm_restore_report {
	int	 from_version;		/* schema version of the backup */
	int	 migrated;		/* it was older and was migrated */
	int	 layout_kept;		/* from another home: wm.conf, Postfix
					   and lighttpd files left as they are */
	int	 restarted;		/* services that ran were restarted */
	int	 files;			/* files put back, the database aside */
};

/*
 * Verifies file (decrypting it with password when it is encrypted: the
 * MANIFEST, every checksum and size, the schema version, the database's
 * integrity), then stops the services that run, puts the database back
 * with SQLite's backup API and every file by rename, and starts them
 * again.  Any failure before that point changes nothing (EX_DATAERR for a
 * wrong password or a damaged, truncated or foreign file).
 */
int	 wm_backup_restore(struct wm_config *, struct wm_db *, const char *file,
	    const char *password, struct wm_restore_report *, struct wm_err *);

/*
 * For the console, which cannot stop services or write root's files:
 * verifies file as wm_backup_restore does and, when it passes, leaves its
 * plain tar as [paths] backup/restore.pending for a root run of
 * wm_backup_restore_pending ("wm-backup restore-pending", the instance's
 * cron loop) to put in place.  Nothing else changes.
 */
int	 wm_backup_stage_restore(struct wm_config *, const char *file,
	    const char *password, struct wm_err *);
/* Restores and removes a pending restore; 1 done, 0 none pending, -1 error. */
int	 wm_backup_restore_pending(struct wm_config *, struct wm_db *,
	    struct wm_restore_report *, struct wm_err *);

/* "wm-backup-POSTFIX.tar[.gpg]" for a strategy setting value and a time. */
int	 wm_backup_name(const char *base, const char *strategy, time_t when,
	    int encrypted, char *out, size_t len, struct wm_err *);

#endif
