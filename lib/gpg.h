/*
 * gpg.h - OpenPGP password encryption with the gpg binary ([commands] gpg):
 * symmetric AES256, SHA512 S2K, passphrase on a pipe, no agent, a private
 * GNUPGHOME per call.  Output goes to a temporary name kept only when gpg
 * exits 0 (gpg writes output before it reports a manipulated message).
 */
#ifndef WM_GPG_H
#define WM_GPG_H

struct wm_config;
struct wm_err;

enum wm_gpg_fail { WM_GPG_OK = 0, WM_GPG_BAD_PASSWORD, WM_GPG_CORRUPT,
	WM_GPG_ERROR };

int	 wm_gpg_encrypt(const struct wm_config *, const char *in,
	    const char *out, const char *password, struct wm_err *);
/* On failure *why tells a wrong password from a damaged file. */
int	 wm_gpg_decrypt(const struct wm_config *, const char *in,
	    const char *out, const char *password, enum wm_gpg_fail *why,
	    struct wm_err *);
/* Reads a password (one line, at most 1024 bytes) from a descriptor. */
char	*wm_password_from_fd(int fd, struct wm_err *);
/* True when the file starts like an OpenPGP message rather than a tar. */
int	 wm_gpg_looks_encrypted(const char *path);

#endif
