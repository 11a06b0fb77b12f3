/*
 * admin_testmail.c - Compose test email (guide 11, figure 25): the fields of
 * wm_testmail (the call wm-testmail makes); a wrong field is shown next to
 * it and nothing is sent.
 */
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "err.h"
#include "testmail.h"
#include "util.h"

static void
read_form(struct admin *a, struct wm_testmail *t)
{
	t->to = wm_web_param(a->w, "to");
	t->cc = wm_web_param(a->w, "cc");
	t->bcc = wm_web_param(a->w, "bcc");
	t->from = wm_web_param(a->w, "from");
	t->sender = wm_web_param(a->w, "sender");
	t->subject = wm_web_param(a->w, "subject");
	t->headers = wm_web_param(a->w, "headers");
	t->body = wm_web_param(a->w, "body");
}

static int
form(struct admin *a)
{
	return admin_page(a, "testmail.cs", "Compose a test email", "A test "
	    "email handled by the box, to test its settings. Multiple "
	    "recipients may be given, UTF-8 allowed.");
}

static int
r_form(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "sent") != NULL)
		wm_web_set(a->w, "Page.notice", "The test email was handed to "
		    "the MTA.");
	return form(a);
}

static int
r_send(struct admin *a, const long long *args)
{
	struct wm_err errs[WM_TM_COUNT], err;
	struct wm_testmail t;
	char *id = NULL;
	int f;

	read_form(a, &t);
	if (wm_testmail_check(&t, errs, &err) == -1) {
		for (f = 0; f < WM_TM_COUNT; f++)
			if (errs[f].code != 0)
				admin_form_error(a, wm_testmail_field_name(f),
				    errs[f].msg);
		return form(a);
	}
	if (wm_testmail_send(a->cfg, &t, &id, &err) == -1)
		return admin_fail(a, &err);
	admin_audit(a, "testmail", t.to, NULL, id);
	free(id);
	return admin_redirect(a, "/testmail?sent=1");
}

const struct admin_route admin_testmail_routes[] = {
	{ "GET",  "/testmail", r_form, ADMIN_LOGIN, 0 },
	{ "POST", "/testmail", r_send, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_testmail_menu[] = {
	{ ADMIN_SECTION_ADMIN, "Send email", "/testmail" },
	ADMIN_MENU_END
};
