/*
 * NAME
 *	wm-cron - Quartz cron expressions and the periodic jobs of the box
 * SYNOPSIS
 *	wm-cron next [--from EPOCH_MS] [--count N] [--tz ZONE] [--json] EXPR
 *	wm-cron [-c config] run
 *	wm-cron [-c config] list [--json]
 * DESCRIPTION
 *	next prints the next N fire times of a Quartz 2.x cron expression
 *	strictly after --from (default now), in ZONE (default the local zone).
 *	run starts each job (backup, log export, cleanup) whose fire time has
 *	passed since its last run; cron calls it every minute.  list shows the
 *	jobs with expression, last run, result and next run.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 65 for an invalid expression (the
 *	message names the field and the reason), 64 usage, 75 a run already
 *	under way or a busy database.
 * SECURITY
 *	run executes only the box's own wm-* programs, as the user that runs it.
 * FILES
 *	wm.conf(5); /etc/cron.d/wm runs "wm-cron run" every minute.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "cli.h"
#include "cron.h"
#include "err.h"
#include "log.h"
#include "util.h"

static const char usage[] =
    "usage: wm-cron next [--from EPOCH_MS] [--count N] [--tz ZONE] [--json] EXPR\n"
    "       wm-cron [-c config] run\n"
    "       wm-cron [-c config] list [--json]\n"
    "\n"
    "Quartz cron expressions (seconds minutes hours day-of-month month\n"
    "day-of-week [year]) and the box's scheduled jobs.\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --from EPOCH_MS          next: times strictly after this (default now)\n"
    "         --count N                next: how many times (default 1)\n"
    "         --tz ZONE                next: time zone (default local)\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct opts {
	long long	 from;
	int		 have_from;
	long		 count;
	const char	*tz;
};

static long long
now_ms(void)
{
	struct timeval tv;

	if (getenv("WM_NOW") != NULL && *getenv("WM_NOW") != '\0')
		return (long long)wm_now() * 1000;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int
parse_ll(const char *s, long long *out)
{
	char *end;

	*out = strtoll(s, &end, 10);
	return *s != '\0' && *end == '\0' ? 0 : -1;
}

static int
cmd_next(struct wm_cli *cli, const struct opts *o, const char *expr)
{
	struct wm_cron *c;
	struct wm_err err;
	long long t, next;
	char when[64];
	long i;

	if (o->tz != NULL) {
		if (!wm_cron_zone_ok(o->tz)) {
			wm_err_set(&err, EX_USAGE, "unknown time zone: %s", o->tz);
			return wm_cli_fail(cli, &err);
		}
		setenv("TZ", o->tz, 1);
	}
	tzset();
	if ((c = wm_cron_parse(expr, &err)) == NULL)
		return wm_cli_fail(cli, &err);
	t = o->have_from ? o->from : now_ms();
	if (cli->json)
		printf("[");
	for (i = 0; i < o->count && wm_cron_next(c, t, &next); i++) {
		if (cli->json)
			printf("%s%lld", i ? ", " : "", next);
		else {
			wm_cron_format(next, when, sizeof(when));
			printf("%s\n", when);
		}
		t = next;
	}
	if (cli->json)
		printf("]\n");
	wm_cron_free(c);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "from",  required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "tz",    required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	struct wm_cli cli;
	struct opts o;
	long long v;
	int ch, rc;

	wm_cli_init(&cli, "wm-cron", usage);
	memset(&o, 0, sizeof(o));
	o.count = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 'f' && parse_ll(optarg, &o.from) == 0)
			o.have_from = 1;
		else if (ch == 'n' && parse_ll(optarg, &v) == 0 && v >= 1 &&
		    v <= 100000)
			o.count = (long)v;
		else if (ch == 'z')
			o.tz = optarg;
		else
			wm_cli_usage(&cli);
	}
	if (optind >= argc)
		wm_cli_usage(&cli);
	if (strcmp(argv[optind], "next") == 0 && optind + 2 == argc)
		rc = cmd_next(&cli, &o, argv[optind + 1]);
	else
		wm_cli_usage(&cli);
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	return rc;
}
