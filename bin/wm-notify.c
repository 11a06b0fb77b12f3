/*
 * NAME
 *	wm-notify - send notices to webmail users and manage mail templates
 * SYNOPSIS
 *	wm-notify [-c config] signup address
 *	wm-notify [-c config] new-mail address
 *	wm-notify [-c config] reset address
 *	wm-notify [-c config] postmaster reason file
 *	wm-notify [-c config] verify-link purpose token
 *	wm-notify [-c config] flush [--window seconds] [--json]
 *	wm-notify [-c config] serve [--window seconds] [--interval ms]
 *	wm-notify [-c config] template-list [--domain D | --user U] [--json]
 *	wm-notify [-c config] template-get [--domain D | --user U] name
 *	wm-notify [-c config] template-set [--domain D | --user U] name file
 *	wm-notify [-c config] template-unset [--domain D | --user U] name
 *	wm-notify [-c config] template-preview [--domain D | --user U] name
 *	    [file]
 * DESCRIPTION
 *	signup sends a sign-up invitation with a fresh signed link, new-mail
 *	does what delivery does after storing a mail (an invitation at most
 *	once per hour while the user has no password, else a new-message
 *	notification), reset sends a password reset link, postmaster sends
 *	file (- for stdin) to the postmaster as delivery does with a tunnel
 *	it cannot handle (to try the address out).  flush submits the
 *	notices that deliveries and the portal queued and that are due
 *	(new-mail notices to one address wait --window seconds, default 5,
 *	and go out as one mail); serve does that until SIGTERM, every
 *	--interval milliseconds (default 1000).  verify-link checks
 *	a link token and prints the address it was made for.  The template
 *	commands show, replace and remove the ClearSilver mail templates at
 *	global (default), domain or user scope; a template set nowhere comes
 *	from the templates directory.  template-set first renders the
 *	template with sample values (template-preview prints that mail, for
 *	file or for the template in effect) and refuses one that does not
 *	parse, render or make a well-formed mail.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done, 64 usage, 65 link expired or
 *	bad template, 66 no such template row or file, 67 no such user, 77
 *	invalid or used link, 75 temporary failure (sendmail failed, database
 *	busy).  Errors are one line on stderr and in the instance log.
 * SECURITY
 *	Runs as root or the wm user.  Tokens and secrets are never logged;
 *	verify-link does not consume a link.  Template changes are audited.
 * FILES
 *	wm.conf(5): the database, [paths] templates and [commands] sendmail.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
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
#include "notice.h"
#include "notify.h"
#include "prefs.h"
#include "template.h"
#include "tmplcheck.h"
#include "token.h"
#include "util.h"

static const char usage[] =
    "usage: wm-notify [-c config] command [arguments]\n"
    "\n"
    "  signup ADDRESS                 send a sign-up invitation\n"
    "  new-mail ADDRESS               invitation (at most hourly) or new-mail notice\n"
    "  reset ADDRESS                  send a password reset link\n"
    "  postmaster REASON FILE         report FILE (- for stdin) to the postmaster\n"
    "  verify-link PURPOSE TOKEN      print the address a link is for\n"
    "  flush [--window S]             submit the queued notices that are due\n"
    "  serve [--window S] [--interval MS]  the notice sender: flush until\n"
    "                                 SIGTERM (wm-ctl start runs it)\n"
    "  template-list                  mail templates and where each comes from\n"
    "  template-get NAME              print the template in effect\n"
    "  template-set NAME FILE         store FILE (- for stdin) as template NAME\n"
    "  template-unset NAME            remove the template at that scope\n"
    "  template-preview NAME [FILE]   the mail NAME (or FILE) renders to with\n"
    "                                 sample values\n"
    "\n"
    "scope of template commands: --domain DOMAIN or --user ADDRESS\n"
    "(default: global)\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct ctx {
	struct wm_cli	*cli;
	enum wm_scope	 scope;
	const char	*owner;
	char		 owner_buf[WM_ADDRESS_MAX + 1];
	char		**args;
	int		 nargs;
	time_t		 window;	/* flush, serve: merge window */
	unsigned	 interval_ms;	/* serve: between passes */
};

struct command {
	const char	*name;
	int		 nargs;
	int		 scoped;	/* takes --domain / --user */
	int		(*run)(struct ctx *, struct wm_err *);
};

/* A plain decimal count: no sign, no unit. */
static int
parse_count(const char *s, long long *n)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*n = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
address_arg(const char *in, char *out, struct wm_err *err)
{
	return wm_address_normalize(in, out, WM_ADDRESS_MAX + 1, err);
}

static int
cmd_signup(struct ctx *c, struct wm_err *err)
{
	char a[WM_ADDRESS_MAX + 1];

	if (address_arg(c->args[0], a, err) == -1)
		return -1;
	return wm_notify_signup(c->cli->cfg, c->cli->db, a, err);
}

static int
cmd_new_mail(struct ctx *c, struct wm_err *err)
{
	char a[WM_ADDRESS_MAX + 1];

	if (address_arg(c->args[0], a, err) == -1)
		return -1;
	return wm_notify_new_mail(c->cli->cfg, c->cli->db, a, err);
}

static int
cmd_reset(struct ctx *c, struct wm_err *err)
{
	char a[WM_ADDRESS_MAX + 1];

	if (address_arg(c->args[0], a, err) == -1)
		return -1;
	return wm_notify_password_reset(c->cli->cfg, c->cli->db, a, err);
}

static int
cmd_postmaster(struct ctx *c, struct wm_err *err)
{
	struct wm_buf b;
	int rc;

	wm_buf_init(&b);
	if (strcmp(c->args[1], "-") == 0)
		rc = wm_read_fd(STDIN_FILENO, 64 * 1024 * 1024, &b, err);
	else
		rc = wm_read_file(c->args[1], 64 * 1024 * 1024, &b, err);
	if (rc == 0)
		rc = wm_notify_postmaster(c->cli->cfg, c->cli->db, c->args[0],
		    b.data, b.len, err);
	wm_buf_free(&b);
	return rc;
}

static int
cmd_verify_link(struct ctx *c, struct wm_err *err)
{
	char *addr = NULL;

	if (wm_token_check(c->cli->db, c->args[1], c->args[0], &addr, err) == -1)
		return -1;
	if (c->cli->json) {
		printf("{\"address\": ");
		wm_json_str(stdout, addr);
		printf(", \"purpose\": ");
		wm_json_str(stdout, c->args[0]);
		printf("}\n");
	} else
		printf("%s\n", addr);
	free(addr);
	return 0;
}

static const char *
scope_label(enum wm_scope s)
{
	return s == WM_SCOPE_BUILTIN ? "file" : wm_scope_name(s);
}

static int
cmd_template_list(struct ctx *c, struct wm_err *err)
{
	const char *const *n;
	enum wm_scope from;
	char *src;
	int first = 1;

	if (c->cli->json)
		printf("[");
	for (n = wm_template_names(); *n != NULL; n++) {
		src = wm_template_resolve(c->cli->cfg, c->cli->db, c->scope,
		    c->owner, *n, &from, err);
		if (src == NULL && err->code != EX_NOINPUT)
			return -1;
		free(src);
		if (c->cli->json) {
			printf("%s\n  {\"name\": ", first ? "" : ",");
			wm_json_str(stdout, *n);
			printf(", \"from\": ");
			wm_json_str(stdout, src ? scope_label(from) : "missing");
			printf("}");
		} else
			printf("%s\t%s\n", *n, src ? scope_label(from) : "missing");
		first = 0;
	}
	if (c->cli->json)
		printf("\n]\n");
	return 0;
}

static int
cmd_template_get(struct ctx *c, struct wm_err *err)
{
	enum wm_scope from;
	char *src;

	src = wm_template_resolve(c->cli->cfg, c->cli->db, c->scope, c->owner,
	    c->args[0], &from, err);
	if (src == NULL)
		return -1;
	if (c->cli->json) {
		printf("{\"name\": ");
		wm_json_str(stdout, c->args[0]);
		printf(", \"from\": ");
		wm_json_str(stdout, scope_label(from));
		printf(", \"body\": ");
		wm_json_str(stdout, src);
		printf("}\n");
	} else {
		if (c->cli->verbose)
			fprintf(stderr, "%s: from %s\n", c->args[0],
			    scope_label(from));
		fputs(src, stdout);
	}
	free(src);
	return 0;
}

static int
cmd_template_set(struct ctx *c, struct wm_err *err)
{
	struct wm_buf b;
	int rc;

	wm_buf_init(&b);
	if (strcmp(c->args[1], "-") == 0)
		rc = wm_read_fd(STDIN_FILENO, 256 * 1024, &b, err);
	else
		rc = wm_read_file(c->args[1], 256 * 1024, &b, err);
	if (rc == 0 && memchr(b.data, '\0', b.len) != NULL)
		rc = wm_err_set(err, EX_DATAERR, "template holds a NUL byte");
	if (rc == 0)
		rc = wm_template_save(c->cli->db, c->cli->actor, NULL, c->scope,
		    c->owner, c->args[0], b.data, err);
	wm_buf_free(&b);
	if (rc == -1)
		return -1;
	wm_log(LOG_INFO, "template-set %s by %s", c->args[0], c->cli->actor);
	return 0;
}

static int
cmd_flush(struct ctx *c, struct wm_err *err)
{
	struct wm_notice_stats s;

	if (wm_notice_flush(c->cli->cfg, c->cli->db, c->window, &s, err) == -1)
		return -1;
	if (c->cli->json)
		printf("{\"mails\":%lld,\"sent\":%lld,\"deferred\":%lld,"
		    "\"failed\":%lld,\"waiting\":%lld,\"indexed\":%lld}\n",
		    s.mails, s.sent, s.deferred, s.failed, s.waiting, s.indexed);
	else
		printf("%lld mails for %lld notices; %lld deferred, %lld given "
		    "up, %lld waiting; %lld mails indexed\n", s.mails, s.sent,
		    s.deferred, s.failed, s.waiting, s.indexed);
	return 0;
}

static volatile int stop_serving;

static void
on_signal(int sig)
{
	(void)sig;
	stop_serving = 1;
}

static int
cmd_serve(struct ctx *c, struct wm_err *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return wm_notice_serve(c->cli->cfg, c->cli->db, c->window,
	    c->interval_ms, &stop_serving, err);
}

static int
cmd_template_unset(struct ctx *c, struct wm_err *err)
{
	if (wm_template_reset(c->cli->db, c->cli->actor, NULL, c->scope, c->owner,
	    c->args[0], err) == -1)
		return -1;
	wm_log(LOG_INFO, "template-unset %s by %s", c->args[0], c->cli->actor);
	return 0;
}

static int
cmd_template_preview(struct ctx *c, struct wm_err *err)
{
	enum wm_scope from;
	struct wm_buf b;
	char *mail;
	int rc = 0;

	wm_buf_init(&b);
	if (c->args[1] == NULL) {
		if ((b.data = wm_template_resolve(c->cli->cfg, c->cli->db,
		    c->scope, c->owner, c->args[0], &from, err)) == NULL)
			return -1;
	} else if (strcmp(c->args[1], "-") == 0)
		rc = wm_read_fd(STDIN_FILENO, 256 * 1024, &b, err);
	else
		rc = wm_read_file(c->args[1], 256 * 1024, &b, err);
	mail = rc == 0 ? wm_template_preview(c->args[0], b.data, err) : NULL;
	wm_buf_free(&b);
	if (mail == NULL)
		return -1;
	fputs(mail, stdout);
	free(mail);
	return 0;
}

static const struct command commands[] = {
	{ "signup", 1, 0, cmd_signup },
	{ "new-mail", 1, 0, cmd_new_mail },
	{ "reset", 1, 0, cmd_reset },
	{ "postmaster", 2, 0, cmd_postmaster },
	{ "verify-link", 2, 0, cmd_verify_link },
	{ "flush", 0, 0, cmd_flush },
	{ "serve", 0, 0, cmd_serve },
	{ "template-list", 0, 1, cmd_template_list },
	{ "template-get", 1, 1, cmd_template_get },
	{ "template-set", 2, 1, cmd_template_set },
	{ "template-unset", 1, 1, cmd_template_unset },
	{ "template-preview", 1, 1, cmd_template_preview },
	{ NULL, 0, 0, NULL }
};

/* Options may come before or after the command (wm_cli_getopt). */
static const struct command *
parse_args(struct ctx *c, int argc, char *argv[], const char **domain,
    const char **user)
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "domain", required_argument, NULL, 'D' },
		{ "user", required_argument, NULL, 'U' },
		{ "window", required_argument, NULL, 'W' },
		{ "interval", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	long long n;
	int ch;

	while ((ch = wm_cli_getopt(c->cli, argc, argv, "c:vh",
	    longopts)) != -1) {
		if (wm_cli_option(c->cli, ch, optarg))
			continue;
		if (ch == 'D')
			*domain = optarg;
		else if (ch == 'U')
			*user = optarg;
		else if ((ch == 'W' || ch == 'I') && parse_count(optarg, &n) == 0
		    && n >= 0 && n <= 86400) {
			if (ch == 'W')
				c->window = (time_t)n;
			else
				c->interval_ms = (unsigned)n;
		} else
			wm_cli_usage(c->cli);
	}
	if (optind >= argc || (*domain && *user))
		wm_cli_usage(c->cli);
	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL || (argc - optind - 1 != cmd->nargs &&
	    !(cmd->run == cmd_template_preview && argc - optind == 3)) ||
	    (!cmd->scoped && (*domain || *user)))
		wm_cli_usage(c->cli);
	c->args = argv + optind + 1;
	c->nargs = cmd->nargs;
	return cmd;
}

/* --domain takes a bare domain: normalise it through a dummy address. */
static int
set_scope(struct ctx *c, const char *domain, const char *user,
    struct wm_err *err)
{
	char probe[WM_ADDRESS_MAX + 1], *tmp;
	int rc;

	c->scope = WM_SCOPE_GLOBAL;
	c->owner = NULL;
	if (user != NULL) {
		if (address_arg(user, c->owner_buf, err) == -1)
			return -1;
		c->scope = WM_SCOPE_USER;
		c->owner = c->owner_buf;
	} else if (domain != NULL) {
		if ((tmp = wm_asprintf("x@%s", domain)) == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		rc = address_arg(tmp, probe, err);
		free(tmp);
		if (rc == -1)
			return wm_err_wrap(err, "--domain");
		snprintf(c->owner_buf, sizeof(c->owner_buf), "%s",
		    wm_address_domain(probe));
		c->scope = WM_SCOPE_DOMAIN;
		c->owner = c->owner_buf;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct command *cmd;
	const char *domain = NULL, *user = NULL;
	struct wm_cli cli;
	struct wm_err err;
	struct ctx c;
	int rc;

	wm_cli_init(&cli, "wm-notify", usage);
	memset(&c, 0, sizeof(c));
	c.cli = &cli;
	c.window = WM_NOTICE_WINDOW;
	c.interval_ms = 1000;
	cmd = parse_args(&c, argc, argv, &domain, &user);
	if (set_scope(&c, domain, user, &err) == -1)
		return wm_cli_fail(&cli, &err);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	rc = cmd->run(&c, &err) == -1 ? wm_cli_fail(&cli, &err) : 0;
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
