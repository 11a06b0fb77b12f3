/*
 * instance.c - see instance.h.  The private Postfix of an instance runs its
 * own command_directory holding non-set-gid copies of postdrop and postqueue:
 * the system set-gid programs only accept a foreign configuration directory
 * from a non-root caller when /etc/postfix/main.cf lists it, and wm-deliver
 * (the wm user) must submit notifications without touching this machine's
 * /etc.  sendmail itself refuses -C from non-root callers, so [commands]
 * sendmail passes the directory in MAIL_CONFIG.  wm_ctl_postfix_prepare()
 * opens the queue's maildrop to the copies.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "admins.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "err.h"
#include "instance.h"
#include "keystore.h"
#include "pathcheck.h"
#include "log.h"
#include "mta.h"
#include "dkim.h"
#include "pki.h"
#include "prefs.h"
#include "util.h"

#ifndef WM_DATADIR
#define WM_DATADIR "/usr/share"
#endif
#ifndef WM_LIBEXECDIR
#define WM_LIBEXECDIR "/usr/libexec"
#endif

#define DEFAULT_RELAY_RECIPIENT	"webmail@webmail.local"
#define POSTFIX_SBIN		"/usr/sbin"

static const char *listen_keys[WM_LISTEN_COUNT] = {
	"smtp", "relay", "sink", "portal", "admin", "submit"
};

/* Who owns what inside an instance. */
struct owner {
	uid_t	 uid;
	gid_t	 gid;
	char	 group[64];
	int	 chown;		/* only root can give files away */
};

struct ctx {
	const struct wm_instance_opts	*o;
	char				*dir;	/* absolute */
	const char			*user;
	const char			*web_user;	/* "": as user */
	struct owner			 wm;
	struct wm_config		*cfg;
	int				 ports[WM_LISTEN_COUNT];
};

static int
owner_lookup(const char *user, struct owner *ow, struct wm_err *err)
{
	struct passwd *pw;
	struct group *gr;

	if ((pw = getpwnam(user)) == NULL)
		return wm_err_set(err, EX_NOUSER, "no system user %s "
		    "(scripts/deps creates it)", user);
	ow->uid = pw->pw_uid;
	ow->gid = pw->pw_gid;
	if ((gr = getgrgid(pw->pw_gid)) == NULL)
		return wm_err_set(err, EX_NOUSER, "no group for user %s", user);
	snprintf(ow->group, sizeof(ow->group), "%s", gr->gr_name);
	ow->chown = geteuid() == 0;
	return 0;
}

static int
give(const char *path, uid_t uid, gid_t gid, int really, struct wm_err *err)
{
	if (!really)
		return 0;
	if (chown(path, uid, gid) == -1)
		return wm_err_set(err, EX_CANTCREAT, "chown %s: %s", path,
		    strerror(errno));
	return 0;
}

/* mkdir -p, then the exact mode and owner (mkdir's mode is cut by umask). */
static int
make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, int really,
    struct wm_err *err)
{
	if (wm_mkdir_p(path, mode, err) == -1)
		return -1;
	if (chmod(path, mode) == -1)
		return wm_err_set(err, EX_CANTCREAT, "chmod %s: %s", path,
		    strerror(errno));
	return give(path, uid, gid, really, err);
}

static int
write_text(const char *path, const struct wm_buf *b, mode_t mode, struct wm_err *err)
{
	if (b->data == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return wm_write_file_atomic(path, b->data, b->len, mode, err);
}

char *
wm_instance_self_dir(struct wm_err *err)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1) {
		wm_err_set(err, EX_OSERR, "readlink /proc/self/exe: %s",
		    strerror(errno));
		return NULL;
	}
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL || slash == exe)
		return wm_strdup("/");
	*slash = '\0';
	return wm_strdup(exe);
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
wm_instance_datadir(const char *bindir, const char *which)
{
	char up[PATH_MAX], top[PATH_MAX], *templ, *marker;
	int i, source;

	/* bindir is BUILD/bin or BUILD/san/bin; the source tree is above. */
	for (source = 0, i = 2; !source && i <= 3; i++) {
		snprintf(up, sizeof(up), "%s%s", bindir, i == 2 ? "/../.." :
		    "/../../..");
		if (realpath(up, top) == NULL)
			top[0] = '\0';
		templ = wm_asprintf("%s/templates/html", top);
		marker = wm_asprintf("%s/lib/instance.h", top);
		source = top[0] != '\0' && templ != NULL && marker != NULL &&
		    is_dir(templ) && wm_path_exists(marker);
		free(templ);
		free(marker);
	}
	if (strcmp(which, "cgi") == 0) {
		snprintf(up, sizeof(up), "%s/..", bindir);
		if (source && realpath(up, top) != NULL)
			return wm_asprintf("%s/cgi", top);
		return wm_strdup(WM_LIBEXECDIR "/wm/cgi");
	}
	if (source)
		return wm_asprintf("%s/%s", top, which);
	return wm_asprintf("%s/wm/%s", WM_DATADIR, which);
}

static int
bind_loopback(int port, int *out, struct wm_err *err)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return wm_err_set(err, EX_OSERR, "socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		wm_err_set(err, EX_UNAVAILABLE, "port 127.0.0.1:%d: %s", port,
		    strerror(errno));
		close(s);
		return -1;
	}
	*out = ntohs(sin.sin_port);
	return s;
}

/*
 * The low end of the kernel's ephemeral range, or 0 when unknown.  A port
 * handed out here stays closed until Postfix or lighttpd binds it; inside
 * the ephemeral range any outgoing connection meanwhile (Postfix's own smtp
 * client, a mail sender's) may take it as its local port, and the listener
 * then fails to start.
 */
static int
ephemeral_low(void)
{
	FILE *f;
	int lo = 0;

	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) == NULL)
		return 0;
	if (fscanf(f, "%d", &lo) != 1)
		lo = 0;
	fclose(f);
	return lo;
}

/* A free port below the ephemeral range, else one the kernel picks. */
static int
bind_free(int *out, struct wm_err *err)
{
	int top = ephemeral_low(), bottom = 10000, tries, s;
	unsigned int r;

	for (tries = 0; top - bottom >= 1000 && tries < 200; tries++) {
		if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
			break;
		s = bind_loopback(bottom + (int)(r % (unsigned)(top - bottom)),
		    out, err);
		if (s != -1)
			return s;
	}
	return bind_loopback(0, out, err);
}

int
wm_instance_ports(int base, const int *want, int *ports, int n, struct wm_err *err)
{
	int socks[WM_LISTEN_COUNT * 2];
	int i, rc = 0;

	if (n > (int)(sizeof(socks) / sizeof(socks[0])))
		return wm_err_set(err, EX_SOFTWARE, "too many ports");
	if (base > 0 && base + n - 1 > 65535)
		return wm_err_set(err, EX_USAGE, "port base %d too high", base);
	/* Keep every socket bound until all are known, so they are distinct. */
	for (i = 0; i < n; i++) {
		socks[i] = -1;
		ports[i] = 0;
		if (rc == -1 || !want[i])
			continue;
		socks[i] = base > 0 ? bind_loopback(base + i, &ports[i], err) :
		    bind_free(&ports[i], err);
		if (socks[i] == -1)
			rc = -1;
	}
	for (i = 0; i < n; i++)
		if (socks[i] != -1)
			close(socks[i]);
	return rc;
}

static int
add_ext(X509 *x, int nid, const char *value, struct wm_err *err)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return wm_err_set(err, EX_SOFTWARE, "certificate extension %s",
		    OBJ_nid2sn(nid));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *
make_cert(EVP_PKEY *key, struct wm_err *err)
{
	unsigned char serial[16];
	X509_NAME *name;
	BIGNUM *bn;
	X509 *x;

	if ((x = X509_new()) == NULL)
		goto fail;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		BN_free(bn);
		goto fail;
	}
	BN_free(bn);
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 825L * 86400) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE", err) == -1 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature", err) == -1 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth", err) == -1 ||
	    add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1", err) == -1)
		goto fail_quiet;
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto fail;
	return x;
fail:
	wm_err_set(err, EX_SOFTWARE, "cannot create the HTTPS certificate");
fail_quiet:
	X509_free(x);
	return NULL;
}

int
wm_instance_tls_cert(const char *path, struct wm_err *err)
{
	EVP_PKEY *key;
	X509 *x = NULL;
	BIO *mem = NULL;
	char *data;
	long len;
	int rc = -1;

	if ((key = EVP_EC_gen("P-256")) == NULL)
		return wm_err_set(err, EX_SOFTWARE, "cannot generate the HTTPS key");
	if ((x = make_cert(key, err)) == NULL)
		goto out;
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(mem, x) != 1 ||
	    PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL) != 1) {
		wm_err_set(err, EX_SOFTWARE, "cannot encode the HTTPS certificate");
		goto out;
	}
	len = BIO_get_mem_data(mem, &data);
	rc = wm_write_file_atomic(path, data, (size_t)len, 0600, err);
	OPENSSL_cleanse(data, (size_t)len);
out:
	BIO_free(mem);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int
port_of(const struct wm_config *cfg, const char *key)
{
	char host[64];
	int port;

	if (wm_config_hostport(wm_config_get(cfg, "listen", key), host,
	    sizeof(host), &port) == -1)
		return 0;
	return port;
}

static void
main_cf(struct wm_buf *b, const struct wm_config *cfg, const struct wm_mta *mta,
    const char *rcpt)
{
	const char *dir = wm_config_dir(cfg), *pf = wm_config_path(cfg, "postfix");

	wm_buf_printf(b,
	    "# main.cf of the private Postfix of wm instance %s, written by\n"
	    "# wm-init(8).  Start it with wm-ctl(8); check it with\n"
	    "# postfix -c %s check\n\n",
	    wm_config_get(cfg, "instance", "name"), pf);
	wm_buf_printf(b,
	    "compatibility_level = 3.6\n"
	    "queue_directory = %s\n"
	    "data_directory = %s/postfix-data\n"
	    "command_directory = %s/bin\n"
	    "maillog_file = %s/postfix.log\n"
	    "maillog_file_prefixes = %s\n"
	    "syslog_name = postfix-%s\n",
	    wm_config_path(cfg, "queue"), dir, pf,
	    wm_config_path(cfg, "logdir"), wm_config_path(cfg, "logdir"),
	    wm_config_get(cfg, "instance", "name"));
	wm_buf_puts(b,
	    "myorigin = $myhostname\n"
	    "mydestination =\n"
	    "local_recipient_maps =\n"
	    "local_transport = error:5.1.1 local delivery is disabled\n"
	    "alias_maps =\n"
	    "alias_database =\n"
	    "biff = no\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "inet_protocols = ipv4\n");
	/* A private instance is for tests and demos: retry quickly. */
	wm_buf_puts(b,
	    "queue_run_delay = 1s\n"
	    "minimal_backoff_time = 1s\n"
	    "maximal_backoff_time = 5s\n");
	/* Routing, relaying and limits: what wm-mtacfg apply also writes. */
	wm_buf_puts(b, "\n# Generated from the MTA fields (wm-mtacfg(8)) and the relay recipient.\n");
	wm_mta_main_cf(b, mta, cfg, rcpt);
}

/*
 * smtp_header_checks of every SMTP client: the routing mark has done its
 * work in cleanup (header_checks) and must not reach the next hop.
 */
static int
write_smtp_checks(const char *pf, const char *prefix, struct wm_err *err)
{
	struct wm_buf b;
	char *path;
	int rc = -1;

	wm_buf_init(&b);
	if (wm_buf_printf(&b,
	    "# Written by wm-init(8).  The routing header of mail of webmail\n"
	    "# users (see header_checks) never leaves the box.\n"
	    "/^%s:/ IGNORE\n", WM_RELAY_HEADER) == -1 ||
	    (path = wm_asprintf("%s/%ssmtp_header_checks", pf, prefix)) == NULL) {
		wm_buf_free(&b);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	rc = write_text(path, &b, 0644, err);
	free(path);
	wm_buf_free(&b);
	return rc;
}

/* header_checks (the route of portal mail) and smtp_header_checks. */
static int
write_checks(const struct wm_config *cfg, struct wm_err *err)
{
	const char *pf = wm_config_path(cfg, "postfix");
	const char *prefix = wm_mta_checks_prefix(cfg);
	struct wm_buf b;
	char *path;
	int rc;

	wm_buf_init(&b);
	wm_buf_printf(&b,
	    "# Mail of webmail users (the portal adds this header) goes to the\n"
	    "# relay listener, which sends it on to the webmail relay host.\n"
	    "/^%s:[[:space:]]*%s[[:space:]]*$/ FILTER smtp:[127.0.0.1]:%d\n",
	    WM_RELAY_HEADER, WM_RELAY_HEADER_VALUE, port_of(cfg, "relay"));
	if ((path = wm_asprintf("%s/%sheader_checks", pf, prefix)) == NULL) {
		wm_buf_free(&b);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	rc = write_text(path, &b, 0644, err);
	free(path);
	wm_buf_free(&b);
	return rc == 0 ? write_smtp_checks(pf, prefix, err) : -1;
}

/* The notice sender's mail: a local submission, over SMTP. */
static void
submit_listener(struct wm_buf *b, const struct wm_config *cfg, const char *name)
{
	char *syslog = wm_asprintf("postfix-%s", name);

	if (syslog != NULL)
		wm_mta_submit_listener(b, wm_config_get(cfg, "listen", "submit"),
		    syslog, "\n  ");
	free(syslog);
}

static void
master_cf(struct wm_buf *b, const struct wm_config *cfg, const struct wm_mta *mta)
{
	static const char *services =
	    "pickup    unix  n       -       n       60      1       pickup\n"
	    "cleanup   unix  n       -       n       -       0       cleanup\n"
	    "qmgr      unix  n       -       n       300     1       qmgr\n"
	    "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n"
	    "rewrite   unix  -       -       n       -       -       trivial-rewrite\n"
	    "bounce    unix  -       -       n       -       0       bounce\n"
	    "defer     unix  -       -       n       -       0       bounce\n"
	    "trace     unix  -       -       n       -       0       bounce\n"
	    "verify    unix  -       -       n       -       1       verify\n"
	    "flush     unix  n       -       n       1000?   0       flush\n"
	    "proxymap  unix  -       -       n       -       -       proxymap\n"
	    "proxywrite unix -       -       n       -       1       proxymap\n"
	    "smtp      unix  -       -       n       -       -       smtp\n"
	    "relay     unix  -       -       n       -       -       smtp\n"
	    "showq     unix  n       -       n       -       -       showq\n"
	    "error     unix  -       -       n       -       -       error\n"
	    "lmtp      unix  -       -       n       -       -       lmtp\n"
	    "retry     unix  -       -       n       -       -       error\n"
	    "discard   unix  -       -       n       -       -       discard\n"
	    "anvil     unix  -       -       n       -       1       anvil\n"
	    "scache    unix  -       -       n       -       1       scache\n"
	    "postlog   unix-dgram n  -       n       -       1       postlogd\n";
	const char *name = wm_config_get(cfg, "instance", "name");

	wm_buf_printf(b,
	    "# master.cf of the private Postfix of wm instance %s, written by\n"
	    "# wm-init(8).  chroot is n everywhere: the queue is private.\n\n",
	    name);
	/* Tunnels in.  Header checks are for local submissions only. */
	wm_buf_printf(b,
	    "127.0.0.1:%d inet n - n - - smtpd\n"
	    "  -o syslog_name=postfix-%s/smtp\n"
	    "  -o receive_override_options=no_header_body_checks\n",
	    port_of(cfg, "smtp"), name);
	wm_mta_master_opts(b, mta, cfg, "smtp");
	/* Mail of webmail users: leaves through the webmail relay host. */
	wm_buf_printf(b,
	    "127.0.0.1:%d inet n - n - - smtpd\n"
	    "  -o syslog_name=postfix-%s/relay\n"
	    "  -o receive_override_options=no_header_body_checks\n"
	    "  -o smtpd_relay_restrictions=permit_mynetworks,reject\n",
	    port_of(cfg, "relay"), name);
	wm_mta_master_opts(b, mta, cfg, "relay");
	submit_listener(b, cfg, name);
	wm_buf_puts(b, services);
	wm_buf_printf(b,
	    "wmdeliver unix  -       n       n       -       -       pipe\n"
	    "  flags=Rq user=%s argv=%s/wm-deliver -c %s --sender ${sender}"
	    " --recipient ${recipient}\n",
	    wm_config_get(cfg, "instance", "user"), wm_config_path(cfg, "bin"),
	    wm_config_file(cfg));
}

/*
 * command_directory of the private Postfix: links to the system programs,
 * except postdrop and postqueue, which are copied without their set-gid bit
 * (see the comment at the top of this file).
 */
static int
postfix_bin(const char *bindir, struct wm_err *err)
{
	static const char *links[] = { "postalias", "postcat", "postconf",
	    "postfix", "postkick", "postlock", "postlog", "postmap", "postmulti",
	    "postsuper", "sendmail", NULL };
	static const char *copies[] = { "postdrop", "postqueue", NULL };
	struct wm_buf b;
	char *from, *to;
	int i, rc = 0;

	for (i = 0; rc == 0 && links[i] != NULL; i++) {
		from = wm_asprintf("%s/%s", POSTFIX_SBIN, links[i]);
		to = wm_asprintf("%s/%s", bindir, links[i]);
		if (from == NULL || to == NULL)
			rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
		else if ((unlink(to) == -1 && errno != ENOENT) ||
		    symlink(from, to) == -1)
			rc = wm_err_set(err, EX_CANTCREAT, "symlink %s: %s", to,
			    strerror(errno));
		free(from);
		free(to);
	}
	for (i = 0; rc == 0 && copies[i] != NULL; i++) {
		wm_buf_init(&b);
		from = wm_asprintf("%s/%s", POSTFIX_SBIN, copies[i]);
		to = wm_asprintf("%s/%s", bindir, copies[i]);
		if (from == NULL || to == NULL)
			rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
		else if (wm_read_file(from, 16 << 20, &b, err) == -1 ||
		    wm_write_file_atomic(to, b.data, b.len, 0755, err) == -1)
			rc = -1;
		wm_buf_free(&b);
		free(from);
		free(to);
	}
	return rc;
}

int
wm_instance_write_postfix(const struct wm_config *cfg, const struct wm_mta *given,
    const char *rcpt, struct wm_err *err)
{
	const char *pf = wm_config_path(cfg, "postfix");
	struct wm_mta *dflt = NULL;
	const struct wm_mta *mta = given;
	struct wm_buf b;
	char *path = NULL, *bindir = NULL;
	int rc = -1;

	wm_buf_init(&b);
	if (mta == NULL && (mta = dflt = wm_mta_defaults()) == NULL)
		goto out;
	if (make_dir(pf, 0755, 0, 0, 0, err) == -1 ||
	    wm_dkim_configure(cfg, mta, err) == -1)
		goto out;
	main_cf(&b, cfg, mta, rcpt);
	if ((path = wm_asprintf("%s/main.cf", pf)) == NULL ||
	    write_text(path, &b, 0644, err) == -1)
		goto out;
	free(path);
	wm_buf_free(&b);
	master_cf(&b, cfg, mta);
	if ((path = wm_asprintf("%s/master.cf", pf)) == NULL ||
	    write_text(path, &b, 0644, err) == -1)
		goto out;
	free(path);
	path = NULL;
	wm_buf_free(&b);
	if (write_checks(cfg, err) == -1)
		goto out;
	if ((bindir = wm_asprintf("%s/bin", pf)) == NULL ||
	    make_dir(bindir, 0755, 0, 0, 0, err) == -1 ||
	    postfix_bin(bindir, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && err != NULL && err->code == 0)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_mta_free(dflt);
	free(bindir);
	free(path);
	wm_buf_free(&b);
	return rc;
}

#ifndef WM_SYSCONFDIR
#define WM_SYSCONFDIR "/etc"
#endif

static int
production(const struct wm_config *cfg)
{
	return wm_config_bool(cfg, "instance", "production") == 1;
}

/* The wm.conf the web programs read: production's where it is installed. */
static const char *
conf_file(const struct wm_config *cfg)
{
	return production(cfg) ? WM_SYSCONFDIR "/wm/wm.conf" :
	    wm_config_file(cfg);
}

/* Uploads beside the data: DIR/tmp of an instance, /var/lib/wm/tmp. */
static char *
upload_dir(const struct wm_config *cfg)
{
	char *db = wm_strdup(wm_config_path(cfg, "database")), *slash, *dir;

	if (!production(cfg) || db == NULL) {
		free(db);
		return wm_asprintf("%s/tmp", wm_config_dir(cfg));
	}
	/* .../db/wm.db -> .../tmp */
	if ((slash = strrchr(db, '/')) != NULL)
		*slash = '\0';
	if ((slash = strrchr(db, '/')) != NULL)
		*slash = '\0';
	dir = wm_asprintf("%s/tmp", db);
	free(db);
	return dir;
}

/* The host part of a [listen] address ("0.0.0.0", "127.0.0.1"). */
static void
host_of(const struct wm_config *cfg, const char *key, char *host, size_t len)
{
	int port;

	if (wm_config_hostport(wm_config_get(cfg, "listen", key), host, len,
	    &port) == -1)
		snprintf(host, len, "127.0.0.1");
}

/*
 * Bounds against slow and many clients (M1): every connection must send its
 * request within max-read-idle, idle keep-alives go after 5 s, and there is
 * room for thousands of connections so that slow ones do not crowd out the
 * rest.  Debian's lighttpd has no mod_evasive: the per-client bound is the
 * request size and field bounds here and the per-address login throttle.
 */
static void
lighttpd_limits(struct wm_buf *b)
{
	wm_buf_puts(b,
	    "server.max-fds = 16384\n"
	    "server.max-connections = 8192\n"
	    "server.listen-backlog = 1024\n"
	    "server.max-read-idle = 10\n"
	    "server.max-write-idle = 60\n"
	    "server.max-keep-alive-idle = 5\n"
	    "server.max-request-field-size = 8192\n"
	    "server.max-request-size = 65536\n");
}

/*
 * TLS without CCM8 (I3); headers on every answer, lighttpd's own error pages
 * too (L2 HSTS, nosniff, a baseline CSP that pages can only tighten).
 */
static void
lighttpd_tls(struct wm_buf *b, const char *pem)
{
	wm_buf_printf(b,
	    "ssl.engine = \"enable\"\n"
	    "ssl.pemfile = \"%s\"\n"
	    "ssl.openssl.ssl-conf-cmd = ( \"MinProtocol\" => \"TLSv1.2\",\n"
	    "    \"CipherString\" => \"%s\",\n"
	    "    \"Ciphersuites\" => \"%s\" )\n"
	    "setenv.set-response-header = (\n"
	    "    \"Strict-Transport-Security\" => \"max-age=31536000\",\n"
	    "    \"X-Content-Type-Options\" => \"nosniff\" )\n"
	    /* The programs send their own policies; the rest is lighttpd's. */
	    "$HTTP[\"url\"] !~ \"^/(portal|admin)\\.cgi\" {\n"
	    "\tsetenv.set-response-header += (\n"
	    "\t    \"Content-Security-Policy\" => \"%s\" )\n"
	    "}\n",
	    pem, WM_TLS12_CIPHERS, WM_TLS13_SUITES, WM_BASE_CSP);
}

/*
 * The FastCGI block of one program (portal or admin), the same for both.
 * lighttpd refuses to start when a FastCGI bin-path is missing, but serves
 * the rest without a CGI: a tree without the program built keeps the CGI
 * route.  Production's is installed with the configuration.  Returns 1 when
 * written, 0 when the program is not there.
 */
static int
lighttpd_fcgi(struct wm_buf *b, const struct wm_config *cfg, const char *prog,
    const char *indent)
{
	char *bin = wm_asprintf("%s/%s.cgi", wm_config_path(cfg, "cgi"), prog);
	int ok = bin != NULL && (production(cfg) || access(bin, X_OK) == 0);

	if (ok)
		wm_buf_printf(b,
		    "%sfastcgi.server = ( \"/%s.cgi\" => ( (\n"
		    "%s    \"bin-path\" => \"%s\",\n"
		    "%s    \"bin-environment\" => ( \"WM_CONFIG\" => \"%s\" ),\n"
		    "%s    \"socket\" => \"%s/%s/%s.sock\",\n"
		    "%s    \"max-procs\" => 2,\n"
		    "%s    \"check-local\" => \"disable\" ) ) )\n",
		    indent, prog, indent, bin, indent, conf_file(cfg),
		    indent, wm_config_path(cfg, "run"), prog, prog, indent,
		    indent);
	free(bin);
	return ok;
}

/* The web programs' user: [instance] web-user, or the instance user. */
static const char *
web_user(const struct wm_config *cfg)
{
	const char *u = wm_config_get(cfg, "instance", "web-user");

	return u != NULL && *u != '\0' ? u : wm_config_get(cfg, "instance",
	    "user");
}

static void
lighttpd_server(struct wm_buf *b, const struct wm_config *cfg,
    const char *group)
{
	char host[64], *up = upload_dir(cfg);

	host_of(cfg, "portal", host, sizeof(host));
	wm_buf_printf(b,
	    "server.modules = ( \"mod_access\", \"mod_alias\", \"mod_rewrite\",\n"
	    "    \"mod_setenv\", \"mod_fastcgi\", \"mod_cgi\", \"mod_openssl\" )\n"
	    "server.bind = \"%s\"\n"
	    "server.port = %d\n"
	    "server.username = \"%s\"\n"
	    "server.groupname = \"%s\"\n"
	    "server.document-root = \"%s\"\n"
	    "server.pid-file = \"%s/lighttpd.pid\"\n"
	    "server.errorlog = \"%s/lighttpd.log\"\n"
	    "server.upload-dirs = ( \"%s\" )\n"
	    "server.tag = \"wm\"\n"
	    "server.follow-symlink = \"disable\"\n"
	    /* Errors found before a request is routed bypass setenv: these
	     * pages carry their CSP inside. */
	    "server.errorfile-prefix = \"%s/error-\"\n",
	    host, port_of(cfg, "portal"), web_user(cfg), group, wm_config_path(cfg, "static"),
	    wm_config_path(cfg, "run"), wm_config_path(cfg, "logdir"),
	    up != NULL ? up : "/var/tmp", wm_config_path(cfg, "static"));
	free(up);
	lighttpd_limits(b);
	wm_buf_puts(b,
	    "mimetype.assign = ( \".css\" => \"text/css; charset=utf-8\",\n"
	    "    \".js\" => \"text/javascript; charset=utf-8\",\n"
	    "    \".png\" => \"image/png\", \".svg\" => \"image/svg+xml\",\n"
	    "    \".ico\" => \"image/x-icon\", \".woff2\" => \"font/woff2\",\n"
	    "    \".txt\" => \"text/plain; charset=utf-8\" )\n");
}

/* The one generator of lighttpd.conf: instances and production alike. */
static void
lighttpd_cf(struct wm_buf *b, const struct wm_config *cfg, const char *group)
{
	const char *tls = wm_config_path(cfg, "tls-cert");
	const char *cgi = wm_config_path(cfg, "cgi");
	char host[64];

	wm_buf_printf(b,
	    "# lighttpd.conf of wm instance %s, written by wm-init(8).\n"
	    "# Two HTTPS listeners: the portal and the admin console.\n"
	    "# Everything but /static/ goes to the program of the listener, which\n"
	    "# routes on PATH_INFO; both run as FastCGI applications (started and\n"
	    "# restarted by lighttpd), or as CGIs when not built.\n\n",
	    wm_config_get(cfg, "instance", "name"));
	lighttpd_server(b, cfg, group);
	lighttpd_tls(b, tls);
	wm_buf_printf(b,
	    "setenv.add-environment = ( \"WM_CONFIG\" => \"%s\" )\n"
	    "cgi.assign = ( \".cgi\" => \"\" )\n"
	    "alias.url = ( \"/static/\" => \"%s/\",\n"
	    "    \"/portal.cgi\" => \"%s/portal.cgi\" )\n"
	    "url.rewrite-once = ( \"^/static/.*$\" => \"$0\",\n"
	    "    \"^/(.*)$\" => \"/portal.cgi/$1\" )\n",
	    conf_file(cfg), wm_config_path(cfg, "static"), cgi);
	lighttpd_fcgi(b, cfg, "portal", "");
	host_of(cfg, "admin", host, sizeof(host));
	wm_buf_printf(b,
	    "\n$SERVER[\"socket\"] == \"%s:%d\" {\n"
	    "\tssl.engine = \"enable\"\n"
	    "\tssl.pemfile = \"%s\"\n"
	    "\talias.url = ( \"/static/\" => \"%s/\",\n"
	    "\t    \"/admin.cgi\" => \"%s/admin.cgi\" )\n"
	    "\turl.rewrite-once = ( \"^/static/.*$\" => \"$0\",\n"
	    "\t    \"^/(.*)$\" => \"/admin.cgi/$1\" )\n",
	    host, port_of(cfg, "admin"), tls, wm_config_path(cfg, "static"), cgi);
	/* Replaces the portal's inside this block: no portal page here. */
	if (lighttpd_fcgi(b, cfg, "admin", "\t") == 0)
		wm_buf_puts(b, "\tfastcgi.server = ( )\n");
	wm_buf_puts(b, "}\n");
}

int
wm_instance_lighttpd_conf(const struct wm_config *cfg, struct wm_buf *b,
    struct wm_err *err)
{
	struct owner ow;

	if (owner_lookup(wm_config_get(cfg, "instance", "user"), &ow, err) == -1)
		return -1;
	lighttpd_cf(b, cfg, ow.group);
	return 0;
}

int
wm_instance_write_lighttpd(const struct wm_config *cfg, struct wm_err *err)
{
	struct owner ow;
	struct wm_buf b;
	char *dir, *slash;
	int rc;

	if (owner_lookup(wm_config_get(cfg, "instance", "user"), &ow, err) == -1)
		return -1;
	if ((dir = wm_strdup(wm_config_path(cfg, "lighttpd"))) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	rc = make_dir(dir, 0755, 0, 0, 0, err);
	free(dir);
	if (rc == -1)
		return -1;
	wm_buf_init(&b);
	lighttpd_cf(&b, cfg, ow.group);
	rc = write_text(wm_config_path(cfg, "lighttpd"), &b, 0644, err);
	wm_buf_free(&b);
	return rc;
}

/* The instance name: the last part of its directory, in [A-Za-z0-9-]. */
static char *
instance_name(const char *dir)
{
	const char *base = strrchr(dir, '/');
	char *name, *p;

	base = base && base[1] ? base + 1 : dir;
	if ((name = wm_strdup(base)) == NULL)
		return NULL;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '-';
	return name;
}

static int
set_listen(struct ctx *c, int i)
{
	char v[32];

	if (c->ports[i] == 0)
		return 0;
	snprintf(v, sizeof(v), "127.0.0.1:%d", c->ports[i]);
	return wm_config_set(c->cfg, "listen", listen_keys[i], v);
}

/* A private instance "reboots" its own services, never the machine. */
static int
set_power(struct ctx *c, const char *bin)
{
	char *reboot, *shutdown;
	int rc;

	reboot = wm_asprintf("%s/wm-ctl -c %s/wm.conf restart", bin, c->dir);
	shutdown = wm_asprintf("%s/wm-ctl -c %s/wm.conf stop", bin, c->dir);
	rc = reboot == NULL || shutdown == NULL ||
	    wm_config_set(c->cfg, "commands", "system-reboot", reboot) != 0 ||
	    wm_config_set(c->cfg, "commands", "system-shutdown", shutdown) != 0;
	free(reboot);
	free(shutdown);
	return rc;
}

static int
fill_config(struct ctx *c, const char *bin, const char *templates,
    struct wm_err *err)
{
	char *name, *sendmail, *postqueue, *stat, *cgi;
	int i, rc = 0;

	name = instance_name(c->dir);
	sendmail = wm_asprintf("/usr/bin/env MAIL_CONFIG=%s/postfix %s/sendmail",
	    c->dir, POSTFIX_SBIN);
	postqueue = wm_asprintf("%s/postfix/bin/postqueue", c->dir);
	stat = wm_asprintf("%s/html/static", templates);
	cgi = wm_instance_datadir(bin, "cgi");
	if (name == NULL || sendmail == NULL || postqueue == NULL ||
	    stat == NULL || cgi == NULL)
		rc = -1;
	rc |= wm_config_set(c->cfg, "instance", "name", name);
	rc |= wm_config_set(c->cfg, "instance", "user", c->user);
	rc |= wm_config_set(c->cfg, "instance", "web-user", c->web_user);
	rc |= wm_config_set(c->cfg, "instance", "capture-outbound",
	    c->o->capture_outbound ? "yes" : "no");
	rc |= wm_config_set(c->cfg, "instance", "transport",
	    c->o->lmtp ? "lmtp" : "pipe");
	rc |= wm_config_set(c->cfg, "paths", "database", "db/wm.db");
	rc |= wm_config_set(c->cfg, "paths", "mail", "mail");
	rc |= wm_config_set(c->cfg, "paths", "outbox", "outbox");
	rc |= wm_config_set(c->cfg, "paths", "log", "log/wm.log");
	rc |= wm_config_set(c->cfg, "paths", "logdir", "log");
	rc |= wm_config_set(c->cfg, "paths", "templates", templates);
	rc |= wm_config_set(c->cfg, "paths", "static", stat);
	rc |= wm_config_set(c->cfg, "paths", "postfix", "postfix");
	rc |= wm_config_set(c->cfg, "paths", "queue", "spool");
	rc |= wm_config_set(c->cfg, "paths", "lighttpd", "lighttpd/lighttpd.conf");
	rc |= wm_config_set(c->cfg, "paths", "run", "run");
	rc |= wm_config_set(c->cfg, "paths", "tls-cert", "tls/server.pem");
	rc |= wm_config_set(c->cfg, "paths", "bin", bin);
	rc |= wm_config_set(c->cfg, "paths", "cgi", cgi);
	rc |= wm_config_set(c->cfg, "paths", "backup", "backup");
	for (i = 0; i < WM_LISTEN_COUNT; i++)
		rc |= set_listen(c, i);
	rc |= wm_config_set(c->cfg, "commands", "sendmail", sendmail);
	rc |= wm_config_set(c->cfg, "commands", "postqueue", postqueue);
	rc |= set_power(c, bin);
	free(name);
	free(sendmail);
	free(postqueue);
	free(stat);
	free(cgi);
	return rc ? wm_err_set(err, EX_TEMPFAIL, "out of memory") : 0;
}

/*
 * The directories of an instance: path (relative to it), mode, owned by wm?,
 * and the mode when the web programs run as a web user of wm's group, who
 * writes there too (the key store, keys/ beside the database, stays wm's).
 */
static const struct {
	const char	*path;
	mode_t		 mode;
	int		 wm;
	mode_t		 web_mode;
} dirs[] = {
	{ "db", 0750, 1, 0770 },	/* SQLite creates -wal and -shm beside the file */
	{ "mail", 0700, 1, 0770 },	/* the portal reads and files mail */
	{ "log", 0750, 1, 0770 },
	{ "run", 0755, 0, 0755 },
	{ "run/portal", 0700, 1, 0770 },	/* FastCGI socket: lighttpd binds it */
	{ "run/admin", 0700, 1, 0770 },	/* the console's FastCGI socket */
	{ "run/keys", 0750, 1, 0750 },	/* the key service's socket (keysvc.c) */
	{ "run/lmtp", 0755, 1, 0755 },	/* wm-lmtpd's socket, bound as wm */
	{ "tmp", 0700, 1, 0770 },	/* lighttpd request bodies */
	{ "tls", 0700, 0, 0700 },
	{ "backup", 0700, 1, 0770 },
	{ "spool", 0755, 0, 0755 },	/* Postfix wants its queue owned by root */
	{ NULL, 0, 0, 0 }
};

/* Whether the web programs run as a user of their own (group of wm). */
static int
web_apart(const struct ctx *c)
{
	return *c->web_user != '\0' && strcmp(c->web_user, c->user) != 0;
}

static int
make_dirs(struct ctx *c, struct wm_err *err)
{
	struct passwd *nobody;
	char *p;
	int i, rc;

	if (make_dir(c->dir, 0755, 0, 0, 0, err) == -1)
		return -1;
	for (i = 0; dirs[i].path != NULL; i++) {
		if ((p = wm_asprintf("%s/%s", c->dir, dirs[i].path)) == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		rc = make_dir(p, web_apart(c) ? dirs[i].web_mode : dirs[i].mode,
		    dirs[i].wm ? c->wm.uid : 0,
		    dirs[i].wm ? c->wm.gid : 0, c->wm.chown, err);
		free(p);
		if (rc == -1)
			return -1;
	}
	/* smtp-sink writes captured mail as nobody. */
	nobody = getpwnam("nobody");
	if ((p = wm_asprintf("%s/outbox", c->dir)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = make_dir(p, 0755, nobody ? nobody->pw_uid : 0, c->wm.gid,
	    c->wm.chown && nobody != NULL, err);
	free(p);
	return rc;
}

/* The log file every program appends to: wm-deliver writes it as wm. */
static int
make_log(struct ctx *c, struct wm_err *err)
{
	const char *path = wm_config_path(c->cfg, "log");
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) == -1)
		return wm_err_set(err, EX_CANTCREAT, "%s: %s", path, strerror(errno));
	close(fd);
	if (web_apart(c) && chmod(path, 0660) == -1)
		return wm_err_set(err, EX_CANTCREAT, "chmod %s: %s", path,
		    strerror(errno));
	return give(path, c->wm.uid, c->wm.gid, c->wm.chown, err);
}

/*
 * The portal address follows the portal listener, unless an administrator
 * set another one (a real host name) that --force must not undo.
 */
static int
set_portal_url(struct wm_db *db, int port, struct wm_err *err)
{
	static const char loopback[] = "https://127.0.0.1:";
	enum wm_scope from;
	char url[64], *cur;
	int ours;

	if ((cur = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "portal-base-url",
	    &from, err)) == NULL)
		return -1;
	ours = from == WM_SCOPE_BUILTIN ||
	    strncmp(cur, loopback, sizeof(loopback) - 1) == 0;
	free(cur);
	if (!ours)
		return 0;
	snprintf(url, sizeof(url), "%s%d", loopback, port);
	return wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "portal-base-url", url, err);
}

/* Settings the instance decides: its relay recipient and portal address. */
static int
init_database(struct ctx *c, char **rcpt, struct wm_mta **mta, struct wm_err *err)
{
	const char *path = wm_config_path(c->cfg, "database");
	struct wm_keypair *kp = NULL;
	struct wm_db *db;
	size_t n = 0;
	int rc = -1;

	if ((db = wm_db_open(path, WM_DB_CREATE, err)) == NULL)
		return -1;
	if (wm_prefs_init_secrets(db, err) == -1)
		goto out;
	/* Production's address is the server's name: the console sets it. */
	if (c->ports[WM_LISTEN_PORTAL] != 0 &&
	    set_portal_url(db, c->ports[WM_LISTEN_PORTAL], err) == -1)
		goto out;
	/* The guide's admin/admin, which the console makes its owner change. */
	if (wm_admin_add_default(db, err) == -1)
		goto out;
	if ((*rcpt = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "relay-recipient",
	    NULL, err)) == NULL)
		goto out;
	if (**rcpt == '\0' || strchr(*rcpt, '@') == NULL) {
		free(*rcpt);
		if ((*rcpt = wm_strdup(DEFAULT_RELAY_RECIPIENT)) == NULL ||
		    wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "relay-recipient",
		    *rcpt, err) == -1)
			goto out;
	}
	if (wm_pki_relay_keys(db, &kp, &n, err) == -1)
		goto out;
	wm_pki_keypairs_free(kp, n);
	if (n == 0 && wm_pki_create_relay_cert(db, *rcpt,
	    NULL, NULL, err) == -1)
		goto out;
	if ((*mta = wm_mta_load(db, err)) == NULL)
		goto out;
	rc = 0;
out:
	wm_db_close(db);
	return rc;
}

/* The key store: wm's alone, closed to the web user (keystore.c). */
static int
own_keystore(struct ctx *c, const char *db, struct wm_err *err)
{
	char *file = wm_keystore_path(db), *dir;
	int rc;

	if (file == NULL || (dir = wm_strdup(file)) == NULL) {
		free(file);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	*strrchr(dir, '/') = '\0';
	rc = give(dir, c->wm.uid, c->wm.gid, c->wm.chown, err);
	if (rc == 0 && chmod(dir, 0700) == -1)
		rc = wm_err_set(err, EX_CANTCREAT, "chmod %s: %s", dir,
		    strerror(errno));
	if (rc == 0 && wm_path_exists(file) && (give(file, c->wm.uid,
	    c->wm.gid, c->wm.chown, err) == -1 || chmod(file, 0600) == -1))
		rc = wm_err_set(err, EX_CANTCREAT, "%s: %s", file, strerror(errno));
	free(dir);
	free(file);
	return rc;
}

/* The database and its WAL companions belong to wm: wm-deliver writes them. */
static int
own_database(struct ctx *c, struct wm_err *err)
{
	static const char *suffix[] = { "", "-wal", "-shm", NULL };
	const char *db = wm_config_path(c->cfg, "database");
	char *p;
	int i, rc = 0;

	for (i = 0; rc == 0 && suffix[i] != NULL; i++) {
		if ((p = wm_asprintf("%s%s", db, suffix[i])) == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		if (wm_path_exists(p)) {
			rc = give(p, c->wm.uid, c->wm.gid, c->wm.chown, err);
			if (rc == 0 && chmod(p, web_apart(c) ? 0660 : 0640) == -1)
				rc = wm_err_set(err, EX_CANTCREAT, "chmod %s: %s",
				    p, strerror(errno));
		}
		free(p);
	}
	return rc == 0 ? own_keystore(c, db, err) : rc;
}

/*
 * Ports of an instance being rewritten (--force) stay as they were, unless a
 * port base is given: its services may be running on them, and its URLs are
 * known.  Only listeners it lacked get new ports.
 */
static void
keep_ports(struct ctx *c, int *want)
{
	struct wm_config *old;
	struct wm_err err;
	char *path, host[64];
	int i, port;

	if (c->o->port_base > 0 || (path = wm_asprintf("%s/wm.conf", c->dir)) == NULL)
		return;
	old = wm_config_load(path, &err);
	free(path);
	if (old == NULL)
		return;
	for (i = 0; i < WM_LISTEN_COUNT; i++)
		if (want[i] && wm_config_hostport(wm_config_get(old, "listen",
		    listen_keys[i]), host, sizeof(host), &port) == 0 &&
		    strcmp(host, "127.0.0.1") == 0) {
			c->ports[i] = port;
			want[i] = 0;
		}
	wm_config_free(old);
}

/* A kept port that is not bound right now may come back as a fresh one. */
static int
clashes(const int *kept, const int *fresh)
{
	int i, j;

	for (i = 0; i < WM_LISTEN_COUNT; i++)
		for (j = 0; j < WM_LISTEN_COUNT; j++)
			if (kept[i] != 0 && kept[i] == fresh[j])
				return 1;
	return 0;
}

static int
pick_ports(struct ctx *c, struct wm_err *err)
{
	int want[WM_LISTEN_COUNT] = { 1, 1, 0, 1, 1, 1 }, fresh[WM_LISTEN_COUNT];
	int i, tries;

	want[WM_LISTEN_SINK] = c->o->capture_outbound;
	memset(c->ports, 0, sizeof(c->ports));
	if (c->o->force)
		keep_ports(c, want);
	for (tries = 0; tries < 5; tries++) {
		if (wm_instance_ports(c->o->port_base, want, fresh,
		    WM_LISTEN_COUNT, err) == -1)
			return -1;
		if (!clashes(c->ports, fresh))
			break;
	}
	for (i = 0; i < WM_LISTEN_COUNT; i++)
		if (want[i])
			c->ports[i] = fresh[i];
	return 0;
}

static int
create(struct ctx *c, struct wm_err *err)
{
	char *bin = NULL, *templates = NULL, *rcpt = NULL, *conf = NULL;
	struct wm_mta *mta = NULL;
	int rc = -1;

	if ((bin = c->o->bin ? wm_strdup(c->o->bin) : wm_instance_self_dir(err)) == NULL)
		goto out;
	templates = c->o->templates ? wm_strdup(c->o->templates) :
	    wm_instance_datadir(bin, "templates");
	if (templates == NULL ||
	    (c->cfg = wm_config_new(c->dir)) == NULL ||
	    (conf = wm_asprintf("%s/wm.conf", c->dir)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	if (pick_ports(c, err) == -1 || make_dirs(c, err) == -1 ||
	    fill_config(c, bin, templates, err) == -1 || make_log(c, err) == -1 ||
	    init_database(c, &rcpt, &mta, err) == -1 || own_database(c, err) == -1)
		goto out;
	if (!wm_path_exists(wm_config_path(c->cfg, "tls-cert")) &&
	    wm_instance_tls_cert(wm_config_path(c->cfg, "tls-cert"), err) == -1)
		goto out;
	if (wm_instance_write_postfix(c->cfg, mta, rcpt, err) == -1 ||
	    wm_instance_write_lighttpd(c->cfg, err) == -1)
		goto out;
	/* Only root can create a Postfix queue; wm-ctl start does it again. */
	if (geteuid() == 0 && wm_ctl_postfix_prepare(c->cfg, err) == -1)
		goto out;
	/* wm.conf last: its presence marks a complete instance. */
	if (wm_config_write(c->cfg, conf, err) == -1 ||
	    give(conf, 0, c->wm.gid, c->wm.chown, err) == -1)
		goto out;
	wm_log(LOG_INFO, "created instance %s in %s", wm_config_get(c->cfg,
	    "instance", "name"), c->dir);
	rc = 0;
out:
	free(bin);
	free(templates);
	free(rcpt);
	free(conf);
	wm_mta_free(mta);
	return rc;
}

/*
 * Postfix, the instance user (lighttpd and wm-deliver), the web user and,
 * capturing, smtp-sink's nobody must reach the instance: refuse now rather
 * than let wm-ctl start fail on "Permission denied".
 */
static int
check_parents(const struct wm_instance_opts *o, struct wm_err *err)
{
	const char *users[] = { "postfix", o->user ? o->user : "wm",
	    "www-data", o->capture_outbound ? "nobody" : NULL, NULL };

	return wm_path_check_search(o->dir, users, err);
}

/*
 * The web programs parse hostile input, so by default they run apart from
 * the key store: as wmweb when root makes an instance of the wm user.  Only
 * an explicit --web-user "" (or the instance user's own name) keeps them
 * together; a non-root instance cannot give files away, so it has one user.
 */
static int
pick_web_user(struct ctx *c, struct wm_err *err)
{
	struct passwd *pw;

	if (c->o->web_user != NULL)
		c->web_user = c->o->web_user;
	else if (geteuid() == 0 && strcmp(c->user, "wm") == 0)
		c->web_user = WM_WEB_USER;
	else
		c->web_user = "";
	if (!web_apart(c))
		return 0;
	if ((pw = getpwnam(c->web_user)) == NULL)
		return wm_err_set(err, EX_NOUSER, "no system user %s for the web "
		    "programs (scripts/deps creates it; --web-user \"\" runs "
		    "them as %s)", c->web_user, c->user);
	if (pw->pw_gid != c->wm.gid)
		return wm_err_set(err, EX_NOUSER, "web user %s is not in group %s "
		    "of user %s", c->web_user, c->wm.group, c->user);
	return 0;
}

int
wm_instance_create(const struct wm_instance_opts *o, struct wm_err *err)
{
	struct ctx c;
	char abs[PATH_MAX], *conf;
	int rc, exists;

	memset(&c, 0, sizeof(c));
	c.o = o;
	if (o->dir == NULL || *o->dir == '\0')
		return wm_err_set(err, EX_USAGE, "no instance directory");
	if (strpbrk(o->dir, " \t\r\n\"'\\$") != NULL)
		return wm_err_set(err, EX_USAGE, "instance directory %s: no blanks, "
		    "quotes, backslashes or dollars please (they end up in "
		    "Postfix and lighttpd configurations)", o->dir);
	if (check_parents(o, err) == -1)
		return -1;
	if (wm_mkdir_p(o->dir, 0755, err) == -1 || realpath(o->dir, abs) == NULL)
		return wm_err_set(err, EX_CANTCREAT, "%s: %s", o->dir,
		    strerror(errno));
	if ((conf = wm_asprintf("%s/wm.conf", abs)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	exists = wm_path_exists(conf);
	free(conf);
	if (exists && !o->force)
		return wm_err_set(err, EX_CANTCREAT, "%s is already an instance "
		    "(--force rewrites its configuration, keeping its data)", abs);
	c.user = o->user ? o->user : "wm";
	if (owner_lookup(c.user, &c.wm, err) == -1 ||
	    pick_web_user(&c, err) == -1)
		return -1;
	if ((c.dir = wm_strdup(abs)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = create(&c, err);
	wm_config_free(c.cfg);
	free(c.dir);
	return rc;
}

/*
 * Production's directories: where wm.conf puts them, with the modes of an
 * instance's (dirs[] above) for a web user apart.  "key" is a [paths] key
 * or the directory of one (dir = 1); sub is below it.
 */
static const struct {
	const char	*key;
	int		 dir;
	const char	*sub;
	mode_t		 mode;
	int		 wm;
} sys_dirs[] = {
	{ "database", 1, NULL, 0770, 1 },
	{ "mail", 0, NULL, 0770, 1 },
	{ "logdir", 0, NULL, 0770, 1 },
	{ "outbox", 0, NULL, 0750, 1 },
	{ "backup", 0, NULL, 0770, 1 },
	{ "run", 0, NULL, 0755, 0 },
	{ "run", 0, "portal", 0770, 1 },
	{ "run", 0, "admin", 0770, 1 },
	{ "run", 0, "keys", 0750, 1 },
	{ "run", 0, "lmtp", 0755, 1 },
	{ "tls-cert", 1, NULL, 0700, 0 },
	{ NULL, 0, NULL, 0, 0 }
};

static int
system_dirs(struct ctx *c, struct wm_err *err)
{
	char *p, *slash;
	int i, rc;

	for (i = 0; sys_dirs[i].key != NULL; i++) {
		p = sys_dirs[i].sub ? wm_asprintf("%s/%s",
		    wm_config_path(c->cfg, sys_dirs[i].key), sys_dirs[i].sub) :
		    wm_strdup(wm_config_path(c->cfg, sys_dirs[i].key));
		if (p == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		if (sys_dirs[i].dir && (slash = strrchr(p, '/')) != NULL &&
		    slash != p)
			*slash = '\0';
		rc = make_dir(p, sys_dirs[i].mode, sys_dirs[i].wm ? c->wm.uid : 0,
		    sys_dirs[i].wm ? c->wm.gid : 0, c->wm.chown, err);
		free(p);
		if (rc == -1)
			return -1;
	}
	if ((p = upload_dir(c->cfg)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = make_dir(p, 0770, c->wm.uid, c->wm.gid, c->wm.chown, err);
	free(p);
	return rc;
}

/* The production wm.conf, or EX_CONFIG when it is an instance's. */
static struct wm_config *
load_system(const char *conf, struct wm_err *err)
{
	struct wm_config *cfg;

	if ((cfg = wm_config_load(conf, err)) == NULL)
		return NULL;
	if (!production(cfg)) {
		wm_err_set(err, EX_CONFIG, "%s: not a production wm.conf "
		    "([instance] production = yes)", conf);
		wm_config_free(cfg);
		return NULL;
	}
	return cfg;
}

int
wm_instance_system(const char *conf, struct wm_err *err)
{
	struct wm_instance_opts o;
	struct wm_mta *mta = NULL;
	struct ctx c;
	char *rcpt = NULL;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	if ((c.cfg = load_system(conf, err)) == NULL)
		return -1;
	o.user = wm_config_get(c.cfg, "instance", "user");
	o.web_user = wm_config_get(c.cfg, "instance", "web-user");
	c.o = &o;
	c.user = o.user;
	if (owner_lookup(c.user, &c.wm, err) == -1 ||
	    pick_web_user(&c, err) == -1 ||
	    system_dirs(&c, err) == -1 || make_log(&c, err) == -1 ||
	    init_database(&c, &rcpt, &mta, err) == -1 ||
	    own_database(&c, err) == -1)
		goto out;
	if (!wm_path_exists(wm_config_path(c.cfg, "tls-cert")) &&
	    wm_instance_tls_cert(wm_config_path(c.cfg, "tls-cert"), err) == -1)
		goto out;
	if (wm_dkim_configure(c.cfg, mta, err) == -1 ||
	    write_checks(c.cfg, err) == -1 ||
	    wm_instance_write_lighttpd(c.cfg, err) == -1)
		goto out;
	rc = 0;
out:
	free(rcpt);
	wm_mta_free(mta);
	wm_config_free(c.cfg);
	return rc;
}

int
wm_instance_system_main_cf(const char *conf, struct wm_buf *b,
    struct wm_err *err)
{
	struct wm_config *cfg;
	struct wm_mta *mta = NULL;
	struct wm_db *db = NULL;
	char *rcpt = NULL;
	int rc = -1;

	if ((cfg = load_system(conf, err)) == NULL)
		return -1;
	if ((db = wm_db_open(wm_config_path(cfg, "database"), 0, err)) == NULL ||
	    (rcpt = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "relay-recipient",
	    NULL, err)) == NULL || (mta = wm_mta_load(db, err)) == NULL)
		goto out;
	rc = wm_mta_main_cf(b, mta, cfg, rcpt) == -1 ?
	    wm_err_set(err, EX_TEMPFAIL, "out of memory") : 0;
out:
	wm_db_close(db);
	free(rcpt);
	wm_mta_free(mta);
	wm_config_free(cfg);
	return rc;
}

int
wm_instance_system_submit(const char *conf, struct wm_buf *b,
    struct wm_err *err)
{
	struct wm_config *cfg;
	int rc;

	if ((cfg = load_system(conf, err)) == NULL)
		return -1;
	rc = wm_mta_submit_listener(b, wm_config_get(cfg, "listen", "submit"),
	    "postfix", " ") == -1 ? wm_err_set(err, EX_TEMPFAIL, "out of memory") : 0;
	wm_config_free(cfg);
	return rc;
}
