/*
 * keysvc.h - the key service: the one path by which a process without the
 * key store (the console, as the web user) gets an operation that needs a
 * private key done by the instance user.  See keysvc.c for the why.
 */
#ifndef WM_KEYSVC_H
#define WM_KEYSVC_H

struct wm_config;
struct wm_db;
struct wm_err;

/* <[paths] run>/keys/keys.sock */
char	*wm_keysvc_socket(const struct wm_config *);
/* Serves until SIGTERM (`wm-pki serve`); db must have the key store. */
int	 wm_keysvc_serve(const struct wm_config *, struct wm_db *,
	    struct wm_err *);
/*
 * Asks the service for a new webmail relay certificate (email, subject:
 * NULL for the defaults); *id gets its id.  The service's refusal comes
 * back with its exit code (EX_DATAERR for a bad address).
 */
int	 wm_keysvc_webmail_cert(const struct wm_config *, const char *email,
	    const char *subject, long long *id, struct wm_err *);

#endif
