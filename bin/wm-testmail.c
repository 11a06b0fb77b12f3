/*
 * NAME
 *	wm-testmail - send a test email through the box's MTA
 * SYNOPSIS
 *	wm-testmail [-c config] --to LIST --from ADDRESS [--cc LIST]
 *	    [--bcc LIST] [--sender ADDRESS] [--subject TEXT]
 *	    [--header 'Name: value']... < body
 * DESCRIPTION
 *	The console's "Compose test email" (guide 11) for scripts: builds a
 *	mail with the given fields (UTF-8 allowed, several recipients comma
 *	separated), the body from standard input (at most 4096 characters),
 *	and hands it to the instance's Postfix.  CR or LF in any header
 *	field is refused, naming the field, and nothing is sent.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 0 handed to the MTA, 64 usage, 65 a
 *	wrong field, 75 the MTA did not take it.
 * SECURITY
 *	Runs as root or the wm user.  The change is audited (actor cli:USER).
 * FILES
 *	wm.conf(5) names the sendmail command.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "testmail.h"
#include "util.h"

static const char usage[] =
    "usage: wm-testmail [-c config] --to LIST --from ADDRESS [--cc LIST]\n"
    "           [--bcc LIST] [--sender ADDRESS] [--subject TEXT]\n"
    "           [--header 'Name: value']... < body\n"
    "\n"
    "Sends a test email through the instance's MTA; the body is read from\n"
    "standard input (at most 4096 characters).\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         -v, --verbose, -h, --help, --version\n";

static int
add_header(struct wm_buf *h, const char *line, struct wm_err *err)
{
	if (wm_buf_printf(h, "%s\n", line) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "to", required_argument, NULL, 't' },
		{ "cc", required_argument, NULL, 'C' },
		{ "bcc", required_argument, NULL, 'B' },
		{ "from", required_argument, NULL, 'f' },
		{ "sender", required_argument, NULL, 's' },
		{ "subject", required_argument, NULL, 'S' },
		{ "header", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	struct wm_testmail t = { 0 };
	struct wm_buf hdrs, body;
	struct wm_cli cli;
	struct wm_err err;
	char *id = NULL;
	int ch, rc = 0;

	wm_cli_init(&cli, "wm-testmail", usage);
	wm_buf_init(&hdrs);
	wm_buf_init(&body);
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		switch (ch) {
		case 't': t.to = optarg; break;
		case 'C': t.cc = optarg; break;
		case 'B': t.bcc = optarg; break;
		case 'f': t.from = optarg; break;
		case 's': t.sender = optarg; break;
		case 'S': t.subject = optarg; break;
		case 'H':
			if (add_header(&hdrs, optarg, &err) == -1)
				return wm_cli_fail(&cli, &err);
			break;
		default: wm_cli_usage(&cli);
		}
	}
	if (optind != argc || t.to == NULL || t.from == NULL)
		wm_cli_usage(&cli);
	if (wm_read_fd(STDIN_FILENO, 65536, &body, &err) == -1 ||
	    wm_buf_append(&body, "", 1) == -1)
		return wm_cli_fail(&cli, &err);
	t.headers = hdrs.data;
	t.body = body.data;
	if (wm_cli_open(&cli, &err) == -1 ||
	    wm_testmail_send(cli.cfg, &t, &id, &err) == -1 ||
	    wm_cli_audit_change(&cli, "testmail", t.to, NULL, id, &err) == -1)
		rc = wm_cli_fail(&cli, &err);
	else
		printf("%s\n", id);
	free(id);
	wm_buf_free(&hdrs);
	wm_buf_free(&body);
	wm_cli_close(&cli);
	return rc;
}
