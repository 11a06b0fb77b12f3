/*
 * NAME
 *	wm-audit - show the audit log of the webmail box
 * SYNOPSIS
 *	wm-audit [-c config] list [--since TIME] [--actor ACTOR] [--json]
 * DESCRIPTION
 *	Lists every change made from the admin console or a wm-* program,
 *	newest first: time, actor (the admin's name, or cli:UNIX-USER),
 *	client address, action, object, old and new value.  --since takes
 *	an RFC 3339 time (2026-12-01T00:00:00Z), a date (2026-12-01) or an
 *	epoch number; --actor an exact actor.  Secrets are stored masked.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done, 64 usage (also a bad
 *	--since), 75 temporary failure.
 * SECURITY
 *	Runs as root or the wm user; reads only.
 * FILES
 *	wm.conf(5) names the database.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cli.h"
#include "err.h"
#include "util.h"

static const char usage[] =
    "usage: wm-audit [-c config] list [--since TIME] [--actor ACTOR] [--json]\n"
    "\n"
    "  list      the audit log, newest first\n"
    "  --since   RFC 3339 time, YYYY-MM-DD or epoch seconds\n"
    "  --actor   only this actor (an admin's name, or cli:USER)\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct ctx {
	struct wm_cli	*cli;
	int		 n;
};

static void
field(const char *name, const char *v)
{
	printf(", \"%s\": ", name);
	if (v == NULL)
		fputs("null", stdout);
	else
		wm_json_str(stdout, v);
}

static int
one(const struct wm_audit *a, void *arg)
{
	struct ctx *c = arg;

	if (!c->cli->json) {
		wm_cli_print_time(stdout, 0, a->at, "-");
		printf("\t%s\t%s\t%s\t%s\t%s\t%s\n", a->actor, a->client ?
		    a->client : "-", a->action, a->object ? a->object :
		    a->detail ? a->detail : "-", a->old_value ? a->old_value :
		    "-", a->new_value ? a->new_value : "-");
		return 0;
	}
	wm_cli_json_next(stdout, &c->n);
	printf("{\"id\": %lld, \"at\": ", a->id);
	wm_cli_print_time(stdout, 1, a->at, "never");
	field("actor", a->actor);
	field("client", a->client);
	field("action", a->action);
	field("object", a->object ? a->object : a->detail);
	field("old", a->old_value);
	field("new", a->new_value);
	printf("}");
	return 0;
}

/* RFC 3339 (Z), a date, or epoch seconds; -1 when none of those. */
static time_t
parse_time(const char *s)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	v = strtoll(s, &e, 10);
	if (*s != '\0' && *e == '\0' && strchr(s, '-') == NULL)
		return (time_t)v;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL || *end)
			return -1;
	}
	return timegm(&tm);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "since", required_argument, NULL, 's' },
		{ "actor", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct wm_audit_query q = { 0 };
	struct wm_cli cli;
	struct wm_err err;
	struct ctx c = { &cli, 0 };
	int ch, rc;

	wm_cli_init(&cli, "wm-audit", usage);
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 's' && (q.since = parse_time(optarg)) != -1)
			continue;
		if (ch == 'a') {
			q.actor = optarg;
			continue;
		}
		wm_cli_usage(&cli);
	}
	if (argc - optind != 1 || strcmp(argv[optind], "list") != 0)
		wm_cli_usage(&cli);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	if (cli.json)
		printf("[");
	rc = wm_audit_foreach(cli.db, &q, one, &c, &err);
	if (cli.json && rc == 0)
		wm_cli_json_end(stdout, c.n);
	rc = rc == -1 ? wm_cli_fail(&cli, &err) : 0;
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
