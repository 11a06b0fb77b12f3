/*
 * tmplcheck.h - what the console and wm-notify do with a mail template
 * before it is stored: render it with sample values of the same variables
 * the real mail gets, run the header checks of wm_template_finish_mail, and
 * refuse (with the ClearSilver error) anything that fails, so a template
 * that would break delivery is never saved.
 */
#ifndef WM_TMPLCHECK_H
#define WM_TMPLCHECK_H

#include "prefs.h"

struct wm_db;
struct wm_err;
struct wm_tvars;

/* Sample values for template name: every variable notify.c sets for it. */
struct wm_tvars *wm_template_samples(const char *name, struct wm_err *);
/* The mail source renders to with the samples (malloc'd), or NULL and why. */
char	*wm_template_preview(const char *name, const char *source,
	    struct wm_err *);
/*
 * wm_template_preview, then wm_template_set and an audit line (actor,
 * client: NULL for a program, the template and scope, old and new size) in
 * one transaction; a template that does not preview is never stored.
 */
int	 wm_template_save(struct wm_db *, const char *actor, const char *client,
	    enum wm_scope, const char *owner, const char *name, const char *source,
	    struct wm_err *);
/* Back to the inherited template: removes the row at that scope, audited. */
int	 wm_template_reset(struct wm_db *, const char *actor, const char *client,
	    enum wm_scope, const char *owner, const char *name, struct wm_err *);

#endif
