/*
 * config.h - wm.conf(5): paths, listen addresses and commands of one instance.
 * Every setting of the guide lives in the database instead (prefs.h).
 */
#ifndef WM_CONFIG_H
#define WM_CONFIG_H

struct wm_err;
struct wm_config;

/*
 * Loads path, else $WM_CONFIG, else SYSCONFDIR/wm/wm.conf.  Unknown sections or
 * keys and syntax errors fail with EX_CONFIG naming file:line.
 */
struct wm_config *wm_config_load(const char *path, struct wm_err *);
/* An empty configuration (all defaults), for wm-init before it writes a file. */
struct wm_config *wm_config_new(const char *dir);
void	 wm_config_free(struct wm_config *);

/* The value as written or its default; NULL when neither exists. */
const char *wm_config_get(const struct wm_config *, const char *section,
	    const char *key);
/* A [paths] value made absolute against the directory of wm.conf. */
const char *wm_config_path(const struct wm_config *, const char *key);
int	 wm_config_bool(const struct wm_config *, const char *section,
	    const char *key);
int	 wm_config_set(struct wm_config *, const char *section, const char *key,
	    const char *value);
/* Where the file was read from and its directory (the instance home). */
const char *wm_config_file(const struct wm_config *);
const char *wm_config_dir(const struct wm_config *);
/* Writes the configuration back as a wm.conf file. */
int	 wm_config_write(const struct wm_config *, const char *path, struct wm_err *);

/* Splits "127.0.0.1:2525" into host and port; -1 when malformed. */
int	 wm_config_hostport(const char *, char *host, unsigned long hostlen, int *port);

#endif
