/*
 * keystore.h - the relay and CA private keys, kept apart from the main
 * database in a file only the instance user can open (see keystore.c).
 */
#ifndef WM_KEYSTORE_H
#define WM_KEYSTORE_H

struct wm_db;
struct wm_err;

/* The key store of the database at dbpath: <dir of dbpath>/keys/keys.db. */
char	*wm_keystore_path(const char *dbpath);
/*
 * Attaches the key store as schema "keystore" when this process may open it
 * (made first when missing and this process owns the database or is
 * root: directory 0700, file 0600, the database owner's).  A process
 * that cannot (the web user: EACCES) goes on without it; key reads then fail
 * instead of finding a copy.  Moves keys still kept in the main database
 * (an older schema, a restored backup) into the store.
 */
int	 wm_keystore_attach(struct wm_db *, const char *dbpath, int create,
	    struct wm_err *);
int	 wm_keystore_attached(struct wm_db *);
/* Moves PEMs left in main.private_keys into the store, drops orphans. */
int	 wm_keystore_adopt(struct wm_db *, struct wm_err *);
/* Fills the PEMs into a snapshot of the main database at path (a backup). */
int	 wm_keystore_export_into(struct wm_db *, const char *path,
	    struct wm_err *);

/* The PEM of the private_keys row aliased k, as an SQL expression. */
#define WM_KEY_PEM \
	"(SELECT p.pem FROM keystore.key_pem p WHERE p.cert_id = k.cert_id)"

#endif
