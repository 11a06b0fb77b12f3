/*
 * cron.h - Quartz 2.x cron expressions (CronExpression): parsing with the
 * same refusals, and the next fire time with the same calendar walk, in the
 * process's local time zone ($TZ).
 *
 * Fields: seconds minutes hours day-of-month month day-of-week [year];
 * "* ? - , /", JAN-DEC, SUN-SAT (1 = Sunday), L, W, LW, L-n, nL, n#m.
 * Exactly one of day-of-month and day-of-week is "?".  Years 1970-2099.
 */
#ifndef WM_CRON_H
#define WM_CRON_H

struct wm_err;
struct wm_cron;

/* NULL with EX_DATAERR "FIELD: reason" when Quartz would refuse expr. */
struct wm_cron *wm_cron_parse(const char *expr, struct wm_err *);
void	 wm_cron_free(struct wm_cron *);
/* Validates without keeping the result (settings, pages). */
int	 wm_cron_check(const char *expr, struct wm_err *);

/*
 * The first fire time strictly after after_ms (milliseconds since the
 * epoch), in whole seconds, as milliseconds.  Returns 1 and sets *next_ms,
 * or 0 when the expression fires no more before 2100.
 */
int	 wm_cron_next(const struct wm_cron *, long long after_ms, long long *next_ms);

/* Whether zone names a time zone the system knows ("UTC", "Europe/Berlin"). */
int	 wm_cron_zone_ok(const char *zone);
/* ISO 8601 local time with offset, "2027-03-28T03:30:00+02:00". */
void	 wm_cron_format(long long ms, char *out, unsigned long outlen);

#endif
