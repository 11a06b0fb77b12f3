/*
 * test_token.c - signed sign-up and reset links: they verify, tampering and
 * age and the wrong purpose are refused, they work once, and the key is the
 * server-secret in effect for the address.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "prefs.h"
#include "token.h"
#include "util.h"
#include "testutil.h"

#define T0	1800000000LL

static char		*dir;
static struct wm_db	*db;

static void
setup(void)
{
	struct wm_err err;

	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "server-secret",
	    "globalsecret0123456789", &err), 0);
	wm_test_clock(T0);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
	unsetenv("WM_NOW");
}

static char *
make(const char *addr, const char *purpose, long long expires)
{
	struct wm_err err;
	char *t = wm_token_make(db, addr, purpose, (time_t)expires, &err);

	ck_assert_msg(t != NULL, "%s", err.msg);
	return t;
}

START_TEST(test_valid_link_verifies_and_names_address)
{
	struct wm_err err;
	char *t = make("bob@example.com", "signup", T0 + 3600), *addr = NULL;
	const char *p;

	for (p = t; *p != '\0'; p++)
		ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_.", *p) != NULL, "not URL-safe: %s", t);
	ck_assert_int_eq(wm_token_check(db, t, "signup", &addr, &err), 0);
	ck_assert_str_eq(addr, "bob@example.com");
	free(addr);
	free(t);
}
END_TEST

START_TEST(test_tampered_byte_anywhere_is_refused)
{
	struct wm_err err;
	char *t = make("bob@example.com", "signup", T0 + 3600), *addr;
	size_t i, n = strlen(t);

	for (i = 0; i < n; i++) {
		char saved = t[i];

		if (t[i] == '.')
			continue;
		t[i] = t[i] == 'A' ? 'B' : 'A';
		addr = NULL;
		ck_assert_int_eq(wm_token_check(db, t, "signup", &addr, &err), -1);
		ck_assert_int_eq(err.code, EX_NOPERM);
		ck_assert_ptr_null(addr);
		t[i] = saved;
	}
	ck_assert_int_eq(wm_token_check(db, t, "signup", NULL, &err), 0);
	free(t);
}
END_TEST

START_TEST(test_other_address_with_copied_mac_is_refused)
{
	struct wm_err err;
	char *a = make("alice@example.com", "reset", T0 + 600);
	char *b = make("bob@example.com", "reset", T0 + 600);
	char *forged;

	/* bob's payload with alice's MAC. */
	*strchr(b, '.') = '\0';
	forged = wm_asprintf("%s%s", b, strchr(a, '.'));
	ck_assert_int_eq(wm_token_check(db, forged, "reset", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_str_eq(err.msg, "invalid link");
	free(forged);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_garbage_is_refused)
{
	struct wm_err err;
	const char *bad[] = { "", ".", "abc", "abc.def", "!!!.???",
	    "MTpzaWdudXA6MTA6YQ.", NULL };
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_int_eq(wm_token_check(db, bad[i], "signup", NULL, &err), -1);
		ck_assert_int_eq(err.code, EX_NOPERM);
	}
}
END_TEST

START_TEST(test_expired_link_is_refused)
{
	struct wm_err err;
	char *t = make("bob@example.com", "reset", T0 + 300 * 60);

	wm_test_clock(T0 + 300 * 60);
	ck_assert_int_eq(wm_token_check(db, t, "reset", NULL, &err), 0);
	wm_test_clock(T0 + 300 * 60 + 1);
	ck_assert_int_eq(wm_token_check(db, t, "reset", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_str_eq(err.msg, "link expired");
	free(t);
}
END_TEST

START_TEST(test_wrong_purpose_is_refused)
{
	struct wm_err err;
	char *t = make("bob@example.com", "signup", T0 + 3600);

	ck_assert_int_eq(wm_token_check(db, t, "reset", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_str_eq(err.msg, "invalid link");
	ck_assert_int_eq(wm_token_check(db, t, "signu", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	free(t);
}
END_TEST

START_TEST(test_link_works_once)
{
	struct wm_err err;
	char *t = make("bob@example.com", "signup", T0 + 3600);

	ck_assert_int_eq(wm_token_check(db, t, "signup", NULL, &err), 0);
	ck_assert_int_eq(wm_token_consume(db, t, &err), 0);
	ck_assert_int_eq(wm_token_consume(db, t, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	ck_assert_int_eq(wm_token_check(db, t, "signup", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	free(t);
}
END_TEST

START_TEST(test_used_rows_are_purged_after_expiry)
{
	struct wm_err err;
	sqlite3_stmt *st;
	char *a = make("a@example.com", "signup", T0 + 60);
	char *b = make("b@example.com", "signup", T0 + 7200);

	ck_assert_int_eq(wm_token_consume(db, a, &err), 0);
	wm_test_clock(T0 + 3600);
	ck_assert_int_eq(wm_token_consume(db, b, &err), 0);
	st = wm_db_prepare(db, "SELECT count(*) FROM used_tokens", &err);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_secret_per_domain_keys_its_links)
{
	struct wm_err err;
	char *before, *after, *other;

	before = make("bob@example.org", "signup", T0 + 3600);
	other = make("ann@example.com", "signup", T0 + 3600);
	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_DOMAIN, "example.org",
	    "server-secret", "domainsecret9876543210", &err), 0);
	/* A link made under the global secret no longer holds for the domain. */
	ck_assert_int_eq(wm_token_check(db, before, "signup", NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_NOPERM);
	after = make("bob@example.org", "signup", T0 + 3600);
	ck_assert_str_ne(before, after);
	ck_assert_int_eq(wm_token_check(db, after, "signup", NULL, &err), 0);
	ck_assert_int_eq(wm_token_check(db, other, "signup", NULL, &err), 0);
	/* Same payload, global key: refused. */
	ck_assert_int_eq(wm_pref_unset(db, WM_SCOPE_DOMAIN, "example.org",
	    "server-secret", &err), 0);
	ck_assert_int_eq(wm_token_check(db, after, "signup", NULL, &err), -1);
	ck_assert_int_eq(wm_token_check(db, before, "signup", NULL, &err), 0);
	free(before);
	free(after);
	free(other);
}
END_TEST

START_TEST(test_base64url_is_canonical)
{
	size_t n;
	unsigned char *d;
	char *e = wm_b64url_encode("ab", 2);

	ck_assert_str_eq(e, "YWI");
	d = wm_b64url_decode("YWI", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(d, "ab", 2);
	free(d);
	/* Same bytes, non-zero padding bits: a second spelling, refused. */
	ck_assert_ptr_null(wm_b64url_decode("YWJ", &n));
	ck_assert_ptr_null(wm_b64url_decode("YW+", &n));
	ck_assert_ptr_null(wm_b64url_decode("YWI=", &n));
	free(e);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("token");

	WM_TEST_F(s, test_valid_link_verifies_and_names_address, setup, teardown);
	WM_TEST_F(s, test_tampered_byte_anywhere_is_refused, setup, teardown);
	WM_TEST_F(s, test_other_address_with_copied_mac_is_refused, setup, teardown);
	WM_TEST_F(s, test_garbage_is_refused, setup, teardown);
	WM_TEST_F(s, test_expired_link_is_refused, setup, teardown);
	WM_TEST_F(s, test_wrong_purpose_is_refused, setup, teardown);
	WM_TEST_F(s, test_link_works_once, setup, teardown);
	WM_TEST_F(s, test_used_rows_are_purged_after_expiry, setup, teardown);
	WM_TEST_F(s, test_secret_per_domain_keys_its_links, setup, teardown);
	WM_TEST_F(s, test_base64url_is_canonical, setup, teardown);
	return s;
}
