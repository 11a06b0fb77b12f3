/*
 * NAME
 *	wm-pki - manage certificates, trusted roots, CRLs and the relay key
 * SYNOPSIS
 *	wm-pki [-c config] import [--root | --whitelist]
 *	    [--password-fd N | --password-stdin] file
 *	wm-pki [-c config] list [--kind K] [--search text] [--after id]
 *	    [--limit n] [--json]
 *	wm-pki [-c config] show id [--json]
 *	wm-pki [-c config] export id [--der | --pkcs12 [--password-fd N |
 *	    --password-stdin]]
 *	wm-pki [-c config] whitelist id
 *	wm-pki [-c config] unwhitelist id
 *	wm-pki [-c config] ca-create --subject text [--years n]
 *	wm-pki [-c config] ca-issue --subject text --email address [--days n]
 *	wm-pki [-c config] delete id
 *	wm-pki [-c config] crl-import file
 *	wm-pki [-c config] crl-list [--json]
 *	wm-pki [-c config] crl-delete id
 *	wm-pki [-c config] verify file
 *	wm-pki [-c config] webmail-cert [--create] [--email address]
 *	    [--subject text] [--key rsa-3072|ec-p256|ec-p384]
 *	wm-pki [-c config] serve
 * DESCRIPTION
 *	Imports certificates (PEM, DER, PKCS#7 bundles or PKCS#12 with its
 *	private key) as
 *	trusted roots, whitelisted signers or plain certificates; imports
 *	CRLs; tells whether a certificate would be accepted as the signer of
 *	a tunnel; and creates and prints the webmail relay recipient
 *	certificate the gateway encrypts to (guide 6.4, 6.5).  list shows
 *	each certificate's status (trusted, whitelisted, revoked, expired,
 *	untrusted) with the reason.  A local CA (ca-create) issues S/MIME
 *	certificates (ca-issue), for instance a gateway's signing
 *	certificate, which export --pkcs12 writes with its key.  Changes are
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

#include <openssl/crypto.h>

#include "cli.h"
#include "db.h"
#include "err.h"
#include "keysvc.h"
#include "log.h"
#include "pki.h"
#include "pkiadmin.h"
#include "prefs.h"
#include "util.h"

#define INPUT_MAX	(16 * 1024 * 1024)
#define PASSWORD_MAX	4096

static const char usage[] =
    "usage: wm-pki [-c config] command [arguments]\n"
    "\n"
    "  import [--root | --whitelist] [--password-fd N | --password-stdin] FILE\n"
    "                               import certificates (PEM, DER, PKCS#7,\n"
    "                               PKCS#12)\n"
    "  list [--kind certificates|roots|ca|relay|all] [--search TEXT]\n"
    "       [--after ID] [--limit N] [--json]\n"
    "                               certificates with their status\n"
    "  show ID [--json]             one certificate\n"
    "  export ID [--der | --pkcs12 [--password-fd N | --password-stdin]]\n"
    "                               the certificate as PEM, DER, or PKCS#12\n"
    "                               with its key (password required)\n"
    "  whitelist ID, unwhitelist ID trust a certificate as it is, or not\n"
    "  ca-create --subject TEXT [--years N]\n"
    "                               create the local CA (a trusted root)\n"
    "  ca-issue --subject TEXT --email ADDRESS [--days N]\n"
    "                               issue an S/MIME certificate with it\n"
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
    "  serve                        the key service of the web console\n"
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
	struct wm_pki_query q;
	int		 paged;
	int		 der;
	int		 pkcs12;
	long long	 years;
	long long	 days;
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

/* The members of a certificate's JSON object, without the closing brace. */
static void
cert_json_open(const struct wm_cert_info *ci)
{
	const struct wm_json_field f[] = {
		WM_JSON_I("id", ci->id),
		WM_JSON_S("fingerprint", ci->fingerprint),
		WM_JSON_S("subject", ci->subject),
		WM_JSON_S("issuer", ci->issuer),
		WM_JSON_S("serial", ci->serial),
		WM_JSON_S("email", ci->email),
		WM_JSON_T("not_before", ci->not_before),
		WM_JSON_T("not_after", ci->not_after),
		WM_JSON_B("root", ci->is_root),
		WM_JSON_B("whitelisted", ci->whitelisted),
		WM_JSON_B("has_key", ci->has_key),
	};

	putchar('{');
	wm_cli_json_members(stdout, f, sizeof(f) / sizeof(f[0]));
}

static void
cert_json(const struct wm_cert_info *ci)
{
	cert_json_open(ci);
	putchar('}');
}

static int
list_one(const struct wm_cert_info *ci, enum wm_cert_status status,
    const char *why, void *arg)
{
	struct ctx *c = arg;

	c->q.after = ci->id;
	if (c->cli->json) {
		wm_cli_json_next(stdout, &c->n);
		cert_json_open(ci);
		printf(", \"status\": \"%s\", \"why\": ",
		    wm_cert_status_name(status));
		wm_json_str(stdout, why);
		printf("}");
		return 0;
	}
	printf("%lld\t%s\t%s\t", ci->id, flags_text(ci->is_root, ci->whitelisted,
	    ci->has_key), wm_cert_status_name(status));
	wm_cli_print_time(stdout, 0, ci->not_after, "-");
	printf("\t%s\t%s\t%s\n", ci->subject, ci->email ? ci->email : "-", why);
	return 0;
}

static int
cmd_list(struct ctx *c, struct wm_err *err)
{
	int more = 1;

	if (c->cli->json)
		printf("[");
	if (c->q.limit == 0)
		c->q.limit = 1000;
	/* Without --limit every page, each one continuing after the last id. */
	while (more) {
		if (wm_pki_list(c->cli->db, &c->q, wm_now(), list_one, c, &more,
		    err) == -1)
			return -1;
		if (c->paged)
			break;
	}
	if (c->cli->json)
		wm_cli_json_end(stdout, c->n);
	if (more)
		fprintf(stderr, "wm-pki: more certificates follow (--after %lld)\n",
		    c->q.after);
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
export_p12(struct ctx *c, struct wm_err *err)
{
	unsigned char *data;
	char *pass;
	size_t len;

	if (read_password(c, &pass, err) == -1)
		return -1;
	if (pass == NULL)
		return wm_err_set(err, EX_USAGE, "--pkcs12 needs --password-fd or "
		    "--password-stdin");
	data = wm_pki_export_p12(c->cli->db, c->id, pass, &len, err);
	wm_free_secret(pass);
	if (data == NULL)
		return -1;
	fwrite(data, 1, len, stdout);
	OPENSSL_cleanse(data, len);
	free(data);
	return wm_cli_audit(c->cli, "pki-export-p12", c->arg, err);
}

static int
cmd_export(struct ctx *c, struct wm_err *err)
{
	unsigned char *der;
	size_t len;
	char *pem;

	if (c->pkcs12)
		return export_p12(c, err);
	if (c->der) {
		if ((der = wm_pki_der(c->cli->db, c->id, &len, err)) == NULL)
			return -1;
		fwrite(der, 1, len, stdout);
		free(der);
		return 0;
	}
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
	{
		const struct wm_json_field f[] = {
			WM_JSON_I("id", ci->id),
			WM_JSON_S("fingerprint", ci->fingerprint),
			WM_JSON_S("issuer", ci->issuer),
			WM_JSON_T("this_update", ci->this_update),
			WM_JSON_T("next_update", ci->next_update),
			WM_JSON_I("revoked", ci->revoked),
		};

		wm_cli_json_next(stdout, &c->n);
		wm_cli_json_object(stdout, f, sizeof(f) / sizeof(f[0]));
	}
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
		wm_cli_json_end(stdout, c->n);
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

static int
cmd_whitelist(struct ctx *c, struct wm_err *err)
{
	if (wm_pki_set_whitelisted(c->cli->db, c->id, 1, err) == -1)
		return -1;
	return audit_cert(c, "pki-whitelist", c->id, "", err);
}

static int
cmd_unwhitelist(struct ctx *c, struct wm_err *err)
{
	if (wm_pki_set_whitelisted(c->cli->db, c->id, 0, err) == -1)
		return -1;
	return audit_cert(c, "pki-unwhitelist", c->id, "", err);
}

static int
cmd_ca_create(struct ctx *c, struct wm_err *err)
{
	long long id;

	if (wm_pki_ca_create(c->cli->db, c->subject, c->years ? (int)c->years :
	    10, &id, err) == -1 || audit_cert(c, "pki-ca-create", id, "",
	    err) == -1)
		return -1;
	printf("%lld\n", id);
	return 0;
}

static int
cmd_serve(struct ctx *c, struct wm_err *err)
{
	return wm_keysvc_serve(c->cli->cfg, c->cli->db, err);
}

static int
cmd_ca_issue(struct ctx *c, struct wm_err *err)
{
	long long id;

	if (wm_pki_ca_issue(c->cli->db, c->subject, c->email, c->days ?
	    (int)c->days : 730, &id, err) == -1 ||
	    audit_cert(c, "pki-ca-issue", id, "", err) == -1)
		return -1;
	printf("%lld\n", id);
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
	{ "whitelist",		ARG_ID,		cmd_whitelist },
	{ "unwhitelist",	ARG_ID,		cmd_unwhitelist },
	{ "ca-create",		ARG_NONE,	cmd_ca_create },
	{ "ca-issue",		ARG_NONE,	cmd_ca_issue },
	{ "serve",		ARG_NONE,	cmd_serve },
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
	int p12 = cmd->run == cmd_export && c->pkcs12;
	int ca_create = cmd->run == cmd_ca_create;
	int ca_issue = cmd->run == cmd_ca_issue;

	if (ca_create || ca_issue)
		return c->subject != NULL && (ca_issue ? c->email != NULL :
		    c->email == NULL) && !c->create && !c->flags &&
		    (ca_create || !c->years) && (ca_issue || !c->days);
	if (c->years || c->days)
		return 0;
	if ((c->paged || c->q.kind != WM_PKI_LIST_ALL || c->q.search) &&
	    cmd->run != cmd_list)
		return 0;
	if ((c->der || c->pkcs12) && cmd->run != cmd_export)
		return 0;
	if (c->der && c->pkcs12)
		return 0;
	if (!import && !p12 && (c->flags || c->password_fd >= 0 ||
	    c->password_stdin))
		return 0;
	if (p12 && c->flags)
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

static int
more_option(struct ctx *c, int ch, const char *arg)
{
	long long n;

	if (ch == 0 || strchr("DPkQALYN", ch) == NULL)
		return -1;
	if (ch == 'D' || ch == 'P') {
		*(ch == 'D' ? &c->der : &c->pkcs12) = 1;
		return 0;
	}
	if (ch == 'k')
		return wm_pki_list_kind_parse(arg, &c->q.kind);
	if (ch == 'Q') {
		c->q.search = arg;
		return 0;
	}
	/* The rest take a number; anything else ('?', ':') is a usage error. */
	if (arg == NULL || strchr("ALYN", ch) == NULL ||
	    parse_number(arg, &n) == -1)
		return -1;
	if (ch == 'A')
		c->q.after = n;
	else if (ch == 'L' && n >= 1 && n <= 1000) {
		c->q.limit = (int)n;
		c->paged = 1;
	} else if (ch == 'Y' && n >= 1)
		c->years = n;
	else if (ch == 'N' && n >= 1)
		c->days = n;
	else
		return -1;
	return 0;
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
		{ "kind",		required_argument,	NULL, 'k' },
		{ "search",		required_argument,	NULL, 'Q' },
		{ "after",		required_argument,	NULL, 'A' },
		{ "limit",		required_argument,	NULL, 'L' },
		{ "der",		no_argument,		NULL, 'D' },
		{ "pkcs12",		no_argument,		NULL, 'P' },
		{ "years",		required_argument,	NULL, 'Y' },
		{ "days",		required_argument,	NULL, 'N' },
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
			if (more_option(c, ch, optarg) == -1)
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
	c.q.kind = WM_PKI_LIST_ALL;
	cmd = parse_args(&c, argc, argv);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	rc = cmd->run(&c, &err) == -1 ? wm_cli_fail(&cli, &err) : 0;
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
