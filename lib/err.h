/*
 * err.h - the one error type every libwm call reports through, so a failure
 * reads the same in a shell, in syslog and on a web page.
 */
#ifndef WM_ERR_H
#define WM_ERR_H

#include <sysexits.h>

struct wm_err {
	int	code;		/* a sysexits.h value: EX_DATAERR, EX_TEMPFAIL, ... */
	char	msg[256];	/* one line, for a human; never a secret */
};

/* Fills err (if not NULL) and returns -1, so callers can `return wm_err_set(...)`. */
int	wm_err_set(struct wm_err *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	wm_err_clear(struct wm_err *);
/* Prefixes an existing message with context: "what: old message". */
int	wm_err_wrap(struct wm_err *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
