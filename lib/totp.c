/*
 * totp.c - see totp.h.  liboath does the RFC 6238 arithmetic; this module
 * adds storage, replay protection and recovery codes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <qrencode.h>

#include "db.h"
#include "err.h"
#include "totp.h"
#include "util.h"

static int
oath_ready(void)
{
	static int done;

	if (!done && oath_init() == OATH_OK)
		done = 1;
	return done ? 0 : -1;
}

char *
wm_totp_secret_new(struct wm_err *err)
{
	unsigned char raw[WM_TOTP_SECRET_BYTES];
	char *b32 = NULL;
	size_t len;

	if (oath_ready() == -1) {
		wm_err_set(err, EX_SOFTWARE, "liboath failed to start");
		return NULL;
	}
	if (wm_random_bytes(raw, sizeof(raw), err) == -1)
		return NULL;
	if (oath_base32_encode((char *)raw, sizeof(raw), &b32, &len) != OATH_OK) {
		OPENSSL_cleanse(raw, sizeof(raw));
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return b32;
}

/* The raw key of a base32 secret (malloc'd, *len bytes), NULL if invalid. */
static char *
decode(const char *b32, size_t *len)
{
	char *raw = NULL;

	if (oath_ready() == -1 || b32 == NULL || *b32 == '\0')
		return NULL;
	if (oath_base32_decode(b32, strlen(b32), &raw, len) != OATH_OK)
		return NULL;
	return raw;
}

static void
free_raw(char *raw, size_t len)
{
	if (raw == NULL)
		return;
	OPENSSL_cleanse(raw, len);
	free(raw);
}

int
wm_totp_code(const char *b32, time_t t, char *out, struct wm_err *err)
{
	size_t len = 0;
	char *raw;
	int rc;

	if ((raw = decode(b32, &len)) == NULL)
		return wm_err_set(err, EX_DATAERR, "invalid two-factor secret");
	rc = oath_totp_generate(raw, len, t, WM_TOTP_STEP, 0, WM_TOTP_DIGITS, out);
	free_raw(raw, len);
	if (rc != OATH_OK)
		return wm_err_set(err, EX_SOFTWARE, "totp: %s", oath_strerror(rc));
	return 0;
}

/* Six digits, spaces allowed in between (apps show "123 456"). */
static int
normalise_code(const char *in, char *out)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ' ')
			continue;
		if (!isdigit((unsigned char)*in) || n >= WM_TOTP_DIGITS)
			return -1;
		out[n++] = *in;
	}
	out[n] = '\0';
	return n == WM_TOTP_DIGITS ? 0 : -1;
}

long long
wm_totp_match(const char *b32, const char *code, time_t now, int window)
{
	char digits[WM_TOTP_DIGITS + 1];
	uint64_t counter = 0;
	size_t len = 0;
	char *raw;
	int pos, rc;

	if (code == NULL || normalise_code(code, digits) == -1)
		return -1;
	if ((raw = decode(b32, &len)) == NULL)
		return -1;
	rc = oath_totp_validate3(raw, len, now, WM_TOTP_STEP, 0, (size_t)window,
	    &pos, &counter, digits);
	free_raw(raw, len);
	if (rc < 0)
		return -1;
	return (long long)counter;
}

static int
uri_put(struct wm_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			if (wm_buf_append(b, s, 1) == -1)
				return -1;
		} else if (wm_buf_printf(b, "%%%02X", c) == -1)
			return -1;
	}
	return 0;
}

char *
wm_totp_uri(const char *issuer, const char *account, const char *b32)
{
	struct wm_buf b;

	wm_buf_init(&b);
	if (wm_buf_puts(&b, "otpauth://totp/") == -1 || uri_put(&b, issuer) == -1 ||
	    wm_buf_puts(&b, ":") == -1 || uri_put(&b, account) == -1 ||
	    wm_buf_printf(&b, "?secret=%s&issuer=", b32) == -1 ||
	    uri_put(&b, issuer) == -1 ||
	    wm_buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d",
	    WM_TOTP_DIGITS, WM_TOTP_STEP) == -1) {
		wm_buf_free_secret(&b);
		return NULL;
	}
	return wm_buf_take(&b);
}

char *
wm_totp_qr_svg(const char *text, struct wm_err *err)
{
	const int quiet = 4;
	struct wm_buf b;
	QRcode *qr;
	int x, y, size;

	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		wm_err_set(err, EX_SOFTWARE, "QR code could not be made");
		return NULL;
	}
	size = qr->width + 2 * quiet;
	wm_buf_init(&b);
	wm_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", size, size, size * 6,
	    size * 6, size, size);
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			/* Bit 0 of each module byte is "dark". */
			if (qr->data[y * qr->width + x] & 1)
				wm_buf_printf(&b, "M%d %dh1v1h-1z", x + quiet,
				    y + quiet);
	wm_buf_puts(&b, "\"/></svg>\n");
	QRcode_free(qr);
	if (b.data == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	return wm_buf_take(&b);
}

char *
wm_totp_qr_data_uri(const char *text, struct wm_err *err)
{
	static const char prefix[] = "data:image/svg+xml;base64,";
	char *svg, *out;
	size_t len, cap;

	if ((svg = wm_totp_qr_svg(text, err)) == NULL)
		return NULL;
	len = strlen(svg);
	cap = sizeof(prefix) + 4 * ((len + 2) / 3) + 1;
	if ((out = malloc(cap)) == NULL) {
		free(svg);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	memcpy(out, prefix, sizeof(prefix));
	EVP_EncodeBlock((unsigned char *)out + sizeof(prefix) - 1,
	    (const unsigned char *)svg, (int)len);
	free(svg);
	return out;
}

int
wm_totp_enabled(struct wm_db *db, const char *address, struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc, on = 0;

	st = wm_db_prepare(db, "SELECT totp_enabled FROM users WHERE address = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		on = sqlite3_column_int(st, 0) != 0;
	else if (rc != SQLITE_DONE) {
		wm_db_fail(db, "totp", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return on;
}

char *
wm_totp_secret(struct wm_db *db, const char *address, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *s = NULL;

	st = wm_db_prepare(db, "SELECT totp_secret FROM users WHERE address = ? "
	    "AND totp_secret IS NOT NULL", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = strdup(wm_db_text(st, 0));
	else
		wm_err_set(err, EX_NOINPUT, "two-factor authentication is not set up");
	sqlite3_finalize(st);
	return s;
}

/* Updates the user row; EX_NOUSER when no row changed. */
static int
update_user(struct wm_db *db, const char *sql, const char *address,
    const char *text, long long num, struct wm_err *err)
{
	sqlite3_stmt *st;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, num);
	if (wm_db_step_done(db, st, "totp", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) != 1)
		return wm_err_set(err, EX_NOUSER, "no such user");
	return 0;
}

char *
wm_totp_begin(struct wm_db *db, const char *address, struct wm_err *err)
{
	char *secret;

	if ((secret = wm_totp_secret_new(err)) == NULL)
		return NULL;
	/* Pending until confirmed: an enabled secret is never replaced here. */
	if (update_user(db, "UPDATE users SET totp_secret = ?2, totp_last_step = 0 "
	    "WHERE address = ?1 AND totp_enabled = 0", address, secret, 0,
	    err) == -1) {
		wm_free_secret(secret);
		return NULL;
	}
	return secret;
}

static void
recovery_hash(const char *code, char *out)
{
	unsigned char md[32];
	unsigned int len = 0;
	char norm[64];
	size_t n = 0;

	for (; *code != '\0' && n + 1 < sizeof(norm); code++)
		if (isalnum((unsigned char)*code))
			norm[n++] = (char)tolower((unsigned char)*code);
	norm[n] = '\0';
	EVP_Digest(norm, n, md, &len, EVP_sha256(), NULL);
	OPENSSL_cleanse(norm, sizeof(norm));
	wm_hex(md, sizeof(md), out);
}

void
wm_totp_codes_free(char **codes, size_t n)
{
	size_t i;

	if (codes == NULL)
		return;
	for (i = 0; i < n; i++)
		wm_free_secret(codes[i]);
	free(codes);
}

/* A code such as "k3xq-9fma-c2pe-77wd": 80 random bits, easy to copy. */
static char *
recovery_code(struct wm_err *err)
{
	char raw[17], *c;

	if (wm_random_token(raw, sizeof(raw), err) == -1)
		return NULL;
	c = wm_asprintf("%.4s-%.4s-%.4s-%.4s", raw, raw + 4, raw + 8, raw + 12);
	OPENSSL_cleanse(raw, sizeof(raw));
	if (c == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return c;
}

static int
store_recovery(struct wm_db *db, const char *address, char **codes, size_t n,
    struct wm_err *err)
{
	char hash[65];
	sqlite3_stmt *st;
	size_t i;

	st = wm_db_prepare(db, "DELETE FROM recovery_codes WHERE user_id = "
	    "(SELECT id FROM users WHERE address = ?)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (wm_db_step_done(db, st, "recovery codes", err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		st = wm_db_prepare(db, "INSERT INTO recovery_codes (user_id, hash) "
		    "SELECT id, ? FROM users WHERE address = ?", err);
		if (st == NULL)
			return -1;
		recovery_hash(codes[i], hash);
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
		if (wm_db_step_done(db, st, "recovery codes", err) == -1)
			return -1;
	}
	return 0;
}

static int
enable(struct wm_db *db, const char *address, long long step, char **codes,
    struct wm_err *err)
{
	if (wm_db_begin(db, err) == -1)
		return -1;
	if (update_user(db, "UPDATE users SET totp_enabled = 1, "
	    "totp_last_step = ?2 WHERE address = ?1", address, NULL, step,
	    err) == -1 ||
	    store_recovery(db, address, codes, WM_TOTP_RECOVERY, err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

int
wm_totp_confirm(struct wm_db *db, const char *address, const char *code,
    char ***codes_out, size_t *ncodes, struct wm_err *err)
{
	char **codes;
	char *secret;
	long long step;
	size_t i;

	if ((secret = wm_totp_secret(db, address, err)) == NULL)
		return -1;
	step = wm_totp_match(secret, code, wm_now(), WM_TOTP_WINDOW);
	wm_free_secret(secret);
	if (step < 0)
		return wm_err_set(err, EX_DATAERR, "That code is not right. Check "
		    "the clock of your phone and enter the current code.");
	if ((codes = calloc(WM_TOTP_RECOVERY, sizeof(*codes))) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	for (i = 0; i < WM_TOTP_RECOVERY; i++)
		if ((codes[i] = recovery_code(err)) == NULL) {
			wm_totp_codes_free(codes, i);
			return -1;
		}
	if (enable(db, address, step, codes, err) == -1) {
		wm_totp_codes_free(codes, WM_TOTP_RECOVERY);
		return -1;
	}
	*codes_out = codes;
	*ncodes = WM_TOTP_RECOVERY;
	return 0;
}

int
wm_totp_disable(struct wm_db *db, const char *address, struct wm_err *err)
{
	if (wm_db_begin(db, err) == -1)
		return -1;
	if (update_user(db, "UPDATE users SET totp_enabled = 0, totp_secret = NULL, "
	    "totp_last_step = ?2 WHERE address = ?1", address, NULL, 0,
	    err) == -1 ||
	    store_recovery(db, address, NULL, 0, err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

/* Uses step if it is newer than the last one used (one statement: no race). */
static int
take_step(struct wm_db *db, const char *address, long long step,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE users SET totp_last_step = ? WHERE "
	    "address = ? AND totp_enabled = 1 AND totp_last_step < ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, step);
	if (wm_db_step_done(db, st, "totp", err) == -1)
		return -1;
	return sqlite3_changes(wm_db_handle(db)) == 1 ? 1 : 0;
}

static int
take_recovery(struct wm_db *db, const char *address, const char *code,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	char hash[65];

	recovery_hash(code, hash);
	st = wm_db_prepare(db, "UPDATE recovery_codes SET used = ? WHERE hash = ? "
	    "AND used IS NULL AND user_id = (SELECT id FROM users WHERE "
	    "address = ? AND totp_enabled = 1)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, address, -1, SQLITE_STATIC);
	if (wm_db_step_done(db, st, "recovery code", err) == -1)
		return -1;
	return sqlite3_changes(wm_db_handle(db)) >= 1 ? 1 : 0;
}

int
wm_totp_verify(struct wm_db *db, const char *address, const char *code,
    int *recovery, struct wm_err *err)
{
	char *secret;
	long long step;
	int rc;

	*recovery = 0;
	if (code == NULL || *code == '\0')
		return wm_err_set(err, EX_NOPERM, "Enter the code from your "
		    "authenticator app.");
	if ((secret = wm_totp_secret(db, address, err)) == NULL)
		return wm_err_set(err, EX_NOPERM, "That code is not right.");
	step = wm_totp_match(secret, code, wm_now(), WM_TOTP_WINDOW);
	wm_free_secret(secret);
	if (step >= 0) {
		if ((rc = take_step(db, address, step, err)) == -1)
			return -1;
		if (rc == 1)
			return 0;
		return wm_err_set(err, EX_NOPERM, "That code was used already; "
		    "wait for the next one.");
	}
	if ((rc = take_recovery(db, address, code, err)) == -1)
		return -1;
	if (rc == 1) {
		*recovery = 1;
		return 0;
	}
	return wm_err_set(err, EX_NOPERM, "That code is not right.");
}

int
wm_totp_recovery_left(struct wm_db *db, const char *address, struct wm_err *err)
{
	sqlite3_stmt *st;
	int n = -1;

	st = wm_db_prepare(db, "SELECT count(*) FROM recovery_codes WHERE "
	    "used IS NULL AND user_id = (SELECT id FROM users WHERE address = ?)",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		wm_db_fail(db, "recovery codes", err);
	sqlite3_finalize(st);
	return n;
}
