/*
 * cron.c - see cron.h.  The walk in wm_cron_next follows Quartz's
 * getTimeAfter step by step over a lenient calendar that, like
 * java.util.GregorianCalendar, resolves a wall time in a DST gap with the
 * offset before the change (02:30 becomes 03:30) and a repeated wall time
 * with the offset after it, so schedules fire (and skip) where Quartz's do.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "cron.h"
#include "err.h"

enum field { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, F_N };

#define MIN_YEAR	1970
#define MAX_YEAR	2099
#define ALL_SPEC	(-77)	/* "*" */
#define NO_SPEC		(-98)	/* "?" */

static const char *const field_names[F_N] = {
	"seconds", "minutes", "hours", "day-of-month", "month", "day-of-week",
	"year"
};

struct wm_cron {
	unsigned char	 in[F_N][MAX_YEAR + 1];
	int		 nospec[F_N];	/* "?" given (day-of-month, day-of-week) */
	int		 last_dom;	/* L in day-of-month */
	int		 last_offset;	/* L-n */
	int		 nearest_wd;	/* W */
	int		 last_dow;	/* nL */
	int		 nth_dow;	/* n#m: m */
};

struct parse {
	struct wm_cron	*c;
	enum field	 f;
	struct wm_err	*err;
};

static int
bad(struct parse *p, const char *why)
{
	return wm_err_set(p->err, EX_DATAERR, "invalid cron expression: %s: %s",
	    field_names[p->f], why);
}

/* Smallest member >= from, or -1 (TreeSet.tailSet(from).first()). */
static int
tail_first(const struct wm_cron *c, enum field f, int from)
{
	int v;

	if (from < 0)
		from = 0;
	for (v = from; v <= MAX_YEAR; v++)
		if (c->in[f][v])
			return v;
	return -1;
}

static int
first(const struct wm_cron *c, enum field f)
{
	return tail_first(c, f, 0);
}

static int
check_range(struct parse *p, int val, int end)
{
	static const int lo[F_N] = { 0, 0, 0, 1, 1, 1, MIN_YEAR };
	static const int hi[F_N] = { 59, 59, 23, 31, 12, 7, MAX_YEAR };
	static const char *const msg[F_N] = {
		"values must be between 0 and 59", "values must be between 0 and 59",
		"values must be between 0 and 23", "values must be between 1 and 31",
		"values must be between 1 and 12", "values must be between 1 and 7",
		"values must be between 1970 and 2099"
	};

	if (val == ALL_SPEC)
		return 0;
	if (val < lo[p->f] || val > hi[p->f] || end > hi[p->f])
		return bad(p, msg[p->f]);
	return 0;
}

static int
check_incr(struct parse *p, int incr)
{
	static const int max[F_N] = { 59, 59, 23, 31, 12, 7, INT_MAX };

	if (incr > max[p->f])
		return bad(p, "increment larger than the field's range");
	return 0;
}

/* Quartz's addToSet: a value, a range (wrapping past the end) or a step. */
static int
add(struct parse *p, int val, int end, int incr)
{
	static const int lo[F_N] = { 0, 0, 0, 1, 1, 1, MIN_YEAR };
	static const int hi[F_N] = { 59, 59, 23, 31, 12, 7, MAX_YEAR };
	static const int wrap[F_N] = { 60, 60, 24, 31, 12, 7, 0 };
	int start, stop, max = 0, i, v;

	if (check_range(p, val, end) == -1)
		return -1;
	if ((incr == 0 || incr == -1) && val != ALL_SPEC) {
		p->c->in[p->f][val] = 1;
		return 0;
	}
	if (val == ALL_SPEC && incr <= 0)
		incr = 1;
	start = val == ALL_SPEC || val == -1 ? lo[p->f] : val;
	stop = end == -1 ? hi[p->f] : end;
	if (stop < start) {
		if (p->f == F_YEAR)
			return bad(p, "start year must be less than stop year");
		max = wrap[p->f];
		stop += max;
	}
	for (i = start; i <= stop; i += incr) {
		v = max ? i % max : i;
		if (max && v == 0 && (p->f == F_MON || p->f == F_DOW ||
		    p->f == F_DOM))
			v = max;
		p->c->in[p->f][v] = 1;
	}
	return 0;
}

/* Reads an unsigned decimal at *s; -1 when there is none (or it is huge). */
static int
number(const char **s)
{
	long v = 0;

	if (!isdigit((unsigned char)**s))
		return -1;
	while (isdigit((unsigned char)**s)) {
		v = v * 10 + (**s - '0');
		if (v > 100000)
			return -1;
		(*s)++;
	}
	return (int)v;
}

static int
name_value(enum field f, const char *s)
{
	static const char months[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
	static const char days[] = "SUNMONTUEWEDTHUFRISAT";
	const char *tab = f == F_MON ? months : days;
	size_t i, n = strlen(tab) / 3;

	for (i = 0; i < n; i++)
		if (strncmp(s, tab + 3 * i, 3) == 0)
			return (int)i + 1;
	return -1;
}

static int
nth(struct parse *p, const char *s)
{
	int n = number(&s);

	if (n < 1 || n > 5 || *s != '\0')
		return bad(p, "a number between 1 and 5 must follow '#'");
	p->c->nth_dow = n;
	return 0;
}

/* JAN, JAN-MAR, MON, MON-FRI, MON#2, FRIL. */
static int
item_name(struct parse *p, const char *s)
{
	int sval, eval = -1;

	if (p->f != F_MON && p->f != F_DOW)
		return bad(p, "names are allowed only in month and day-of-week");
	if ((sval = strlen(s) >= 3 ? name_value(p->f, s) : -1) == -1)
		return bad(p, p->f == F_MON ? "invalid month name" :
		    "invalid day-of-week name");
	s += 3;
	if (*s == '-') {
		if (strlen(s + 1) != 3 || (eval = name_value(p->f, s + 1)) == -1)
			return bad(p, p->f == F_MON ? "invalid month name" :
			    "invalid day-of-week name");
		return add(p, sval, eval, 1);
	}
	if (*s == '#' && p->f == F_DOW) {
		if (nth(p, s + 1) == -1)
			return -1;
	} else if (*s == 'L' && s[1] == '\0' && p->f == F_DOW)
		p->c->last_dow = 1;
	else if (*s != '\0')
		return bad(p, "unexpected characters after the name");
	return add(p, sval, -1, 0);
}

static int
item_question(struct parse *p, const char *s)
{
	if (s[1] != '\0')
		return bad(p, "unexpected characters after '?'");
	if (p->f != F_DOM && p->f != F_DOW)
		return bad(p, "'?' is allowed only in day-of-month or day-of-week");
	if (p->f == F_DOW && p->c->nospec[F_DOM] && !p->c->last_dom)
		return bad(p, "'?' can be given for day-of-month or "
		    "day-of-week, not both");
	p->c->nospec[p->f] = 1;
	return 0;
}

/* "*", "* /n" and "/n" (the start defaults to the field's lowest value). */
static int
item_all(struct parse *p, const char *s)
{
	int incr;

	if (strcmp(s, "*") == 0)
		return add(p, ALL_SPEC, -1, 0);
	if (*s == '*')
		s++;
	if (*s != '/')
		return bad(p, "unexpected characters after '*'");
	s++;
	if ((incr = number(&s)) == -1 || *s != '\0')
		return bad(p, "'/' must be followed by an integer");
	if (check_incr(p, incr) == -1)
		return -1;
	return add(p, ALL_SPEC, -1, incr);
}

/* L, L-n, LW, L-nW in day-of-month; L (Saturday) in day-of-week. */
static int
item_last(struct parse *p, const char *s)
{
	int off;

	s++;
	if (p->f == F_DOW) {
		if (*s != '\0')
			return bad(p, "unexpected characters after 'L'");
		return add(p, 7, 7, 0);
	}
	if (p->f != F_DOM)
		return bad(p, "'L' is allowed only in day-of-month or day-of-week");
	p->c->last_dom = 1;
	if (*s == '-') {
		s++;
		if ((off = number(&s)) == -1)
			return bad(p, "'L-' must be followed by a number");
		if (off > 30)
			return bad(p, "offset from the last day must be <= 30");
		p->c->last_offset = off;
	}
	if (*s == 'W') {
		p->c->nearest_wd = 1;
		s++;
	}
	if (*s != '\0')
		return bad(p, "unexpected characters after 'L'");
	return 0;
}

/* What follows a number: nothing, L, W, #n, -end[/step], /step. */
static int
item_after_number(struct parse *p, int val, const char *s)
{
	int end, incr = 1;

	switch (*s) {
	case '\0':
		return add(p, val, -1, -1);
	case 'L':
		if (p->f != F_DOW)
			return bad(p, "'L' after a number is allowed only in "
			    "day-of-week");
		if (val < 1 || val > 7 || s[1] != '\0')
			return bad(p, "values must be between 1 and 7");
		p->c->last_dow = 1;
		p->c->in[F_DOW][val] = 1;
		return 0;
	case 'W':
		if (p->f != F_DOM)
			return bad(p, "'W' is allowed only in day-of-month");
		if (val < 1 || val > 31 || s[1] != '\0')
			return bad(p, "'W' needs one day between 1 and 31");
		p->c->nearest_wd = 1;
		p->c->in[F_DOM][val] = 1;
		return 0;
	case '#':
		if (p->f != F_DOW)
			return bad(p, "'#' is allowed only in day-of-week");
		if (val < 1 || val > 7)
			return bad(p, "values must be between 1 and 7");
		if (nth(p, s + 1) == -1)
			return -1;
		p->c->in[F_DOW][val] = 1;
		return 0;
	case '-':
		s++;
		if ((end = number(&s)) == -1)
			return bad(p, "'-' must be followed by a number");
		if (*s == '/') {
			s++;
			if ((incr = number(&s)) == -1)
				return bad(p, "'/' must be followed by an integer");
		}
		if (*s != '\0')
			return bad(p, "unexpected characters in range");
		return add(p, val, end, incr);
	case '/':
		s++;
		if ((incr = number(&s)) == -1 || *s != '\0')
			return bad(p, "'/' must be followed by an integer");
		if (check_incr(p, incr) == -1)
			return -1;
		return add(p, val, -1, incr);
	default:
		return bad(p, "unexpected character");
	}
}

static int
item(struct parse *p, const char *s)
{
	int val;

	if (*s == '\0')
		return bad(p, "empty value");
	if (isupper((unsigned char)*s) && *s != 'L')
		return item_name(p, s);
	if (*s == '?')
		return item_question(p, s);
	if (*s == '*' || *s == '/')
		return item_all(p, s);
	if (*s == 'L')
		return item_last(p, s);
	if ((val = number(&s)) != -1)
		return item_after_number(p, val, s);
	return bad(p, "unexpected character");
}

static int
field(struct parse *p, char *tok)
{
	char *save = NULL, *v;

	if (p->f == F_DOM && strchr(tok, 'L') && strlen(tok) > 1 &&
	    strchr(tok, ','))
		return bad(p, "'L' and 'LW' cannot be combined with other days");
	if (p->f == F_DOW && strchr(tok, 'L') && strlen(tok) > 1 &&
	    strchr(tok, ','))
		return bad(p, "'L' cannot be combined with other days");
	if (p->f == F_DOW && strchr(tok, '#') &&
	    strchr(strchr(tok, '#') + 1, '#'))
		return bad(p, "only one '#' day may be given");
	if (strchr(tok, '?') && strlen(tok) > 1)
		return bad(p, "'?' cannot be combined with other values");
	if (tok[0] == ',' || tok[strlen(tok) - 1] == ',' || strstr(tok, ",,"))
		return bad(p, "empty value");
	for (v = strtok_r(tok, ",", &save); v; v = strtok_r(NULL, ",", &save))
		if (item(p, v) == -1)
			return -1;
	return 0;
}

static int
check_days(struct parse *p)
{
	if (p->c->nospec[F_DOM] == p->c->nospec[F_DOW]) {
		p->f = F_DOW;
		return bad(p, "exactly one of day-of-month and day-of-week must "
		    "be '?'");
	}
	return 0;
}

struct wm_cron *
wm_cron_parse(const char *expr, struct wm_err *err)
{
	struct parse p;
	char *copy, *save = NULL, *tok, *q;
	int n = 0;

	if ((p.c = calloc(1, sizeof(*p.c))) == NULL ||
	    (copy = strdup(expr)) == NULL) {
		free(p.c);
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	p.err = err;
	for (q = copy; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	for (tok = strtok_r(copy, " \t", &save); tok;
	    tok = strtok_r(NULL, " \t", &save), n++) {
		p.f = n < F_N ? (enum field)n : F_YEAR;
		if (n >= F_N) {
			wm_err_set(err, EX_DATAERR, "invalid cron expression: "
			    "more than seven fields");
			goto fail;
		}
		if (field(&p, tok) == -1)
			goto fail;
	}
	if (n < F_YEAR) {
		p.f = (enum field)(n < F_N ? n : F_YEAR);
		bad(&p, "missing (six or seven fields are needed)");
		goto fail;
	}
	p.f = F_YEAR;
	if (n == F_YEAR && add(&p, ALL_SPEC, -1, 0) == -1)
		goto fail;
	if (check_days(&p) == -1)
		goto fail;
	free(copy);
	return p.c;
fail:
	free(copy);
	free(p.c);
	return NULL;
}

void
wm_cron_free(struct wm_cron *c)
{
	free(c);
}

int
wm_cron_check(const char *expr, struct wm_err *err)
{
	struct wm_cron *c = wm_cron_parse(expr, err);

	wm_cron_free(c);
	return c == NULL ? -1 : 0;
}

/* --- a lenient calendar, as java.util.GregorianCalendar in $TZ --- */

struct cal {
	int	year, mon, day, hour, min, sec;	/* mon 0-11, may overflow */
	int	dirty;
	time_t	t;
};

static long
gmtoff(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

/* The instant of a wall time w (seconds as if UTC), resolved as Java does. */
static time_t
wall_instant(time_t w)
{
	time_t lo = w - 3 * 86400, hi = w + 3 * 86400, mid;
	long before = gmtoff(lo), after = gmtoff(hi);

	if (before == after)
		return w - before;
	while (hi - lo > 1) {	/* first instant carrying the new offset */
		mid = lo + (hi - lo) / 2;
		if (gmtoff(mid) == before)
			lo = mid;
		else
			hi = mid;
	}
	after = gmtoff(hi);
	return w < hi + after ? w - before : w - after;
}

static void
cal_set_time(struct cal *c, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	c->year = tm.tm_year + 1900;
	c->mon = tm.tm_mon;
	c->day = tm.tm_mday;
	c->hour = tm.tm_hour;
	c->min = tm.tm_min;
	c->sec = tm.tm_sec;
	c->t = t;
	c->dirty = 0;
}

static void
cal_norm(struct cal *c)
{
	struct tm tm;

	if (!c->dirty)
		return;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c->year - 1900;
	tm.tm_mon = c->mon;
	tm.tm_mday = c->day;
	tm.tm_hour = c->hour;
	tm.tm_min = c->min;
	tm.tm_sec = c->sec;
	cal_set_time(c, wall_instant(timegm(&tm)));
}

#define CAL_SET(c, f, v)	((c)->f = (v), (c)->dirty = 1)

static int
cal_get(struct cal *c, const int *f)
{
	cal_norm(c);
	return *f;
}

#define GET(c, f)	cal_get((c), &(c)->f)

static int
cal_dow(struct cal *c)
{
	struct tm tm;

	cal_norm(c);
	localtime_r(&c->t, &tm);
	return tm.tm_wday + 1;
}

/* Quartz's setCalendarHour: an hour lost to DST moves to the next. */
static void
cal_set_hour(struct cal *c, int hour)
{
	CAL_SET(c, hour, hour);
	if (GET(c, hour) != hour && hour != 24)
		CAL_SET(c, hour, hour + 1);
}

static void
cal_midnight(struct cal *c, int day, int mon0)
{
	CAL_SET(c, sec, 0);
	CAL_SET(c, min, 0);
	CAL_SET(c, hour, 0);
	CAL_SET(c, day, day);
	CAL_SET(c, mon, mon0);
}

static int
last_day(int mon, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	while (mon > 12) {
		mon -= 12;
		year++;
		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	}
	return mon == 2 && leap ? 29 : days[mon - 1];
}

/* --- the walk --- */

struct walk {
	const struct wm_cron	*c;
	struct cal		 cl;
	long long		 after_ms;	/* afterTime + 1 s, as Quartz */
	int			 sec, min, hr, day, mon;
};

/* 1: fields changed, go round again; 0: seconds to hours match. */
static int
walk_time(struct walk *w)
{
	struct cal *cl = &w->cl;
	int t, v;

	w->sec = GET(cl, sec);
	w->min = GET(cl, min);
	if ((v = tail_first(w->c, F_SEC, w->sec)) != -1)
		w->sec = v;
	else {
		w->sec = first(w->c, F_SEC);
		CAL_SET(cl, min, ++w->min);
	}
	CAL_SET(cl, sec, w->sec);
	w->min = GET(cl, min);
	w->hr = GET(cl, hour);
	t = -1;
	if ((v = tail_first(w->c, F_MIN, w->min)) != -1) {
		t = w->min;
		w->min = v;
	} else {
		w->min = first(w->c, F_MIN);
		w->hr++;
	}
	if (w->min != t) {
		CAL_SET(cl, sec, 0);
		CAL_SET(cl, min, w->min);
		cal_set_hour(cl, w->hr);
		return 1;
	}
	CAL_SET(cl, min, w->min);
	w->hr = GET(cl, hour);
	w->day = GET(cl, day);
	t = -1;
	if ((v = tail_first(w->c, F_HOUR, w->hr)) != -1) {
		t = w->hr;
		w->hr = v;
	} else {
		w->hr = first(w->c, F_HOUR);
		w->day++;
	}
	if (w->hr != t) {
		CAL_SET(cl, sec, 0);
		CAL_SET(cl, min, 0);
		CAL_SET(cl, day, w->day);
		cal_set_hour(cl, w->hr);
		return 1;
	}
	CAL_SET(cl, hour, w->hr);
	return 0;
}

/* The weekday nearest to day (never leaving the month), for W. */
static int
nearest_weekday(struct walk *w, int day, int *out)
{
	struct cal tc;
	int year = GET(&w->cl, year), ldom = last_day(w->mon, year), dow;

	memset(&tc, 0, sizeof(tc));
	tc.year = year;
	tc.mon = w->mon - 1;
	tc.day = day;
	tc.dirty = 1;
	dow = cal_dow(&tc);
	if (dow == 7 && day == 1)
		day += 2;
	else if (dow == 7)
		day -= 1;
	else if (dow == 1 && day == ldom)
		day -= 2;
	else if (dow == 1)
		day += 1;
	CAL_SET(&tc, sec, w->sec);
	CAL_SET(&tc, min, w->min);
	CAL_SET(&tc, hour, w->hr);
	CAL_SET(&tc, day, day);
	CAL_SET(&tc, mon, w->mon - 1);
	cal_norm(&tc);
	*out = day;
	return (long long)tc.t * 1000 < w->after_ms;	/* before afterTime */
}

static int
walk_dom(struct walk *w)
{
	const struct wm_cron *c = w->c;
	int t = -1, tmon = w->mon, v, year = GET(&w->cl, year);

	if (c->last_dom) {
		t = w->day;
		w->day = last_day(w->mon, year) - c->last_offset;
		if (!c->nearest_wd && t > w->day) {
			if (++w->mon > 12) {
				w->mon = 1;
				tmon = 3333;
				CAL_SET(&w->cl, year, GET(&w->cl, year) + 1);
				cal_norm(&w->cl);
			}
			w->day = 1;
		} else if (c->nearest_wd &&
		    nearest_weekday(w, w->day, &w->day)) {
			w->day = 1;
			w->mon++;
		}
	} else if (c->nearest_wd) {
		t = w->day;
		if (nearest_weekday(w, first(c, F_DOM), &w->day)) {
			w->day = first(c, F_DOM);
			w->mon++;
		}
	} else if ((v = tail_first(c, F_DOM, w->day)) != -1) {
		t = w->day;
		w->day = v;
		if (w->day > last_day(w->mon, year)) {
			w->day = first(c, F_DOM);
			w->mon++;
		}
	} else {
		w->day = first(c, F_DOM);
		w->mon++;
	}
	if (w->day != t || w->mon != tmon) {
		cal_midnight(&w->cl, w->day, w->mon - 1);
		return 1;
	}
	return 0;
}

static int
days_to(int cdow, int dow)
{
	if (cdow < dow)
		return dow - cdow;
	if (cdow > dow)
		return dow + (7 - cdow);
	return 0;
}

static int
walk_dow(struct walk *w)
{
	const struct wm_cron *c = w->c;
	int cdow = cal_dow(&w->cl), dow = first(c, F_DOW), add, week, shifted;
	int ldom = last_day(w->mon, GET(&w->cl, year));

	if (c->last_dow) {
		add = days_to(cdow, dow);
		if (w->day + add > ldom) {
			cal_midnight(&w->cl, 1, w->mon);
			return 1;
		}
		while (w->day + add + 7 <= ldom)
			add += 7;
		w->day += add;
		if (add > 0) {
			cal_midnight(&w->cl, w->day, w->mon - 1);
			return 1;
		}
	} else if (c->nth_dow != 0) {
		add = days_to(cdow, dow);
		shifted = add > 0;
		w->day += add;
		week = w->day / 7 + (w->day % 7 > 0);
		add = (c->nth_dow - week) * 7;
		w->day += add;
		if (add < 0 || w->day > ldom) {
			cal_midnight(&w->cl, 1, w->mon);
			return 1;
		}
		if (add > 0 || shifted) {
			cal_midnight(&w->cl, w->day, w->mon - 1);
			return 1;
		}
	} else {
		if (tail_first(c, F_DOW, cdow) != -1 && cdow <= 7)
			dow = tail_first(c, F_DOW, cdow);
		add = days_to(cdow, dow);
		if (w->day + add > ldom) {
			cal_midnight(&w->cl, 1, w->mon);
			return 1;
		}
		if (add > 0) {
			cal_midnight(&w->cl, w->day + add, w->mon - 1);
			return 1;
		}
	}
	return 0;
}

/* 1: go round again; 0: found; -1: no more fire times. */
static int
walk_month_year(struct walk *w)
{
	struct cal *cl = &w->cl;
	int t, v, year;

	CAL_SET(cl, day, w->day);
	w->mon = GET(cl, mon) + 1;
	year = GET(cl, year);
	if (year > MAX_YEAR)
		return -1;
	t = -1;
	if ((v = tail_first(w->c, F_MON, w->mon)) != -1 && v <= 12) {
		t = w->mon;
		w->mon = v;
	} else {
		w->mon = first(w->c, F_MON);
		year++;
	}
	if (w->mon != t) {
		cal_midnight(cl, 1, w->mon - 1);
		CAL_SET(cl, year, year);
		return 1;
	}
	CAL_SET(cl, mon, w->mon - 1);
	year = GET(cl, year);
	if ((v = tail_first(w->c, F_YEAR, year)) == -1)
		return -1;
	if (v != year) {
		cal_midnight(cl, 1, 0);
		CAL_SET(cl, year, v);
		return 1;
	}
	return 0;
}

static int
walk_step(struct walk *w)
{
	if (GET(&w->cl, year) > MAX_YEAR)
		return -1;
	if (walk_time(w))
		return 1;
	w->day = GET(&w->cl, day);
	w->mon = GET(&w->cl, mon) + 1;
	if (!w->c->nospec[F_DOM] ? walk_dom(w) : walk_dow(w))
		return 1;
	return walk_month_year(w);
}

int
wm_cron_next(const struct wm_cron *c, long long after_ms, long long *next_ms)
{
	struct walk w;
	long long s;
	int rc;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.after_ms = after_ms + 1000;
	s = w.after_ms >= 0 ? w.after_ms / 1000 : -((-w.after_ms + 999) / 1000);
	cal_set_time(&w.cl, (time_t)s);
	while ((rc = walk_step(&w)) == 1)
		;
	if (rc == -1)
		return 0;
	cal_norm(&w.cl);
	*next_ms = (long long)w.cl.t * 1000;
	return 1;
}

int
wm_cron_zone_ok(const char *zone)
{
	struct stat st;
	char path[512];

	if (zone == NULL || *zone == '\0' || strstr(zone, "..") ||
	    zone[0] == '/')
		return 0;
	if (strcmp(zone, "UTC") == 0)
		return 1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void
wm_cron_format(long long ms, char *out, unsigned long outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char z[16];
	int off;

	localtime_r(&t, &tm);
	off = (int)tm.tm_gmtoff;
	snprintf(z, sizeof(z), "%c%02d:%02d", off < 0 ? '-' : '+',
	    abs(off) / 3600 % 100, abs(off) % 3600 / 60);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off == 0 ? "Z" : z);
}
