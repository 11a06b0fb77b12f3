/*
 * NAME
 *	wm-mtacfg - the MTA settings of the webmail box (Postfix)
 * SYNOPSIS
 *	wm-mtacfg [-c config] show [--json]
 *	wm-mtacfg [-c config] set [--force] FIELD VALUE
 *	wm-mtacfg [-c config] add|remove relay-domain DOMAIN
 *	wm-mtacfg [-c config] add|remove [--force] mynetwork CIDR
 *	wm-mtacfg [-c config] apply | check | import
 *	wm-mtacfg [-c config] params [--json]
 *	wm-mtacfg [-c config] raw show | raw set [--file F] < main.cf
 *	wm-mtacfg [-c config] dkim create --selector S --domain D
 *	wm-mtacfg [-c config] dkim show | dkim enable | dkim disable
 * DESCRIPTION
 *	The fields of the guide's MTA config page live in the database; set,
 *	add and remove store them (nothing when any field is wrong), apply
 *	makes Postfix use them.  raw edits main.cf as a whole.  dkim makes
 *	the OpenDKIM key, prints the DNS record and turns signing on or off
 *	(which applies at once).  import stores, once, the fields a Postfix
 *	already running answers (production joins one); params lists the
 *	main.cf parameters the box writes (postinst keeps their values from
 *	before the install, which purge puts back).
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 65 for a value a field refuses (one
 *	line naming the field), 64 for usage; errors on stderr and in the log.
 * SECURITY
 *	Writes the Postfix configuration: in production run as root through
 *	the sudoers fragment.  Networks wider than /8 need --force.
 * FILES
 *	wm.conf(5), the database, the Postfix configuration directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dkim.h"
#include "err.h"
#include "log.h"
#include "mta.h"
#include "util.h"

static const char usage[] =
    "usage: wm-mtacfg [-c config] show [--json]\n"
    "       wm-mtacfg [-c config] set [--force] FIELD VALUE\n"
    "       wm-mtacfg [-c config] add|remove relay-domain DOMAIN\n"
    "       wm-mtacfg [-c config] add|remove [--force] mynetwork CIDR\n"
    "       wm-mtacfg [-c config] apply | check | import\n"
    "       wm-mtacfg [-c config] params [--json]\n"
    "       wm-mtacfg [-c config] raw show | raw set [--file F] < main.cf\n"
    "       wm-mtacfg [-c config] dkim create --selector S --domain D\n"
    "       wm-mtacfg [-c config] dkim show | enable | disable\n"
    "Fields are listed by show and in wm-mtacfg(8); set stores, apply makes\n"
    "Postfix use what is stored.\n";

struct opts {
	int		 force;
	const char	*selector;
	const char	*domain;
	const char	*file;		/* raw set --file: the console's upload */
};

static int
cmd_show(struct wm_cli *cli, struct wm_err *err)
{
	const struct wm_mta_field *f = wm_mta_fields();
	struct wm_mta *m;
	int i;

	if ((m = wm_mta_load(cli->db, err)) == NULL)
		return -1;
	if (cli->json)
		fputs("{", stdout);
	for (i = 0; i < WM_MTA_NFIELDS; i++) {
		if (!cli->json) {
			printf("%s = %s%s\n", f[i].name, wm_mta_get(m, i),
			    cli->verbose && !wm_mta_is_set(m, i) ? "  (default)" : "");
			continue;
		}
		printf("%s\n  ", i ? "," : "");
		wm_json_str(stdout, f[i].name);
		fputs(": {\"value\": ", stdout);
		wm_json_str(stdout, wm_mta_get(m, i));
		printf(", \"default\": %s, \"postfix\": ",
		    wm_mta_is_set(m, i) ? "false" : "true");
		wm_json_str(stdout, f[i].postfix);
		fputs("}", stdout);
	}
	if (cli->json)
		fputs("\n}\n", stdout);
	wm_mta_free(m);
	return 0;
}

/* add|remove relay-domain D / mynetwork CIDR */
static int
cmd_list(struct wm_cli *cli, const struct opts *o, char **argv, struct wm_err *err)
{
	enum wm_mta_op op = strcmp(argv[0], "add") == 0 ? WM_MTA_OP_ADD :
	    WM_MTA_OP_REMOVE;
	const char *field;

	if (strcmp(argv[1], "relay-domain") == 0)
		field = "relay-domains";
	else if (strcmp(argv[1], "mynetwork") == 0)
		field = "my-networks";
	else
		return wm_err_set(err, EX_USAGE, "%s what? relay-domain or mynetwork",
		    argv[0]);
	return wm_mta_change(cli->db, cli->actor, op, field, argv[2], o->force, err);
}

static int
cmd_raw(struct wm_cli *cli, const char *what, const char *file, struct wm_err *err)
{
	struct wm_buf b;
	int rc = -1;

	wm_buf_init(&b);
	if (strcmp(what, "show") == 0) {
		if ((rc = wm_mta_raw_get(cli->cfg, &b, err)) == 0 && b.data != NULL)
			fwrite(b.data, 1, b.len, stdout);
	} else if (strcmp(what, "set") == 0) {
		if ((file == NULL ? wm_read_fd(STDIN_FILENO, 1 << 20, &b, err) :
		    wm_read_file(file, 1 << 20, &b, err)) == 0)
			rc = wm_mta_raw_set(cli->cfg, b.data ? b.data : "", b.len, err);
	} else
		rc = wm_err_set(err, EX_USAGE, "raw show or raw set");
	wm_buf_free(&b);
	return rc;
}

static int
dkim_show(struct wm_cli *cli, struct wm_err *err)
{
	struct wm_buf line, value;
	int rc;

	wm_buf_init(&line);
	wm_buf_init(&value);
	if ((rc = wm_dkim_record(cli->cfg, cli->db, &line, &value, err)) == 0) {
		if (cli->json) {
			fputs("{\"record\": ", stdout);
			wm_json_str(stdout, line.data);
			fputs(", \"txt\": ", stdout);
			wm_json_str(stdout, value.data);
			fputs("}\n", stdout);
		} else
			printf("%s\n", line.data);
	}
	wm_buf_free(&line);
	wm_buf_free(&value);
	return rc;
}

static int
cmd_dkim(struct wm_cli *cli, const struct opts *o, const char *what,
    struct wm_err *err)
{
	int on = strcmp(what, "enable") == 0;

	if (strcmp(what, "create") == 0) {
		if (o->selector == NULL || o->domain == NULL)
			return wm_err_set(err, EX_USAGE, "dkim create needs --selector "
			    "and --domain");
		return wm_dkim_create(cli->cfg, cli->db, o->selector, o->domain,
		    cli->actor, err);
	}
	if (strcmp(what, "show") == 0)
		return dkim_show(cli, err);
	if (!on && strcmp(what, "disable") != 0)
		return wm_err_set(err, EX_USAGE, "dkim create, show, enable or disable");
	if (wm_mta_change(cli->db, cli->actor, WM_MTA_OP_SET, "dkim-signing",
	    on ? "yes" : "no", 0, err) == -1)
		return -1;
	return wm_mta_apply(cli->cfg, cli->db, err);
}

static int
cmd_import(struct wm_cli *cli, struct wm_err *err)
{
	int n;

	wm_log_stderr(1);	/* what was left out, and why, is for the caller */
	if (wm_mta_import(cli->cfg, cli->db, cli->actor, &n, err) == -1)
		return -1;
	printf("%d field%s imported from Postfix\n", n, n == 1 ? "" : "s");
	return 0;
}

static int
cmd_params(struct wm_cli *cli)
{
	const char *p;
	int i, count = 0;

	if (cli->json)
		fputs("[", stdout);
	for (i = 0; (p = wm_mta_owned_param(i)) != NULL; i++) {
		if (!cli->json) {
			printf("%s\n", p);
			continue;
		}
		wm_cli_json_next(stdout, &count);
		wm_json_str(stdout, p);
	}
	if (cli->json)
		wm_cli_json_end(stdout, count);
	return 0;
}

/* How many operands each command takes (the command word included). */
static int
operands(const char *cmd)
{
	static const struct { const char *cmd; int n; } t[] = {
		{ "show", 1 }, { "apply", 1 }, { "check", 1 }, { "set", 3 },
		{ "import", 1 }, { "params", 1 },
		{ "add", 3 }, { "remove", 3 }, { "raw", 2 }, { "dkim", 2 },
		{ NULL, 0 }
	};
	int i;

	for (i = 0; t[i].cmd != NULL; i++)
		if (strcmp(t[i].cmd, cmd) == 0)
			return t[i].n;
	return -1;
}

static int
run(struct wm_cli *cli, const struct opts *o, char **argv, struct wm_err *err)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "show") == 0)
		return cmd_show(cli, err);
	if (strcmp(cmd, "apply") == 0)
		return wm_mta_apply(cli->cfg, cli->db, err);
	if (strcmp(cmd, "check") == 0)
		return wm_mta_check(cli->cfg, err);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(cli, err);
	if (strcmp(cmd, "params") == 0)
		return cmd_params(cli);
	if (strcmp(cmd, "set") == 0)
		return wm_mta_change(cli->db, cli->actor, WM_MTA_OP_SET, argv[1],
		    argv[2], o->force, err);
	if (strcmp(cmd, "raw") == 0)
		return cmd_raw(cli, argv[1], o->file, err);
	if (strcmp(cmd, "dkim") == 0)
		return cmd_dkim(cli, o, argv[1], err);
	return cmd_list(cli, o, argv, err);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "force",    no_argument,       NULL, 'f' },
		{ "selector", required_argument, NULL, 's' },
		{ "domain",   required_argument, NULL, 'd' },
		{ "file",     required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0, NULL, NULL, NULL };
	struct wm_cli cli;
	struct wm_err err;
	int ch, rc;

	wm_cli_init(&cli, "wm-mtacfg", usage);
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vhf", longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 'f')
			o.force = 1;
		else if (ch == 's')
			o.selector = optarg;
		else if (ch == 'd')
			o.domain = optarg;
		else if (ch == 'F')
			o.file = optarg;
		else
			wm_cli_usage(&cli);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || operands(argv[0]) != argc)
		wm_cli_usage(&cli);
	wm_err_clear(&err);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	rc = run(&cli, &o, argv, &err);
	if (fflush(stdout) == EOF && rc == 0)
		rc = wm_err_set(&err, EX_IOERR, "cannot write output");
	wm_cli_close(&cli);
	if (rc == -1)
		return wm_cli_fail(&cli, &err);
	return 0;
}
