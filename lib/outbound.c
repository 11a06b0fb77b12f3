/*
 * outbound.c - see outbound.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "err.h"
#include "notify.h"
#include "outbound.h"
#include "prefs.h"
#include "smtp.h"
#include "util.h"

#define HEADER_PREF	"header-external"

/*
 * The session of wm_outbound_begin.  One per process, not per call: the
 * notice code deep below wm_notice_flush builds mails through the same
 * door as the CLI and the portal, which keep sendmail.
 */
static struct wm_smtp *session;

int
wm_outbound_begin(struct wm_config *cfg, struct wm_err *err)
{
	const char *at = wm_config_get(cfg, "listen", "submit");

	wm_outbound_end();
	if (at == NULL || *at == '\0')
		return 0;
	return (session = wm_smtp_new(at, err)) == NULL ? -1 : 0;
}

void
wm_outbound_end(void)
{
	wm_smtp_free(session);
	session = NULL;
}

int
wm_outbound_down(void)
{
	return session != NULL && wm_smtp_down(session);
}

static int
hand_over(struct wm_config *cfg, const char *sender,
    const char *const *recipients, const void *mail, size_t len,
    struct wm_err *err)
{
	if (session != NULL)
		return wm_smtp_send(session, sender, recipients, mail, len, err);
	return wm_sendmail(cfg, sender, recipients, mail, len, err);
}

/* A value the box will not send: EX_CONFIG, and the value freed. */
static char *
unusable(char *v, const char *why, struct wm_err *err)
{
	free(v);
	wm_err_set(err, EX_CONFIG, "%s %s", HEADER_PREF, why);
	return NULL;
}

/* The header line to add, "" for none, NULL (err set) when unusable. */
static char *
external_header(struct wm_db *db, struct wm_err *err)
{
	const struct wm_pref_def *d = wm_pref_find(HEADER_PREF);
	char *v;

	if (d == NULL || (v = wm_pref_user(db, NULL, HEADER_PREF, err)) == NULL)
		return NULL;
	if (*v == '\0')
		return v;
	/* Stored values were checked; a row written behind our back not. */
	if (wm_has_crlf(v) || wm_pref_validate(d, v, err) == -1)
		return unusable(v, "is not one header line", err);
	/* X-WM-Relay would reroute the mail, X-WM-System-Mail forge a mark. */
	if (strncasecmp(v, "X-WM-", 5) == 0)
		return unusable(v, "may not set the box's own X-WM- headers", err);
	return v;
}

int
wm_outbound_submit(struct wm_config *cfg, struct wm_db *db,
    const char *sender, const char *const *recipients, const void *mail,
    size_t len, struct wm_err *err)
{
	struct wm_buf out;
	char *h;
	int rc;

	if ((h = external_header(db, err)) == NULL)
		return -1;
	if (*h == '\0') {
		free(h);
		return hand_over(cfg, sender, recipients, mail, len, err);
	}
	wm_buf_init(&out);
	if (wm_buf_printf(&out, "%s\n", h) == -1 ||
	    wm_buf_append(&out, mail, len) == -1)
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else
		rc = hand_over(cfg, sender, recipients, out.data, out.len, err);
	wm_buf_free(&out);
	free(h);
	return rc;
}
