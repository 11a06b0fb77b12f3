/*
 * NAME
 *	wm-logexport - export the log files of the webmail box
 * SYNOPSIS
 *	wm-logexport [-c config] export [--password-fd N]
 *	    [--last-modified MINUTES] [--to FILE | --smb]
 *	wm-logexport [-c config] test-connection
 * DESCRIPTION
 *	export writes every log file of the box (its own log, the mail log,
 *	lighttpd's and wm-ctl's logs), or only those modified within the last
 *	MINUTES, as a tar to FILE, to the log export share (--smb) or to
 *	standard output, gpg password-encrypted when a password is given.
 *	test-connection writes, reads back and removes a probe file on the
 *	log export share.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 75 share unreachable, 77 share refused
 *	the credentials, 78 missing share or settings.
 * SECURITY
 *	Passwords come from a descriptor, never from argv, and are never
 *	logged.  Logs can be read by root and the wm group only.
 * FILES
 *	wm.conf(5): [paths] log and logdir.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "gpg.h"
#include "logexport.h"
#include "smb.h"
#include "util.h"

static const char usage[] =
    "usage: wm-logexport [-c config] export [--password-fd N]\n"
    "           [--last-modified MINUTES] [--to FILE | --smb]\n"
    "       wm-logexport [-c config] test-connection\n"
    "\n"
    "Exports the log files of the box as a tar, encrypted with gpg when a\n"
    "password is given.\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --password-fd N          read the password from descriptor N\n"
    "         --last-modified MINUTES  only files modified that recently\n"
    "         --to FILE                write the export to FILE\n"
    "         --smb                    store it on the log export share\n"
    "         -v, --verbose, -h, --help, --version\n";

struct opts {
	int		 password_fd;
	long		 last;		/* -1: not given */
	const char	*to;
	int		 smb;
	char		*password;
};

static int
to_stdout(struct wm_cli *cli, const struct opts *o, struct wm_err *err)
{
	struct wm_buf b;
	char *tmp;
	int rc;

	if (isatty(STDOUT_FILENO))
		return wm_err_set(err, EX_USAGE, "refusing to write an archive "
		    "to a terminal: use --to FILE or redirect");
	if ((tmp = wm_asprintf("%s/.logs-stdout.%d", wm_config_path(cli->cfg,
	    "backup"), (int)getpid())) == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	wm_buf_init(&b);
	rc = wm_mkdir_p(wm_config_path(cli->cfg, "backup"), 0700, err);
	if (rc == 0)
		rc = wm_logexport_create(cli->cfg, o->last < 0 ? 0 : o->last,
		    o->password, tmp, NULL, err);
	if (rc == 0 && (rc = wm_read_file(tmp, (size_t)1 << 32, &b, err)) == 0 &&
	    fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = wm_err_set(err, EX_IOERR, "writing standard output");
	unlink(tmp);
	free(tmp);
	wm_buf_free(&b);
	return rc;
}

static int
cmd_export(struct wm_cli *cli, struct opts *o, struct wm_err *err)
{
	char name[128];
	int n = 0;

	if (o->smb) {
		if (wm_logexport_to_smb(cli->cfg, cli->db, o->last, o->password,
		    name, sizeof(name), err) == -1)
			return -1;
		printf("%s\n", name);
		return 0;
	}
	if (o->to == NULL)
		return to_stdout(cli, o, err);
	if (wm_logexport_create(cli->cfg, o->last < 0 ? 0 : o->last,
	    o->password, o->to, &n, err) == -1)
		return -1;
	if (cli->verbose)
		fprintf(stderr, "%d log files exported\n", n);
	return 0;
}

static int
cmd_test(struct wm_cli *cli, struct wm_err *err)
{
	struct wm_smb_conf smb;
	int rc;

	if (wm_smb_load(cli->db, "logexport", &smb, err) == -1)
		return -1;
	if ((rc = wm_smb_test(&smb, err)) == 0)
		printf("connection to //%s/%s works\n", smb.server, smb.share);
	wm_smb_conf_wipe(&smb);
	return rc;
}

static int
number(const char *s, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && *out >= 0 && *out <= 10000000 ?
	    0 : -1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "password-fd",   required_argument, NULL, 'p' },
		{ "last-modified", required_argument, NULL, 'm' },
		{ "to",            required_argument, NULL, 't' },
		{ "smb",           no_argument,       NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { -1, -1, NULL, 0, NULL };
	struct wm_cli cli;
	struct wm_err err;
	long fd;
	int ch, rc;

	wm_cli_init(&cli, "wm-logexport", usage);
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 'p' && number(optarg, &fd) == 0)
			o.password_fd = (int)fd;
		else if (ch == 'm' && number(optarg, &o.last) == 0)
			continue;
		else if (ch == 't')
			o.to = optarg;
		else if (ch == 's')
			o.smb = 1;
		else
			wm_cli_usage(&cli);
	}
	if (optind + 1 != argc || (o.to != NULL && o.smb) ||
	    (strcmp(argv[optind], "export") != 0 &&
	    strcmp(argv[optind], "test-connection") != 0))
		wm_cli_usage(&cli);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	if (o.password_fd >= 0 &&
	    (o.password = wm_password_from_fd(o.password_fd, &err)) == NULL)
		rc = -1;
	else if (strcmp(argv[optind], "export") == 0)
		rc = cmd_export(&cli, &o, &err);
	else
		rc = cmd_test(&cli, &err);
	rc = rc == -1 ? wm_cli_fail(&cli, &err) : 0;
	wm_free_secret(o.password);
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
