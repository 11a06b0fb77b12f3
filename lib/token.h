/*
 * token.h - signed links: sign-up and password reset links carry an HMAC
 * (SHA-256, keyed with server-secret) over address, purpose and expiry,
 * compared in constant time; sign-up and reset tokens are single use.
 */
#ifndef WM_TOKEN_H
#define WM_TOKEN_H

#include <time.h>

struct wm_db;
struct wm_err;

/* malloc'd URL-safe token encoding address, purpose and expiry with its MAC. */
char	*wm_token_make(struct wm_db *, const char *address, const char *purpose,
	    time_t expires, struct wm_err *);
/*
 * Checks MAC (constant time), purpose and expiry (against wm_now()); on
 * success *address_out gets the address (malloc'd).  EX_NOPERM "invalid
 * link" on a tampered or wrong-purpose token, EX_DATAERR "link expired" past
 * expiry, EX_NOPERM "link already used" once consumed.
 */
int	 wm_token_check(struct wm_db *, const char *token, const char *purpose,
	    char **address_out, struct wm_err *);
/* Marks a checked token used; -1 with EX_NOPERM if it was used before. */
int	 wm_token_consume(struct wm_db *, const char *token, struct wm_err *);

/* base64url without padding (RFC 4648 section 5); malloc'd. */
char	*wm_b64url_encode(const void *, size_t);
/* NULL unless s is the canonical unpadded encoding; *len gets the size. */
unsigned char *wm_b64url_decode(const char *s, size_t *len);

#endif
