/*
 * test_smime.c - decrypting with several relay keys, verifying opaque and
 * detached signatures, refusing what is tampered, unsigned, untrusted or not
 * for us, and accepting tunnels made by the stock openssl command.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "err.h"
#include "pki.h"
#include "smime.h"
#include "util.h"
#include "testutil.h"
#include "pkifix.h"

static char *dir;

static void
setup_pki(void)
{
	dir = wm_test_tmpdir();
	fix_pki(dir);
}

static void
teardown_pki(void)
{
	wm_test_rmdir(dir);
	dir = NULL;
}

static X509_STORE *
store_with(const char *root)
{
	X509_STORE *s = X509_STORE_new();
	X509 *x = fix_cert(dir, root);

	X509_STORE_add_cert(s, x);
	X509_free(x);
	X509_VERIFY_PARAM_set_purpose(X509_STORE_get0_param(s),
	    X509_PURPOSE_SMIME_SIGN);
	return s;
}

/* Signs as signer, encrypts to relay cert `to`. */
static void
seal(const void *content, size_t len, const char *signer, int flags,
    const char *to, struct wm_buf *out)
{
	struct wm_buf signed_;
	struct wm_err err;
	X509 *cert = fix_cert(dir, signer), *rc = fix_cert(dir, to);
	EVP_PKEY *key = fix_key(dir, signer);

	wm_buf_init(&signed_);
	wm_buf_init(out);
	ck_assert_msg(wm_smime_sign(content, len, cert, key, NULL, flags, &signed_,
	    &err) == 0, "%s", err.msg);
	ck_assert_msg(wm_smime_encrypt(signed_.data, signed_.len, rc, out,
	    &err) == 0, "%s", err.msg);
	wm_buf_free(&signed_);
	X509_free(cert);
	X509_free(rc);
	EVP_PKEY_free(key);
}

struct keys {
	struct wm_keypair	v[2];
	size_t			n;
};

static void
keys_of(struct keys *k, const char *a, const char *b)
{
	memset(k, 0, sizeof(*k));
	k->v[0].cert = fix_cert(dir, a);
	k->v[0].key = fix_key(dir, a);
	k->n = 1;
	if (b != NULL) {
		k->v[1].cert = fix_cert(dir, b);
		k->v[1].key = fix_key(dir, b);
		k->n = 2;
	}
}

static void
keys_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		X509_free(k->v[i].cert);
		EVP_PKEY_free(k->v[i].key);
	}
}

/* Decrypt and verify; returns -1 with err on refusal. */
static int
open_it(const struct wm_buf *mail, const char *relay, const char *root,
    struct wm_buf *content, struct wm_err *err)
{
	struct wm_smime_signed sig;
	struct wm_buf plain;
	X509_STORE *store;
	struct keys k;
	int rc;

	keys_of(&k, relay, NULL);
	wm_buf_init(&plain);
	wm_buf_init(content);
	rc = wm_smime_decrypt(mail->data, mail->len, k.v, k.n, 0, &plain, err);
	keys_free(&k);
	if (rc == -1) {
		wm_buf_free(&plain);
		return -1;
	}
	store = store_with(root);
	rc = wm_smime_verify(plain.data, plain.len, store, &sig, err);
	X509_STORE_free(store);
	wm_buf_free(&plain);
	if (rc == 0) {
		ck_assert_ptr_nonnull(sig.signer);
		wm_buf_append(content, sig.content, sig.len);
		wm_smime_signed_clear(&sig);
	}
	return rc;
}

static const char original[] =
    "From: Alice <alice@corp.example>\r\nTo: bob@customer.example\r\n"
    "Subject: =?UTF-8?B?w6k=?=\r\n\r\nline one\r\nbinary \x01\xff\xfe\r\n"
    "no final newline";

START_TEST(test_opaque_round_trip_is_byte_identical)
{
	struct wm_buf mail, content;
	struct wm_err err;
	char bin[300];
	size_t i;

	/* NUL bytes too: opaque signed-data carries any octets. */
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)i;
	seal(bin, sizeof(bin), "gw", 0, "relay", &mail);
	ck_assert_msg(open_it(&mail, "relay", "ca", &content, &err) == 0, "%s",
	    err.msg);
	ck_assert_uint_eq(content.len, sizeof(bin));
	ck_assert(memcmp(content.data, bin, sizeof(bin)) == 0);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_detached_round_trip_is_byte_identical)
{
	struct wm_buf mail, content;
	struct wm_err err;

	seal(original, sizeof(original) - 1, "gw", WM_SMIME_DETACHED, "relay",
	    &mail);
	ck_assert_msg(open_it(&mail, "relay", "ca", &content, &err) == 0, "%s",
	    err.msg);
	ck_assert_uint_eq(content.len, sizeof(original) - 1);
	ck_assert(memcmp(content.data, original, content.len) == 0);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_decrypts_with_the_matching_one_of_several_keys)
{
	struct wm_buf mail, plain;
	struct wm_err err;
	struct keys k;

	seal(original, sizeof(original) - 1, "gw", 0, "relay", &mail);
	keys_of(&k, "other", "relay");
	wm_buf_init(&plain);
	ck_assert_msg(wm_smime_decrypt(mail.data, mail.len, k.v, k.n, 0, &plain,
	    &err) == 0, "%s", err.msg);
	ck_assert_uint_gt(plain.len, 0);
	keys_free(&k);
	wm_buf_free(&mail);
	wm_buf_free(&plain);
}
END_TEST

START_TEST(test_wrong_recipient_cert_is_not_encrypted_to_us)
{
	struct wm_buf mail, content;
	struct wm_err err;

	seal(original, sizeof(original) - 1, "gw", 0, "other", &mail);
	ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "not encrypted to us") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "another certificate") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "CN=other") != NULL, "%s", err.msg);
	ck_assert_int_eq(ERR_peek_error(), 0);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_plain_mail_is_not_encrypted_to_us)
{
	struct wm_buf mail, content;
	struct wm_err err;

	wm_buf_init(&mail);
	wm_buf_puts(&mail, original);
	ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "not encrypted to us") != NULL, "%s", err.msg);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_truncated_mail_is_refused)
{
	struct wm_buf mail, content;
	struct wm_err err;

	seal(original, sizeof(original) - 1, "gw", 0, "relay", &mail);
	mail.len = mail.len * 2 / 3;
	ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_tampered_ciphertext_is_refused)
{
	struct wm_buf mail, content;
	struct wm_err err;
	char *body;
	size_t off;

	seal(original, sizeof(original) - 1, "gw", 0, "relay", &mail);
	body = strstr(mail.data, "\n\n");
	ck_assert_ptr_nonnull(body);
	/* Flip base64 characters well inside the encrypted content. */
	for (off = (size_t)(body - mail.data) + 2 + (mail.len - (size_t)(body -
	    mail.data)) * 3 / 4; off < mail.len; off++) {
		if (mail.data[off] == '\n')
			continue;
		mail.data[off] = mail.data[off] == 'A' ? 'B' : 'A';
		break;
	}
	ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_tampered_signed_content_is_refused)
{
	struct wm_smime_signed sig;
	struct wm_buf signed_, out;
	struct wm_err err;
	X509 *cert = fix_cert(dir, "gw");
	EVP_PKEY *key = fix_key(dir, "gw");
	ASN1_OCTET_STRING **pos;
	CMS_ContentInfo *cms;
	X509_STORE *store;
	BIO *in, *o;
	char *p;
	long n;

	wm_buf_init(&signed_);
	ck_assert(wm_smime_sign(original, sizeof(original) - 1, cert, key, NULL,
	    0, &signed_, &err) == 0);
	in = BIO_new_mem_buf(signed_.data, (int)signed_.len);
	cms = SMIME_read_CMS(in, NULL);
	ck_assert_ptr_nonnull(cms);
	pos = CMS_get0_content(cms);
	((unsigned char *)ASN1_STRING_get0_data(*pos))[5] ^= 1;
	o = BIO_new(BIO_s_mem());
	ck_assert_int_eq(SMIME_write_CMS(o, cms, NULL, CMS_BINARY), 1);
	n = BIO_get_mem_data(o, &p);
	wm_buf_init(&out);
	wm_buf_append(&out, p, (size_t)n);
	store = store_with("ca");
	ck_assert_int_eq(wm_smime_verify(out.data, out.len, store, &sig, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "bad signature") != NULL, "%s", err.msg);
	ck_assert_ptr_null(sig.content);
	X509_STORE_free(store);
	BIO_free(in);
	BIO_free(o);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
	EVP_PKEY_free(key);
	wm_buf_free(&signed_);
	wm_buf_free(&out);
}
END_TEST

START_TEST(test_tampered_detached_content_is_refused)
{
	struct wm_smime_signed sig;
	struct wm_buf signed_;
	struct wm_err err;
	X509 *cert = fix_cert(dir, "gw");
	EVP_PKEY *key = fix_key(dir, "gw");
	X509_STORE *store;
	char *at;

	wm_buf_init(&signed_);
	ck_assert(wm_smime_sign(original, sizeof(original) - 1, cert, key, NULL,
	    WM_SMIME_DETACHED, &signed_, &err) == 0);
	at = strstr(signed_.data, "line one");
	ck_assert_ptr_nonnull(at);
	at[0] = 'L';
	store = store_with("ca");
	ck_assert_int_eq(wm_smime_verify(signed_.data, signed_.len, store, &sig,
	    &err), -1);
	ck_assert_msg(strstr(err.msg, "bad signature") != NULL, "%s", err.msg);
	X509_STORE_free(store);
	X509_free(cert);
	EVP_PKEY_free(key);
	wm_buf_free(&signed_);
}
END_TEST

START_TEST(test_untrusted_signer_is_refused)
{
	struct wm_buf mail, content;
	struct wm_err err;

	seal(original, sizeof(original) - 1, "rogue", 0, "relay", &mail);
	ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "untrusted signer") != NULL, "%s", err.msg);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_untrusted_detached_signer_is_refused)
{
	struct wm_buf mail, content;
	struct wm_err err;
	int i;

	seal(original, sizeof(original) - 1, "rogue", WM_SMIME_DETACHED, "relay",
	    &mail);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
		ck_assert_int_eq(err.code, EX_DATAERR);
		ck_assert_msg(strstr(err.msg, "untrusted signer") != NULL, "%s",
		    err.msg);
		wm_buf_free(&content);
	}
	wm_buf_free(&mail);
}
END_TEST

START_TEST(test_signer_without_smime_purpose_is_refused)
{
	struct wm_buf mail, content;
	struct wm_err err;

	seal(original, sizeof(original) - 1, "tls", 0, "relay", &mail);
	ck_assert_int_eq(open_it(&mail, "relay", "ca", &content, &err), -1);
	ck_assert_msg(strstr(err.msg, "untrusted signer") != NULL, "%s", err.msg);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_unsigned_content_is_refused)
{
	struct wm_smime_signed sig;
	struct wm_err err;
	X509_STORE *store = store_with("ca");

	ck_assert_int_eq(wm_smime_verify(original, sizeof(original) - 1, store,
	    &sig, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "not signed") != NULL, "%s", err.msg);
	X509_STORE_free(store);
}
END_TEST

/* The recipe of wm-tunnel(5), with the stock openssl command. */
static void
stock_tunnel(const char *signflags, struct wm_buf *content)
{
	struct wm_buf mail;
	struct wm_err err;
	char *orig = wm_asprintf("%s/orig.eml", dir);
	char *out = wm_asprintf("%s/stock.eml", dir);

	fix_write(orig, original, sizeof(original) - 1);
	ck_assert_int_eq(fix_sh("cd %s && openssl cms -sign -binary %s "
	    "-signer gw.pem -inkey gw.key -in orig.eml | openssl cms -encrypt "
	    "-binary -aes256 -out stock.eml relay.pem", dir, signflags), 0);
	fix_read(out, &mail);
	ck_assert_msg(open_it(&mail, "relay", "ca", content, &err) == 0, "%s",
	    err.msg);
	wm_buf_free(&mail);
	free(orig);
	free(out);
}

START_TEST(test_stock_openssl_opaque_tunnel_is_accepted)
{
	struct wm_buf content;

	stock_tunnel("-nodetach", &content);
	ck_assert_uint_eq(content.len, sizeof(original) - 1);
	ck_assert(memcmp(content.data, original, content.len) == 0);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_stock_openssl_detached_tunnel_is_accepted)
{
	struct wm_buf content;

	stock_tunnel("", &content);
	ck_assert_uint_eq(content.len, sizeof(original) - 1);
	ck_assert(memcmp(content.data, original, content.len) == 0);
	wm_buf_free(&content);
}
END_TEST

START_TEST(test_stock_openssl_crlf_detached_tunnel_is_accepted)
{
	struct wm_buf content;

	/* multipart/signed with CRLF line ends, as many gateways write it. */
	stock_tunnel("-crlfeol", &content);
	ck_assert_uint_eq(content.len, sizeof(original) - 1);
	ck_assert(memcmp(content.data, original, content.len) == 0);
	wm_buf_free(&content);
}
END_TEST

/*
 * relayout: the same S/MIME entity with its base64 body rewritten: lines of
 * width chars (0: one line) ending in eol, trail after each line, and the
 * header block replaced by head when it is not NULL.
 */
static void
relayout(const struct wm_buf *in, const char *head, size_t width,
    const char *eol, const char *trail, struct wm_buf *out)
{
	const char *body = strstr(in->data, "\n\n");
	const char *crlf = strstr(in->data, "\r\n\r\n");
	struct wm_buf b64;
	size_t i;

	if (crlf != NULL && (body == NULL || crlf < body))
		body = crlf + 4;
	else
		body += 2;
	wm_buf_init(&b64);
	for (i = (size_t)(body - in->data); i < in->len; i++)
		if (!strchr("\r\n \t", in->data[i]))
			wm_buf_append(&b64, &in->data[i], 1);
	wm_buf_init(out);
	if (head != NULL)
		wm_buf_puts(out, head);
	else
		wm_buf_append(out, in->data, (size_t)(body - in->data));
	for (i = 0; i < b64.len; i += width ? width : b64.len) {
		size_t n = width && b64.len - i > width ? width : b64.len - i;

		wm_buf_append(out, b64.data + i, n);
		wm_buf_puts(out, trail);
		wm_buf_puts(out, eol);
	}
	wm_buf_free(&b64);
}

START_TEST(test_enveloped_base64_reads_the_same_in_any_layout)
{
	static const struct {
		const char *head;
		size_t width;
		const char *eol, *trail;
	} v[] = {
		{ NULL, 64, "\r\n", "" },
		{ NULL, 76, "\n", "" },
		{ NULL, 0, "\r\n", "" },
		{ NULL, 64, "\r\n", "  \t" },
		{ "Content-Type: application/x-pkcs7-mime\r\n"
		  "Content-Transfer-Encoding: BASE64\r\n\r\n", 64, "\r\n", "" },
		/* A folded Content-Type. */
		{ "Content-Type: application/pkcs7-mime;\r\n"
		  " smime-type=enveloped-data\r\n\r\n", 72, "\r\n", "" },
		{ "MIME-Version: 1.0\nContent-Type: application/pkcs7-mime\n\n",
		  4, "\n", "" },
	};
	struct wm_buf mail, again, content;
	struct wm_err err;
	char bin[302];
	size_t i, j, len;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 7);
	/* Three lengths, so that the base64 ends with each kind of padding. */
	for (len = 300; len <= 302; len++) {
		seal(bin, len, "gw", 0, "relay", &mail);
		for (j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
			relayout(&mail, v[j].head, v[j].width, v[j].eol,
			    v[j].trail, &again);
			ck_assert_msg(open_it(&again, "relay", "ca", &content,
			    &err) == 0, "length %zu, layout %zu: %s", len, j,
			    err.msg);
			ck_assert_uint_eq(content.len, len);
			ck_assert(memcmp(content.data, bin, len) == 0);
			wm_buf_free(&again);
			wm_buf_free(&content);
		}
		wm_buf_free(&mail);
	}
}
END_TEST

START_TEST(test_broken_base64_of_enveloped_data_is_refused)
{
	struct wm_buf mail, bad, content;
	struct wm_err err;
	char *mid;

	seal(original, sizeof(original) - 1, "gw", 0, "relay", &mail);
	/* Padding in the middle, then a character base64 does not have. */
	relayout(&mail, NULL, 64, "\r\n", "", &bad);
	mid = bad.data + bad.len / 2;
	mid[0] = '=';
	ck_assert_int_eq(open_it(&bad, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	mid[0] = '*';
	ck_assert_int_eq(open_it(&bad, "relay", "ca", &content, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	wm_buf_free(&bad);
	wm_buf_free(&mail);
	wm_buf_free(&content);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("smime");
	TCase *tc = tcase_create("smime");

	tcase_add_unchecked_fixture(tc, setup_pki, teardown_pki);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_opaque_round_trip_is_byte_identical);
	tcase_add_test(tc, test_detached_round_trip_is_byte_identical);
	tcase_add_test(tc, test_decrypts_with_the_matching_one_of_several_keys);
	tcase_add_test(tc, test_wrong_recipient_cert_is_not_encrypted_to_us);
	tcase_add_test(tc, test_plain_mail_is_not_encrypted_to_us);
	tcase_add_test(tc, test_truncated_mail_is_refused);
	tcase_add_test(tc, test_tampered_ciphertext_is_refused);
	tcase_add_test(tc, test_tampered_signed_content_is_refused);
	tcase_add_test(tc, test_tampered_detached_content_is_refused);
	tcase_add_test(tc, test_untrusted_signer_is_refused);
	tcase_add_test(tc, test_untrusted_detached_signer_is_refused);
	tcase_add_test(tc, test_signer_without_smime_purpose_is_refused);
	tcase_add_test(tc, test_unsigned_content_is_refused);
	tcase_add_test(tc, test_stock_openssl_opaque_tunnel_is_accepted);
	tcase_add_test(tc, test_stock_openssl_detached_tunnel_is_accepted);
	tcase_add_test(tc, test_stock_openssl_crlf_detached_tunnel_is_accepted);
	tcase_add_test(tc, test_enveloped_base64_reads_the_same_in_any_layout);
	tcase_add_test(tc, test_broken_base64_of_enveloped_data_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
