/*
 * smime.h - OpenSSL CMS for the tunnel: decrypting with one of several relay
 * keys, verifying opaque and detached signatures into memory, and signing and
 * encrypting on the gateway side (wm-tunnel).
 *
 * Every refusal of the input is EX_DATAERR with a message that names the
 * reason ("not encrypted to us: ...", "bad signature: ...", "untrusted
 * signer: ..."); EX_TEMPFAIL means this box ran out of something.
 */
#ifndef WM_SMIME_H
#define WM_SMIME_H

#include <stddef.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

struct wm_err;
struct wm_buf;
struct wm_keypair;

/* wm_smime_decrypt flags: also accept DES, 3DES, RC2 and other weak ciphers. */
#define WM_SMIME_LEGACY_CIPHERS	0x01

/*
 * Decrypts an S/MIME enveloped-data or authenticated-enveloped-data mail (the
 * whole RFC 5322 message) with the first key pair whose certificate one of
 * its RecipientInfos names, by key transport (RSA) or key agreement (EC).
 * The plaintext (a MIME entity) is appended to out.  Content ciphers weaker
 * than AES are refused unless flags has WM_SMIME_LEGACY_CIPHERS.
 */
int	 wm_smime_decrypt(const void *mail, size_t len,
	    const struct wm_keypair *keys, size_t nkeys, int flags,
	    struct wm_buf *out, struct wm_err *);

/*
 * The same from file to file: read and written through buffers, never whole
 * in memory, so a big tunnel costs only what OpenSSL itself must hold.
 */
int	 wm_smime_decrypt_fd(int fd, const struct wm_keypair *keys, size_t nkeys,
	    int flags, int out_fd, struct wm_err *);

/* What a good signature vouches for. */
struct wm_smime_signed {
	const unsigned char	*content;	/* the signed bytes, exactly */
	size_t			 len;
	X509			*signer;	/* the signer's certificate */
	STACK_OF(X509)		*certs;		/* every certificate the message carries */
	int			 detached;	/* 1: multipart/signed, 0: opaque */
	void			*priv;		/* keeps content alive */
};

/*
 * Verifies an S/MIME signed entity, multipart/signed or opaque
 * application/pkcs7-mime signed-data, against store (chain, S/MIME signing
 * purpose).  A signer certificate the message leaves out is looked up in
 * wm_pki_store_known(store).  out is filled only when the signature and the chain are good;
 * free it with wm_smime_signed_clear.
 */
int	 wm_smime_verify(const void *entity, size_t len, X509_STORE *store,
	    struct wm_smime_signed *out, struct wm_err *);
/* The same for an entity in a file. */
int	 wm_smime_verify_fd(int fd, X509_STORE *store, struct wm_smime_signed *out,
	    struct wm_err *);
void	 wm_smime_signed_clear(struct wm_smime_signed *);

#define WM_SMIME_DETACHED	0x01	/* multipart/signed instead of opaque */

/* Signs content (binary, as is) and appends the S/MIME entity to out. */
int	 wm_smime_sign(const void *content, size_t len, X509 *cert, EVP_PKEY *key,
	    STACK_OF(X509) *chain, int flags, struct wm_buf *out, struct wm_err *);
/*
 * Encrypts entity (binary, AES-256) to cert and appends the S/MIME body part
 * (MIME-Version, Content-Type application/pkcs7-mime; smime-type=
 * enveloped-data, base64) to out, for the caller to put mail headers above.
 */
int	 wm_smime_encrypt(const void *entity, size_t len, X509 *to,
	    struct wm_buf *out, struct wm_err *);

/* PEM loaders for the gateway side. */
X509	*wm_smime_load_cert(const char *path, struct wm_err *);
STACK_OF(X509) *wm_smime_load_chain(const char *path, struct wm_err *);
EVP_PKEY *wm_smime_load_key(const char *path, struct wm_err *);

#endif
