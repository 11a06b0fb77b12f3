/*
 * lmtp.h - one LMTP session (RFC 2033) on a connected socket, for Postfix's
 * lmtp transport: LHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.  Each DATA is
 * spooled to an unnamed file and delivered once with the same library code
 * as wm-deliver (wm_deliverer_run); every accepted recipient then gets the
 * reply wm-deliver's exit status stands for: 250 stored (or handed to the
 * postmaster), 451 temporary, 552 too big, 554 empty.  A connection that
 * ends before the final "." delivers nothing: Postfix still has the mail.
 */
#ifndef WM_LMTP_H
#define WM_LMTP_H

#include <stddef.h>

struct wm_err;

/*
 * wm-lmtpd: listens on the unix socket path (mode 0666: Postfix's lmtp
 * client runs as its own user) and runs workers processes, each with its own
 * database connection and deliverer, each serving many connections at once
 * (Postfix caches idle ones), whichever has a command.  A worker that dies
 * is replaced; the workers die with the parent.  Returns
 * when *stop is set (SIGTERM), after stopping the workers.
 */
struct wm_config;
int	 wm_lmtp_serve(struct wm_config *, const char *path, int workers,
	    size_t max, volatile int *stop, struct wm_err *);

#endif
