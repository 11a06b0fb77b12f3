/*
 * test_prefs.c - the settings table, validation, and resolution
 * user -> domain -> global -> built-in default.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "prefs.h"
#include "util.h"
#include "testutil.h"

static char		*tmpdir;
static struct wm_db	*db;

static void
setup(void)
{
	struct wm_err err;
	char *path;

	tmpdir = wm_test_tmpdir();
	path = wm_asprintf("%s/wm.db", tmpdir);
	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	free(path);
}

static void
teardown(void)
{
	wm_db_close(db);
	db = NULL;
	wm_test_rmdir(tmpdir);
}

/* Effective value and the scope it came from, checked in one line. */
static void
expect(enum wm_scope scope, const char *owner, const char *name,
    const char *want, enum wm_scope want_from)
{
	struct wm_err err;
	enum wm_scope from = (enum wm_scope)-1;
	char *v;

	v = wm_pref_get(db, scope, owner, name, &from, &err);
	ck_assert_msg(v != NULL, "%s %s: %s", name, owner ? owner : "", err.msg);
	ck_assert_msg(strcmp(v, want) == 0, "%s for %s: got %s want %s", name,
	    owner ? owner : "global", v, want);
	ck_assert_msg(from == want_from, "%s for %s: from %s want %s", name,
	    owner ? owner : "global", wm_scope_name(from),
	    wm_scope_name(want_from));
	free(v);
}

static void
set_ok(enum wm_scope scope, const char *owner, const char *name,
    const char *value)
{
	struct wm_err err;

	ck_assert_msg(wm_pref_set(db, scope, owner, name, value, &err) == 0,
	    "set %s=%s: %s", name, value, err.msg);
}

static void
set_fails(enum wm_scope scope, const char *owner, const char *name,
    const char *value, int code)
{
	struct wm_err err;

	wm_err_clear(&err);
	ck_assert_msg(wm_pref_set(db, scope, owner, name, value, &err) == -1,
	    "set %s=%s at %s was accepted", name, value, wm_scope_name(scope));
	ck_assert_msg(err.code == code, "set %s=%s: code %d want %d (%s)", name,
	    value, err.code, code, err.msg);
	ck_assert_msg(err.msg[0] != '\0', "empty message");
}

static long long
num(const char *address, const char *name)
{
	struct wm_err err;
	long long n = -1;

	ck_assert_msg(wm_pref_user_num(db, address, name, &n, &err) == 0, "%s: %s",
	    name, err.msg);
	return n;
}

static int
flag(const char *address, const char *name)
{
	struct wm_err err;
	int b = -1;

	ck_assert_msg(wm_pref_user_bool(db, address, name, &b, &err) == 0,
	    "%s: %s", name, err.msg);
	return b;
}

START_TEST(test_quota_inherits_domain)
{
	struct wm_err err;

	expect(WM_SCOPE_USER, "bob@example.com", "quota", "1073741824",
	    WM_SCOPE_BUILTIN);
	set_ok(WM_SCOPE_GLOBAL, NULL, "quota", "1G");
	set_ok(WM_SCOPE_DOMAIN, "Example.COM", "quota", "2G");
	expect(WM_SCOPE_GLOBAL, NULL, "quota", "1073741824", WM_SCOPE_GLOBAL);
	expect(WM_SCOPE_DOMAIN, "example.com", "quota", "2147483648",
	    WM_SCOPE_DOMAIN);
	expect(WM_SCOPE_USER, "bob@example.com", "quota", "2147483648",
	    WM_SCOPE_DOMAIN);
	expect(WM_SCOPE_USER, "bob@EXAMPLE.com", "quota", "2147483648",
	    WM_SCOPE_DOMAIN);
	expect(WM_SCOPE_USER, "carol@other.example", "quota", "1073741824",
	    WM_SCOPE_GLOBAL);
	ck_assert_int_eq(num("bob@example.com", "quota"), 2147483648LL);

	set_ok(WM_SCOPE_USER, "bob@example.com", "quota", "512M");
	expect(WM_SCOPE_USER, "bob@example.com", "quota", "536870912",
	    WM_SCOPE_USER);
	ck_assert_int_eq(wm_pref_unset(db, WM_SCOPE_USER, "bob@example.com",
	    "quota", &err), 0);
	expect(WM_SCOPE_USER, "bob@example.com", "quota", "2147483648",
	    WM_SCOPE_DOMAIN);

	ck_assert_int_eq(wm_pref_unset(db, WM_SCOPE_DOMAIN, "example.com",
	    "quota", &err), 0);
	expect(WM_SCOPE_USER, "bob@example.com", "quota", "1073741824",
	    WM_SCOPE_GLOBAL);
	ck_assert_int_eq(wm_pref_unset(db, WM_SCOPE_GLOBAL, NULL, "quota",
	    &err), 0);
	expect(WM_SCOPE_USER, "bob@example.com", "quota", "1073741824",
	    WM_SCOPE_BUILTIN);
	/* Unsetting what is not set is not an error. */
	ck_assert_int_eq(wm_pref_unset(db, WM_SCOPE_GLOBAL, NULL, "quota",
	    &err), 0);
}
END_TEST

START_TEST(test_global_only_refuses_domain_and_user_scope)
{
	static const char *const global_only[] = { "relay-recipient",
	    "portal-base-url", "notification-sender", "postmaster",
	    "system-mail-secret", "max-attachment-size", "auto-cleanup-enabled",
	    "cleanup-interval", "signup-url", NULL };
	struct wm_err err;
	int i;

	for (i = 0; global_only[i] != NULL; i++) {
		ck_assert(wm_pref_find(global_only[i])->scopes == WM_SCOPES_GLOBAL);
		set_fails(WM_SCOPE_DOMAIN, "example.com", global_only[i], "x",
		    EX_USAGE);
		set_fails(WM_SCOPE_USER, "bob@example.com", global_only[i], "x",
		    EX_USAGE);
	}
	ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_DOMAIN, "example.com",
	    "max-attachment-size", "1M", &err), -1);
	ck_assert_msg(strstr(err.msg, "max-attachment-size") != NULL &&
	    strstr(err.msg, "domain") != NULL, "%s", err.msg);

	/* A stray row at a scope the setting does not allow is never used. */
	set_ok(WM_SCOPE_GLOBAL, NULL, "postmaster", "pm@corp.example");
	ck_assert_int_eq(wm_db_exec(db, "INSERT INTO properties VALUES "
	    "('domain', 'example.com', 'postmaster', 'evil@example.com')", &err), 0);
	expect(WM_SCOPE_USER, "bob@example.com", "postmaster", "pm@corp.example",
	    WM_SCOPE_GLOBAL);

	/* User-settable ones are accepted at every scope. */
	set_ok(WM_SCOPE_DOMAIN, "example.com", "login-allowed", "no");
	set_ok(WM_SCOPE_USER, "bob@example.com", "min-password-strength", "20");
	set_ok(WM_SCOPE_USER, "bob@example.com", "custom-2", "x");
	ck_assert(!flag("bob@example.com", "login-allowed"));
	ck_assert(flag("bob@other.example", "login-allowed"));
}
END_TEST

START_TEST(test_unknown_setting)
{
	struct wm_err err;
	long long n;

	set_fails(WM_SCOPE_GLOBAL, NULL, "quotas", "1G", EX_USAGE);
	ck_assert_ptr_null(wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "no-such",
	    NULL, &err));
	ck_assert_int_eq(err.code, EX_USAGE);
	ck_assert_msg(strstr(err.msg, "no-such") != NULL, "%s", err.msg);
	ck_assert_int_eq(wm_pref_unset(db, WM_SCOPE_GLOBAL, NULL, "no-such",
	    &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
	ck_assert_ptr_null(wm_pref_find("Quota"));
	ck_assert_int_eq(wm_pref_user_num(db, NULL, "no-such", &n, &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
}
END_TEST

START_TEST(test_bad_values)
{
	/* booleans */
	set_fails(WM_SCOPE_GLOBAL, NULL, "login-allowed", "maybe", EX_DATAERR);
	set_ok(WM_SCOPE_GLOBAL, NULL, "login-allowed", "OFF");
	expect(WM_SCOPE_GLOBAL, NULL, "login-allowed", "no", WM_SCOPE_GLOBAL);
	set_ok(WM_SCOPE_GLOBAL, NULL, "login-allowed", "true");
	expect(WM_SCOPE_GLOBAL, NULL, "login-allowed", "yes", WM_SCOPE_GLOBAL);
	/* integers */
	set_fails(WM_SCOPE_GLOBAL, NULL, "min-password-strength", "-1", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "min-password-strength", "ten", EX_DATAERR);
	/* sizes */
	set_fails(WM_SCOPE_GLOBAL, NULL, "quota", "1X", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "quota", "-5", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "quota", "", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "quota", "99999999999999999999", EX_DATAERR);
	/* minutes */
	set_fails(WM_SCOPE_GLOBAL, NULL, "signup-link-validity", "0", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "signup-link-validity", "5h", EX_DATAERR);
	set_ok(WM_SCOPE_GLOBAL, NULL, "password-reset-link-validity", "60");
	ck_assert_int_eq(num("a@b.example", "password-reset-link-validity"),
	    3600);
	/* intervals */
	set_fails(WM_SCOPE_GLOBAL, NULL, "cleanup-interval", "2 weeks", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "cleanup-interval", "0d", EX_DATAERR);
	set_ok(WM_SCOPE_GLOBAL, NULL, "cleanup-interval", "8H");
	expect(WM_SCOPE_GLOBAL, NULL, "cleanup-interval", "8h", WM_SCOPE_GLOBAL);
	/* URLs */
	set_fails(WM_SCOPE_GLOBAL, NULL, "portal-base-url", "ftp://x.example",
	    EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "portal-base-url", "https://", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "portal-base-url",
	    "https://a.example/x y", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "portal-base-url",
	    "https://a.example/\r\nX: y", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "portal-base-url",
	    "javascript:alert(1)", EX_DATAERR);
	/* addresses */
	set_fails(WM_SCOPE_GLOBAL, NULL, "postmaster", "no-at-sign", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "postmaster", "a@b.example\r\nBcc: c@d",
	    EX_DATAERR);
	set_ok(WM_SCOPE_GLOBAL, NULL, "postmaster", "pm@CORP.example");
	expect(WM_SCOPE_GLOBAL, NULL, "postmaster", "pm@corp.example",
	    WM_SCOPE_GLOBAL);
	/* secrets: too short, and the message must not echo the value */
	{
		struct wm_err err;

		ck_assert_int_eq(wm_pref_set(db, WM_SCOPE_GLOBAL, NULL,
		    "server-secret", "sh0rtS3cret", &err), -1);
		ck_assert_int_eq(err.code, EX_DATAERR);
		ck_assert_msg(strstr(err.msg, "sh0rtS3cret") == NULL, "%s",
		    err.msg);
	}
	set_fails(WM_SCOPE_GLOBAL, NULL, "server-secret",
	    "has a space inside it ok", EX_DATAERR);
	/* strings and header lines: no CR/LF */
	set_fails(WM_SCOPE_GLOBAL, NULL, "comment", "a\nb", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "header-external", "no colon", EX_DATAERR);
	set_fails(WM_SCOPE_GLOBAL, NULL, "header-external", "X-A: b\r\nX-B: c",
	    EX_DATAERR);
	set_ok(WM_SCOPE_GLOBAL, NULL, "header-external", "X-External: yes");
	/* owners */
	set_fails(WM_SCOPE_USER, "not an address", "quota", "1G", EX_DATAERR);
	set_fails(WM_SCOPE_DOMAIN, "bad..domain", "quota", "1G", EX_DATAERR);
	set_fails(WM_SCOPE_DOMAIN, "bob@example.com", "quota", "1G", EX_DATAERR);
	set_fails(WM_SCOPE_DOMAIN, NULL, "quota", "1G", EX_USAGE);
}
END_TEST

START_TEST(test_interval_parsing)
{
	static const char *const bad[] = { "", "h", "8", "8x", "-1d", "0d",
	    "1d2h", " 8h", "8h ", "1.5d", "99999999999999999w", NULL };
	long long s;
	int i;

	ck_assert_int_eq(wm_parse_interval("8h", &s), 0);
	ck_assert_int_eq(s, 28800);
	ck_assert_int_eq(wm_parse_interval("1d", &s), 0);
	ck_assert_int_eq(s, 86400);
	ck_assert_int_eq(wm_parse_interval("2w", &s), 0);
	ck_assert_int_eq(s, 1209600);
	ck_assert_int_eq(wm_parse_interval("30m", &s), 0);
	ck_assert_int_eq(s, 1800);
	ck_assert_int_eq(wm_parse_interval("45s", &s), 0);
	ck_assert_int_eq(s, 45);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(wm_parse_interval(bad[i], &s) == -1, "accepted \"%s\"",
		    bad[i]);
	ck_assert_int_eq(num(NULL, "cleanup-interval"), 1209600);
}
END_TEST

START_TEST(test_size_parsing)
{
	static const char *const bad[] = { "", "M", "1X", "-1", "1.5M", "1 M",
	    "10MBs", "99999999999999999999", "9999999999999G", NULL };
	long long b;
	int i;

	ck_assert_int_eq(wm_parse_size("10485760", &b), 0);
	ck_assert_int_eq(b, 10485760);
	ck_assert_int_eq(wm_parse_size("10M", &b), 0);
	ck_assert_int_eq(b, 10485760);
	ck_assert_int_eq(wm_parse_size("1G", &b), 0);
	ck_assert_int_eq(b, 1073741824);
	ck_assert_int_eq(wm_parse_size("4k", &b), 0);
	ck_assert_int_eq(b, 4096);
	ck_assert_int_eq(wm_parse_size("2GB", &b), 0);
	ck_assert_int_eq(b, 2147483648LL);
	ck_assert_int_eq(wm_parse_size("0", &b), 0);
	ck_assert_int_eq(b, 0);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(wm_parse_size(bad[i], &b) == -1, "accepted \"%s\"",
		    bad[i]);
	ck_assert_int_eq(num(NULL, "max-attachment-size"), 10485760);
}
END_TEST

START_TEST(test_secrets_generated_once)
{
	struct wm_err err;
	enum wm_scope from;
	char *s1, *m1, *s2, *m2;

	expect(WM_SCOPE_GLOBAL, NULL, "server-secret", "", WM_SCOPE_BUILTIN);
	ck_assert_int_eq(wm_prefs_init_secrets(db, &err), 0);
	s1 = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "server-secret", &from, &err);
	ck_assert_int_eq(from, WM_SCOPE_GLOBAL);
	m1 = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "system-mail-secret", &from,
	    &err);
	ck_assert_int_eq(strlen(s1), 32);
	ck_assert_int_eq(strlen(m1), 32);
	ck_assert_str_ne(s1, m1);
	ck_assert_int_eq(wm_pref_validate(wm_pref_find("server-secret"), s1,
	    &err), 0);
	ck_assert_int_eq(wm_prefs_init_secrets(db, &err), 0);
	s2 = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "server-secret", NULL, &err);
	m2 = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "system-mail-secret", NULL,
	    &err);
	ck_assert_str_eq(s1, s2);
	ck_assert_str_eq(m1, m2);
	/* A user inherits the global server secret unless given its own. */
	expect(WM_SCOPE_USER, "bob@example.com", "server-secret", s1,
	    WM_SCOPE_GLOBAL);
	free(s1);
	free(m1);
	free(s2);
	free(m2);
}
END_TEST

START_TEST(test_secrets_join_a_running_transaction)
{
	struct wm_err err;
	enum wm_scope from;
	char *v;

	/* wm-init may create the whole instance in one transaction. */
	ck_assert_int_eq(wm_db_begin(db, &err), 0);
	ck_assert_msg(wm_prefs_init_secrets(db, &err) == 0, "%s", err.msg);
	set_ok(WM_SCOPE_GLOBAL, NULL, "postmaster", "pm@corp.example");
	wm_db_rollback(db);
	expect(WM_SCOPE_GLOBAL, NULL, "postmaster", "postmaster@webmail.local",
	    WM_SCOPE_BUILTIN);
	v = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "server-secret", &from, &err);
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_int_eq(wm_db_begin(db, &err), 0);
	ck_assert_int_eq(wm_prefs_init_secrets(db, &err), 0);
	ck_assert_int_eq(wm_db_commit(db, &err), 0);
	v = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "server-secret", &from, &err);
	ck_assert_int_eq(strlen(v), 32);
	free(v);
}
END_TEST

START_TEST(test_urls_derive_from_portal_base_url)
{
	expect(WM_SCOPE_GLOBAL, NULL, "signup-url",
	    "https://localhost" WM_PATH_SIGNUP, WM_SCOPE_BUILTIN);
	set_ok(WM_SCOPE_GLOBAL, NULL, "portal-base-url", "https://mail.example/");
	expect(WM_SCOPE_USER, "bob@example.com", "signup-url",
	    "https://mail.example/portal/signup", WM_SCOPE_BUILTIN);
	expect(WM_SCOPE_GLOBAL, NULL, "password-reset-url",
	    "https://mail.example/portal/reset", WM_SCOPE_BUILTIN);
	expect(WM_SCOPE_GLOBAL, NULL, "webmail-login-url",
	    "https://mail.example/portal/login", WM_SCOPE_BUILTIN);
	set_ok(WM_SCOPE_GLOBAL, NULL, "signup-url", "https://other.example/join");
	expect(WM_SCOPE_GLOBAL, NULL, "signup-url", "https://other.example/join",
	    WM_SCOPE_GLOBAL);
}
END_TEST

START_TEST(test_audited_set_hides_secret)
{
	struct wm_err err;
	sqlite3_stmt *st;
	int rows = 0;

	ck_assert_int_eq(wm_pref_set_by(db, "admin", WM_SCOPE_GLOBAL, NULL,
	    "server-secret", "abcdefghijklmnopqrstuvwxyz012345", &err), 0);
	ck_assert_int_eq(wm_pref_set_by(db, "admin", WM_SCOPE_DOMAIN,
	    "example.com", "quota", "2G", &err), 0);
	ck_assert_int_eq(wm_pref_unset_by(db, "admin", WM_SCOPE_DOMAIN,
	    "example.com", "quota", &err), 0);
	/* A refused change leaves no audit line. */
	ck_assert_int_eq(wm_pref_set_by(db, "admin", WM_SCOPE_GLOBAL, NULL,
	    "quota", "lots", &err), -1);
	st = wm_db_prepare(db, "SELECT actor, action, detail FROM audit "
	    "ORDER BY id", &err);
	ck_assert_ptr_nonnull(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = wm_db_text(st, 2);

		rows++;
		ck_assert_str_eq(wm_db_text(st, 0), "admin");
		ck_assert_msg(strstr(detail, "abcdefghijkl") == NULL, "%s", detail);
		if (rows == 2)
			ck_assert_str_eq(detail, "quota = 2147483648 at domain "
			    "example.com");
		if (rows == 3)
			ck_assert_str_eq(wm_db_text(st, 1), "pref-unset");
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(rows, 3);
}
END_TEST

START_TEST(test_every_default_is_valid)
{
	const struct wm_pref_def *d;
	struct wm_err err;
	int n = 0;

	for (d = wm_pref_defs(); d->name != NULL; d++, n++) {
		ck_assert_msg(d->doc != NULL && d->doc[0] != '\0', "%s", d->name);
		ck_assert_msg(d->scopes & WM_SCOPES_GLOBAL, "%s", d->name);
		if (d->def[0] == '\0')
			continue;
		ck_assert_msg(wm_pref_validate(d, d->def, &err) == 0, "%s: %s",
		    d->name, err.msg);
	}
	ck_assert_int_ge(n, 25);
}
END_TEST

START_TEST(test_unset_owner_removes_user_settings)
{
	struct wm_err err;

	set_ok(WM_SCOPE_USER, "bob@example.com", "quota", "1M");
	set_ok(WM_SCOPE_USER, "bob@example.com", "comment", "vip");
	set_ok(WM_SCOPE_USER, "carol@example.com", "quota", "2M");
	ck_assert_int_eq(wm_prefs_unset_owner(db, WM_SCOPE_USER,
	    "bob@example.com", &err), 0);
	expect(WM_SCOPE_USER, "bob@example.com", "quota", "1073741824",
	    WM_SCOPE_BUILTIN);
	expect(WM_SCOPE_USER, "bob@example.com", "comment", "", WM_SCOPE_BUILTIN);
	expect(WM_SCOPE_USER, "carol@example.com", "quota", "2097152",
	    WM_SCOPE_USER);
}
END_TEST

/* A table that cannot be read: an error, never the built-in "yes" or 0. */
START_TEST(test_lookup_error_is_not_the_default)
{
	struct wm_err err;
	long long n = 7;
	int b = 7;

	ck_assert_int_eq(wm_db_exec(db, "ALTER TABLE properties RENAME TO gone",
	    &err), 0);
	ck_assert_int_eq(wm_pref_user_bool(db, "bob@example.com",
	    "login-allowed", &b, &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_int_eq(b, 7);
	ck_assert_int_eq(wm_pref_user_num(db, "bob@example.com", "quota", &n,
	    &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_int_eq(n, 7);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("prefs");

	WM_TEST_F(s, test_quota_inherits_domain, setup, teardown);
	WM_TEST_F(s, test_global_only_refuses_domain_and_user_scope, setup, teardown);
	WM_TEST_F(s, test_unknown_setting, setup, teardown);
	WM_TEST_F(s, test_bad_values, setup, teardown);
	WM_TEST_F(s, test_interval_parsing, setup, teardown);
	WM_TEST_F(s, test_size_parsing, setup, teardown);
	WM_TEST_F(s, test_secrets_generated_once, setup, teardown);
	WM_TEST_F(s, test_secrets_join_a_running_transaction, setup, teardown);
	WM_TEST_F(s, test_urls_derive_from_portal_base_url, setup, teardown);
	WM_TEST_F(s, test_audited_set_hides_secret, setup, teardown);
	WM_TEST_F(s, test_every_default_is_valid, setup, teardown);
	WM_TEST_F(s, test_unset_owner_removes_user_settings, setup, teardown);
	WM_TEST_F(s, test_lookup_error_is_not_the_default, setup, teardown);
	return s;
}
