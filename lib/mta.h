/*
 * mta.h - the MTA settings of the guide (§4, wm-mtacfg(8)): fields stored in
 * the database, validated field by field, and the Postfix parameters
 * generated from them.  Applying writes those parameters with postconf into
 * the instance's Postfix configuration directory (production: the system
 * Postfix), runs postfix check and reloads; any failure puts the previous
 * main.cf and master.cf back byte for byte.  The parameters the box owns
 * (relay recipient, tunnel transport, pipe to wm-deliver, header checks)
 * are generated here too and can never be changed through a field or the
 * raw configuration.  wm-init(8) writes its first main.cf from the same
 * generator, so the instance and production configuration have one source.
 */
#ifndef WM_MTA_H
#define WM_MTA_H

#include <stddef.h>

struct wm_buf;
struct wm_config;
struct wm_db;
struct wm_err;

/* The fields, in the order of the guide's pages (figures 10 and 11). */
enum wm_mta_id {
	WM_MTA_RELAY_DOMAINS = 0,
	WM_MTA_MY_NETWORKS,
	WM_MTA_MY_HOSTNAME,
	WM_MTA_EXT_HOST, WM_MTA_EXT_MX, WM_MTA_EXT_PORT,
	WM_MTA_WEB_HOST, WM_MTA_WEB_MX, WM_MTA_WEB_PORT,
	WM_MTA_INT_HOST, WM_MTA_INT_MX, WM_MTA_INT_PORT,
	WM_MTA_MATCH_SUBDOMAINS,
	WM_MTA_BEFORE_SIZE,
	WM_MTA_AFTER_SIZE,
	WM_MTA_MAILBOX_SIZE,
	WM_MTA_HELO,
	WM_MTA_RUV,
	WM_MTA_RUV_CODE,
	WM_MTA_DKIM_SIGNING,
	WM_MTA_DKIM_SELECTOR,
	WM_MTA_DKIM_DOMAIN,
	WM_MTA_NFIELDS
};

enum wm_mta_type {
	WM_MTA_DOMAINS,		/* space separated domain names */
	WM_MTA_CIDRS,		/* space separated IPv4/IPv6 networks */
	WM_MTA_HOSTNAME,	/* RFC 1123 host name, "" allowed */
	WM_MTA_HOST,		/* host name or IP address, "" allowed */
	WM_MTA_BOOL,
	WM_MTA_PORT,
	WM_MTA_SIZE,		/* bytes; K/M/G suffixes accepted */
	WM_MTA_CODE,		/* 450 or 550 */
	WM_MTA_SELECTOR		/* DKIM selector / domain label, "" allowed */
};

struct wm_mta_field {
	const char		*name;		/* the guide's label in kebab-case */
	enum wm_mta_type	 type;
	const char		*def;		/* built-in default */
	const char		*postfix;	/* the Postfix parameter(s) it feeds */
	int			 advanced;	/* on the "advanced settings" part */
	const char		*label;		/* the guide's label */
	const char		*help;		/* the guide's help text */
};

/* The table of fields, indexed by enum wm_mta_id. */
const struct wm_mta_field *wm_mta_fields(void);
/* -1 when name is no field. */
int	 wm_mta_find(const char *name);

/* The values of every field (stored or default). */
struct wm_mta;

struct wm_mta *wm_mta_defaults(void);
struct wm_mta *wm_mta_load(struct wm_db *, struct wm_err *);
void	 wm_mta_free(struct wm_mta *);
const char *wm_mta_get(const struct wm_mta *, enum wm_mta_id);
/* 1 when the field has a stored row, 0 when it shows its default. */
int	 wm_mta_is_set(const struct wm_mta *, enum wm_mta_id);

/*
 * Sets one field to the canonical form of value.  A value the field's
 * validator refuses fails with EX_DATAERR and a one-line message starting
 * with the field name; a network wider than /8 (an open relay) is refused
 * unless force.  Nothing is stored: see wm_mta_store.
 */
int	 wm_mta_set(struct wm_mta *, const char *name, const char *value,
	    int force, struct wm_err *);
/* Adds or removes one element of a list field (relay-domains, my-networks). */
int	 wm_mta_list_add(struct wm_mta *, enum wm_mta_id, const char *value,
	    int force, struct wm_err *);
int	 wm_mta_list_remove(struct wm_mta *, enum wm_mta_id, const char *value,
	    struct wm_err *);
/* Checks every field and the relations between them (sizes). */
int	 wm_mta_validate(const struct wm_mta *, struct wm_err *);
/* Validates, then stores every field in one transaction with an audit row. */
int	 wm_mta_store(struct wm_db *, const struct wm_mta *, const char *actor,
	    struct wm_err *);

/* One change of wm-mtacfg: load, change, validate everything, store. */
enum wm_mta_op { WM_MTA_OP_SET, WM_MTA_OP_ADD, WM_MTA_OP_REMOVE };
int	 wm_mta_change(struct wm_db *, const char *actor, enum wm_mta_op,
	    const char *field, const char *value, int force, struct wm_err *);

/*
 * A console form: every posted field checked, each refusal reported to bad
 * with the field's name, then the relations between fields; stored (with
 * audit) only when nothing was refused.  The number of refusals, or -1 when
 * storing failed.
 */
int	 wm_mta_form_store(struct wm_db *, const char *actor, const char *const *names,
	    const char *const *values, int n,
	    void (*bad)(void *, const char *field, const char *msg), void *arg,
	    struct wm_err *);

/*
 * Generation.  Each main.cf parameter is one "name = value" line of out;
 * rcpt is the relay recipient; cfg gives the listeners (capture-outbound
 * sends what has no relay host to the instance's smtp-sink).
 */
int	 wm_mta_main_cf(struct wm_buf *out, const struct wm_mta *,
	    const struct wm_config *, const char *rcpt);
/* The -o lines of the listener KEY ("smtp" or "relay") in master.cf. */
int	 wm_mta_master_opts(struct wm_buf *out, const struct wm_mta *,
	    const struct wm_config *, const char *key);

/*
 * The master.cf entry of the submission listener at listen (host:port;
 * nothing when empty), syslog name suffix name: the notice sender's mail
 * gets what sendmail's gets (header checks, the signing milters of
 * non_smtpd_milters) and none of the checks meant for tunnels.  sep joins
 * the lines: "\n  " for master.cf, " " for postconf -M.
 */
int	 wm_mta_submit_listener(struct wm_buf *out, const char *listen,
	    const char *name, const char *sep);

/* Parameters of main.cf nobody may change by hand (raw config): 1 if owned. */
int	 wm_mta_param_owned(const char *param);
/* The i-th of those parameters, NULL past the last. */
const char *wm_mta_owned_param(int i);

/*
 * Makes the instance's Postfix use what is stored: postconf, postfix check,
 * reload when running; restores main.cf and master.cf byte for byte on any
 * failure (err says why) and starts or stops OpenDKIM with signing.
 */
int	 wm_mta_apply(const struct wm_config *, struct wm_db *, struct wm_err *);

/*
 * Production joins a Postfix its administrator already runs: the fields its
 * main.cf answers explicitly (relayhost, myhostname, smtp_helo_name) and
 * that have no stored value yet are stored from it, so that the first apply
 * writes back what was there rather than defaults.  A value a field refuses
 * is logged and left out.  *imported: how many fields were stored.
 */
int	 wm_mta_import(const struct wm_config *, struct wm_db *, const char *actor,
	    int *imported, struct wm_err *);

/*
 * The raw main.cf: replaced as a whole when every owned parameter keeps its
 * value and postfix check accepts it, else left byte-identical (EX_DATAERR).
 */
int	 wm_mta_raw_get(const struct wm_config *, struct wm_buf *, struct wm_err *);
int	 wm_mta_raw_set(const struct wm_config *, const char *text, size_t len,
	    struct wm_err *);
/* postfix check of the configuration as it is. */
int	 wm_mta_check(const struct wm_config *, struct wm_err *);

/*
 * A setting of wm-prefs changed: when Postfix depends on it (relay-recipient),
 * the configuration is applied again.  Other names do nothing.
 */
int	 wm_mta_pref_changed(const struct wm_config *, struct wm_db *,
	    const char *name, struct wm_err *);

/* "wm_" before header_checks file names in production, else "". */
const char	*wm_mta_checks_prefix(const struct wm_config *);

#endif
