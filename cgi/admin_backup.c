/*
 * admin_backup.c - System backup (guide 8.1, figure 20), Backup
 * configuration (8.2, figure 21), Log export (9, figure 22) and Log export
 * config (9.1, figure 23).  Every page shows its job's last run, result and
 * next run (wm-cron) and the guide's cron examples beside the schedule.
 * The console runs as an unprivileged user: it creates backups and
 * exports itself, and verifies an uploaded backup itself, but the restore
 * (which stops services and writes root's files) is handed to root as a
 * pending restore (wm_backup_stage_restore), done by the next root run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "backup.h"
#include "config.h"
#include "err.h"
#include "jobs.h"
#include "log.h"
#include "logexport.h"
#include "prefs.h"
#include "smb.h"
#include "util.h"

#define UPLOAD_MAX	(ADMIN_BODY_UPLOAD)

/* The fields of a configuration page: "P-" + suffix is the setting. */
static const char *const fields[] = { "smb-domain", "smb-user",
	"smb-password", "smb-server", "smb-port", "smb-share", "smb-directory",
	"enabled", "cron", "password", "strategy", "last-modified", NULL };

static void
job_vars(struct admin *a, enum wm_job j)
{
	struct wm_job_info ji;
	struct wm_err err;
	char t[64];

	if (wm_jobs_get(a->db, j, &ji, &err) == -1) {
		wm_log_err(&err);
		return;
	}
	wm_time_format(ji.last_run / 1000, t, sizeof(t));
	wm_web_set(a->w, "Job.last_run", ji.last_run ? t : "never");
	wm_web_set(a->w, "Job.result", wm_job_result_name(ji.result));
	wm_web_set(a->w, "Job.message", ji.message);
	wm_time_format(ji.next_run / 1000, t, sizeof(t));
	wm_web_set(a->w, "Job.next_run", ji.next_run ? t : ji.enabled ?
	    "none" : "not scheduled (disabled)");
	wm_web_set(a->w, "Job.expr", ji.expr);
}

/* Current values for the form; secrets only say whether they are set. */
static int
config_vars(struct admin *a, const char *prefix)
{
	const struct wm_pref_def *d;
	struct wm_err err;
	char name[64], var[64], *v, *p;
	int i;

	for (i = 0; fields[i] != NULL; i++) {
		snprintf(name, sizeof(name), "%s-%s", prefix, fields[i]);
		if ((d = wm_pref_find(name)) == NULL)
			continue;
		if ((v = wm_pref_user(a->db, NULL, name, &err)) == NULL)
			return admin_fail(a, &err);
		/* HDF names take no '-': ClearSilver would read a minus. */
		snprintf(var, sizeof(var), "Cfg.%s", fields[i]);
		for (p = var; *p; p++)
			if (*p == '-')
				*p = '_';
		wm_web_set(a->w, var, wm_pref_is_secret(d) ? (*v ? "set" : "") : v);
		wm_free_secret(v);
	}
	wm_web_set(a->w, "Cfg.prefix", prefix);
	return 0;
}

static int
show_config(struct admin *a, const char *prefix, const char *notice)
{
	int logs = strcmp(prefix, "logexport") == 0;

	if (notice != NULL)
		wm_web_set(a->w, "Page.notice", notice);
	job_vars(a, logs ? WM_JOB_LOGEXPORT : WM_JOB_BACKUP);
	if (config_vars(a, prefix) != 0)
		return 0;
	return admin_page(a, "backup_config.cs", logs ? "Log export settings" :
	    "Backup configuration", logs ? "The SAMBA share and the schedule of "
	    "the automatic log export." : "The SAMBA share and the schedule of "
	    "the automatic backup.");
}

/* The value a field posts; NULL: leave the setting as it is. */
static const char *
posted(struct admin *a, const struct wm_pref_def *d, const char *field)
{
	const char *v = wm_web_param(a->w, field);

	if (d->type == WM_PREF_BOOL)
		return v != NULL ? "yes" : "no";
	/* A password field left empty keeps the password. */
	if (wm_pref_is_secret(d) && (v == NULL || *v == '\0'))
		return wm_web_param(a->w, "clear-password") && strcmp(field,
		    "password") == 0 ? "" : NULL;
	return v;
}

static int
save_config(struct admin *a, const char *prefix)
{
	const struct wm_pref_def *d;
	struct wm_err err;
	char name[64];
	const char *v;
	int i, bad = 0;

	for (i = 0; fields[i] != NULL; i++) {
		snprintf(name, sizeof(name), "%s-%s", prefix, fields[i]);
		if ((d = wm_pref_find(name)) == NULL ||
		    (v = posted(a, d, fields[i])) == NULL || *v == '\0')
			continue;
		if (wm_pref_validate(d, v, &err) == -1) {
			admin_form_error(a, fields[i], err.msg);
			bad = 1;
		}
	}
	if (bad)
		return show_config(a, prefix, NULL);
	for (i = 0; fields[i] != NULL; i++) {
		snprintf(name, sizeof(name), "%s-%s", prefix, fields[i]);
		if ((d = wm_pref_find(name)) == NULL ||
		    (v = posted(a, d, fields[i])) == NULL)
			continue;
		if ((*v == '\0' ? wm_pref_unset_by(a->db, admin_name(a),
		    WM_SCOPE_GLOBAL, NULL, name, &err) :
		    wm_pref_set_by(a->db, admin_name(a), WM_SCOPE_GLOBAL, NULL,
		    name, v, &err)) == -1)
			return admin_fail(a, &err);
	}
	admin_audit(a, "settings", strcmp(prefix, "backup") == 0 ?
	    "backup configuration" : "log export configuration", NULL, "saved");
	return show_config(a, prefix, "Saved.");
}

static int
test_connection(struct admin *a, const char *prefix)
{
	struct wm_smb_conf smb;
	struct wm_err err;
	int rc;

	if (wm_smb_load(a->db, prefix, &smb, &err) == -1)
		return admin_fail(a, &err);
	rc = wm_smb_test(&smb, &err);
	wm_smb_conf_wipe(&smb);
	if (rc == -1) {
		wm_web_set(a->w, "Page.error", err.msg);
		return show_config(a, prefix, NULL);
	}
	return show_config(a, prefix, "Test connection: the share can be "
	    "written, read and cleaned up.");
}

static int
r_backup_config(struct admin *a, const long long *args)
{
	return show_config(a, "backup", NULL);
}

static int
r_backup_config_save(struct admin *a, const long long *args)
{
	return save_config(a, "backup");
}

static int
r_backup_test(struct admin *a, const long long *args)
{
	return test_connection(a, "backup");
}

static int
r_logexport_config(struct admin *a, const long long *args)
{
	return show_config(a, "logexport", NULL);
}

static int
r_logexport_config_save(struct admin *a, const long long *args)
{
	return save_config(a, "logexport");
}

static int
r_logexport_test(struct admin *a, const long long *args)
{
	return test_connection(a, "logexport");
}

/* --- System backup and Log export --- */

static int
show_action(struct admin *a, int logs, const char *notice, const char *error)
{
	if (notice != NULL)
		wm_web_set(a->w, "Page.notice", notice);
	if (error != NULL)
		wm_web_set(a->w, "Page.error", error);
	job_vars(a, logs ? WM_JOB_LOGEXPORT : WM_JOB_BACKUP);
	if (logs)
		return admin_page(a, "logexport.cs", "Log export", "Export all "
		    "log files of the box, downloaded or to the SAMBA share.");
	return admin_page(a, "backup.cs", "System backup", "Back up or restore "
	    "the system settings. A backup is encrypted when the password is "
	    "set. A restore overwrites all current settings and cannot be "
	    "undone; the system is restarted after it.");
}

static int
r_backup(struct admin *a, const long long *args)
{
	return show_action(a, 0, NULL, NULL);
}

static int
r_logexport(struct admin *a, const long long *args)
{
	return show_action(a, 1, NULL, NULL);
}

static char *
tmp_path(struct admin *a, const char *what, struct wm_err *err)
{
	const char *dir = wm_config_path(a->cfg, "backup");

	if (dir == NULL || wm_mkdir_p(dir, 0700, err) == -1)
		return NULL;
	return wm_asprintf("%s/.console-%s.%d", dir, what, (int)getpid());
}

/* Sends a file made in tmp as a download and removes it. */
static int
send_file(struct admin *a, const char *tmp, const char *name)
{
	struct wm_buf b;
	struct wm_err err;
	int rc;

	wm_buf_init(&b);
	if (wm_read_file(tmp, (size_t)1 << 31, &b, &err) == -1) {
		unlink(tmp);
		return admin_fail(a, &err);
	}
	unlink(tmp);
	rc = wm_web_send(a->w, "application/octet-stream", "attachment", name,
	    b.data ? b.data : "", b.len, &err);
	wm_buf_free_secret(&b);
	return rc;
}

static int
r_backup_create(struct admin *a, const long long *args)
{
	const char *pw = wm_web_param(a->w, "password");
	const char *where = wm_web_param(a->w, "location");
	struct wm_err err;
	char name[128], *tmp;

	if (where != NULL && strcmp(where, "remote") == 0) {
		if (wm_backup_to_smb(a->cfg, a->db, pw ? pw : "", name,
		    sizeof(name), &err) == -1)
			return show_action(a, 0, NULL, err.msg);
		admin_audit(a, "backup-create", name, NULL, "remote");
		return show_action(a, 0, "The backup is on the share.", NULL);
	}
	snprintf(name, sizeof(name), "wm-backup-%lld.tar%s",
	    (long long)wm_now() * 1000, pw && *pw ? ".gpg" : "");
	if ((tmp = tmp_path(a, "backup", &err)) == NULL)
		return admin_fail(a, &err);
	if (wm_backup_create(a->cfg, a->db, pw, tmp, &err) == -1) {
		unlink(tmp);
		free(tmp);
		return show_action(a, 0, NULL, err.msg);
	}
	admin_audit(a, "backup-create", name, NULL, "download");
	send_file(a, tmp, name);
	free(tmp);
	return 0;
}

/* Copies the upload "file" to tmp, bounded. */
static int
save_upload(struct admin *a, const char *tmp, struct wm_err *err)
{
	FILE *f = wm_web_upload(a->w, "file"), *out;
	char chunk[65536];
	size_t n, total = 0;

	if (f == NULL)
		return wm_err_set(err, EX_DATAERR, "choose a backup file to "
		    "restore");
	if ((out = fopen(tmp, "w")) == NULL)
		return wm_err_set(err, EX_CANTCREAT, "cannot store the upload");
	rewind(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    (total += n) <= UPLOAD_MAX)
		fwrite(chunk, 1, n, out);
	if (fclose(out) != 0 || total > UPLOAD_MAX || total == 0)
		return wm_err_set(err, EX_DATAERR, total ? "the file is too "
		    "large" : "the file is empty");
	return 0;
}

static int
r_backup_restore(struct admin *a, const long long *args)
{
	struct wm_err err;
	char *tmp;
	int rc;

	if ((tmp = tmp_path(a, "upload", &err)) == NULL)
		return admin_fail(a, &err);
	/* A file cannot be posted again by a confirm page: a checkbox asks. */
	if (wm_web_param(a->w, "understood") == NULL)
		rc = wm_err_set(&err, EX_DATAERR, "tick that a restore overwrites "
		    "all settings and restarts the system");
	else
		rc = save_upload(a, tmp, &err);
	if (rc == 0)
		rc = wm_backup_stage_restore(a->cfg, tmp,
		    wm_web_param(a->w, "password"), &err);
	unlink(tmp);
	free(tmp);
	if (rc == -1)
		return show_action(a, 0, NULL, err.msg);
	admin_audit(a, "backup-restore", "upload", NULL, "verified, pending");
	return show_action(a, 0, "The backup was verified. It is restored "
	    "within a minute, then the system restarts.", NULL);
}

static int
r_logexport_create(struct admin *a, const long long *args)
{
	const char *pw = wm_web_param(a->w, "password");
	const char *where = wm_web_param(a->w, "location");
	const char *last = wm_web_param(a->w, "last-modified");
	long minutes = last && *last ? strtol(last, NULL, 10) : 0;
	struct wm_err err;
	char name[128], *tmp;

	if (minutes < 0 || minutes > 10000000)
		return show_action(a, 1, NULL, "last modified: a number of "
		    "minutes");
	if (where != NULL && strcmp(where, "remote") == 0) {
		if (wm_logexport_to_smb(a->cfg, a->db, minutes, pw ? pw : "",
		    name, sizeof(name), &err) == -1)
			return show_action(a, 1, NULL, err.msg);
		admin_audit(a, "logexport", name, NULL, "remote");
		return show_action(a, 1, "The logs are on the share.", NULL);
	}
	snprintf(name, sizeof(name), "wm-logs-%lld.tar%s",
	    (long long)wm_now() * 1000, pw && *pw ? ".gpg" : "");
	if ((tmp = tmp_path(a, "logs", &err)) == NULL)
		return admin_fail(a, &err);
	if (wm_logexport_create(a->cfg, minutes, pw, tmp, NULL, &err) == -1) {
		free(tmp);
		return show_action(a, 1, NULL, err.msg);
	}
	admin_audit(a, "logexport", name, NULL, "download");
	send_file(a, tmp, name);
	free(tmp);
	return 0;
}

const struct admin_route admin_backup_routes[] = {
	{ "GET",  "/backup",		r_backup,		ADMIN_LOGIN, 0 },
	{ "POST", "/backup/create",	r_backup_create,	ADMIN_LOGIN, 0 },
	{ "POST", "/backup/restore",	r_backup_restore,	ADMIN_LOGIN,
	  ADMIN_BODY_UPLOAD },
	{ "GET",  "/backup/config",	r_backup_config,	ADMIN_LOGIN, 0 },
	{ "POST", "/backup/config",	r_backup_config_save,	ADMIN_LOGIN, 0 },
	{ "POST", "/backup/test",	r_backup_test,		ADMIN_LOGIN, 0 },
	{ "GET",  "/logexport",		r_logexport,		ADMIN_LOGIN, 0 },
	{ "POST", "/logexport/create",	r_logexport_create,	ADMIN_LOGIN, 0 },
	{ "GET",  "/logexport/config",	r_logexport_config,	ADMIN_LOGIN, 0 },
	{ "POST", "/logexport/config",	r_logexport_config_save, ADMIN_LOGIN, 0 },
	{ "POST", "/logexport/test",	r_logexport_test,	ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_backup_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Backup", "/backup" },
	{ ADMIN_SECTION_ADMIN, "Backup configuration", "/backup/config" },
	{ ADMIN_SECTION_ADMIN, "Log export", "/logexport" },
	{ ADMIN_SECTION_ADMIN, "Log export config", "/logexport/config" },
	ADMIN_MENU_END
};
