/*
 * logview.h - reading the logs of the instance newest first: the mail log
 * (Postfix's maillog_file, logdir/postfix.log) and the box's own log
 * (paths log).  The file is read backwards in blocks from an offset, so a
 * page costs the same however large the log has grown; a filter keeps the
 * lines containing a text (case-insensitive), such as a queue id.
 */
#ifndef WM_LOGVIEW_H
#define WM_LOGVIEW_H

#include <stddef.h>
#include <sys/types.h>

struct wm_config;
struct wm_err;

enum wm_log_kind { WM_LOG_MAIL, WM_LOG_BOX, WM_LOG_KIND_COUNT };

const char *wm_log_kind_name(enum wm_log_kind);	/* "mail", "box" */
int	 wm_log_kind_parse(const char *);
/* The file of a log (from wm.conf); NULL when not configured. */
const char *wm_log_kind_path(const struct wm_config *, enum wm_log_kind);

/*
 * Calls fn with up to max lines (without the newline) that end before byte
 * offset before (-1: the end of the file), newest first, containing filter
 * (NULL: all).  *next gets the offset to continue from for the next page,
 * 0 when the start of the file was reached.  A missing file has no lines.
 */
int	 wm_logview_read(const char *path, off_t before, const char *filter,
	    size_t max, int (*fn)(const char *line, size_t len, void *),
	    void *arg, off_t *next, struct wm_err *);

#endif
