/*
 * NAME
 *	wm-prefs - show and change the settings of the webmail box
 * SYNOPSIS
 *	wm-prefs [-c config] get [--domain D | --user U] [--json | --verbose]
 *	    [--show-secrets] name
 *	wm-prefs [-c config] set [--domain D | --user U] name value
 *	wm-prefs [-c config] unset [--domain D | --user U] name
 *	wm-prefs [-c config] list [--domain D | --user U] [--json]
 *	    [--show-secrets]
 *	wm-prefs [-c config] view [--domain D | --user U] [--page P] [--json]
 *	wm-prefs [-c config] apply [--domain D | --user U] [file]
 * DESCRIPTION
 *	Every setting of the guide (global preferences, quota, webmail
 *	settings, user settings) lives in the database at one of three scopes
 *	and resolves user -> domain -> global -> built-in default.  get prints
 *	the effective value (with --verbose or --json also the scope it came
 *	from), set stores a value at exactly one scope (global unless --domain
 *	or --user), unset removes it so the value is inherited again, list
 *	shows every setting.  A secret given as "-" is read from standard input.
 *	view shows one page of the console (general, quota or webmail) as the
 *	console does: the settings allowed at the scope, each with its own
 *	value or "inherit" and the value it inherits.  apply reads "name =
 *	value" lines (a bare name: inherit) and stores them all in one
 *	transaction after checking every one; one bad line saves nothing.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 64 for an unknown setting or a scope
 *	the setting does not allow, 65 for a value that is not valid, 78 when
 *	the configuration cannot be read.  Errors are one line on stderr and in
 *	the log.
 * SECURITY
 *	Secret values (server-secret, system-mail-secret) print as "(set)"
 *	unless --show-secrets is given, and never reach the log or the audit
 *	table.  Every set and unset is written to the audit table.
 * FILES
 *	wm.conf(5), the database named there; wm-prefs(8) lists every setting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "cli.h"
#include "err.h"
#include "log.h"
#include "mta.h"
#include "prefs.h"
#include "prefsform.h"
#include "util.h"

static const char usage[] =
    "usage: wm-prefs [-c config] get [--domain D | --user U] [--json | --verbose]\n"
    "                [--show-secrets] name\n"
    "       wm-prefs [-c config] set [--domain D | --user U] name value\n"
    "       wm-prefs [-c config] unset [--domain D | --user U] name\n"
    "       wm-prefs [-c config] list [--domain D | --user U] [--json] [--show-secrets]\n"
    "       wm-prefs [-c config] view [--domain D | --user U] [--page general|quota|\n"
    "                webmail] [--json]\n"
    "       wm-prefs [-c config] apply [--domain D | --user U] [file]\n"
    "                (lines \"name = value\", or a bare name to inherit; all or nothing)\n"
    "Settings resolve user -> domain -> global -> default; see wm-prefs(8).\n"
    "A secret given as \"-\" is read from standard input.\n";

struct target {
	enum wm_scope	 scope;
	const char	*owner;		/* as given */
	char		 canon[WM_ADDRESS_MAX + 1];
	int		 show_secrets;
	enum wm_pref_page page;
};

/* Where a value came from: scope word and, for domain/user, its owner. */
static const char *
origin_owner(const struct target *t, enum wm_scope from)
{
	if (from == WM_SCOPE_USER)
		return t->canon;
	if (from == WM_SCOPE_DOMAIN)
		return t->scope == WM_SCOPE_USER ? wm_address_domain(t->canon) :
		    t->canon;
	return "";
}

static const char *
shown(const struct wm_pref_def *d, const char *value, int show_secrets)
{
	if (!wm_pref_is_secret(d) || show_secrets)
		return value;
	return *value ? "(set)" : "(not set)";
}

static void
print_json(const struct target *t, const struct wm_pref_def *d,
    const char *value, enum wm_scope from)
{
	static const struct { int bit; const char *name; } sc[] = {
		{ WM_SCOPES_GLOBAL, "global" }, { WM_SCOPES_DOMAIN, "domain" },
		{ WM_SCOPES_USER, "user" }, { 0, NULL } };
	int i, first = 1;

	printf("{\"name\": ");
	wm_json_str(stdout, d->name);
	printf(", \"value\": ");
	wm_json_str(stdout, shown(d, value, t->show_secrets));
	printf(", \"scope\": ");
	wm_json_str(stdout, wm_scope_name(from));
	printf(", \"owner\": ");
	wm_json_str(stdout, origin_owner(t, from));
	printf(", \"type\": ");
	wm_json_str(stdout, wm_pref_type_name(d->type));
	printf(", \"default\": ");
	wm_json_str(stdout, d->def);
	printf(", \"scopes\": [");
	for (i = 0; sc[i].name != NULL; i++) {
		if (!(d->scopes & sc[i].bit))
			continue;
		printf("%s\"%s\"", first ? "" : ", ", sc[i].name);
		first = 0;
	}
	printf("], \"secret\": %s}", wm_pref_is_secret(d) ? "true" : "false");
}

static void
print_verbose(const struct target *t, const struct wm_pref_def *d,
    const char *value, enum wm_scope from)
{
	const char *owner = origin_owner(t, from);

	printf("%s = %s (from %s%s%s)\n", d->name,
	    shown(d, value, t->show_secrets), wm_scope_name(from),
	    *owner ? " " : "", owner);
}

static int
cmd_get(struct wm_cli *cli, struct target *t, const char *name,
    struct wm_err *err)
{
	const struct wm_pref_def *d;
	enum wm_scope from;
	char *v;

	if ((d = wm_pref_find(name)) == NULL)
		return wm_err_set(err, EX_USAGE, "unknown setting %s", name);
	v = wm_pref_get(cli->db, t->scope, t->owner, name, &from, err);
	if (v == NULL)
		return -1;
	if (cli->json) {
		print_json(t, d, v, from);
		putchar('\n');
	} else if (cli->verbose)
		print_verbose(t, d, v, from);
	else
		printf("%s\n", shown(d, v, t->show_secrets));
	wm_free_secret(v);
	return 0;
}

static int
cmd_list(struct wm_cli *cli, struct target *t, struct wm_err *err)
{
	const struct wm_pref_def *d;
	enum wm_scope from;
	const char *owner;
	char *v, where[WM_ADDRESS_MAX + 16];

	if (cli->json)
		printf("[");
	for (d = wm_pref_defs(); d->name != NULL; d++) {
		v = wm_pref_get(cli->db, t->scope, t->owner, d->name, &from, err);
		if (v == NULL)
			return -1;
		if (cli->json) {
			printf("%s\n  ", d == wm_pref_defs() ? "" : ",");
			print_json(t, d, v, from);
		} else {
			owner = origin_owner(t, from);
			snprintf(where, sizeof(where), "%s%s%s",
			    wm_scope_name(from), *owner ? ":" : "", owner);
			printf("%-29s %-20s %s\n", d->name, where,
			    shown(d, v, t->show_secrets));
		}
		wm_free_secret(v);
	}
	if (cli->json)
		printf("\n]\n");
	return 0;
}

static int
cmd_change(struct wm_cli *cli, struct target *t, const char *name,
    const char *value, struct wm_err *err)
{
	const struct wm_pref_def *d;
	char *secret = NULL;
	int rc;

	if ((d = wm_pref_find(name)) == NULL)
		return wm_err_set(err, EX_USAGE, "unknown setting %s", name);
	/* A key on the command line would show in ps(1) and shell history. */
	if (value != NULL && wm_pref_is_secret(d) &&
	    strcmp(value, "-") == 0) {
		if ((secret = wm_cli_read_secret("secret: ", err)) == NULL)
			return -1;
		value = secret;
	}
	if (value != NULL)
		rc = wm_pref_set_by(cli->db, cli->actor, t->scope, t->owner, name,
		    value, err);
	else
		rc = wm_pref_unset_by(cli->db, cli->actor, t->scope, t->owner, name,
		    err);
	/* Postfix follows the settings it depends on (relay-recipient). */
	if (rc == 0 && t->scope == WM_SCOPE_GLOBAL)
		rc = wm_mta_pref_changed(cli->cfg, cli->db, name, err);
	if (rc == 0)
		wm_log(LOG_INFO, "%s %s at %s%s%s%s%s", value ? "set" : "unset",
		    name, wm_scope_name(t->scope), t->owner ? " " : "",
		    t->owner ? t->owner : "", value ? " to " : "",
		    value ? shown(d, value, 0) : "");
	wm_free_secret(secret);
	return rc;
}

static void
view_one(struct wm_cli *cli, const struct target *t,
    const struct wm_pref_view *v, int first)
{
	const struct wm_pref_def *d = v->def;
	const char *owner = origin_owner(t, v->inherited_from);

	if (!cli->json) {
		printf("%-29s %-20s inherits %s (from %s%s%s)\n", d->name,
		    v->own ? shown(d, v->own, 0) : "inherit",
		    shown(d, v->inherited, 0), wm_scope_name(v->inherited_from),
		    *owner ? " " : "", owner);
		return;
	}
	printf("%s\n  {\"name\": ", first ? "" : ",");
	wm_json_str(stdout, d->name);
	printf(", \"label\": ");
	wm_json_str(stdout, wm_pref_label(d));
	printf(", \"group\": ");
	wm_json_str(stdout, wm_pref_group(d));
	printf(", \"advanced\": %s, \"inherit\": %s, \"value\": ",
	    wm_pref_advanced(d) ? "true" : "false", v->own ? "false" : "true");
	if (v->own)
		wm_json_str(stdout, shown(d, v->own, 0));
	else
		printf("null");
	printf(", \"inherited\": ");
	wm_json_str(stdout, shown(d, v->inherited, 0));
	printf(", \"inherited_from\": ");
	wm_json_str(stdout, wm_scope_name(v->inherited_from));
	printf("}");
}

static int
cmd_view(struct wm_cli *cli, struct target *t, struct wm_err *err)
{
	const struct wm_pref_def *d;
	struct wm_pref_view v;
	int n = 0;

	if (cli->json)
		printf("[");
	for (d = wm_pref_defs(); d->name != NULL; d++) {
		if (!wm_pref_allowed(d, t->scope) || wm_pref_page_of(d) != t->page)
			continue;
		if (wm_pref_view_get(cli->db, t->scope, t->owner, d, &v, err) == -1)
			return -1;
		view_one(cli, t, &v, n++ == 0);
		wm_pref_view_clear(&v);
	}
	if (cli->json)
		printf("\n]\n");
	return 0;
}

/* "name = value" -> name, value; a bare "name" -> name, NULL (inherit). */
static int
parse_line(char *line, struct wm_pref_change *c)
{
	char *eq, *end;

	line[strcspn(line, "\r\n")] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	memset(c, 0, sizeof(*c));
	if ((eq = strchr(line, '=')) != NULL) {
		c->value = eq + 1;
		while (*c->value == ' ' || *c->value == '\t')
			c->value++;
		*eq = '\0';
	}
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	c->name = line;
	return 1;
}

#define APPLY_MAX	64

static int
cmd_apply(struct wm_cli *cli, struct target *t, const char *file,
    struct wm_err *err)
{
	struct wm_pref_change ch[APPLY_MAX];
	char *lines[APPLY_MAX], buf[4096];
	size_t n = 0, i;
	FILE *f = stdin;
	int rc;

	if (file != NULL && strcmp(file, "-") != 0 && (f = fopen(file, "r")) == NULL)
		return wm_err_set(err, EX_NOINPUT, "%s: cannot open", file);
	while (n < APPLY_MAX && fgets(buf, sizeof(buf), f) != NULL)
		if ((lines[n] = strdup(buf)) != NULL && parse_line(lines[n], &ch[n]))
			n++;
		else
			free(lines[n]);
	if (f != stdin)
		fclose(f);
	rc = wm_prefs_apply(cli->db, cli->actor, NULL, t->scope, t->owner, ch, n, err);
	for (i = 0; i < n; i++) {
		if (ch[i].err.code != 0)
			fprintf(stderr, "wm-prefs: %s\n",
			    ch[i].err.msg);
		else if (ch[i].changed)
			printf("%s %s\n", ch[i].value ? "set" : "inherit",
			    ch[i].name);
		wm_free_secret(lines[i]);
	}
	return rc;
}

static void
set_target(struct wm_cli *cli, struct target *t, enum wm_scope s,
    const char *owner)
{
	if (t->scope != WM_SCOPE_GLOBAL) {
		fprintf(stderr, "wm-prefs: give at most one of --domain and --user\n");
		wm_cli_usage(cli);
	}
	t->scope = s;
	t->owner = owner;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "domain",       required_argument, NULL, 'd' },
		{ "user",         required_argument, NULL, 'u' },
		{ "show-secrets", no_argument,       NULL, 'S' },
		{ "page",         required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct wm_cli cli;
	struct wm_err err;
	struct target t;
	const char *cmd;
	int ch, rc, nargs;

	wm_cli_init(&cli, "wm-prefs", usage);
	memset(&t, 0, sizeof(t));
	t.scope = WM_SCOPE_GLOBAL;
	/* Options may follow the command: "set --domain D quota 2G". */
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vhd:u:",
	    longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			set_target(&cli, &t, WM_SCOPE_DOMAIN, optarg);
			break;
		case 'u':
			set_target(&cli, &t, WM_SCOPE_USER, optarg);
			break;
		case 'S':
			t.show_secrets = 1;
			break;
		case 'p':
			if (wm_pref_page_parse(optarg, &t.page) == -1)
				wm_cli_usage(&cli);
			break;
		default:
			wm_cli_usage(&cli);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		wm_cli_usage(&cli);
	cmd = argv[0];
	nargs = strcmp(cmd, "list") == 0 ? 1 : strcmp(cmd, "get") == 0 ? 2 :
	    strcmp(cmd, "unset") == 0 ? 2 : strcmp(cmd, "set") == 0 ? 3 :
	    strcmp(cmd, "view") == 0 ? 1 : strcmp(cmd, "apply") == 0 ? 1 : -1;
	if (nargs == -1) {
		fprintf(stderr, "wm-prefs: unknown command %s\n", cmd);
		wm_cli_usage(&cli);
	}
	if (argc != nargs && !(strcmp(cmd, "apply") == 0 && argc == 2))
		wm_cli_usage(&cli);
	wm_err_clear(&err);
	if (wm_pref_owner(t.scope, t.owner, t.canon, sizeof(t.canon), &err) == -1)
		return wm_cli_fail(&cli, &err);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	if (strcmp(cmd, "get") == 0)
		rc = cmd_get(&cli, &t, argv[1], &err);
	else if (strcmp(cmd, "list") == 0)
		rc = cmd_list(&cli, &t, &err);
	else if (strcmp(cmd, "view") == 0)
		rc = cmd_view(&cli, &t, &err);
	else if (strcmp(cmd, "apply") == 0)
		rc = cmd_apply(&cli, &t, argc == 2 ? argv[1] : NULL, &err);
	else
		rc = cmd_change(&cli, &t, argv[1], nargs == 3 ? argv[2] : NULL,
		    &err);
	if (fflush(stdout) == EOF && rc == 0)
		rc = wm_err_set(&err, EX_IOERR, "cannot write output");
	wm_cli_close(&cli);
	if (rc == -1)
		return wm_cli_fail(&cli, &err);
	return 0;
}
