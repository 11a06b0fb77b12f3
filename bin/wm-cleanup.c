/*
 * NAME
 *	wm-cleanup - delete expired and old mail from every mailbox
 * SYNOPSIS
 *	wm-cleanup [-c config] [--dry-run] [--verbose] [--json]
 * DESCRIPTION
 *	Deletes every message whose WM-Expires time has come, whether or not
 *	auto cleanup is enabled, and, when the global setting
 *	auto-cleanup-enabled is on, every message received longer ago than
 *	cleanup-interval (8h, 1d, 2w, ...).  Prints one line per message
 *	removed: mailbox, id, reason (expired or age) and subject.
 *	--dry-run prints what would go and removes nothing; --verbose adds a
 *	closing count.  wm-cron(8) runs the same cleanup every ten minutes.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done, 64 usage, 78 bad
 *	cleanup-interval or wm.conf, 75 temporary failure (database busy); a
 *	run that fails half-way keeps what it has not reached for the next.
 *	Errors are one line on stderr and in the instance log.
 * SECURITY
 *	Runs as the wm user, which owns the mail directory and the database.
 *	The index row goes before the file, so no user ever sees a listed
 *	message whose file has gone.
 * FILES
 *	wm.conf(5) names the database and the mail directory;
 *	/etc/cron.d/wm runs wm-cron, which runs the cleanup.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "status.h"
#include "util.h"

static const char usage[] =
    "usage: wm-cleanup [-c config] [--dry-run] [--verbose] [--json]\n"
    "\n"
    "Deletes mail past its WM-Expires time and, with auto-cleanup-enabled,\n"
    "mail older than cleanup-interval; prints what it removed.\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --dry-run                show what would be removed\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct out {
	int	json;
	int	n;
};

static int
print_item(const struct wm_cleanup_item *it, void *arg)
{
	struct out *o = arg;
	char when[32];

	if (!o->json) {
		printf("%s\t%lld\t%s\t%s\n", it->mailbox, it->id, it->reason,
		    it->subject);
		return 0;
	}
	wm_time_format(it->received, when, sizeof(when));
	wm_cli_json_next(stdout, &o->n);
	printf("{\"mailbox\": ");
	wm_json_str(stdout, it->mailbox);
	printf(", \"id\": %lld, \"folder\": ", it->id);
	wm_json_str(stdout, it->folder);
	printf(", \"subject\": ");
	wm_json_str(stdout, it->subject);
	printf(", \"reason\": ");
	wm_json_str(stdout, it->reason);
	printf(", \"received\": ");
	wm_json_str(stdout, when);
	printf("}");
	return 0;
}

/*
 * For the status page's history: what was removed, and a queue sample (cron
 * runs this every 10 minutes, so the queue graph has points even when nobody
 * looks).  Best effort: a busy MTA or database costs a point, not the run.
 */
static void
record(struct wm_cli *cli, long long removed)
{
	struct wm_queue_counts q;
	struct wm_err err;

	wm_metric_note(cli->db, WM_METRIC_CLEANED, removed);
	if (wm_status_sample_queue(cli->cfg, cli->db, &q, &err) == -1)
		wm_log(LOG_NOTICE, "queue not sampled: %s", err.msg);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct wm_cleanup_opts opts;
	struct wm_cli cli;
	struct wm_err err;
	struct out o;
	long long removed = 0;
	int ch, rc;

	wm_cli_init(&cli, "wm-cleanup", usage);
	memset(&opts, 0, sizeof(opts));
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vhn",
	    longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 'n')
			opts.dry_run = 1;
		else
			wm_cli_usage(&cli);
	}
	if (optind != argc)
		wm_cli_usage(&cli);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	memset(&o, 0, sizeof(o));
	o.json = cli.json;
	opts.report = print_item;
	opts.arg = &o;
	if (o.json)
		printf("[");
	rc = wm_cleanup_run(cli.cfg, cli.db, &opts, &removed, &err);
	if (o.json)
		wm_cli_json_end(stdout, o.n);
	if (rc == 0 && !opts.dry_run)
		record(&cli, removed);
	if (rc == -1)
		rc = wm_cli_fail(&cli, &err);
	else if (cli.verbose)
		fprintf(stderr, "%s %lld message%s\n", opts.dry_run ?
		    "would remove" : "removed", removed, removed == 1 ? "" : "s");
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
