/*
 * test_cron.c - Quartz cron expressions: the guide's examples and a table of
 * expressions whose fire times were worked out by hand on a 2027 calendar
 * (1 January 2027 is a Friday; 2028 is a leap year) and checked with date(1).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "err.h"
#include "testutil.h"

#define F0	"2027-01-01T00:00:00"

struct row {
	const char	*expr;
	const char	*from;		/* UTC */
	const char	*want;		/* UTC fire times, space separated; a
					   last "." says no time follows */
};

static const struct row guide[] = {
	/* Appendix B */
	{ "0 0 12 * * ?", F0, "2027-01-01T12:00:00 2027-01-02T12:00:00" },
	{ "0 15 10 ? * *", F0, "2027-01-01T10:15:00 2027-01-02T10:15:00" },
	{ "0 10,44 14 ? 3 WED", F0,
	  "2027-03-03T14:10:00 2027-03-03T14:44:00 2027-03-10T14:10:00" },
	{ "0 15 10 15 * ?", F0, "2027-01-15T10:15:00 2027-02-15T10:15:00" },
	{ "0 15 10 L * ?", F0,
	  "2027-01-31T10:15:00 2027-02-28T10:15:00 2027-03-31T10:15:00" },
	/* 8.2 and 9.1 */
	{ "0 0 2 * * ?", F0, "2027-01-01T02:00:00 2027-01-02T02:00:00" },
	{ "0 0 3 * * ?", F0, "2027-01-01T03:00:00 2027-01-02T03:00:00" },
	{ "0 0 23 1/7 * ?", "2027-01-28T00:00:00",
	  "2027-01-29T23:00:00 2027-02-01T23:00:00 2027-02-08T23:00:00" },
	{ NULL, NULL, NULL }
};

static const struct row table[] = {
	{ "0 15 10 * * ?", F0, "2027-01-01T10:15:00 2027-01-02T10:15:00" },
	{ "0 15 10 * * ? *", F0, "2027-01-01T10:15:00 2027-01-02T10:15:00" },
	{ "0 15 10 * * ? 2028", F0, "2028-01-01T10:15:00 2028-01-02T10:15:00" },
	{ "0 * 14 * * ?", F0, "2027-01-01T14:00:00 2027-01-01T14:01:00" },
	{ "0 0/5 14 * * ?", F0,
	  "2027-01-01T14:00:00 2027-01-01T14:05:00 2027-01-01T14:10:00" },
	{ "0 0/5 14,18 * * ?", "2027-01-01T14:56:00",
	  "2027-01-01T18:00:00 2027-01-01T18:05:00" },
	{ "0 0-5 14 * * ?", "2027-01-01T14:04:30",
	  "2027-01-01T14:05:00 2027-01-02T14:00:00" },
	{ "0 15 10 ? * MON-FRI", F0, "2027-01-01T10:15:00 2027-01-04T10:15:00" },
	{ "0 15 10 L-2 * ?", F0, "2027-01-29T10:15:00 2027-02-26T10:15:00" },
	{ "0 15 10 ? * 6L", F0,
	  "2027-01-29T10:15:00 2027-02-26T10:15:00 2027-03-26T10:15:00" },
	{ "0 15 10 ? * 6L 2027-2028", "2027-12-01T00:00:00",
	  "2027-12-31T10:15:00 2028-01-28T10:15:00" },
	{ "0 15 10 ? * 6L 2027", "2027-12-01T00:00:00", "2027-12-31T10:15:00 ." },
	{ "0 15 10 ? * 6#3", F0,
	  "2027-01-15T10:15:00 2027-02-19T10:15:00 2027-03-19T10:15:00" },
	{ "0 0 12 1/5 * ?", F0,
	  "2027-01-01T12:00:00 2027-01-06T12:00:00 2027-01-11T12:00:00" },
	{ "0 11 11 11 11 ?", F0, "2027-11-11T11:11:00 2028-11-11T11:11:00" },
	/* leap years and month ends */
	{ "0 0 0 29 2 ?", F0, "2028-02-29T00:00:00 2032-02-29T00:00:00" },
	{ "0 0 0 29 2 ? 2029-2031", F0, "." },
	{ "0 0 0 L 2 ?", F0,
	  "2027-02-28T00:00:00 2028-02-29T00:00:00 2029-02-28T00:00:00" },
	{ "0 0 0 L * ? 2028", F0,
	  "2028-01-31T00:00:00 2028-02-29T00:00:00 2028-03-31T00:00:00" },
	{ "0 0 0 31 * ?", F0,
	  "2027-01-31T00:00:00 2027-03-31T00:00:00 2027-05-31T00:00:00" },
	{ "0 0 0 30 * ?", "2027-01-31T00:00:00",
	  "2027-03-30T00:00:00 2027-04-30T00:00:00" },
	/* LW, L-n, W */
	{ "0 0 0 LW * ?", F0,
	  "2027-01-29T00:00:00 2027-02-26T00:00:00 2027-03-31T00:00:00" },
	{ "0 0 0 LW * ?", "2027-07-01T00:00:00",
	  "2027-07-30T00:00:00 2027-08-31T00:00:00" },
	{ "0 0 0 LW 2 ?", F0,
	  "2027-02-26T00:00:00 2028-02-29T00:00:00 2029-02-28T00:00:00" },
	{ "0 0 0 L-3 * ?", F0,
	  "2027-01-28T00:00:00 2027-02-25T00:00:00 2027-03-28T00:00:00" },
	{ "0 0 0 L-30 * ?", F0,
	  "2027-03-01T00:00:00 2027-05-01T00:00:00 2027-07-01T00:00:00" },
	{ "0 0 0 15W * ?", F0, "2027-01-15T00:00:00 2027-02-15T00:00:00" },
	{ "0 0 0 15W * ?", "2027-05-01T00:00:00",
	  "2027-05-14T00:00:00 2027-06-15T00:00:00" },
	{ "0 0 0 15W * ?", "2027-08-01T00:00:00", "2027-08-16T00:00:00" },
	{ "0 0 0 1W * ?", "2027-04-15T00:00:00",
	  "2027-05-03T00:00:00 2027-06-01T00:00:00 2027-07-01T00:00:00" },
	{ "0 0 0 1W * ?", "2027-07-15T00:00:00", "2027-08-02T00:00:00" },
	{ "0 0 0 31W * ?", "2027-10-01T00:00:00",
	  "2027-10-29T00:00:00 2027-12-31T00:00:00" },
	/* nth and last day of week */
	{ "0 0 0 ? * 2#1", F0,
	  "2027-01-04T00:00:00 2027-02-01T00:00:00 2027-03-01T00:00:00" },
	{ "0 0 0 ? * MON#1", F0,
	  "2027-01-04T00:00:00 2027-02-01T00:00:00 2027-03-01T00:00:00" },
	{ "0 0 0 ? * 1#5", F0, "2027-01-31T00:00:00 2027-05-30T00:00:00" },
	{ "0 0 0 ? * SUN#5", F0, "2027-01-31T00:00:00 2027-05-30T00:00:00" },
	{ "0 0 0 ? * 2#5", F0, "2027-03-29T00:00:00 2027-05-31T00:00:00" },
	{ "0 0 0 ? 2 1#5", F0, "2032-02-29T00:00:00" },
	{ "0 0 0 ? * 7#2", F0,
	  "2027-01-09T00:00:00 2027-02-13T00:00:00 2027-03-13T00:00:00" },
	{ "0 0 0 ? * 1L", F0,
	  "2027-01-31T00:00:00 2027-02-28T00:00:00 2027-03-28T00:00:00" },
	{ "0 0 0 ? * 5L", F0,
	  "2027-01-28T00:00:00 2027-02-25T00:00:00 2027-03-25T00:00:00" },
	{ "0 0 0 ? * L", F0, "2027-01-02T00:00:00 2027-01-09T00:00:00" },
	/* lists, ranges, wrapping ranges, steps, names in any case */
	{ "0 0 0 ? * SAT,SUN", F0,
	  "2027-01-02T00:00:00 2027-01-03T00:00:00 2027-01-09T00:00:00" },
	{ "0 0 0 ? * FRI-MON", F0,
	  "2027-01-02T00:00:00 2027-01-03T00:00:00 2027-01-04T00:00:00 "
	  "2027-01-08T00:00:00" },
	{ "0 0 0 ? * 6-2", F0,
	  "2027-01-02T00:00:00 2027-01-03T00:00:00 2027-01-04T00:00:00 "
	  "2027-01-08T00:00:00" },
	{ "0 0 22-2 * * ?", F0,
	  "2027-01-01T01:00:00 2027-01-01T02:00:00 2027-01-01T22:00:00 "
	  "2027-01-01T23:00:00" },
	{ "0 50-10/10 * * * ?", F0,
	  "2027-01-01T00:10:00 2027-01-01T00:50:00 2027-01-01T01:00:00" },
	{ "0 0 0 25-5 * ?", "2027-02-26T00:00:00",
	  "2027-02-27T00:00:00 2027-02-28T00:00:00 2027-03-01T00:00:00" },
	{ "0 0 0 1 JAN-MAR,OCT ?", F0,
	  "2027-02-01T00:00:00 2027-03-01T00:00:00 2027-10-01T00:00:00" },
	{ "0 0 0 1 NOV-FEB ?", F0,
	  "2027-02-01T00:00:00 2027-11-01T00:00:00 2027-12-01T00:00:00" },
	{ "0 0 0 1 */4 ?", F0,
	  "2027-05-01T00:00:00 2027-09-01T00:00:00 2028-01-01T00:00:00" },
	{ "0 0 0 1 2/3 ?", F0,
	  "2027-02-01T00:00:00 2027-05-01T00:00:00 2027-08-01T00:00:00" },
	{ "*/15 * * * * ?", F0,
	  "2027-01-01T00:00:15 2027-01-01T00:00:30 2027-01-01T00:00:45" },
	{ "5/20 * * * * ?", F0,
	  "2027-01-01T00:00:05 2027-01-01T00:00:25 2027-01-01T00:00:45" },
	{ "1,2,3 0 0 * * ?", F0,
	  "2027-01-01T00:00:01 2027-01-01T00:00:02 2027-01-01T00:00:03" },
	{ "0 0 */6 * * ?", F0,
	  "2027-01-01T06:00:00 2027-01-01T12:00:00 2027-01-01T18:00:00" },
	{ "0 30 9-17/2 ? * MON-FRI", F0,
	  "2027-01-01T09:30:00 2027-01-01T11:30:00 2027-01-01T13:30:00" },
	{ "0 0 12 ? * 2,4,6", F0,
	  "2027-01-01T12:00:00 2027-01-04T12:00:00 2027-01-06T12:00:00" },
	{ "0 0 12 ? jan,jul mon", F0, "2027-01-04T12:00:00 2027-01-11T12:00:00" },
	{ "0 0 12 ? jan-feb MoN-wEd", F0,
	  "2027-01-04T12:00:00 2027-01-05T12:00:00 2027-01-06T12:00:00" },
	{ "0 0 0 ? * 3 2027", "2027-12-25T00:00:00", "2027-12-28T00:00:00 ." },
	/* the year field and its end */
	{ "0 0 0 1 1 ? 2030/5", F0,
	  "2030-01-01T00:00:00 2035-01-01T00:00:00 2040-01-01T00:00:00" },
	{ "0 0 0 1 1 ? 2098-2099", F0, "2098-01-01T00:00:00 2099-01-01T00:00:00 ." },
	{ "59 59 23 31 12 ? 2099", F0, "2099-12-31T23:59:59 ." },
	{ "0 0 0 1 1 ? 2020", F0, "." },
	{ NULL, NULL, NULL }
};

static const char *const invalid[][2] = {
	{ "", "seconds" },
	{ "0 0 12 * *", "day-of-week" },
	{ "0 0 12 * * ? 2027 1", "more than seven" },
	{ "0 0 12 * * *", "day-of-week" },
	{ "0 0 12 ? * ?", "day-of-week" },
	{ "0 0 12 5 * 2", "day-of-week" },
	{ "60 0 12 * * ?", "seconds" },
	{ "0 60 12 * * ?", "minutes" },
	{ "0 0 24 * * ?", "hours" },
	{ "0 0 0 32 * ?", "day-of-month" },
	{ "0 0 0 0 * ?", "day-of-month" },
	{ "0 0 0 ? 13 *", "month" },
	{ "0 0 0 ? 0 *", "month" },
	{ "0 0 0 ? * 8", "day-of-week" },
	{ "0 0 0 ? * 0", "day-of-week" },
	{ "0 0 0 L,5 * ?", "day-of-month" },
	{ "0 0 0 ? * 5L,3", "day-of-week" },
	{ "0 0 0 ? * 1#6", "day-of-week" },
	{ "0 0 0 ? * 1#0", "day-of-week" },
	{ "0 0 0 ? * 1#1,2#2", "day-of-week" },
	{ "0/60 * * * * ?", "seconds" },
	{ "0 */61 * * * ?", "minutes" },
	{ "0 0 0/24 * * ?", "hours" },
	{ "0 0 0 1/32 * ?", "day-of-month" },
	{ "0 0 0 * */13 ?", "month" },
	{ "0 0 0 ? * */8", "day-of-week" },
	{ "0 0 0 ? * FOO", "day-of-week" },
	{ "0 0 0 ? FOO *", "month" },
	{ "0 0 0 * JAN-FOO ?", "month" },
	{ "0 0 0 * * ? 2100", "year" },
	{ "0 0 0 * * ? 1969", "year" },
	{ "0 0 0 * * ? 2030-2020", "year" },
	{ "0 0 0 L-31 * ?", "day-of-month" },
	{ "0 0 0 32W * ?", "day-of-month" },
	{ "0 0 ? * * ?", "hours" },
	{ "0 0 0 5L * ?", "day-of-month" },
	{ "0 0 0 ? * 1W", "day-of-week" },
	{ "0 0 0 1#2 * ?", "day-of-month" },
	{ "0 a 0 * * ?", "minutes" },
	{ "0 MON 0 * * ?", "minutes" },
	{ "0 0 0 * * ? x", "year" },
	{ "0 0 0 1- * ?", "day-of-month" },
	{ "0 0 0 / * ?", "day-of-month" },
	{ "0 0 0 1,,2 * ?", "day-of-month" },
	{ "0 0 L * * ?", "hours" },
	{ NULL, NULL }
};

static long long
utc_ms(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(strptime(s, "%Y-%m-%dT%H:%M:%S", &tm));
	return (long long)timegm(&tm) * 1000;
}

/* Compares the fire times of one row, and that none follows the last. */
static void
check_row(const struct row *r)
{
	struct wm_err err;
	struct wm_cron *c = wm_cron_parse(r->expr, &err);
	char *want = strdup(r->want), *save = NULL, *tok;
	long long t = utc_ms(r->from), next;

	ck_assert_msg(c != NULL, "%s: %s", r->expr, err.msg);
	for (tok = strtok_r(want, " ", &save); tok;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, ".") == 0) {
			ck_assert_msg(wm_cron_next(c, t, &next) == 0, "%s: unexpected "
			    "time %lld", r->expr, next);
			break;
		}
		ck_assert_msg(wm_cron_next(c, t, &next) == 1, "%s: no time, "
		    "expected %s", r->expr, tok);
		ck_assert_msg(next == utc_ms(tok), "%s: got %lld, expected %s",
		    r->expr, next, tok);
		t = next;
	}
	free(want);
	wm_cron_free(c);
}

static void
utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

START_TEST(test_cron_guide_examples)
{
	int i;

	utc();
	for (i = 0; guide[i].expr; i++)
		check_row(&guide[i]);
}
END_TEST

START_TEST(test_cron_table)
{
	int i;

	utc();
	for (i = 0; table[i].expr; i++)
		check_row(&table[i]);
	ck_assert_int_ge(i, 60);
}
END_TEST

START_TEST(test_cron_refuses_what_quartz_refuses)
{
	struct wm_err err;
	int i;

	for (i = 0; invalid[i][0]; i++) {
		ck_assert_msg(wm_cron_parse(invalid[i][0], &err) == NULL,
		    "accepted: %s", invalid[i][0]);
		ck_assert_int_eq(err.code, EX_DATAERR);
		ck_assert_msg(strstr(err.msg, invalid[i][1]) != NULL,
		    "%s: %s", invalid[i][0], err.msg);
	}
}
END_TEST

START_TEST(test_cron_strictly_after_from)
{
	struct wm_cron *c;
	struct wm_err err;
	long long next;

	utc();
	c = wm_cron_parse("0 0 12 * * ?", &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(wm_cron_next(c, utc_ms("2027-01-01T11:59:59") + 999,
	    &next), 1);
	ck_assert_int_eq(next, utc_ms("2027-01-01T12:00:00"));
	ck_assert_int_eq(wm_cron_next(c, next, &next), 1);
	ck_assert_int_eq(next, utc_ms("2027-01-02T12:00:00"));
	wm_cron_free(c);
}
END_TEST

static void
check_zone(const char *zone, const char *expr, const char *from,
    const char *want)
{
	struct wm_cron *c;
	struct wm_err err;
	long long t = utc_ms(from), next;
	char *w = strdup(want), *save = NULL, *tok, got[64];

	setenv("TZ", zone, 1);
	tzset();
	c = wm_cron_parse(expr, &err);
	ck_assert_ptr_nonnull(c);
	for (tok = strtok_r(w, " ", &save); tok;
	    tok = strtok_r(NULL, " ", &save)) {
		ck_assert_int_eq(wm_cron_next(c, t, &next), 1);
		wm_cron_format(next, got, sizeof(got));
		ck_assert_str_eq(got, tok);
		t = next;
	}
	free(w);
	wm_cron_free(c);
}

/* Quartz skips a wall time the clocks jump over (Berlin, 28 March 2027). */
START_TEST(test_cron_dst_spring_forward_skips_gap)
{
	check_zone("Europe/Berlin", "0 30 2 * * ?", "2027-03-26T12:00:00",
	    "2027-03-27T02:30:00+01:00 2027-03-29T02:30:00+02:00");
	check_zone("Europe/Berlin", "0 0/30 1-4 * * ?", "2027-03-27T23:30:00",
	    "2027-03-28T01:00:00+01:00 2027-03-28T01:30:00+01:00 "
	    "2027-03-28T03:00:00+02:00 2027-03-28T03:30:00+02:00");
	check_zone("America/New_York", "0 0 0 * * ?", "2027-03-13T00:00:00",
	    "2027-03-13T00:00:00-05:00 2027-03-14T00:00:00-05:00 "
	    "2027-03-15T00:00:00-04:00");
}
END_TEST

/* A repeated wall time resolves to standard time, as java.util.Calendar. */
START_TEST(test_cron_dst_fall_back_fires_once)
{
	check_zone("Europe/Berlin", "0 30 2 * * ?", "2027-10-30T12:00:00",
	    "2027-10-31T02:30:00+01:00 2027-11-01T02:30:00+01:00");
	check_zone("Europe/Berlin", "0 0 * * * ?", "2027-10-30T22:00:00",
	    "2027-10-31T01:00:00+02:00 2027-10-31T02:00:00+01:00 "
	    "2027-10-31T03:00:00+01:00");
}
END_TEST

START_TEST(test_cron_zone_names)
{
	ck_assert(wm_cron_zone_ok("UTC"));
	ck_assert(wm_cron_zone_ok("Europe/Berlin"));
	ck_assert(!wm_cron_zone_ok("Mars/Olympus"));
	ck_assert(!wm_cron_zone_ok("../../etc/passwd"));
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("cron");

	WM_TEST(s, test_cron_guide_examples);
	WM_TEST(s, test_cron_table);
	WM_TEST(s, test_cron_refuses_what_quartz_refuses);
	WM_TEST(s, test_cron_strictly_after_from);
	WM_TEST(s, test_cron_dst_spring_forward_skips_gap);
	WM_TEST(s, test_cron_dst_fall_back_fires_once);
	WM_TEST(s, test_cron_zone_names);
	return s;
}
