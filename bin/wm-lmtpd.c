/*
 * NAME
 *	wm-lmtpd - the persistent delivery service (LMTP on a unix socket)
 * SYNOPSIS
 *	wm-lmtpd [-c config] [--socket path] [--workers n]
 * DESCRIPTION
 *	Speaks LMTP on a unix socket for Postfix's lmtp transport and delivers
 *	each tunnel with the same library code as wm-deliver(8), keeping the
 *	relay keys (decoded once), the certificate store and the database
 *	open between deliveries.  Answers each recipient as wm-deliver exits:
 *	250 stored or handed to the postmaster, 451 temporary, 552 too big,
 *	554 empty.
 * DIAGNOSTICS
 *	Runs until SIGTERM; exit 0 then.  64 usage, 71 socket errors.
 * SECURITY
 *	Runs as the wm user (wm-ctl starts it so); the relay keys live in its
 *	workers' memory only.
 * FILES
 *	wm.conf(5): [paths] lmtp (default run/lmtp.sock), database, mail.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "err.h"
#include "lmtp.h"
#include "log.h"
#include "prefs.h"
#include "util.h"

static const char usage[] =
    "usage: wm-lmtpd [-c config] [--socket PATH] [--workers N]\n"
    "\n"
    "Delivers tunnels received by LMTP on a unix socket (Postfix's lmtp\n"
    "transport), as wm-deliver does from the pipe.\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --socket PATH            default: [paths] lmtp\n"
    "         --workers N              processes serving connections (8)\n"
    "         -v, --verbose, -h, --help, --version\n";

static volatile int stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

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
		{ "socket",  required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL;
	struct sigaction sa;
	struct wm_cli cli;
	struct wm_err err;
	int ch, workers = 8;

	wm_cli_init(&cli, "wm-lmtpd", usage);
	while ((ch = getopt_long(argc, argv, WM_CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 's')
			sock = optarg;
		else if (ch == 'w' && (workers = atoi(optarg)) >= 1 && workers <= 64)
			continue;
		else
			wm_cli_usage(&cli);
	}
	if (optind != argc)
		wm_cli_usage(&cli);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	/* Each worker opens its own connection: none may cross a fork. */
	wm_db_close(cli.db);
	cli.db = NULL;
	if (sock == NULL && (sock = wm_config_path(cli.cfg, "lmtp")) == NULL) {
		wm_err_set(&err, EX_CONFIG, "no [paths] lmtp and no --socket");
		return wm_cli_fail(&cli, &err);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: waitpid returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (wm_lmtp_serve(cli.cfg, sock, workers, max_size(cli.cfg), &stop,
	    &err) == -1)
		return wm_cli_fail(&cli, &err);
	wm_cli_close(&cli);
	return 0;
}
