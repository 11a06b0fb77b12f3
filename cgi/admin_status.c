/*
 * admin_status.c - the page after login (guide 5): the state of the box at
 * a glance, and its history graphs drawn here as SVG (no script).
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "status.h"
#include "util.h"

static void
human(long long n, char *out, size_t len)
{
	const char *u[] = { "B", "KB", "MB", "GB", "TB" };
	double v = (double)n;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, len, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void
status_vars(struct admin *a, const struct wm_status *s)
{
	char b[32];

	if (s->queue_known) {
		wm_web_set_int(a->w, "Status.queue.incoming", s->queue.incoming);
		wm_web_set_int(a->w, "Status.queue.active", s->queue.active);
		wm_web_set_int(a->w, "Status.queue.deferred", s->queue.deferred);
		wm_web_set_int(a->w, "Status.queue.hold", s->queue.hold);
		wm_web_set(a->w, "Status.queue.known", "1");
	}
	wm_web_set_int(a->w, "Status.delivered.hour", s->delivered_hour);
	wm_web_set_int(a->w, "Status.delivered.day", s->delivered_day);
	wm_web_set_int(a->w, "Status.postmaster.hour", s->postmaster_hour);
	wm_web_set_int(a->w, "Status.postmaster.day", s->postmaster_day);
	wm_web_set_int(a->w, "Status.deferred.hour", s->deferred_hour);
	wm_web_set_int(a->w, "Status.deferred.day", s->deferred_day);
	wm_web_set_int(a->w, "Status.users", s->users);
	wm_web_set_int(a->w, "Status.mailboxes", s->mailboxes);
	human(s->mail_bytes, b, sizeof(b));
	wm_web_set(a->w, "Status.mail", b);
	human(s->free_bytes, b, sizeof(b));
	wm_web_set(a->w, "Status.free", b);
	wm_web_set_int(a->w, "Status.certs.expiring", s->certs_expiring);
	wm_web_set_int(a->w, "Status.certs.expired", s->certs_expired);
	wm_web_set(a->w, "Status.certs.first", s->first_expiring);
	wm_web_set_int(a->w, "Status.crls.due", s->crls_due);
}

static int
r_status(struct admin *a, const long long *args)
{
	const char *range = wm_web_param(a->w, "range");
	struct wm_status s;
	struct wm_err err;

	if (wm_status_get(a->cfg, a->db, &s, &err) == -1)
		return admin_fail(a, &err);
	status_vars(a, &s);
	wm_web_set(a->w, "Status.range", wm_metric_range_parse(range) >= 0 ?
	    range : "24h");
	if (wm_web_param(a->w, "changed") != NULL)
		wm_web_set(a->w, "Page.notice", "Your password is changed.");
	return admin_page(a, "status.cs", "System status", "A quick overview "
	    "of the state of the system: queues, deliveries and history.");
}

/* One graph: /graph/METRIC-RANGE.svg, drawn from the metric's ring. */
static int
graph(struct admin *a, enum wm_metric m, const char *title)
{
	const char *rs = wm_web_param(a->w, "range");
	int r = wm_metric_range_parse(rs ? rs : "24h");
	long long v[512];
	struct wm_buf svg;
	struct wm_err err;
	time_t start;
	int rc;

	if (r < 0)
		return admin_error(a, 404, "There is no such graph.");
	if (wm_metric_series(a->db, m, r, v, &start, &err) == -1)
		return admin_fail(a, &err);
	wm_buf_init(&svg);
	rc = wm_metric_svg(v, wm_metric_slots(r), start, wm_metric_step(r),
	    title, &svg);
	if (rc == 0)
		rc = wm_web_send(a->w, "image/svg+xml", NULL, NULL, svg.data,
		    svg.len, &err);
	wm_buf_free(&svg);
	return rc;
}

static int
r_graph_deliveries(struct admin *a, const long long *args)
{
	return graph(a, WM_METRIC_DELIVERED, "Deliveries");
}

static int
r_graph_postmaster(struct admin *a, const long long *args)
{
	return graph(a, WM_METRIC_POSTMASTER, "Sent to the postmaster");
}

static int
r_graph_queue(struct admin *a, const long long *args)
{
	return graph(a, WM_METRIC_QUEUE, "Queue size");
}

static int
r_graph_logins(struct admin *a, const long long *args)
{
	return graph(a, WM_METRIC_LOGINS, "Logins");
}

const struct admin_route admin_status_routes[] = {
	{ "GET", "/status", r_status, ADMIN_LOGIN, 0 },
	{ "GET", "/graph/deliveries.svg", r_graph_deliveries, ADMIN_LOGIN, 0 },
	{ "GET", "/graph/postmaster.svg", r_graph_postmaster, ADMIN_LOGIN, 0 },
	{ "GET", "/graph/queue.svg", r_graph_queue, ADMIN_LOGIN, 0 },
	{ "GET", "/graph/logins.svg", r_graph_logins, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_status_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Status", "/status" },
	ADMIN_MENU_END
};
