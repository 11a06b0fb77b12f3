/*
 * admin_queue.c - the Postfix queue: every mail with id, queue, sender,
 * recipients, size, age and the reason when deferred; flush, hold, release
 * and delete the selected, and the headers of one (wm_queue_*, the calls
 * wm-ctl queue makes).
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "queue.h"
#include "util.h"

#define MAX_SHOWN	1000	/* rows on the page; the count says the rest */

struct listing {
	struct admin	*a;
	int		 n;
};

static void
age(time_t arrival, char *out, size_t len)
{
	long s = (long)(wm_now() - arrival);

	if (s < 0)
		s = 0;
	if (s < 3600)
		snprintf(out, len, "%ld min", s / 60);
	else if (s < 172800)
		snprintf(out, len, "%ld h", s / 3600);
	else
		snprintf(out, len, "%ld d", s / 86400);
}

static int
row(const struct wm_queue_mail *m, void *arg)
{
	struct listing *l = arg;
	char key[64], a[32];

	if (l->n >= MAX_SHOWN) {
		l->n++;
		return 0;
	}
#define SET(field, v) do { \
		snprintf(key, sizeof(key), "Queue.mails.%d." field, l->n); \
		wm_web_set(l->a->w, key, v); } while (0)
	SET("id", m->id);
	SET("queue", m->queue);
	SET("sender", *m->sender ? m->sender : "<>");
	SET("recipients", m->recipients);
	SET("reason", m->reason);
	age(m->arrival, a, sizeof(a));
	SET("age", a);
	snprintf(a, sizeof(a), "%lld", m->size);
	SET("size", a);
#undef SET
	l->n++;
	return 0;
}

static int
queue_page(struct admin *a, int status, const char *error)
{
	struct listing l = { a, 0 };
	struct wm_err err;

	if (wm_queue_foreach(a->cfg, a->db, row, &l, &err) == -1) {
		status = 503;
		error = err.msg;
	}
	wm_web_set_int(a->w, "Queue.count", l.n);
	if (l.n > MAX_SHOWN)
		wm_web_set_int(a->w, "Queue.shown", MAX_SHOWN);
	if (error != NULL)
		return admin_page_error(a, status, "queue.cs", "Mail queue", NULL,
		    error);
	return admin_page(a, "queue.cs", "Mail queue", "The mail Postfix "
	    "still has to deliver: flush it, hold, release or delete mails.");
}

static int
r_queue(struct admin *a, const long long *args)
{
	const char *done = wm_web_param(a->w, "done");

	if (done != NULL && wm_queue_op_parse(done) >= 0)
		wm_web_setf(a->w, "Page.notice", "Done: %s.", done);
	else if (done != NULL && strcmp(done, "flush") == 0)
		wm_web_set(a->w, "Page.notice", "The queue is being flushed.");
	return queue_page(a, 200, NULL);
}

static int
r_flush(struct admin *a, const long long *args)
{
	struct wm_err err;

	if (wm_queue_flush(a->cfg, &err) == -1)
		return queue_page(a, 503, err.msg);
	admin_audit(a, "queue-flush", "mail queue", NULL, NULL);
	return admin_redirect(a, "/queue?done=flush");
}

static int
r_action(struct admin *a, const long long *args)
{
	const char *ids[500], *opname = wm_web_param(a->w, "op");
	int op = wm_queue_op_parse(opname);
	char done[32], list[512];
	struct wm_err err;
	size_t n, i;

	n = wm_web_param_list(a->w, "id", ids, sizeof(ids) / sizeof(ids[0]));
	if (op < 0 || n == 0)
		return queue_page(a, 400, "Select mails and an action first.");
	if (op == WM_QUEUE_DELETE && !admin_confirmed(a, "Delete the selected "
	    "mails from the queue? They are gone for good.", "Delete"))
		return 0;
	if (wm_queue_admin(a->cfg, op, ids, n, &err) == -1)
		return queue_page(a, wm_web_status_for(err.code), err.msg);
	list[0] = '\0';
	for (i = 0; i < n && strlen(list) + WM_QUEUE_ID_MAX + 2 < sizeof(list);
	    i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
		    i ? " " : "", ids[i]);
	snprintf(done, sizeof(done), "queue-%s", wm_queue_op_name(op));
	admin_audit(a, done, list, NULL, wm_queue_op_name(op));
	snprintf(done, sizeof(done), "/queue?done=%s", wm_queue_op_name(op));
	return admin_redirect(a, done);
}

static int
r_headers(struct admin *a, const long long *args)
{
	const char *id = wm_web_param(a->w, "id");
	struct wm_buf out;
	struct wm_err err;
	int rc;

	wm_buf_init(&out);
	if (wm_queue_admin_headers(a->cfg, id, &out, &err) == -1) {
		wm_buf_free(&out);
		return admin_fail(a, &err);
	}
	wm_buf_append(&out, "", 1);
	wm_web_set(a->w, "Queue.id", id);
	wm_web_set(a->w, "Queue.headers", out.data);
	rc = admin_page(a, "queue_headers.cs", "Queued mail", "The headers of "
	    "one mail in the queue.");
	wm_buf_free(&out);
	return rc;
}

const struct admin_route admin_queue_routes[] = {
	{ "GET",  "/queue",		r_queue,	ADMIN_LOGIN, 0 },
	{ "POST", "/queue/flush",	r_flush,	ADMIN_LOGIN, 0 },
	{ "POST", "/queue/action",	r_action,	ADMIN_LOGIN, 0 },
	{ "GET",  "/queue/headers",	r_headers,	ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_queue_menu[] = {
	{ ADMIN_SECTION_QUEUES, "Mail queue", "/queue" },
	ADMIN_MENU_END
};
