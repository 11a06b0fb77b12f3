/*
 * websession.c - the session and pre-login token of a request, for the
 * portal and the console alike (their cookies and lifetimes differ).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "util.h"
#include "websession.h"

int
wm_web_session_load(struct wm_web *w, struct wm_db *db,
    const struct wm_web_cookies *k, struct wm_session **sess, char **sid,
    int *expired, struct wm_err *err)
{
	char *id;

	*sess = NULL;
	*sid = NULL;
	if ((id = wm_web_cookie(w, k->session)) == NULL)
		return 0;
	*sess = wm_session_get(db, k->kind, id, k->idle, k->max, err);
	if (*sess == NULL) {
		wm_free_secret(id);
		if (err->code != EX_NOPERM)
			return -1;
		wm_web_set_cookie_path(w, k->session, "", k->path, 0, err);
		*expired = 1;
		return 0;
	}
	*sid = id;
	return 1;
}

void
wm_web_pre_token(struct wm_web *w, const struct wm_web_cookies *k,
    char pre[WM_SESSION_ID_LEN + 1])
{
	unsigned char r[WM_SESSION_ID_LEN / 2];
	struct wm_err err;
	char *c;

	if (pre[0] != '\0')
		return;
	if ((c = wm_web_cookie(w, k->pre)) != NULL &&
	    strlen(c) == WM_SESSION_ID_LEN) {
		snprintf(pre, WM_SESSION_ID_LEN + 1, "%s", c);
		free(c);
		return;
	}
	free(c);
	wm_err_clear(&err);
	if (wm_session_random(r, sizeof(r), &err) == -1) {
		wm_log_err(&err);
		return;
	}
	wm_hex(r, sizeof(r), pre);
	if (wm_web_set_cookie_path(w, k->pre, pre, k->path, -1, &err) == -1)
		wm_log_err(&err);
}
