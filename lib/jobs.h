/*
 * jobs.h - the scheduled jobs of the box (backup, log export, cleanup), each
 * on a Quartz cron expression kept as a setting, run by wm-cron(8): a job
 * runs at most once per fire time, a fire time missed while the box was off
 * runs once at the next pass, and two passes never overlap.
 */
#ifndef WM_JOBS_H
#define WM_JOBS_H

#include <stdio.h>

struct wm_config;
struct wm_db;
struct wm_err;

enum wm_job { WM_JOB_BACKUP, WM_JOB_LOGEXPORT, WM_JOB_CLEANUP, WM_JOB_COUNT };
enum wm_job_result { WM_JOB_NEVER = 0, WM_JOB_OK, WM_JOB_FAILED };

struct wm_job_info {
	const char		*name;		/* "backup", "logexport", "cleanup" */
	const char		*cron_pref;	/* the setting holding the expression */
	const char		*enabled_pref;	/* NULL: always enabled */
	char			 expr[256];
	int			 enabled;
	long long		 last_run;	/* ms since 1970, 0: never */
	long long		 next_run;	/* ms, 0: none (disabled, or no more) */
	enum wm_job_result	 result;
	char			 message[256];	/* outcome of the last run */
};

/* "never", "ok", "failed". */
const char *wm_job_result_name(enum wm_job_result);
/* The state of one job; -1 when a setting or the database cannot be read. */
int	 wm_jobs_get(struct wm_db *, enum wm_job, struct wm_job_info *,
	    struct wm_err *);
/*
 * One pass at wm_now(): runs every enabled job with a fire time after its
 * last pass and not after now.  Returns 0 (also when another pass holds the
 * lock and this one did nothing); -1 when a job could not be considered or
 * failed (its outcome is recorded; the others still ran).
 */
int	 wm_jobs_run(struct wm_config *, struct wm_db *, struct wm_err *);
/*
 * For an instance: runs "self -c config run" at the start and then at
 * every full minute, until a signal ends it.  Never returns.
 */
void	 wm_jobs_loop(const char *self, const char *config) __attribute__((noreturn));

#endif
