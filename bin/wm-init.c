/*
 * NAME
 *	wm-init - create a self-contained webmail instance
 * SYNOPSIS
 *	wm-init [--port-base N] [--capture-outbound] [--force]
 *	    [--transport pipe|lmtp]
 *	    [--user USER] [--web-user USER] [--templates DIR] DIR
 *	wm-init -c FILE --lighttpd-conf
 *	wm-init [-c FILE] --system [--postfix-main | --postfix-submit]
 * DESCRIPTION
 *	Creates DIR/wm.conf, the SQLite database with a fresh server secret,
 *	system mail secret and webmail relay recipient key and certificate,
 *	the mail, outbox, log and run directories, a private Postfix
 *	configuration (DIR/postfix, queue in DIR/spool) and a lighttpd
 *	configuration with a self-signed HTTPS certificate.  Every listener
 *	is on 127.0.0.1: free ports below the ephemeral range, or N, N+1, ... with
 *	--port-base (smtp, relay, sink, portal, admin).  With
 *	--capture-outbound all outbound mail goes to smtp-sink, which writes
 *	one file per message to DIR/outbox.  Start the services with
 *	wm-ctl(8).  An existing instance is refused unless --force is given;
 *	--force rewrites the configuration and keeps database and mail.
 *	The web programs (lighttpd and its FastCGI portal and console) run as
 *	--web-user (default wmweb when root makes an instance of wm; "" runs
 *	them as --user), a member of the wm user's group, which cannot open
 *	the key store (keys/ beside the database).
 *	With --lighttpd-conf it only prints the lighttpd configuration for the
 *	wm.conf named by -c (or WM_CONFIG): the same generator writes every
 *	instance's and production's (make install runs it on conf/wm.conf).
 *	With --system it makes the production box of the installed wm.conf
 *	(-c, default /etc/wm/wm.conf, [instance] production = yes) with the
 *	same code: directories, log, database, keys, certificates, header
 *	checks and lighttpd.conf, keeping what exists (the Debian package's
 *	postinst runs it).  --postfix-main then prints the main.cf parameters
 *	the system Postfix needs, one "name = value" a line, for postconf -e;
 *	--postfix-submit the master.cf entry of the notice sender's
 *	submission listener ([listen] submit) on one line, for postconf -M.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 73 (EX_CANTCREAT) when DIR already
 *	holds an instance, 69 (EX_UNAVAILABLE) when a port is taken, 67 when
 *	the wm user is missing.  Errors are one line on stderr.
 * SECURITY
 *	Run as root: files are given to the wm user where wm-deliver and the
 *	CGI programs write (database, mail, log); keys stay root-only.  The
 *	database holds secrets: it is mode 0640, owner wm.
 * FILES
 *	DIR/wm.conf (wm.conf(5)), DIR/db/wm.db, DIR/postfix/main.cf,
 *	DIR/postfix/master.cf, DIR/lighttpd/lighttpd.conf, DIR/tls/server.pem.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "instance.h"
#include "log.h"
#include "util.h"

static const char usage[] =
    "usage: wm-init [--port-base N] [--capture-outbound] [--force]\n"
    "               [--user USER] [--web-user USER] [--templates DIR]\n"
    "               [--transport pipe|lmtp] DIR\n"
    "       wm-init -c FILE --lighttpd-conf\n"
    "       wm-init [-c FILE] --system [--postfix-main | --postfix-submit]\n"
    "Creates a self-contained webmail instance in DIR (see wm-init(8)).\n"
    "  --port-base N       listeners on N (smtp), N+1 (relay), N+2 (sink),\n"
    "                      N+3 (portal), N+4 (admin), N+5 (submit);\n"
    "                      default: free ports\n"
    "  --capture-outbound  send all outbound mail to smtp-sink, DIR/outbox\n"
    "  --force             rewrite an existing instance (keeps its data)\n"
    "  --user USER         system user owning the data (default wm)\n"
    "  --web-user USER     the web programs run as USER (group of --user;\n"
    "                      default wmweb as root, \"\" for --user itself)\n"
    "  --templates DIR     ClearSilver templates (default: found)\n"
    "  --transport pipe|lmtp  Postfix hands tunnels to wm-deliver by pipe\n"
    "                      (default) or to wm-lmtpd by LMTP\n"
    "  --lighttpd-conf     print the lighttpd.conf for the wm.conf of -c\n"
    "  --system            make the production box of -c (/etc/wm/wm.conf)\n"
    "  --postfix-main      with --system: print the system main.cf parameters\n"
    "  --postfix-submit    with --system: print the submission listener's\n"
    "                      master.cf entry\n"
    "  --help, --version\n";

enum { OPT_PORT_BASE = 256, OPT_CAPTURE, OPT_FORCE, OPT_USER, OPT_TEMPLATES,
	OPT_LIGHTTPD, OPT_TRANSPORT, OPT_WEB_USER, OPT_SYSTEM, OPT_POSTFIX_MAIN,
	OPT_POSTFIX_SUBMIT };

static const struct option longopts[] = {
	WM_CLI_LONGOPTS,
	{ "port-base", required_argument, NULL, OPT_PORT_BASE },
	{ "capture-outbound", no_argument, NULL, OPT_CAPTURE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "web-user", required_argument, NULL, OPT_WEB_USER },
	{ "templates", required_argument, NULL, OPT_TEMPLATES },
	{ "lighttpd-conf", no_argument, NULL, OPT_LIGHTTPD },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "system", no_argument, NULL, OPT_SYSTEM },
	{ "postfix-main", no_argument, NULL, OPT_POSTFIX_MAIN },
	{ "postfix-submit", no_argument, NULL, OPT_POSTFIX_SUBMIT },
	{ NULL, 0, NULL, 0 }
};

static int
parse_port(const char *s, int *port)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 65535 - WM_LISTEN_COUNT)
		return -1;
	*port = (int)v;
	return 0;
}

static int
print_lighttpd(struct wm_cli *cli)
{
	struct wm_config *cfg;
	struct wm_buf b;
	struct wm_err err;
	int rc;

	if ((cfg = wm_config_load(cli->config_path, &err)) == NULL)
		return wm_cli_fail(cli, &err);
	wm_buf_init(&b);
	rc = wm_instance_lighttpd_conf(cfg, &b, &err);
	wm_config_free(cfg);
	if (rc == 0 && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = wm_err_set(&err, EX_IOERR, "write: %s", strerror(errno));
	wm_buf_free(&b);
	return rc == -1 ? wm_cli_fail(cli, &err) : 0;
}

#ifndef WM_SYSCONFDIR
#define WM_SYSCONFDIR "/etc"
#endif

/* What --system prints instead of making the box. */
enum sys_print { PRINT_NONE, PRINT_MAIN, PRINT_SUBMIT };

static int
system_box(struct wm_cli *cli, enum sys_print what)
{
	const char *conf = cli->config_path ? cli->config_path :
	    WM_SYSCONFDIR "/wm/wm.conf";
	struct wm_err err;
	struct wm_buf b;
	int rc;

	wm_err_clear(&err);
	if (what == PRINT_NONE) {
		if (wm_instance_system(conf, &err) == -1)
			return wm_cli_fail(cli, &err);
		printf("%s\n", conf);
		return 0;
	}
	wm_buf_init(&b);
	rc = what == PRINT_MAIN ? wm_instance_system_main_cf(conf, &b, &err) :
	    wm_instance_system_submit(conf, &b, &err);
	if (rc == 0 && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = wm_err_set(&err, EX_IOERR, "write: %s", strerror(errno));
	wm_buf_free(&b);
	return rc == -1 ? wm_cli_fail(cli, &err) : 0;
}

int
main(int argc, char *argv[])
{
	struct wm_instance_opts o = { 0 };
	struct wm_cli cli;
	struct wm_err err;
	int ch, lighttpd = 0, sys = 0;
	enum sys_print print = PRINT_NONE;

	wm_cli_init(&cli, "wm-init", usage);
	wm_err_clear(&err);
	while ((ch = wm_cli_getopt(&cli, argc, argv, WM_CLI_SHORTOPTS,
	    longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		switch (ch) {
		case OPT_PORT_BASE:
			if (parse_port(optarg, &o.port_base) == -1)
				wm_cli_usage(&cli);
			break;
		case OPT_CAPTURE:
			o.capture_outbound = 1;
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_USER:
			o.user = optarg;
			break;
		case OPT_WEB_USER:
			o.web_user = optarg;
			break;
		case OPT_TEMPLATES:
			o.templates = optarg;
			break;
		case OPT_LIGHTTPD:
			lighttpd = 1;
			break;
		case OPT_SYSTEM:
			sys = 1;
			break;
		case OPT_POSTFIX_MAIN:
			print = PRINT_MAIN;
			break;
		case OPT_POSTFIX_SUBMIT:
			print = PRINT_SUBMIT;
			break;
		case OPT_TRANSPORT:
			if (strcmp(optarg, "pipe") != 0 && strcmp(optarg, "lmtp") != 0)
				wm_cli_usage(&cli);
			o.lmtp = strcmp(optarg, "lmtp") == 0;
			break;
		default:
			wm_cli_usage(&cli);
		}
	}
	if (sys && argc == optind && !lighttpd)
		return system_box(&cli, print);
	if (print != PRINT_NONE)
		wm_cli_usage(&cli);
	if (lighttpd && argc == optind)
		return print_lighttpd(&cli);
	if (argc - optind != 1)
		wm_cli_usage(&cli);
	o.dir = argv[optind];
	if (wm_instance_create(&o, &err) == -1)
		return wm_cli_fail(&cli, &err);
	printf("%s/wm.conf\n", o.dir);
	return 0;
}
