/*
 * keysvc.h - the key service: the one path by which a process without the
 * key store (the console, as the web user) gets an operation that needs a
 * private key done by the instance user.  See keysvc.c for the why.
 */
#ifndef WM_KEYSVC_H
#define WM_KEYSVC_H

#include <stddef.h>

struct wm_config;
struct wm_db;
struct wm_err;

/* <[paths] run>/keys/keys.sock */
char	*wm_keysvc_socket(const struct wm_config *);
/* Serves until SIGTERM (`wm-pki serve`); db must have the key store. */
int	 wm_keysvc_serve(const struct wm_config *, struct wm_db *,
	    struct wm_err *);
/*
 * One request, the fields its op needs: "webmail-cert" (email, subject:
 * NULL for the defaults), "import" (body, pass, flags WM_PKI_ROOT or
 * WM_PKI_WHITELIST), "ca-create" (subject, years), "ca-issue" (subject,
 * email, days), "export-p12" (id, pass).
 */
struct wm_keysvc_req {
	const char		*op;
	const char		*email;
	const char		*subject;
	const char		*pass;
	int			 flags, years, days;
	long long		 id;
	const unsigned char	*body;
	size_t			 body_len;
};

struct wm_buf;

/*
 * Has the service do r: *id gets the certificate's id, data (when not NULL)
 * the PKCS#12 of an export.  The service's refusal comes back with its
 * code and reason (EX_DATAERR for refused input, as the wm_pki call).
 */
int	 wm_keysvc_call(const struct wm_config *, const struct wm_keysvc_req *,
	    long long *id, struct wm_buf *data, struct wm_err *);

#endif
