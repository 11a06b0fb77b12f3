/*
 * instance.h - creating a self-contained wm instance (wm-init(8)): wm.conf,
 * database with secrets and the relay recipient certificate, mail, log and
 * run directories, a private Postfix configuration with its own queue and a
 * lighttpd configuration with a self-signed certificate, all on loopback.
 */
#ifndef WM_INSTANCE_H
#define WM_INSTANCE_H

struct wm_config;
struct wm_err;

/* The loopback listeners of an instance, in the order ports are handed out. */
enum wm_listener {
	WM_LISTEN_SMTP = 0,	/* tunnels in */
	WM_LISTEN_RELAY,	/* mail of webmail users, out via the webmail relay host */
	WM_LISTEN_SINK,		/* smtp-sink capturing outbound mail */
	WM_LISTEN_PORTAL,
	WM_LISTEN_ADMIN,
	WM_LISTEN_SUBMIT,	/* the notice sender's mail, as local submissions */
	WM_LISTEN_COUNT
};

/* The web programs' user by default: in wm's group, no key store. */
#define WM_WEB_USER	"wmweb"

struct wm_instance_opts {
	const char	*dir;		/* the instance home; created if missing */
	int		 port_base;	/* 0: any free loopback ports */
	int		 capture_outbound;
	int		 lmtp;		/* transport: wm-lmtpd instead of the pipe */
	int		 force;		/* rewrite an existing instance, keep its data */
	const char	*user;		/* NULL: "wm" */
	const char	*web_user;	/* NULL: WM_WEB_USER as root with user wm,
					   else user; "": user */
	const char	*bin;		/* NULL: the directory of the running program */
	const char	*templates;	/* NULL: see wm_instance_datadir() */
};

/*
 * Creates (or with force, rewrites) the instance.  An existing wm.conf without
 * force fails with EX_CANTCREAT.  The database and mail of an existing
 * instance are kept: secrets and the relay certificate are only made when
 * missing.
 */
int	 wm_instance_create(const struct wm_instance_opts *, struct wm_err *);

/*
 * Picks n distinct free loopback ports: from base upwards when base > 0
 * (failing with EX_UNAVAILABLE when one is taken), else at random below the
 * kernel's ephemeral range, where no outgoing connection takes them before
 * the services bind them.
 * A zero in want[i] skips port i (left 0).
 */
int	 wm_instance_ports(int base, const int *want, int *ports, int n,
	    struct wm_err *);

/*
 * Where templates, static files and CGI programs are for programs in bindir:
 * the source tree when bindir is BUILD/bin of a build directory inside it
 * (BUILD/../templates/html and BUILD/../lib/instance.h exist), else the
 * installed locations.  which: "templates" or "cgi".  malloc'd.
 */
char	*wm_instance_datadir(const char *bindir, const char *which);

/* The directory of the running program (readlink /proc/self/exe), malloc'd. */
char	*wm_instance_self_dir(struct wm_err *);

/* A self-signed P-256 certificate for localhost / 127.0.0.1 and its key, PEM. */
int	 wm_instance_tls_cert(const char *path, struct wm_err *);

/*
 * (Re)writes the private Postfix main.cf, master.cf and header_checks from
 * wm.conf, the MTA fields (NULL: their defaults; see mta.h, which generates
 * every routing parameter) and the relay recipient address.
 */
struct wm_mta;
int	 wm_instance_write_postfix(const struct wm_config *, const struct wm_mta *,
	    const char *relay_recipient, struct wm_err *);
int	 wm_instance_write_lighttpd(const struct wm_config *, struct wm_err *);
/*
 * The lighttpd configuration of an instance or of production (wm.conf
 * [instance] production = yes: the FastCGI application always), appended
 * to b: the one source of both, so production's cannot drift.
 */
struct wm_buf;
int	 wm_instance_lighttpd_conf(const struct wm_config *, struct wm_buf *,
	    struct wm_err *);

/* TLS of the web listeners: AEAD suites with forward secrecy, no CCM8. */
#define WM_TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:" \
	"!aNULL:!eNULL:!CCM:!CCM8"
#define WM_TLS13_SUITES	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:" \
	"TLS_AES_128_GCM_SHA256"
/* What lighttpd adds to its own answers (static files, its error pages). */
#define WM_BASE_CSP	"default-src 'none'; style-src 'self'; img-src 'self'; " \
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

/*
 * The header a local submitter (the portal) puts on mail of webmail users so
 * that it leaves through the webmail relay host: Postfix's header_checks
 * FILTER it to the relay listener.  SMTP listeners skip header checks, so
 * mail from outside cannot choose its route with it.
 */
#define WM_RELAY_HEADER		"X-WM-Relay"
#define WM_RELAY_HEADER_VALUE	"webmail"

/*
 * Production (wm-init --system): from the installed wm.conf ([instance]
 * production = yes) the same code as an instance's makes the directories,
 * log, database with secrets, relay key and certificate, HTTPS certificate,
 * header checks and lighttpd.conf; what exists is kept, so it is safe to
 * run again.  The system Postfix is the package's to join (postconf).
 */
int	 wm_instance_system(const char *conf, struct wm_err *);
/* The main.cf parameters production needs, "name = value" lines, into b. */
int	 wm_instance_system_main_cf(const char *conf, struct wm_buf *,
	    struct wm_err *);
/* The master.cf entry of [listen] submit on one line ("" when unset). */
int	 wm_instance_system_submit(const char *conf, struct wm_buf *,
	    struct wm_err *);

#endif
