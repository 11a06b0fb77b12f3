/*
 * testutil.h - small helpers for the Check unit tests (header only, so every
 * test file stays one translation unit).
 */
#ifndef WM_TESTUTIL_H
#define WM_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "util.h"

Suite	*wm_test_suite(void);

/*
 * One test case per test, so the TAP line tests/unit/tap.c prints names the
 * test itself and a crash or timeout is pinned to it.
 */
static inline void
wm_test_add(Suite *s, const char *name, const TTest *t)
{
	TCase *tc = tcase_create(name);

	tcase_add_test(tc, t);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
}

#define WM_TEST(suite, fn)	wm_test_add((suite), #fn, (fn))

/* The same with a setup and teardown run in the test's own process. */
static inline void
wm_test_add_fixture(Suite *s, const char *name, const TTest *t, SFun setup,
    SFun teardown)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
}

#define WM_TEST_F(suite, fn, setup, teardown) \
	wm_test_add_fixture((suite), #fn, (fn), (setup), (teardown))

static inline char *
wm_test_tmpdir(void)
{
	char tmpl[] = "/tmp/wmtest.XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

static inline void
wm_test_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Sets the clock wm_now() reads ($WM_NOW). */
static inline void
wm_test_clock(long long t)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", t);
	setenv("WM_NOW", v, 1);
}

/* A fresh, migrated database at dir/wm.db. */
static inline struct wm_db *
wm_test_db(const char *dir)
{
	struct wm_db *db;
	struct wm_err err;
	char *path = wm_asprintf("%s/wm.db", dir);

	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	free(path);
	return db;
}

static inline void
wm_test_rmdir(char *dir)
{
	struct wm_err err;

	wm_rm_rf(dir, &err);
	free(dir);
}

#endif
