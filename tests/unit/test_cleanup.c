/*
 * test_cleanup.c - auto cleanup removes exactly the mail older than the
 * interval (8h, 1d, 2w boundaries to the second), WM-Expires is honoured
 * with or without auto cleanup, dry runs remove nothing, and index rows and
 * maildir files stay in step.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "mailbox.h"
#include "message.h"
#include "prefs.h"
#include "util.h"
#include "testutil.h"

#define T0	1800000000LL

static char		*dir;
static struct wm_db	*db;
static struct wm_config	*cfg;
static int		 seq;

static void
pref(const char *name, const char *value)
{
	struct wm_err err;

	ck_assert_msg(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, name, value, &err) ==
	    0, "%s: %s", name, err.msg);
}

static void
setup(void)
{
	struct wm_err err;
	char *path;

	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	cfg = wm_config_new(dir);
	path = wm_asprintf("%s/mail", dir);
	ck_assert_int_eq(wm_mkdir_p(path, 0700, &err), 0);
	free(path);
	wm_test_clock(T0);
}

static void
teardown(void)
{
	wm_config_free(cfg);
	wm_db_close(db);
	wm_test_rmdir(dir);
	unsetenv("WM_NOW");
}

/* Stores a mail the way delivery does (file, then row); returns its id. */
static long long
add(const char *box, long long received, long long expires, const char *subj)
{
	struct wm_message m;
	struct wm_err err;
	char *file = NULL, *key, *body;
	long long id;

	ck_assert_int_eq(wm_mailbox_create(wm_config_path(cfg, "mail"), box, &err),
	    0);
	body = wm_asprintf("Subject: %s\n\nbody %d\n", subj, seq);
	ck_assert_msg(wm_mailbox_store(wm_config_path(cfg, "mail"), box, body,
	    strlen(body), &file, &err) == 0, "%s", err.msg);
	key = wm_asprintf("key-%d", seq++);
	memset(&m, 0, sizeof(m));
	m.mailbox = (char *)box;
	m.folder = "inbox";
	m.file = file;
	m.delivery_key = key;
	m.subject = (char *)subj;
	m.received = (time_t)received;
	m.expires = (time_t)expires;
	m.size = (long long)strlen(body);
	ck_assert_msg(wm_message_insert(db, &m, &err) == 0, "%s", err.msg);
	id = m.id;
	free(key);
	free(file);
	free(body);
	return id;
}

static int
exists(const char *box, long long id)
{
	struct wm_message *m;
	struct wm_err err;

	if ((m = wm_message_get(db, box, id, &err)) == NULL)
		return 0;
	wm_message_free(m);
	return 1;
}

static int
count_files(const char *box)
{
	char *path = wm_mailbox_path(wm_config_path(cfg, "mail"), box), *sub;
	const char *subs[] = { "new", "cur", NULL };
	struct dirent *de;
	DIR *d;
	int i, n = 0;

	for (i = 0; subs[i] != NULL; i++) {
		sub = wm_asprintf("%s/%s", path, subs[i]);
		if ((d = opendir(sub)) != NULL) {
			while ((de = readdir(d)) != NULL)
				if (de->d_name[0] != '.')
					n++;
			closedir(d);
		}
		free(sub);
	}
	free(path);
	return n;
}

/* Every row names an existing file and every file has a row. */
static void
assert_in_step(const char *box)
{
	struct wm_message **v;
	struct wm_err err;
	size_t n, i;
	char *path, *full;

	ck_assert_int_eq(wm_message_list(db, box, "inbox", 0, 100000, &v, &n,
	    &err), 0);
	path = wm_mailbox_path(wm_config_path(cfg, "mail"), box);
	for (i = 0; i < n; i++) {
		full = wm_asprintf("%s/%s", path, v[i]->file);
		ck_assert_msg(wm_path_exists(full), "row %lld names missing %s",
		    v[i]->id, full);
		free(full);
	}
	ck_assert_int_eq(count_files(box), (int)n);
	wm_message_list_free(v, n);
	free(path);
}

static long long
run(int dry, struct wm_err *err)
{
	struct wm_cleanup_opts o;
	long long removed = -1;

	memset(&o, 0, sizeof(o));
	o.dry_run = dry;
	ck_assert_msg(wm_cleanup_run(cfg, db, &o, &removed, err) == 0, "%s",
	    err->msg);
	return removed;
}

static void
boundary(const char *interval, long long secs, const char *box)
{
	struct wm_err err;
	long long stay, edge, go, fresh, other;

	pref("auto-cleanup-enabled", "yes");
	pref("cleanup-interval", interval);
	stay = add(box, T0 - (secs - 1), 0, "interval-1s");
	edge = add(box, T0 - secs, 0, "interval");
	go = add(box, T0 - (secs + 1), 0, "interval+1s");
	fresh = add(box, T0, 0, "fresh");
	other = add("ann@example.com", T0 - (secs - 1), 0, "neighbour");
	ck_assert_int_eq(run(0, &err), 1);
	ck_assert(exists(box, stay));
	ck_assert(exists(box, edge));
	ck_assert(!exists(box, go));
	ck_assert(exists(box, fresh));
	ck_assert(exists("ann@example.com", other));
	assert_in_step(box);
	assert_in_step("ann@example.com");
	/* One second later the message at the boundary goes too. */
	wm_test_clock(T0 + 1);
	ck_assert_int_eq(run(0, &err), 1);
	ck_assert(!exists(box, edge));
	ck_assert(exists(box, stay));
	assert_in_step(box);
}

START_TEST(test_cleanup_8h_boundary)
{
	boundary("8h", 8 * 3600, "bob@example.com");
}
END_TEST

START_TEST(test_cleanup_1d_boundary)
{
	boundary("1d", 86400, "bob@example.com");
}
END_TEST

START_TEST(test_cleanup_2w_boundary)
{
	boundary("2w", 14 * 86400, "bob@example.com");
}
END_TEST

START_TEST(test_auto_cleanup_off_keeps_old_mail)
{
	struct wm_err err;
	long long old;

	pref("cleanup-interval", "8h");
	old = add("bob@example.com", T0 - 365 * 86400LL, 0, "old");
	ck_assert_int_eq(run(0, &err), 0);
	ck_assert(exists("bob@example.com", old));
	assert_in_step("bob@example.com");
}
END_TEST

START_TEST(test_expires_honoured_without_auto_cleanup)
{
	struct wm_err err;
	long long past, now, later;

	past = add("bob@example.com", T0 - 60, T0 - 1, "past");
	now = add("bob@example.com", T0 - 60, T0, "now");
	later = add("bob@example.com", T0 - 60, T0 + 1, "later");
	ck_assert_int_eq(run(0, &err), 2);
	ck_assert(!exists("bob@example.com", past));
	ck_assert(!exists("bob@example.com", now));
	ck_assert(exists("bob@example.com", later));
	assert_in_step("bob@example.com");
}
END_TEST

START_TEST(test_expires_before_interval_wins)
{
	struct wm_err err;
	long long id;

	pref("auto-cleanup-enabled", "yes");
	pref("cleanup-interval", "2w");
	id = add("bob@example.com", T0 - 10, T0 - 5, "short-lived");
	ck_assert_int_eq(run(0, &err), 1);
	ck_assert(!exists("bob@example.com", id));
}
END_TEST

struct seen {
	int	 n;
	char	 line[4][200];
};

static int
collect(const struct wm_cleanup_item *it, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4)
		snprintf(s->line[s->n], sizeof(s->line[0]), "%s %lld %s %s",
		    it->mailbox, it->id, it->subject, it->reason);
	s->n++;
	return 0;
}

START_TEST(test_dry_run_reports_and_removes_nothing)
{
	struct wm_cleanup_opts o;
	struct wm_err err;
	struct seen s;
	long long a, b, removed;
	char want[200];

	pref("auto-cleanup-enabled", "yes");
	pref("cleanup-interval", "1d");
	a = add("bob@example.com", T0 - 2 * 86400, 0, "aged");
	b = add("bob@example.com", T0, T0 - 1, "expired");
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	o.dry_run = 1;
	o.report = collect;
	o.arg = &s;
	ck_assert_int_eq(wm_cleanup_run(cfg, db, &o, &removed, &err), 0);
	ck_assert_int_eq(removed, 2);
	ck_assert_int_eq(s.n, 2);
	snprintf(want, sizeof(want), "bob@example.com %lld aged age", a);
	ck_assert_str_eq(s.line[0], want);
	snprintf(want, sizeof(want), "bob@example.com %lld expired expired", b);
	ck_assert_str_eq(s.line[1], want);
	ck_assert(exists("bob@example.com", a));
	ck_assert(exists("bob@example.com", b));
	ck_assert_int_eq(count_files("bob@example.com"), 2);
	o.dry_run = 0;
	s.n = 0;
	ck_assert_int_eq(wm_cleanup_run(cfg, db, &o, &removed, &err), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(count_files("bob@example.com"), 0);
	assert_in_step("bob@example.com");
}
END_TEST

START_TEST(test_missing_file_does_not_stop_cleanup)
{
	struct wm_message *m;
	struct wm_err err;
	char *path, *full;
	long long a, b;

	a = add("bob@example.com", T0, T0 - 1, "gone already");
	b = add("bob@example.com", T0, T0 - 1, "still there");
	m = wm_message_get(db, "bob@example.com", a, &err);
	path = wm_mailbox_path(wm_config_path(cfg, "mail"), "bob@example.com");
	full = wm_asprintf("%s/%s", path, m->file);
	ck_assert_int_eq(unlink(full), 0);
	ck_assert_int_eq(run(0, &err), 2);
	ck_assert(!exists("bob@example.com", a));
	ck_assert(!exists("bob@example.com", b));
	assert_in_step("bob@example.com");
	wm_message_free(m);
	free(path);
	free(full);
}
END_TEST

START_TEST(test_message_deleted_meanwhile_is_skipped)
{
	struct wm_cleanup_opts o;
	struct wm_err err;
	long long removed, victim;
	char *sql;

	add("bob@example.com", T0, T0 - 1, "first");
	victim = add("bob@example.com", T0, T0 - 1, "deleted by the user");
	/* A user deletes the second while cleanup's batch deletes the first. */
	sql = wm_asprintf("CREATE TEMP TRIGGER user_deletes BEFORE DELETE ON "
	    "messages WHEN OLD.subject = 'first' BEGIN DELETE FROM messages "
	    "WHERE id = %lld; END", victim);
	ck_assert_int_eq(wm_db_exec(db, sql, &err), 0);
	free(sql);
	memset(&o, 0, sizeof(o));
	ck_assert_msg(wm_cleanup_run(cfg, db, &o, &removed, &err) == 0, "%s",
	    err.msg);
	ck_assert_int_eq(removed, 1);
	ck_assert(!exists("bob@example.com", victim));
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("cleanup");

	WM_TEST_F(s, test_cleanup_8h_boundary, setup, teardown);
	WM_TEST_F(s, test_cleanup_1d_boundary, setup, teardown);
	WM_TEST_F(s, test_cleanup_2w_boundary, setup, teardown);
	WM_TEST_F(s, test_auto_cleanup_off_keeps_old_mail, setup, teardown);
	WM_TEST_F(s, test_expires_honoured_without_auto_cleanup, setup, teardown);
	WM_TEST_F(s, test_expires_before_interval_wins, setup, teardown);
	WM_TEST_F(s, test_dry_run_reports_and_removes_nothing, setup, teardown);
	WM_TEST_F(s, test_missing_file_does_not_stop_cleanup, setup, teardown);
	WM_TEST_F(s, test_message_deleted_meanwhile_is_skipped, setup, teardown);
	return s;
}
