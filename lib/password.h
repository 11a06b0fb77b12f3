/*
 * password.h - password hashing (crypt(3) yescrypt) and the strength rules of
 * the guide 6.1: not based on the address, no QWERTY run longer than 5, no
 * more than 5 identical characters in a row, NIST SP 800-63 (appendix A)
 * entropy of at least min-password-strength bits.
 */
#ifndef WM_PASSWORD_H
#define WM_PASSWORD_H

struct wm_err;

/* malloc'd "$y$..." hash; NULL with err on failure. */
char	*wm_password_hash(const char *password, struct wm_err *);
/* 1 when password matches hash (constant time), 0 otherwise. */
int	 wm_password_verify(const char *password, const char *hash);
/* NIST SP 800-63 appendix A estimate in bits. */
double	 wm_password_entropy(const char *password);
/* 0 when acceptable; -1 with EX_DATAERR and a message naming the rule. */
int	 wm_password_check(const char *password, const char *address, int min_bits,
	    struct wm_err *);

#endif
