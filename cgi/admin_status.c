/*
 * admin_status.c - the page after login (guide 5): the state of the box at
 * a glance.
 */
#include <stdio.h>

#include "admin.h"
#include "util.h"

static int
r_status(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "changed") != NULL)
		wm_web_set(a->w, "Page.notice", "Your password is changed.");
	return admin_page(a, "status.cs", "System status", "A quick overview "
	    "of the state of the system: queues, deliveries and history.");
}

const struct admin_route admin_core_routes[] = {
	{ "GET", "/status", r_status, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_core_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Status", "/status" },
	ADMIN_MENU_END
};
