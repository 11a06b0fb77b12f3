/*
 * pkiadmin.h - the administrators' PKI: certificate status with the reason,
 * search and keyset paging of the certificate lists (Certificates, Roots,
 * CA), whitelisting, DER export, and a local CA that issues certificates
 * (for instance a gateway's signing certificate) exported as PKCS#12.
 * wm-pki and admin.cgi both call these.
 */
#ifndef WM_PKIADMIN_H
#define WM_PKIADMIN_H

#include <stddef.h>
#include <time.h>

#include "pki.h"

struct wm_db;
struct wm_err;

enum wm_cert_status {
	WM_CERT_TRUSTED = 0,	/* chains to a root (or is one) */
	WM_CERT_WHITELISTED,	/* trusted as it is */
	WM_CERT_REVOKED,	/* by an imported CRL */
	WM_CERT_EXPIRED,	/* or not yet valid */
	WM_CERT_UNTRUSTED	/* no path to a root: the reason says why */
};

/* "trusted", "whitelisted", "revoked", "expired", "untrusted". */
const char *wm_cert_status_name(enum wm_cert_status);

/* Roots, whitelist and CRLs loaded once for checking many certificates. */
struct wm_pki_checker;

struct wm_pki_checker *wm_pki_checker_new(struct wm_db *, time_t now,
	    struct wm_err *);
void	 wm_pki_checker_free(struct wm_pki_checker *);
/*
 * Status of certificate id as delivery would judge it as a tunnel signer
 * (roots: as a trust anchor); why gets one line.
 */
int	 wm_pki_check(struct wm_pki_checker *, long long id,
	    enum wm_cert_status *, char *why, size_t whylen, struct wm_err *);

enum wm_pki_list_kind {
	WM_PKI_LIST_CERTS = 0,	/* every certificate that is not a root */
	WM_PKI_LIST_ROOTS,	/* trusted roots */
	WM_PKI_LIST_CA,		/* certificates of the local CA */
	WM_PKI_LIST_RELAY,	/* webmail relay recipient certificates */
	WM_PKI_LIST_ALL
};

/* "certificates", "roots", "ca", "relay", "all". */
const char *wm_pki_list_kind_name(enum wm_pki_list_kind);
int	 wm_pki_list_kind_parse(const char *, enum wm_pki_list_kind *);

struct wm_pki_query {
	enum wm_pki_list_kind	 kind;
	const char		*search;	/* part of subject, issuer, email
						   or fingerprint */
	long long		 after;		/* keyset: ids above this */
	int			 limit;		/* 1..1000 */
};

/* One page in id order with each certificate's status; *more: a next page. */
int	 wm_pki_list(struct wm_db *, const struct wm_pki_query *, time_t now,
	    int (*fn)(const struct wm_cert_info *, enum wm_cert_status,
	    const char *why, void *), void *arg, int *more, struct wm_err *);

int	 wm_pki_set_whitelisted(struct wm_db *, long long id, int on,
	    struct wm_err *);
/* DER of certificate id, malloc'd, *len its size. */
unsigned char *wm_pki_der(struct wm_db *, long long id, size_t *len,
	    struct wm_err *);

/*
 * Creates the local CA: an RSA 3072 key and a self-signed CA certificate
 * (subject: the common name) valid for years, stored as a trusted root with
 * its key.  A second CA may be made (roll-over); the newest issues.
 */
int	 wm_pki_ca_create(struct wm_db *, const char *subject, int years,
	    long long *id_out, struct wm_err *);
/*
 * Issues an S/MIME certificate (signing and encryption, email in the
 * subjectAltName) for common name subject and email, valid for days,
 * signed by the newest local CA; stores it with its key.
 */
int	 wm_pki_ca_issue(struct wm_db *, const char *subject, const char *email,
	    int days, long long *id_out, struct wm_err *);
/*
 * PKCS#12 of certificate id with its private key and the CA certificate,
 * encrypted with password (AES-256, PBKDF2); EX_DATAERR for an empty
 * password, EX_NOINPUT when the certificate has no key.
 */
unsigned char *wm_pki_export_p12(struct wm_db *, long long id,
	    const char *password, size_t *len, struct wm_err *);

#endif
