/*
 * NAME
 *	wm-deliver - deliver one S/MIME tunnel from the gateway (Postfix pipe)
 * SYNOPSIS
 *	wm-deliver [-c config] --sender S --recipient R < tunnel
 * DESCRIPTION
 *	Reads one tunnel mail (wm-tunnel(5)) on standard input, decrypts it
 *	with a webmail relay recipient key, verifies the gateway's signature
 *	and signer, and stores the original mail byte for byte in the maildir
 *	of every envelope recipient, indexes it and notifies the recipient.
 *	A tunnel that can never be delivered (not encrypted to us, bad or
 *	untrusted signature, malformed envelope) is sent whole to the
 *	postmaster with the reason.  Mail carrying this box's own system-mail
 *	header is logged and discarded, never processed again.
 * DIAGNOSTICS
 *	0: stored for every recipient (or skipped: already stored, over
 *	quota), or handed to the postmaster.  75: temporary failure (database
 *	busy, disk full, no relay key, notification or postmaster copy not
 *	submitted); Postfix retries and a retry never stores twice.
 *	65: larger than max-tunnel-size.  66: empty input.  64: usage.
 *	Every outcome is one line in the instance log.
 * SECURITY
 *	Runs as the wm user from the Postfix pipe.  Relay keys are read from
 *	the database and never logged.
 * FILES
 *	wm.conf(5): database, mail directory, log file, [commands] sendmail,
 *	[instance] max-tunnel-size.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "deliver.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "prefs.h"
#include "util.h"

static const char usage[] =
    "usage: wm-deliver [-c config] --sender S --recipient R < tunnel\n"
    "\n"
    "Delivers one S/MIME tunnel mail read from standard input (the Postfix\n"
    "pipe transport of the relay recipient).\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --sender S               envelope sender (${sender})\n"
    "         --recipient R            envelope recipient (${recipient})\n"
    "         -v, --verbose, -h, --help, --version\n"
    "exit: 0 delivered or sent to the postmaster, 75 try again later\n";

static size_t
max_size(const struct wm_config *cfg)
{
	const char *v = wm_config_get(cfg, "instance", "max-tunnel-size");
	long long n;

	if (v == NULL || wm_parse_size(v, &n) == -1 || n <= 0)
		return WM_DELIVER_MAX;
	return (size_t)n;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "sender",    required_argument, NULL, 's' },
		{ "recipient", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sender = NULL, *recipient = NULL;
	struct wm_cli cli;
	struct wm_err err;
	int ch, rc;

	/*
	 * A tunnel passes through several buffers of about its size (input,
	 * DER, plaintext, signed content), each freed before the next is
	 * made.  Taken from the heap and kept there, a freed buffer's pages
	 * serve the next one; mapped one by one, each buffer is faulted in
	 * anew (a quarter of the page faults of a 1 MB tunnel).  Past 4 MB
	 * buffers are mapped again, so a big tunnel's peak stays low.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	wm_cli_init(&cli, "wm-deliver", usage);
	while ((ch = wm_cli_getopt(&cli, argc, argv, WM_CLI_SHORTOPTS,
	    longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 's')
			sender = optarg;
		else if (ch == 'r')
			recipient = optarg;
		else
			wm_cli_usage(&cli);
	}
	if (optind != argc || sender == NULL || recipient == NULL)
		wm_cli_usage(&cli);
	/* Postfix reads stderr into the deferral reason; the log has the rest. */
	wm_log_stderr(0);
	if (wm_cli_open(&cli, &err) == -1) {
		/* Without configuration nothing can be decided: retry later. */
		err.code = EX_TEMPFAIL;
		return wm_cli_fail(&cli, &err);
	}
	rc = wm_deliver_stream(cli.cfg, cli.db, sender, recipient, STDIN_FILENO,
	    max_size(cli.cfg), &err);
	if (rc == -1 && err.code == EX_TEMPFAIL)	/* best effort, for the graphs */
		wm_metric_note(cli.db, WM_METRIC_DEFERRED, 1);
	wm_cli_close(&cli);
	if (rc == -1) {
		/* wm_deliver logged the outcome already. */
		fprintf(stderr, "wm-deliver: %s\n", err.msg);
		return err.code ? err.code : EX_TEMPFAIL;
	}
	return 0;
}
