/*
 * test_template.c - mail templates: lookup order user > domain > global >
 * file, values with line breaks refused, the header block checked, non-ASCII
 * headers encoded, and the shipped templates render.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "prefs.h"
#include "template.h"
#include "util.h"
#include "testutil.h"

static char		*dir;
static struct wm_db	*db;
static struct wm_config	*cfg;

static void
setup(void)
{
	struct wm_err err;
	char *path;

	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
	path = wm_asprintf("%s/tpl/mail", dir);
	ck_assert_int_eq(wm_mkdir_p(path, 0755, &err), 0);
	free(path);
	path = wm_asprintf("%s/tpl/mail/signup.cs", dir);
	wm_test_write(path, "From: a@example.com\nTo: <?cs var:to ?>\n"
	    "Subject: FILE\n\nbody\n");
	free(path);
	cfg = wm_config_new(dir);
	ck_assert_int_eq(wm_config_set(cfg, "paths", "templates", "tpl"), 0);
}

static void
teardown(void)
{
	wm_config_free(cfg);
	wm_db_close(db);
	wm_test_rmdir(dir);
}

static char *
set_body(const char *word)
{
	return wm_asprintf("From: a@example.com\nTo: <?cs var:to ?>\n"
	    "Subject: %s\n\nbody\n", word);
}

static void
store(enum wm_scope scope, const char *owner, const char *word)
{
	struct wm_err err;
	char *b = set_body(word);

	ck_assert_msg(wm_template_set(db, scope, owner, "signup", b, &err) == 0,
	    "%s", err.msg);
	free(b);
}

/* The Subject the user would get. */
static void
expect_subject(const char *address, const char *want)
{
	struct wm_tvars *v = wm_tvars_new();
	struct wm_err err;
	char *mail, *line;

	ck_assert_int_eq(wm_tvars_set(v, "to", address, &err), 0);
	mail = wm_template_mail(cfg, db, address, "signup", v, &err);
	ck_assert_msg(mail != NULL, "%s", err.msg);
	line = wm_asprintf("\nSubject: %s\n", want);
	ck_assert_msg(strstr(mail, line) != NULL, "want %s in:\n%s", want, mail);
	free(line);
	free(mail);
	wm_tvars_free(v);
}

START_TEST(test_override_order_user_domain_global_file)
{
	struct wm_err err;

	expect_subject("bob@example.com", "FILE");
	store(WM_SCOPE_GLOBAL, NULL, "GLOBAL");
	expect_subject("bob@example.com", "GLOBAL");
	store(WM_SCOPE_DOMAIN, "example.com", "DOMAIN");
	expect_subject("bob@example.com", "DOMAIN");
	store(WM_SCOPE_USER, "bob@example.com", "USER");
	expect_subject("bob@example.com", "USER");
	/* Neighbours see only what applies to them. */
	expect_subject("ann@example.com", "DOMAIN");
	expect_subject("bob@example.org", "GLOBAL");
	ck_assert_int_eq(wm_template_unset(db, WM_SCOPE_USER, "bob@example.com",
	    "signup", &err), 0);
	expect_subject("bob@example.com", "DOMAIN");
	ck_assert_int_eq(wm_template_unset(db, WM_SCOPE_DOMAIN, "example.com",
	    "signup", &err), 0);
	expect_subject("bob@example.com", "GLOBAL");
	ck_assert_int_eq(wm_template_unset(db, WM_SCOPE_GLOBAL, NULL, "signup",
	    &err), 0);
	expect_subject("bob@example.com", "FILE");
	ck_assert_int_eq(wm_template_unset(db, WM_SCOPE_GLOBAL, NULL, "signup",
	    &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
}
END_TEST

START_TEST(test_find_reports_scope)
{
	struct wm_err err;
	enum wm_scope from;
	char *src;

	store(WM_SCOPE_DOMAIN, "example.com", "DOMAIN");
	src = wm_template_find(cfg, db, "bob@example.com", "signup", &from, &err);
	ck_assert_ptr_nonnull(src);
	ck_assert_int_eq(from, WM_SCOPE_DOMAIN);
	free(src);
	src = wm_template_find(cfg, db, NULL, "signup", &from, &err);
	ck_assert_ptr_nonnull(src);
	ck_assert_int_eq(from, WM_SCOPE_BUILTIN);
	free(src);
	src = wm_template_find(cfg, db, NULL, "read-receipt", &from, &err);
	ck_assert_ptr_null(src);
	ck_assert_int_eq(err.code, EX_NOINPUT);
}
END_TEST

START_TEST(test_crlf_in_header_variable_is_refused)
{
	struct wm_tvars *v = wm_tvars_new();
	struct wm_err err;

	ck_assert_int_eq(wm_tvars_set(v, "to", "x@example.com\r\nBcc: "
	    "evil@example.net", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_tvars_set(v, "subject", "hi\nBcc: evil@example.net",
	    &err), -1);
	ck_assert_int_eq(wm_tvars_set(v, "subject", "hi\rthere", &err), -1);
	ck_assert_int_eq(wm_tvars_set(v, "subject", "fine", &err), 0);
	wm_tvars_free(v);
}
END_TEST

static char *
finish(const char *text, struct wm_err *err)
{
	return wm_template_finish_mail(text, err);
}

START_TEST(test_header_block_is_checked)
{
	struct wm_err err;
	char *m;

	ck_assert_ptr_null(finish("To: a@example.com\nSubject: x\n\nbody\n", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_ptr_null(finish("From: a@example.com\nTo: b@example.com\n"
	    "this is no header\n\nbody\n", &err));
	ck_assert_ptr_null(finish(" From: a@example.com\nTo: b@example.com\n\nx\n",
	    &err));
	ck_assert_ptr_null(finish("From: a@example.com\nTo: b@example.com\n"
	    "Subject: a\rb\n\nx\n", &err));
	ck_assert_ptr_null(finish("From: a@example.com\nTo: b@example.com\n", &err));
	m = finish("From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n"
	    "  folded\r\n\r\nline\r\n", &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert_ptr_null(strchr(m, '\r'));
	ck_assert_ptr_nonnull(strstr(m, "Subject: s  folded\n"));
	ck_assert_ptr_nonnull(strstr(m, "Content-Type: text/plain; charset=utf-8\n"));
	ck_assert_ptr_nonnull(strstr(m, "\n\nline\n"));
	free(m);
}
END_TEST

START_TEST(test_box_headers_cannot_come_from_template)
{
	struct wm_err err;
	char *m;

	m = finish("Message-ID: <fake@x>\nFrom: a@example.com\nTo: b@example.com\n"
	    "X-WM-System-Mail: forged\nAuto-Submitted: no\nDate: yesterday\n"
	    "\nbody\n", &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert_ptr_null(strstr(m, "fake@x"));
	ck_assert_ptr_null(strstr(m, "forged"));
	ck_assert_ptr_null(strstr(m, "Auto-Submitted"));
	ck_assert_ptr_null(strstr(m, "yesterday"));
	free(m);
}
END_TEST

START_TEST(test_non_ascii_headers_are_encoded)
{
	struct wm_err err;
	char *m, *end;
	const char *p;

	m = finish("From: J\xc3\xbcrgen <a@example.com>\nTo: b@example.com\n"
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln\n\nK\xc3\xb6ln\n", &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	end = strstr(m, "\n\n");
	ck_assert_ptr_nonnull(end);
	for (p = m; p < end; p++)
		ck_assert_msg((unsigned char)*p < 0x80, "8-bit header:\n%s", m);
	ck_assert_ptr_nonnull(strstr(m, "Subject: =?"));
	ck_assert_ptr_nonnull(strstr(m, "<a@example.com>"));
	/* The body keeps its UTF-8, announced by the MIME headers. */
	ck_assert_ptr_nonnull(strstr(end, "K\xc3\xb6ln"));
	free(m);
	ck_assert_ptr_null(finish("From: a@example.com\nTo: b@example.com\n"
	    "Subject: \xff\xfe\n\nx\n", &err));
	/* An address GMime cannot encode stays out (found by fuzz_token). */
	ck_assert_ptr_null(finish("From:b\nTo: c\xc7\x9bx\n\nb\n", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
}
END_TEST

START_TEST(test_long_headers_are_folded)
{
	struct wm_err err;
	const char *p, *eol, *end;
	char *m;

	m = finish("From: a@example.com\nTo: b@example.com\nSubject: Gr\xc3\xbc"
	    "\xc3\x9f" "e aus K\xc3\xb6ln und eine sehr lange Betreffzeile, die weit "
	    "\xc3\xbc" "ber achtundsiebzig Zeichen hinausgeht und noch weiter geht\n"
	    "X-Long: plain ascii words that go on and on beyond the seventy-eight "
	    "character limit of a line\n\nbody\n", &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	end = strstr(m, "\n\n");
	for (p = m; p < end; p = eol + 1) {
		eol = strchr(p, '\n');
		ck_assert_msg(eol - p <= 78, "line too long in:\n%s", m);
	}
	ck_assert_ptr_nonnull(strstr(m, "\n X-Long") == NULL ? strstr(m,
	    "\nX-Long: plain") : NULL);
	free(m);
}
END_TEST

START_TEST(test_set_refuses_broken_or_unknown_template)
{
	struct wm_err err;

	ck_assert_int_eq(wm_template_set(db, WM_SCOPE_GLOBAL, NULL, "signup",
	    "<?cs bogus:x ?>", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_template_set(db, WM_SCOPE_GLOBAL, NULL, "nosuch",
	    "x", &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
	ck_assert_int_eq(wm_template_set(db, WM_SCOPE_DOMAIN, "", "signup",
	    "x", &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
}
END_TEST

START_TEST(test_value_is_not_template_code)
{
	struct wm_tvars *v = wm_tvars_new();
	struct wm_err err;
	char *out;

	ck_assert_int_eq(wm_tvars_set(v, "subject", "<?cs var:secret ?>", &err), 0);
	ck_assert_int_eq(wm_tvars_set(v, "secret", "LEAK", &err), 0);
	out = wm_template_render("t", "S: <?cs var:subject ?>", v, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "S: <?cs var:secret ?>");
	free(out);
	wm_tvars_free(v);
}
END_TEST

START_TEST(test_shipped_templates_render)
{
	const char *const *n;
	struct wm_config *c;
	struct wm_tvars *v;
	struct wm_err err;
	char top[PATH_MAX], *tdir, *m;
	static const char *vars[] = { "to", "bob@example.com", "from",
	    "notify@example.com", "address", "bob@example.com", "link",
	    "https://wm.example/portal/signup?t=abc", "expires",
	    "2027-01-01T00:00:00Z", "unseen", "2", "mailbox", "bob@example.com",
	    "sender", "alice@example.net", "subject", "Quarterly report",
	    "postmaster", "pm@example.com", "role", "sender", "reason",
	    "signature does not verify", "size", "1234", "message_id", "<x@y>",
	    "read", "2027-01-01T00:00:00Z", NULL };
	int i;

	/* Unit tests run from the top of the source tree. */
	ck_assert_ptr_nonnull(realpath(".", top));
	tdir = wm_asprintf("%s/templates", top);
	c = wm_config_new(top);
	wm_config_set(c, "paths", "templates", tdir);
	for (n = wm_template_names(); *n != NULL; n++) {
		v = wm_tvars_new();
		for (i = 0; vars[i] != NULL; i += 2)
			ck_assert_int_eq(wm_tvars_set(v, vars[i], vars[i + 1], &err),
			    0);
		m = wm_template_mail(c, db, "bob@example.com", *n, v, &err);
		ck_assert_msg(m != NULL, "%s: %s", *n, err.msg);
		ck_assert_msg(strncmp(m, "From: notify@example.com\nTo: "
		    "bob@example.com\nSubject: ", 52) == 0, "%s:\n%s", *n, m);
		ck_assert_msg(strstr(m, "<?cs") == NULL, "%s", m);
		free(m);
		wm_tvars_free(v);
	}
	wm_config_free(c);
	free(tdir);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("template");

	WM_TEST_F(s, test_override_order_user_domain_global_file, setup, teardown);
	WM_TEST_F(s, test_find_reports_scope, setup, teardown);
	WM_TEST_F(s, test_crlf_in_header_variable_is_refused, setup, teardown);
	WM_TEST_F(s, test_header_block_is_checked, setup, teardown);
	WM_TEST_F(s, test_box_headers_cannot_come_from_template, setup, teardown);
	WM_TEST_F(s, test_non_ascii_headers_are_encoded, setup, teardown);
	WM_TEST_F(s, test_long_headers_are_folded, setup, teardown);
	WM_TEST_F(s, test_set_refuses_broken_or_unknown_template, setup, teardown);
	WM_TEST_F(s, test_value_is_not_template_code, setup, teardown);
	WM_TEST_F(s, test_shipped_templates_render, setup, teardown);
	return s;
}
