/*
 * pkifix.h - test fixtures for the tunnel tests, made with the stock openssl
 * command: a gateway root and its signer, a rogue root and signer, a signer
 * without the S/MIME purpose, and two relay recipient key pairs.
 */
#ifndef WM_PKIFIX_H
#define WM_PKIFIX_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "util.h"

static inline int
fix_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static const char fix_cnf[] =
    "[req]\ndistinguished_name=dn\n[dn]\n"
    "[ca]\nbasicConstraints=critical,CA:TRUE\n"
    "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
    "[leaf]\nbasicConstraints=CA:FALSE\n"
    "keyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\n"
    "authorityKeyIdentifier=keyid\n"
    "[server]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth\n";

/*
 * Writes into dir: ca.pem/key (gateway root), gw.pem/key (signer),
 * rogue-ca, rogue.pem/key (signer of an unknown root), tls.pem/key (signer
 * without emailProtection), relay.pem/key and other.pem/key (RSA relay
 * recipients, self-signed).  Slow (key generation): once per test file.
 */
static inline void
fix_pki(const char *dir)
{
	char *cnf = wm_asprintf("%s/fix.cnf", dir);
	int rc;

	wm_test_write(cnf, fix_cnf);
	rc = fix_sh("(cd %s && "
	    "R='openssl req -config fix.cnf -nodes -newkey rsa:2048' && "
	    "S='openssl x509 -req -days 365 -extfile fix.cnf -set_serial' && "
	    "$R -x509 -keyout ca.key -out ca.pem -subj /CN=GW-Root -days 3650 "
	    "  -extensions ca && "
	    "$R -x509 -keyout rogue-ca.key -out rogue-ca.pem -subj /CN=Rogue "
	    "  -days 3650 -extensions ca && "
	    "$R -keyout gw.key -out gw.csr -subj /CN=gw/emailAddress=gw@corp.example && "
	    "$S 2 -in gw.csr -CA ca.pem -CAkey ca.key -out gw.pem -extensions leaf && "
	    "$R -keyout rogue.key -out rogue.csr -subj /CN=rogue && "
	    "$S 3 -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key -out rogue.pem "
	    "  -extensions leaf && "
	    "$R -keyout tls.key -out tls.csr -subj /CN=tls && "
	    "$S 4 -in tls.csr -CA ca.pem -CAkey ca.key -out tls.pem -extensions server && "
	    "$R -x509 -keyout relay.key -out relay.pem -days 3650 "
	    "  -subj /CN=relay/emailAddress=webmail@webmail.local -extensions leaf && "
	    "$R -x509 -keyout other.key -out other.pem -days 3650 "
	    "  -subj /CN=other -extensions leaf"
	    ") >/dev/null 2>&1", dir);
	ck_assert_int_eq(rc, 0);
	free(cnf);
}

static inline X509 *
fix_cert(const char *dir, const char *name)
{
	char *p = wm_asprintf("%s/%s.pem", dir, name);
	FILE *f = fopen(p, "r");
	X509 *x;

	ck_assert_ptr_nonnull(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(x);
	fclose(f);
	free(p);
	return x;
}

static inline EVP_PKEY *
fix_key(const char *dir, const char *name)
{
	char *p = wm_asprintf("%s/%s.key", dir, name);
	FILE *f = fopen(p, "r");
	EVP_PKEY *k;

	ck_assert_ptr_nonnull(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(k);
	fclose(f);
	free(p);
	return k;
}

static inline void
fix_read(const char *path, struct wm_buf *b)
{
	struct wm_err err;

	wm_buf_init(b);
	ck_assert_msg(wm_read_file(path, 1UL << 30, b, &err) == 0, "%s", err.msg);
}

static inline void
fix_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

#endif
