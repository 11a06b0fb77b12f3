/*
 * password.c - see password.h.
 *
 * Hashes are yescrypt through libcrypt (crypt_gensalt "$y$" at the library's
 * default cost), so they can be checked with any crypt(3) and upgraded by
 * libxcrypt without code here.  Verification accepts whatever crypt(3)
 * understands, so hashes imported from elsewhere keep working.
 *
 * Entropy follows NIST SP 800-63 (version 1.0.2) appendix A for passwords
 * a user chooses: 4 bits for the first character, 2 bits for each of the
 * next 7, 1.5 bits for characters 9 to 20, 1 bit beyond, and 6 bits more
 * when the password has both an upper-case letter and a non-letter.
 * Characters are counted as UTF-8 code points; "letter" and "upper-case"
 * mean ASCII A-Z/a-z, anything else counts as a non-letter.  The optional
 * dictionary bonus of up to 6 bits is not given: the box has no dictionary
 * to check against, and granting it unchecked would overrate passwords.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "err.h"
#include "password.h"
#include "util.h"

static const char *const keyboard_rows[] = {
	"1234567890-=",
	"qwertyuiop[]",
	"asdfghjkl;'",
	"zxcvbnm,./",
	NULL
};

#define RUN_MAX		5	/* "more than 5" is refused */
#define BASED_MIN	3	/* shorter address parts match too much */

static char *
crypt_once(const char *password, const char *setting)
{
	struct crypt_data *cd;
	char *out = NULL;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return NULL;
	if (crypt_rn(password, setting, cd, sizeof(*cd)) != NULL &&
	    cd->output[0] != '*')
		out = strdup(cd->output);
	/* The work area holds state derived from the password. */
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return out;
}

char *
wm_password_hash(const char *password, struct wm_err *err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char *hash;

	if (password == NULL || *password == '\0') {
		wm_err_set(err, EX_DATAERR, "empty password");
		return NULL;
	}
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)) ==
	    NULL) {
		wm_err_set(err, EX_SOFTWARE, "crypt_gensalt: yescrypt is not "
		    "available");
		return NULL;
	}
	if ((hash = crypt_once(password, setting)) == NULL) {
		wm_err_set(err, EX_SOFTWARE, "crypt: hashing failed");
		return NULL;
	}
	return hash;
}

int
wm_password_verify(const char *password, const char *hash)
{
	char *mine;
	int ok;

	if (password == NULL || hash == NULL || hash[0] != '$')
		return 0;
	if ((mine = crypt_once(password, hash)) == NULL)
		return 0;
	ok = wm_ct_streq(mine, hash);
	wm_free_secret(mine);
	return ok;
}

double
wm_password_entropy(const char *password)
{
	const unsigned char *p;
	double bits = 0;
	size_t n = 0;
	int upper = 0, nonalpha = 0;

	for (p = (const unsigned char *)password; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;	/* UTF-8 continuation: same character */
		n++;
		if (n == 1)
			bits += 4;
		else if (n <= 8)
			bits += 2;
		else if (n <= 20)
			bits += 1.5;
		else
			bits += 1;
		if (*p >= 'A' && *p <= 'Z')
			upper = 1;
		else if (!(*p >= 'a' && *p <= 'z'))
			nonalpha = 1;
	}
	if (upper && nonalpha)
		bits += 6;
	return bits;
}

static char *
lower_dup(const char *s)
{
	char *d, *p;

	if ((d = strdup(s)) == NULL)
		return NULL;
	for (p = d; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return d;
}

/* Is the lower-cased part part[0..len) of length >= BASED_MIN inside pw? */
static int
contains_part(const char *pw, const char *part, size_t len)
{
	char buf[321];

	if (len < BASED_MIN || len >= sizeof(buf))
		return 0;
	memcpy(buf, part, len);
	buf[len] = '\0';
	return strstr(pw, buf) != NULL;
}

/*
 * Based on the address: the local part (without quotes) or the first label
 * of the domain appears in the password, or the password is a piece of the
 * address; pieces shorter than BASED_MIN do not count.  pw and addr are
 * already lower-case.
 */
static int
based_on_address(const char *pw, const char *addr)
{
	const char *at, *local, *dom, *dot;
	size_t llen;
	int inside;

	inside = strlen(pw) >= BASED_MIN && strstr(addr, pw) != NULL;
	if ((at = strrchr(addr, '@')) == NULL)
		return inside || contains_part(pw, addr, strlen(addr));
	local = addr;
	llen = (size_t)(at - addr);
	if (llen >= 2 && local[0] == '"' && local[llen - 1] == '"') {
		local++;
		llen -= 2;
	}
	dom = at + 1;
	dot = strchr(dom, '.');
	return contains_part(pw, local, llen) ||
	    contains_part(pw, dom, dot ? (size_t)(dot - dom) : strlen(dom)) ||
	    inside;
}

/* Does pw contain RUN_MAX + 1 neighbouring keys of one row, either way? */
static int
has_keyboard_run(const char *pw)
{
	char run[RUN_MAX + 2], rev[RUN_MAX + 2];
	size_t i, j, len;
	int r;

	for (r = 0; keyboard_rows[r] != NULL; r++) {
		len = strlen(keyboard_rows[r]);
		for (i = 0; i + RUN_MAX + 1 <= len; i++) {
			memcpy(run, keyboard_rows[r] + i, RUN_MAX + 1);
			run[RUN_MAX + 1] = '\0';
			for (j = 0; j <= RUN_MAX; j++)
				rev[j] = run[RUN_MAX - j];
			rev[RUN_MAX + 1] = '\0';
			if (strstr(pw, run) != NULL || strstr(pw, rev) != NULL)
				return 1;
		}
	}
	return 0;
}

static int
has_repeat_run(const char *pw)
{
	size_t i, n = 1;

	for (i = 1; pw[i] != '\0'; i++) {
		n = pw[i] == pw[i - 1] ? n + 1 : 1;
		if (n > RUN_MAX)
			return 1;
	}
	return 0;
}

int
wm_password_check(const char *password, const char *address, int min_bits,
    struct wm_err *err)
{
	char *pw = NULL, *addr = NULL;
	double bits;
	int rc = -1;

	if (password == NULL || *password == '\0')
		return wm_err_set(err, EX_DATAERR, "the password is empty");
	if ((pw = lower_dup(password)) == NULL ||
	    (address != NULL && (addr = lower_dup(address)) == NULL)) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	if (addr != NULL && based_on_address(pw, addr)) {
		wm_err_set(err, EX_DATAERR, "the password is based on the email "
		    "address");
		goto out;
	}
	if (has_keyboard_run(pw)) {
		wm_err_set(err, EX_DATAERR, "the password contains a keyboard "
		    "sequence of more than %d characters", RUN_MAX);
		goto out;
	}
	if (has_repeat_run(password)) {
		wm_err_set(err, EX_DATAERR, "the password repeats a character "
		    "more than %d times in a row", RUN_MAX);
		goto out;
	}
	bits = wm_password_entropy(password);
	if (bits < min_bits) {
		wm_err_set(err, EX_DATAERR, "the password is too weak: %.1f bits "
		    "of strength, at least %d needed (NIST SP 800-63)", bits,
		    min_bits);
		goto out;
	}
	rc = 0;
out:
	wm_free_secret(pw);
	free(addr);
	return rc;
}
