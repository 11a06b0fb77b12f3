/*
 * cli.c - see cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "util.h"

#ifndef WM_VERSION
#define WM_VERSION "0"
#endif

/* The person behind the command: the sudo caller when there is one. */
static void
set_actor(struct wm_cli *cli)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	if (sudo != NULL && *sudo != '\0' && strlen(sudo) < 32)
		snprintf(cli->actor, sizeof(cli->actor), "cli:%s(sudo)", sudo);
	else if (pw != NULL && strlen(pw->pw_name) < 32)
		snprintf(cli->actor, sizeof(cli->actor), "cli:%s", pw->pw_name);
	else
		snprintf(cli->actor, sizeof(cli->actor), "cli:uid %ld",
		    (long)getuid());
}

void
wm_cli_init(struct wm_cli *cli, const char *prog, const char *usage)
{
	memset(cli, 0, sizeof(*cli));
	/* GNU option order for every program, even one that calls
	 * getopt_long itself: options may follow operands. */
	unsetenv("POSIXLY_CORRECT");
	cli->prog = prog;
	cli->usage = usage;
	set_actor(cli);
	wm_log_open(prog);
}

int
wm_cli_audit(struct wm_cli *cli, const char *action, const char *detail,
    struct wm_err *err)
{
	wm_log(LOG_INFO, "%s %s by %s", action, detail, cli->actor);
	if (wm_db_audit(cli->db, cli->actor, action, detail, err) == -1)
		return wm_err_wrap(err, "done, but not recorded in the audit log");
	return 0;
}

int
wm_cli_audit_change(struct wm_cli *cli, const char *action, const char *object,
    const char *old_value, const char *new_value, struct wm_err *err)
{
	struct wm_audit a = { 0 };

	wm_log(LOG_INFO, "%s %s%s%s by %s", action, object, new_value ? ": " :
	    "", new_value ? new_value : "", cli->actor);
	a.actor = cli->actor;
	a.action = action;
	a.object = object;
	a.old_value = old_value;
	a.new_value = new_value;
	if (wm_audit_add(cli->db, &a, err) == -1)
		return wm_err_wrap(err, "done, but not recorded in the audit log");
	return 0;
}

void
wm_cli_print_time(FILE *f, int json, long long t, const char *never)
{
	char buf[32];

	if (t == 0) {
		fputs(json ? "null" : never, f);
		return;
	}
	wm_time_format((time_t)t, buf, sizeof(buf));
	if (json)
		wm_json_str(f, buf);
	else
		fputs(buf, f);
}

void
wm_cli_json_members(FILE *f, const struct wm_json_field *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", f);
		wm_json_str(f, m[i].name);
		fputs(": ", f);
		switch (m[i].type) {
		case WM_JSON_STR:
			if (m[i].s == NULL)
				fputs("null", f);
			else
				wm_json_str(f, m[i].s);
			break;
		case WM_JSON_BOOL:
			fputs(m[i].n ? "true" : "false", f);
			break;
		case WM_JSON_INT:
			fprintf(f, "%lld", m[i].n);
			break;
		case WM_JSON_TIME:
			wm_cli_print_time(f, 1, m[i].n, NULL);
			break;
		}
	}
}

void
wm_cli_json_object(FILE *f, const struct wm_json_field *m, size_t n)
{
	fputc('{', f);
	wm_cli_json_members(f, m, n);
	fputc('}', f);
}

void
wm_cli_json_end(FILE *f, int count)
{
	fputs(count > 0 ? "\n]\n" : "]\n", f);
}

void
wm_cli_json_next(FILE *f, int *count)
{
	fputs(*count > 0 ? ",\n  " : "\n  ", f);
	(*count)++;
}

int
wm_cli_option(struct wm_cli *cli, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		/*
		 * Once only: a sudoers entry fixes "-c /etc/wm/wm.conf" and may
		 * end in a wildcard; a second -c there would run root on a
		 * configuration (and its [commands]) of the caller's choosing.
		 */
		if (cli->config_path != NULL) {
			fprintf(stderr, "%s: -c given twice\n", cli->prog);
			exit(EX_USAGE);
		}
		cli->config_path = arg;
		return 1;
	case 'J':
		cli->json = 1;
		return 1;
	case 'v':
		cli->verbose = 1;
		return 1;
	case 'h':
		fputs(cli->usage, stdout);
		exit(0);
	case 'V':
		printf("%s %s\n", cli->prog, WM_VERSION);
		exit(0);
	}
	return 0;
}

/* Moves the operands gathered at argv[1..n] to just before optind. */
static void
gather_operands(struct wm_cli *cli, char **argv)
{
	int i, n = cli->noperands;

	for (i = n - 1; i >= 0; i--)
		argv[optind - n + i] = argv[1 + i];
	optind -= n;
	cli->noperands = 0;
}

int
wm_cli_getopt(struct wm_cli *cli, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	char opts[128];
	int ch;

	shortopts += strspn(shortopts, "+-");
	if (strlen(shortopts) + 2 > sizeof(opts))
		abort();	/* a program's fixed option string: a bug */
	/* '-' returns operands in order as option 1 (whatever
	 * POSIXLY_CORRECT says); they are kept in the consumed slots. */
	opts[0] = '-';
	strcpy(opts + 1, shortopts);
	while ((ch = getopt_long(argc, argv, opts, longopts, NULL)) == 1)
		argv[1 + cli->noperands++] = optarg;
	if (ch == -1)
		gather_operands(cli, argv);
	return ch;
}

void
wm_cli_usage(const struct wm_cli *cli)
{
	fputs(cli->usage, stderr);
	exit(EX_USAGE);
}

int
wm_cli_open(struct wm_cli *cli, struct wm_err *err)
{
	if ((cli->cfg = wm_config_load(cli->config_path, err)) == NULL)
		return -1;
	wm_log_file(wm_config_path(cli->cfg, "log"));
	cli->db = wm_db_open(wm_config_path(cli->cfg, "database"), 0, err);
	if (cli->db == NULL)
		return -1;
	return 0;
}

void
wm_cli_close(struct wm_cli *cli)
{
	wm_db_close(cli->db);
	wm_config_free(cli->cfg);
	cli->db = NULL;
	cli->cfg = NULL;
}

int
wm_cli_fail(const struct wm_cli *cli, const struct wm_err *err)
{
	int code = err->code ? err->code : EX_SOFTWARE;

	fprintf(stderr, "%s: %s\n", cli->prog, err->msg);
	wm_log_stderr(0);
	wm_log_err(err);
	return code;
}

char *
wm_cli_read_secret(const char *prompt, struct wm_err *err)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int tty;

	tty = isatty(STDIN_FILENO);
	if (tty) {
		fputs(prompt, stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	n = getline(&line, &cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n <= 0) {
		free(line);
		wm_err_set(err, EX_NOINPUT, "no password on standard input");
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}
