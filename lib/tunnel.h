/*
 * tunnel.h - the tunnel format of wm-tunnel(5): the signed content is one
 * message/rfc822 entity whose header block carries the envelope (WM-
 * fields), followed by the original mail byte for byte.
 */
#ifndef WM_TUNNEL_H
#define WM_TUNNEL_H

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

struct wm_buf;
struct wm_err;

#define WM_TUNNEL_VERSION	1

struct wm_tunnel {
	int			 version;
	char			*sender;	/* WM-Envelope-Sender, "" when absent */
	char			**recipients;	/* canonical, duplicates removed */
	size_t			 nrecipients;
	int			 read_receipt;	/* WM-Read-Receipt: yes */
	time_t			 expires;	/* WM-Expires, 0: none */
	const unsigned char	*original;	/* points into the parsed bytes */
	size_t			 original_len;
};

/*
 * Parses the signed content.  The result points into data, which must
 * outlive it.  EX_DATAERR names what is wrong: "missing WM-Tunnel-Version",
 * "no recipient", "malformed recipient address ...", ...
 */
struct wm_tunnel *wm_tunnel_parse(const void *data, size_t len, struct wm_err *);
void	 wm_tunnel_free(struct wm_tunnel *);

/*
 * Appends a tunnel entity (CRLF line ends in the envelope) for the fields of
 * t (version, sender, recipients, read_receipt, expires) and the original
 * mail as given.  Refuses CR/LF in the fields and invalid addresses.
 */
int	 wm_tunnel_build(const struct wm_tunnel *t, const void *original,
	    size_t len, struct wm_buf *out, struct wm_err *);

/* What wm-tunnel needs to seal a tunnel for the webmail box. */
struct wm_tunnel_seal {
	const char	*from;		/* outer From: (default: the sender) */
	const char	*relay;		/* outer To: the relay recipient */
	const char	*subject;	/* outer Subject: */
	X509		*sign_cert;
	EVP_PKEY	*sign_key;
	STACK_OF(X509)	*chain;		/* sent along, may be NULL */
	X509		*to_cert;	/* the relay recipient certificate */
	int		 detached;	/* multipart/signed instead of opaque */
};

/*
 * Builds the tunnel of t and original, signs it, encrypts it (AES-256) and
 * appends the complete outer RFC 5322 mail (LF line ends) to out.
 */
int	 wm_tunnel_seal(const struct wm_tunnel *t, const void *original,
	    size_t len, const struct wm_tunnel_seal *, struct wm_buf *out,
	    struct wm_err *);

#endif
