/*
 * admin_pages.h - what the settings, templates, PKI and user modules of
 * admin.cgi share: the settings form (the user page shows it too) and a few
 * small helpers for lists and ids.
 */
#ifndef WM_CGI_ADMIN_PAGES_H
#define WM_CGI_ADMIN_PAGES_H

#include "admin.h"
#include "prefs.h"
#include "prefsform.h"

/*
 * Fills Form.* with the settings of page at scope/owner (posted: take the
 * values of the request, to show a refused form again) and Form.action.
 */
int	 admin_settings_fill(struct admin *, enum wm_scope, const char *owner,
	    enum wm_pref_page, int advanced, int posted, const char *action);

/* "List.N.field" = value. */
void	 admin_list_set(struct admin *, const char *list, int n,
	    const char *field, const char *value);
/* A human size: "44 KB", "1 GB". */
void	 admin_size_text(long long bytes, char *out, size_t outlen);
/* The ids checked in a form's repeated field "sel" (up to max). */
size_t	 admin_selected_ids(struct admin *, long long *ids, size_t max);

#endif
