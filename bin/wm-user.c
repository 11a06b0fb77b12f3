/*
 * NAME
 *	wm-user - manage the webmail users and their mailboxes
 * SYNOPSIS
 *	wm-user [-c config] list [--search TEXT] [--filter F] [--after A |
 *	    --before A] [--limit N] [--json]
 *	wm-user [-c config] show address [--json]
 *	wm-user [-c config] add address
 *	wm-user [-c config] delete address [--purge-mailbox]
 *	wm-user [-c config] enable address
 *	wm-user [-c config] disable address
 *	wm-user [-c config] set-password address [--force] < password
 *	wm-user [-c config] reset-2fa address
 *	wm-user [-c config] mailboxes [--search TEXT] [--orphans] [--json]
 *	wm-user [-c config] purge-mailbox address
 *	wm-user [-c config] cleanup --never | --idle [--days N] [--delete
 *	    [--purge-mailbox]] [--json]
 * DESCRIPTION
 *	Lists, shows, adds, enables, disables and deletes the users of the
 *	webmail box, sets their passwords and lists the mailboxes with their
 *	disk usage.  Deleting a user keeps the mailbox, so a user who signs up
 *	again finds the old mail (guide 7.1); --purge-mailbox removes it too.
 *	Every change is written to the audit log.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done, 64 usage, 65 not a valid
 *	address, weak password or user exists, 66 no password on standard
 *	input, 67 no such user, 75 temporary failure (database busy, disk).
 *	Errors are one line on stderr and in the instance log.
 * SECURITY
 *	Runs as root or the wm user.  Passwords are read from standard input
 *	only, never from the command line, and are never printed or logged.
 * FILES
 *	wm.conf(5) names the database and the mail directory.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "mailbox.h"
#include "password.h"
#include "prefs.h"
#include "totp.h"
#include "user.h"
#include "userlist.h"
#include "util.h"

static const char usage[] =
    "usage: wm-user [-c config] command [arguments]\n"
    "\n"
    "  list [--json]                       all users, or one page of them with\n"
    "       [--search TEXT] [--filter all|password-set|no-password|disabled]\n"
    "       [--after ADDRESS | --before ADDRESS] [--limit N]\n"
    "  show ADDRESS [--json]               one user, mailbox, usage and quota\n"
    "  add ADDRESS                         create a user and its mailbox\n"
    "  delete ADDRESS [--purge-mailbox]    delete a user (keeps the mail unless\n"
    "                                      --purge-mailbox)\n"
    "  enable ADDRESS                      allow the user to log in\n"
    "  disable ADDRESS                     refuse logins of the user\n"
    "  set-password ADDRESS [--force]      read a password from standard input;\n"
    "                                      --force skips the strength rules\n"
    "  reset-2fa ADDRESS                   turn off two-factor login of a user\n"
    "                                      who lost the device and the codes\n"
    "  mailboxes [--search TEXT] [--orphans] [--json]\n"
    "                                      mailboxes with their disk usage\n"
    "                                      (--orphans: those without a user)\n"
    "  purge-mailbox ADDRESS               delete the mail, keep the account\n"
    "  cleanup --never|--idle [--days N] [--delete [--purge-mailbox]]\n"
    "                                      users who never logged in (created\n"
    "                                      N days ago or more), or not for N\n"
    "                                      days: listed, or deleted\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct ctx {
	struct wm_cli	*cli;
	const char	*root;		/* the mail directory */
	char		 addr[WM_ADDRESS_MAX + 1];
	int		 purge;
	int		 force;
	int		 n;		/* rows printed, for JSON commas */
	int		 paged;		/* list with paging options */
	struct wm_user_query	 q;
	struct wm_mailbox_query	 mq;
	struct wm_idle_query	 iq;
	int		 idle_set;
	int		 delete;
	char		 last[WM_ADDRESS_MAX + 1];	/* last listed address */
};

struct command {
	const char	*name;
	int		 takes_address;
	int		(*run)(struct ctx *, struct wm_err *);
};


static int
list_one(const struct wm_user *u, void *arg)
{
	struct ctx *c = arg;

	snprintf(c->last, sizeof(c->last), "%s", u->address);
	if (!c->cli->json) {
		printf("%s\t%s\t%s\t", u->address, u->enabled ? "enabled" :
		    "disabled", u->has_password ? "password" : "no-password");
		wm_cli_print_time(stdout, 0, u->signed_up, "never");
		putchar('\t');
		wm_cli_print_time(stdout, 0, u->last_login, "never");
		putchar('\n');
		return 0;
	}
	wm_cli_json_next(stdout, &c->n);
	printf("{\"address\": ");
	wm_json_str(stdout, u->address);
	printf(", \"enabled\": %s, \"password_set\": %s, \"signed_up\": ",
	    u->enabled ? "true" : "false", u->has_password ? "true" : "false");
	wm_cli_print_time(stdout, 1, u->signed_up, "never");
	printf(", \"created\": ");
	wm_cli_print_time(stdout, 1, u->created, "never");
	printf(", \"last_login\": ");
	wm_cli_print_time(stdout, 1, u->last_login, "never");
	printf("}");
	return 0;
}

static int
cmd_list(struct ctx *c, struct wm_err *err)
{
	int more = 0, rc;

	if (c->cli->json)
		printf("[");
	if (c->paged)
		rc = wm_user_list(c->cli->db, &c->q, list_one, c, &more, err);
	else
		rc = wm_user_foreach(c->cli->db, list_one, c, err);
	if (rc == -1)
		return -1;
	if (c->cli->json)
		wm_cli_json_end(stdout, c->n);
	/* A script pages on with the last (or first) address it got. */
	if (more && !c->cli->json)
		fprintf(stderr, "wm-user: more users follow\n");
	return 0;
}

static void
show_text(const struct wm_user *u, const char *name, int exists,
    long long usage_bytes, long long quota)
{
	printf("address:     %s\n", u->address);
	printf("enabled:     %s\n", u->enabled ? "yes" : "no");
	printf("password:    %s\n", u->has_password ? "set" : "not set");
	printf("two-factor:  %s\n", u->totp_enabled ? "on" : "off");
	printf("created:     ");
	wm_cli_print_time(stdout, 0, u->created, "never");
	printf("\nsigned-up:   ");
	wm_cli_print_time(stdout, 0, u->signed_up, "never");
	printf("\nlast-invite: ");
	wm_cli_print_time(stdout, 0, u->last_invite, "never");
	printf("\nlast-login:  ");
	wm_cli_print_time(stdout, 0, u->last_login, "never");
	printf("\nmailbox:     %s%s\n", name, exists ? "" : " (not created)");
	printf("disk-usage:  %lld\n", usage_bytes);
	printf("quota:       %lld\n", quota);
}

static void
show_json(const struct wm_user *u, const char *name, int exists,
    long long usage_bytes, long long quota)
{
	const struct wm_json_field f[] = {
		WM_JSON_S("address", u->address),
		WM_JSON_S("domain", u->domain),
		WM_JSON_B("enabled", u->enabled),
		WM_JSON_B("password_set", u->has_password),
		WM_JSON_B("totp_enabled", u->totp_enabled),
		WM_JSON_T("created", u->created),
		WM_JSON_T("signed_up", u->signed_up),
		WM_JSON_T("last_invite", u->last_invite),
		WM_JSON_T("last_login", u->last_login),
		WM_JSON_S("mailbox", name),
		WM_JSON_B("mailbox_exists", exists),
		WM_JSON_I("disk_usage", usage_bytes),
		WM_JSON_I("quota", quota),
	};

	wm_cli_json_object(stdout, f, sizeof(f) / sizeof(f[0]));
	putchar('\n');
}

static int
cmd_show(struct ctx *c, struct wm_err *err)
{
	char name[WM_ADDRESS_MAX * 3 + 1];
	struct wm_user *u;
	long long used, quota;
	char *path;
	int exists;

	if ((u = wm_user_get(c->cli->db, c->addr, err)) == NULL)
		return -1;
	if (wm_mailbox_name(u->address, name, sizeof(name)) == -1 ||
	    (path = wm_mailbox_path(c->root, u->address)) == NULL) {
		wm_user_free(u);
		return wm_err_set(err, EX_DATAERR, "address too long for a "
		    "mailbox name");
	}
	exists = wm_path_exists(path);
	free(path);
	if ((used = wm_mailbox_usage(c->root, u->address)) < 0) {
		wm_user_free(u);
		return wm_err_set(err, EX_IOERR, "cannot measure the mailbox of "
		    "%s", c->addr);
	}
	if (wm_pref_user_num(c->cli->db, u->address, "quota", &quota,
	    err) == -1) {
		wm_user_free(u);
		return -1;
	}
	if (c->cli->json)
		show_json(u, name, exists, used, quota);
	else
		show_text(u, name, exists, used, quota);
	wm_user_free(u);
	return 0;
}

static int
cmd_add(struct ctx *c, struct wm_err *err)
{
	if (wm_user_add(c->cli->db, c->addr, err) == -1)
		return -1;
	/* The guide: a new account comes with its mailbox. */
	if (wm_mailbox_create(c->root, c->addr, err) == -1)
		return wm_err_wrap(err, "user added, mailbox not created");
	return wm_cli_audit(c->cli, "user-add", c->addr, err);
}

static int
cmd_delete(struct ctx *c, struct wm_err *err)
{
	char detail[WM_ADDRESS_MAX + 32];

	if (wm_user_delete(c->cli->db, c->root, c->addr, c->purge, err) == -1)
		return -1;
	snprintf(detail, sizeof(detail), "%s (mailbox %s)", c->addr,
	    c->purge ? "purged" : "kept");
	return wm_cli_audit(c->cli, "user-delete", detail, err);
}

static int
cmd_enable(struct ctx *c, struct wm_err *err)
{
	if (wm_user_set_enabled(c->cli->db, c->addr, 1, err) == -1)
		return -1;
	return wm_cli_audit(c->cli, "user-enable", c->addr, err);
}

static int
cmd_disable(struct ctx *c, struct wm_err *err)
{
	if (wm_user_set_enabled(c->cli->db, c->addr, 0, err) == -1)
		return -1;
	return wm_cli_audit(c->cli, "user-disable", c->addr, err);
}

/*
 * For a user who lost both the authenticator and the recovery codes: the next
 * login asks for the password only, and the user can enrol again.
 */
static int
cmd_reset_2fa(struct ctx *c, struct wm_err *err)
{
	if (wm_totp_disable(c->cli->db, c->addr, err) == -1)
		return -1;
	return wm_cli_audit(c->cli, "user-reset-2fa", c->addr, err);
}

static int
cmd_set_password(struct ctx *c, struct wm_err *err)
{
	char detail[WM_ADDRESS_MAX + 32];
	struct wm_user *u;
	long long bits;
	char *pw;
	int min, rc;

	/* Refuse an unknown user before anyone types a password. */
	if ((u = wm_user_get(c->cli->db, c->addr, err)) == NULL)
		return -1;
	wm_user_free(u);
	if ((pw = wm_cli_read_secret("Password: ", err)) == NULL)
		return -1;
	if (wm_pref_user_num(c->cli->db, c->addr, "min-password-strength",
	    &bits, err) == -1) {
		wm_free_secret(pw);
		return -1;
	}
	min = (int)bits;
	rc = c->force ? 0 : wm_password_check(pw, c->addr, min, err);
	if (rc == 0)
		rc = wm_user_set_password(c->cli->db, c->addr, pw, err);
	wm_free_secret(pw);
	if (rc == -1)
		return -1;
	snprintf(detail, sizeof(detail), "%s%s", c->addr,
	    c->force ? " (strength rules skipped)" : "");
	return wm_cli_audit(c->cli, "user-password", detail, err);
}

/*
 * A directory made by hand may decode to bytes that are no address (and no
 * UTF-8): it is listed by name only.
 */
static int
mailbox_one(const char *name, const char *address, void *arg)
{
	char canon[WM_ADDRESS_MAX + 1];
	struct ctx *c = arg;
	struct wm_user *u;
	struct wm_err ignored;
	long long used;
	int has_user, valid;

	valid = wm_address_normalize(address, canon, sizeof(canon),
	    &ignored) == 0 && strcmp(canon, address) == 0;
	used = wm_mailbox_usage(c->root, address);
	u = valid ? wm_user_get(c->cli->db, address, &ignored) : NULL;
	has_user = u != NULL;
	wm_user_free(u);
	if (!c->cli->json) {
		printf("%lld\t%s\t%s%s\n", used, valid ? address : "-", name,
		    valid ? (has_user ? "" : "\t(no user)") : "\t(not an address)");
		return 0;
	}
	wm_cli_json_next(stdout, &c->n);
	printf("{\"name\": ");
	wm_json_str(stdout, name);
	printf(", \"address\": ");
	if (valid)
		wm_json_str(stdout, address);
	else
		printf("null");
	printf(", \"disk_usage\": %lld, \"user\": %s}", used,
	    has_user ? "true" : "false");
	return 0;
}

static int
mailbox_listed(const struct wm_mailbox_info *mi, void *arg)
{
	return mailbox_one(mi->name, mi->address, arg);
}

static int
cmd_mailboxes(struct ctx *c, struct wm_err *err)
{
	int rc;

	if (c->cli->json)
		printf("[");
	if (c->mq.search != NULL || c->mq.hide_active) {
		c->mq.limit = WM_LIST_MAX;
		rc = wm_mailbox_list(c->cli->db, c->root, &c->mq, mailbox_listed,
		    c, NULL, err);
	} else
		rc = wm_mailbox_foreach(c->root, mailbox_one, c, err);
	if (rc == -1)
		return -1;
	if (c->cli->json)
		wm_cli_json_end(stdout, c->n);
	return 0;
}

static int
cmd_purge_mailbox(struct ctx *c, struct wm_err *err)
{
	if (wm_mailbox_purge(c->cli->db, c->root, c->addr, err) == -1)
		return -1;
	return wm_cli_audit(c->cli, "mailbox-purge", c->addr, err);
}

static int
cmd_cleanup(struct ctx *c, struct wm_err *err)
{
	char last[WM_ADDRESS_MAX + 1] = "";
	long long removed;
	int more = 1;

	if (!c->idle_set)
		wm_cli_usage(c->cli);
	if (c->delete) {
		if (wm_user_cleanup(c->cli->db, c->root, c->cli->actor, NULL, &c->iq,
		    c->purge, &removed, err) == -1)
			return -1;
		printf(c->cli->json ? "{\"removed\": %lld}\n" :
		    "%lld users removed\n", removed);
		return 0;
	}
	if (c->cli->json)
		printf("[");
	c->iq.limit = WM_LIST_MAX;
	while (more) {
		c->iq.after = last;
		if (wm_user_idle_list(c->cli->db, &c->iq, list_one, c, &more,
		    err) == -1)
			return -1;
		snprintf(last, sizeof(last), "%s", c->last);
	}
	if (c->cli->json)
		wm_cli_json_end(stdout, c->n);
	return 0;
}

static const struct command commands[] = {
	{ "list",		0, cmd_list },
	{ "show",		1, cmd_show },
	{ "add",		1, cmd_add },
	{ "delete",		1, cmd_delete },
	{ "enable",		1, cmd_enable },
	{ "disable",		1, cmd_disable },
	{ "set-password",	1, cmd_set_password },
	{ "reset-2fa",		1, cmd_reset_2fa },
	{ "mailboxes",		0, cmd_mailboxes },
	{ "purge-mailbox",	1, cmd_purge_mailbox },
	{ "cleanup",		0, cmd_cleanup },
	{ NULL,			0, NULL }
};

static void
paging_option(struct ctx *c, int ch, const char *arg)
{
	char *end;
	long n;

	c->paged = 1;
	if (ch == 's')
		c->q.search = c->mq.search = arg;
	else if (ch == 'F' && wm_user_filter_parse(arg, &c->q.filter) == -1)
		wm_cli_usage(c->cli);
	else if (ch == 'A')
		c->q.after = arg;
	else if (ch == 'B')
		c->q.before = arg;
	else if (ch == 'L') {
		n = strtol(arg, &end, 10);
		if (*end || n < 1 || n > WM_LIST_MAX)
			wm_cli_usage(c->cli);
		c->q.limit = (int)n;
	}
}

static void
cleanup_option(struct ctx *c, int ch, const char *arg)
{
	char *end;

	if (ch == 'N' || ch == 'I') {
		if (c->idle_set)
			wm_cli_usage(c->cli);
		c->idle_set = 1;
		c->iq.kind = ch == 'N' ? WM_IDLE_NEVER : WM_IDLE_SINCE;
	} else if (ch == 'D') {
		c->iq.days = strtoll(arg, &end, 10);
		if (*end || *arg == '\0' || c->iq.days < 0)
			wm_cli_usage(c->cli);
	} else if (ch == 'X')
		c->delete = 1;
	else if (ch == 'O')
		c->mq.hide_active = 1;
}

static void
check_args(struct ctx *c, const struct command *cmd)
{
	int cleanup = cmd->run == cmd_cleanup, list = cmd->run == cmd_list,
	    mailboxes = cmd->run == cmd_mailboxes;

	if ((c->purge && cmd->run != cmd_delete && !(cleanup && c->delete)) ||
	    (c->force && cmd->run != cmd_set_password) ||
	    (c->paged && !list && !(mailboxes && c->q.search && c->q.filter ==
	    WM_USERS_ALL && !c->q.after && !c->q.before && !c->q.limit)) ||
	    (c->mq.hide_active && !mailboxes) ||
	    ((c->idle_set || c->delete || c->iq.days) && !cleanup))
		wm_cli_usage(c->cli);
	if (c->paged && c->q.limit == 0)
		c->q.limit = 50;
}

/* Options may come before or after the command (wm_cli_getopt). */
static const struct command *
parse_args(struct ctx *c, int argc, char *argv[], const char **address)
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "purge-mailbox", no_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'f' },
		{ "search", required_argument, NULL, 's' },
		{ "filter", required_argument, NULL, 'F' },
		{ "after", required_argument, NULL, 'A' },
		{ "before", required_argument, NULL, 'B' },
		{ "limit", required_argument, NULL, 'L' },
		{ "never", no_argument, NULL, 'N' },
		{ "idle", no_argument, NULL, 'I' },
		{ "days", required_argument, NULL, 'D' },
		{ "delete", no_argument, NULL, 'X' },
		{ "orphans", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	int ch;

	while ((ch = wm_cli_getopt(c->cli, argc, argv, "c:vh",
	    longopts)) != -1) {
		if (wm_cli_option(c->cli, ch, optarg))
			continue;
		if (ch == 'P')
			c->purge = 1;
		else if (ch == 'f')
			c->force = 1;
		else if (strchr("sFABL", ch) != NULL)
			paging_option(c, ch, optarg);
		else if (strchr("NIDXO", ch) != NULL)
			cleanup_option(c, ch, optarg);
		else
			wm_cli_usage(c->cli);
	}
	if (optind >= argc)
		wm_cli_usage(c->cli);
	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL || argc - optind != 1 + cmd->takes_address)
		wm_cli_usage(c->cli);
	check_args(c, cmd);
	*address = cmd->takes_address ? argv[optind + 1] : NULL;
	return cmd;
}

int
main(int argc, char *argv[])
{
	const struct command *cmd;
	const char *address;
	struct wm_cli cli;
	struct wm_err err;
	struct ctx c;
	int rc;

	wm_cli_init(&cli, "wm-user", usage);
	memset(&c, 0, sizeof(c));
	c.cli = &cli;
	cmd = parse_args(&c, argc, argv, &address);
	if (address != NULL &&
	    wm_address_normalize(address, c.addr, sizeof(c.addr), &err) == -1)
		return wm_cli_fail(&cli, &err);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	c.root = wm_config_path(cli.cfg, "mail");
	rc = cmd->run(&c, &err) == -1 ? wm_cli_fail(&cli, &err) : 0;
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
