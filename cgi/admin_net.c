/*
 * admin_net.c - Admin -> network: the info page of the guide (figure 3),
 * the interfaces as the kernel has them and DHCP or static as the Debian
 * files say, from wm_net_read, the call wm-netcfg info makes; the settings,
 * interfaces and hosts pages.  Changing the network needs root: that is
 * wm-netcfg(8) through the sudoers fragment, after the same library checks
 * have run here so a refusal is shown next to its field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_pages.h"
#include "config.h"
#include "ctl.h"
#include "err.h"
#include "netcfg.h"
#include "util.h"

static int
r_info(struct admin *a, const long long *args)
{
	struct wm_net n = { 0 };
	struct wm_net_state *st;
	struct wm_err err;
	int i;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return admin_error(a, 503, "out of memory");
	n.root = wm_config_path(a->cfg, "root");
	n.cfg = a->cfg;
	if (wm_net_read(&n, st, &err) == -1) {
		free(st);
		return admin_fail(a, &err);
	}
	for (i = 0; i < st->n; i++) {
		admin_list_set(a, "Net.ifs", i, "name", st->ifs[i].name);
		admin_list_set(a, "Net.ifs", i, "address", st->ifs[i].addr);
		admin_list_set(a, "Net.ifs", i, "mac", st->ifs[i].mac);
		admin_list_set(a, "Net.ifs", i, "broadcast", st->ifs[i].bcast);
		admin_list_set(a, "Net.ifs", i, "mask", st->ifs[i].mask);
		admin_list_set(a, "Net.ifs", i, "gateway", st->ifs[i].gateway);
		admin_list_set(a, "Net.ifs", i, "dhcp", st->ifs[i].dhcp ? "true" : "false");
	}
	wm_web_set(a->w, "Net.gateway", st->gateway);
	free(st);
	return admin_page(a, "net.cs", "Network info", "The network interfaces "
	    "of the box and its default gateway.");
}

/*
 * hostname, DNS and NTP: checked here with the library's validators (each
 * refusal next to its field), then written as root by [commands] net, which
 * is wm-netcfg --apply through sudo; wm-netcfg checks everything again.
 */
static int
settings_page(struct admin *a)
{
	return admin_page(a, "net_settings.cs", "Network settings", "The hostname "
	    "(a fully qualified name is advised), up to three DNS servers with "
	    "search domains, and the NTP servers (empty: the Debian pool).");
}

static int
r_settings(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "saved") != NULL)
		wm_web_set(a->w, "Page.notice", "The network settings were applied.");
	return settings_page(a);
}

/* Runs [commands] net with args; its last line is the refusal. */
static int
run_net(struct admin *a, const char *field, const char *const *args)
{
	struct wm_buf out;
	struct wm_err err;
	char *p;
	int rc;

	wm_buf_init(&out);
	rc = wm_ctl_command_all(a->cfg, "net", args, &out, &err);
	if (rc != 0) {
		while (out.len > 0 && out.data[out.len - 1] == '\n')
			out.data[--out.len] = '\0';
		p = out.data ? strrchr(out.data, '\n') : NULL;
		admin_form_error(a, field, p ? p + 1 : out.data && *out.data ?
		    out.data : err.msg);
	}
	wm_buf_free(&out);
	return rc == 0 ? 0 : -1;
}

/* Splits a field on blanks into at most max words (in store). */
static int
words(const char *v, char *store, size_t len, const char **out, int max)
{
	char *tok, *save;
	int n = 0;

	snprintf(store, len, "%s", v ? v : "");
	for (tok = strtok_r(store, " \t,", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, " \t,", &save))
		out[n++] = tok;
	return tok == NULL ? n : -1;
}

static int
save_hostname(struct admin *a, const char *name)
{
	const char *args[] = { "hostname", name, NULL };
	struct wm_err err;
	int warn;

	if (wm_net_hostname_ok(name, &warn, &err) == -1) {
		admin_form_error(a, "hostname", err.msg);
		return -1;
	}
	return run_net(a, "hostname", args);
}

static int
save_dns(struct admin *a)
{
	const char *args[8] = { "dns", "--search", NULL }, *srv[4];
	const char *search = wm_web_param(a->w, "search");
	char store[512];
	int n, i;

	n = words(wm_web_param(a->w, "dns"), store, sizeof(store), srv, 3);
	if (n < 1) {
		admin_form_error(a, "dns", "give one to three DNS servers (the box "
		    "needs at least one)");
		return -1;
	}
	args[2] = search ? search : "";
	for (i = 0; i < n; i++)
		args[3 + i] = srv[i];
	args[3 + n] = NULL;
	return run_net(a, "dns", args);
}

static int
save_ntp(struct admin *a)
{
	const char *args[6] = { "ntp", NULL }, *srv[4];
	char store[512];
	int n, i;

	if ((n = words(wm_web_param(a->w, "ntp"), store, sizeof(store), srv, 3)) < 0) {
		admin_form_error(a, "ntp", "at most three NTP servers");
		return -1;
	}
	for (i = 0; i < n; i++)
		args[1 + i] = srv[i];
	args[1 + n] = NULL;
	return run_net(a, "ntp", args);
}

static int
r_settings_save(struct admin *a, const long long *args)
{
	const char *name = wm_web_param(a->w, "hostname");
	int bad = 0;

	if (name != NULL && *name != '\0' && save_hostname(a, name) == -1)
		bad++;
	if (wm_web_param(a->w, "dns") != NULL && save_dns(a) == -1)
		bad++;
	if (wm_web_param(a->w, "ntp") != NULL && save_ntp(a) == -1)
		bad++;
	if (bad)
		return settings_page(a);
	admin_audit(a, "network", "hostname, DNS, NTP", NULL, name);
	return admin_redirect(a, "/network/settings?saved=1");
}

/*
 * Interfaces: DHCP or a static address.  The guard against cutting the
 * console off runs here, in wm_net_interface_check with the address this
 * very connection reached (SERVER_ADDR), before [commands] net runs:
 * through sudo the command no longer sees how the console is reached.
 */
static int
iface_page(struct admin *a)
{
	return admin_page(a, "net_interfaces.cs", "Network interfaces", "DHCP or "
	    "a static address with prefix, gateway and broadcast; the address "
	    "the console is reached on is only changed when forced.");
}

static int
r_ifaces(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "saved") != NULL)
		wm_web_set(a->w, "Page.notice", "The interface was configured.");
	return iface_page(a);
}

static int
iface_check(struct admin *a, const char *iface, int dhcp, struct wm_net_static *st,
    int force)
{
	const char *addr = wm_web_param(a->w, "address");
	const char *gw = wm_web_param(a->w, "gateway");
	const char *bc = wm_web_param(a->w, "broadcast");
	struct wm_net n = { 0 };
	struct wm_err err;
	char field[16];

	if (wm_net_iface_name_ok(iface, &err) == -1) {
		admin_form_error(a, "iface", err.msg);
		return -1;
	}
	/* Its messages start with the field: "address: ...", "gateway: ...". */
	if (!dhcp && wm_net_parse_static(addr ? addr : "", gw ? gw : "",
	    bc ? bc : "", st, &err) == -1) {
		snprintf(field, sizeof(field), "%.*s", (int)strcspn(err.msg, ":"), err.msg);
		admin_form_error(a, strcmp(field, "gateway") == 0 ||
		    strcmp(field, "broadcast") == 0 ? field : "address", err.msg);
		return -1;
	}
	n.root = wm_config_path(a->cfg, "root");
	n.cfg = a->cfg;
	n.force = force;
	n.console_addr = wm_web_server_addr(a->w);
	if (wm_net_interface_check(&n, iface, dhcp ? WM_NET_DHCP : WM_NET_STATIC,
	    dhcp ? NULL : st, &err) == -1) {
		/* The name was good: what is left is the console's address. */
		admin_form_error(a, "force", err.msg);
		return -1;
	}
	return 0;
}

static int
r_ifaces_save(struct admin *a, const long long *args)
{
	const char *iface = wm_web_param(a->w, "iface");
	const char *mode = wm_web_param(a->w, "mode");
	const char *cmd[12] = { "interface", NULL };
	struct wm_net_static st;
	char cidr[80];
	int dhcp = mode != NULL && strcmp(mode, "dhcp") == 0, force, i = 2;

	force = wm_web_param(a->w, "force") != NULL;
	if (iface == NULL)
		iface = "";
	if (iface_check(a, iface, dhcp, &st, force) == -1)
		return iface_page(a);
	cmd[1] = iface;
	if (dhcp)
		cmd[i++] = "dhcp";
	else {
		snprintf(cidr, sizeof(cidr), "%s/%d", st.address, st.prefix);
		cmd[i++] = "static";
		cmd[i++] = cidr;
		if (*st.gateway) {
			cmd[i++] = "--gateway";
			cmd[i++] = st.gateway;
		}
		if (*st.broadcast) {
			cmd[i++] = "--broadcast";
			cmd[i++] = st.broadcast;
		}
	}
	if (force)
		cmd[i++] = "--force";
	cmd[i] = NULL;
	if (run_net(a, "iface", cmd) == -1)
		return iface_page(a);
	admin_audit(a, "network", "interface", NULL, dhcp ? iface : cidr);
	return admin_redirect(a, "/network/interfaces?saved=1");
}

/*
 * The hosts table as one text: shown from [paths] root, saved through
 * run/net-hosts (the privileged command cannot take a standard input).
 */
static int
hosts_page(struct admin *a, const char *text)
{
	struct wm_net n = { 0 };
	struct wm_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (text == NULL) {
		n.root = wm_config_path(a->cfg, "root");
		if ((f = open_memstream(&buf, &len)) == NULL)
			return admin_error(a, 503, "out of memory");
		if (wm_net_hosts_list(&n, f, 0, &err) == -1) {
			fclose(f);
			free(buf);
			return admin_fail(a, &err);
		}
		fclose(f);
	}
	wm_web_set(a->w, "Net.hosts", text ? text : buf ? buf : "");
	free(buf);
	return admin_page(a, "net_hosts.cs", "Hosts table", "One entry a line: "
	    "an IP address and its names (up to 255 characters).");
}

static int
r_hosts(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "saved") != NULL)
		wm_web_set(a->w, "Page.notice", "The hosts table was saved.");
	return hosts_page(a, NULL);
}

static int
r_hosts_save(struct admin *a, const long long *args)
{
	const char *text = wm_web_param(a->w, "hosts");
	const char *cmd[] = { "hosts", "set", "--file", NULL, NULL };
	struct wm_err err;
	char *path;
	int rc;

	if (text == NULL)
		text = "";
	/* The library's validation first: a refusal needs no privileged run. */
	if (wm_net_hosts_check(text, &err) == -1) {
		admin_form_error(a, "hosts", err.msg);
		return hosts_page(a, text);
	}
	if ((path = wm_asprintf("%s/net-hosts", wm_config_path(a->cfg, "run"))) == NULL)
		return admin_error(a, 503, "out of memory");
	rc = wm_write_file_atomic(path, text, strlen(text), 0600, &err);
	cmd[3] = path;
	if (rc == -1) {
		free(path);
		return admin_fail(a, &err);
	}
	rc = run_net(a, "hosts", cmd);
	free(path);
	if (rc == -1)
		return hosts_page(a, text);
	admin_audit(a, "network", "hosts table", NULL, NULL);
	return admin_redirect(a, "/network/hosts?saved=1");
}

const struct admin_route admin_net_routes[] = {
	{ "GET", "/network", r_info, ADMIN_LOGIN, 0 },
	{ "GET", "/network/settings", r_settings, ADMIN_LOGIN, 0 },
	{ "POST", "/network/settings", r_settings_save, ADMIN_LOGIN, 0 },
	{ "GET", "/network/interfaces", r_ifaces, ADMIN_LOGIN, 0 },
	{ "POST", "/network/interfaces", r_ifaces_save, ADMIN_LOGIN, 0 },
	{ "GET", "/network/hosts", r_hosts, ADMIN_LOGIN, 0 },
	{ "POST", "/network/hosts", r_hosts_save, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_net_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Network", "/network" },
	{ ADMIN_SECTION_ADMIN, "Network settings", "/network/settings" },
	{ ADMIN_SECTION_ADMIN, "Network interfaces", "/network/interfaces" },
	{ ADMIN_SECTION_ADMIN, "Hosts table", "/network/hosts" },
	ADMIN_MENU_END
};
