/*
 * pki.c - see pki.h.  Certificates are kept as DER with the fields a listing
 * needs beside them.  Private keys are kept as unencrypted PKCS#8 PEM: the
 * database file is mode 0600 and owned by wm, and a passphrase stored next to
 * the key to let wm-deliver use it unattended would protect nothing.
 * Trust decisions are OpenSSL's (X509_verify_cert over the store built here);
 * this file chooses the policy and names the reason when it refuses.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "db.h"
#include "err.h"
#include "keystore.h"
#include "log.h"
#include "pki.h"
#include "util.h"

#define PKI_INPUT_MAX		(16 * 1024 * 1024)
#define RELAY_KEY_BITS		3072
#define RELAY_YEARS		10
#define SUBJECT_MAX		64	/* ub-common-name of RFC 5280 */

/* One certificate of an import, with its private key when the input had it. */
struct item {
	X509		*cert;
	EVP_PKEY	*key;
	int		 primary;	/* gets the import flags */
};

struct parsed {
	struct item	*v;
	size_t		 n;
	size_t		 cap;
};

static void
parsed_free(struct parsed *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		X509_free(p->v[i].cert);
		EVP_PKEY_free(p->v[i].key);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* Takes x, also on failure. */
static int
parsed_add(struct parsed *p, X509 *x, int primary, struct wm_err *err)
{
	struct item *nv;
	size_t ncap;

	if (p->n == p->cap) {
		ncap = p->cap ? p->cap * 2 : 4;
		if ((nv = reallocarray(p->v, ncap, sizeof(*nv))) == NULL) {
			X509_free(x);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n].cert = x;
	p->v[p->n].key = NULL;
	p->v[p->n].primary = primary;
	p->n++;
	return 0;
}

/*
 * A relay key must open tunnels: RSA by key transport, EC by key agreement.
 * Anything else (RSA-PSS, DSA, Ed25519, ...) would be handed out to gateways
 * and then fail every delivery, so it is refused here.
 */
static int
relay_key_usable(EVP_PKEY *key, struct wm_err *err)
{
	if (EVP_PKEY_get_id(key) == EVP_PKEY_RSA || EVP_PKEY_get_id(key) ==
	    EVP_PKEY_EC)
		return 0;
	return wm_err_set(err, EX_DATAERR, "%s key refused: it cannot open "
	    "tunnels (relay keys are RSA or EC)", EVP_PKEY_get0_type_name(key) ?
	    EVP_PKEY_get0_type_name(key) : "non-RSA, non-EC");
}

/* Gives key (taken, also on failure) to the certificate it belongs to. */
static int
parsed_attach_key(struct parsed *p, EVP_PKEY *key, struct wm_err *err)
{
	size_t i;

	if (relay_key_usable(key, err) == -1) {
		EVP_PKEY_free(key);
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		if (p->v[i].key == NULL &&
		    X509_check_private_key(p->v[i].cert, key) == 1) {
			p->v[i].key = key;
			return 0;
		}
	}
	ERR_clear_error();
	EVP_PKEY_free(key);
	return wm_err_set(err, EX_DATAERR,
	    "the private key matches no certificate in the input");
}

/* OpenSSL's reason for its last error, for a message; empties the queue. */
static const char *
ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

static char *
bio_string(BIO *b)
{
	char *p, *s;
	long n;

	n = BIO_get_mem_data(b, &p);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

/* RFC 2253 order and escaping, UTF-8 left readable, control bytes escaped. */
static char *
name_string(const X509_NAME *name)
{
	BIO *b;
	char *s = NULL;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		s = bio_string(b);
	BIO_free(b);
	return s;
}

static char *
serial_string(const X509 *x)
{
	BIGNUM *bn;
	char *h, *s = NULL;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL)
		return NULL;
	if ((h = BN_bn2hex(bn)) != NULL) {
		s = wm_strdup(h);
		OPENSSL_free(h);
	}
	BN_free(bn);
	return s;
}

static int
asn1_epoch(const ASN1_TIME *t, long long *out)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (long long)timegm(&tm);
	return 0;
}

static int
cert_fingerprint(const X509 *x, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
		return -1;
	wm_hex(md, n, out);
	return 0;
}

/* The subject's emailAddress, else the first rfc822Name; NULL if none. */
static char *
cert_email(X509 *x)
{
	STACK_OF(OPENSSL_STRING) *emails;
	char *s = NULL;

	emails = X509_get1_email(x);
	if (emails != NULL && sk_OPENSSL_STRING_num(emails) > 0)
		s = wm_strdup(sk_OPENSSL_STRING_value(emails, 0));
	X509_email_free(emails);
	return s;
}

static X509 *
der_cert(const void *blob, int n)
{
	const unsigned char *q = blob;

	if (blob == NULL || n <= 0)
		return NULL;
	return d2i_X509(NULL, &q, n);
}

static char *
cert_pem(X509 *x)
{
	BIO *b;
	char *s = NULL;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509(b, x) == 1)
		s = bio_string(b);
	BIO_free(b);
	return s;
}

/* PEM passphrase callback: the given password or nothing, never a prompt. */
static int
pem_pass(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	if (pass == NULL || (n = strlen(pass)) > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

/* True when a PEM read loop stopped at the end of the input, not on an error. */
static int
pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		return 0;
	ERR_clear_error();
	return 1;
}

static int
is_pem(const unsigned char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ", 11) != NULL;
}

static int
is_cert_block(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 ||
	    strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	    strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

/* PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY... */
static int
is_key_block(const char *name)
{
	size_t n = strlen(name);

	return n >= 11 && strcmp(name + n - 11, "PRIVATE KEY") == 0;
}

static int
pem_cert_block(struct parsed *p, const char *name, const unsigned char *der,
    long len, struct wm_err *err)
{
	const unsigned char *q = der;
	X509 *x;

	if (strcmp(name, PEM_STRING_X509_TRUSTED) == 0)
		x = d2i_X509_AUX(NULL, &q, len);
	else
		x = d2i_X509(NULL, &q, len);
	if (x == NULL)
		return wm_err_set(err, EX_DATAERR, "malformed certificate in PEM "
		    "input: %s", ssl_reason());
	return parsed_add(p, x, 1, err);
}

/*
 * One key block at a time, written back as PEM for OpenSSL's key reader
 * (which knows every key format and the encrypted ones): reading keys from
 * the whole input would have it trip over the certificate blocks.
 */
static int
pem_key_block(struct parsed *p, const char *name, const char *header,
    const unsigned char *der, long len, const char *pass, struct wm_err *err)
{
	EVP_PKEY *k = NULL;
	BIO *b;

	if ((b = BIO_new(BIO_s_secmem())) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (PEM_write_bio(b, name, header, der, len) > 0)
		k = PEM_read_bio_PrivateKey(b, NULL, pem_pass, (void *)pass);
	BIO_free(b);
	if (k == NULL)
		return wm_err_set(err, EX_DATAERR, "cannot read the private key "
		    "in the PEM input (wrong or missing password?): %s",
		    ssl_reason());
	return parsed_attach_key(p, k, err);
}

/* The certificates of a PKCS#7 bundle (a "certs-only" signed-data, .p7b/.p7c). */
static int
p7_certs(const unsigned char *der, long len, struct parsed *p, struct wm_err *err)
{
	const unsigned char *q = der;
	STACK_OF(X509) *certs = NULL;
	PKCS7 *p7;
	int i, rc = 0;

	if ((p7 = d2i_PKCS7(NULL, &q, len)) == NULL)
		return wm_err_set(err, EX_DATAERR, "malformed PKCS#7 input: %s",
		    ssl_reason());
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	if (sk_X509_num(certs) <= 0)
		rc = wm_err_set(err, EX_DATAERR, "the PKCS#7 input holds no "
		    "certificate");
	for (i = 0; rc == 0 && i < sk_X509_num(certs); i++) {
		X509_up_ref(sk_X509_value(certs, i));
		rc = parsed_add(p, sk_X509_value(certs, i), 1, err);
	}
	PKCS7_free(p7);
	return rc;
}

/* One pass over the PEM blocks, taking certificates, or keys when keys is set. */
static int
pem_blocks(const unsigned char *data, size_t len, int keys, const char *pass,
    struct parsed *p, struct wm_err *err)
{
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long dlen = 0;
	int rc = 0;
	BIO *b;

	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	while (rc == 0 && PEM_read_bio(b, &name, &header, &der, &dlen) == 1) {
		if (keys && is_key_block(name))
			rc = pem_key_block(p, name, header, der, dlen, pass, err);
		else if (!keys && is_cert_block(name))
			rc = pem_cert_block(p, name, der, dlen, err);
		else if (!keys && strcmp(name, PEM_STRING_PKCS7) == 0)
			rc = p7_certs(der, dlen, p, err);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(der, (size_t)dlen);
		name = header = NULL;
		der = NULL;
	}
	BIO_free(b);
	if (rc == 0 && !pem_at_end())
		rc = wm_err_set(err, EX_DATAERR, "malformed PEM input: %s",
		    ssl_reason());
	return rc;
}

static int
parse_pem(const unsigned char *data, size_t len, const char *pass,
    struct parsed *p, struct wm_err *err)
{
	if (pem_blocks(data, len, 0, pass, p, err) == -1)
		return -1;
	if (p->n == 0 && memmem(data, len, "-----BEGIN X509 CRL", 19) != NULL)
		return wm_err_set(err, EX_DATAERR,
		    "no certificate in the input (it is a CRL: import it as a CRL)");
	if (p->n == 0)
		return wm_err_set(err, EX_DATAERR, "no certificate in the PEM input");
	return pem_blocks(data, len, 1, pass, p, err);
}

/*
 * PKCS#12 files from older tools use RC2 or single DES, which OpenSSL 3 keeps
 * in its legacy provider.  Loading it explicitly stops the implicit default
 * provider, so both are loaded.  Returns 1 when they were loaded just now.
 */
static OSSL_PROVIDER *prov_default, *prov_legacy;

static void
unload_providers(void)
{
	/* Runs before OpenSSL's own exit handler, registered earlier. */
	OSSL_PROVIDER_unload(prov_legacy);
	OSSL_PROVIDER_unload(prov_default);
	prov_legacy = prov_default = NULL;
}

static int
load_legacy_provider(void)
{
	static int tried;

	if (tried)
		return 0;
	tried = 1;
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	atexit(unload_providers);
	if (prov_default == NULL || prov_legacy == NULL) {
		ERR_clear_error();
		return 0;
	}
	return 1;
}

int
wm_pki_legacy_provider(void)
{
	load_legacy_provider();
	return prov_legacy != NULL;
}

static int
p12_check_password(PKCS12 *p12, const char *pass, struct wm_err *err)
{
	if (!PKCS12_mac_present(p12))
		return 0;
	if (PKCS12_verify_mac(p12, pass ? pass : "", -1))
		return 0;
	/* An empty password has two encodings; PKCS12_parse tries both too. */
	if ((pass == NULL || *pass == '\0') && PKCS12_verify_mac(p12, NULL, 0))
		return 0;
	ERR_clear_error();
	if (pass == NULL)
		return wm_err_set(err, EX_DATAERR, "PKCS#12 input needs a password");
	return wm_err_set(err, EX_DATAERR, "wrong PKCS#12 password");
}

static int
parse_p12(PKCS12 *p12, const char *pass, struct parsed *p, struct wm_err *err)
{
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL, *x;
	int ok, rc = -1;

	if (p12_check_password(p12, pass, err) == -1)
		return -1;
	ok = PKCS12_parse(p12, pass, &key, &cert, &ca);
	if (!ok && load_legacy_provider()) {
		ERR_clear_error();
		ok = PKCS12_parse(p12, pass, &key, &cert, &ca);
	}
	if (!ok)
		return wm_err_set(err, EX_DATAERR, "cannot read PKCS#12 input: %s",
		    ssl_reason());
	if (cert != NULL) {
		if (parsed_add(p, cert, 1, err) == -1 ||
		    (key != NULL && relay_key_usable(key, err) == -1))
			goto out;
		p->v[p->n - 1].key = key;
		key = NULL;
	}
	/* Without a certificate of its own the file is a bundle: all primary. */
	while (ca != NULL && (x = sk_X509_shift(ca)) != NULL)
		if (parsed_add(p, x, cert == NULL, err) == -1)
			goto out;
	if (p->n == 0) {
		wm_err_set(err, EX_DATAERR, "no certificate in the PKCS#12 input");
		goto out;
	}
	if (key != NULL) {
		ok = parsed_attach_key(p, key, err);
		key = NULL;
		if (ok == -1)
			goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	sk_X509_pop_free(ca, X509_free);
	return rc;
}

static int
parse_certs(const unsigned char *data, size_t len, const char *pass,
    struct parsed *p, struct wm_err *err)
{
	const unsigned char *q;
	X509_CRL *crl;
	PKCS12 *p12;
	PKCS7 *p7;
	X509 *x;
	int rc;

	if (data == NULL || len == 0)
		return wm_err_set(err, EX_DATAERR, "empty input");
	if (len > PKI_INPUT_MAX)
		return wm_err_set(err, EX_DATAERR, "input larger than %d bytes",
		    PKI_INPUT_MAX);
	if (is_pem(data, len))
		return parse_pem(data, len, pass, p, err);
	q = data;
	x = d2i_X509(NULL, &q, (long)len);
	if (x != NULL && q == data + len)
		return parsed_add(p, x, 1, err);
	X509_free(x);
	q = data;
	if ((p12 = d2i_PKCS12(NULL, &q, (long)len)) != NULL) {
		ERR_clear_error();
		rc = parse_p12(p12, pass, p, err);
		PKCS12_free(p12);
		return rc;
	}
	q = data;
	if ((p7 = d2i_PKCS7(NULL, &q, (long)len)) != NULL) {
		PKCS7_free(p7);
		return p7_certs(data, (long)len, p, err);
	}
	ERR_clear_error();
	q = data;
	crl = d2i_X509_CRL(NULL, &q, (long)len);
	ERR_clear_error();
	if (crl != NULL) {
		X509_CRL_free(crl);
		return wm_err_set(err, EX_DATAERR,
		    "no certificate in the input (it is a CRL: import it as a CRL)");
	}
	return wm_err_set(err, EX_DATAERR,
	    "not a certificate (expected PEM, DER, PKCS#7 or PKCS#12)");
}

static int
check_cert(X509 *x, int flags, struct wm_err *err)
{
	uint32_t xf = X509_get_extension_flags(x);
	char *subject;

	if (!(xf & EXFLAG_INVALID) && (!(flags & WM_PKI_ROOT) || (xf & EXFLAG_CA)))
		return 0;
	subject = name_string(X509_get_subject_name(x));
	if (xf & EXFLAG_INVALID)
		wm_err_set(err, EX_DATAERR, "certificate with malformed "
		    "extensions: %s", subject ? subject : "?");
	else
		wm_err_set(err, EX_DATAERR, "not a CA certificate (no "
		    "basicConstraints CA:TRUE), refused as a root: %s",
		    subject ? subject : "?");
	free(subject);
	return -1;
}

static int
cert_insert(struct wm_db *db, X509 *x, const char *fp, int flags,
    long long *id, struct wm_err *err)
{
	sqlite3_stmt *st;
	unsigned char *der = NULL;
	char *subject, *issuer, *serial, *email;
	long long nb, na;
	int derlen, rc = -1;

	derlen = i2d_X509(x, &der);
	subject = name_string(X509_get_subject_name(x));
	issuer = name_string(X509_get_issuer_name(x));
	serial = serial_string(x);
	email = cert_email(x);
	if (derlen <= 0 || subject == NULL || issuer == NULL || serial == NULL ||
	    asn1_epoch(X509_get0_notBefore(x), &nb) == -1 ||
	    asn1_epoch(X509_get0_notAfter(x), &na) == -1) {
		wm_err_set(err, EX_DATAERR, "unreadable certificate fields");
		goto out;
	}
	st = wm_db_prepare(db, "INSERT INTO certificates (fingerprint, subject, "
	    "issuer, serial, email, not_before, not_after, is_root, whitelisted, "
	    "der, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, issuer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, serial, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, nb);
	sqlite3_bind_int64(st, 7, na);
	sqlite3_bind_int(st, 8, (flags & WM_PKI_ROOT) != 0);
	sqlite3_bind_int(st, 9, (flags & WM_PKI_WHITELIST) != 0);
	sqlite3_bind_blob(st, 10, der, derlen, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 11, (long long)wm_now());
	if (wm_db_step_done(db, st, "insert certificate", err) == -1)
		goto out;
	*id = sqlite3_last_insert_rowid(wm_db_handle(db));
	rc = 0;
out:
	OPENSSL_free(der);
	free(subject);
	free(issuer);
	free(serial);
	free(email);
	return rc;
}

/*
 * The same certificate imported again keeps its row; flags are only added,
 * so re-importing a chain file never silently drops trust an admin gave.
 */
static int
cert_upsert(struct wm_db *db, X509 *x, int flags, long long *id,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	char fp[65];
	int rc;

	if (cert_fingerprint(x, fp) == -1)
		return wm_err_set(err, EX_DATAERR, "cannot hash the certificate");
	st = wm_db_prepare(db, "SELECT id FROM certificates WHERE fingerprint = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(db, "find certificate", err);
	if (rc == SQLITE_DONE)
		return cert_insert(db, x, fp, flags, id, err);
	st = wm_db_prepare(db, "UPDATE certificates SET is_root = MAX(is_root, ?), "
	    "whitelisted = MAX(whitelisted, ?) WHERE id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, (flags & WM_PKI_ROOT) != 0);
	sqlite3_bind_int(st, 2, (flags & WM_PKI_WHITELIST) != 0);
	sqlite3_bind_int64(st, 3, *id);
	return wm_db_step_done(db, st, "update certificate", err);
}

static int
key_insert(struct wm_db *db, long long cert_id, EVP_PKEY *key,
    const char *purpose, struct wm_err *err)
{
	sqlite3_stmt *st;
	BIO *b;
	char *pem;
	long n;
	int rc = -1;

	/* A secure-memory BIO wipes the PEM when it is freed. */
	if ((b = BIO_new(BIO_s_secmem())) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(b, &pem)) <= 0) {
		wm_err_set(err, EX_SOFTWARE, "cannot encode the private key: %s",
		    ssl_reason());
		goto out;
	}
	/* The PEM goes to the key store only (keystore.c); no store, no key. */
	st = wm_db_prepare(db, "INSERT OR REPLACE INTO keystore.key_pem "
	    "(cert_id, pem) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM "
	    "private_keys WHERE cert_id = ?1)", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, cert_id);
	sqlite3_bind_blob(st, 2, pem, (int)n, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "store private key", err) == -1)
		goto out;
	st = wm_db_prepare(db, "INSERT OR IGNORE INTO private_keys (cert_id, pem, "
	    "purpose) VALUES (?, x'', ?)", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, cert_id);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	rc = wm_db_step_done(db, st, "insert private key", err);
out:
	BIO_free(b);
	return rc;
}

/* Stores every item in one transaction; *first gets the first item's id. */
static int
store_items(struct wm_db *db, const struct parsed *p, int flags,
    long long *first, struct wm_err *err)
{
	long long id = 0;
	size_t i;

	if (wm_db_begin(db, err) == -1)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (cert_upsert(db, p->v[i].cert, p->v[i].primary ? flags : 0,
		    &id, err) == -1 ||
		    (p->v[i].key != NULL &&
		    key_insert(db, id, p->v[i].key, "relay", err) == -1)) {
			wm_db_rollback(db);
			return -1;
		}
		if (i == 0)
			*first = id;
	}
	return wm_db_commit(db, err);
}

int
wm_pki_store_pair(struct wm_db *db, X509 *cert, EVP_PKEY *key, int flags,
    const char *purpose, long long *id, struct wm_err *err)
{
	if (wm_db_begin(db, err) == -1)
		return -1;
	if (cert_upsert(db, cert, flags, id, err) == -1 ||
	    (key != NULL && key_insert(db, *id, key, purpose, err) == -1)) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

int
wm_pki_import(struct wm_db *db, const unsigned char *data, size_t len,
    const char *p12pass, int flags, long long *id_out, struct wm_err *err)
{
	struct parsed p = { 0 };
	long long first = 0;
	size_t i;
	int rc = -1;

	if (parse_certs(data, len, p12pass, &p, err) == -1)
		goto out;
	for (i = 0; i < p.n; i++)
		if (check_cert(p.v[i].cert, p.v[i].primary ? flags : 0, err) == -1)
			goto out;
	if (store_items(db, &p, flags, &first, err) == -1)
		goto out;
	if (id_out != NULL)
		*id_out = first;
	rc = 0;
out:
	parsed_free(&p);
	ERR_clear_error();
	return rc;
}

static int
delete_row(struct wm_db *db, const char *sql, long long id, const char *what,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (wm_db_step_done(db, st, "delete", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) == 0)
		return wm_err_set(err, EX_NOINPUT, "no %s with id %lld", what, id);
	return 0;
}

int
wm_pki_delete(struct wm_db *db, long long id, struct wm_err *err)
{
	struct wm_err e;
	sqlite3_stmt *st;

	/* The key store's PEM, when this process has the store; the
	 * private_keys row goes with the certificate (ON DELETE CASCADE),
	 * and a PEM left behind is dropped at the next attach. */
	if (wm_keystore_attached(db) && (st = wm_db_prepare(db, "DELETE FROM "
	    "keystore.key_pem WHERE cert_id = ?", &e)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		(void)wm_db_step_done(db, st, "delete private key", &e);
	}
	return delete_row(db, "DELETE FROM certificates WHERE id = ?", id,
	    "certificate", err);
}

int
wm_pki_crl_delete(struct wm_db *db, long long id, struct wm_err *err)
{
	return delete_row(db, "DELETE FROM crls WHERE id = ?", id, "CRL", err);
}

void
wm_cert_info_free(struct wm_cert_info *ci)
{
	if (ci == NULL)
		return;
	free(ci->subject);
	free(ci->issuer);
	free(ci->serial);
	free(ci->email);
	free(ci);
}

#define CERT_COLUMNS \
	"c.id, c.fingerprint, c.subject, c.issuer, c.serial, c.email, " \
	"c.not_before, c.not_after, c.is_root, c.whitelisted, " \
	"EXISTS (SELECT 1 FROM private_keys k WHERE k.cert_id = c.id)"

static struct wm_cert_info *
row_cert_info(sqlite3_stmt *st)
{
	struct wm_cert_info *ci;

	if ((ci = calloc(1, sizeof(*ci))) == NULL)
		return NULL;
	ci->id = sqlite3_column_int64(st, 0);
	snprintf(ci->fingerprint, sizeof(ci->fingerprint), "%s",
	    wm_db_text(st, 1));
	ci->subject = wm_strdup(wm_db_text(st, 2));
	ci->issuer = wm_strdup(wm_db_text(st, 3));
	ci->serial = wm_strdup(wm_db_text(st, 4));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		ci->email = wm_strdup(wm_db_text(st, 5));
	ci->not_before = sqlite3_column_int64(st, 6);
	ci->not_after = sqlite3_column_int64(st, 7);
	ci->is_root = sqlite3_column_int(st, 8);
	ci->whitelisted = sqlite3_column_int(st, 9);
	ci->has_key = sqlite3_column_int(st, 10);
	if (ci->subject == NULL || ci->issuer == NULL || ci->serial == NULL) {
		wm_cert_info_free(ci);
		return NULL;
	}
	return ci;
}

int
wm_pki_foreach(struct wm_db *db, int (*fn)(const struct wm_cert_info *, void *),
    void *arg, struct wm_err *err)
{
	struct wm_cert_info *ci;
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, stop = 0;

	st = wm_db_prepare(db, "SELECT " CERT_COLUMNS " FROM certificates c "
	    "ORDER BY c.id", err);
	if (st == NULL)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((ci = row_cert_info(st)) == NULL) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
		stop = fn(ci, arg);
		wm_cert_info_free(ci);
	}
	if (!stop && rc != SQLITE_DONE) {
		wm_db_fail(db, "list certificates", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

struct wm_cert_info *
wm_pki_info(struct wm_db *db, long long id, struct wm_err *err)
{
	struct wm_cert_info *ci = NULL;
	sqlite3_stmt *st;
	int rc;

	st = wm_db_prepare(db, "SELECT " CERT_COLUMNS " FROM certificates c "
	    "WHERE c.id = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((ci = row_cert_info(st)) == NULL)
			wm_err_set(err, EX_TEMPFAIL, "out of memory");
	} else if (rc == SQLITE_DONE)
		wm_err_set(err, EX_NOINPUT, "no certificate with id %lld", id);
	else
		wm_db_fail(db, "certificate", err);
	sqlite3_finalize(st);
	return ci;
}

/* Runs st (one blob column of DER) and parses the first row's certificate. */
static X509 *
step_cert(struct wm_db *db, sqlite3_stmt *st, int missing_code,
    const char *missing, struct wm_err *err)
{
	X509 *x = NULL;
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		x = der_cert(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0));
		if (x == NULL)
			wm_err_set(err, EX_DATAERR, "certificate in the database "
			    "is unreadable");
	} else if (rc == SQLITE_DONE)
		wm_err_set(err, missing_code, "%s", missing);
	else
		wm_db_fail(db, "certificate", err);
	sqlite3_finalize(st);
	ERR_clear_error();
	return x;
}

char *
wm_pki_pem(struct wm_db *db, long long id, struct wm_err *err)
{
	sqlite3_stmt *st;
	char missing[64];
	char *pem;
	X509 *x;

	st = wm_db_prepare(db, "SELECT der FROM certificates WHERE id = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	snprintf(missing, sizeof(missing), "no certificate with id %lld", id);
	if ((x = step_cert(db, st, EX_NOINPUT, missing, err)) == NULL)
		return NULL;
	if ((pem = cert_pem(x)) == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	X509_free(x);
	return pem;
}

/* CRLs */

static int
parse_crls(const unsigned char *data, size_t len, STACK_OF(X509_CRL) *sk,
    struct wm_err *err)
{
	const unsigned char *q = data;
	X509_CRL *crl;
	BIO *b;

	if (data == NULL || len == 0)
		return wm_err_set(err, EX_DATAERR, "empty input");
	if (len > PKI_INPUT_MAX)
		return wm_err_set(err, EX_DATAERR, "input larger than %d bytes",
		    PKI_INPUT_MAX);
	if (!is_pem(data, len)) {
		crl = d2i_X509_CRL(NULL, &q, (long)len);
		if (crl == NULL || q != data + len || !sk_X509_CRL_push(sk, crl)) {
			X509_CRL_free(crl);
			ERR_clear_error();
			return wm_err_set(err, EX_DATAERR,
			    "not a CRL (expected PEM or DER)");
		}
		return 0;
	}
	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	while ((crl = PEM_read_bio_X509_CRL(b, NULL, pem_pass, NULL)) != NULL)
		if (!sk_X509_CRL_push(sk, crl)) {
			X509_CRL_free(crl);
			BIO_free(b);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
	BIO_free(b);
	if (!pem_at_end())
		return wm_err_set(err, EX_DATAERR, "malformed CRL in PEM input: %s",
		    ssl_reason());
	if (sk_X509_CRL_num(sk) == 0)
		return wm_err_set(err, EX_DATAERR, "no CRL in the PEM input");
	return 0;
}

/*
 * A CRL of an issuer we hold must carry that issuer's signature, so a forged
 * list cannot be planted.  A CRL of an issuer we do not hold is kept: when
 * it is used OpenSSL checks its signature against the chain.
 */
static int
crl_check_issuer(struct wm_db *db, X509_CRL *crl, const char *issuer,
    struct wm_err *err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, known = 0, good = 0;
	X509 *x;

	if ((st = wm_db_prepare(db, "SELECT der FROM certificates", err)) == NULL)
		return -1;
	while (!good && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		x = der_cert(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0));
		if (x != NULL && X509_NAME_cmp(X509_get_subject_name(x),
		    X509_CRL_get_issuer(crl)) == 0) {
			known = 1;
			good = X509_CRL_verify(crl, X509_get0_pubkey(x)) == 1;
		}
		X509_free(x);
	}
	ERR_clear_error();
	if (!good && rc != SQLITE_DONE) {
		wm_db_fail(db, "certificates", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (known && !good)
		return wm_err_set(err, EX_DATAERR, "CRL signature does not verify "
		    "with the certificate of its issuer %s", issuer);
	return 0;
}

/* 1 when st yields a row, 0 when not, -1 on error; finalizes st. */
static int
exists(struct wm_db *db, sqlite3_stmt *st, struct wm_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return wm_db_fail(db, "crls", err);
}

/*
 * One CRL per issuer: a newer list replaces the older (it repeats every entry
 * still valid); an older one than we hold is refused rather than ignored.
 */
static int
crl_store(struct wm_db *db, X509_CRL *crl, const char *issuer,
    struct wm_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	long long this_update, next_update = 0;
	const ASN1_TIME *nu;
	sqlite3_stmt *st;
	char fp[65];
	int derlen, rc = -1, r;

	if (X509_CRL_digest(crl, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32 ||
	    asn1_epoch(X509_CRL_get0_lastUpdate(crl), &this_update) == -1 ||
	    ((nu = X509_CRL_get0_nextUpdate(crl)) != NULL &&
	    asn1_epoch(nu, &next_update) == -1) ||
	    (derlen = i2d_X509_CRL(crl, &der)) <= 0) {
		ERR_clear_error();
		return wm_err_set(err, EX_DATAERR, "unreadable CRL fields");
	}
	wm_hex(md, mdlen, fp);
	if ((st = wm_db_prepare(db, "SELECT 1 FROM crls WHERE fingerprint = ?",
	    err)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
	if ((r = exists(db, st, err)) != 0) {
		rc = r == 1 ? 0 : -1;
		goto out;
	}
	if ((st = wm_db_prepare(db, "SELECT 1 FROM crls WHERE issuer = ? AND "
	    "this_update > ?", err)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, this_update);
	if ((r = exists(db, st, err)) != 0) {
		if (r == 1)
			wm_err_set(err, EX_DATAERR, "a newer CRL of %s is already "
			    "imported", issuer);
		goto out;
	}
	if ((st = wm_db_prepare(db, "DELETE FROM crls WHERE issuer = ?",
	    err)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "replace CRL", err) == -1)
		goto out;
	if ((st = wm_db_prepare(db, "INSERT INTO crls (fingerprint, issuer, "
	    "this_update, next_update, der, imported) VALUES (?, ?, ?, ?, ?, ?)",
	    err)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, issuer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, this_update);
	if (nu != NULL)
		sqlite3_bind_int64(st, 4, next_update);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_blob(st, 5, der, derlen, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (long long)wm_now());
	rc = wm_db_step_done(db, st, "insert CRL", err);
out:
	OPENSSL_free(der);
	return rc;
}

static int
crl_import_one(struct wm_db *db, X509_CRL *crl, struct wm_err *err)
{
	char *issuer;
	int rc;

	if ((issuer = name_string(X509_CRL_get_issuer(crl))) == NULL)
		return wm_err_set(err, EX_DATAERR, "CRL without a readable issuer");
	rc = crl_check_issuer(db, crl, issuer, err);
	if (rc == 0)
		rc = crl_store(db, crl, issuer, err);
	free(issuer);
	return rc;
}

int
wm_pki_crl_import(struct wm_db *db, const unsigned char *data, size_t len,
    struct wm_err *err)
{
	STACK_OF(X509_CRL) *sk;
	int i, rc = -1;

	if ((sk = sk_X509_CRL_new_null()) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (parse_crls(data, len, sk, err) == -1)
		goto out;
	if (wm_db_begin(db, err) == -1)
		goto out;
	for (i = 0; i < sk_X509_CRL_num(sk); i++)
		if (crl_import_one(db, sk_X509_CRL_value(sk, i), err) == -1) {
			wm_db_rollback(db);
			goto out;
		}
	rc = wm_db_commit(db, err);
out:
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	ERR_clear_error();
	return rc;
}

static long long
crl_entries(const void *blob, int n)
{
	const unsigned char *q = blob;
	STACK_OF(X509_REVOKED) *rev;
	X509_CRL *crl;
	long long count = 0;

	if (blob == NULL || n <= 0 || (crl = d2i_X509_CRL(NULL, &q, n)) == NULL) {
		ERR_clear_error();
		return -1;
	}
	if ((rev = X509_CRL_get_REVOKED(crl)) != NULL)
		count = sk_X509_REVOKED_num(rev);
	X509_CRL_free(crl);
	return count;
}

int
wm_pki_crl_foreach(struct wm_db *db,
    int (*fn)(const struct wm_crl_info *, void *), void *arg,
    struct wm_err *err)
{
	struct wm_crl_info ci;
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, stop = 0;

	st = wm_db_prepare(db, "SELECT id, fingerprint, issuer, this_update, "
	    "next_update, der FROM crls ORDER BY id", err);
	if (st == NULL)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&ci, 0, sizeof(ci));
		ci.id = sqlite3_column_int64(st, 0);
		snprintf(ci.fingerprint, sizeof(ci.fingerprint), "%s",
		    wm_db_text(st, 1));
		if ((ci.issuer = wm_strdup(wm_db_text(st, 2))) == NULL) {
			sqlite3_finalize(st);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
		ci.this_update = sqlite3_column_int64(st, 3);
		ci.next_update = sqlite3_column_int64(st, 4);
		ci.revoked = crl_entries(sqlite3_column_blob(st, 5),
		    sqlite3_column_bytes(st, 5));
		stop = fn(&ci, arg);
		free(ci.issuer);
	}
	if (!stop && rc != SQLITE_DONE) {
		wm_db_fail(db, "list CRLs", err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Verification */

/*
 * CRL checking is on for the whole chain, but only an issuer that has an
 * imported CRL can be checked: a missing CRL is not a reason to refuse.
 * Every other CRL problem (expired list, bad list signature) still fails, so
 * a stale list shows up instead of being silently ignored.  A callback and not
 * per-chain flags, because CMS_verify builds its chain itself and only the
 * store (with this callback) reaches it.
 */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) {
		X509_STORE_CTX_set_error(ctx, X509_V_OK);
		return 1;
	}
	return ok;
}

static int
store_add_rows(struct wm_db *db, X509_STORE *store, const char *sql, int crls,
    struct wm_err *err)
{
	const unsigned char *q;
	sqlite3_stmt *st;
	X509_CRL *crl;
	X509 *x;
	int rc = SQLITE_DONE, ok = 1;

	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		q = sqlite3_column_blob(st, 0);
		if (crls) {
			crl = d2i_X509_CRL(NULL, &q, sqlite3_column_bytes(st, 0));
			ok = crl != NULL && X509_STORE_add_crl(store, crl) == 1;
			X509_CRL_free(crl);
		} else {
			x = d2i_X509(NULL, &q, sqlite3_column_bytes(st, 0));
			ok = x != NULL && X509_STORE_add_cert(store, x) == 1;
			X509_free(x);
		}
	}
	sqlite3_finalize(st);
	if (!ok)
		return wm_err_set(err, EX_DATAERR, "unreadable %s in the database: "
		    "%s", crls ? "CRL" : "certificate", ssl_reason());
	if (rc != SQLITE_DONE)
		return wm_db_fail(db, crls ? "crls" : "certificates", err);
	return 0;
}

/*
 * Every certificate imported here except our own relay certificates rides on
 * the store as ex_data: candidates for a signer the message leaves out.
 */
static void
known_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	sk_X509_pop_free(ptr, X509_free);
}

static int
known_index(void)
{
	static int idx = -1;

	if (idx == -1)
		idx = X509_STORE_get_ex_new_index(0, NULL, NULL, NULL, known_free);
	return idx;
}

STACK_OF(X509) *
wm_pki_store_known(X509_STORE *store)
{
	return known_index() < 0 ? NULL :
	    X509_STORE_get_ex_data(store, known_index());
}

static int
store_add_known(struct wm_db *db, X509_STORE *store, struct wm_err *err)
{
	STACK_OF(X509) *sk;
	const unsigned char *q;
	sqlite3_stmt *st;
	X509 *x;
	int rc;

	if (known_index() < 0 || (sk = sk_X509_new_null()) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (!X509_STORE_set_ex_data(store, known_index(), sk)) {
		sk_X509_free(sk);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	st = wm_db_prepare(db, "SELECT der FROM certificates c WHERE NOT EXISTS "
	    "(SELECT 1 FROM private_keys k WHERE k.cert_id = c.id)", err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		q = sqlite3_column_blob(st, 0);
		x = d2i_X509(NULL, &q, sqlite3_column_bytes(st, 0));
		if (x != NULL && !sk_X509_push(sk, x))
			X509_free(x);
	}
	sqlite3_finalize(st);
	ERR_clear_error();
	return rc == SQLITE_DONE ? 0 : wm_db_fail(db, "certificates", err);
}

X509_STORE *
wm_pki_store(struct wm_db *db, struct wm_err *err)
{
	X509_VERIFY_PARAM *vp;
	X509_STORE *store;

	if ((store = X509_STORE_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (store_add_rows(db, store, "SELECT der FROM certificates WHERE "
	    "is_root = 1 OR whitelisted = 1", 0, err) == -1 ||
	    store_add_rows(db, store, "SELECT der FROM crls", 1, err) == -1 ||
	    store_add_known(db, store, err) == -1) {
		X509_STORE_free(store);
		return NULL;
	}
	vp = X509_STORE_get0_param(store);
	/* Partial chains: a whitelisted certificate is an anchor by itself. */
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN |
	    X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SMIME_SIGN);
	X509_VERIFY_PARAM_set_trust(vp, X509_TRUST_EMAIL);
	X509_VERIFY_PARAM_set_time(vp, wm_now());
	X509_STORE_set_verify_cb(store, verify_cb);
	return store;
}

static const char *
verify_reason(int e, int *about_issuer)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "certificate expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "certificate not yet valid";
	case X509_V_ERR_CERT_REVOKED:
		return "certificate revoked";
	case X509_V_ERR_INVALID_PURPOSE:
		return "certificate not valid for S/MIME signing";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return "bad certificate signature";
	}
	*about_issuer = 0;
	switch (e) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "untrusted signer (unknown self-signed certificate)";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "untrusted signer (chain ends in an unknown root)";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		return "untrusted signer (issuer not trusted)";
	case X509_V_ERR_CERT_REJECTED:
		return "untrusted signer (certificate rejected)";
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return "CRL expired (import a newer CRL)";
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return "CRL not yet valid";
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
		return "bad CRL signature";
	}
	return X509_verify_cert_error_string(e);
}

static int
verify_fail(X509_STORE_CTX *ctx, struct wm_err *err)
{
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	int about_issuer = depth > 0;
	const char *why;
	char *subject;

	why = verify_reason(X509_STORE_CTX_get_error(ctx), &about_issuer);
	/*
	 * A self-issued leaf whose key usage lacks keyCertSign is not
	 * "self-signed" to OpenSSL, which then reports a missing issuer.
	 */
	if (depth == 0 && cur != NULL &&
	    strcmp(why, "untrusted signer (issuer not trusted)") == 0 &&
	    X509_NAME_cmp(X509_get_subject_name(cur),
	    X509_get_issuer_name(cur)) == 0)
		why = "untrusted signer (unknown self-signed certificate)";
	subject = cur ? name_string(X509_get_subject_name(cur)) : NULL;
	wm_err_set(err, EX_DATAERR, "%s%s: %s", about_issuer ? "issuer " : "",
	    why, subject ? subject : "?");
	free(subject);
	return -1;
}

int
wm_pki_verify_signer(struct wm_db *db, X509 *cert, STACK_OF(X509) *untrusted,
    time_t now, struct wm_err *err)
{
	X509_STORE *store;
	int rc;

	if (cert == NULL)
		return wm_err_set(err, EX_DATAERR, "no signer certificate");
	if ((store = wm_pki_store(db, err)) == NULL)
		return -1;
	rc = wm_pki_verify_signer_in(store, cert, untrusted, now, err);
	X509_STORE_free(store);
	return rc;
}

int
wm_pki_verify_signer_in(X509_STORE *store, X509 *cert,
    STACK_OF(X509) *untrusted, time_t now, struct wm_err *err)
{
	X509_STORE_CTX *ctx = NULL;
	int rc = -1;

	if (cert == NULL)
		return wm_err_set(err, EX_DATAERR, "no signer certificate");
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), now);
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, cert, untrusted) != 1) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	/* What CMS_verify sets, so this answer and delivery's agree. */
	X509_STORE_CTX_set_default(ctx, "smime_sign");
	if (X509_verify_cert(ctx) == 1)
		rc = 0;
	else
		verify_fail(ctx, err);
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int
wm_pki_verify_data(struct wm_db *db, const unsigned char *data, size_t len,
    time_t now, struct wm_err *err)
{
	struct parsed p = { 0 };
	STACK_OF(X509) *chain = NULL;
	size_t i;
	int rc = -1;

	if (parse_certs(data, len, NULL, &p, err) == -1)
		goto out;
	if ((chain = sk_X509_new_null()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	for (i = 1; i < p.n; i++)
		if (!sk_X509_push(chain, p.v[i].cert)) {
			wm_err_set(err, EX_TEMPFAIL, "out of memory");
			goto out;
		}
	rc = wm_pki_verify_signer(db, p.v[0].cert, chain, now, err);
out:
	sk_X509_free(chain);
	parsed_free(&p);
	ERR_clear_error();
	return rc;
}

/* Relay keys */

static int
valid_relay_email(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n == 0 || n > 254 || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(".-_+=@", *s) == NULL)
			return 0;
	return 1;
}

static int
valid_subject(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SUBJECT_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ex;
	int ok;

	if ((ex = X509V3_EXT_conf_nid(NULL, v3, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	return ok;
}

/* subjectAltName built from parts: an address never goes through a conf string. */
static int
add_email_san(X509 *x, const char *email)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	int ok = 0;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return 0;
	if ((gn = GENERAL_NAME_new()) == NULL || (ia5 = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(ia5, email, -1))
		goto out;
	GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
	ia5 = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto out;
	gn = NULL;
	ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
out:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	return ok;
}

static int
set_validity(X509 *x, time_t now)
{
	struct tm tm;
	time_t end;

	if (gmtime_r(&now, &tm) == NULL)
		return 0;
	tm.tm_year += RELAY_YEARS;
	end = timegm(&tm);
	return ASN1_TIME_set(X509_getm_notBefore(x), now) != NULL &&
	    ASN1_TIME_set(X509_getm_notAfter(x), end) != NULL;
}

static int
set_random_serial(X509 *x, struct wm_err *err)
{
	unsigned char rnd[16];
	BIGNUM *bn;
	int ok;

	if (wm_random_bytes(rnd, sizeof(rnd), err) == -1)
		return -1;
	rnd[0] |= 0x01;		/* never zero, which RFC 5280 forbids */
	if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? 0 : wm_err_set(err, EX_TEMPFAIL, "out of memory");
}

/* RSA keys wrap the content key (key transport), EC keys agree on one. */
static const char *
relay_key_usage(EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "EC") ?
	    "critical,digitalSignature,keyAgreement" :
	    "critical,digitalSignature,keyEncipherment";
}

static const EVP_MD *
relay_digest(EVP_PKEY *key)
{
	return EVP_PKEY_get_bits(key) == 384 && EVP_PKEY_is_a(key, "EC") ?
	    EVP_sha384() : EVP_sha256();
}

static X509 *
relay_cert(EVP_PKEY *key, const char *email, const char *subject,
    struct wm_err *err)
{
	X509V3_CTX v3;
	X509_NAME *name;
	X509 *x;

	if ((x = X509_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (set_random_serial(x, err) == -1)
		goto fail;
	name = X509_get_subject_name(x);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)subject, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_NID(name, NID_pkcs9_emailAddress,
	    MBSTRING_ASC, (const unsigned char *)email, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) ||
	    !set_validity(x, wm_now()) ||
	    !X509_set_pubkey(x, key) ||
	    !add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, &v3, NID_key_usage, relay_key_usage(key)) ||
	    !add_ext(x, &v3, NID_ext_key_usage, "emailProtection") ||
	    !add_ext(x, &v3, NID_subject_key_identifier, "hash") ||
	    !add_email_san(x, email) ||
	    X509_sign(x, key, relay_digest(key)) <= 0) {
		wm_err_set(err, EX_SOFTWARE, "cannot make the relay certificate: %s",
		    ssl_reason());
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

static const struct {
	const char		*name;
	enum wm_relay_key	 kind;
} relay_kinds[] = {
	{ "rsa-3072",	WM_RELAY_RSA_3072 },
	{ "ec-p256",	WM_RELAY_EC_P256 },
	{ "ec-p384",	WM_RELAY_EC_P384 },
};

int
wm_pki_relay_key_kind(const char *name, enum wm_relay_key *out)
{
	size_t i;

	for (i = 0; i < sizeof(relay_kinds) / sizeof(relay_kinds[0]); i++)
		if (strcmp(name, relay_kinds[i].name) == 0) {
			*out = relay_kinds[i].kind;
			return 0;
		}
	return -1;
}

static EVP_PKEY *
relay_key_gen(enum wm_relay_key kind, struct wm_err *err)
{
	EVP_PKEY *key;

	switch (kind) {
	case WM_RELAY_EC_P256:
		key = EVP_EC_gen("P-256");
		break;
	case WM_RELAY_EC_P384:
		key = EVP_EC_gen("P-384");
		break;
	default:
		key = EVP_RSA_gen(RELAY_KEY_BITS);
	}
	if (key == NULL)
		wm_err_set(err, EX_SOFTWARE, "cannot generate the relay key: %s",
		    ssl_reason());
	return key;
}

int
wm_pki_create_relay_cert(struct wm_db *db, const char *email,
    const char *subject, long long *id_out, struct wm_err *err)
{
	return wm_pki_create_relay_cert_key(db, email, subject, WM_RELAY_RSA_3072,
	    id_out, err);
}

int
wm_pki_create_relay_cert_key(struct wm_db *db, const char *email,
    const char *subject, enum wm_relay_key kind, long long *id_out,
    struct wm_err *err)
{
	struct parsed p = { 0 };
	long long id = 0;
	EVP_PKEY *key;
	X509 *x;
	int rc = -1;

	if (email == NULL || *email == '\0')
		email = WM_PKI_RELAY_EMAIL;
	/* Callers may write the subject as a DN: "CN=text" means text. */
	if (subject != NULL && strncasecmp(subject, "CN=", 3) == 0)
		subject += 3;
	if (subject == NULL || *subject == '\0')
		subject = WM_PKI_RELAY_SUBJECT;
	if (!valid_relay_email(email))
		return wm_err_set(err, EX_DATAERR, "not a plain email address: %s",
		    email);
	if (!valid_subject(subject))
		return wm_err_set(err, EX_DATAERR, "subject must be 1 to %d "
		    "characters without control characters", SUBJECT_MAX);
	if ((key = relay_key_gen(kind, err)) == NULL)
		return -1;
	if ((x = relay_cert(key, email, subject, err)) == NULL) {
		EVP_PKEY_free(key);
		return -1;
	}
	if (parsed_add(&p, x, 1, err) == -1) {
		EVP_PKEY_free(key);
		return -1;
	}
	p.v[0].key = key;
	/* Ours: neither a root nor whitelisted, it signs nothing we accept. */
	if (store_items(db, &p, 0, &id, err) == 0) {
		if (id_out != NULL)
			*id_out = id;
		rc = 0;
	}
	parsed_free(&p);
	ERR_clear_error();
	return rc;
}

/*
 * The private key of a relay certificate.  Its type is the certificate's:
 * a decoder asked for that type only is set up in a fraction of the time a
 * search over every decoder takes (about 1 ms of each pipe delivery).  The
 * general reader remains for anything the narrow one does not take.
 */
static EVP_PKEY *
pem_key(const void *blob, int n, X509 *cert)
{
	EVP_PKEY *pub = cert ? X509_get0_pubkey(cert) : NULL, *key = NULL;
	OSSL_DECODER_CTX *dc;
	const unsigned char *q = blob;
	size_t left = (size_t)n;
	BIO *b;

	if (blob == NULL || n <= 0)
		return NULL;
	if (pub != NULL && (dc = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM",
	    NULL, EVP_PKEY_get0_type_name(pub), EVP_PKEY_KEYPAIR, NULL,
	    NULL)) != NULL) {
		if (!OSSL_DECODER_from_data(dc, &q, &left)) {
			EVP_PKEY_free(key);
			key = NULL;
		}
		OSSL_DECODER_CTX_free(dc);
	}
	if (key == NULL && (b = BIO_new_mem_buf(blob, n)) != NULL) {
		key = PEM_read_bio_PrivateKey(b, NULL, pem_pass, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	return key;
}

void
wm_pki_keypairs_free(struct wm_keypair *kp, size_t n)
{
	size_t i;

	if (kp == NULL)
		return;
	for (i = 0; i < n; i++) {
		X509_free(kp[i].cert);
		EVP_PKEY_free(kp[i].key);
	}
	free(kp);
}

#define RELAY_QUERY \
	"FROM private_keys k JOIN certificates c ON c.id = k.cert_id " \
	"WHERE k.purpose = 'relay' ORDER BY k.id DESC"

/*
 * Adds one row's pair to the array.  A certificate whose key cannot be read
 * stays in, with key NULL: a tunnel encrypted to it is ours and must wait
 * for the key (a temporary failure), not go to the postmaster as mail for
 * another certificate.
 */
static int
keypair_row(sqlite3_stmt *st, struct wm_keypair **kp, size_t *n, size_t *cap)
{
	struct wm_keypair *nv;
	long long id = sqlite3_column_int64(st, 0);
	EVP_PKEY *key;
	X509 *x;

	x = der_cert(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1));
	key = pem_key(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), x);
	if (x == NULL) {
		wm_log(LOG_ERR, "relay certificate %lld is unreadable; skipped", id);
		EVP_PKEY_free(key);
		return 0;
	}
	if (key == NULL)
		wm_log(LOG_ERR, "relay key of certificate %lld is unreadable", id);
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		if ((nv = reallocarray(*kp, *cap, sizeof(*nv))) == NULL) {
			X509_free(x);
			EVP_PKEY_free(key);
			return -1;
		}
		*kp = nv;
	}
	(*kp)[*n].id = id;
	(*kp)[*n].cert = x;
	(*kp)[*n].key = key;
	(*n)++;
	return 0;
}

int
wm_pki_relay_keys(struct wm_db *db, struct wm_keypair **out, size_t *n,
    struct wm_err *err)
{
	struct wm_keypair *kp = NULL;
	sqlite3_stmt *st;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	st = wm_db_prepare(db, "SELECT c.id, c.der, " WM_KEY_PEM " " RELAY_QUERY, err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (keypair_row(st, &kp, &cnt, &cap) == -1) {
			sqlite3_finalize(st);
			wm_pki_keypairs_free(kp, cnt);
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		}
	if (rc != SQLITE_DONE) {
		wm_db_fail(db, "relay keys", err);
		sqlite3_finalize(st);
		wm_pki_keypairs_free(kp, cnt);
		return -1;
	}
	sqlite3_finalize(st);
	*out = kp;
	*n = cnt;
	return 0;
}

char *
wm_pki_relay_cert_pem(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *pem;
	X509 *x;

	st = wm_db_prepare(db, "SELECT c.der " RELAY_QUERY " LIMIT 1", err);
	if (st == NULL)
		return NULL;
	if ((x = step_cert(db, st, EX_UNAVAILABLE, "no webmail relay "
	    "certificate yet", err)) == NULL)
		return NULL;
	if ((pem = cert_pem(x)) == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	X509_free(x);
	return pem;
}
