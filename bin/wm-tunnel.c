/*
 * NAME
 *	wm-tunnel - wrap a mail into an S/MIME tunnel for the webmail box
 * SYNOPSIS
 *	wm-tunnel --sender S --recipient R [--recipient R ...]
 *	    --sign-key KEY.pem --sign-cert CERT.pem [--chain CHAIN.pem]
 *	    --to-cert WEBMAIL.pem [--detached] [--read-receipt] [--expires TIME]
 *	    [--from ADDR] [--relay ADDR] [--subject TEXT]
 *	    [-o FILE | --sendmail CMD] [FILE]
 * DESCRIPTION
 *	The gateway side of wm-tunnel(5): reads an original mail from FILE or
 *	standard input, puts the envelope (sender, recipients, read receipt,
 *	expiry) in front of it, signs it (opaque by default, --detached for
 *	multipart/signed), encrypts it with AES-256 to the relay recipient
 *	certificate and writes the outer mail to standard output, to FILE
 *	with -o, or pipes it to a submission command with --sendmail.
 *	The original is carried byte for byte.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 done, 64 usage, 65 bad address or
 *	header value, 66 unreadable input, key or certificate, 75 the
 *	--sendmail command failed.
 * SECURITY
 *	Needs no instance and no database; -c is accepted and ignored.  The
 *	signing key is read from a file and never printed.
 * FILES
 *	wm-tunnel(5) describes the format.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "smime.h"
#include "tunnel.h"
#include "util.h"

#define ORIGINAL_MAX	(100UL * 1024 * 1024)

static const char usage[] =
    "usage: wm-tunnel --sender S --recipient R [--recipient R ...]\n"
    "           --sign-key KEY.pem --sign-cert CERT.pem --to-cert WEBMAIL.pem\n"
    "           [options] [FILE]\n"
    "\n"
    "Wraps the mail in FILE (default: standard input) into an S/MIME tunnel.\n"
    "\n"
    "  --chain FILE        extra certificates (PEM) to send along\n"
    "  --detached          multipart/signed instead of opaque signed-data\n"
    "  --read-receipt      ask for a read receipt (WM-Read-Receipt: yes)\n"
    "  --expires TIME      WM-Expires, e.g. 2027-01-31T00:00:00Z\n"
    "  --from ADDR         outer From: (default: the sender)\n"
    "  --relay ADDR        outer To: (default " WM_PKI_RELAY_EMAIL ")\n"
    "  --subject TEXT      outer Subject:\n"
    "  -o FILE             write the tunnel to FILE\n"
    "  --sendmail CMD      pipe the tunnel to CMD (run by /bin/sh)\n"
    "  -h, --help, --version\n";

struct opts {
	struct wm_tunnel	 t;
	struct wm_tunnel_seal	 seal;
	const char		*key, *cert, *chain, *to, *out, *sendmail, *in;
};

static int
add_recipient(struct wm_tunnel *t, const char *r)
{
	char **v = realloc(t->recipients, (t->nrecipients + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	t->recipients = v;
	v[t->nrecipients++] = (char *)r;
	return 0;
}

static void
parse_args(struct wm_cli *cli, struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "sender",       required_argument, NULL, 's' },
		{ "recipient",    required_argument, NULL, 'r' },
		{ "read-receipt", no_argument,       NULL, 'R' },
		{ "expires",      required_argument, NULL, 'e' },
		{ "sign-key",     required_argument, NULL, 'k' },
		{ "sign-cert",    required_argument, NULL, 'C' },
		{ "chain",        required_argument, NULL, 'H' },
		{ "detached",     no_argument,       NULL, 'd' },
		{ "to-cert",      required_argument, NULL, 't' },
		{ "from",         required_argument, NULL, 'f' },
		{ "relay",        required_argument, NULL, 'y' },
		{ "subject",      required_argument, NULL, 'S' },
		{ "sendmail",     required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = wm_cli_getopt(cli, argc, argv, WM_CLI_SHORTOPTS "o:",
	    longopts)) != -1) {
		if (wm_cli_option(cli, ch, optarg))
			continue;
		switch (ch) {
		case 's': o->t.sender = optarg; break;
		case 'r':
			if (add_recipient(&o->t, optarg) == -1)
				exit(EX_OSERR);
			break;
		case 'R': o->t.read_receipt = 1; break;
		case 'e':
			if (wm_time_parse(optarg, &o->t.expires) == -1) {
				fprintf(stderr, "wm-tunnel: --expires wants "
				    "2027-01-31T00:00:00Z\n");
				exit(EX_USAGE);
			}
			break;
		case 'k': o->key = optarg; break;
		case 'C': o->cert = optarg; break;
		case 'H': o->chain = optarg; break;
		case 'd': o->seal.detached = 1; break;
		case 't': o->to = optarg; break;
		case 'f': o->seal.from = optarg; break;
		case 'y': o->seal.relay = optarg; break;
		case 'S': o->seal.subject = optarg; break;
		case 'o': o->out = optarg; break;
		case 'm': o->sendmail = optarg; break;
		default: wm_cli_usage(cli);
		}
	}
	if (argc - optind > 1 || o->t.sender == NULL || o->t.nrecipients == 0 ||
	    o->key == NULL || o->cert == NULL || o->to == NULL ||
	    (o->out != NULL && o->sendmail != NULL))
		wm_cli_usage(cli);
	o->in = argc > optind ? argv[optind] : NULL;
	if (o->seal.relay == NULL)
		o->seal.relay = WM_PKI_RELAY_EMAIL;
}

static int
load(struct opts *o, struct wm_err *err)
{
	if ((o->seal.sign_key = wm_smime_load_key(o->key, err)) == NULL ||
	    (o->seal.sign_cert = wm_smime_load_cert(o->cert, err)) == NULL ||
	    (o->seal.to_cert = wm_smime_load_cert(o->to, err)) == NULL)
		return -1;
	if (o->chain != NULL &&
	    (o->seal.chain = wm_smime_load_chain(o->chain, err)) == NULL)
		return -1;
	return 0;
}

static int
submit(const char *cmd, const struct wm_buf *mail, struct wm_err *err)
{
	FILE *p;
	int st;

	fflush(NULL);
	/* A command that exits without reading must fail the submission, not
	 * kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if ((p = popen(cmd, "w")) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "cannot run --sendmail");
	fwrite(mail->data, 1, mail->len, p);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return wm_err_set(err, EX_TEMPFAIL, "--sendmail command failed "
		    "(status %d)", st == -1 ? -1 : WEXITSTATUS(st));
	return 0;
}

static int
emit(const struct opts *o, const struct wm_buf *mail, struct wm_err *err)
{
	if (o->sendmail != NULL)
		return submit(o->sendmail, mail, err);
	if (o->out != NULL)
		return wm_write_file_atomic(o->out, mail->data, mail->len, 0644,
		    err);
	if (fwrite(mail->data, 1, mail->len, stdout) != mail->len ||
	    fflush(stdout) != 0)
		return wm_err_set(err, EX_IOERR, "cannot write standard output");
	return 0;
}

int
main(int argc, char **argv)
{
	struct wm_buf orig, mail;
	struct wm_cli cli;
	struct wm_err err;
	struct opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	wm_cli_init(&cli, "wm-tunnel", usage);
	parse_args(&cli, &o, argc, argv);
	wm_buf_init(&orig);
	wm_buf_init(&mail);
	if (o.in != NULL)
		rc = wm_read_file(o.in, ORIGINAL_MAX, &orig, &err);
	else
		rc = wm_read_fd(STDIN_FILENO, ORIGINAL_MAX, &orig, &err);
	if (rc == 0)
		rc = load(&o, &err);
	if (rc == 0)
		rc = wm_tunnel_seal(&o.t, orig.data, orig.len, &o.seal, &mail, &err);
	if (rc == 0)
		rc = emit(&o, &mail, &err);
	wm_buf_free(&orig);
	wm_buf_free(&mail);
	EVP_PKEY_free(o.seal.sign_key);
	X509_free(o.seal.sign_cert);
	X509_free(o.seal.to_cert);
	sk_X509_pop_free(o.seal.chain, X509_free);
	free(o.t.recipients);
	if (rc == -1) {
		fprintf(stderr, "wm-tunnel: %s\n", err.msg);
		return err.code ? err.code : EX_SOFTWARE;
	}
	return 0;
}
