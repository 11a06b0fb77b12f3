/*
 * NAME
 *	wm-admin - manage the administrators of the web console
 * SYNOPSIS
 *	wm-admin [-c config] list [--json]
 *	wm-admin [-c config] add name [--must-change] < password
 *	wm-admin [-c config] delete name
 *	wm-admin [-c config] set-password name < password
 *	wm-admin [-c config] enable name
 *	wm-admin [-c config] disable name
 *	wm-admin [-c config] reset-2fa name
 * DESCRIPTION
 *	Lists, adds, deletes, enables and disables the administrators of the
 *	console (admin.cgi on the admin listener), sets their passwords and
 *	turns off their two-factor login.  The last enabled administrator can
 *	be neither deleted nor disabled.  Every change goes to the audit log.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done, 64 usage, 65 bad name, weak
 *	password or name exists, 66 no password on standard input, 67 no such
 *	admin, 77 the last enabled admin, 75 temporary failure.
 * SECURITY
 *	Runs as root or the wm user.  Passwords are read from standard input
 *	only, never from the command line, and are never printed or logged.
 * FILES
 *	wm.conf(5) names the database.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admins.h"
#include "audit.h"
#include "cli.h"
#include "err.h"
#include "util.h"

static const char usage[] =
    "usage: wm-admin [-c config] command [arguments]\n"
    "\n"
    "  list [--json]                 all administrators\n"
    "  add NAME [--must-change]      add an administrator; the password comes\n"
    "                                from standard input (--must-change: it\n"
    "                                is to be changed at the first login)\n"
    "  delete NAME                   delete an administrator\n"
    "  set-password NAME             read a new password from standard input\n"
    "  enable NAME                   allow the administrator to log in\n"
    "  disable NAME                  refuse its logins\n"
    "  reset-2fa NAME                turn off its two-factor login\n"
    "\n"
    "The last enabled administrator can be neither deleted nor disabled.\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct ctx {
	struct wm_cli	*cli;
	const char	*name;
	int		 must_change;
	int		 n;
};

struct command {
	const char	*name;
	int		 takes_name;
	int		(*run)(struct ctx *, struct wm_err *);
};

static int
list_one(const struct wm_admin *a, void *arg)
{
	struct ctx *c = arg;

	if (!c->cli->json) {
		printf("%s\t%s\t%s\t%s\t", a->name, a->enabled ? "enabled" :
		    "disabled", a->totp ? "2fa" : "no-2fa", a->must_change ?
		    "must-change" : "password-set");
		wm_cli_print_time(stdout, 0, a->last_login, "never");
		putchar('\n');
		return 0;
	}
	{
		const struct wm_json_field f[] = {
			WM_JSON_S("name", a->name),
			WM_JSON_B("enabled", a->enabled),
			WM_JSON_B("totp", a->totp),
			WM_JSON_B("must_change", a->must_change),
			WM_JSON_T("created", a->created),
			WM_JSON_T("last_login", a->last_login),
			WM_JSON_T("password_changed", a->password_changed),
		};

		wm_cli_json_next(stdout, &c->n);
		wm_cli_json_object(stdout, f, sizeof(f) / sizeof(f[0]));
	}
	return 0;
}

static int
cmd_list(struct ctx *c, struct wm_err *err)
{
	if (c->cli->json)
		printf("[");
	if (wm_admin_foreach(c->cli->db, list_one, c, err) == -1)
		return -1;
	if (c->cli->json)
		wm_cli_json_end(stdout, c->n);
	return 0;
}

static int
audit(struct ctx *c, const char *action, const char *new_value,
    struct wm_err *err)
{
	char object[WM_ADMIN_NAME_MAX + 8];

	snprintf(object, sizeof(object), "admin %s", c->name);
	return wm_cli_audit_change(c->cli, action, object, NULL, new_value, err);
}

static int
cmd_add(struct ctx *c, struct wm_err *err)
{
	char *pw;
	int rc;

	if (wm_admin_name_ok(c->name, err) == -1)
		return -1;
	if ((pw = wm_cli_read_secret("Password: ", err)) == NULL)
		return -1;
	rc = wm_admin_add(c->cli->db, c->name, pw, c->must_change, err);
	wm_free_secret(pw);
	if (rc == -1)
		return -1;
	return audit(c, "admin-add", c->must_change ? "enabled, must change "
	    "password" : "enabled", err);
}

static int
cmd_delete(struct ctx *c, struct wm_err *err)
{
	if (wm_admin_delete(c->cli->db, c->name, err) == -1)
		return -1;
	return audit(c, "admin-delete", NULL, err);
}

static int
cmd_set_password(struct ctx *c, struct wm_err *err)
{
	struct wm_admin a;
	char *pw;
	int rc;

	/* Refuse an unknown name before anyone types a password. */
	if (wm_admin_get(c->cli->db, c->name, &a, err) == -1)
		return -1;
	if ((pw = wm_cli_read_secret("Password: ", err)) == NULL)
		return -1;
	rc = wm_admin_set_password(c->cli->db, c->name, pw, err);
	wm_free_secret(pw);
	if (rc == -1)
		return -1;
	return audit(c, "admin-password", WM_AUDIT_MASKED, err);
}

static int
cmd_enable(struct ctx *c, struct wm_err *err)
{
	if (wm_admin_set_enabled(c->cli->db, c->name, 1, err) == -1)
		return -1;
	return audit(c, "admin-enable", "enabled", err);
}

static int
cmd_disable(struct ctx *c, struct wm_err *err)
{
	if (wm_admin_set_enabled(c->cli->db, c->name, 0, err) == -1)
		return -1;
	return audit(c, "admin-disable", "disabled", err);
}

static int
cmd_reset_2fa(struct ctx *c, struct wm_err *err)
{
	if (wm_admin_reset_totp(c->cli->db, c->name, err) == -1)
		return -1;
	return audit(c, "admin-reset-2fa", "two-factor off", err);
}

static const struct command commands[] = {
	{ "list",		0, cmd_list },
	{ "add",		1, cmd_add },
	{ "delete",		1, cmd_delete },
	{ "set-password",	1, cmd_set_password },
	{ "enable",		1, cmd_enable },
	{ "disable",		1, cmd_disable },
	{ "reset-2fa",		1, cmd_reset_2fa },
	{ NULL,			0, NULL }
};

/* Options may come before or after the command (wm_cli_getopt). */
static const struct command *
parse_args(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "must-change", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	int ch;

	while ((ch = wm_cli_getopt(c->cli, argc, argv, "c:vh", longopts)) != -1) {
		if (wm_cli_option(c->cli, ch, optarg))
			continue;
		if (ch == 'm')
			c->must_change = 1;
		else
			wm_cli_usage(c->cli);
	}
	if (optind >= argc)
		wm_cli_usage(c->cli);
	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL || argc - optind != 1 + cmd->takes_name ||
	    (c->must_change && cmd->run != cmd_add))
		wm_cli_usage(c->cli);
	c->name = cmd->takes_name ? argv[optind + 1] : NULL;
	return cmd;
}

int
main(int argc, char *argv[])
{
	const struct command *cmd;
	struct wm_cli cli;
	struct wm_err err;
	struct ctx c;
	int rc;

	wm_cli_init(&cli, "wm-admin", usage);
	memset(&c, 0, sizeof(c));
	c.cli = &cli;
	cmd = parse_args(&c, argc, argv);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	rc = cmd->run(&c, &err) == -1 ? wm_cli_fail(&cli, &err) : 0;
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
