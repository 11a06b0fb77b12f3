/*
 * admin_logs.c - the mail log and the box's own log, newest first, paged
 * from an offset, filtered by a text or a queue id, and downloadable
 * (wm_logview_read).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "logview.h"
#include "util.h"

#define PAGE		100
#define DOWNLOAD_MAX	(256L * 1024 * 1024)

struct page {
	struct admin	*a;
	int		 n;
};

static int
line(const char *s, size_t len, void *arg)
{
	struct page *p = arg;
	char key[48], *copy;

	snprintf(key, sizeof(key), "Logs.lines.%d", p->n++);
	if ((copy = strndup(s, len)) == NULL)
		return -1;
	wm_web_set(p->a->w, key, copy);
	free(copy);
	return 0;
}

static int
kind_of(struct admin *a)
{
	int k = wm_log_kind_parse(wm_web_param(a->w, "log"));

	return k < 0 ? WM_LOG_MAIL : k;
}

static int
r_logs(struct admin *a, const long long *args)
{
	const char *q = wm_web_param(a->w, "q");
	const char *before = wm_web_param(a->w, "before");
	int k = kind_of(a);
	const char *path = wm_log_kind_path(a->cfg, k);
	struct page p = { a, 0 };
	struct wm_err err;
	off_t next = 0;

	if (path == NULL)
		return admin_error(a, 404, "This log is not configured.");
	if (wm_logview_read(path, before ? strtoll(before, NULL, 10) : -1,
	    q != NULL && *q != '\0' ? q : NULL, PAGE, line, &p, &next,
	    &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Logs.log", wm_log_kind_name(k));
	wm_web_set(a->w, "Form.q", q);
	wm_web_set_int(a->w, "Logs.count", p.n);
	if (next > 0 && p.n == PAGE)
		wm_web_set_int(a->w, "Logs.next", (long long)next);
	return admin_page(a, "logs.cs", k == WM_LOG_MAIL ? "Mail log" :
	    "Box log", "The log, newest line first; filter by a text or a "
	    "queue id.");
}

static int
r_download(struct admin *a, const long long *args)
{
	int k = kind_of(a);
	const char *path = wm_log_kind_path(a->cfg, k);
	struct wm_buf b;
	struct wm_err err;
	char name[32];
	int rc;

	wm_buf_init(&b);
	if (path == NULL || (wm_read_file(path, DOWNLOAD_MAX, &b, &err) == -1 &&
	    wm_path_exists(path))) {
		wm_buf_free(&b);
		return admin_error(a, 404, "This log cannot be read.");
	}
	snprintf(name, sizeof(name), "%s.log", wm_log_kind_name(k));
	rc = wm_web_send(a->w, "text/plain; charset=utf-8", "attachment", name,
	    b.data ? b.data : "", b.len, &err);
	wm_buf_free(&b);
	return rc;
}

const struct admin_route admin_logs_routes[] = {
	{ "GET", "/logs",		r_logs,		ADMIN_LOGIN, 0 },
	{ "GET", "/logs/download",	r_download,	ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_logs_menu[] = {
	{ ADMIN_SECTION_LOGS, "Logs", "/logs" },
	ADMIN_MENU_END
};
