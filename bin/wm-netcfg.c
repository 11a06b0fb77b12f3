/*
 * NAME
 *	wm-netcfg - network settings of the webmail box
 * SYNOPSIS
 *	wm-netcfg [-c config] [--root DIR] info [--json]
 *	wm-netcfg [-c config] [--root DIR] [--apply] [--force] interface IFACE dhcp
 *	wm-netcfg [-c config] [--root DIR] [--apply] [--force] interface IFACE
 *	    static ADDR/PREFIX [--gateway G] [--broadcast B]
 *	wm-netcfg [-c config] [--root DIR] [--apply] hostname NAME
 *	wm-netcfg [-c config] [--root DIR] dns [--search "a b"] S1 [S2 [S3]]
 *	wm-netcfg [-c config] [--root DIR] hosts list [--json] |
 *	    hosts set [--file F]
 *	wm-netcfg [-c config] [--root DIR] [--apply] ntp [S1 [S2 [S3]]]
 * DESCRIPTION
 *	Writes the Debian 12 files of the guide's network pages (ifupdown's
 *	interfaces.d, hostname, hosts, resolv.conf, timesyncd.conf) below
 *	--root (default [paths] root, "/"); --apply also runs the [commands]
 *	that make the system use them.  info shows the interfaces as the
 *	kernel has them.
 * DIAGNOSTICS
 *	Exit status follows sysexits.h: 65 for a value that is not valid,
 *	64 for usage; errors are one line on stderr and in the log.
 * SECURITY
 *	Writing /etc needs root: the console runs it through the sudoers
 *	fragment.  The address the console is reached on (SSH_CONNECTION or
 *	SERVER_ADDR) is not changed without --force.
 * FILES
 *	wm.conf(5); the files listed above, below --root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "netcfg.h"
#include "util.h"

static const char usage[] =
    "usage: wm-netcfg [-c config] [--root DIR] info [--json]\n"
    "       wm-netcfg [-c config] [--root DIR] [--apply] [--force] interface IFACE dhcp\n"
    "       wm-netcfg [-c config] [--root DIR] [--apply] [--force] interface IFACE\n"
    "                 static ADDR/PREFIX [--gateway G] [--broadcast B]\n"
    "       wm-netcfg [-c config] [--root DIR] [--apply] hostname NAME\n"
    "       wm-netcfg [-c config] [--root DIR] dns [--search \"a b\"] S1 [S2 [S3]]\n"
    "       wm-netcfg [-c config] [--root DIR] hosts list [--json] | hosts set [--file F]\n"
    "       wm-netcfg [-c config] [--root DIR] [--apply] ntp [S1 [S2 [S3]]]\n";

struct opts {
	const char	*root, *gateway, *broadcast, *search, *file;
	int		 apply, force;
};

/* The local address of the session the command runs in, if any. */
static const char *
console_addr(char *buf, size_t len)
{
	const char *ssh = getenv("SSH_CONNECTION"), *srv = getenv("SERVER_ADDR");

	if (srv != NULL && *srv)
		return srv;
	/* "client-ip client-port server-ip server-port" */
	if (ssh != NULL && sscanf(ssh, "%*s %*s %63s", buf) == 1 && len >= 64)
		return buf;
	return NULL;
}

static int
cmd_interface(const struct wm_net *n, const struct opts *o, int argc, char **argv,
    struct wm_err *err)
{
	struct wm_net_static st;

	if (argc == 3 && strcmp(argv[2], "dhcp") == 0)
		return wm_net_interface(n, argv[1], WM_NET_DHCP, NULL, err);
	if (argc != 4 || strcmp(argv[2], "static") != 0)
		return wm_err_set(err, EX_USAGE, "interface IFACE dhcp | static ADDR/PREFIX");
	if (wm_net_parse_static(argv[3], o->gateway, o->broadcast, &st, err) == -1)
		return -1;
	return wm_net_interface(n, argv[1], WM_NET_STATIC, &st, err);
}

static int
cmd_hostname(const struct wm_net *n, const char *name, struct wm_err *err)
{
	int warn = 0;

	if (wm_net_hostname_ok(name, &warn, err) == -1)
		return -1;
	if (warn)
		fprintf(stderr, "wm-netcfg: warning: %s is not fully qualified "
		    "(a name like box.example.com is advised)\n", name);
	return wm_net_hostname(n, name, err);
}

static int
cmd_hosts(const struct wm_net *n, const struct opts *o, int json, int argc,
    char **argv, struct wm_err *err)
{
	struct wm_buf b;
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return wm_net_hosts_list(n, stdout, json, err);
	if (argc != 2 || strcmp(argv[1], "set") != 0)
		return wm_err_set(err, EX_USAGE, "hosts list or hosts set");
	wm_buf_init(&b);
	/* --file: the console's way, as it cannot give sudo a standard input. */
	rc = o->file ? wm_read_file(o->file, 1 << 20, &b, err) :
	    wm_read_fd(STDIN_FILENO, 1 << 20, &b, err);
	if (rc == 0)
		rc = wm_net_hosts_set(n, b.data ? b.data : "", err);
	wm_buf_free(&b);
	return rc;
}

static int
run(struct wm_cli *cli, const struct wm_net *n, const struct opts *o, int argc,
    char **argv, struct wm_err *err)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "info") == 0 && argc == 1)
		return wm_net_info(n, stdout, cli->json, err);
	if (strcmp(cmd, "interface") == 0 && argc >= 3)
		return cmd_interface(n, o, argc, argv, err);
	if (strcmp(cmd, "hostname") == 0 && argc == 2)
		return cmd_hostname(n, argv[1], err);
	if (strcmp(cmd, "dns") == 0 && argc >= 1)
		return wm_net_dns(n, o->search, (const char *const *)argv + 1,
		    argc - 1, err);
	if (strcmp(cmd, "hosts") == 0)
		return cmd_hosts(n, o, cli->json, argc, argv, err);
	if (strcmp(cmd, "ntp") == 0)
		return wm_net_ntp(n, (const char *const *)argv + 1, argc - 1, err);
	wm_cli_usage(cli);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		WM_CLI_LONGOPTS,
		{ "root",      required_argument, NULL, 'r' },
		{ "gateway",   required_argument, NULL, 'g' },
		{ "broadcast", required_argument, NULL, 'b' },
		{ "search",    required_argument, NULL, 's' },
		{ "apply",     no_argument,       NULL, 'a' },
		{ "force",     no_argument,       NULL, 'f' },
		{ "file",      required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { NULL, NULL, NULL, NULL, NULL, 0, 0 };
	struct wm_config *cfg = NULL;
	struct wm_net n;
	struct wm_cli cli;
	struct wm_err err;
	char addr[64];
	int ch, rc;

	wm_cli_init(&cli, "wm-netcfg", usage);
	while ((ch = wm_cli_getopt(&cli, argc, argv, "c:vh", longopts)) != -1) {
		if (wm_cli_option(&cli, ch, optarg))
			continue;
		switch (ch) {
		case 'r': o.root = optarg; break;
		case 'g': o.gateway = optarg; break;
		case 'b': o.broadcast = optarg; break;
		case 's': o.search = optarg; break;
		case 'a': o.apply = 1; break;
		case 'f': o.force = 1; break;
		case 'F': o.file = optarg; break;
		default: wm_cli_usage(&cli);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		wm_cli_usage(&cli);
	wm_err_clear(&err);
	/*
	 * The sudoers fragment lets the console run this as root with its own
	 * values; --root would let it write files anywhere.
	 */
	if (o.root != NULL && getenv("SUDO_UID") != NULL) {
		wm_err_set(&err, EX_NOPERM, "--root is not allowed through sudo");
		return wm_cli_fail(&cli, &err);
	}
	/* No database here: the network files are the system's own. */
	if ((cfg = wm_config_load(cli.config_path, &err)) == NULL)
		return wm_cli_fail(&cli, &err);
	wm_log_file(wm_config_path(cfg, "log"));
	memset(&n, 0, sizeof(n));
	n.root = o.root ? o.root : wm_config_path(cfg, "root");
	n.cfg = cfg;
	n.apply = o.apply;
	n.force = o.force;
	n.console_addr = console_addr(addr, sizeof(addr));
	rc = run(&cli, &n, &o, argc, argv, &err);
	if (fflush(stdout) == EOF && rc == 0)
		rc = wm_err_set(&err, EX_IOERR, "cannot write output");
	if (rc == 0 && strcmp(argv[0], "info") != 0 &&
	    !(strcmp(argv[0], "hosts") == 0 && argc == 2 && strcmp(argv[1], "list") == 0))
		wm_log(LOG_INFO, "network %s changed below %s", argv[0], n.root);
	wm_config_free(cfg);
	if (rc == -1)
		return wm_cli_fail(&cli, &err);
	return 0;
}
