/*
 * NAME
 *	wm-backup - back up and restore the settings of the webmail box
 * SYNOPSIS
 *	wm-backup [-c config] create [--password-fd N] [--to FILE | --smb]
 *	wm-backup [-c config] restore [--password-fd N] FILE
 *	wm-backup [-c config] list [--json]
 *	wm-backup [-c config] test-connection
 *	wm-backup [-c config] restore-pending
 * DESCRIPTION
 *	create writes a backup of every setting (database, wm.conf, Postfix
 *	and lighttpd configuration, TLS key; not the users' mail) to FILE, to
 *	the backup share (--smb) or to standard output, encrypted with gpg
 *	when a password is given.  restore verifies a backup completely, then
 *	puts it in place and restarts the services.  list shows the backups on
 *	the share; test-connection writes, reads back and removes a probe file.
 *	restore-pending puts in place a restore the console verified.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 65 a wrong password or a damaged,
 *	truncated or foreign backup (nothing changed), 75 share unreachable,
 *	77 share refused the credentials, 78 missing share or settings.
 * SECURITY
 *	Passwords come from a descriptor, never from argv, and are never
 *	logged.  Run as root: the TLS key and the services need it.
 * FILES
 *	wm.conf(5); [paths] backup holds the temporary files.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "gpg.h"
#include "log.h"
#include "smb.h"
#include "util.h"

static const char usage[] =
    "usage: wm-backup [-c config] create [--password-fd N] [--to FILE | --smb]\n"
    "       wm-backup [-c config] restore [--password-fd N] FILE\n"
    "       wm-backup [-c config] list [--json]\n"
    "       wm-backup [-c config] test-connection\n"
    "       wm-backup [-c config] restore-pending\n"
    "\n"
    "Backs up every setting of the box (not the users' mail), encrypted with\n"
    "gpg when a password is given, and restores such a backup.\n"
    "\n"
    "options: -c FILE, --config FILE   wm.conf (default $WM_CONFIG)\n"
    "         --password-fd N          read the password from descriptor N\n"
    "         --to FILE                write the backup to FILE\n"
    "         --smb                    store it on the backup share (the\n"
    "                                  backup-password setting unless\n"
    "                                  --password-fd)\n"
    "         --json, -v, --verbose, -h, --help, --version\n";

struct opts {
	int		 password_fd;	/* -1: none */
	const char	*to;
	int		 smb;
	char		*password;
};

static int
to_stdout(struct wm_cli *cli, const char *pw, struct wm_err *err)
{
	struct wm_buf b;
	char *tmp;
	int rc;

	if (isatty(STDOUT_FILENO))
		return wm_err_set(err, EX_USAGE, "refusing to write a backup to "
		    "a terminal: use --to FILE or redirect");
	if ((tmp = wm_asprintf("%s/.stdout.%d", wm_config_path(cli->cfg,
	    "backup"), (int)getpid())) == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	wm_buf_init(&b);
	rc = wm_backup_create(cli->cfg, cli->db, pw, tmp, err);
	if (rc == 0 && (rc = wm_read_file(tmp, (size_t)1 << 32, &b, err)) == 0 &&
	    fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = wm_err_set(err, EX_IOERR, "writing standard output");
	unlink(tmp);
	free(tmp);
	wm_buf_free_secret(&b);
	return rc;
}

static int
cmd_create(struct wm_cli *cli, struct opts *o, struct wm_err *err)
{
	char name[128];

	if (o->smb) {
		if (wm_backup_to_smb(cli->cfg, cli->db, o->password, name,
		    sizeof(name), err) == -1)
			return -1;
		printf("%s\n", name);
		return wm_cli_audit(cli, "backup-create", name, err);
	}
	if (o->to == NULL)
		return to_stdout(cli, o->password, err);
	if (wm_backup_create(cli->cfg, cli->db, o->password, o->to, err) == -1)
		return -1;
	return wm_cli_audit(cli, "backup-create", o->to, err);
}

static int
cmd_restore(struct wm_cli *cli, struct opts *o, const char *file,
    struct wm_err *err)
{
	struct wm_restore_report r;

	if (wm_backup_restore(cli->cfg, cli->db, file, o->password, &r, err) == -1)
		return -1;
	printf("restored: schema %d%s; %d files%s; services %s\n",
	    r.from_version, r.migrated ? " (migrated)" : "", r.files,
	    r.layout_kept ? " (from another home: this box's wm.conf, Postfix "
	    "and lighttpd files kept)" : "", r.restarted ? "restarted" :
	    "were not running");
	return wm_cli_audit(cli, "backup-restore", file, err);
}

static int
cmd_pending(struct wm_cli *cli, struct wm_err *err)
{
	struct wm_restore_report r;
	int rc = wm_backup_restore_pending(cli->cfg, cli->db, &r, err);

	if (rc == 1) {
		printf("restored the pending backup; services %s\n", r.restarted ?
		    "restarted" : "were not running");
		return wm_cli_audit(cli, "backup-restore", "pending", err);
	}
	return rc;
}

struct listing {
	int	json, n;
};

static int
print_entry(const char *name, long long size, long long mtime, void *arg)
{
	struct listing *l = arg;

	if (!l->json) {
		printf("%s\t%lld\t", name, size);
		wm_cli_print_time(stdout, 0, mtime, "-");
		printf("\n");
		return 0;
	}
	wm_cli_json_next(stdout, &l->n);
	printf("{\"name\": ");
	wm_json_str(stdout, name);
	printf(", \"size\": %lld, \"modified\": ", size);
	wm_cli_print_time(stdout, 1, mtime, NULL);
	printf("}");
	return 0;
}

static int
cmd_smb(struct wm_cli *cli, const char *cmd, struct wm_err *err)
{
	struct wm_smb_conf smb;
	struct listing l = { cli->json, 0 };
	int rc;

	if (wm_smb_load(cli->db, "backup", &smb, err) == -1)
		return -1;
	if (strcmp(cmd, "test-connection") == 0) {
		if ((rc = wm_smb_test(&smb, err)) == 0)
			printf("connection to //%s/%s works\n", smb.server,
			    smb.share);
	} else {
		if (l.json)
			printf("[");
		rc = wm_smb_list(&smb, "wm-backup-", print_entry, &l, err);
		if (l.json && rc == 0)
			wm_cli_json_end(stdout, l.n);
	}
	wm_smb_conf_wipe(&smb);
	return rc;
}

static int
dispatch(struct wm_cli *cli, struct opts *o, int argc, char **argv,
    struct wm_err *err)
{
	const char *cmd = argv[0];

	if (o->password_fd >= 0 &&
	    (o->password = wm_password_from_fd(o->password_fd, err)) == NULL)
		return -1;
	if (strcmp(cmd, "create") == 0 && argc == 1)
		return cmd_create(cli, o, err);
	if (strcmp(cmd, "restore") == 0 && argc == 2)
		return cmd_restore(cli, o, argv[1], err);
	if ((strcmp(cmd, "list") == 0 || strcmp(cmd, "test-connection") == 0) &&
	    argc == 1)
		return cmd_smb(cli, cmd, err);
	if (strcmp(cmd, "restore-pending") == 0 && argc == 1)
		return cmd_pending(cli, err);
	wm_cli_usage(cli);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "password-fd", required_argument, NULL, 'p' },
		{ "to",          required_argument, NULL, 't' },
		{ "smb",         no_argument,       NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct wm_cli cli;
	struct wm_err err;
	struct opts o = { -1, NULL, 0, NULL };
	char *end;
	int ch, rc;

	wm_cli_init(&cli, "wm-backup", usage);
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		if (ch == 'p' && (o.password_fd = (int)strtol(optarg, &end, 10),
		    *optarg && *end == '\0' && o.password_fd >= 0))
			continue;
		if (ch == 't')
			o.to = optarg;
		else if (ch == 's')
			o.smb = 1;
		else
			wm_cli_usage(&cli);
	}
	if (optind >= argc || (o.to != NULL && o.smb))
		wm_cli_usage(&cli);
	if (wm_cli_open(&cli, &err) == -1)
		return wm_cli_fail(&cli, &err);
	rc = dispatch(&cli, &o, argc - optind, argv + optind, &err);
	rc = rc == -1 ? wm_cli_fail(&cli, &err) : 0;
	wm_free_secret(o.password);
	if (fflush(stdout) == EOF && rc == 0)
		rc = EX_IOERR;
	wm_cli_close(&cli);
	return rc;
}
