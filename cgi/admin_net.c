/*
 * admin_net.c - Admin -> network: the info page of the guide (figure 3),
 * the interfaces as the kernel has them and DHCP or static as the Debian
 * files say, from wm_net_read, the call wm-netcfg info makes.  Changing the
 * network needs root: that is wm-netcfg(8) through the sudoers fragment.
 */
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "admin_pages.h"
#include "config.h"
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

const struct admin_route admin_net_routes[] = {
	{ "GET", "/network", r_info, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_net_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Network", "/network" },
	ADMIN_MENU_END
};
