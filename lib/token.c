/*
 * token.c - signed links.  A token is two base64url parts joined by '.':
 *
 *	b64url("1:" purpose ":" expiry ":" address) "." b64url(HMAC-SHA256)
 *
 * The MAC covers the whole payload and is keyed with the server-secret in
 * effect for the address, so a domain or user that overrides the secret gets
 * links no other secret can forge.  The address comes last so it may hold any
 * byte but NUL.  Only the canonical encoding is accepted: otherwise one token
 * could be spelled several ways and each spelling used once.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "db.h"
#include "err.h"
#include "prefs.h"
#include "token.h"
#include "user.h"
#include "util.h"

#define TOKEN_VERSION	"1"
#define TOKEN_MAX	2048

/* base64url without padding, malloc'd. */
char *
wm_b64url_encode(const void *p, size_t n)
{
	unsigned char *out;
	size_t len, i;

	if (n > TOKEN_MAX)
		return NULL;
	if ((out = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return NULL;
	len = (size_t)EVP_EncodeBlock(out, p, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return (char *)out;
}

/*
 * Decodes base64url without padding into a malloc'd buffer (NUL-terminated
 * for convenience); NULL when s is not the canonical encoding of any bytes.
 */
unsigned char *
wm_b64url_decode(const char *s, size_t *outlen)
{
	unsigned char *in, *out;
	char *again;
	size_t len, i, pad;
	int n;

	len = strlen(s);
	if (len == 0 || len > TOKEN_MAX || len % 4 == 1)
		return NULL;
	pad = (4 - len % 4) % 4;
	if ((in = malloc(len + pad + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=')
			c = '*';	/* not in the URL-safe alphabet */
		in[i] = c;
	}
	memset(in + len, '=', pad);
	in[len + pad] = '\0';
	out = malloc((len + pad) / 4 * 3 + 1);
	if (out == NULL) {
		free(in);
		return NULL;
	}
	n = EVP_DecodeBlock(out, in, (int)(len + pad));
	free(in);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)n - pad;
	out[*outlen] = '\0';
	/* Unused low bits of the last character must be zero. */
	again = wm_b64url_encode(out, *outlen);
	if (again == NULL || strcmp(again, s) != 0) {
		free(again);
		free(out);
		return NULL;
	}
	free(again);
	return out;
}

static int
valid_purpose(const char *purpose)
{
	const char *p;

	if (purpose == NULL || *purpose == '\0' || strlen(purpose) > 32)
		return 0;
	for (p = purpose; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
			return 0;
	return 1;
}

/* HMAC-SHA256 of payload under the server-secret in effect for address. */
static int
token_mac(struct wm_db *db, const char *address, const char *payload,
    const char *as_if, unsigned char mac[SHA256_DIGEST_LENGTH],
    struct wm_err *err)
{
	unsigned int maclen = 0;
	char *secret, *stamp = NULL, *input = NULL;
	int rc = -1;

	secret = wm_pref_get(db, WM_SCOPE_USER, address, "server-secret", NULL,
	    err);
	if (secret == NULL)
		return -1;
	if (*secret == '\0') {
		free(secret);
		return wm_err_set(err, EX_CONFIG, "server-secret is not set");
	}
	/* Bound to the password as it is now: a change voids every link (L1). */
	if (as_if != NULL)
		stamp = wm_strdup(as_if);
	else if (wm_user_password_stamp(db, address, &stamp, err) == -1)
		goto done;
	if (stamp == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	if ((input = wm_asprintf("%s\n%s", payload, stamp)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)input, strlen(input), mac, &maclen) == NULL ||
	    maclen != SHA256_DIGEST_LENGTH)
		wm_err_set(err, EX_SOFTWARE, "HMAC failed");
	else
		rc = 0;
done:
	wm_free_secret(input);
	wm_free_secret(stamp);
	wm_free_secret(secret);
	return rc;
}

char *
wm_token_make(struct wm_db *db, const char *address, const char *purpose,
    time_t expires, struct wm_err *err)
{
	unsigned char mac[SHA256_DIGEST_LENGTH];
	char *payload, *p64 = NULL, *m64 = NULL, *token = NULL;

	if (!valid_purpose(purpose)) {
		wm_err_set(err, EX_USAGE, "bad link purpose");
		return NULL;
	}
	if (address == NULL || *address == '\0' || strlen(address) > 320) {
		wm_err_set(err, EX_DATAERR, "bad address for a link");
		return NULL;
	}
	payload = wm_asprintf(TOKEN_VERSION ":%s:%lld:%s", purpose,
	    (long long)expires, address);
	if (payload == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (token_mac(db, address, payload, NULL, mac, err) == -1)
		goto done;
	p64 = wm_b64url_encode(payload, strlen(payload));
	m64 = wm_b64url_encode(mac, sizeof(mac));
	if (p64 == NULL || m64 == NULL ||
	    (token = wm_asprintf("%s.%s", p64, m64)) == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
done:
	OPENSSL_cleanse(mac, sizeof(mac));
	free(payload);
	free(p64);
	free(m64);
	return token;
}

struct parsed {
	char		*payload;	/* owns the strings below */
	const char	*purpose;
	const char	*address;
	time_t		 expires;
	unsigned char	*mac;
	size_t		 maclen;
};

static void
parsed_free(struct parsed *t)
{
	free(t->payload);
	free(t->mac);
}

static int
invalid(struct wm_err *err)
{
	return wm_err_set(err, EX_NOPERM, "invalid link");
}

/* Splits and decodes the token; says nothing about its MAC yet. */
static int
token_parse(const char *token, struct parsed *t, struct wm_err *err)
{
	char *dot, *copy, *p, *end;
	size_t plen;
	long long exp;

	memset(t, 0, sizeof(*t));
	if (token == NULL || strlen(token) > TOKEN_MAX)
		return invalid(err);
	if ((copy = wm_strdup(token)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if ((dot = strchr(copy, '.')) == NULL) {
		free(copy);
		return invalid(err);
	}
	*dot = '\0';
	t->payload = (char *)wm_b64url_decode(copy, &plen);
	t->mac = wm_b64url_decode(dot + 1, &t->maclen);
	free(copy);
	if (t->payload == NULL || t->mac == NULL ||
	    t->maclen != SHA256_DIGEST_LENGTH || strlen(t->payload) != plen)
		goto bad;
	/* The MAC input is the decoded payload exactly as received. */
	p = t->payload;
	if (strncmp(p, TOKEN_VERSION ":", 2) != 0)
		goto bad;
	p += 2;
	/* purpose:expiry:address; the copy of the payload keeps its bytes. */
	if ((end = strchr(p, ':')) == NULL)
		goto bad;
	t->purpose = p;
	p = end + 1;
	exp = strtoll(p, &end, 10);
	if (end == p || *end != ':' || exp <= 0)
		goto bad;
	t->expires = (time_t)exp;
	t->address = end + 1;
	if (*t->address == '\0')
		goto bad;
	return 0;
bad:
	parsed_free(t);
	memset(t, 0, sizeof(*t));
	return invalid(err);
}

/* Hex SHA-256 of the token: what used_tokens remembers, never the token. */
static void
token_hash(const char *token, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)token, strlen(token), md);
	wm_hex(md, sizeof(md), out);
}

/* 1 when the token was consumed before, 0 when not, -1 on error. */
static int
token_used(struct wm_db *db, const char *token, struct wm_err *err)
{
	char hash[2 * SHA256_DIGEST_LENGTH + 1];
	sqlite3_stmt *st;
	int rc;

	token_hash(token, hash);
	st = wm_db_prepare(db, "SELECT 1 FROM used_tokens WHERE hash = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return wm_db_fail(db, "used tokens", err);
	return 0;
}

/*
 * A genuine sign-up link made while the account had no password, which it
 * has now: the holder is told so rather than "invalid".  Only the server
 * can make such a MAC, so this says nothing to a forger.
 */
static int
signed_before_password(struct wm_db *db, const struct parsed *t,
    unsigned char mac[SHA256_DIGEST_LENGTH])
{
	struct wm_err e;

	if (strncmp(t->purpose, "signup:", 7) != 0 ||
	    token_mac(db, t->address, t->payload, "", mac, &e) == -1)
		return 0;
	return wm_ct_equal(mac, t->mac, SHA256_DIGEST_LENGTH);
}

int
wm_token_check(struct wm_db *db, const char *token, const char *purpose,
    char **address_out, struct wm_err *err)
{
	unsigned char mac[SHA256_DIGEST_LENGTH];
	struct parsed t;
	char *payload_purpose;
	int rc = -1, used;

	if (address_out != NULL)
		*address_out = NULL;
	if (token_parse(token, &t, err) == -1)
		return -1;
	/* Re-terminate purpose for the compare without touching the MAC input. */
	payload_purpose = strndup(t.purpose, (size_t)(strchr(t.purpose, ':') -
	    t.purpose));
	if (payload_purpose == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	/*
	 * Used first: spending a link changes the password it is bound to, and
	 * "used" says more than "invalid" to the one who used it.
	 */
	if ((used = token_used(db, token, err)) == -1)
		goto done;
	if (used) {
		wm_err_set(err, EX_NOPERM, "link already used");
		goto done;
	}
	if (token_mac(db, t.address, t.payload, NULL, mac, err) == -1) {
		/* A missing secret is the box's fault; anything else is the link's. */
		if (err != NULL && err->code != EX_CONFIG &&
		    err->code != EX_TEMPFAIL)
			invalid(err);
		goto done;
	}
	if (purpose == NULL || strcmp(payload_purpose, purpose) != 0 ||
	    !wm_ct_equal(mac, t.mac, sizeof(mac))) {
		if (purpose != NULL && strcmp(payload_purpose, purpose) == 0 &&
		    signed_before_password(db, &t, mac))
			wm_err_set(err, EX_NOPERM, "link of before a password was "
			    "chosen");
		else
			invalid(err);
		goto done;
	}
	if (wm_now() > t.expires) {
		wm_err_set(err, EX_DATAERR, "link expired");
		goto done;
	}
	if (address_out != NULL &&
	    (*address_out = wm_strdup(t.address)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	OPENSSL_cleanse(mac, sizeof(mac));
	free(payload_purpose);
	parsed_free(&t);
	return rc;
}

int
wm_token_consume(struct wm_db *db, const char *token, struct wm_err *err)
{
	char hash[2 * SHA256_DIGEST_LENGTH + 1];
	struct parsed t;
	sqlite3_stmt *st;
	int rc;

	if (token_parse(token, &t, err) == -1)
		return -1;
	token_hash(token, hash);
	/* Rows past their link's expiry guard nothing: the expiry check does. */
	st = wm_db_prepare(db, "DELETE FROM used_tokens WHERE expires < ?", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	if (wm_db_step_done(db, st, "purge used tokens", err) == -1)
		goto fail;
	st = wm_db_prepare(db, "INSERT INTO used_tokens (hash, used, expires) "
	    "VALUES (?, ?, ?)", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)wm_now());
	sqlite3_bind_int64(st, 3, (sqlite3_int64)t.expires);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	parsed_free(&t);
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return wm_err_set(err, EX_NOPERM, "link already used");
	return wm_db_fail(db, "used tokens", err);
fail:
	parsed_free(&t);
	return -1;
}
