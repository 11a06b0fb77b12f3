/*
 * test_metrics.c - RRD-like rings: counts add up per bucket, old laps are
 * overwritten, the table never grows past its fixed slots, gauges keep the
 * largest value, and the SVG carries one point per non-empty bucket.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "metrics.h"
#include "util.h"
#include "testutil.h"

#define T0	1800000000LL	/* a multiple of every step */

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	wm_test_clock(T0);
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

static long long
rows(void)
{
	sqlite3_stmt *st;
	long long n;

	sqlite3_prepare_v2(wm_db_handle(db), "SELECT count(*) FROM metrics",
	    -1, &st, NULL);
	sqlite3_step(st);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

START_TEST(test_metrics_sum_counts_last_hour_and_day)
{
	struct wm_err err;
	long long n;

	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_DELIVERED, 2, T0 - 7200, &err), 0);
	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_DELIVERED, 1, T0 - 60, &err), 0);
	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_DELIVERED, 1, T0 - 30, &err), 0);
	ck_assert_int_eq(wm_metric_sum(db, WM_METRIC_DELIVERED, 3600, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(wm_metric_sum(db, WM_METRIC_DELIVERED, 86400, &n, &err), 0);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(wm_metric_sum(db, WM_METRIC_POSTMASTER, 86400, &n, &err), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_metrics_rows_stay_bounded_after_a_year)
{
	struct wm_err err;
	long long t, bound;

	/* One event every 10 minutes for a year (one commit: no fsync each). */
	ck_assert_int_eq(wm_db_begin(db, &err), 0);
	for (t = T0 - 365LL * 86400; t < T0; t += 600)
		ck_assert_int_eq(wm_metric_add(db, WM_METRIC_DELIVERED, 1, t, &err), 0);
	ck_assert_int_eq(wm_db_commit(db, &err), 0);
	bound = 1 + 288 + 168 + 180;
	ck_assert_int_le(rows(), bound);
	/* Every other 5-minute slot (events 10 minutes apart), every hour, every 4 h. */
	ck_assert_int_eq(rows(), 1 + 144 + 168 + 180);
}
END_TEST

START_TEST(test_metrics_old_lap_is_overwritten)
{
	long long v[288];
	struct wm_err err;
	time_t start;
	size_t i;
	long long sum = 0;

	/* Exactly one ring earlier: the same slot, a different bucket. */
	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_DELIVERED, 5, T0 - 288 * 300, &err), 0);
	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_DELIVERED, 1, T0, &err), 0);
	ck_assert_int_eq(wm_metric_series(db, WM_METRIC_DELIVERED, WM_RANGE_DAY, v,
	    &start, &err), 0);
	for (i = 0; i < 288; i++)
		sum += v[i];
	ck_assert_int_eq(sum, 1);
	ck_assert_int_eq(v[287], 1);
	ck_assert_int_eq((long long)start, T0 - 287 * 300);
}
END_TEST

START_TEST(test_metrics_gauge_keeps_largest_of_bucket)
{
	long long v[168];
	struct wm_err err;
	time_t start;

	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_QUEUE, 7, T0 - 100, &err), 0);
	ck_assert_int_eq(wm_metric_add(db, WM_METRIC_QUEUE, 3, T0 - 50, &err), 0);
	ck_assert_int_eq(wm_metric_series(db, WM_METRIC_QUEUE, WM_RANGE_WEEK, v,
	    &start, &err), 0);
	ck_assert_int_eq(v[166], 7);
}
END_TEST

START_TEST(test_metrics_svg_has_one_point_per_bucket)
{
	long long v[4] = { 0, 3, 0, 1 };
	struct wm_buf b;
	char *p;
	int n = 0;

	wm_buf_init(&b);
	ck_assert_int_eq(wm_metric_svg(v, 4, 1000, 300, "Deliveries", &b), 0);
	ck_assert_int_eq(wm_buf_append(&b, "", 1), 0);
	for (p = b.data; (p = strstr(p, "data-v=")) != NULL; p++)
		n++;
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(b.data, "data-t=\"1300\" data-v=\"3\""));
	ck_assert_ptr_null(strstr(b.data, "<script"));
	wm_buf_free(&b);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("metrics");

	WM_TEST_F(s, test_metrics_sum_counts_last_hour_and_day, setup, teardown);
	WM_TEST_F(s, test_metrics_rows_stay_bounded_after_a_year, setup, teardown);
	WM_TEST_F(s, test_metrics_old_lap_is_overwritten, setup, teardown);
	WM_TEST_F(s, test_metrics_gauge_keeps_largest_of_bucket, setup, teardown);
	WM_TEST_F(s, test_metrics_svg_has_one_point_per_bucket, setup, teardown);
	return s;
}
