/*
 * smime.c - see smime.h.
 *
 * Memory matters here: a tunnel may be 50 MB.  Input is read through
 * read-only memory BIOs (no copy), output goes straight into a wm_buf through
 * a small BIO method, and an opaque signature is verified without writing the
 * content anywhere: the caller gets a pointer into the verified CMS structure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "err.h"
#include "pki.h"
#include "smime.h"
#include "util.h"

/* A sink BIO appending to a struct wm_buf. */
static int
wmbuf_write(BIO *b, const char *p, size_t n, size_t *written)
{
	if (wm_buf_append(BIO_get_data(b), p, n) == -1)
		return 0;
	*written = n;
	return 1;
}

static int
wmbuf_puts(BIO *b, const char *s)
{
	size_t n = strlen(s);

	if (wm_buf_append(BIO_get_data(b), s, n) == -1)
		return -1;
	return (int)n;
}

/* Our own ctrl: room for num more bytes, when the size is known ahead. */
#define WMBUF_CTRL_RESERVE	0x5701

static long
wmbuf_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case WMBUF_CTRL_RESERVE:
		return num > 0 && wm_buf_reserve(BIO_get_data(b), (size_t)num) == 0;
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING:
	case BIO_CTRL_WPENDING:
		return 0;
	}
	return 0;
}

static int
wmbuf_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO *
bio_wmbuf(struct wm_buf *buf)
{
	static BIO_METHOD *m;
	BIO *b;

	if (m == NULL) {
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
		    "wm_buf");
		if (m == NULL)
			return NULL;
		BIO_meth_set_write_ex(m, wmbuf_write);
		BIO_meth_set_puts(m, wmbuf_puts);
		BIO_meth_set_ctrl(m, wmbuf_ctrl);
		BIO_meth_set_create(m, wmbuf_create);
	}
	if ((b = BIO_new(m)) == NULL)
		return NULL;
	BIO_set_data(b, buf);
	return b;
}

/* A read-only view of caller memory; an empty one must read as EOF. */
static BIO *
bio_view(const void *p, size_t len)
{
	BIO *b;

	if (len > 0x7fffffff)
		return NULL;
	b = BIO_new_mem_buf(len ? p : "", (int)len);
	return b;
}

/*
 * application/pkcs7-mime in base64, read without SMIME_read_CMS.  OpenSSL
 * decodes that base64 one character at a time (EVP_DecodeUpdate: 10 ms for
 * the 2 MB tunnel of a 1 MB mail, a fifth of the whole delivery); squeezing
 * out the line breaks and decoding whole quartets with EVP_DecodeBlock does
 * the same in a quarter of that.  Anything unusual (another type or
 * encoding, a stray character, a bad length) is left to SMIME_read_CMS,
 * which then gives the verdict and its message.
 */

/* True when header value v (NULL: absent) names media type or token want. */
static int
value_is(const char *v, const char *want)
{
	size_t n;

	if (v == NULL)
		return 0;
	v += strspn(v, " \t");
	n = strcspn(v, ";");
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n == strlen(want) && strncasecmp(v, want, n) == 0;
}

/* Appends n bytes to chunk, decoding each time it fills; -1 on bad input. */
static int
chunk_add(unsigned char *chunk, size_t cap, size_t *k, const unsigned char *p,
    size_t n, unsigned char *out, long *total)
{
	size_t m;
	int r;

	while (n > 0) {
		if (*k == cap) {
			if ((r = EVP_DecodeBlock(out + *total, chunk, (int)cap)) < 0)
				return -1;
			*total += r;
			*k = 0;
		}
		m = n < cap - *k ? n : cap - *k;
		memcpy(chunk + *k, p, m);
		*k += m;
		p += m;
		n -= m;
	}
	return 0;
}

/*
 * Decodes base64 text broken into lines into out; -1 unless it is plain
 * base64 (EVP_DecodeBlock refuses other characters, the '=' of padding is
 * checked here: only at the end, at most two).
 */
static long
decode_lines(const unsigned char *p, size_t n, unsigned char *out)
{
	unsigned char chunk[65536];
	const unsigned char *eq, *nl, *end;
	size_t k = 0, len, i;
	long total = 0;
	int pad = 0, r;

	if ((eq = memchr(p, '=', n)) != NULL) {
		for (i = (size_t)(eq - p); i < n; i++) {
			if (p[i] == '=')
				pad++;
			else if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' &&
			    p[i] != '\t')
				return -1;
		}
		if (pad > 2)
			return -1;
		n = (size_t)(eq - p);
	}
	for (end = p + n; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' ||
		    p[len - 1] == '\t'))
			len--;
		if (chunk_add(chunk, sizeof(chunk), &k, p, len, out, &total) == -1)
			return -1;
	}
	if (chunk_add(chunk, sizeof(chunk), &k, (const unsigned char *)"==",
	    (size_t)pad, out, &total) == -1 || k % 4 != 0 || total + k == 0)
		return -1;
	if (k > 0) {
		if ((r = EVP_DecodeBlock(out + total, chunk, (int)k)) < 0)
			return -1;
		total += r;
	}
	return total - pad;
}

/*
 * The CMS structure of a base64 application/pkcs7-mime entity in the memory
 * BIO in, or NULL when the entity is anything else or not plain enough.
 */
static CMS_ContentInfo *
read_pkcs7_mime(BIO *in)
{
	CMS_ContentInfo *cms = NULL;
	const unsigned char *der;
	unsigned char *out;
	char *p, *type, *cte;
	size_t head;
	long n, len;
	int ok;

	if (BIO_method_type(in) != BIO_TYPE_MEM ||
	    (n = BIO_get_mem_data(in, &p)) <= 0)
		return NULL;
	head = wm_header_length(p, (size_t)n);
	type = wm_header_value(p, head, "Content-Type");
	cte = wm_header_value(p, head, "Content-Transfer-Encoding");
	/* Base64 is the default for this type; any other encoding goes the slow way. */
	ok = (value_is(type, "application/pkcs7-mime") ||
	    value_is(type, "application/x-pkcs7-mime")) &&
	    (cte == NULL || value_is(cte, "base64"));
	free(type);
	free(cte);
	if (!ok || (out = malloc(((size_t)n - head) / 4 * 3 + 3)) == NULL)
		return NULL;
	len = decode_lines((const unsigned char *)p + head, (size_t)n - head, out);
	der = out;
	if (len > 0)
		cms = d2i_CMS_ContentInfo(NULL, &der, len);
	free(out);
	if (cms == NULL)
		ERR_clear_error();
	return cms;
}

static int
oom(struct wm_err *err)
{
	ERR_clear_error();
	return wm_err_set(err, EX_TEMPFAIL, "out of memory");
}

/* The reason of the most recent OpenSSL error, for messages. */
static const char *
ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r;

	if (e == 0)
		return "no detail";
	r = ERR_reason_error_string(e);
	return r != NULL ? r : "unknown error";
}

static int
is_mime_problem(unsigned long e)
{
	if (ERR_GET_LIB(e) != ERR_LIB_ASN1)
		return 0;
	switch (ERR_GET_REASON(e)) {
	case ASN1_R_INVALID_MIME_TYPE:
	case ASN1_R_NO_CONTENT_TYPE:
	case ASN1_R_MIME_PARSE_ERROR:
	case ASN1_R_MIME_NO_CONTENT_TYPE:
	case ASN1_R_NO_MULTIPART_BOUNDARY:
	case ASN1_R_NO_MULTIPART_BODY_FAILURE:
	case ASN1_R_NO_SIG_CONTENT_TYPE:
	case ASN1_R_SIG_INVALID_MIME_TYPE:
	case ASN1_R_MIME_SIG_PARSE_ERROR:
		return 1;
	}
	return 0;
}

static int
is_enveloped(const CMS_ContentInfo *cms)
{
	int nid = OBJ_obj2nid(CMS_get0_type(cms));

	return nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData;
}

/* Whether cert is the one a RecipientInfo of either kind names. */
static int
ri_names(CMS_RecipientInfo *ri, X509 *cert)
{
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	int i;

	switch (CMS_RecipientInfo_type(ri)) {
	case CMS_RECIPINFO_TRANS:
		return CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0;
	case CMS_RECIPINFO_AGREE:
		reks = CMS_RecipientInfo_kari_get0_reks(ri);
		for (i = 0; i < sk_CMS_RecipientEncryptedKey_num(reks); i++)
			if (CMS_RecipientEncryptedKey_cert_cmp(
			    sk_CMS_RecipientEncryptedKey_value(reks, i), cert) == 0)
				return 1;
		return 0;
	}
	return 0;
}

/*
 * CMS_decrypt with a certificate that matches no RecipientInfo leaves nothing
 * on the error queue, so the match is established first: key transport for
 * RSA relay keys, key agreement (ECDH) for EC ones.
 */
static const struct wm_keypair *
find_key(CMS_ContentInfo *cms, const struct wm_keypair *keys, size_t nkeys)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	const struct wm_keypair *unreadable = NULL;
	CMS_RecipientInfo *ri;
	size_t k;
	int i;

	/* A pair with a readable key wins over one without. */
	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		for (k = 0; k < nkeys; k++) {
			if (!ri_names(ri, keys[k].cert))
				continue;
			if (keys[k].key != NULL)
				return &keys[k];
			if (unreadable == NULL)
				unreadable = &keys[k];
		}
	}
	return unreadable;
}

/* "issuer ..., serial ..." or "key identifier ...", as the id names it. */
static void
describe_id(ASN1_OCTET_STRING *keyid, X509_NAME *issuer, ASN1_INTEGER *serial,
    char *out, size_t outlen)
{
	BIGNUM *bn;
	char name[160], *hex;

	if (issuer != NULL && serial != NULL) {
		X509_NAME_oneline(issuer, name, sizeof(name));
		bn = ASN1_INTEGER_to_BN(serial, NULL);
		hex = bn != NULL ? BN_bn2hex(bn) : NULL;
		snprintf(out, outlen, "issuer %s, serial %s", name, hex ? hex : "?");
		BN_free(bn);
	} else if (keyid != NULL) {
		hex = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(keyid),
		    ASN1_STRING_length(keyid));
		snprintf(out, outlen, "key identifier %s", hex ? hex : "?");
	} else {
		snprintf(out, outlen, "unnamed");
		return;
	}
	OPENSSL_free(hex);
}

/* One RecipientInfo as the postmaster should read it. */
static void
describe_ri(CMS_RecipientInfo *ri, char *out, size_t outlen)
{
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	char id[220];

	switch (CMS_RecipientInfo_type(ri)) {
	case CMS_RECIPINFO_TRANS:
		CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &serial);
		describe_id(keyid, issuer, serial, id, sizeof(id));
		snprintf(out, outlen, "key-transport recipient, %s", id);
		return;
	case CMS_RECIPINFO_AGREE:
		reks = CMS_RecipientInfo_kari_get0_reks(ri);
		if (sk_CMS_RecipientEncryptedKey_num(reks) < 1 ||
		    CMS_RecipientEncryptedKey_get0_id(
		    sk_CMS_RecipientEncryptedKey_value(reks, 0), &keyid, NULL, NULL,
		    &issuer, &serial) != 1)
			keyid = NULL, issuer = NULL, serial = NULL;
		describe_id(keyid, issuer, serial, id, sizeof(id));
		snprintf(out, outlen, "key-agreement recipient, %s", id);
		return;
	case CMS_RECIPINFO_KEK:
		snprintf(out, outlen, "key-encryption-key recipient");
		return;
	case CMS_RECIPINFO_PASS:
		snprintf(out, outlen, "password recipient");
		return;
	}
	snprintf(out, outlen, "recipient of an unknown kind");
}

/* Names the first recipient, so the postmaster knows whose the tunnel is. */
static void
describe_recipient(CMS_ContentInfo *cms, char *out, size_t outlen)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	int n = sk_CMS_RecipientInfo_num(ris);
	char first[300];

	if (n < 1) {
		snprintf(out, outlen, "no recipient at all");
		return;
	}
	describe_ri(sk_CMS_RecipientInfo_value(ris, 0), first, sizeof(first));
	if (n == 1)
		snprintf(out, outlen, "%s", first);
	else
		snprintf(out, outlen, "%s, and %d more", first, n - 1);
}

static CMS_ContentInfo *
read_outer(BIO *in, struct wm_err *err)
{
	CMS_ContentInfo *cms;
	BIO *bcont = NULL;
	unsigned long e;

	ERR_clear_error();
	if ((cms = read_pkcs7_mime(in)) == NULL)
		cms = SMIME_read_CMS_ex(in, SMIME_BINARY, &bcont, NULL);
	if (cms == NULL) {
		e = ERR_peek_error();
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			oom(err);
		else if (is_mime_problem(e))
			wm_err_set(err, EX_DATAERR,
			    "not encrypted to us: not an S/MIME message (%s)",
			    ssl_reason());
		else
			wm_err_set(err, EX_DATAERR,
			    "corrupt or truncated S/MIME message (%s)", ssl_reason());
		ERR_clear_error();
		return NULL;
	}
	if (bcont != NULL || !is_enveloped(cms)) {
		BIO_free(bcont);
		CMS_ContentInfo_free(cms);
		wm_err_set(err, EX_DATAERR,
		    "not encrypted to us: S/MIME %s, not enveloped-data",
		    bcont != NULL ? "multipart/signed" : "content");
		return NULL;
	}
	return cms;
}

/*
 * A content cipher with a 64-bit block (DES, 3DES, RC2, Blowfish, CAST) or a
 * key under 128 bits.  GCM and CCM report a block size of 1, but exist only
 * for 128-bit block ciphers.
 */
static int
weak_cipher(EVP_CIPHER_CTX *ctx)
{
	int bs = EVP_CIPHER_CTX_get_block_size(ctx);

	return EVP_CIPHER_CTX_get_key_length(ctx) < 16 || (bs > 1 && bs < 16);
}

static int
unsupported_cipher(void)
{
	unsigned long e = ERR_peek_error();

	return ERR_GET_LIB(e) == ERR_LIB_EVP &&
	    ERR_GET_REASON(e) == ERR_R_UNSUPPORTED;
}

/* Recovers the content key with kp; the decrypting BIO over the content. */
static BIO *
content_bio(CMS_ContentInfo *cms, const struct wm_keypair *kp, struct wm_err *err)
{
	BIO *cont;

	ERR_clear_error();
	if (CMS_decrypt_set1_pkey_and_peer(cms, kp->key, kp->cert, NULL) != 1) {
		wm_err_set(err, EX_DATAERR, "cannot decrypt: the content key does "
		    "not open with our key (%s)", ssl_reason());
		return NULL;
	}
	if ((cont = CMS_dataInit(cms, NULL)) == NULL && unsupported_cipher() &&
	    wm_pki_legacy_provider()) {
		/* DES and RC2 live in the legacy provider: load it to name them. */
		ERR_clear_error();
		if (CMS_decrypt_set1_pkey_and_peer(cms, kp->key, kp->cert, NULL) == 1)
			cont = CMS_dataInit(cms, NULL);
	}
	if (cont == NULL)
		wm_err_set(err, EX_DATAERR, "cannot decrypt: content cipher not "
		    "supported (%s)", ssl_reason());
	return cont;
}

static const char *
cipher_name(BIO *cont)
{
	EVP_CIPHER_CTX *ctx = NULL;
	BIO *cb = BIO_find_type(cont, BIO_TYPE_CIPHER);

	if (cb == NULL || BIO_get_cipher_ctx(cb, &ctx) != 1 || ctx == NULL)
		return "?";
	return EVP_CIPHER_get0_name(EVP_CIPHER_CTX_get0_cipher(ctx));
}

static int
check_cipher(BIO *cont, int flags, struct wm_err *err)
{
	EVP_CIPHER_CTX *ctx = NULL;
	BIO *cb = BIO_find_type(cont, BIO_TYPE_CIPHER);

	if (cb == NULL || BIO_get_cipher_ctx(cb, &ctx) != 1 || ctx == NULL)
		return wm_err_set(err, EX_DATAERR, "cannot decrypt: no content cipher");
	if (!weak_cipher(ctx) || (flags & WM_SMIME_LEGACY_CIPHERS))
		return 0;
	return wm_err_set(err, EX_DATAERR, "weak content cipher %s refused (below "
	    "AES; the setting legacy-content-ciphers allows it)",
	    EVP_CIPHER_get0_name(EVP_CIPHER_CTX_get0_cipher(ctx)));
}

/* Copies the plaintext out; the cipher's final block or tag is checked last. */
static int
copy_plain(BIO *cont, int authenticated, BIO *sink, struct wm_err *err)
{
	char chunk[16384];
	int n;

	while ((n = BIO_read(cont, chunk, sizeof(chunk))) > 0)
		if (BIO_write(sink, chunk, n) != n)
			return oom(err);
	if (BIO_get_cipher_status(cont) <= 0) {
		if (authenticated)
			return wm_err_set(err, EX_DATAERR, "cannot decrypt: "
			    "authentication of the content failed (%s tag "
			    "mismatch: the tunnel was changed or damaged)",
			    cipher_name(cont));
		return wm_err_set(err, EX_DATAERR, "cannot decrypt: bad padding "
		    "(the tunnel was changed or damaged)");
	}
	if (BIO_flush(sink) != 1)
		return wm_err_set(err, EX_TEMPFAIL, "cannot write the plaintext");
	return 0;
}

static int
decrypt(BIO *in, const struct wm_keypair *keys, size_t nkeys, int flags,
    BIO *sink, struct wm_err *err)
{
	const struct wm_keypair *kp;
	ASN1_OCTET_STRING **pos;
	CMS_ContentInfo *cms;
	BIO *cont = NULL;
	char who[400];
	int rc = -1;

	if ((cms = read_outer(in, err)) == NULL)
		return -1;
	if ((kp = find_key(cms, keys, nkeys)) == NULL) {
		describe_recipient(cms, who, sizeof(who));
		CMS_ContentInfo_free(cms);
		return wm_err_set(err, EX_DATAERR, "not encrypted to us: "
		    "encrypted to another certificate (%s)", who);
	}
	if (kp->key == NULL) {
		/* Ours, but its key is unreadable now: wait until it is back. */
		CMS_ContentInfo_free(cms);
		return wm_err_set(err, EX_TEMPFAIL, "the key of relay certificate "
		    "%lld cannot be read", kp->id);
	}
	/*
	 * The plaintext is about as long as the ciphertext: room for it at
	 * once, not by doubling (a file sink ignores the ctrl).
	 */
	if ((pos = CMS_get0_content(cms)) != NULL && *pos != NULL)
		BIO_ctrl(sink, WMBUF_CTRL_RESERVE, ASN1_STRING_length(*pos), NULL);
	if ((cont = content_bio(cms, kp, err)) != NULL &&
	    check_cipher(cont, flags, err) == 0)
		rc = copy_plain(cont, OBJ_obj2nid(CMS_get0_type(cms)) ==
		    NID_id_smime_ct_authEnvelopedData, sink, err);
	BIO_free_all(cont);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

int
wm_smime_decrypt(const void *mail, size_t len, const struct wm_keypair *keys,
    size_t nkeys, int flags, struct wm_buf *out, struct wm_err *err)
{
	BIO *in, *sink;
	int rc;

	if ((in = bio_view(mail, len)) == NULL)
		return wm_err_set(err, EX_DATAERR, "not encrypted to us: mail too large");
	if ((sink = bio_wmbuf(out)) == NULL) {
		BIO_free(in);
		return oom(err);
	}
	rc = decrypt(in, keys, nkeys, flags, sink, err);
	BIO_free(in);
	BIO_free(sink);
	return rc;
}

/* A buffered BIO over a descriptor, from its start. */
static BIO *
bio_file(int fd, struct wm_err *err)
{
	BIO *file, *buf;

	if (lseek(fd, 0, SEEK_SET) == -1) {
		wm_err_set(err, EX_TEMPFAIL, "tunnel file: %s", strerror(errno));
		return NULL;
	}
	file = BIO_new_fd(fd, BIO_NOCLOSE);
	buf = BIO_new(BIO_f_buffer());
	if (file == NULL || buf == NULL || BIO_set_buffer_size(buf, 65536) != 1) {
		BIO_free(file);
		BIO_free(buf);
		oom(err);
		return NULL;
	}
	return BIO_push(buf, file);
}

int
wm_smime_decrypt_fd(int fd, const struct wm_keypair *keys, size_t nkeys,
    int flags, int out_fd, struct wm_err *err)
{
	BIO *in, *sink;
	int rc;

	if ((in = bio_file(fd, err)) == NULL)
		return -1;
	if ((sink = bio_file(out_fd, err)) == NULL) {
		BIO_free_all(in);
		return -1;
	}
	rc = decrypt(in, keys, nkeys, flags, sink, err);
	BIO_free_all(in);
	BIO_free_all(sink);
	if (rc == 0 && ftruncate(out_fd, lseek(out_fd, 0, SEEK_CUR)) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "plaintext file: %s",
		    strerror(errno));
	return rc;
}

struct signed_priv {
	CMS_ContentInfo	*cms;
	BIO		*bcont;
};

void
wm_smime_signed_clear(struct wm_smime_signed *s)
{
	struct signed_priv *p;

	if (s == NULL)
		return;
	if ((p = s->priv) != NULL) {
		CMS_ContentInfo_free(p->cms);
		BIO_free(p->bcont);
		free(p);
	}
	X509_free(s->signer);
	sk_X509_pop_free(s->certs, X509_free);
	memset(s, 0, sizeof(*s));
}

/* Names the signer a SignerInfo asks for, which nobody here has. */
static int
signer_missing(CMS_ContentInfo *cms, struct wm_err *err)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	char id[220] = "unnamed";

	if (sk_CMS_SignerInfo_num(sis) > 0 &&
	    CMS_SignerInfo_get0_signer_id(sk_CMS_SignerInfo_value(sis, 0), &keyid,
	    &issuer, &serial) == 1)
		describe_id(keyid, issuer, serial, id, sizeof(id));
	return wm_err_set(err, EX_DATAERR, "untrusted signer: signer certificate "
	    "neither in the message nor among the box's certificates (%s)", id);
}

/* Turns the error queue of a failed CMS_verify into a reason for people. */
static int
verify_failed(CMS_ContentInfo *cms, struct wm_err *err)
{
	const char *data = NULL;
	unsigned long e;
	int flags = 0, reason;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if (ERR_GET_LIB(e) != ERR_LIB_CMS)
			continue;
		reason = ERR_GET_REASON(e);
		if (reason == CMS_R_CERTIFICATE_VERIFY_ERROR) {
			if (data != NULL && (flags & ERR_TXT_STRING) &&
			    strncmp(data, "Verify error:", 13) == 0)
				data += 13 + strspn(data + 13, " ");
			wm_err_set(err, EX_DATAERR, "untrusted signer: %s",
			    data && (flags & ERR_TXT_STRING) ? data : "chain not verified");
			ERR_clear_error();
			return -1;
		}
		if (reason == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND) {
			ERR_clear_error();
			return signer_missing(cms, err);
		}
		if (reason == CMS_R_VERIFICATION_FAILURE ||
		    reason == CMS_R_CONTENT_VERIFY_ERROR) {
			ERR_clear_error();
			return wm_err_set(err, EX_DATAERR,
			    "bad signature: signed content or signature was changed");
		}
		if (reason == CMS_R_NO_CONTENT) {
			ERR_clear_error();
			return wm_err_set(err, EX_DATAERR, "bad signature: no content");
		}
	}
	return wm_err_set(err, EX_DATAERR, "bad signature");
}

/*
 * multipart/signed written with CRLF line ends needs SMIME_CRLFEOL, else the
 * CR before each boundary stays in the content and the digest fails; with
 * LF line ends it must not be set.  The first line tells which.
 */
static int
line_end_flags(const char *head, size_t n)
{
	const char *nl = memchr(head, '\n', n);

	return nl != NULL && nl > head && nl[-1] == '\r' ? SMIME_CRLFEOL : 0;
}

static int
read_signed(BIO *in, int flags, CMS_ContentInfo **cmsp, BIO **bcont,
    struct wm_err *err)
{
	unsigned long e;

	ERR_clear_error();
	*bcont = NULL;
	if ((*cmsp = read_pkcs7_mime(in)) == NULL)
		*cmsp = SMIME_read_CMS_ex(in, SMIME_BINARY | flags, bcont, NULL);
	if (*cmsp == NULL) {
		e = ERR_peek_error();
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			return oom(err);
		wm_err_set(err, EX_DATAERR, "not signed: not an S/MIME signed "
		    "entity (%s)", ssl_reason());
		ERR_clear_error();
		return -1;
	}
	if (OBJ_obj2nid(CMS_get0_type(*cmsp)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(*cmsp);
		BIO_free(*bcont);
		*cmsp = NULL;
		*bcont = NULL;
		return wm_err_set(err, EX_DATAERR,
		    "not signed: S/MIME content is not signed-data");
	}
	return 0;
}

/*
 * CMS_verify, with detached content behind a buffer BIO: given a memory BIO
 * directly, OpenSSL 3.0 makes a second one of its own and never frees it
 * when it cannot set up the digest (an unknown digest algorithm).  Found by
 * fuzz_smime (its seed detached-unknown-digest); in wm-lmtpd that was a leak
 * per such mail.
 */
static int
verify_content(CMS_ContentInfo *cms, X509_STORE *store, BIO *bcont)
{
	BIO *wrap = NULL;
	int rc;

	if (bcont != NULL) {
		if ((wrap = BIO_new(BIO_f_buffer())) == NULL)
			return -1;
		BIO_push(wrap, bcont);
	}
	rc = CMS_verify(cms, wm_pki_store_known(store), store, wrap, NULL,
	    CMS_BINARY);
	if (wrap != NULL) {
		BIO_pop(wrap);
		BIO_free(wrap);
	}
	return rc;
}

static int
verify(BIO *in, int flags, X509_STORE *store, struct wm_smime_signed *out,
    struct wm_err *err)
{
	CMS_ContentInfo *cms = NULL;
	ASN1_OCTET_STRING **pos;
	STACK_OF(X509) *signers;
	struct signed_priv *priv;
	BIO *bcont = NULL;
	char *p = NULL;
	long n = 0;

	memset(out, 0, sizeof(*out));
	if (read_signed(in, flags, &cms, &bcont, err) == -1)
		return -1;
	/*
	 * A multipart/signed whose signature also embeds content is malformed:
	 * which of the two was signed would be OpenSSL's choice, not ours.
	 */
	if (bcont != NULL && !CMS_is_detached(cms)) {
		CMS_ContentInfo_free(cms);
		BIO_free(bcont);
		return wm_err_set(err, EX_DATAERR, "bad signature: multipart/"
		    "signed whose signature holds content of its own");
	}
	/*
	 * The detached content is read through bcont during verification; its
	 * bytes stay where they are, so remember them first.
	 */
	if (bcont != NULL)
		n = BIO_get_mem_data(bcont, &p);
	ERR_clear_error();
	/*
	 * Gateways may leave a self-signed signer's certificate out (gpgsm does
	 * by default), so the box's own certificates are candidates too; the
	 * one found must still pass the store's trust checks.
	 */
	if (verify_content(cms, store, bcont) != 1) {
		verify_failed(cms, err);
		CMS_ContentInfo_free(cms);
		BIO_free(bcont);
		return -1;
	}
	if (bcont == NULL) {
		pos = CMS_get0_content(cms);
		if (pos == NULL || *pos == NULL) {
			CMS_ContentInfo_free(cms);
			return wm_err_set(err, EX_DATAERR, "bad signature: no content");
		}
		p = (char *)ASN1_STRING_get0_data(*pos);
		n = ASN1_STRING_length(*pos);
	}
	signers = CMS_get0_signers(cms);
	if ((priv = calloc(1, sizeof(*priv))) == NULL || signers == NULL ||
	    sk_X509_num(signers) < 1) {
		free(priv);
		sk_X509_free(signers);
		CMS_ContentInfo_free(cms);
		BIO_free(bcont);
		return signers == NULL ? oom(err) :
		    wm_err_set(err, EX_DATAERR, "bad signature: no signer");
	}
	out->signer = sk_X509_value(signers, 0);
	X509_up_ref(out->signer);
	sk_X509_free(signers);
	out->certs = CMS_get1_certs(cms);
	priv->cms = cms;
	priv->bcont = bcont;
	out->priv = priv;
	out->content = (const unsigned char *)p;
	out->len = n > 0 ? (size_t)n : 0;
	out->detached = bcont != NULL;
	return 0;
}

int
wm_smime_verify(const void *entity, size_t len, X509_STORE *store,
    struct wm_smime_signed *out, struct wm_err *err)
{
	BIO *in;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((in = bio_view(entity, len)) == NULL)
		return wm_err_set(err, EX_DATAERR, "not signed: entity too large");
	rc = verify(in, line_end_flags(entity, len < 4096 ? len : 4096), store,
	    out, err);
	BIO_free(in);
	return rc;
}

int
wm_smime_verify_fd(int fd, X509_STORE *store, struct wm_smime_signed *out,
    struct wm_err *err)
{
	BIO *in;
	int rc;

	char head[4096];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if ((n = pread(fd, head, sizeof(head), 0)) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "plaintext file: %s",
		    strerror(errno));
	if ((in = bio_file(fd, err)) == NULL)
		return -1;
	rc = verify(in, line_end_flags(head, (size_t)n), store, out, err);
	BIO_free_all(in);
	return rc;
}

int
wm_smime_sign(const void *content, size_t len, X509 *cert, EVP_PKEY *key,
    STACK_OF(X509) *chain, int flags, struct wm_buf *out, struct wm_err *err)
{
	int cflags = CMS_BINARY, ok;
	CMS_ContentInfo *cms;
	BIO *in, *again, *sink;

	/*
	 * multipart/signed is signed while it is written (the writer digests
	 * the content as it copies it), so it must not be finalised here.
	 */
	if (flags & WM_SMIME_DETACHED)
		cflags |= CMS_DETACHED | CMS_STREAM;
	if ((in = bio_view(content, len)) == NULL)
		return wm_err_set(err, EX_DATAERR, "content too large to sign");
	ERR_clear_error();
	cms = CMS_sign(cert, key, chain, in, cflags);
	if (cms == NULL) {
		BIO_free(in);
		wm_err_set(err, EX_SOFTWARE, "cannot sign: %s", ssl_reason());
		ERR_clear_error();
		return -1;
	}
	again = (flags & WM_SMIME_DETACHED) ? in : NULL;
	if (again == NULL)
		BIO_free(in);
	sink = bio_wmbuf(out);
	ok = sink != NULL && SMIME_write_CMS(sink, cms, again, cflags) == 1;
	BIO_free(sink);
	BIO_free(again);
	CMS_ContentInfo_free(cms);
	if (!ok) {
		wm_err_set(err, EX_SOFTWARE, "cannot write signature: %s", ssl_reason());
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
wm_smime_encrypt(const void *entity, size_t len, X509 *to, struct wm_buf *out,
    struct wm_err *err)
{
	STACK_OF(X509) *rcpts;
	CMS_ContentInfo *cms = NULL;
	BIO *in, *sink;
	int ok;

	if ((in = bio_view(entity, len)) == NULL)
		return wm_err_set(err, EX_DATAERR, "content too large to encrypt");
	if ((rcpts = sk_X509_new_null()) == NULL || !sk_X509_push(rcpts, to)) {
		sk_X509_free(rcpts);
		BIO_free(in);
		return oom(err);
	}
	ERR_clear_error();
	cms = CMS_encrypt(rcpts, in, EVP_aes_256_cbc(), CMS_BINARY);
	sk_X509_free(rcpts);
	BIO_free(in);
	sink = cms != NULL ? bio_wmbuf(out) : NULL;
	ok = sink != NULL && SMIME_write_CMS(sink, cms, NULL, CMS_BINARY) == 1;
	BIO_free(sink);
	CMS_ContentInfo_free(cms);
	if (!ok) {
		wm_err_set(err, EX_SOFTWARE, "cannot encrypt: %s", ssl_reason());
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static BIO *
open_pem(const char *path, struct wm_err *err)
{
	BIO *b = BIO_new_file(path, "r");

	if (b == NULL) {
		wm_err_set(err, EX_NOINPUT, "%s: cannot open", path);
		ERR_clear_error();
	}
	return b;
}

X509 *
wm_smime_load_cert(const char *path, struct wm_err *err)
{
	X509 *x;
	BIO *b;

	if ((b = open_pem(path, err)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL) {
		wm_err_set(err, EX_DATAERR, "%s: no PEM certificate", path);
		ERR_clear_error();
	}
	return x;
}

STACK_OF(X509) *
wm_smime_load_chain(const char *path, struct wm_err *err)
{
	STACK_OF(X509) *sk;
	X509 *x;
	BIO *b;

	if ((b = open_pem(path, err)) == NULL)
		return NULL;
	if ((sk = sk_X509_new_null()) == NULL) {
		BIO_free(b);
		oom(err);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
			X509_free(x);
	ERR_clear_error();
	BIO_free(b);
	return sk;
}

EVP_PKEY *
wm_smime_load_key(const char *path, struct wm_err *err)
{
	EVP_PKEY *k;
	BIO *b;

	if ((b = open_pem(path, err)) == NULL)
		return NULL;
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k == NULL) {
		/* The path only: never anything of the key itself. */
		wm_err_set(err, EX_DATAERR, "%s: no unencrypted PEM private key", path);
		ERR_clear_error();
	}
	return k;
}
