/*
 * pki.h - certificates, trusted roots, whitelisted certificates, CRLs and the
 * webmail relay recipient keys, all kept in the database.
 */
#ifndef WM_PKI_H
#define WM_PKI_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

struct wm_db;
struct wm_err;

#define WM_PKI_ROOT		0x01	/* import as a trusted root */
#define WM_PKI_WHITELIST	0x02	/* import as whitelisted (trusted as is) */

/*
 * Imports a certificate in PEM, DER, PKCS#7 (a certificate bundle, PEM or
 * DER) or PKCS#12 (password p12pass; the key is stored too).  A PEM file with several certificates imports them all.
 * *id_out (may be NULL) gets the id of the (first) certificate.
 */
int	 wm_pki_import(struct wm_db *, const unsigned char *data, size_t len,
	    const char *p12pass, int flags, long long *id_out, struct wm_err *);
/*
 * Stores a certificate (flags as for import) and, when key is not NULL, its
 * private key for purpose ("relay": decrypts tunnels; "ca": the local CA;
 * "issued": made by the local CA) in one transaction.
 */
int	 wm_pki_store_pair(struct wm_db *, X509 *, EVP_PKEY *key, int flags,
	    const char *purpose, long long *id_out, struct wm_err *);
int	 wm_pki_crl_import(struct wm_db *, const unsigned char *data, size_t len,
	    struct wm_err *);
int	 wm_pki_delete(struct wm_db *, long long id, struct wm_err *);

struct wm_cert_info {
	long long	 id;
	char		 fingerprint[65];
	char		*subject;
	char		*issuer;
	char		*serial;
	char		*email;
	long long	 not_before;
	long long	 not_after;
	int		 is_root;
	int		 whitelisted;
	int		 has_key;
};

void	 wm_cert_info_free(struct wm_cert_info *);
int	 wm_pki_foreach(struct wm_db *, int (*fn)(const struct wm_cert_info *, void *),
	    void *arg, struct wm_err *);
struct wm_cert_info *wm_pki_info(struct wm_db *, long long id, struct wm_err *);
/* PEM of certificate id, malloc'd. */
char	*wm_pki_pem(struct wm_db *, long long id, struct wm_err *);

/*
 * A store for CMS_verify / X509_verify_cert: trusted roots, whitelisted
 * certificates (trusted as they are: partial chains allowed), CRLs checked
 * where one is known for the issuer.  Free with X509_STORE_free.
 */
X509_STORE *wm_pki_store(struct wm_db *, struct wm_err *);
/*
 * The certificates imported into the box (trusted or not, without our relay
 * certificates) that came with store: where a signer is looked up when the
 * message leaves its certificate out.  Owned by the store.
 */
STACK_OF(X509) *wm_pki_store_known(X509_STORE *);
/* Loads OpenSSL's legacy provider (DES, RC2, old PKCS#12); 1 when loaded. */
int	 wm_pki_legacy_provider(void);
/*
 * The full policy for an S/MIME signer at time now: chains to a root or is
 * whitelisted, valid at now, fit for S/MIME signing (key usage / EKU), not
 * revoked by an imported CRL.  0 ok; -1 with EX_DATAERR naming the reason.
 */
int	 wm_pki_verify_signer(struct wm_db *, X509 *cert, STACK_OF(X509) *untrusted,
	    time_t now, struct wm_err *);
/* The same against a store of wm_pki_store (its time is set to now). */
int	 wm_pki_verify_signer_in(X509_STORE *, X509 *cert,
	    STACK_OF(X509) *untrusted, time_t now, struct wm_err *);

/*
 * The relay recipient key pairs, newest first (several: certificates roll
 * over).  key is NULL when the certificate's key cannot be read.
 */
struct wm_keypair {
	long long	 id;
	X509		*cert;
	EVP_PKEY	*key;
};
int	 wm_pki_relay_keys(struct wm_db *, struct wm_keypair **out, size_t *n,
	    struct wm_err *);
void	 wm_pki_keypairs_free(struct wm_keypair *, size_t);
/*
 * Creates an RSA 3072 key and a self-signed certificate for email and subject
 * (NULL: WM_PKI_RELAY_EMAIL, WM_PKI_RELAY_SUBJECT) and stores both.  subject
 * is the common name; a leading "CN=" is dropped.
 */
int	 wm_pki_create_relay_cert(struct wm_db *, const char *email,
	    const char *subject, long long *id_out, struct wm_err *);
/*
 * The same with a chosen key: RSA 3072 (key transport, the default) or an EC
 * key on P-256 or P-384 (key agreement, for gateways that support it).
 */
enum wm_relay_key {
	WM_RELAY_RSA_3072 = 0,
	WM_RELAY_EC_P256,
	WM_RELAY_EC_P384
};
/* "rsa-3072", "ec-p256", "ec-p384"; -1 for anything else. */
int	 wm_pki_relay_key_kind(const char *name, enum wm_relay_key *);
int	 wm_pki_create_relay_cert_key(struct wm_db *, const char *email,
	    const char *subject, enum wm_relay_key, long long *id_out,
	    struct wm_err *);
/* PEM of the newest relay certificate, malloc'd; EX_UNAVAILABLE if none. */
char	*wm_pki_relay_cert_pem(struct wm_db *, struct wm_err *);

/* Defaults of the guide (6.4) for wm_pki_create_relay_cert's NULL arguments. */
#define WM_PKI_RELAY_EMAIL	"webmail@webmail.local"
#define WM_PKI_RELAY_SUBJECT	"Webmail relay recipient certificate"

/*
 * wm_pki_verify_signer on certificate data (PEM or DER): the first
 * certificate is the signer, further PEM certificates are untrusted
 * intermediates.  For `wm-pki verify`.
 */
int	 wm_pki_verify_data(struct wm_db *, const unsigned char *data, size_t len,
	    time_t now, struct wm_err *);

struct wm_crl_info {
	long long	 id;
	char		 fingerprint[65];
	char		*issuer;
	long long	 this_update;
	long long	 next_update;	/* 0: none */
	long long	 revoked;	/* number of entries */
};

int	 wm_pki_crl_foreach(struct wm_db *,
	    int (*fn)(const struct wm_crl_info *, void *), void *arg,
	    struct wm_err *);
int	 wm_pki_crl_delete(struct wm_db *, long long id, struct wm_err *);

#endif
