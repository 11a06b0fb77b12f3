/*
 * metrics.c - see metrics.h.  One statement updates every resolution: a
 * bucket whose start differs from the event's is an old lap of the ring and
 * starts again from the event's value.  Step 1 holds the latest event (its
 * exact time), so the console knows how fresh a gauge is.
 */
#include <string.h>

#include "db.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

static const char *const metric_names[WM_METRIC_COUNT] = {
	"delivered", "postmaster", "deferred", "logins", "cleaned", "queue"
};

static const struct {
	const char	*name;
	long		 step;
	size_t		 slots;
} ranges[WM_RANGE_COUNT] = {
	{ "24h", 300, 288 },
	{ "7d", 3600, 168 },
	{ "30d", 14400, 180 },
};

const char *
wm_metric_name(enum wm_metric m)
{
	return (unsigned)m < WM_METRIC_COUNT ? metric_names[m] : "unknown";
}

const char *
wm_metric_range_name(enum wm_metric_range r)
{
	return (unsigned)r < WM_RANGE_COUNT ? ranges[r].name : "unknown";
}

int
wm_metric_range_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < WM_RANGE_COUNT; i++)
		if (strcmp(s, ranges[i].name) == 0)
			return i;
	return -1;
}

long
wm_metric_step(enum wm_metric_range r)
{
	return ranges[r].step;
}

size_t
wm_metric_slots(enum wm_metric_range r)
{
	return ranges[r].slots;
}

int
wm_metric_add(struct wm_db *db, enum wm_metric m, long long n, time_t t,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	if ((unsigned)m >= WM_METRIC_COUNT)
		return wm_err_set(err, EX_SOFTWARE, "no such metric");
	st = wm_db_prepare(db, "INSERT INTO metrics (name, step, slot, start, "
	    "value) VALUES "
	    "(?1, 1, 0, ?2, ?3),"
	    "(?1, 300, (?2 / 300) % 288, ?2 / 300 * 300, ?3),"
	    "(?1, 3600, (?2 / 3600) % 168, ?2 / 3600 * 3600, ?3),"
	    "(?1, 14400, (?2 / 14400) % 180, ?2 / 14400 * 14400, ?3) "
	    "ON CONFLICT (name, step, slot) DO UPDATE SET "
	    "value = CASE WHEN start <> excluded.start THEN excluded.value "
	    "  WHEN ?4 THEN max(value, excluded.value) "
	    "  ELSE value + excluded.value END, "
	    "start = excluded.start", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, metric_names[m], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	sqlite3_bind_int64(st, 3, n);
	sqlite3_bind_int(st, 4, m == WM_METRIC_QUEUE);
	return wm_db_step_done(db, st, "metrics", err);
}

void
wm_metric_note(struct wm_db *db, enum wm_metric m, long long n)
{
	struct wm_err err;

	if (db != NULL && wm_metric_add(db, m, n, wm_now(), &err) == -1)
		wm_log(LOG_NOTICE, "metric %s not counted: %s", wm_metric_name(m),
		    err.msg);
}

int
wm_metric_sum(struct wm_db *db, enum wm_metric m, long seconds, long long *out,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT COALESCE(sum(value), 0) FROM metrics "
	    "WHERE name = ? AND step = 300 AND start > ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, wm_metric_name(m), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(wm_now() - seconds));
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : wm_db_fail(db, "metrics", err);
}

int
wm_metric_series(struct wm_db *db, enum wm_metric m, enum wm_metric_range r,
    long long *out, time_t *start, struct wm_err *err)
{
	long step = ranges[r].step;
	size_t slots = ranges[r].slots, i;
	long long first;
	sqlite3_stmt *st;
	int rc;

	first = ((long long)wm_now() / step - (long long)slots + 1) * step;
	*start = (time_t)first;
	memset(out, 0, slots * sizeof(*out));
	st = wm_db_prepare(db, "SELECT start, value FROM metrics WHERE name = ? "
	    "AND step = ? AND start >= ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, wm_metric_name(m), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, step);
	sqlite3_bind_int64(st, 3, first);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		i = (size_t)((sqlite3_column_int64(st, 0) - first) / step);
		if (i < slots)
			out[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : wm_db_fail(db, "metrics", err);
}

#define SVG_W	720
#define SVG_H	160
#define PLOT_T	24	/* room for the title */
#define PLOT_B	20	/* room for the time labels */

static void
svg_labels(struct wm_buf *out, const char *title, long long max, time_t start,
    time_t end)
{
	char a[32], b[32];

	wm_time_format(start, a, sizeof(a));
	wm_time_format(end, b, sizeof(b));
	wm_buf_printf(out, "<text x=\"4\" y=\"16\" font-size=\"13\" "
	    "font-family=\"sans-serif\" fill=\"#1b1f24\">%s (max %lld)</text>\n",
	    title, max);
	wm_buf_printf(out, "<text x=\"4\" y=\"%d\" font-size=\"11\" "
	    "font-family=\"sans-serif\" fill=\"#45505c\">%s</text>\n"
	    "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" "
	    "font-family=\"sans-serif\" fill=\"#45505c\">%s</text>\n",
	    SVG_H - 5, a, SVG_W - 4, SVG_H - 5, b);
}

int
wm_metric_svg(const long long *v, size_t n, time_t start, long step,
    const char *title, struct wm_buf *out)
{
	long long max = 1, shown = 0;
	double bw = n ? (double)SVG_W / (double)n : SVG_W, h;
	int plot = SVG_H - PLOT_T - PLOT_B;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	wm_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"%s\">\n<rect width=\"%d\" height=\"%d\" "
	    "fill=\"#ffffff\"/>\n<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#8a96a3\"/>\n", SVG_W, SVG_H, SVG_W, SVG_H, title, SVG_W,
	    SVG_H, SVG_H - PLOT_B, SVG_W, SVG_H - PLOT_B);
	for (i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		shown += v[i];
		h = (double)plot * (double)v[i] / (double)max;
		wm_buf_printf(out, "<rect class=\"point\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"#0b5cad\" "
		    "data-t=\"%lld\" data-v=\"%lld\"><title>%lld</title></rect>\n",
		    bw * (double)i, (double)(SVG_H - PLOT_B) - h,
		    bw > 1.5 ? bw - 0.5 : bw, h,
		    (long long)start + (long long)i * step, v[i], v[i]);
	}
	svg_labels(out, title, shown ? max : 0, start,
	    start + (time_t)(n * (size_t)step));
	return wm_buf_puts(out, "</svg>\n");
}
