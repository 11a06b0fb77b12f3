/*
 * test_pki.c - certificates, trust, CRLs and relay keys, with certificates
 * made here by the OpenSSL API: a root CA, an intermediate, S/MIME leaves,
 * a server-only leaf, an expired leaf, self-signed leaves and CRLs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "db.h"
#include "err.h"
#include "pki.h"
#include "util.h"
#include "testutil.h"

#define DAY	86400L

struct fixture {
	char		*dir;
	struct wm_db	*db;
};

static void
fx_open(struct fixture *fx)
{
	struct wm_err err;
	char *path;

	fx->dir = wm_test_tmpdir();
	path = wm_asprintf("%s/wm.db", fx->dir);
	fx->db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(fx->db != NULL, "%s", err.msg);
	free(path);
}

static void
fx_close(struct fixture *fx)
{
	wm_db_close(fx->db);
	wm_test_rmdir(fx->dir);
}

static EVP_PKEY *
new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

static void
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	ck_assert_ptr_nonnull(ex);
	ck_assert_int_eq(X509_add_ext(x, ex, -1), 1);
	X509_EXTENSION_free(ex);
}

/* What a certificate should look like; NULL fields are left out. */
struct spec {
	const char	*cn;
	int		 ca;
	const char	*ku;		/* keyUsage */
	const char	*eku;		/* extendedKeyUsage */
	long		 serial;
	long		 from_days;	/* validity relative to now */
	long		 to_days;
};

/* Signed by issuer/ikey, or self-signed when issuer is NULL. */
static X509 *
make_cert(const struct spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	X509V3_CTX v3;
	time_t now = time(NULL);
	X509 *x = X509_new();

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
	    (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509_time_adj_ex(X509_getm_notBefore(x), (int)s->from_days, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)s->to_days, 0, &now);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints,
	    s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (s->ku != NULL)
		add_ext(x, &v3, NID_key_usage, s->ku);
	if (s->eku != NULL)
		add_ext(x, &v3, NID_ext_key_usage, s->eku);
	add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
	ck_assert_int_gt(X509_sign(x, issuer ? ikey : key, EVP_sha256()), 0);
	return x;
}

static X509_CRL *
make_crl(X509 *issuer, EVP_PKEY *ikey, long revoked_serial)
{
	X509_CRL *crl = X509_CRL_new();
	time_t now = time(NULL);
	X509_REVOKED *r;
	ASN1_INTEGER *serial;
	ASN1_TIME *t;

	ck_assert_ptr_nonnull(crl);
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	t = ASN1_TIME_set(NULL, now - 3600);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, now + 30 * DAY);
	X509_CRL_set1_nextUpdate(crl, t);
	if (revoked_serial != 0) {
		r = X509_REVOKED_new();
		serial = ASN1_INTEGER_new();
		ASN1_INTEGER_set(serial, revoked_serial);
		X509_REVOKED_set_serialNumber(r, serial);
		ASN1_TIME_set(t, now - 60);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(serial);
	}
	ASN1_TIME_free(t);
	X509_CRL_sort(crl);
	ck_assert_int_gt(X509_CRL_sign(crl, ikey, EVP_sha256()), 0);
	return crl;
}

static const struct spec root_spec = {
	"Test Root CA", 1, "critical,keyCertSign,cRLSign", NULL, 1, -10, 3650 };
static const struct spec inter_spec = {
	"Test Intermediate CA", 1, "critical,keyCertSign,cRLSign", NULL, 2, -5, 1000 };
static const struct spec smime_spec = {
	"Alice Gateway", 0, "critical,digitalSignature,nonRepudiation",
	"emailProtection", 100, -1, 365 };

/* A root, an intermediate and an S/MIME leaf under it. */
struct pki {
	EVP_PKEY	*root_key, *inter_key, *leaf_key;
	X509		*root, *inter, *leaf;
};

static void
pki_make(struct pki *p)
{
	p->root_key = new_key();
	p->inter_key = new_key();
	p->leaf_key = new_key();
	p->root = make_cert(&root_spec, p->root_key, NULL, NULL);
	p->inter = make_cert(&inter_spec, p->inter_key, p->root, p->root_key);
	p->leaf = make_cert(&smime_spec, p->leaf_key, p->inter, p->inter_key);
}

static void
pki_free(struct pki *p)
{
	X509_free(p->root);
	X509_free(p->inter);
	X509_free(p->leaf);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->inter_key);
	EVP_PKEY_free(p->leaf_key);
}

static long long
import_x509(struct wm_db *db, X509 *x, int flags)
{
	unsigned char *der = NULL;
	struct wm_err err;
	long long id = 0;
	int n = i2d_X509(x, &der);

	ck_assert_int_gt(n, 0);
	ck_assert_msg(wm_pki_import(db, der, (size_t)n, NULL, flags, &id, &err) == 0,
	    "%s", err.msg);
	OPENSSL_free(der);
	return id;
}

static void
import_crl(struct wm_db *db, X509_CRL *crl)
{
	unsigned char *der = NULL;
	struct wm_err err;
	int n = i2d_X509_CRL(crl, &der);

	ck_assert_int_gt(n, 0);
	ck_assert_msg(wm_pki_crl_import(db, der, (size_t)n, &err) == 0, "%s",
	    err.msg);
	OPENSSL_free(der);
}

static STACK_OF(X509) *
chain_of(X509 *x)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	ck_assert_ptr_nonnull(sk);
	if (x != NULL)
		sk_X509_push(sk, x);
	return sk;
}

/* Verifies cert (with inter as the untrusted chain) now; returns the rc. */
static int
verify(struct wm_db *db, X509 *cert, X509 *inter, time_t now, struct wm_err *err)
{
	STACK_OF(X509) *sk = chain_of(inter);
	int rc;

	memset(err, 0, sizeof(*err));
	rc = wm_pki_verify_signer(db, cert, sk, now, err);
	sk_X509_free(sk);
	return rc;
}

static void
assert_refused(int rc, const struct wm_err *err, const char *why)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err->code, EX_DATAERR);
	ck_assert_msg(strstr(err->msg, why) != NULL, "want \"%s\" in: %s", why,
	    err->msg);
}

static long long
count_rows(struct wm_db *db, const char *table)
{
	char sql[64];
	sqlite3_stmt *st;
	long long n;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	ck_assert_int_eq(sqlite3_prepare_v2(wm_db_handle(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

START_TEST(test_trusted_chain_ok)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;

	fx_open(&fx);
	pki_make(&p);
	assert_refused(verify(fx.db, p.leaf, p.inter, time(NULL), &err), &err,
	    "untrusted signer");
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	ck_assert_msg(verify(fx.db, p.leaf, p.inter, time(NULL), &err) == 0,
	    "%s", err.msg);
	/* The chain needs its intermediate: the root alone vouches for nothing. */
	assert_refused(verify(fx.db, p.leaf, NULL, time(NULL), &err), &err,
	    "untrusted signer (issuer not trusted)");
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_whitelisted_self_signed_ok)
{
	struct spec s = smime_spec;
	struct fixture fx;
	struct wm_err err;
	EVP_PKEY *k;
	X509 *x;

	fx_open(&fx);
	k = new_key();
	s.ku = NULL;	/* like `openssl req -x509` */
	x = make_cert(&s, k, NULL, NULL);
	import_x509(fx.db, x, 0);
	assert_refused(verify(fx.db, x, NULL, time(NULL), &err), &err,
	    "untrusted signer (unknown self-signed certificate)");
	import_x509(fx.db, x, WM_PKI_WHITELIST);
	ck_assert_msg(verify(fx.db, x, NULL, time(NULL), &err) == 0, "%s", err.msg);
	X509_free(x);
	EVP_PKEY_free(k);
	fx_close(&fx);
}
END_TEST

START_TEST(test_whitelisted_leaf_of_unknown_ca_ok)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.leaf, WM_PKI_WHITELIST);
	ck_assert_msg(verify(fx.db, p.leaf, NULL, time(NULL), &err) == 0, "%s",
	    err.msg);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_unknown_self_signed_refused)
{
	struct fixture fx;
	struct wm_err err;
	struct spec s = smime_spec;
	EVP_PKEY *k;
	X509 *x;

	fx_open(&fx);
	k = new_key();
	s.ku = NULL;
	x = make_cert(&s, k, NULL, NULL);
	assert_refused(verify(fx.db, x, NULL, time(NULL), &err), &err,
	    "untrusted signer (unknown self-signed certificate)");
	X509_free(x);
	/* With a key usage that lacks keyCertSign OpenSSL words it differently. */
	s.ku = "critical,digitalSignature";
	x = make_cert(&s, k, NULL, NULL);
	assert_refused(verify(fx.db, x, NULL, time(NULL), &err), &err,
	    "untrusted signer (unknown self-signed certificate)");
	X509_free(x);
	EVP_PKEY_free(k);
	fx_close(&fx);
}
END_TEST

START_TEST(test_revoked_by_crl_refused)
{
	struct spec s2 = smime_spec;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	X509_CRL *crl;
	X509 *other;

	fx_open(&fx);
	pki_make(&p);
	s2.serial = 101;
	other = make_cert(&s2, p.leaf_key, p.inter, p.inter_key);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	import_x509(fx.db, p.inter, 0);
	ck_assert_msg(verify(fx.db, p.leaf, p.inter, time(NULL), &err) == 0, "%s",
	    err.msg);
	crl = make_crl(p.inter, p.inter_key, smime_spec.serial);
	import_crl(fx.db, crl);
	assert_refused(verify(fx.db, p.leaf, p.inter, time(NULL), &err), &err,
	    "certificate revoked");
	/* Same issuer, not on the list: the CRL is checked, and passes. */
	ck_assert_msg(verify(fx.db, other, p.inter, time(NULL), &err) == 0, "%s",
	    err.msg);
	X509_CRL_free(crl);
	X509_free(other);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_revoked_intermediate_refused)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	X509_CRL *crl;

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	crl = make_crl(p.root, p.root_key, inter_spec.serial);
	import_crl(fx.db, crl);
	assert_refused(verify(fx.db, p.leaf, p.inter, time(NULL), &err), &err,
	    "issuer certificate revoked");
	X509_CRL_free(crl);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

/* A stale list is reported, not silently trusted (see verify_cb in pki.c). */
START_TEST(test_expired_crl_is_reported)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	X509_CRL *crl;

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	crl = make_crl(p.inter, p.inter_key, 999);
	import_crl(fx.db, crl);
	ck_assert_msg(verify(fx.db, p.leaf, p.inter, time(NULL), &err) == 0, "%s",
	    err.msg);
	assert_refused(verify(fx.db, p.leaf, p.inter, time(NULL) + 40 * DAY,
	    &err), &err, "CRL expired");
	X509_CRL_free(crl);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_expired_refused)
{
	struct spec s = smime_spec;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	X509 *old;

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	s.from_days = -400;
	s.to_days = -30;
	old = make_cert(&s, p.leaf_key, p.inter, p.inter_key);
	assert_refused(verify(fx.db, old, p.inter, time(NULL), &err), &err,
	    "certificate expired");
	/* The clock moves: the good leaf expires in a year. */
	assert_refused(verify(fx.db, p.leaf, p.inter, time(NULL) + 400 * DAY,
	    &err), &err, "certificate expired");
	assert_refused(verify(fx.db, p.leaf, p.inter, time(NULL) - 3 * DAY,
	    &err), &err, "not yet valid");
	X509_free(old);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_store_follows_wm_now)
{
	X509_STORE_CTX *ctx;
	X509_STORE *store;
	struct fixture fx;
	struct wm_err err;
	STACK_OF(X509) *sk;
	struct pki p;
	char when[32];
	int i, want[2] = { 1, 0 };

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	sk = chain_of(p.inter);
	for (i = 0; i < 2; i++) {
		snprintf(when, sizeof(when), "%lld",
		    (long long)time(NULL) + i * 400 * DAY);
		setenv("WM_NOW", when, 1);
		store = wm_pki_store(fx.db, &err);
		ck_assert_msg(store != NULL, "%s", err.msg);
		ctx = X509_STORE_CTX_new();
		X509_STORE_CTX_init(ctx, store, p.leaf, sk);
		ck_assert_int_eq(X509_verify_cert(ctx), want[i]);
		if (!want[i])
			ck_assert_int_eq(X509_STORE_CTX_get_error(ctx),
			    X509_V_ERR_CERT_HAS_EXPIRED);
		X509_STORE_CTX_free(ctx);
		X509_STORE_free(store);
	}
	unsetenv("WM_NOW");
	sk_X509_free(sk);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_wrong_eku_refused)
{
	struct spec s = smime_spec;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	X509 *server;

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	s.eku = "serverAuth";
	server = make_cert(&s, p.leaf_key, p.inter, p.inter_key);
	assert_refused(verify(fx.db, server, p.inter, time(NULL), &err), &err,
	    "certificate not valid for S/MIME signing");
	X509_free(server);
	/* A key usage without digitalSignature/nonRepudiation fails the same way. */
	s.eku = "emailProtection";
	s.ku = "critical,keyEncipherment";
	server = make_cert(&s, p.leaf_key, p.inter, p.inter_key);
	assert_refused(verify(fx.db, server, p.inter, time(NULL), &err), &err,
	    "certificate not valid for S/MIME signing");
	X509_free(server);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

/* What delivery does: CMS_verify over the store enforces the same policy. */
static int
cms_verify_with_store(struct wm_db *db, X509 *signer, EVP_PKEY *key, X509 *inter)
{
	const char msg[] = "Content-Type: text/plain\r\n\r\nhello\r\n";
	STACK_OF(X509) *sk = chain_of(inter);
	BIO *in, *out, *data;
	CMS_ContentInfo *cms;
	X509_STORE *store;
	struct wm_err err;
	int rc;

	in = BIO_new_mem_buf(msg, (int)strlen(msg));
	cms = CMS_sign(signer, key, sk, in, CMS_BINARY | CMS_DETACHED);
	ck_assert_ptr_nonnull(cms);
	store = wm_pki_store(db, &err);
	ck_assert_msg(store != NULL, "%s", err.msg);
	data = BIO_new_mem_buf(msg, (int)strlen(msg));
	out = BIO_new(BIO_s_mem());
	rc = CMS_verify(cms, NULL, store, data, out, CMS_BINARY);
	ERR_clear_error();
	BIO_free(in);
	BIO_free(data);
	BIO_free(out);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	sk_X509_free(sk);
	return rc;
}

START_TEST(test_store_enforces_policy_in_cms_verify)
{
	struct spec s = smime_spec;
	struct fixture fx;
	struct pki p;
	X509_CRL *crl;
	X509 *server;

	fx_open(&fx);
	pki_make(&p);
	ck_assert_int_eq(cms_verify_with_store(fx.db, p.leaf, p.leaf_key, p.inter), 0);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	/* No CRL for either CA: checking is on, yet the signature passes. */
	ck_assert_int_eq(cms_verify_with_store(fx.db, p.leaf, p.leaf_key, p.inter), 1);
	s.eku = "serverAuth";
	s.serial = 102;
	server = make_cert(&s, p.leaf_key, p.inter, p.inter_key);
	ck_assert_int_eq(cms_verify_with_store(fx.db, server, p.leaf_key, p.inter), 0);
	crl = make_crl(p.inter, p.inter_key, smime_spec.serial);
	import_crl(fx.db, crl);
	ck_assert_int_eq(cms_verify_with_store(fx.db, p.leaf, p.leaf_key, p.inter), 0);
	X509_CRL_free(crl);
	X509_free(server);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

static unsigned char *
p12_der(X509 *cert, EVP_PKEY *key, const char *pass, int *len)
{
	unsigned char *der = NULL;
	PKCS12 *p12;

	p12 = PKCS12_create(pass, "test", key, cert, NULL, 0, 0, 0, 0, 0);
	ck_assert_ptr_nonnull(p12);
	*len = i2d_PKCS12(p12, &der);
	ck_assert_int_gt(*len, 0);
	PKCS12_free(p12);
	return der;
}

START_TEST(test_pkcs12_import_with_key)
{
	struct wm_cert_info *ci;
	struct wm_keypair *kp;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	unsigned char *der;
	long long id;
	size_t n;
	int len;

	fx_open(&fx);
	pki_make(&p);
	der = p12_der(p.leaf, p.leaf_key, "s3cret pass", &len);
	ck_assert_msg(wm_pki_import(fx.db, der, (size_t)len, "s3cret pass", 0,
	    &id, &err) == 0, "%s", err.msg);
	ci = wm_pki_info(fx.db, id, &err);
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(ci->has_key, 1);
	ck_assert_str_eq(ci->subject, "CN=Alice Gateway");
	ck_assert_str_eq(ci->serial, "64");
	wm_cert_info_free(ci);
	ck_assert_int_eq(wm_pki_relay_keys(fx.db, &kp, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(kp[0].id, id);
	ck_assert_int_eq(X509_cmp(kp[0].cert, p.leaf), 0);
	ck_assert_int_eq(EVP_PKEY_eq(kp[0].key, p.leaf_key), 1);
	wm_pki_keypairs_free(kp, n);
	OPENSSL_free(der);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_pkcs12_wrong_password)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	unsigned char *der;
	int len;

	fx_open(&fx);
	pki_make(&p);
	der = p12_der(p.leaf, p.leaf_key, "right", &len);
	ck_assert_int_eq(wm_pki_import(fx.db, der, (size_t)len, "wrong", 0, NULL,
	    &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_str_eq(err.msg, "wrong PKCS#12 password");
	ck_assert_int_eq(wm_pki_import(fx.db, der, (size_t)len, NULL, 0, NULL,
	    &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(count_rows(fx.db, "certificates"), 0);
	ck_assert_int_eq(count_rows(fx.db, "private_keys"), 0);
	OPENSSL_free(der);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_garbage_refused)
{
	static const char *inputs[] = {
		"hello world\n",
		"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
		"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
		"\x30\x82\x01\x00\x02\x01",
		NULL
	};
	struct fixture fx;
	struct wm_err err;
	int i;

	fx_open(&fx);
	for (i = 0; inputs[i] != NULL; i++) {
		ck_assert_int_eq(wm_pki_import(fx.db,
		    (const unsigned char *)inputs[i], strlen(inputs[i]), NULL, 0,
		    NULL, &err), -1);
		ck_assert_int_eq(err.code, EX_DATAERR);
		ck_assert_msg(strchr(err.msg, '\n') == NULL && err.msg[0] != '\0',
		    "%s", err.msg);
		ck_assert_int_eq(wm_pki_crl_import(fx.db,
		    (const unsigned char *)inputs[i], strlen(inputs[i]), &err), -1);
		ck_assert_int_eq(err.code, EX_DATAERR);
	}
	ck_assert_int_eq(wm_pki_import(fx.db, (const unsigned char *)"", 0, NULL,
	    0, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(count_rows(fx.db, "certificates"), 0);
	ck_assert_int_eq(count_rows(fx.db, "crls"), 0);
	fx_close(&fx);
}
END_TEST

START_TEST(test_root_must_be_ca)
{
	struct wm_cert_info *ci;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	unsigned char *der = NULL;
	long long id;
	int n;

	fx_open(&fx);
	pki_make(&p);
	n = i2d_X509(p.leaf, &der);
	ck_assert_int_eq(wm_pki_import(fx.db, der, (size_t)n, NULL, WM_PKI_ROOT,
	    NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "not a CA certificate") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(count_rows(fx.db, "certificates"), 0);
	id = import_x509(fx.db, p.root, WM_PKI_ROOT);
	ci = wm_pki_info(fx.db, id, &err);
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(ci->is_root, 1);
	ck_assert_int_eq(ci->whitelisted, 0);
	wm_cert_info_free(ci);
	OPENSSL_free(der);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_duplicate_import_updates_flags)
{
	struct wm_cert_info *ci;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	long long a, b;

	fx_open(&fx);
	pki_make(&p);
	a = import_x509(fx.db, p.leaf, 0);
	b = import_x509(fx.db, p.leaf, WM_PKI_WHITELIST);
	ck_assert_int_eq(a, b);
	ck_assert_int_eq(count_rows(fx.db, "certificates"), 1);
	ci = wm_pki_info(fx.db, a, &err);
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(ci->whitelisted, 1);
	wm_cert_info_free(ci);
	/* Importing again without flags keeps the trust given before. */
	import_x509(fx.db, p.leaf, 0);
	ci = wm_pki_info(fx.db, a, &err);
	ck_assert_int_eq(ci->whitelisted, 1);
	wm_cert_info_free(ci);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

static char *
pem_of(X509 *a, X509 *b, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	PEM_write_bio_X509(bio, a);
	if (key != NULL)
		PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	if (b != NULL)
		PEM_write_bio_X509(bio, b);
	n = BIO_get_mem_data(bio, &data);
	s = strndup(data, (size_t)n);
	BIO_free(bio);
	return s;
}

START_TEST(test_pem_bundle_imports_all_with_key)
{
	struct wm_cert_info *ci;
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	long long id;
	char *pem, *out;

	fx_open(&fx);
	pki_make(&p);
	pem = pem_of(p.leaf, p.inter, p.leaf_key);
	ck_assert_msg(wm_pki_import(fx.db, (unsigned char *)pem, strlen(pem), NULL,
	    0, &id, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(count_rows(fx.db, "certificates"), 2);
	ci = wm_pki_info(fx.db, id, &err);
	ck_assert_int_eq(ci->has_key, 1);
	wm_cert_info_free(ci);
	out = wm_pki_pem(fx.db, id, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "-----BEGIN CERTIFICATE-----"));
	ck_assert_ptr_null(strstr(out, "PRIVATE KEY"));
	free(out);
	free(pem);
	/* A key that belongs to no certificate of the file is refused. */
	pem = pem_of(p.root, NULL, p.leaf_key);
	ck_assert_int_eq(wm_pki_import(fx.db, (unsigned char *)pem, strlen(pem),
	    NULL, 0, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	free(pem);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_crl_with_wrong_signature_refused)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	unsigned char *der = NULL;
	X509_CRL *forged, *good;
	int n;

	fx_open(&fx);
	pki_make(&p);
	import_x509(fx.db, p.root, WM_PKI_ROOT);
	forged = make_crl(p.root, p.leaf_key, inter_spec.serial);
	n = i2d_X509_CRL(forged, &der);
	ck_assert_int_eq(wm_pki_crl_import(fx.db, der, (size_t)n, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strstr(err.msg, "signature") != NULL, "%s", err.msg);
	ck_assert_int_eq(count_rows(fx.db, "crls"), 0);
	/* The CRL of an issuer we do not hold is kept (checked when used). */
	good = make_crl(p.inter, p.inter_key, 5);
	import_crl(fx.db, good);
	import_crl(fx.db, good);
	ck_assert_int_eq(count_rows(fx.db, "crls"), 1);
	OPENSSL_free(der);
	X509_CRL_free(forged);
	X509_CRL_free(good);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

START_TEST(test_delete_removes_certificate_and_key)
{
	struct fixture fx;
	struct wm_err err;
	struct pki p;
	unsigned char *der;
	long long id;
	int len;

	fx_open(&fx);
	pki_make(&p);
	der = p12_der(p.leaf, p.leaf_key, "pw", &len);
	ck_assert_int_eq(wm_pki_import(fx.db, der, (size_t)len, "pw", 0, &id,
	    &err), 0);
	ck_assert_int_eq(wm_pki_delete(fx.db, id, &err), 0);
	ck_assert_int_eq(count_rows(fx.db, "private_keys"), 0);
	ck_assert_int_eq(wm_pki_delete(fx.db, id, &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	ck_assert_ptr_null(wm_pki_info(fx.db, id, &err));
	OPENSSL_free(der);
	pki_free(&p);
	fx_close(&fx);
}
END_TEST

static int
has_email_san(X509 *x, const char *email)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *gn;
	int i, found = 0;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type == GEN_EMAIL && strcmp((const char *)
		    ASN1_STRING_get0_data(gn->d.rfc822Name), email) == 0)
			found = 1;
	}
	GENERAL_NAMES_free(gens);
	return found;
}

START_TEST(test_relay_cert_is_rsa3072_with_email)
{
	struct wm_cert_info *ci;
	struct wm_keypair *kp;
	struct fixture fx;
	struct wm_err err;
	BIGNUM *serial;
	char cn[128], *pem;
	long long id;
	size_t n;
	X509 *x;

	fx_open(&fx);
	ck_assert_int_eq(wm_pki_relay_keys(fx.db, &kp, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(wm_pki_relay_cert_pem(fx.db, &err));
	ck_assert_int_eq(err.code, EX_UNAVAILABLE);
	ck_assert_msg(wm_pki_create_relay_cert(fx.db, "relay@example.org",
	    "Relay test", &id, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(wm_pki_relay_keys(fx.db, &kp, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	x = kp[0].cert;
	ck_assert_int_eq(kp[0].id, id);
	ck_assert_int_eq(EVP_PKEY_get_base_id(kp[0].key), EVP_PKEY_RSA);
	ck_assert_int_eq(EVP_PKEY_get_bits(kp[0].key), 3072);
	ck_assert_int_eq(X509_check_private_key(x, kp[0].key), 1);
	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof(cn));
	ck_assert_str_eq(cn, "Relay test");
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_pkcs9_emailAddress,
	    cn, sizeof(cn));
	ck_assert_str_eq(cn, "relay@example.org");
	ck_assert(has_email_san(x, "relay@example.org"));
	ck_assert(X509_get_key_usage(x) == (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
	ck_assert(X509_get_extended_key_usage(x) == XKU_SMIME);
	ck_assert(!(X509_get_extension_flags(x) & EXFLAG_CA));
	ck_assert_int_eq(X509_check_purpose(x, X509_PURPOSE_SMIME_ENCRYPT, 0), 1);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)), 0);
	ck_assert_int_eq(X509_verify(x, kp[0].key), 1);
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	ck_assert_int_gt(BN_num_bits(serial), 64);
	BN_free(serial);
	ci = wm_pki_info(fx.db, id, &err);
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(ci->is_root, 0);
	ck_assert_int_eq(ci->whitelisted, 0);
	ck_assert_int_eq(ci->has_key, 1);
	ck_assert_str_eq(ci->email, "relay@example.org");
	/* Ten years, give or take the leap days. */
	ck_assert_int_ge(ci->not_after - ci->not_before, 3652 * DAY);
	ck_assert_int_le(ci->not_after - ci->not_before, 3653 * DAY);
	wm_cert_info_free(ci);
	pem = wm_pki_relay_cert_pem(fx.db, &err);
	ck_assert_ptr_nonnull(pem);
	ck_assert_ptr_null(strstr(pem, "PRIVATE"));
	free(pem);
	wm_pki_keypairs_free(kp, n);
	fx_close(&fx);
}
END_TEST

START_TEST(test_relay_keys_newest_first_with_defaults)
{
	struct wm_keypair *kp;
	struct fixture fx;
	struct wm_err err;
	long long a, b;
	char cn[128];
	size_t n;

	fx_open(&fx);
	ck_assert_int_eq(wm_pki_create_relay_cert(fx.db, NULL, NULL, &a, &err), 0);
	ck_assert_int_eq(wm_pki_create_relay_cert(fx.db, NULL, "CN=Relay DN", &b,
	    &err), 0);
	ck_assert_int_eq(wm_pki_relay_keys(fx.db, &kp, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(kp[0].id, b);
	ck_assert_int_eq(kp[1].id, a);
	X509_NAME_get_text_by_NID(X509_get_subject_name(kp[1].cert),
	    NID_commonName, cn, sizeof(cn));
	ck_assert_str_eq(cn, "Webmail relay recipient certificate");
	ck_assert(has_email_san(kp[1].cert, "webmail@webmail.local"));
	X509_NAME_get_text_by_NID(X509_get_subject_name(kp[0].cert),
	    NID_commonName, cn, sizeof(cn));
	ck_assert_str_eq(cn, "Relay DN");
	wm_pki_keypairs_free(kp, n);
	/* Addresses that could smuggle syntax into the certificate are refused. */
	ck_assert_int_eq(wm_pki_create_relay_cert(fx.db, "a@b,email:c@d", NULL,
	    NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_pki_create_relay_cert(fx.db, NULL, "x\ny", NULL, &err),
	    -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	fx_close(&fx);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("pki");

	WM_TEST(s, test_trusted_chain_ok);
	WM_TEST(s, test_whitelisted_self_signed_ok);
	WM_TEST(s, test_whitelisted_leaf_of_unknown_ca_ok);
	WM_TEST(s, test_unknown_self_signed_refused);
	WM_TEST(s, test_revoked_by_crl_refused);
	WM_TEST(s, test_revoked_intermediate_refused);
	WM_TEST(s, test_expired_refused);
	WM_TEST(s, test_expired_crl_is_reported);
	WM_TEST(s, test_store_follows_wm_now);
	WM_TEST(s, test_wrong_eku_refused);
	WM_TEST(s, test_store_enforces_policy_in_cms_verify);
	WM_TEST(s, test_pkcs12_import_with_key);
	WM_TEST(s, test_pkcs12_wrong_password);
	WM_TEST(s, test_garbage_refused);
	WM_TEST(s, test_root_must_be_ca);
	WM_TEST(s, test_duplicate_import_updates_flags);
	WM_TEST(s, test_pem_bundle_imports_all_with_key);
	WM_TEST(s, test_crl_with_wrong_signature_refused);
	WM_TEST(s, test_delete_removes_certificate_and_key);
	WM_TEST(s, test_relay_cert_is_rsa3072_with_email);
	WM_TEST(s, test_relay_keys_newest_first_with_defaults);
	return s;
}
