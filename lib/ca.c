/*
 * ca.c - the local CA of pkiadmin.h: create it, issue S/MIME certificates
 * with it, export a certificate and its key as PKCS#12.
 *
 * The CA key is read from the database only for the moment of signing and
 * freed (OpenSSL wipes RSA key material on free); PKCS#12 passwords are
 * never stored or logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "address.h"
#include "db.h"
#include "err.h"
#include "keystore.h"
#include "pki.h"
#include "pkiadmin.h"
#include "util.h"

#define KEY_BITS	3072
#define CN_MAX		64	/* ub-common-name */
#define YEARS_MAX	30
#define DAYS_MAX	(366 * 10)

static const char *
ssl_why(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

static int
check_cn(const char *cn, struct wm_err *err)
{
	const unsigned char *p;

	if (cn == NULL || *cn == '\0' || strlen(cn) > CN_MAX)
		return wm_err_set(err, EX_DATAERR, "the subject (common name) "
		    "must be 1 to %d characters", CN_MAX);
	for (p = (const unsigned char *)cn; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return wm_err_set(err, EX_DATAERR, "the subject holds a "
			    "control character");
	return 0;
}

static EVP_PKEY *
new_key(struct wm_err *err)
{
	EVP_PKEY *k = EVP_RSA_gen(KEY_BITS);

	if (k == NULL)
		wm_err_set(err, EX_SOFTWARE, "cannot make a key: %s", ssl_why());
	return k;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509_EXTENSION *ex;
	X509V3_CTX v3;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	return ok;
}

static int
add_san(X509 *x, const char *email)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
	int ok = 0;

	if (gens == NULL || gn == NULL || ia5 == NULL ||
	    !ASN1_STRING_set(ia5, email, -1))
		goto out;
	GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
	ia5 = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto out;
	gn = NULL;
	ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT);
out:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	return ok;
}

/* Version 3, random serial, subject CN (+ email), validity from now. */
static X509 *
new_cert(EVP_PKEY *key, const char *cn, const char *email, long days,
    struct wm_err *err)
{
	unsigned char rnd[16];
	X509_NAME *name;
	BIGNUM *bn;
	X509 *x;
	int ok;

	if (wm_random_bytes(rnd, sizeof(rnd), err) == -1)
		return NULL;
	rnd[0] = (rnd[0] & 0x7f) | 0x01;
	if ((x = X509_new()) == NULL || (bn = BN_bin2bn(rnd, sizeof(rnd),
	    NULL)) == NULL) {
		X509_free(x);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	name = X509_get_subject_name(x);
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	    X509_set_version(x, X509_VERSION_3) &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) &&
	    (email == NULL || X509_NAME_add_entry_by_NID(name,
	    NID_pkcs9_emailAddress, MBSTRING_ASC, (const unsigned char *)email,
	    -1, -1, 0)) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) != NULL &&
	    X509_set_pubkey(x, key);
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		wm_err_set(err, EX_SOFTWARE, "cannot make the certificate: %s",
		    ssl_why());
		return NULL;
	}
	return x;
}

int
wm_pki_ca_create(struct wm_db *db, const char *subject, int years,
    long long *id_out, struct wm_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	long long id = 0;
	int rc = -1;

	if (check_cn(subject, err) == -1)
		return -1;
	if (years < 1 || years > YEARS_MAX)
		return wm_err_set(err, EX_DATAERR, "a CA is valid 1 to %d years",
		    YEARS_MAX);
	if ((key = new_key(err)) == NULL ||
	    (x = new_cert(key, subject, NULL, 365L * years, err)) == NULL)
		goto out;
	if (!X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    X509_sign(x, key, EVP_sha256()) <= 0) {
		wm_err_set(err, EX_SOFTWARE, "cannot sign the CA certificate: %s",
		    ssl_why());
		goto out;
	}
	rc = wm_pki_store_pair(db, x, key, WM_PKI_ROOT, "ca", &id, err);
	if (rc == 0 && id_out != NULL)
		*id_out = id;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}

/* Certificate and key of a row (purpose: only a key of that purpose). */
static int
load_pair(struct wm_db *db, const char *sql, long long id, X509 **cert,
    EVP_PKEY **key, struct wm_err *err)
{
	const unsigned char *q;
	sqlite3_stmt *st;
	BIO *b = NULL;
	int rc;

	*cert = NULL;
	*key = NULL;
	if ((st = wm_db_prepare(db, sql, err)) == NULL)
		return -1;
	if (id != 0)
		sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		q = sqlite3_column_blob(st, 0);
		*cert = d2i_X509(NULL, &q, sqlite3_column_bytes(st, 0));
		b = BIO_new_mem_buf(sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1));
		*key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return wm_err_set(err, EX_NOINPUT, id ? "certificate %lld has no "
		    "private key" : "no local CA yet (create it first)", id);
	if (rc != SQLITE_ROW)
		return wm_db_fail(db, "key", err);
	if (*cert == NULL || *key == NULL) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		return wm_err_set(err, EX_DATAERR, "unreadable key or certificate "
		    "in the database");
	}
	return 0;
}

static const char newest_ca_sql[] =
    "SELECT c.der, " WM_KEY_PEM " FROM certificates c JOIN private_keys k ON "
    "k.cert_id = c.id WHERE k.purpose = 'ca' ORDER BY c.id DESC LIMIT 1";

static int
sign_issued(X509 *x, X509 *ca, EVP_PKEY *cakey, const char *email,
    struct wm_err *err)
{
	if (!X509_set_issuer_name(x, X509_get_subject_name(ca)) ||
	    !add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, ca, NID_key_usage,
	    "critical,digitalSignature,nonRepudiation,keyEncipherment") ||
	    !add_ext(x, ca, NID_ext_key_usage, "emailProtection") ||
	    !add_ext(x, ca, NID_subject_key_identifier, "hash") ||
	    !add_ext(x, ca, NID_authority_key_identifier, "keyid:always") ||
	    !add_san(x, email) ||
	    X509_sign(x, cakey, EVP_sha256()) <= 0)
		return wm_err_set(err, EX_SOFTWARE, "cannot sign the certificate: "
		    "%s", ssl_why());
	return 0;
}

int
wm_pki_ca_issue(struct wm_db *db, const char *subject, const char *email,
    int days, long long *id_out, struct wm_err *err)
{
	char addr[WM_ADDRESS_MAX + 1];
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL, *x = NULL;
	long long id = 0;
	int rc = -1;

	if (check_cn(subject, err) == -1 ||
	    wm_address_normalize(email, addr, sizeof(addr), err) == -1)
		return -1;
	if (days < 1 || days > DAYS_MAX)
		return wm_err_set(err, EX_DATAERR, "a certificate is valid 1 to "
		    "%d days", DAYS_MAX);
	if (load_pair(db, newest_ca_sql, 0, &ca, &cakey, err) == -1)
		return -1;
	if ((key = new_key(err)) != NULL &&
	    (x = new_cert(key, subject, addr, days, err)) != NULL &&
	    sign_issued(x, ca, cakey, addr, err) == 0)
		rc = wm_pki_store_pair(db, x, key, 0, "issued", &id, err);
	if (rc == 0 && id_out != NULL)
		*id_out = id;
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	ERR_clear_error();
	return rc;
}

/* The issuer of x when the database has it, for the PKCS#12 chain. */
static STACK_OF(X509) *
issuer_chain(struct wm_db *db, X509 *x)
{
	STACK_OF(X509) *ca = sk_X509_new_null();
	const unsigned char *q;
	sqlite3_stmt *st;
	struct wm_err ignored;
	X509 *c;

	if (ca == NULL || X509_check_issued(x, x) == X509_V_OK)
		return ca;
	st = wm_db_prepare(db, "SELECT der FROM certificates WHERE is_root = 1",
	    &ignored);
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		q = sqlite3_column_blob(st, 0);
		c = d2i_X509(NULL, &q, sqlite3_column_bytes(st, 0));
		if (c != NULL && X509_check_issued(c, x) == X509_V_OK &&
		    sk_X509_push(ca, c))
			break;
		X509_free(c);
	}
	sqlite3_finalize(st);
	return ca;
}

static unsigned char *
p12_bytes(PKCS12 *p12, size_t *len, struct wm_err *err)
{
	unsigned char *out = NULL, *p;
	int n;

	if ((n = i2d_PKCS12(p12, NULL)) <= 0 || (out = malloc((size_t)n)) == NULL) {
		wm_err_set(err, EX_SOFTWARE, "cannot encode the PKCS#12");
		return NULL;
	}
	p = out;
	i2d_PKCS12(p12, &p);
	*len = (size_t)n;
	return out;
}

unsigned char *
wm_pki_export_p12(struct wm_db *db, long long id, const char *password,
    size_t *len, struct wm_err *err)
{
	STACK_OF(X509) *chain = NULL;
	unsigned char *out = NULL;
	EVP_PKEY *key;
	PKCS12 *p12;
	X509 *x;

	if (password == NULL || *password == '\0')
		return wm_err_set(err, EX_DATAERR, "a PKCS#12 export needs a "
		    "password"), NULL;
	if (load_pair(db, "SELECT c.der, " WM_KEY_PEM " FROM certificates c JOIN "
	    "private_keys k ON k.cert_id = c.id WHERE c.id = ?", id, &x, &key,
	    err) == -1)
		return NULL;
	chain = issuer_chain(db, x);
	/* OpenSSL 3 defaults: AES-256-CBC, PBKDF2, SHA-256 MAC. */
	p12 = PKCS12_create(password, NULL, key, x, chain, 0, 0, 0, 0, 0);
	if (p12 == NULL)
		wm_err_set(err, EX_SOFTWARE, "cannot make the PKCS#12: %s",
		    ssl_why());
	else
		out = p12_bytes(p12, len, err);
	PKCS12_free(p12);
	sk_X509_pop_free(chain, X509_free);
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return out;
}
