/*
 * metrics.h - counters and gauges of the box kept the way RRD keeps history:
 * for each resolution a fixed ring of buckets (table metrics, slot = bucket
 * number modulo the ring size), so the history of a year takes as many rows
 * as that of a day and the status page reads the same few rows.  wm-deliver,
 * the portal, the console and wm-cleanup note events here; noting is best
 * effort (one statement, errors logged, never returned), so counting can
 * never make a delivery or a login fail.
 */
#ifndef WM_METRICS_H
#define WM_METRICS_H

#include <stddef.h>
#include <time.h>

struct wm_db;
struct wm_err;
struct wm_buf;

enum wm_metric {
	WM_METRIC_DELIVERED,		/* mails stored for a recipient */
	WM_METRIC_POSTMASTER,		/* tunnels sent to the postmaster */
	WM_METRIC_DEFERRED,		/* deliveries answered "try again later" */
	WM_METRIC_LOGINS,		/* portal and console logins */
	WM_METRIC_CLEANED,		/* mails removed by wm-cleanup */
	WM_METRIC_QUEUE,		/* gauge: mails in the Postfix queue */
	WM_METRIC_COUNT
};

/* The history ranges of the graphs. */
enum wm_metric_range {
	WM_RANGE_DAY,			/* 24 h in 5-minute buckets */
	WM_RANGE_WEEK,			/* 7 d in hours */
	WM_RANGE_MONTH,			/* 30 d in 4-hour buckets */
	WM_RANGE_COUNT
};

const char *wm_metric_name(enum wm_metric);
/* "24h", "7d", "30d"; wm_metric_range_parse returns -1 for anything else. */
const char *wm_metric_range_name(enum wm_metric_range);
int	 wm_metric_range_parse(const char *);
/* Seconds per bucket and buckets of a range. */
long	 wm_metric_step(enum wm_metric_range);
size_t	 wm_metric_slots(enum wm_metric_range);

/* Adds n to a counter now (a gauge keeps the largest value of a bucket). */
void	 wm_metric_note(struct wm_db *, enum wm_metric, long long n);
/* The same at time t, with errors reported (tests, imports). */
int	 wm_metric_add(struct wm_db *, enum wm_metric, long long n, time_t t,
	    struct wm_err *);

/* Sum of a counter over the last seconds (up to a day, 5-minute exact). */
int	 wm_metric_sum(struct wm_db *, enum wm_metric, long seconds,
	    long long *out, struct wm_err *);

/*
 * The history of a range ending now: out[i] is bucket i, oldest first
 * (wm_metric_slots entries); *start the time of out[0].  Empty buckets 0.
 */
int	 wm_metric_series(struct wm_db *, enum wm_metric, enum wm_metric_range,
	    long long *out, time_t *start, struct wm_err *);

/*
 * The series as an SVG bar chart (no script, no style sheet): one <rect>
 * per non-empty bucket carrying data-t (bucket start, epoch) and data-v.
 */
int	 wm_metric_svg(const long long *values, size_t n, time_t start,
	    long step, const char *title, struct wm_buf *out);

#endif
