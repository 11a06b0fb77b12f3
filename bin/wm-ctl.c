/*
 * NAME
 *	wm-ctl - start, stop and show the services of a webmail instance
 * SYNOPSIS
 *	wm-ctl [-c config] start|stop|restart [postfix|sink|lighttpd|cron|notify|opendkim|lmtp|keys|all]
 *	wm-ctl [-c config] status [--json]
 *	wm-ctl [-c config] queue list [--json]
 *	wm-ctl [-c config] queue flush
 *	wm-ctl [-c config] queue hold|release|delete id...
 *	wm-ctl [-c config] queue headers id
 *	wm-ctl [-c config] reboot|shutdown
 * DESCRIPTION
 *	Runs the services of the instance that wm.conf describes: its private
 *	Postfix (postfix -c DIR start), the smtp-sink that captures outbound
 *	mail when capture-outbound is yes, and lighttpd serving the portal and
 *	the admin console.  start returns when the listeners accept
 *	connections; starting what runs and stopping what is stopped succeed.
 *	status lists each service, the listeners, the portal and admin URLs
 *	and the number of messages in the Postfix queue, and warns while an
 *	administrator still has the default password admin.  queue lists
 *	the Postfix queue (id, queue, size, arrival, sender, recipients,
 *	reason), flushes it, holds, releases or deletes mails, and shows the
 *	headers of one; reboot and shutdown run the [commands] system-reboot
 *	and system-shutdown of wm.conf.  The console runs these through sudo.
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

#include "admins.h"
#include "cli.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "queue.h"
#include "util.h"

static const char usage[] =
    "usage: wm-ctl [-c config] start|stop|restart [postfix|sink|lighttpd|cron|notify|opendkim|lmtp|keys|all]\n"
    "       wm-ctl [-c config] status [--json]\n"
    "       wm-ctl [-c config] queue list [--json] | flush\n"
    "       wm-ctl [-c config] queue hold|release|delete ID... | headers ID\n"
    "       wm-ctl [-c config] reboot | shutdown\n"
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

/* 1 while an admin still has the default password, 0 not, -1 unknown. */
static int
default_password(const struct wm_config *cfg)
{
	struct wm_err err;
	struct wm_db *db;
	int rc;

	db = wm_db_open(wm_config_path(cfg, "database"), WM_DB_READONLY, &err);
	if (db == NULL)
		return -1;
	rc = wm_admin_default_password_set(db, &err);
	wm_db_close(db);
	return rc;
}

static void
print_json(const struct wm_config *cfg, const struct wm_ctl_status *st,
    int dflt)
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
	printf(", \"default_admin_password\": %s", dflt < 0 ? "null" :
	    dflt ? "true" : "false");
	if (st->queue < 0)
		fputs(", \"queue\": null}\n", stdout);
	else
		printf(", \"queue\": %ld}\n", st->queue);
}

static void
print_text(const struct wm_config *cfg, const struct wm_ctl_status *st,
    int dflt)
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
	if (dflt == 1)
		printf("warning:  the default admin password is still set; log "
		    "in as admin/admin at the admin URL and change it\n");
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
		print_json(cfg, &st, default_password(cfg));
	else
		print_text(cfg, &st, default_password(cfg));
	return 0;
}

static int
queue_one(const struct wm_queue_mail *m, void *arg)
{
	struct wm_cli *cli = arg;
	char t[32];

	wm_time_format(m->arrival, t, sizeof(t));
	if (!cli->json) {
		printf("%s\t%s\t%lld\t%s\t<%s>\t%s\t%s\n", m->id, m->queue, m->size,
		    t, m->sender, m->recipients, m->reason);
		return 0;
	}
	printf("%s\n  {\"id\": ", cli->verbose++ ? "," : "");
	wm_json_str(stdout, m->id);
	printf(", \"queue\": ");
	wm_json_str(stdout, m->queue);
	printf(", \"size\": %lld, \"arrival\": ", m->size);
	wm_json_str(stdout, t);
	printf(", \"sender\": ");
	wm_json_str(stdout, m->sender);
	printf(", \"recipients\": ");
	wm_json_str(stdout, m->recipients);
	printf(", \"reason\": ");
	wm_json_str(stdout, m->reason);
	printf("}");
	return 0;
}

static int
queue_list(struct wm_cli *cli, struct wm_err *err)
{
	int rc;

	if ((cli->db = wm_db_open(wm_config_path(cli->cfg, "database"),
	    WM_DB_READONLY, err)) == NULL)
		return -1;
	if (cli->json)
		printf("[");
	cli->verbose = 0;	/* counts rows for the commas */
	rc = wm_queue_foreach(cli->cfg, cli->db, queue_one, cli, err);
	if (rc == 0 && cli->json)
		printf("%s]\n", cli->verbose ? "\n" : "");
	return rc;
}

/* wm-ctl queue VERB [ID...]: as root, for the console's sudo entries. */
static int
queue_cmd(struct wm_cli *cli, int argc, char **argv, struct wm_err *err)
{
	struct wm_buf out;
	int op, rc;

	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return queue_list(cli, err);
	if (argc == 1 && strcmp(argv[0], "flush") == 0)
		return wm_queue_flush(cli->cfg, err);
	if (argc == 2 && strcmp(argv[0], "headers") == 0) {
		wm_buf_init(&out);
		rc = wm_queue_headers(cli->cfg, argv[1], &out, err);
		if (rc == 0)
			fwrite(out.data, 1, out.len, stdout);
		wm_buf_free(&out);
		return rc;
	}
	if (argc < 2 || (op = wm_queue_op_parse(argv[0])) == -1)
		wm_cli_usage(cli);
	if (wm_queue_super(cli->cfg, op, (const char *const *)argv + 1,
	    (size_t)argc - 1, err) == -1)
		return -1;
	wm_log(LOG_INFO, "queue %s of %d mail(s) by %s", argv[0], argc - 1,
	    cli->actor);
	return 0;
}

/* reboot and shutdown: what wm.conf names, and nothing else. */
static int
power(struct wm_cli *cli, const char *verb, struct wm_err *err)
{
	const char *key = strcmp(verb, "reboot") == 0 ? "system-reboot" :
	    "system-shutdown";
	int rc;

	wm_log(LOG_NOTICE, "%s requested by %s", verb, cli->actor);
	if ((rc = wm_ctl_command(cli->cfg, key, NULL, NULL, err)) == -1)
		return -1;
	if (rc != 0)
		return wm_err_set(err, EX_UNAVAILABLE, "%s failed (exit %d)", key,
		    rc);
	return 0;
}

/* The verbs beyond start/stop/restart/status; -2 when verb is none of them. */
static int
other_verb(struct wm_cli *cli, const char *verb, int argc, char **argv,
    struct wm_err *err)
{
	if (strcmp(verb, "queue") == 0) {
		if (argc < 1)
			wm_cli_usage(cli);
		return queue_cmd(cli, argc, argv, err);
	}
	if (strcmp(verb, "reboot") == 0 || strcmp(verb, "shutdown") == 0) {
		if (argc != 0)
			wm_cli_usage(cli);
		return power(cli, verb, err);
	}
	return -2;
}

int
main(int argc, char *argv[])
{
	struct wm_cli cli;
	struct wm_err err;
	const char *verb;
	int ch, rc, svc = WM_SVC_ALL;

	wm_cli_init(&cli, "wm-ctl", usage);
	wm_err_clear(&err);
	/* Options may follow the verb: "status --json". */
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1)
		if (!wm_cli_option(&cli, ch, optarg))
			wm_cli_usage(&cli);
	if (argc - optind < 1)
		wm_cli_usage(&cli);
	verb = argv[optind];
	if (strcmp(verb, "queue") == 0 || strcmp(verb, "reboot") == 0 ||
	    strcmp(verb, "shutdown") == 0) {
		if ((cli.cfg = wm_config_load(cli.config_path, &err)) == NULL)
			return wm_cli_fail(&cli, &err);
		wm_log_file(wm_config_path(cli.cfg, "log"));
		rc = other_verb(&cli, verb, argc - optind - 1, argv + optind + 1,
		    &err);
		rc = rc == -1 ? wm_cli_fail(&cli, &err) : 0;
		wm_cli_close(&cli);
		return rc;
	}
	if (argc - optind > 2)
		wm_cli_usage(&cli);
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
