/*
 * NAME
 *	wm-pki - manage certificates, trusted roots, CRLs and the relay key
 * SYNOPSIS
 *	wm-pki [-c config] import [--root | --whitelist]
 *	    [--password-fd N | --password-stdin] file
 *	wm-pki [-c config] list [--json]
 *	wm-pki [-c config] show id [--json]
 *	wm-pki [-c config] export id
 *	wm-pki [-c config] delete id
 *	wm-pki [-c config] crl-import file
 *	wm-pki [-c config] crl-list [--json]
 *	wm-pki [-c config] crl-delete id
 *	wm-pki [-c config] verify file
 *	wm-pki [-c config] webmail-cert [--create] [--email address]
 *	    [--subject text] [--key rsa-3072|ec-p256|ec-p384]
 * DESCRIPTION
 *	Imports certificates (PEM, DER or PKCS#12 with its private key) as
 *	trusted roots, whitelisted signers or plain certificates; imports
 *	CRLs; tells whether a certificate would be accepted as the signer of
 *	a tunnel; and creates and prints the webmail relay recipient
 *	certificate the gateway encrypts to (guide 6.4, 6.5).  Changes are
 *	written to the audit log.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done (verify: accepted), 64 usage,
 *	65 refused input or a certificate the policy refuses (the reason is
 *	printed), 66 no such file or id, 69 no relay certificate yet,
 *	75 temporary failure.  Errors are one line on stderr and in the
 *	instance log.
 * SECURITY
 *	Runs as root or the wm user.  A PKCS#12 password is read from a file
 *	descriptor or standard input, never from the command line.  Private
 *	keys are never printed; they are kept unencrypted inside the database,
 *	which must stay mode 0600.
 * FILES
 *	wm.conf(5) names the database.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "prefs.h"
#include "util.h"

#define INPUT_MAX	(16 * 1024 * 1024)
#define PASSWORD_MAX	4096

static const char usage[] =
    "usage: wm-pki [-c config] command [arguments]\n"
    "\n"
    "  import [--root | --whitelist] [--password-fd N | --password-stdin] FILE\n"
    "                               import certificates (PEM, DER, PKCS#12)\n"
    "  list [--json]                all certificates\n"
    "  show ID [--json]             one certificate\n"
    "  export ID                    the certificate as PEM\n"
    "  delete ID                    delete a certificate (and its key)\n"
    "  crl-import FILE              import a CRL (PEM or DER)\n"
    "  crl-list [--json]            all CRLs\n"
    "  crl-delete ID                delete a CRL\n"
    "  verify FILE                  would this certificate be accepted as\n"
    "                               the signer of a tunnel? (\"ok\", exit 0)\n"
    "  webmail-cert [--create] [--email ADDRESS] [--subject TEXT]\n"
    "               [--key rsa-3072|ec-p256|ec-p384]\n"
    "                               print the relay recipient certificate;\n"
    "                               --create makes a new key (default\n"
    "                               rsa-3072) and certificate\n"
    "\n"
    "FILE may be - for standard input.\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --json                   machine-readable output\n"
    "         -v, --verbose, -h, --help, --version\n";

struct ctx {
	struct wm_cli	*cli;
	const char	*arg;		/* FILE or ID */
	long long	 id;
	int		 flags;		/* WM_PKI_ROOT, WM_PKI_WHITELIST */
	int		 password_fd;	/* -1: none */
	int		 password_stdin;
	int		 create;
	int		 key_given;
	enum wm_relay_key key_kind;
	const char	*email;
	const char	*subject;
	int		 n;		/* rows printed, for JSON commas */
};

enum arg { ARG_NONE, ARG_FILE, ARG_ID };

struct command {
	const char	*name;
	enum arg	 arg;
	int		(*run)(struct ctx *, struct wm_err *);
};


static int
read_input(const char *path, struct wm_buf *b, struct wm_err *err)
{
	if (strcmp(path, "-") == 0)
		return wm_read_fd(STDIN_FILENO, INPUT_MAX, b, err);
	return wm_read_file(path, INPUT_MAX, b, err);
}

/* The PKCS#12 password, from a descriptor or standard input; NULL if none. */
static int
read_password(struct ctx *c, char **pass, struct wm_err *err)
{
	struct wm_buf b;

	*pass = NULL;
	if (c->password_stdin) {
		*pass = wm_cli_read_secret("PKCS#12 password: ", err);
		return *pass == NULL ? -1 : 0;
	}
	if (c->password_fd < 0)
		return 0;
	wm_buf_init(&b);
	if (wm_read_fd(c->password_fd, PASSWORD_MAX, &b, err) == -1) {
		wm_buf_free_secret(&b);
		return wm_err_wrap(err, "password descriptor %d", c->password_fd);
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	*pass = wm_buf_take(&b);
	return 0;
}

static const char *
flags_text(int is_root, int whitelisted, int has_key)
{
	static char buf[40];

	snprintf(buf, sizeof(buf), "%s%s%s", is_root ? "root," : "",
	    whitelisted ? "whitelisted," : "", has_key ? "key," : "");
	if (buf[0] == '\0')
		return "-";
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

static void
cert_json(const struct wm_cert_info *ci)
{
	printf("{\"id\": %lld, \"fingerprint\": \"%s\", \"subject\": ", ci->id,
	    ci->fingerprint);
	wm_json_str(stdout, ci->subject);
	printf(", \"issuer\": ");
	wm_json_str(stdout, ci->issuer);
	printf(", \"serial\": ");
	wm_json_str(stdout, ci->serial);
	printf(", \"email\": ");
	if (ci->email != NULL)
		wm_json_str(stdout, ci->email);
	else
		fputs("null", stdout);
	printf(", \"not_before\": ");
	wm_cli_print_time(stdout, 1, ci->not_before, "-");
	printf(", \"not_after\": ");
	wm_cli_print_time(stdout, 1, ci->not_after, "-");
	printf(", \"root\": %s, \"whitelisted\": %s, \"has_key\": %s}",
	    ci->is_root ? "true" : "false", ci->whitelisted ? "true" : "false",
	    ci->has_key ? "true" : "false");
}

static int
list_one(const struct wm_cert_info *ci, void *arg)
{
	struct ctx *c = arg;

	if (c->cli->json) {
		printf("%s\n  ", c->n++ ? "," : "");
		cert_json(ci);
		return 0;
	}
	printf("%lld\t%s\t", ci->id, flags_text(ci->is_root, ci->whitelisted,
	    ci->has_key));
	wm_cli_print_time(stdout, 0, ci->not_after, "-");
	printf("\t%s\t%s\n", ci->subject, ci->email ? ci->email : "-");
	return 0;
}

static int
cmd_list(struct ctx *c, struct wm_err *err)
{
	if (c->cli->json)
		printf("[");
	if (wm_pki_foreach(c->cli->db, list_one, c, err) == -1)
		return -1;
	if (c->cli->json)
		printf("%s]\n", c->n ? "\n" : "");
	return 0;
}

static int
cmd_show(struct ctx *c, struct wm_err *err)
{
	struct wm_cert_info *ci;

	if ((ci = wm_pki_info(c->cli->db, c->id, err)) == NULL)
		return -1;
	if (c->cli->json) {
		cert_json(ci);
		putchar('\n');
		wm_cert_info_free(ci);
		return 0;
	}
	printf("id:          %lld\n", ci->id);
	printf("subject:     %s\n", ci->subject);
	printf("issuer:      %s\n", ci->issuer);
	printf("serial:      %s\n", ci->serial);
	printf("email:       %s\n", ci->email ? ci->email : "-");
	printf("not-before:  ");
	wm_cli_print_time(stdout, 0, ci->not_before, "-");
	printf("\nnot-after:   ");
	wm_cli_print_time(stdout, 0, ci->not_after, "-");
	printf("\nsha256:      %s\n", ci->fingerprint);
	printf("flags:       %s\n", flags_text(ci->is_root, ci->whitelisted,
	    ci->has_key));
	wm_cert_info_free(ci);
	return 0;
}

static int
cmd_export(struct ctx *c, struct wm_err *err)
{
	char *pem;

	if ((pem = wm_pki_pem(c->cli->db, c->id, err)) == NULL)
		return -1;
	fputs(pem, stdout);
	free(pem);
	return 0;
}

static int
audit_cert(struct ctx *c, const char *action, long long id, const char *extra,
    struct wm_err *err)
{
	struct wm_cert_info *ci;
	struct wm_err ignored;
	char detail[512];

	ci = wm_pki_info(c->cli->db, id, &ignored);
	snprintf(detail, sizeof(detail), "certificate %lld%s %s sha256 %s", id,
	    extra, ci ? ci->subject : "?", ci ? ci->fingerprint : "?");
	wm_cert_info_free(ci);
	return wm_cli_audit(c->cli, action, detail, err);
}

static int
cmd_import(struct ctx *c, struct wm_err *err)
{
	struct wm_buf in;
	long long id = 0;
	char *pass = NULL;
	int rc;

	wm_buf_init(&in);
	if (read_input(c->arg, &in, err) == -1 ||
	    read_password(c, &pass, err) == -1) {
		wm_buf_free(&in);
		return -1;
	}
	rc = wm_pki_import(c->cli->db, (unsigned char *)in.data, in.len, pass,
	    c->flags, &id, err);
	wm_free_secret(pass);
	/* The input may hold a private key. */
	wm_buf_free_secret(&in);
	if (rc == -1)
		return -1;
	if (!c->cli->json)
		printf("%lld\n", id);
	else
		printf("{\"id\": %lld}\n", id);
	return audit_cert(c, "pki-import", id, (c->flags & WM_PKI_ROOT) ?
	    " (root)" : (c->flags & WM_PKI_WHITELIST) ? " (whitelisted)" : "",
	    err);
}

static int
cmd_delete(struct ctx *c, struct wm_err *err)
{
	struct wm_cert_info *ci;
	char detail[512];

	if ((ci = wm_pki_info(c->cli->db, c->id, err)) == NULL)
		return -1;
	snprintf(detail, sizeof(detail), "certificate %lld %s sha256 %s",
	    ci->id, ci->subject, ci->fingerprint);
	wm_cert_info_free(ci);
	if (wm_pki_delete(c->cli->db, c->id, err) == -1)
		return -1;
	return wm_cli_audit(c->cli, "pki-delete", detail, err);
}

static int
cmd_crl_import(struct ctx *c, struct wm_err *err)
{
	struct wm_buf in;
	int rc;

	wm_buf_init(&in);
	if (read_input(c->arg, &in, err) == -1) {
		wm_buf_free(&in);
		return -1;
	}
	rc = wm_pki_crl_import(c->cli->db, (unsigned char *)in.data, in.len,
	    err);
	wm_buf_free(&in);
	if (rc == -1)
		return -1;
	return wm_cli_audit(c->cli, "pki-crl-import", c->arg, err);
}

static int
crl_one(const struct wm_crl_info *ci, void *arg)
{
	struct ctx *c = arg;

	if (!c->cli->json) {
		printf("%lld\t", ci->id);
		wm_cli_print_time(stdout, 0, ci->this_update, "-");
		putchar('\t');
		wm_cli_print_time(stdout, 0, ci->next_update, "-");
		printf("\t%lld\t%s\n", ci->revoked, ci->issuer);
		return 0;
	}
	printf("%s\n  {\"id\": %lld, \"fingerprint\": \"%s\", \"issuer\": ",
	    c->n++ ? "," : "", ci->id, ci->fingerprint);
	wm_json_str(stdout, ci->issuer);
	printf(", \"this_update\": ");
	wm_cli_print_time(stdout, 1, ci->this_update, "-");
	printf(", \"next_update\": ");
	wm_cli_print_time(stdout, 1, ci->next_update, "-");
	printf(", \"revoked\": %lld}", ci->revoked);
	return 0;
}

static int
cmd_crl_list(struct ctx *c, struct wm_err *err)
{
	if (c->cli->json)
		printf("[");
	if (wm_pki_crl_foreach(c->cli->db, crl_one, c, err) == -1)
		return -1;
	if (c->cli->json)
		printf("%s]\n", c->n ? "\n" : "");
	return 0;
}

static int
cmd_crl_delete(struct ctx *c, struct wm_err *err)
{
	char detail[64];

	if (wm_pki_crl_delete(c->cli->db, c->id, err) == -1)
		return -1;
	snprintf(detail, sizeof(detail), "CRL %lld", c->id);
	return wm_cli_audit(c->cli, "pki-crl-delete", detail, err);
}

static int
cmd_verify(struct ctx *c, struct wm_err *err)
{
	struct wm_buf in;
	int rc;

	wm_buf_init(&in);
	if (read_input(c->arg, &in, err) == -1) {
		wm_buf_free(&in);
		return -1;
	}
	rc = wm_pki_verify_data(c->cli->db, (unsigned char *)in.data, in.len,
	    wm_now(), err);
	wm_buf_free_secret(&in);
	if (rc == -1)
		return -1;
	puts("ok");
	return 0;
}

static int
cmd_webmail_cert(struct ctx *c, struct wm_err *err)
{
	char *email = NULL, *pem;
	long long id;
	int rc;

	if (c->create) {
		/* The guide's form defaults the address to the relay recipient. */
		if (c->email == NULL && (email = wm_pref_get(c->cli->db,
		    WM_SCOPE_GLOBAL, NULL, "relay-recipient", NULL, err)) == NULL)
			return -1;
		rc = wm_pki_create_relay_cert_key(c->cli->db, c->email ?
		    c->email : email, c->subject, c->key_kind, &id, err);
		free(email);
		if (rc == -1 || audit_cert(c, "pki-relay-create", id, "", err) == -1)
			return -1;
	}
	if ((pem = wm_pki_relay_cert_pem(c->cli->db, err)) == NULL) {
		if (err->code == EX_UNAVAILABLE)
			wm_err_set(err, EX_UNAVAILABLE, "no webmail relay "
			    "certificate yet (create one with --create)");
		return -1;
	}
	fputs(pem, stdout);
	free(pem);
	return 0;
}

static const struct command commands[] = {
	{ "import",		ARG_FILE,	cmd_import },
	{ "list",		ARG_NONE,	cmd_list },
	{ "show",		ARG_ID,		cmd_show },
	{ "export",		ARG_ID,		cmd_export },
	{ "delete",		ARG_ID,		cmd_delete },
	{ "crl-import",		ARG_FILE,	cmd_crl_import },
	{ "crl-list",		ARG_NONE,	cmd_crl_list },
	{ "crl-delete",		ARG_ID,		cmd_crl_delete },
	{ "verify",		ARG_FILE,	cmd_verify },
	{ "webmail-cert",	ARG_NONE,	cmd_webmail_cert },
	{ NULL,			ARG_NONE,	NULL }
};

static int
parse_number(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *s != '\0' && *end == '\0' && *out >= 0 ? 0 : -1;
}

/* Options of one command must not be given to another. */
static int
options_fit(const struct ctx *c, const struct command *cmd)
{
	int import = cmd->run == cmd_import;
	int webmail = cmd->run == cmd_webmail_cert;

	if (!import && (c->flags || c->password_fd >= 0 || c->password_stdin))
		return 0;
	if (c->flags == (WM_PKI_ROOT | WM_PKI_WHITELIST) ||
	    (c->password_fd >= 0 && c->password_stdin))
		return 0;
	if (c->password_stdin && strcmp(c->arg, "-") == 0)
		return 0;
	if (!webmail && (c->create || c->email || c->subject || c->key_given))
		return 0;
	if ((c->email || c->subject || c->key_given) && !c->create)
		return 0;
	return 1;
}

/* Options may come before or after the command (wm_cli_getopt). */
static const struct command *
parse_args(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "root",		no_argument,		NULL, 'R' },
		{ "whitelist",		no_argument,		NULL, 'W' },
		{ "password-fd",	required_argument,	NULL, 'F' },
		{ "password-stdin",	no_argument,		NULL, 'S' },
		{ "create",		no_argument,		NULL, 'C' },
		{ "email",		required_argument,	NULL, 'E' },
		{ "subject",		required_argument,	NULL, 'T' },
		{ "key",		required_argument,	NULL, 'K' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	long long fd;
	int ch;

	while ((ch = wm_cli_getopt(c->cli, argc, argv, "c:vh",
	    longopts)) != -1) {
		if (wm_cli_option(c->cli, ch, optarg))
			continue;
		switch (ch) {
		case 'R':
			c->flags |= WM_PKI_ROOT;
			break;
		case 'W':
			c->flags |= WM_PKI_WHITELIST;
			break;
		case 'F':
			if (parse_number(optarg, &fd) == -1 || fd > 1024)
				wm_cli_usage(c->cli);
			c->password_fd = (int)fd;
			break;
		case 'S':
			c->password_stdin = 1;
			break;
		case 'C':
			c->create = 1;
			break;
		case 'E':
			c->email = optarg;
			break;
		case 'T':
			c->subject = optarg;
			break;
		case 'K':
			if (wm_pki_relay_key_kind(optarg, &c->key_kind) == -1)
				wm_cli_usage(c->cli);
			c->key_given = 1;
			break;
		default:
			wm_cli_usage(c->cli);
		}
	}
	if (optind >= argc)
		wm_cli_usage(c->cli);
	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL ||
	    argc - optind != 1 + (cmd->arg != ARG_NONE))
		wm_cli_usage(c->cli);
	c->arg = cmd->arg != ARG_NONE ? argv[optind + 1] : "";
	if ((cmd->arg == ARG_ID && parse_number(c->arg, &c->id) == -1) ||
	    !options_fit(c, cmd))
		wm_cli_usage(c->cli);
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

	wm_cli_init(&cli, "wm-pki", usage);
	memset(&c, 0, sizeof(c));
	c.cli = &cli;
	c.password_fd = -1;
	cmd = parse_args(&c, argc, argv);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	rc = cmd->run(&c, &err) == -1 ? wm_cli_fail(&cli, &err) : 0;
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
