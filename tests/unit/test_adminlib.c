/*
 * test_adminlib.c - the library calls behind the console's forms and lists:
 * a settings form applied all or nothing, the inherit view, keyset paging
 * of users in both directions with filters, idle-user selection, and the
 * template check that refuses what would not render.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "err.h"
#include "prefs.h"
#include "prefsform.h"
#include "template.h"
#include "tmplcheck.h"
#include "user.h"
#include "userlist.h"
#include "util.h"
#include "testutil.h"

static char		*tmpdir;
static struct wm_db	*db;

static void
setup(void)
{
	struct wm_err err;
	char *path;

	tmpdir = wm_test_tmpdir();
	path = wm_asprintf("%s/wm.db", tmpdir);
	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	free(path);
	wm_test_clock(1800000000);
}

static void
teardown(void)
{
	wm_db_close(db);
	db = NULL;
	wm_test_rmdir(tmpdir);
	unsetenv("WM_NOW");
}

static char *
get(enum wm_scope scope, const char *owner, const char *name)
{
	struct wm_err err;
	char *v = wm_pref_get(db, scope, owner, name, NULL, &err);

	ck_assert_msg(v != NULL, "%s", err.msg);
	return v;
}

START_TEST(test_form_with_one_bad_field_saves_nothing)
{
	struct wm_pref_change ch[] = {
		{ "comment", "from the form", { 0, "" }, 0 },
		{ "quota", "5Q", { 0, "" }, 0 },
		{ "login-allowed", "maybe", { 0, "" }, 0 },
	};
	struct wm_err err;
	char *v;

	ck_assert_int_eq(wm_prefs_apply(db, "tester", NULL, WM_SCOPE_DOMAIN,
	    "Example.COM", ch, 3, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(ch[0].err.code, 0);
	ck_assert_int_eq(ch[1].err.code, EX_DATAERR);
	ck_assert_int_eq(ch[2].err.code, EX_DATAERR);
	v = get(WM_SCOPE_DOMAIN, "example.com", "comment");
	ck_assert_str_eq(v, "");
	free(v);
}
END_TEST

START_TEST(test_form_applies_changes_and_inherit)
{
	struct wm_pref_change ch[] = {
		{ "quota", "5G", { 0, "" }, 0 },
		{ "comment", NULL, { 0, "" }, 0 },
	};
	struct wm_pref_view view;
	struct wm_err err;

	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "quota", "2G",
	    &err), 0);
	ck_assert_int_eq(wm_prefs_apply(db, "tester", NULL, WM_SCOPE_DOMAIN,
	    "example.com", ch, 2, &err), 0);
	ck_assert_int_eq(ch[0].changed, 1);
	ck_assert_int_eq(ch[1].changed, 0);	/* was inherited already */
	ck_assert_int_eq(wm_pref_view_get(db, WM_SCOPE_USER, "bob@example.com",
	    wm_pref_find("quota"), &view, &err), 0);
	ck_assert_ptr_null(view.own);
	ck_assert_str_eq(view.inherited, "5368709120");
	ck_assert_int_eq(view.inherited_from, WM_SCOPE_DOMAIN);
	wm_pref_view_clear(&view);
	ck_assert_int_eq(wm_pref_view_get(db, WM_SCOPE_DOMAIN, "example.com",
	    wm_pref_find("quota"), &view, &err), 0);
	ck_assert_str_eq(view.own, "5368709120");
	ck_assert_str_eq(view.inherited, "2147483648");
	ck_assert_int_eq(view.inherited_from, WM_SCOPE_GLOBAL);
	wm_pref_view_clear(&view);
	/* The same form again changes nothing, so nothing more is audited. */
	ck_assert_int_eq(wm_prefs_apply(db, "tester", NULL, WM_SCOPE_DOMAIN,
	    "example.com", ch, 2, &err), 0);
	ck_assert_int_eq(ch[0].changed, 0);
}
END_TEST

START_TEST(test_form_refuses_a_setting_of_another_scope)
{
	struct wm_pref_change ch[] = {
		{ "relay-recipient", "x@example.com", { 0, "" }, 0 },
	};
	struct wm_err err;

	ck_assert_int_eq(wm_prefs_apply(db, "tester", NULL, WM_SCOPE_USER,
	    "bob@example.com", ch, 1, &err), -1);
	ck_assert_int_eq(ch[0].err.code, EX_USAGE);
	ck_assert(!wm_pref_allowed(wm_pref_find("relay-recipient"),
	    WM_SCOPE_USER));
	ck_assert(wm_pref_page_of(wm_pref_find("quota")) == WM_PREF_PAGE_QUOTA);
	ck_assert(wm_pref_advanced(wm_pref_find("server-secret")));
	ck_assert(!wm_pref_advanced(wm_pref_find("postmaster")));
}
END_TEST

static void
add_users(int n)
{
	struct wm_err err;
	char a[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "u%03d@example.com", i);
		ck_assert_msg(wm_user_add(db, a, &err) == 0, "%s", err.msg);
	}
}

struct seen {
	char	 list[2048];
	int	 n;
};

static int
collect(const struct wm_user *u, void *arg)
{
	struct seen *s = arg;

	strncat(s->list, u->address, sizeof(s->list) - strlen(s->list) - 2);
	strcat(s->list, " ");
	s->n++;
	return 0;
}

START_TEST(test_user_pages_walk_both_ways)
{
	struct wm_user_query q = { 0 };
	struct seen s = { "", 0 };
	struct wm_err err;
	int more;

	add_users(7);
	q.limit = 3;
	q.after = "u002@example.com";
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, &more, &err), 0);
	ck_assert_str_eq(s.list, "u003@example.com u004@example.com u005@example.com ");
	ck_assert_int_eq(more, 1);
	memset(&s, 0, sizeof(s));
	q.after = NULL;
	q.before = "u003@example.com";
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, &more, &err), 0);
	ck_assert_str_eq(s.list, "u000@example.com u001@example.com u002@example.com ");
	ck_assert_int_eq(more, 0);
	memset(&s, 0, sizeof(s));
	q.before = NULL;
	q.after = "u004@example.com";
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, &more, &err), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(more, 0);
}
END_TEST

START_TEST(test_user_search_and_filters)
{
	struct wm_user_query q = { 0 };
	struct seen s = { "", 0 };
	struct wm_err err;

	add_users(12);
	ck_assert_int_eq(wm_user_set_enabled(db, "u005@example.com", 0, &err), 0);
	ck_assert_int_eq(wm_user_set_password(db, "u007@example.com",
	    "Long-enough-pass-1", &err), 0);
	q.limit = 50;
	q.search = "u01";
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_str_eq(s.list, "u010@example.com u011@example.com ");
	memset(&s, 0, sizeof(s));
	q.search = "u0_";
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_int_eq(s.n, 0);
	q.search = NULL;
	q.filter = WM_USERS_DISABLED;
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_str_eq(s.list, "u005@example.com ");
	memset(&s, 0, sizeof(s));
	q.filter = WM_USERS_PASSWORD_SET;
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_str_eq(s.list, "u007@example.com ");
	q.limit = 0;
	ck_assert_int_eq(wm_user_list(db, &q, collect, &s, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
}
END_TEST

START_TEST(test_idle_users_and_last_login)
{
	struct wm_idle_query q = { WM_IDLE_NEVER, 0, NULL, 50 };
	struct seen s = { "", 0 };
	struct wm_err err;
	long long removed;

	add_users(3);
	wm_test_clock(1800000000 + 10 * 86400);
	ck_assert_int_eq(wm_user_set_password(db, "u001@example.com",
	    "Long-enough-pass-1", &err), 0);
	ck_assert_int_eq(wm_user_check_password(db, "u001@example.com",
	    "Long-enough-pass-1", &err), 0);
	q.days = 5;
	ck_assert_int_eq(wm_user_idle_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_str_eq(s.list, "u000@example.com u002@example.com ");
	memset(&s, 0, sizeof(s));
	q.days = 11;
	ck_assert_int_eq(wm_user_idle_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_int_eq(s.n, 0);
	q.kind = WM_IDLE_SINCE;
	q.days = 0;
	ck_assert_int_eq(wm_user_idle_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_str_eq(s.list, "u001@example.com ");
	q.kind = WM_IDLE_NEVER;
	q.days = 5;
	ck_assert_int_eq(wm_user_cleanup(db, tmpdir, "tester", NULL, &q, 0, &removed,
	    &err), 0);
	ck_assert_int_eq(removed, 2);
	memset(&s, 0, sizeof(s));
	q.kind = WM_IDLE_SINCE;
	q.days = 0;
	ck_assert_int_eq(wm_user_idle_list(db, &q, collect, &s, NULL, &err), 0);
	ck_assert_str_eq(s.list, "u001@example.com ");
}
END_TEST

START_TEST(test_template_check_refuses_what_would_not_render)
{
	struct wm_err err;
	char *mail;

	mail = wm_template_preview("new-mail", "From: <?cs var:from ?>\n"
	    "To: <?cs var:to ?>\nSubject: n\n\n<?cs var:unseen ?> unread\n", &err);
	ck_assert_msg(mail != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(mail, "3 unread"));
	free(mail);
	ck_assert_ptr_null(wm_template_preview("new-mail", "From: a@b.c\nTo: "
	    "d@e.f\n\n<?cs if:unseen ?>open", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_template_save(db, "tester", NULL, WM_SCOPE_GLOBAL, NULL,
	    "new-mail", "Subject: no sender\n\nhi\n", &err), -1);
	ck_assert_ptr_null(wm_template_get(db, WM_SCOPE_GLOBAL, NULL,
	    "new-mail", &err));
	ck_assert_ptr_null(wm_template_samples("no-such-template", &err));
	ck_assert_int_eq(err.code, EX_USAGE);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("adminlib");

	WM_TEST_F(s, test_form_with_one_bad_field_saves_nothing, setup, teardown);
	WM_TEST_F(s, test_form_applies_changes_and_inherit, setup, teardown);
	WM_TEST_F(s, test_form_refuses_a_setting_of_another_scope, setup, teardown);
	WM_TEST_F(s, test_user_pages_walk_both_ways, setup, teardown);
	WM_TEST_F(s, test_user_search_and_filters, setup, teardown);
	WM_TEST_F(s, test_idle_users_and_last_login, setup, teardown);
	WM_TEST_F(s, test_template_check_refuses_what_would_not_render, setup,
	    teardown);
	return s;
}
