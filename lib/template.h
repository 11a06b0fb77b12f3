/*
 * template.h - ClearSilver mail templates.  A mail template renders a whole
 * RFC 5322 message (header block, empty line, text body).  Lookup for an
 * address: templates table at user scope, then domain, then global, then the
 * file <paths.templates>/mail/NAME.cs shipped with wm.
 *
 * Every variable is one line: a value holding CR or LF is refused when it is
 * set, so no value can add a header wherever the template puts it.  Parts a
 * mail needs beyond text (attachments, reports) are added by notify.c.
 */
#ifndef WM_TEMPLATE_H
#define WM_TEMPLATE_H

#include <stddef.h>

#include "prefs.h"

struct wm_config;
struct wm_db;
struct wm_err;
struct wm_tvars;

/* The mail templates wm knows, ended by NULL. */
const char *const *wm_template_names(void);
int	 wm_template_known(const char *name);

/* Variables of one rendering (a ClearSilver HDF tree). */
struct wm_tvars *wm_tvars_new(void);
void	 wm_tvars_free(struct wm_tvars *);
/* EX_DATAERR when value holds CR or LF or name is not [A-Za-z0-9_.]. */
int	 wm_tvars_set(struct wm_tvars *, const char *name, const char *value,
	    struct wm_err *);

/* Directory of the shipped mail templates: paths.templates/mail, else
 * WM_DATADIR/wm/templates/mail.  malloc'd. */
char	*wm_template_dir(const struct wm_config *);

/*
 * The template source in effect for address (NULL: global) with the scope
 * it came from (WM_SCOPE_BUILTIN: the file).  malloc'd; NULL with
 * EX_NOINPUT when no scope and no file has it.
 */
char	*wm_template_find(const struct wm_config *, struct wm_db *,
	    const char *address, const char *name, enum wm_scope *from,
	    struct wm_err *);
/* The same seen from one scope: user (owner address), domain (owner domain)
 * or global; a domain view skips user rows. */
char	*wm_template_resolve(const struct wm_config *, struct wm_db *,
	    enum wm_scope, const char *owner, const char *name,
	    enum wm_scope *from, struct wm_err *);
/* Renders ClearSilver source; EX_DATAERR naming the template error. */
char	*wm_template_render(const char *name, const char *source,
	    struct wm_tvars *, struct wm_err *);
/*
 * Finds, renders and checks a mail template: the header block must be
 * well-formed and hold From and To; non-ASCII header values are encoded
 * (RFC 2047); line ends become LF; MIME headers for a UTF-8 text body are
 * added when the template has none.  malloc'd message.
 */
char	*wm_template_mail(const struct wm_config *, struct wm_db *,
	    const char *address, const char *name, struct wm_tvars *,
	    struct wm_err *);
/* The header checks and encoding of wm_template_mail on rendered text. */
char	*wm_template_finish_mail(const char *rendered, struct wm_err *);

/* Rows of the templates table at exactly one scope (owner: domain/address). */
char	*wm_template_get(struct wm_db *, enum wm_scope, const char *owner,
	    const char *name, struct wm_err *);
/* Stores body after checking that it parses. */
int	 wm_template_set(struct wm_db *, enum wm_scope, const char *owner,
	    const char *name, const char *body, struct wm_err *);
/* EX_NOINPUT when there was no row. */
int	 wm_template_unset(struct wm_db *, enum wm_scope, const char *owner,
	    const char *name, struct wm_err *);

#endif
