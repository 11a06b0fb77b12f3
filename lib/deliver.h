/*
 * deliver.h - the whole delivery of one tunnel (wm-deliver(8)): decrypt with
 * a relay key, verify the signer, parse the envelope, then store the
 * original once per envelope recipient, index it and notify.
 *
 * Outcomes: 0 when every recipient has the mail (or was skipped for quota,
 * or had it already), or when a refused tunnel went to the postmaster;
 * -1 with EX_TEMPFAIL when anything may clear up (nothing half-done is left
 * that a retry would duplicate); -1 with EX_NOINPUT for empty input.
 * Every outcome is one log line naming recipient, delivery key and reason.
 */
#ifndef WM_DELIVER_H
#define WM_DELIVER_H

#include <stddef.h>

struct wm_config;
struct wm_db;
struct wm_err;

/* Default and [limits]-free cap on the size of a tunnel. */
#define WM_DELIVER_MAX	(100UL * 1024 * 1024)

/* hex SHA-256(original || 0x00 || recipient): never stored twice. */
int	 wm_deliver_key(const void *original, size_t len, const char *recipient,
	    char out[65]);

/*
 * sender and recipient are the outer envelope as Postfix gives them, for
 * the log.  The tunnel bytes are only read.
 */
int	 wm_deliver(struct wm_config *, struct wm_db *, const char *sender,
	    const char *recipient, const void *tunnel, size_t len,
	    struct wm_err *);

/*
 * Reads the tunnel from fd (Postfix's pipe) and delivers it.  A regular
 * file is used in place; a small tunnel is read into memory; a larger one
 * is spooled to an unnamed file, so no copy of it stays in memory while it
 * is decrypted.  Larger than max: EX_DATAERR, nothing delivered.
 */
int	 wm_deliver_stream(struct wm_config *, struct wm_db *, const char *sender,
	    const char *recipient, int fd, size_t max, struct wm_err *);

/*
 * A deliverer for a long-running service (wm-lmtpd): holds the relay keys
 * (decoded once) and the certificate store, reloading them only when keys,
 * certificates or CRLs change.  wm_deliverer_run is wm_deliver_stream with
 * them: the same delivery, the same outcomes.
 */
struct wm_deliverer;
struct wm_deliverer *wm_deliverer_new(struct wm_config *, struct wm_db *,
	    struct wm_err *);
void	 wm_deliverer_free(struct wm_deliverer *);
int	 wm_deliverer_run(struct wm_deliverer *, const char *sender,
	    const char *recipient, int fd, size_t max, struct wm_err *);
/* The same for a tunnel already in memory (LMTP DATA up to a few MB). */
int	 wm_deliverer_mem(struct wm_deliverer *, const char *sender,
	    const char *recipient, const void *mail, size_t len, struct wm_err *);

#endif
