/*
 * test_address.c - what the box accepts as an address and the one form it
 * keeps it in.
 */
#include <check.h>
#include <string.h>

#include "address.h"
#include "err.h"
#include "testutil.h"

static void
assert_normal(const char *in, const char *want)
{
	char out[WM_ADDRESS_MAX + 1];
	struct wm_err err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(wm_address_normalize(in, out, sizeof(out), &err) == 0,
	    "%s refused: %s", in, err.msg);
	ck_assert_str_eq(out, want);
}

/* Refused with EX_DATAERR and a message containing hint. */
static void
assert_refused(const char *in, const char *hint)
{
	char out[WM_ADDRESS_MAX + 1];
	struct wm_err err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(wm_address_normalize(in, out, sizeof(out), &err) == -1,
	    "accepted: %s", in);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, hint) != NULL, "%s: message '%s' lacks '%s'",
	    in, err.msg, hint);
}

START_TEST(test_address_accepts_plain_addresses)
{
	assert_normal("bob@example.com", "bob@example.com");
	assert_normal("first.last+tag@sub.example.co.uk",
	    "first.last+tag@sub.example.co.uk");
	assert_normal("o'hara!#$%&*/=?^_`{|}~-@x.org", "o'hara!#$%&*/=?^_`{|}~-@x.org");
	assert_normal("a@localhost", "a@localhost");
	assert_normal("a@123.example", "a@123.example");
}
END_TEST

START_TEST(test_address_folds_case_of_domain_only)
{
	assert_normal("Bob.Smith@EXAMPLE.Com", "Bob.Smith@example.com");
	assert_normal("BOB@Example.COM", "BOB@example.com");
}
END_TEST

START_TEST(test_address_drops_one_trailing_dot_refuses_more)
{
	assert_normal("bob@example.com.", "bob@example.com");
	assert_refused("bob@example.com..", "more than one dot");
	assert_refused("bob@.", "empty");
}
END_TEST

START_TEST(test_address_accepts_quoted_local_parts)
{
	assert_normal("\"john doe\"@example.com", "\"john doe\"@example.com");
	assert_normal("\"a@b\"@Example.com", "\"a@b\"@example.com");
	assert_normal("\"quote\\\"inside\"@example.com",
	    "\"quote\\\"inside\"@example.com");
	assert_normal("\"..\"@example.com", "\"..\"@example.com");
	/* one spelling: unneeded quotes and escapes go */
	assert_normal("\"bob\"@example.com", "bob@example.com");
	assert_normal("\"b\\ob.smith\"@example.com", "bob.smith@example.com");
	assert_normal("\"a\\ b\"@example.com", "\"a b\"@example.com");
	assert_normal("\"a\\\\b\"@example.com", "\"a\\\\b\"@example.com");
	assert_refused("\"\"@example.com", "quoted");
	assert_refused("\"open@example.com", "quoted");
	assert_refused("\"a\"b@example.com", "quoted");
}
END_TEST

START_TEST(test_address_accepts_utf8_local_part_only_when_valid)
{
	assert_normal("j\xc3\xb6rg@example.com", "j\xc3\xb6rg@example.com");
	assert_normal("\xe7\x94\xa8\xe6\x88\xb7@example.com",
	    "\xe7\x94\xa8\xe6\x88\xb7@example.com");
	assert_refused("j\xf6rg@example.com", "UTF-8");		/* Latin-1 */
	assert_refused("\xc0\xaf@example.com", "UTF-8");	/* overlong '/' */
	assert_refused("\xed\xa0\x80@example.com", "UTF-8");	/* surrogate */
	assert_refused("a\xe7\x94@example.com", "UTF-8");	/* truncated */
	assert_refused("\"j\xf6rg\"@example.com", "UTF-8");
}
END_TEST

START_TEST(test_address_refuses_display_names_and_brackets)
{
	assert_refused("Bob <bob@example.com>", "angle brackets");
	assert_refused("<bob@example.com>", "angle brackets");
	assert_refused("Bob bob@example.com", "space");
	assert_refused(" bob@example.com", "space");
	assert_refused("bob@example.com ", "space");
	assert_refused("bob@exa mple.com", "space");
}
END_TEST

START_TEST(test_address_refuses_line_breaks_and_controls)
{
	assert_refused("bob@example.com\r\nBcc: eve@evil.example", "line break");
	assert_refused("bob@example.com\n", "line break");
	assert_refused("bo\tb@example.com", "control");
	assert_refused("bob\x7f@example.com", "control");
	assert_refused("bob@exam\x01ple.com", "control");
	assert_refused("\xc2\x85@example.com", "UTF-8");	/* C1 NEL */
}
END_TEST

START_TEST(test_address_refuses_missing_or_empty_parts)
{
	assert_refused("", "empty");
	assert_refused("bob", "no @");
	assert_refused("@example.com", "empty local");
	assert_refused("bob@", "empty domain");
	assert_refused("bob@@example.com", "more than one @");
	assert_refused("a@b@example.com", "more than one @");
}
END_TEST

START_TEST(test_address_refuses_bad_dots_in_local_part)
{
	assert_refused(".bob@example.com", "dot");
	assert_refused("bob.@example.com", "dot");
	assert_refused("b..ob@example.com", "dot");
	assert_refused("bo(b)@example.com", "quoting");
	assert_refused("bo\\b@example.com", "quoting");
}
END_TEST

START_TEST(test_address_refuses_bad_domains)
{
	char label[80], addr[400];

	assert_refused("bob@exa_mple.com", "letters, digits, hyphens");
	assert_refused("bob@-example.com", "hyphen");
	assert_refused("bob@example-.com", "hyphen");
	assert_refused("bob@example..com", "empty label");
	assert_refused("bob@.example.com", "empty label");
	assert_refused("bob@[127.0.0.1]", "literal");
	assert_refused("bob@example.com/../etc", "letters, digits, hyphens");
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(addr, sizeof(addr), "bob@%s.com", label);
	assert_refused(addr, "label longer than 63");
	label[63] = '\0';
	snprintf(addr, sizeof(addr), "bob@%s.com", label);
	assert_normal(addr, addr);
	/* 4 labels of 63 + 3 dots + ".a" = 256 > 253 */
	snprintf(addr, sizeof(addr), "b@%s.%s.%s.%s.a", label, label, label, label);
	assert_refused(addr, "domain longer than 253");
}
END_TEST

START_TEST(test_address_accepts_a_labels_refuses_raw_idn)
{
	assert_normal("bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example");
	assert_normal("bob@XN--BCHER-KVA.example", "bob@xn--bcher-kva.example");
	assert_refused("bob@b\xc3\xbc" "cher.example", "xn--");
	/* Garbage bytes in the domain get the same safe refusal. */
	assert_refused("bob@\xff\xfe.example", "xn--");
	assert_refused("bob@\xe2\x80\xae" "moc.example", "xn--");
}
END_TEST

START_TEST(test_address_length_limits)
{
	char local[80], addr[400], dom[300];
	size_t i;

	memset(local, 'l', 65);
	local[65] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	assert_refused(addr, "local part longer than 64");
	local[64] = '\0';
	/* 64 + 1 + 253 = 318: longest accepted domain with a full local part */
	for (i = 0; i < 253; i++)
		dom[i] = (i % 50 == 49) ? '.' : 'd';
	dom[253] = '\0';
	snprintf(addr, sizeof(addr), "%s@%s", local, dom);
	assert_normal(addr, addr);
	memset(addr, 'a', 330);
	addr[330] = '\0';
	addr[10] = '@';
	assert_refused(addr, "longer than 320");
}
END_TEST

START_TEST(test_address_small_buffer_fails_cleanly)
{
	char out[8];
	struct wm_err err;

	ck_assert_int_eq(wm_address_normalize("bob@example.com", out, sizeof(out),
	    &err), -1);
	ck_assert_int_ne(err.code, 0);
}
END_TEST

START_TEST(test_address_domain_is_after_last_at)
{
	ck_assert_str_eq(wm_address_domain("bob@example.com"), "example.com");
	ck_assert_str_eq(wm_address_domain("\"a@b\"@example.com"), "example.com");
	ck_assert_str_eq(wm_address_domain("nodomain"), "");
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("address");

	WM_TEST(s, test_address_accepts_plain_addresses);
	WM_TEST(s, test_address_folds_case_of_domain_only);
	WM_TEST(s, test_address_drops_one_trailing_dot_refuses_more);
	WM_TEST(s, test_address_accepts_quoted_local_parts);
	WM_TEST(s, test_address_accepts_utf8_local_part_only_when_valid);
	WM_TEST(s, test_address_refuses_display_names_and_brackets);
	WM_TEST(s, test_address_refuses_line_breaks_and_controls);
	WM_TEST(s, test_address_refuses_missing_or_empty_parts);
	WM_TEST(s, test_address_refuses_bad_dots_in_local_part);
	WM_TEST(s, test_address_refuses_bad_domains);
	WM_TEST(s, test_address_accepts_a_labels_refuses_raw_idn);
	WM_TEST(s, test_address_length_limits);
	WM_TEST(s, test_address_small_buffer_fails_cleanly);
	WM_TEST(s, test_address_domain_is_after_last_at);
	return s;
}
