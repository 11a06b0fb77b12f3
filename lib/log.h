/*
 * log.h - logging to syslog (mail facility), to stderr when a person runs the
 * program, and to the instance log file when wm.conf names one.
 * Never pass a secret (password, key, server secret, token) to these functions.
 */
#ifndef WM_LOG_H
#define WM_LOG_H

#include <syslog.h>

struct wm_err;

void	wm_log_open(const char *progname);
/* Also append every line to this file (the instance log); NULL turns it off. */
void	wm_log_file(const char *path);
/* Force stderr on or off (default: on when stderr is a terminal). */
void	wm_log_stderr(int on);
void	wm_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	wm_log_err(const struct wm_err *);
const char *wm_log_progname(void);

#endif
