/*
 * fuzz_smime.c - libFuzzer target: whatever arrives as a tunnel, the S/MIME
 * reader (the base64 fast path of application/pkcs7-mime, OpenSSL's MIME
 * reader behind it, CMS decryption and signature verification) never
 * crashes, and every refusal is one non-empty line with a sysexits code.
 * The input is decrypted with a fixed test key (tests/fuzz/fuzz_smime.pem,
 * key and certificate, made by make_seeds.sh, which seals the seeds to it),
 * what comes out is verified against that certificate as the only trusted
 * one, and the input is also verified as it is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "pki.h"
#include "smime.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct wm_keypair kp;
static X509_STORE *store;

static void
check_refusal(const struct wm_err *err)
{
	if (err->code == 0 || err->msg[0] == '\0' ||
	    strchr(err->msg, '\n') != NULL)
		abort();
}

static void
setup(void)
{
	FILE *f = fopen("tests/fuzz/fuzz_smime.pem", "r");

	if (f == NULL)
		abort();
	kp.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	kp.cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (kp.key == NULL || kp.cert == NULL || (store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, kp.cert) != 1)
		abort();
}

static void
verify(const void *p, size_t len)
{
	struct wm_smime_signed sig;
	struct wm_err err;

	memset(&err, 0, sizeof(err));
	if (wm_smime_verify(p, len, store, &sig, &err) == -1)
		check_refusal(&err);
	else
		wm_smime_signed_clear(&sig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wm_buf plain;
	struct wm_err err;

	if (store == NULL)
		setup();
	wm_buf_init(&plain);
	memset(&err, 0, sizeof(err));
	if (wm_smime_decrypt(data, len, &kp, 1, 0, &plain, &err) == -1)
		check_refusal(&err);
	else
		verify(plain.data, plain.len);
	wm_buf_free(&plain);
	verify(data, len);
	return 0;
}
