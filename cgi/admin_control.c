/*
 * admin_control.c - System runtime control (guide 10, figure 24): restart
 * the services, reboot, shut down, and the MTA's status with Stop MTA and
 * Start MTA.  Each button runs the [commands] entry of wm.conf named after
 * it (sudo -n wm-ctl ... in production) and asks first: the confirm-twice
 * pattern, a second POST form, no script.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "ctl.h"
#include "err.h"
#include "log.h"

struct action {
	const char	*name;		/* path and [commands] key */
	const char	*question;
	const char	*button;
	int		 detached;	/* ends the server asking: do not wait */
	const char	*done;
};

static const struct action actions[] = {
	{ "restart", "Restart the services of the box? The console is away for "
	  "a moment.", "Restart", 1, "The services are restarting." },
	{ "reboot", "Reboot the box? It is away for about two minutes.",
	  "Reboot", 1, "The box is rebooting." },
	{ "shutdown", "Shut the box down? It stays off until someone powers it "
	  "on.", "Shutdown", 1, "The box is shutting down." },
	{ "mta-stop", "Stop the Mail Transfer Agent? No mail comes in or goes "
	  "out until it is started again.", "Stop MTA", 0, "The MTA is stopped." },
	{ "mta-start", "Start the Mail Transfer Agent?", "Start MTA", 0,
	  "The MTA is started." },
	{ NULL, NULL, NULL, 0, NULL }
};

static void
mta_vars(struct admin *a)
{
	struct wm_ctl_status st;
	struct wm_err err;

	if (wm_ctl_status(a->cfg, &st, &err) == -1) {
		wm_log_err(&err);
		wm_web_set(a->w, "Control.mta", "unknown");
		return;
	}
	wm_web_set(a->w, "Control.mta", wm_ctl_state_name(st.postfix));
}

static int
r_control(struct admin *a, const long long *args)
{
	const char *done = wm_web_param(a->w, "done");
	const struct action *x;

	for (x = actions; done != NULL && x->name != NULL; x++)
		if (strcmp(done, x->name) == 0)
			wm_web_set(a->w, "Page.notice", x->done);
	mta_vars(a);
	return admin_page(a, "control.cs", "System runtime control", "Restart, "
	    "reboot or shut down the box, and stop or start its Mail Transfer "
	    "Agent.");
}

static int
run(struct admin *a, const struct action *x)
{
	struct wm_err err;
	char where[64];
	int rc;

	if (!admin_confirmed(a, x->question, x->button))
		return 0;
	admin_audit(a, "control", x->name, NULL, "requested");
	rc = x->detached ? wm_ctl_command_detached(a->cfg, x->name, &err) :
	    wm_ctl_command(a->cfg, x->name, NULL, NULL, &err);
	if (rc == -1)
		return admin_fail(a, &err);
	if (rc != 0) {
		wm_log(LOG_ERR, "[commands] %s exited %d", x->name, rc);
		mta_vars(a);
		return admin_page_error(a, 502, "control.cs", "System runtime "
		    "control", NULL, "The command failed; see the box's log.");
	}
	snprintf(where, sizeof(where), "/control?done=%s", x->name);
	return admin_redirect(a, where);
}

static const struct action *
action(const char *name)
{
	const struct action *x;

	for (x = actions; x->name != NULL; x++)
		if (strcmp(x->name, name) == 0)
			return x;
	return NULL;
}

static int
r_restart(struct admin *a, const long long *args)
{
	return run(a, action("restart"));
}

static int
r_reboot(struct admin *a, const long long *args)
{
	return run(a, action("reboot"));
}

static int
r_shutdown(struct admin *a, const long long *args)
{
	return run(a, action("shutdown"));
}

static int
r_mta_stop(struct admin *a, const long long *args)
{
	return run(a, action("mta-stop"));
}

static int
r_mta_start(struct admin *a, const long long *args)
{
	return run(a, action("mta-start"));
}

const struct admin_route admin_control_routes[] = {
	{ "GET",  "/control",		r_control,	ADMIN_LOGIN, 0 },
	{ "POST", "/control/restart",	r_restart,	ADMIN_LOGIN, 0 },
	{ "POST", "/control/reboot",	r_reboot,	ADMIN_LOGIN, 0 },
	{ "POST", "/control/shutdown",	r_shutdown,	ADMIN_LOGIN, 0 },
	{ "POST", "/control/mta-stop",	r_mta_stop,	ADMIN_LOGIN, 0 },
	{ "POST", "/control/mta-start",	r_mta_start,	ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_control_menu[] = {
	{ ADMIN_SECTION_ADMIN, "System", "/control" },
	ADMIN_MENU_END
};
