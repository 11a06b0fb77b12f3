/*
 * NAME
 *	wm-ctl - start, stop and show the services of a webmail instance
 * SYNOPSIS
 *	wm-ctl [-c config] start|stop|restart [postfix|sink|lighttpd|notify|lmtp|all]
 *	wm-ctl [-c config] status [--json]
 * DESCRIPTION
 *	Runs the services of the instance that wm.conf describes: its private
 *	Postfix (postfix -c DIR start), the smtp-sink that captures outbound
 *	mail when capture-outbound is yes, and lighttpd serving the portal and
 *	the admin console.  start returns when the listeners accept
 *	connections; starting what runs and stopping what is stopped succeed.
 *	status lists each service, the listeners, the portal and admin URLs
 *	and the number of messages in the Postfix queue.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 69 (EX_UNAVAILABLE) when a service does
 *	not come up, 75 (EX_TEMPFAIL) when one does not stop.  Errors are one
 *	line on stderr and in the instance log.
 * SECURITY
 *	Run as root (Postfix and lighttpd drop privileges themselves).  Only
 *	processes named in this instance's pid files, and whose command line
 *	matches this instance, are ever signalled.
 * FILES
 *	wm.conf(5); the pid files DIR/spool/pid/master.pid, DIR/run/sink.pid,
 *	DIR/run/lighttpd.pid; logs in DIR/log.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ctl.h"
#include "err.h"
#include "log.h"
#include "util.h"

static const char usage[] =
    "usage: wm-ctl [-c config] start|stop|restart [postfix|sink|lighttpd|notify|lmtp|all]\n"
    "       wm-ctl [-c config] status [--json]\n"
    "Runs the private Postfix, smtp-sink and lighttpd of an instance.\n"
    "  -c FILE   wm.conf of the instance (default $WM_CONFIG)\n"
    "  --json    status as one JSON object\n"
    "  --help, --version\n";

static const struct option longopts[] = {
	WM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static void
url(FILE *f, const struct wm_config *cfg, const char *key)
{
	const char *l = wm_config_get(cfg, "listen", key);

	if (l == NULL)
		fputs("null", f);
	else
		fprintf(f, "\"https://%s/\"", l);
}

static void
json_listen(const struct wm_config *cfg, const char *key, const char *name)
{
	const char *l = wm_config_get(cfg, "listen", key);

	printf("\"%s\": ", name);
	if (l == NULL)
		fputs("null", stdout);
	else
		wm_json_str(stdout, l);
	fputs(", ", stdout);
}

static void
print_json(const struct wm_config *cfg, const struct wm_ctl_status *st)
{
	printf("{\"postfix\": \"%s\", \"sink\": \"%s\", \"lighttpd\": \"%s\", "
	    "\"notify\": \"%s\", \"lmtp\": \"%s\", ",
	    wm_ctl_state_name(st->postfix), wm_ctl_state_name(st->sink),
	    wm_ctl_state_name(st->lighttpd), wm_ctl_state_name(st->notify),
	    wm_ctl_state_name(st->lmtp));
	json_listen(cfg, "smtp", "smtp");
	json_listen(cfg, "relay", "relay");
	if (wm_config_bool(cfg, "instance", "capture-outbound"))
		json_listen(cfg, "sink", "sink_listen");
	fputs("\"portal_url\": ", stdout);
	url(stdout, cfg, "portal");
	fputs(", \"admin_url\": ", stdout);
	url(stdout, cfg, "admin");
	fputs(", \"outbox\": ", stdout);
	wm_json_str(stdout, wm_config_path(cfg, "outbox"));
	if (st->queue < 0)
		fputs(", \"queue\": null}\n", stdout);
	else
		printf(", \"queue\": %ld}\n", st->queue);
}

static void
print_text(const struct wm_config *cfg, const struct wm_ctl_status *st)
{
	printf("postfix:  %s", wm_ctl_state_name(st->postfix));
	if (st->postfix_pid)
		printf(" (pid %d)", (int)st->postfix_pid);
	printf("\nsink:     %s", wm_ctl_state_name(st->sink));
	if (st->sink_pid)
		printf(" (pid %d)", (int)st->sink_pid);
	printf("\nlighttpd: %s", wm_ctl_state_name(st->lighttpd));
	if (st->lighttpd_pid)
		printf(" (pid %d)", (int)st->lighttpd_pid);
	printf("\nnotify:   %s", wm_ctl_state_name(st->notify));
	if (st->notify_pid)
		printf(" (pid %d)", (int)st->notify_pid);
	printf("\nlmtp:     %s", wm_ctl_state_name(st->lmtp));
	if (st->lmtp_pid)
		printf(" (pid %d)", (int)st->lmtp_pid);
	printf("\nsmtp:     %s\nrelay:    %s\nportal:   https://%s/\n"
	    "admin:    https://%s/\n",
	    wm_config_get(cfg, "listen", "smtp"), wm_config_get(cfg, "listen", "relay"),
	    wm_config_get(cfg, "listen", "portal"), wm_config_get(cfg, "listen", "admin"));
	if (st->queue >= 0)
		printf("queue:    %ld\n", st->queue);
}

static int
act(const char *verb, struct wm_config *cfg, int svc, struct wm_cli *cli,
    struct wm_err *err)
{
	struct wm_ctl_status st;

	if (strcmp(verb, "start") == 0)
		return wm_ctl_start(cfg, svc, err);
	if (strcmp(verb, "stop") == 0)
		return wm_ctl_stop(cfg, svc, err);
	if (strcmp(verb, "restart") == 0) {
		if (wm_ctl_stop(cfg, svc, err) == -1)
			return -1;
		return wm_ctl_start(cfg, svc, err);
	}
	if (wm_ctl_status(cfg, &st, err) == -1)
		return -1;
	if (cli->json)
		print_json(cfg, &st);
	else
		print_text(cfg, &st);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct wm_cli cli;
	struct wm_err err;
	const char *verb;
	int ch, svc = WM_SVC_ALL;

	wm_cli_init(&cli, "wm-ctl", usage);
	wm_err_clear(&err);
	/* Options may follow the verb: "status --json". */
	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1)
		if (!wm_cli_option(&cli, ch, optarg))
			wm_cli_usage(&cli);
	if (argc - optind < 1 || argc - optind > 2)
		wm_cli_usage(&cli);
	verb = argv[optind];
	if (strcmp(verb, "start") != 0 && strcmp(verb, "stop") != 0 &&
	    strcmp(verb, "restart") != 0 && strcmp(verb, "status") != 0)
		wm_cli_usage(&cli);
	if (argc - optind == 2 && (strcmp(verb, "status") == 0 ||
	    (svc = wm_ctl_parse(argv[optind + 1])) == -1))
		wm_cli_usage(&cli);
	/* No database needed: only wm.conf. */
	if ((cli.cfg = wm_config_load(cli.config_path, &err)) == NULL)
		return wm_cli_fail(&cli, &err);
	wm_log_file(wm_config_path(cli.cfg, "log"));
	if (act(verb, cli.cfg, svc, &cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	wm_config_free(cli.cfg);
	return 0;
}
