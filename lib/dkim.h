/*
 * dkim.h - DKIM signing of the mail the box sends, by Debian's OpenDKIM as a
 * milter of the instance's Postfix (we never sign ourselves).  The key is
 * made by opendkim-genkey in DIR/dkim/ (DIR: the directory of wm.conf); the
 * selector, domain and on/off live with the MTA fields (mta.h).  While
 * signing is on, DIR/dkim/opendkim.conf exists and wm-ctl(8) runs OpenDKIM
 * with the instance.
 */
#ifndef WM_DKIM_H
#define WM_DKIM_H

struct wm_buf;
struct wm_config;
struct wm_db;
struct wm_err;
struct wm_mta;

/* DIR/dkim/opendkim.conf (malloc'd). */
char	*wm_dkim_conf_path(const struct wm_config *);
/* The milter address for Postfix: "unix:RUN/opendkim/opendkim.sock". */
char	*wm_dkim_milter(const struct wm_config *);
/* 1 when OpenDKIM accepts connections on its socket. */
int	 wm_dkim_listening(const struct wm_config *);

/* Writes opendkim.conf when the fields turn signing on, removes it when off. */
int	 wm_dkim_configure(const struct wm_config *, const struct wm_mta *,
	    struct wm_err *);

/*
 * Makes a 2048-bit RSA key for selector and domain (replacing an older key
 * of that selector) and stores both in the MTA fields.  Signing is not
 * turned on by this: see wm-mtacfg dkim enable.
 */
int	 wm_dkim_create(const struct wm_config *, struct wm_db *, const char *selector,
	    const char *domain, const char *actor, struct wm_err *);

/*
 * The DNS record to publish, one line:
 * S._domainkey.D. IN TXT "v=DKIM1; k=rsa; p=..."
 * and, in value (may be NULL), the TXT value alone.
 */
int	 wm_dkim_record(const struct wm_config *, struct wm_db *, struct wm_buf *line,
	    struct wm_buf *value, struct wm_err *);

#endif
