/*
 * test_throttle.c - login throttling per account and per client address.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "throttle.h"
#include "testutil.h"

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	wm_test_clock(5000000);
	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
	unsetenv("WM_NOW");
}

static void
fail_n(const char *account, const char *addr, int n)
{
	struct wm_err err;
	int i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(wm_throttle_fail(db, account, addr, &err), 0);
}

START_TEST(test_throttle_refuses_account_after_five_failures)
{
	struct wm_err err;

	fail_n("bob@example.com", "10.0.0.1", WM_THROTTLE_ACCOUNT - 1);
	ck_assert_int_eq(wm_throttle_check(db, "bob@example.com", "10.0.0.2",
	    &err), 0);
	fail_n("bob@example.com", "10.0.0.1", 1);
	ck_assert_int_eq(wm_throttle_check(db, "bob@example.com", "10.0.0.2",
	    &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_msg(strstr(err.msg, "Too many failed logins") != NULL, "%s",
	    err.msg);
	ck_assert_msg(strstr(err.msg, "15 minutes") != NULL, "%s", err.msg);
	/* Another account from the same place may still log in. */
	ck_assert_int_eq(wm_throttle_check(db, "carol@example.com", "10.0.0.1",
	    &err), 0);
}
END_TEST

START_TEST(test_throttle_account_key_ignores_case)
{
	struct wm_err err;

	fail_n("Bob@Example.com", NULL, WM_THROTTLE_ACCOUNT);
	ck_assert_int_eq(wm_throttle_check(db, "bob@example.com", NULL, &err), -1);
}
END_TEST

START_TEST(test_throttle_refuses_address_trying_many_accounts)
{
	struct wm_err err;
	char acct[64];
	int i;

	for (i = 0; i < WM_THROTTLE_ADDRESS; i++) {
		snprintf(acct, sizeof(acct), "user%d@example.com", i);
		fail_n(acct, "192.0.2.7", 1);
	}
	ck_assert_int_eq(wm_throttle_check(db, "new@example.com", "192.0.2.7",
	    &err), -1);
	ck_assert_int_eq(wm_throttle_check(db, "new@example.com", "192.0.2.8",
	    &err), 0);
}
END_TEST

START_TEST(test_throttle_window_slides)
{
	struct wm_err err;

	fail_n("bob@example.com", NULL, WM_THROTTLE_ACCOUNT);
	wm_test_clock(5000000 + WM_THROTTLE_WINDOW - 60);
	ck_assert_int_eq(wm_throttle_check(db, "bob@example.com", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "1 minute") != NULL, "%s", err.msg);
	wm_test_clock(5000000 + WM_THROTTLE_WINDOW);
	ck_assert_int_eq(wm_throttle_check(db, "bob@example.com", NULL, &err), 0);
	ck_assert_int_eq(wm_throttle_purge(db, &err), 0);
	ck_assert_int_eq(wm_throttle_count(db, "user:bob@example.com", &err), 0);
}
END_TEST

START_TEST(test_throttle_success_clears_account_not_address)
{
	struct wm_err err;

	fail_n("bob@example.com", "10.0.0.1", WM_THROTTLE_ACCOUNT - 1);
	ck_assert_int_eq(wm_throttle_success(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_throttle_count(db, "user:bob@example.com", &err), 0);
	ck_assert_int_eq(wm_throttle_count(db, "ip:10.0.0.1", &err),
	    WM_THROTTLE_ACCOUNT - 1);
	fail_n("bob@example.com", "10.0.0.1", WM_THROTTLE_ACCOUNT - 1);
	ck_assert_int_eq(wm_throttle_check(db, "bob@example.com", NULL, &err), 0);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("throttle");

	WM_TEST_F(s, test_throttle_refuses_account_after_five_failures, setup, teardown);
	WM_TEST_F(s, test_throttle_account_key_ignores_case, setup, teardown);
	WM_TEST_F(s, test_throttle_refuses_address_trying_many_accounts, setup, teardown);
	WM_TEST_F(s, test_throttle_window_slides, setup, teardown);
	WM_TEST_F(s, test_throttle_success_clears_account_not_address, setup, teardown);
	return s;
}
