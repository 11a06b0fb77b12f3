/*
 * logexport.c - see logexport.h.  Members are named DIR/FILE after the
 * directory they come from (log/, system/, lighttpd/), so equal names from
 * two places do not collide.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "backup.h"
#include "config.h"
#include "err.h"
#include "gpg.h"
#include "log.h"
#include "logexport.h"
#include "prefs.h"
#include "smb.h"
#include "tarball.h"
#include "util.h"

#define MAX_FILES	512

struct export {
	struct wm_tar	*tar;
	time_t		 since;		/* 0: every file */
	int		 count;
	char		*seen[MAX_FILES];	/* real paths already added */
	struct wm_buf	 skipped;	/* files this user may not read */
};

static int
already(struct export *x, const char *real)
{
	int i;

	for (i = 0; i < x->count; i++)
		if (strcmp(x->seen[i], real) == 0)
			return 1;
	return 0;
}

static int
add_file(struct export *x, const char *label, const char *path,
    struct wm_err *err)
{
	char name[512], *real, *copy;
	struct stat st;
	int rc;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (x->since != 0 && st.st_mtime < x->since))
		return 0;
	if ((real = realpath(path, NULL)) == NULL || already(x, real) ||
	    x->count >= MAX_FILES) {
		free(real);
		return 0;
	}
	/* The console runs as wm: say which logs it could not read. */
	if (access(path, R_OK) == -1) {
		wm_buf_printf(&x->skipped, "%s: %s\n", path, strerror(errno));
		free(real);
		return 0;
	}
	if ((copy = wm_strdup(path)) == NULL) {
		free(real);
		return wm_err_set(err, EX_OSERR, "out of memory");
	}
	snprintf(name, sizeof(name), "%s/%s", label, basename(copy));
	free(copy);
	if ((rc = wm_tar_add_file(x->tar, name, path, NULL, err)) == 0)
		x->seen[x->count++] = real;
	else
		free(real);
	return rc;
}

static int
add_dir(struct export *x, const char *label, const char *dir,
    struct wm_err *err)
{
	struct dirent *de;
	char *path;
	DIR *d;
	int rc = 0;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((path = wm_asprintf("%s/%s", dir, de->d_name)) == NULL) {
			rc = wm_err_set(err, EX_OSERR, "out of memory");
			break;
		}
		rc = add_file(x, label, path, err);
		free(path);
	}
	closedir(d);
	return rc;
}

static int
add_all(const struct wm_config *cfg, struct export *x, struct wm_err *err)
{
	if (add_file(x, "log", wm_config_path(cfg, "log"), err) == -1 ||
	    add_dir(x, "log", wm_config_path(cfg, "logdir"), err) == -1)
		return -1;
	if (!wm_config_bool(cfg, "instance", "production"))
		return 0;
	/* The system Postfix logs through syslog; lighttpd has its own dir. */
	if (add_file(x, "system", "/var/log/mail.log", err) == -1 ||
	    add_file(x, "system", "/var/log/mail.err", err) == -1 ||
	    add_dir(x, "lighttpd", "/var/log/lighttpd", err) == -1)
		return -1;
	return 0;
}

static void
export_free(struct export *x)
{
	int i;

	for (i = 0; i < x->count; i++)
		free(x->seen[i]);
	wm_buf_free(&x->skipped);
}

int
wm_logexport_create(const struct wm_config *cfg, long last_minutes,
    const char *password, const char *out, int *count, struct wm_err *err)
{
	struct export x;
	char *tar;
	int rc = -1;

	memset(&x, 0, sizeof(x));
	wm_buf_init(&x.skipped);
	if (last_minutes < 0)
		return wm_err_set(err, EX_USAGE, "last modified: minutes must "
		    "not be negative");
	x.since = last_minutes > 0 ? wm_now() - (time_t)last_minutes * 60 : 0;
	if ((tar = wm_asprintf("%s.tar-tmp.%d", out, (int)getpid())) == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	if ((x.tar = wm_tar_create(tar, err)) == NULL)
		goto out;
	if (add_all(cfg, &x, err) == -1 || (x.skipped.len > 0 &&
	    wm_tar_add_mem(x.tar, "SKIPPED", x.skipped.data, x.skipped.len,
	    wm_now(), err) == -1)) {
		wm_tar_abort(x.tar);
		goto out;
	}
	if (wm_tar_close(x.tar, err) == -1)
		goto out;
	if (password != NULL && *password != '\0')
		rc = wm_gpg_encrypt(cfg, tar, out, password, err);
	else if ((rc = rename(tar, out)) == -1)
		wm_err_set(err, EX_CANTCREAT, "%s: %s", out, strerror(errno));
	if (rc == 0 && count != NULL)
		*count = x.count;
	if (rc == 0)
		wm_log(LOG_INFO, "log export of %d files written to %s", x.count,
		    out);
out:
	unlink(tar);
	free(tar);
	export_free(&x);
	return rc;
}

static int
settings(struct wm_db *db, long *last_minutes, const char **password,
    char **pw, char **strategy, struct wm_err *err)
{
	char *v;

	if (*password == NULL) {
		if ((*pw = wm_pref_user(db, NULL, "logexport-password", err)) == NULL)
			return -1;
		*password = *pw;
	}
	if (*last_minutes < 0) {
		if ((v = wm_pref_user(db, NULL, "logexport-last-modified", err)) == NULL)
			return -1;
		*last_minutes = atol(v);
		free(v);
	}
	*strategy = wm_pref_user(db, NULL, "logexport-strategy", err);
	return *strategy == NULL ? -1 : 0;
}

int
wm_logexport_to_smb(struct wm_config *cfg, struct wm_db *db, long last_minutes,
    const char *password, char *name, size_t namelen, struct wm_err *err)
{
	struct wm_smb_conf smb;
	char fname[128], *pw = NULL, *strategy = NULL, *tmp = NULL;
	const char *dir = wm_config_path(cfg, "backup");
	int rc = -1;

	if (wm_smb_load(db, "logexport", &smb, err) == -1)
		return -1;
	if (settings(db, &last_minutes, &password, &pw, &strategy, err) == -1 ||
	    wm_backup_name("wm-logs", strategy, wm_now(), *password != '\0',
	    fname, sizeof(fname), err) == -1)
		goto out;
	if (dir == NULL || wm_mkdir_p(dir, 0700, err) == -1 ||
	    (tmp = wm_asprintf("%s/.%s.%d", dir, fname, (int)getpid())) == NULL) {
		if (err->code == 0)
			wm_err_set(err, EX_CONFIG, "no [paths] backup");
		goto out;
	}
	if (wm_logexport_create(cfg, last_minutes, password, tmp, NULL, err) == -1 ||
	    wm_smb_put(&smb, tmp, fname, err) == -1)
		goto out;
	if (name != NULL)
		snprintf(name, namelen, "%s", fname);
	rc = 0;
out:
	if (tmp != NULL)
		unlink(tmp);
	wm_smb_conf_wipe(&smb);
	wm_free_secret(pw);
	free(strategy);
	free(tmp);
	return rc;
}

int
wm_logexport_scheduled(struct wm_config *cfg, struct wm_db *db, struct wm_err *err)
{
	return wm_logexport_to_smb(cfg, db, -1, NULL, NULL, 0, err);
}
