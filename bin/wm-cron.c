/*
 * NAME
 *	wm-cron - Quartz cron expressions and the periodic jobs of the box
 * SYNOPSIS
 *	wm-cron next [--from EPOCH_MS] [--count N] [--tz ZONE] [--json] EXPR
 *	wm-cron [-c config] run
 *	wm-cron [-c config] list [--json]
 *	wm-cron [-c config] loop
 * DESCRIPTION
 *	next prints the next N fire times of a Quartz 2.x cron expression
 *	strictly after --from (default now), in ZONE (default the local zone).
 *	run starts each job (backup, log export, cleanup) whose fire time has
 *	passed since its last run; cron calls it every minute.  list shows the
 *	jobs with expression, last run, result and next run.  loop (what
 *	wm-ctl start runs for an instance) calls run every minute.
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
#include <unistd.h>
#include <sys/time.h>

#include "cli.h"
#include "config.h"
#include "cron.h"
#include "err.h"
#include "jobs.h"
#include "log.h"
#include "util.h"

static const char usage[] =
    "usage: wm-cron next [--from EPOCH_MS] [--count N] [--tz ZONE] [--json] EXPR\n"
    "       wm-cron [-c config] run\n"
    "       wm-cron [-c config] list [--json]\n"
    "       wm-cron [-c config] loop\n"
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

static void
print_job(const struct wm_job_info *ji, int json, int first)
{
	if (!json) {
		printf("%-10s %-3s %-24s last run ", ji->name, ji->enabled ? "on" :
		    "off", ji->expr);
		wm_cli_print_time(stdout, 0, ji->last_run / 1000, "never");
		printf(" result %s next run ", wm_job_result_name(ji->result));
		wm_cli_print_time(stdout, 0, ji->next_run / 1000, "-");
		printf("%s%s\n", *ji->message ? " " : "", ji->message);
		return;
	}
	printf("%s\n  {\"name\": ", first ? "" : ",");
	wm_json_str(stdout, ji->name);
	printf(", \"expression\": ");
	wm_json_str(stdout, ji->expr);
	printf(", \"setting\": ");
	wm_json_str(stdout, ji->cron_pref);
	printf(", \"enabled\": %s, \"last_run\": ", ji->enabled ? "true" :
	    "false");
	wm_cli_print_time(stdout, 1, ji->last_run / 1000, NULL);
	printf(", \"last_run_ms\": %lld, \"result\": ", ji->last_run);
	wm_json_str(stdout, wm_job_result_name(ji->result));
	printf(", \"message\": ");
	wm_json_str(stdout, ji->message);
	printf(", \"next_run\": ");
	wm_cli_print_time(stdout, 1, ji->next_run / 1000, NULL);
	printf(", \"next_run_ms\": %lld}", ji->next_run);
}

static int
list(struct wm_cli *cli, struct wm_err *err)
{
	struct wm_job_info ji;
	int j;

	if (cli->json)
		printf("[");
	for (j = 0; j < WM_JOB_COUNT; j++) {
		if (wm_jobs_get(cli->db, (enum wm_job)j, &ji, err) == -1)
			return -1;
		print_job(&ji, cli->json, j == 0);
	}
	if (cli->json)
		printf("\n]\n");
	return 0;
}

/* wm-ctl start runs "wm-cron -c CONF loop" for an instance. */
static int
loop(struct wm_cli *cli)
{
	char self[4096];
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		return EX_OSERR;
	self[n] = '\0';
	wm_jobs_loop(self, wm_config_file(cli->cfg));
}

static int
cmd_jobs(struct wm_cli *cli, const char *cmd)
{
	struct wm_err err;
	int rc;

	/* The loop needs only wm.conf: a database busy at start is no reason
	 * to stop the instance's jobs (each run opens it afresh). */
	if (strcmp(cmd, "loop") == 0) {
		if ((cli->cfg = wm_config_load(cli->config_path, &err)) == NULL)
			return wm_cli_fail(cli, &err);
		wm_log_file(wm_config_path(cli->cfg, "log"));
		return loop(cli);
	}
	if (wm_cli_open(cli, &err) == -1)
		return wm_cli_fail(cli, &err);
	if (strcmp(cmd, "run") == 0)
		rc = wm_jobs_run(cli->cfg, cli->db, &err);
	else
		rc = list(cli, &err);
	if (rc == -1)
		rc = wm_cli_fail(cli, &err);
	wm_cli_close(cli);
	return rc;
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
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1) {
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
	else if ((strcmp(argv[optind], "run") == 0 ||
	    strcmp(argv[optind], "list") == 0 ||
	    strcmp(argv[optind], "loop") == 0) && optind + 1 == argc)
		rc = cmd_jobs(&cli, argv[optind]);
	else
		wm_cli_usage(&cli);
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	return rc;
}
