/*
 * test_tunnel.c - the envelope of wm-tunnel(5): what is accepted, what is
 * refused with which reason, and that the original comes back byte for byte.
 */
#include <check.h>
#include <string.h>

#include "err.h"
#include "tunnel.h"
#include "util.h"
#include "testutil.h"

static struct wm_tunnel *
parse(const char *s, struct wm_err *err)
{
	return wm_tunnel_parse(s, strlen(s), err);
}

START_TEST(test_parses_envelope_and_finds_original)
{
	static const char s[] = "Content-Type: message/rfc822\r\n"
	    "WM-Tunnel-Version: 1\r\nWM-Envelope-Sender: alice@corp.example\r\n"
	    "WM-Envelope-Recipient: bob@customer.example\r\n"
	    "WM-Read-Receipt: yes\r\nWM-Expires: 2027-01-31T00:00:00Z\r\n\r\n"
	    "From: a\r\n\r\nbody";
	struct wm_tunnel *t;
	struct wm_err err;

	t = parse(s, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_int_eq(t->version, 1);
	ck_assert_str_eq(t->sender, "alice@corp.example");
	ck_assert_uint_eq(t->nrecipients, 1);
	ck_assert_str_eq(t->recipients[0], "bob@customer.example");
	ck_assert_int_eq(t->read_receipt, 1);
	ck_assert_int_eq(t->expires, 1801353600);
	ck_assert_uint_eq(t->original_len, strlen("From: a\r\n\r\nbody"));
	ck_assert(memcmp(t->original, "From: a\r\n\r\nbody", t->original_len) == 0);
	wm_tunnel_free(t);
}
END_TEST

START_TEST(test_unsupported_version_is_refused)
{
	struct wm_err err;

	ck_assert_ptr_null(parse("Content-Type: message/rfc822\n"
	    "WM-Tunnel-Version: 2\nWM-Envelope-Recipient: b@c.example\n\nx", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "unsupported WM-Tunnel-Version") != NULL,
	    "%s", err.msg);
}
END_TEST

START_TEST(test_repeated_recipients_are_kept_once_each)
{
	struct wm_tunnel *t;
	struct wm_err err;

	t = parse("Content-Type: message/rfc822\nWM-Tunnel-Version: 1\n"
	    "WM-Envelope-Recipient: bob@customer.example\n"
	    "wm-envelope-recipient: carol@other.example\n"
	    "WM-Envelope-Recipient: bob@CUSTOMER.example\n"
	    "WM-Envelope-Recipient: dave@x.example\n\nbody\n", &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_uint_eq(t->nrecipients, 3);
	ck_assert_str_eq(t->recipients[0], "bob@customer.example");
	ck_assert_str_eq(t->recipients[1], "carol@other.example");
	ck_assert_str_eq(t->recipients[2], "dave@x.example");
	ck_assert_str_eq(t->sender, "");
	ck_assert_int_eq(t->read_receipt, 0);
	ck_assert_int_eq(t->expires, 0);
	wm_tunnel_free(t);
}
END_TEST

START_TEST(test_missing_version_is_refused)
{
	struct wm_err err;

	ck_assert_ptr_null(parse("Content-Type: message/rfc822\n"
	    "WM-Envelope-Recipient: b@c.example\n\nx", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_str_eq(err.msg, "missing WM-Tunnel-Version");
}
END_TEST

START_TEST(test_no_recipient_is_refused)
{
	struct wm_err err;

	ck_assert_ptr_null(parse("Content-Type: message/rfc822\n"
	    "WM-Tunnel-Version: 1\nWM-Envelope-Sender: a@b.example\n\nx", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "no recipient") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_malformed_recipient_address_is_refused)
{
	struct wm_err err;

	ck_assert_ptr_null(parse("Content-Type: message/rfc822\n"
	    "WM-Tunnel-Version: 1\nWM-Envelope-Recipient: Bob <bob@x.example>\n"
	    "\nx", &err));
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "malformed recipient address") != NULL,
	    "%s", err.msg);
	ck_assert_ptr_null(parse("Content-Type: message/rfc822\n"
	    "WM-Tunnel-Version: 1\nWM-Envelope-Recipient: ../../etc@\n\nx", &err));
	ck_assert_msg(strstr(err.msg, "malformed recipient address") != NULL,
	    "%s", err.msg);
}
END_TEST

START_TEST(test_unknown_wm_fields_are_ignored)
{
	struct wm_tunnel *t;
	struct wm_err err;

	t = parse("Content-Type: message/rfc822; charset=x\n"
	    "WM-Tunnel-Version: 1\nWM-Future-Thing: whatever\n"
	    "X-Other: y\nWM-Envelope-Recipient: b@c.example\n\nx", &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	wm_tunnel_free(t);
}
END_TEST

START_TEST(test_folded_field_is_unfolded)
{
	struct wm_tunnel *t;
	struct wm_err err;

	t = parse("Content-Type: message/rfc822\nWM-Tunnel-Version: 1\n"
	    "WM-Envelope-Recipient:\n b@c.example\n\nx", &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_str_eq(t->recipients[0], "b@c.example");
	wm_tunnel_free(t);
}
END_TEST

START_TEST(test_not_rfc822_or_unterminated_is_refused)
{
	struct wm_err err;

	ck_assert_ptr_null(parse("Content-Type: text/plain\nWM-Tunnel-Version: 1\n"
	    "WM-Envelope-Recipient: b@c.example\n\nx", &err));
	ck_assert_msg(strstr(err.msg, "not a tunnel") != NULL, "%s", err.msg);
	ck_assert_ptr_null(parse("WM-Tunnel-Version: 1\n"
	    "WM-Envelope-Recipient: b@c.example\n\nx", &err));
	ck_assert_msg(strstr(err.msg, "not a tunnel") != NULL, "%s", err.msg);
	ck_assert_ptr_null(parse("Content-Type: message/rfc822\n"
	    "WM-Tunnel-Version: 1\nWM-Envelope-Recipient: b@c.example\n", &err));
	ck_assert_msg(strstr(err.msg, "not a tunnel") != NULL, "%s", err.msg);
	ck_assert_ptr_null(parse("", &err));
	ck_assert_ptr_null(parse("\n", &err));
}
END_TEST

START_TEST(test_bad_optional_fields_are_refused)
{
	struct wm_err err;

	ck_assert_ptr_null(parse("Content-Type: message/rfc822\nWM-Tunnel-Version: 1\n"
	    "WM-Envelope-Recipient: b@c.example\nWM-Expires: tomorrow\n\nx", &err));
	ck_assert_msg(strstr(err.msg, "WM-Expires") != NULL, "%s", err.msg);
	ck_assert_ptr_null(parse("Content-Type: message/rfc822\nWM-Tunnel-Version: 1\n"
	    "WM-Envelope-Recipient: b@c.example\nWM-Read-Receipt: maybe\n\nx", &err));
	ck_assert_msg(strstr(err.msg, "WM-Read-Receipt") != NULL, "%s", err.msg);
}
END_TEST

static void
round_trip(const char *orig, size_t len)
{
	char *rcpts[] = { "bob@customer.example", "carol@other.example" };
	struct wm_tunnel in, *out;
	struct wm_buf b;
	struct wm_err err;

	memset(&in, 0, sizeof(in));
	in.sender = "alice@corp.example";
	in.recipients = rcpts;
	in.nrecipients = 2;
	in.read_receipt = 1;
	in.expires = 1801353600;
	wm_buf_init(&b);
	ck_assert_msg(wm_tunnel_build(&in, orig, len, &b, &err) == 0, "%s", err.msg);
	out = wm_tunnel_parse(b.data, b.len, &err);
	ck_assert_msg(out != NULL, "%s", err.msg);
	ck_assert_uint_eq(out->original_len, len);
	ck_assert(memcmp(out->original, orig, len) == 0);
	ck_assert_str_eq(out->sender, "alice@corp.example");
	ck_assert_uint_eq(out->nrecipients, 2);
	ck_assert_int_eq(out->read_receipt, 1);
	ck_assert_int_eq(out->expires, 1801353600);
	wm_tunnel_free(out);
	wm_buf_free(&b);
}

START_TEST(test_round_trip_keeps_crlf)
{
	static const char o[] = "From: a@b.example\r\nSubject: x\r\n\r\nline\r\n\r\n";

	round_trip(o, sizeof(o) - 1);
}
END_TEST

START_TEST(test_round_trip_keeps_lf_and_missing_final_newline)
{
	static const char o[] = "From: a@b.example\n\nline\nlast line";

	round_trip(o, sizeof(o) - 1);
}
END_TEST

START_TEST(test_round_trip_keeps_binary_bytes)
{
	char o[512];
	size_t i;

	memcpy(o, "Subject: bin\r\n\r\n", 16);
	for (i = 16; i < sizeof(o); i++)
		o[i] = (char)(1 + i % 255);	/* every byte value but NUL */
	round_trip(o, sizeof(o));
}
END_TEST

START_TEST(test_round_trip_of_empty_original)
{
	round_trip("", 0);
}
END_TEST

START_TEST(test_build_refuses_crlf_in_sender_and_bad_recipient)
{
	char *bad[] = { "bob@x.example\r\nBcc: eve@evil.example" };
	char *good[] = { "bob@x.example" };
	struct wm_tunnel in;
	struct wm_buf b;
	struct wm_err err;

	memset(&in, 0, sizeof(in));
	wm_buf_init(&b);
	in.sender = "a@b.example";
	in.recipients = bad;
	in.nrecipients = 1;
	ck_assert_int_eq(wm_tunnel_build(&in, "x", 1, &b, &err), -1);
	in.recipients = good;
	in.sender = "a@b.example\nX: y";
	ck_assert_int_eq(wm_tunnel_build(&in, "x", 1, &b, &err), -1);
	wm_buf_free(&b);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("tunnel");
	TCase *tc = tcase_create("tunnel");

	tcase_add_test(tc, test_parses_envelope_and_finds_original);
	tcase_add_test(tc, test_unsupported_version_is_refused);
	tcase_add_test(tc, test_repeated_recipients_are_kept_once_each);
	tcase_add_test(tc, test_missing_version_is_refused);
	tcase_add_test(tc, test_no_recipient_is_refused);
	tcase_add_test(tc, test_malformed_recipient_address_is_refused);
	tcase_add_test(tc, test_unknown_wm_fields_are_ignored);
	tcase_add_test(tc, test_folded_field_is_unfolded);
	tcase_add_test(tc, test_not_rfc822_or_unterminated_is_refused);
	tcase_add_test(tc, test_bad_optional_fields_are_refused);
	tcase_add_test(tc, test_round_trip_keeps_crlf);
	tcase_add_test(tc, test_round_trip_keeps_lf_and_missing_final_newline);
	tcase_add_test(tc, test_round_trip_keeps_binary_bytes);
	tcase_add_test(tc, test_round_trip_of_empty_original);
	tcase_add_test(tc, test_build_refuses_crlf_in_sender_and_bad_recipient);
	suite_add_tcase(s, tc);
	return s;
}
