/*
 * test_password.c - yescrypt hashing and the strength rules of guide 6.1.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "password.h"
#include "testutil.h"

#define ADDR	"martijn@djigzo.com"

/* Refused with EX_DATAERR and a message containing hint. */
static void
assert_rule(const char *pw, const char *addr, int min_bits, const char *hint)
{
	struct wm_err err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(wm_password_check(pw, addr, min_bits, &err) == -1,
	    "accepted: %s", pw);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, hint) != NULL, "%s: message '%s' lacks '%s'",
	    pw, err.msg, hint);
	ck_assert_msg(*pw == '\0' || strstr(err.msg, pw) == NULL,
	    "message repeats the password");
}

static void
assert_accepted(const char *pw, const char *addr, int min_bits)
{
	struct wm_err err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(wm_password_check(pw, addr, min_bits, &err) == 0,
	    "%s refused: %s", pw, err.msg);
}

START_TEST(test_password_hash_is_yescrypt_and_verifies)
{
	struct wm_err err;
	char *h1, *h2;

	h1 = wm_password_hash("correct horse battery staple", &err);
	ck_assert_ptr_nonnull(h1);
	ck_assert_msg(strncmp(h1, "$y$", 3) == 0, "not yescrypt: %s", h1);
	ck_assert(wm_password_verify("correct horse battery staple", h1));
	ck_assert(!wm_password_verify("correct horse battery stapl", h1));
	ck_assert(!wm_password_verify("Correct horse battery staple", h1));
	ck_assert(!wm_password_verify("", h1));
	/* A fresh salt each time. */
	h2 = wm_password_hash("correct horse battery staple", &err);
	ck_assert_ptr_nonnull(h2);
	ck_assert_str_ne(h1, h2);
	ck_assert(wm_password_verify("correct horse battery staple", h2));
	free(h1);
	free(h2);
}
END_TEST

START_TEST(test_password_verify_refuses_junk_hashes)
{
	ck_assert(!wm_password_verify("x", NULL));
	ck_assert(!wm_password_verify("x", ""));
	ck_assert(!wm_password_verify("x", "*"));
	ck_assert(!wm_password_verify("x", "$y$garbage"));
	ck_assert(!wm_password_verify("", "$y$"));
}
END_TEST

START_TEST(test_password_hash_refuses_empty)
{
	struct wm_err err;

	ck_assert_ptr_null(wm_password_hash("", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
}
END_TEST

START_TEST(test_password_entropy_follows_nist_appendix_a)
{
	ck_assert(wm_password_entropy("") == 0);
	ck_assert(wm_password_entropy("a") == 4);
	ck_assert(wm_password_entropy("abcdefgh") == 4 + 7 * 2);
	ck_assert(wm_password_entropy("abcdefghijklmnopqrst") == 18 + 12 * 1.5);
	ck_assert(wm_password_entropy("abcdefghijklmnopqrstuv") == 36 + 2);
	/* composition bonus needs upper case AND a non-letter */
	ck_assert(wm_password_entropy("Abcdefgh") == 18);
	ck_assert(wm_password_entropy("abcdefg1") == 18);
	ck_assert(wm_password_entropy("Abcdefg1") == 24);
	/* a UTF-8 character counts once */
	ck_assert(wm_password_entropy("\xc3\xa9") == 4);
	ck_assert(wm_password_entropy("\xc3\xa9" "a") == 6);
}
END_TEST

START_TEST(test_password_rule_based_on_address)
{
	assert_rule("MARTIJNsecret42!", ADDR, 15, "based on the email address");
	assert_rule("xyzdjigzo2024#Q", ADDR, 15, "based on the email address");
	assert_rule("tijn@dj", ADDR, 15, "based on the email address");
	/* parts shorter than 3 do not count */
	assert_accepted("my ab kitchen window 7", "ab@cd.example", 15);
	/* the domain's later labels are not the name of anything personal */
	assert_accepted("comfortable chair 9", ADDR, 15);
	/* a quoted local part counts without its quotes */
	assert_rule("xx john doe yy", "\"john doe\"@example.com", 15,
	    "based on the email address");
}
END_TEST

START_TEST(test_password_rule_keyboard_run)
{
	assert_rule("xqwerty9!Zk", ADDR, 15, "keyboard sequence");
	assert_rule("Zk!ytrewq9x", ADDR, 15, "keyboard sequence");
	assert_rule("7ASDFGH!x", ADDR, 15, "keyboard sequence");
	assert_rule("abc234567xyz", ADDR, 15, "keyboard sequence");
	assert_rule("x=-09876K", ADDR, 15, "keyboard sequence");
	assert_rule("a/.,mnbv", ADDR, 15, "keyboard sequence");
	assert_rule("p;lkjhgX", ADDR, 15, "keyboard sequence");
	assert_rule("Vuiop[]9", ADDR, 15, "keyboard sequence");
	/* five in a row is allowed */
	assert_accepted("qwert!Zx9k", ADDR, 15);
	/* neighbours across rows are not a run */
	assert_accepted("qazwsx!Zx9k", ADDR, 15);
}
END_TEST

START_TEST(test_password_rule_repeated_characters)
{
	assert_rule("Xaaaaaa!9k", ADDR, 15, "repeats a character");
	assert_rule("k9!Z######", ADDR, 15, "repeats a character");
	assert_accepted("Xaaaaa!9k", ADDR, 15);
}
END_TEST

START_TEST(test_password_rule_entropy)
{
	assert_rule("kitten", ADDR, 15, "too weak");
	assert_rule("kitten", ADDR, 15, "at least 15");
	assert_accepted("kittens", ADDR, 15);
	assert_rule("Tr0ub4dor&3", ADDR, 30, "too weak");
	assert_accepted("Tr0ub4dor&3", ADDR, 28);
}
END_TEST

START_TEST(test_password_rules_apply_in_order)
{
	/* address and keyboard run and repeats and weak: address wins */
	assert_rule("martijn", ADDR, 100, "based on the email address");
	/* keyboard run and repeats and weak: keyboard wins */
	assert_rule("qwertyyyyyy", ADDR, 100, "keyboard sequence");
	/* repeats and weak: repeats wins */
	assert_rule("zzzzzzzz", ADDR, 100, "repeats a character");
	assert_rule("", ADDR, 15, "empty");
}
END_TEST

START_TEST(test_password_check_without_address)
{
	assert_accepted("martijn is here", NULL, 15);
	assert_rule("qwerty1", NULL, 15, "keyboard sequence");
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("password");

	WM_TEST(s, test_password_hash_is_yescrypt_and_verifies);
	WM_TEST(s, test_password_verify_refuses_junk_hashes);
	WM_TEST(s, test_password_hash_refuses_empty);
	WM_TEST(s, test_password_entropy_follows_nist_appendix_a);
	WM_TEST(s, test_password_rule_based_on_address);
	WM_TEST(s, test_password_rule_keyboard_run);
	WM_TEST(s, test_password_rule_repeated_characters);
	WM_TEST(s, test_password_rule_entropy);
	WM_TEST(s, test_password_rules_apply_in_order);
	WM_TEST(s, test_password_check_without_address);
	return s;
}
