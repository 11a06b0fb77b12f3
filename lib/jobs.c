/*
 * jobs.c - see jobs.h.  A job's row holds "checked": every fire time up to
 * that instant has been handled.  A pass moves checked to now before it runs
 * a due job, so a job that crashes is not started again for the same fire
 * time (at most once), and a box that was off for days runs a missed job
 * once, not once per missed fire time.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "backup.h"
#include "cleanup.h"
#include "config.h"
#include "cron.h"
#include "db.h"
#include "err.h"
#include "jobs.h"
#include "log.h"
#include "logexport.h"
#include "prefs.h"
#include "util.h"

typedef int (*job_fn)(struct wm_config *, struct wm_db *, struct wm_err *);

static int	run_cleanup(struct wm_config *, struct wm_db *, struct wm_err *);

static const struct {
	const char	*name, *cron_pref, *enabled_pref;
	job_fn		 fn;
} jobs[WM_JOB_COUNT] = {
	{ "backup", "backup-cron", "backup-enabled", wm_backup_scheduled },
	{ "logexport", "logexport-cron", "logexport-enabled",
	  wm_logexport_scheduled },
	{ "cleanup", "cleanup-cron", NULL, run_cleanup },
};

const char *
wm_job_result_name(enum wm_job_result r)
{
	switch (r) {
	case WM_JOB_OK:
		return "ok";
	case WM_JOB_FAILED:
		return "failed";
	default:
		return "never";
	}
}

static int
run_cleanup(struct wm_config *cfg, struct wm_db *db, struct wm_err *err)
{
	struct wm_cleanup_opts opts;
	long long removed = 0;

	memset(&opts, 0, sizeof(opts));
	return wm_cleanup_run(cfg, db, &opts, &removed, err);
}

static long long
now_ms(void)
{
	return (long long)wm_now() * 1000;
}

/* The row of a job: 1 found, 0 none, -1 error. */
static int
load_row(struct wm_db *db, struct wm_job_info *ji, long long *checked,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT checked, last_run, result, message "
	    "FROM jobs WHERE name = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ji->name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*checked = sqlite3_column_int64(st, 0);
		ji->last_run = sqlite3_column_int64(st, 1);
		ji->result = (enum wm_job_result)sqlite3_column_int(st, 2);
		snprintf(ji->message, sizeof(ji->message), "%s",
		    wm_db_text(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(db, "reading job state", err);
	return rc == SQLITE_ROW;
}

static int
load_settings(struct wm_db *db, enum wm_job j, struct wm_job_info *ji,
    struct wm_err *err)
{
	char *v;

	if ((v = wm_pref_user(db, NULL, jobs[j].cron_pref, err)) == NULL)
		return -1;
	snprintf(ji->expr, sizeof(ji->expr), "%s", v);
	free(v);
	ji->enabled = 1;
	if (jobs[j].enabled_pref == NULL)
		return 0;
	if ((v = wm_pref_user(db, NULL, jobs[j].enabled_pref, err)) == NULL)
		return -1;
	ji->enabled = strcmp(v, "yes") == 0;
	free(v);
	return 0;
}

/* Fills ji; *checked is -1 when the job has no row yet. */
static int
load(struct wm_db *db, enum wm_job j, struct wm_job_info *ji,
    long long *checked, struct wm_err *err)
{
	struct wm_cron *c;
	int rc;

	memset(ji, 0, sizeof(*ji));
	ji->name = jobs[j].name;
	ji->cron_pref = jobs[j].cron_pref;
	ji->enabled_pref = jobs[j].enabled_pref;
	*checked = -1;
	if (load_settings(db, j, ji, err) == -1 ||
	    (rc = load_row(db, ji, checked, err)) == -1)
		return -1;
	if (!ji->enabled || (c = wm_cron_parse(ji->expr, err)) == NULL)
		return 0;
	if (!wm_cron_next(c, *checked > 0 ? *checked : now_ms(), &ji->next_run))
		ji->next_run = 0;
	wm_cron_free(c);
	return 0;
}

int
wm_jobs_get(struct wm_db *db, enum wm_job j, struct wm_job_info *ji,
    struct wm_err *err)
{
	long long checked;

	if (j < 0 || j >= WM_JOB_COUNT)
		return wm_err_set(err, EX_SOFTWARE, "no such job");
	return load(db, j, ji, &checked, err);
}

static int
save_checked(struct wm_db *db, const char *name, long long checked,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "INSERT INTO jobs (name, checked) VALUES (?, ?) "
	    "ON CONFLICT (name) DO UPDATE SET checked = excluded.checked", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, checked);
	return wm_db_step_done(db, st, "saving job state", err);
}

static int
save_result(struct wm_db *db, const char *name, long long ran,
    enum wm_job_result r, const char *msg, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE jobs SET last_run = ?, result = ?, "
	    "message = ? WHERE name = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ran);
	sqlite3_bind_int(st, 2, (int)r);
	sqlite3_bind_text(st, 3, msg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	return wm_db_step_done(db, st, "saving job result", err);
}

static int
execute(struct wm_config *cfg, struct wm_db *db, enum wm_job j,
    struct wm_err *err)
{
	struct wm_err jerr;
	long long started = now_ms();
	int rc;

	wm_err_clear(&jerr);
	if (jobs[j].fn == NULL)
		rc = wm_err_set(&jerr, EX_UNAVAILABLE, "not available in this "
		    "build");
	else
		rc = jobs[j].fn(cfg, db, &jerr);
	if (rc == 0)
		wm_log(LOG_INFO, "job %s done", jobs[j].name);
	else
		wm_log(LOG_ERR, "job %s failed: %s", jobs[j].name, jerr.msg);
	if (save_result(db, jobs[j].name, started, rc == 0 ? WM_JOB_OK :
	    WM_JOB_FAILED, rc == 0 ? "" : jerr.msg, err) == -1)
		return -1;
	if (rc == -1)
		*err = jerr;
	return rc;
}

/* One job: due when its next fire time after checked is not after now. */
static int
consider(struct wm_config *cfg, struct wm_db *db, enum wm_job j,
    struct wm_err *err)
{
	struct wm_job_info ji;
	long long checked, now = now_ms();
	int due;

	if (load(db, j, &ji, &checked, err) == -1)
		return -1;
	due = checked >= 0 && ji.enabled && ji.next_run != 0 &&
	    ji.next_run <= now;
	if (ji.enabled && ji.next_run == 0 && wm_cron_check(ji.expr, err) == -1)
		wm_log(LOG_ERR, "job %s: %s", ji.name, err->msg);
	/* Moved first: a crash during the job must not run it again. */
	if (checked < now && save_checked(db, ji.name, now, err) == -1)
		return -1;
	return due ? execute(cfg, db, j, err) : 0;
}

static int
lock(struct wm_config *cfg, struct wm_err *err)
{
	char *db = wm_strdup(wm_config_path(cfg, "database")), *path;
	int fd;

	if (db == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	path = wm_asprintf("%s/cron.lock", dirname(db));
	free(db);
	if (path == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1)
		return wm_err_set(err, EX_CANTCREAT, "cron.lock: %s",
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return -2;
	}
	return fd;
}

/* A restore the console verified and left for root (an instance's loop). */
static void
apply_pending_restore(struct wm_config *cfg, struct wm_db *db)
{
	struct wm_restore_report r;
	struct wm_err err;

	switch (wm_backup_restore_pending(cfg, db, &r, &err)) {
	case 1:
		wm_log(LOG_NOTICE, "pending restore done");
		wm_db_audit(db, "wm-cron", "backup-restore", "pending restore", &err);
		break;
	case -1:
		wm_log(LOG_ERR, "pending restore failed: %s", err.msg);
		break;
	}
}

int
wm_jobs_run(struct wm_config *cfg, struct wm_db *db, struct wm_err *err)
{
	struct wm_err jerr;
	int fd, j, rc = 0;

	if ((fd = lock(cfg, err)) == -1)
		return -1;
	if (fd == -2) {
		wm_log(LOG_INFO, "a wm-cron run is under way; this one does "
		    "nothing");
		return 0;
	}
	if (geteuid() == 0)
		apply_pending_restore(cfg, db);
	for (j = 0; j < WM_JOB_COUNT; j++)
		if (consider(cfg, db, (enum wm_job)j, &jerr) == -1) {
			*err = jerr;
			rc = -1;
		}
	close(fd);
	return rc;
}

static void
pass(const char *self, const char *config)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1) {
		wm_log(LOG_ERR, "wm-cron loop: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		execl(self, self, "-c", config, "run", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

void
wm_jobs_loop(const char *self, const char *config)
{
	struct timespec ts;
	time_t now;

	for (;;) {
		pass(self, config);
		now = time(NULL);
		ts.tv_sec = 60 - now % 60;
		ts.tv_nsec = 0;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
}
