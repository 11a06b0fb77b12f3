/*
 * test_totp.c - TOTP codes (RFC 6238 vectors and oathtool), otpauth URIs, QR
 * codes, enrolment, replay protection and recovery codes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "totp.h"
#include "testutil.h"

/* RFC 6238 appendix B: the SHA-1 key "12345678901234567890" in base32. */
#define RFC_KEY "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	struct wm_err err;

	wm_test_clock(1700000000);
	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	ck_assert_int_eq(wm_db_exec(db, "INSERT INTO users (address, domain, "
	    "password, created) VALUES ('bob@example.com', 'example.com', 'x', 1)",
	    &err), 0);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
	unsetenv("WM_NOW");
}

START_TEST(test_totp_codes_match_rfc6238_vectors)
{
	struct wm_err err;
	char code[WM_TOTP_DIGITS + 1];

	ck_assert_int_eq(wm_totp_code(RFC_KEY, 59, code, &err), 0);
	ck_assert_str_eq(code, "287082");
	ck_assert_int_eq(wm_totp_code(RFC_KEY, 1111111109, code, &err), 0);
	ck_assert_str_eq(code, "081804");
	ck_assert_int_eq(wm_totp_code(RFC_KEY, 2000000000, code, &err), 0);
	ck_assert_str_eq(code, "279037");
}
END_TEST

START_TEST(test_totp_secret_agrees_with_oathtool)
{
	struct wm_err err;
	char code[WM_TOTP_DIGITS + 1], line[64], *secret, *cmd;
	FILE *p;

	secret = wm_totp_secret_new(&err);
	ck_assert_ptr_nonnull(secret);
	ck_assert_uint_eq(strlen(secret), 32);
	cmd = wm_asprintf("oathtool --totp -b --now '2023-11-14 22:13:20 UTC' %s",
	    secret);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	ck_assert_int_eq(wm_totp_code(secret, 1700000000, code, &err), 0);
	ck_assert_str_eq(code, line);
	free(cmd);
	free(secret);
}
END_TEST

START_TEST(test_totp_match_allows_one_step_of_skew)
{
	char code[WM_TOTP_DIGITS + 1], spaced[16];
	struct wm_err err;
	long long step = 1111111109 / 30;

	ck_assert_int_eq(wm_totp_code(RFC_KEY, 1111111109, code, &err), 0);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, code, 1111111109, 1), step);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, code, 1111111109 + 30, 1), step);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, code, 1111111109 - 30, 1), step);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, code, 1111111109 + 61, 1), -1);
	snprintf(spaced, sizeof(spaced), "%.3s %.3s", code, code + 3);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, spaced, 1111111109, 1), step);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, "12345", 1111111109, 1), -1);
	ck_assert_int_eq(wm_totp_match(RFC_KEY, "12345a", 1111111109, 1), -1);
	ck_assert_int_eq(wm_totp_match("not base32!", code, 1111111109, 1), -1);
}
END_TEST

START_TEST(test_totp_uri_names_issuer_account_and_secret)
{
	char *uri = wm_totp_uri("Web Mail", "bob@example.com", RFC_KEY);

	ck_assert_str_eq(uri, "otpauth://totp/Web%20Mail:bob%40example.com?secret="
	    RFC_KEY "&issuer=Web%20Mail&algorithm=SHA1&digits=6&period=30");
	free(uri);
}
END_TEST

START_TEST(test_totp_qr_code_is_an_svg_data_uri)
{
	struct wm_err err;
	char *svg, *uri;

	svg = wm_totp_qr_svg("otpauth://totp/x:y?secret=" RFC_KEY, &err);
	ck_assert_ptr_nonnull(svg);
	ck_assert_ptr_nonnull(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	ck_assert_ptr_nonnull(strstr(svg, "h1v1h-1z"));
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	uri = wm_totp_qr_data_uri("otpauth://totp/x:y?secret=" RFC_KEY, &err);
	ck_assert_ptr_nonnull(uri);
	ck_assert_int_eq(strncmp(uri, "data:image/svg+xml;base64,PHN2Zy", 32), 0);
	free(svg);
	free(uri);
}
END_TEST

/* Enrols bob; returns the secret and fills codes. */
static char *
enrol(char ***codes, size_t *n)
{
	char code[WM_TOTP_DIGITS + 1], *secret;
	struct wm_err err;

	secret = wm_totp_begin(db, "bob@example.com", &err);
	ck_assert_msg(secret != NULL, "%s", err.msg);
	ck_assert_int_eq(wm_totp_enabled(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_totp_code(secret, 1700000000, code, &err), 0);
	ck_assert_msg(wm_totp_confirm(db, "bob@example.com", code, codes, n,
	    &err) == 0, "%s", err.msg);
	ck_assert_int_eq(wm_totp_enabled(db, "bob@example.com", &err), 1);
	return secret;
}

START_TEST(test_totp_enrolment_needs_a_right_code)
{
	struct wm_err err;
	char **codes = NULL;
	size_t n = 0;
	char *secret;

	secret = wm_totp_begin(db, "bob@example.com", &err);
	ck_assert_ptr_nonnull(secret);
	ck_assert_int_eq(wm_totp_confirm(db, "bob@example.com", "000000", &codes,
	    &n, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_totp_enabled(db, "bob@example.com", &err), 0);
	free(secret);
}
END_TEST

START_TEST(test_totp_code_is_accepted_once)
{
	char code[WM_TOTP_DIGITS + 1], *secret;
	struct wm_err err;
	char **codes;
	size_t n;
	int rec;

	secret = enrol(&codes, &n);
	/* The enrolment code itself was used: it cannot log in. */
	ck_assert_int_eq(wm_totp_code(secret, 1700000000, code, &err), 0);
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", code, &rec, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	wm_test_clock(1700000000 + 30);
	ck_assert_int_eq(wm_totp_code(secret, 1700000000 + 30, code, &err), 0);
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", code, &rec, &err), 0);
	ck_assert_int_eq(rec, 0);
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", code, &rec, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "used already"));
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", "123456", &rec,
	    &err), -1);
	wm_totp_codes_free(codes, n);
	free(secret);
}
END_TEST

START_TEST(test_totp_recovery_codes_are_hashed_and_single_use)
{
	struct wm_err err;
	sqlite3_stmt *st;
	char **codes, *secret, upper[32];
	size_t n, i;
	int rec;

	secret = enrol(&codes, &n);
	ck_assert_uint_eq(n, WM_TOTP_RECOVERY);
	ck_assert_int_eq(wm_totp_recovery_left(db, "bob@example.com", &err), 10);
	ck_assert_int_eq(sqlite3_prepare_v2(wm_db_handle(db), "SELECT count(*) "
	    "FROM recovery_codes WHERE hash = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, codes[0], -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	for (i = 0; codes[3][i] != '\0'; i++)
		upper[i] = (char)(codes[3][i] >= 'a' && codes[3][i] <= 'z' ?
		    codes[3][i] - 32 : codes[3][i]);
	upper[i] = '\0';
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", upper, &rec, &err), 0);
	ck_assert_int_eq(rec, 1);
	ck_assert_int_eq(wm_totp_recovery_left(db, "bob@example.com", &err), 9);
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", codes[3], &rec,
	    &err), -1);
	wm_totp_codes_free(codes, n);
	free(secret);
}
END_TEST

START_TEST(test_totp_disable_forgets_secret_and_codes)
{
	struct wm_err err;
	char **codes, *secret;
	size_t n;
	int rec;

	secret = enrol(&codes, &n);
	ck_assert_int_eq(wm_totp_disable(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_totp_enabled(db, "bob@example.com", &err), 0);
	ck_assert_ptr_null(wm_totp_secret(db, "bob@example.com", &err));
	ck_assert_int_eq(wm_totp_recovery_left(db, "bob@example.com", &err), 0);
	ck_assert_int_eq(wm_totp_verify(db, "bob@example.com", codes[0], &rec,
	    &err), -1);
	wm_totp_codes_free(codes, n);
	free(secret);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("totp");

	WM_TEST_F(s, test_totp_codes_match_rfc6238_vectors, setup, teardown);
	WM_TEST_F(s, test_totp_secret_agrees_with_oathtool, setup, teardown);
	WM_TEST_F(s, test_totp_match_allows_one_step_of_skew, setup, teardown);
	WM_TEST_F(s, test_totp_uri_names_issuer_account_and_secret, setup, teardown);
	WM_TEST_F(s, test_totp_qr_code_is_an_svg_data_uri, setup, teardown);
	WM_TEST_F(s, test_totp_enrolment_needs_a_right_code, setup, teardown);
	WM_TEST_F(s, test_totp_code_is_accepted_once, setup, teardown);
	WM_TEST_F(s, test_totp_recovery_codes_are_hashed_and_single_use, setup, teardown);
	WM_TEST_F(s, test_totp_disable_forgets_secret_and_codes, setup, teardown);
	return s;
}
