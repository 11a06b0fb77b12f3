/*
 * totp.h - two-factor authentication with time-based one-time passwords
 * (RFC 6238: HMAC-SHA1, 6 digits, 30 second steps) through liboath.  The
 * secret is shown once as an otpauth:// URI and a QR code (libqrencode, drawn
 * as SVG); ten one-time recovery codes are stored hashed.  A code is accepted
 * once: users.totp_last_step remembers the newest step used.
 */
#ifndef WM_TOTP_H
#define WM_TOTP_H

#include <stddef.h>
#include <time.h>

struct wm_db;
struct wm_err;

#define WM_TOTP_STEP		30
#define WM_TOTP_DIGITS		6
#define WM_TOTP_WINDOW		1	/* steps of clock skew either way */
#define WM_TOTP_SECRET_BYTES	20	/* 160 bits, as RFC 4226 recommends */
#define WM_TOTP_RECOVERY	10	/* recovery codes per enrolment */

/* A new random secret, base32 (malloc'd). */
char	*wm_totp_secret_new(struct wm_err *);
/* The code for time t into out (WM_TOTP_DIGITS + 1 bytes). */
int	 wm_totp_code(const char *secret_b32, time_t t, char *out, struct wm_err *);
/* The time step of code if it is valid around now (+-window), else -1. */
long long wm_totp_match(const char *secret_b32, const char *code, time_t now,
	    int window);
/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=... (malloc'd). */
char	*wm_totp_uri(const char *issuer, const char *account,
	    const char *secret_b32);
/* The QR code of text as an SVG document / as a data: URI (malloc'd). */
char	*wm_totp_qr_svg(const char *text, struct wm_err *);
char	*wm_totp_qr_data_uri(const char *text, struct wm_err *);

/* 1 when the user has two-factor authentication on, 0 when not, -1 on error. */
int	 wm_totp_enabled(struct wm_db *, const char *address, struct wm_err *);
/* Starts enrolment: stores a new pending secret, returns it (malloc'd). */
char	*wm_totp_begin(struct wm_db *, const char *address, struct wm_err *);
/* The pending (or active) secret, to show the QR code again (malloc'd). */
char	*wm_totp_secret(struct wm_db *, const char *address, struct wm_err *);
/*
 * Ends enrolment when code matches the pending secret: turns it on and
 * returns the recovery codes (show them once; free with wm_totp_codes_free).
 * A wrong code: EX_DATAERR.
 */
int	 wm_totp_confirm(struct wm_db *, const char *address, const char *code,
	    char ***codes, size_t *ncodes, struct wm_err *);
/* Turns it off: forgets the secret and the recovery codes. */
int	 wm_totp_disable(struct wm_db *, const char *address, struct wm_err *);
/*
 * Checks a code at login: a current code not used before, or an unused
 * recovery code (used up by this).  *recovery tells which.  EX_NOPERM when
 * neither.
 */
int	 wm_totp_verify(struct wm_db *, const char *address, const char *code,
	    int *recovery, struct wm_err *);
/* Unused recovery codes left, -1 on error. */
int	 wm_totp_recovery_left(struct wm_db *, const char *address, struct wm_err *);
void	 wm_totp_codes_free(char **, size_t);

#endif
