/*
 * config.c - the wm.conf parser.  The set of keys is closed: a typo in a key
 * name is an error with file:line rather than a silently ignored setting.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "util.h"

#ifndef WM_SYSCONFDIR
#define WM_SYSCONFDIR "/etc"
#endif

struct key_def {
	const char	*section;
	const char	*key;
	const char	*def;		/* NULL: no default */
	const char	*doc;
};

/* Keep in step with man/wm.conf.5. */
static const struct key_def keys[] = {
	{ "instance", "name", "wm", "instance name, used in logs and the Postfix syslog name" },
	{ "instance", "user", "wm", "system user that owns the data and runs wm-deliver" },
	{ "instance", "web-user", "", "system user the web programs run as (group of user); empty: user" },
	{ "instance", "capture-outbound", "no", "yes: outbound mail is written to paths.outbox instead of relayed" },
	{ "instance", "production", "no", "yes: use the system Postfix and lighttpd, not private ones" },
	{ "instance", "transport", "pipe", "how Postfix hands tunnels over: pipe (wm-deliver) or lmtp (wm-lmtpd)" },
	{ "instance", "max-tunnel-size", "100M", "largest tunnel wm-deliver accepts (bytes, K/M/G suffixes)" },
	{ "paths", "database", "wm.db", "SQLite database" },
	{ "paths", "mail", "mail", "mail directory holding one maildir per mailbox" },
	{ "paths", "outbox", "outbox", "captured outbound mail, one file per message" },
	{ "paths", "log", "log/wm.log", "log file every program appends to" },
	{ "paths", "logdir", "log", "directory of all log files (exported by wm-logexport)" },
	{ "paths", "templates", NULL, "ClearSilver templates (html/ and mail/)" },
	{ "paths", "static", NULL, "static files served by the portal (CSS)" },
	{ "paths", "postfix", "postfix", "Postfix configuration directory of this instance" },
	{ "paths", "queue", "spool", "Postfix queue directory of this instance" },
	{ "paths", "lighttpd", "lighttpd/lighttpd.conf", "lighttpd configuration file" },
	{ "paths", "run", "run", "pid files and sockets" },
	{ "paths", "lmtp", "run/lmtp/lmtp.sock", "unix socket wm-lmtpd listens on" },
	{ "paths", "tls-cert", "tls/server.pem", "HTTPS certificate and key (PEM)" },
	{ "paths", "bin", NULL, "directory holding the wm-* programs" },
	{ "paths", "cgi", NULL, "directory holding portal.cgi and admin.cgi" },
	{ "paths", "backup", "backup", "local backup directory" },
	{ "paths", "root", "/", "root of the files wm-netcfg and wm-mtacfg edit" },
	{ "listen", "smtp", "127.0.0.1:25", "SMTP listener that receives tunnels" },
	{ "listen", "relay", "127.0.0.1:10587", "submission listener for mail of webmail users" },
	{ "listen", "submit", "127.0.0.1:10588", "submission listener the notice sender hands its mail to over SMTP (empty: sendmail)" },
	{ "listen", "sink", NULL, "capture listener (smtp-sink) when capture-outbound is yes" },
	{ "listen", "portal", "127.0.0.1:443", "HTTPS listener of the portal" },
	{ "listen", "admin", "127.0.0.1:8443", "HTTPS listener of the admin console" },
	{ "commands", "sendmail", "/usr/sbin/sendmail", "Postfix sendmail" },
	{ "commands", "postfix", "/usr/sbin/postfix", "postfix command" },
	{ "commands", "postqueue", "/usr/sbin/postqueue", "postqueue command" },
	{ "commands", "postconf", "/usr/sbin/postconf", "postconf command" },
	{ "commands", "smtp-sink", "/usr/sbin/smtp-sink", "smtp-sink command" },
	{ "commands", "lighttpd", "/usr/sbin/lighttpd", "lighttpd command" },
	{ "commands", "gpg", "/usr/bin/gpg", "gpg command" },
	{ "commands", "openssl", "/usr/bin/openssl", "openssl command" },
	{ "commands", "postsuper", "/usr/sbin/postsuper", "postsuper command (root: wm-ctl queue)" },
	{ "commands", "postcat", "/usr/sbin/postcat", "postcat command (root: wm-ctl queue)" },
	{ "commands", "queue", "/usr/bin/sudo -n /usr/sbin/wm-ctl -c /etc/wm/wm.conf queue", "what the console runs to hold, release, delete or show queued mail" },
	{ "commands", "mta-stop", "/usr/bin/sudo -n /usr/sbin/wm-ctl -c /etc/wm/wm.conf stop postfix", "what the console runs for Stop MTA" },
	{ "commands", "mta-start", "/usr/bin/sudo -n /usr/sbin/wm-ctl -c /etc/wm/wm.conf start postfix", "what the console runs for Start MTA" },
	{ "commands", "restart", "/usr/bin/sudo -n /usr/sbin/wm-ctl -c /etc/wm/wm.conf restart all", "what the console runs to restart the services" },
	{ "commands", "reboot", "/usr/bin/sudo -n /usr/sbin/wm-ctl -c /etc/wm/wm.conf reboot", "what the console runs to reboot" },
	{ "commands", "shutdown", "/usr/bin/sudo -n /usr/sbin/wm-ctl -c /etc/wm/wm.conf shutdown", "what the console runs to shut down" },
	{ "commands", "system-reboot", "/usr/bin/systemctl reboot", "what wm-ctl reboot runs" },
	{ "commands", "system-shutdown", "/usr/bin/systemctl poweroff", "what wm-ctl shutdown runs" },
	{ "commands", "mta-apply", "/usr/bin/sudo -n /usr/sbin/wm-mtacfg -c /etc/wm/wm.conf apply", "what the console runs to apply the MTA settings (wm-mtacfg apply as root)" },
	{ "commands", "dkim-create", "/usr/bin/sudo -n /usr/sbin/wm-mtacfg -c /etc/wm/wm.conf dkim create", "what the console runs (with --selector S --domain D) to make the DKIM key beside wm.conf as root" },
	{ "commands", "mta-raw", "/usr/bin/sudo -n /usr/sbin/wm-mtacfg -c /etc/wm/wm.conf raw set --file /etc/wm/run/mta-raw.cf", "what the console runs to save the raw main.cf it wrote to [paths] run/mta-raw.cf" },
	{ "commands", "net", "/usr/bin/sudo -n /usr/sbin/wm-netcfg -c /etc/wm/wm.conf --apply", "what the console runs (with hostname, dns, ntp, interface or hosts set --file and their values) to change the network as root" },
	{ "commands", "opendkim", "/usr/sbin/opendkim", "OpenDKIM milter (DKIM signing)" },
	{ "commands", "opendkim-genkey", "/usr/sbin/opendkim-genkey", "makes DKIM keys" },
	{ "commands", "ip", "/usr/sbin/ip", "ip(8): wm-netcfg --apply of a static address" },
	{ "commands", "ifup", "/usr/sbin/ifup", "ifup(8): wm-netcfg --apply of DHCP" },
	{ "commands", "hostname", "/usr/bin/hostname", "hostname(1): wm-netcfg --apply of the hostname" },
	{ "commands", "ntp-reload", "/usr/bin/systemctl restart systemd-timesyncd", "wm-netcfg --apply of NTP servers" },
	{ NULL, NULL, NULL, NULL }
};

struct entry {
	char	*section;
	char	*key;
	char	*value;
	char	*abs;		/* cached absolute path for [paths] */
};

struct wm_config {
	char		*file;
	char		*dir;
	struct entry	*v;
	size_t		 n;
};

static const struct key_def *
find_def(const char *section, const char *key)
{
	const struct key_def *d;

	for (d = keys; d->section != NULL; d++)
		if (strcmp(d->section, section) == 0 && strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

static int
section_known(const char *section)
{
	const struct key_def *d;

	for (d = keys; d->section != NULL; d++)
		if (strcmp(d->section, section) == 0)
			return 1;
	return 0;
}

static struct entry *
find_entry(const struct wm_config *c, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i].section, section) == 0 &&
		    strcmp(c->v[i].key, key) == 0)
			return &c->v[i];
	return NULL;
}

struct wm_config *
wm_config_new(const char *dir)
{
	struct wm_config *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->dir = wm_strdup(dir ? dir : ".");
	c->file = wm_asprintf("%s/wm.conf", c->dir);
	if (c->dir == NULL || c->file == NULL) {
		wm_config_free(c);
		return NULL;
	}
	return c;
}

void
wm_config_free(struct wm_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].section);
		free(c->v[i].key);
		free(c->v[i].value);
		free(c->v[i].abs);
	}
	free(c->v);
	free(c->file);
	free(c->dir);
	free(c);
}

int
wm_config_set(struct wm_config *c, const char *section, const char *key,
    const char *value)
{
	struct entry *e, *nv;

	if ((e = find_entry(c, section, key)) != NULL) {
		free(e->value);
		free(e->abs);
		e->abs = NULL;
		e->value = wm_strdup(value);
		return e->value == NULL ? -1 : 0;
	}
	if ((nv = realloc(c->v, (c->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	c->v = nv;
	e = &c->v[c->n];
	e->section = wm_strdup(section);
	e->key = wm_strdup(key);
	e->value = wm_strdup(value);
	e->abs = NULL;
	if (e->section == NULL || e->key == NULL || e->value == NULL) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	c->n++;
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

static int
parse_line(struct wm_config *c, char *line, char *section, size_t seclen,
    unsigned lineno, struct wm_err *err)
{
	char *s, *eq, *key, *val, *close;

	s = trim(line);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != '\0')
			return wm_err_set(err, EX_CONFIG,
			    "%s:%u: malformed section header", c->file, lineno);
		*close = '\0';
		s = trim(s + 1);
		if (!section_known(s))
			return wm_err_set(err, EX_CONFIG,
			    "%s:%u: unknown section [%s]", c->file, lineno, s);
		snprintf(section, seclen, "%s", s);
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return wm_err_set(err, EX_CONFIG, "%s:%u: expected key = value",
		    c->file, lineno);
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (section[0] == '\0')
		return wm_err_set(err, EX_CONFIG, "%s:%u: key %s outside a section",
		    c->file, lineno, key);
	if (find_def(section, key) == NULL)
		return wm_err_set(err, EX_CONFIG, "%s:%u: unknown key %s in [%s]",
		    c->file, lineno, key, section);
	if (wm_config_set(c, section, key, val) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

static char *
dir_of(const char *file)
{
	char real[PATH_MAX], *slash;

	if (realpath(file, real) == NULL)
		snprintf(real, sizeof(real), "%s", file);
	slash = strrchr(real, '/');
	if (slash == NULL)
		return wm_strdup(".");
	if (slash == real)
		return wm_strdup("/");
	*slash = '\0';
	return wm_strdup(real);
}

struct wm_config *
wm_config_load(const char *path, struct wm_err *err)
{
	char line[4096], section[64] = "";
	struct wm_config *c;
	unsigned lineno = 0;
	FILE *f;

	if (path == NULL || *path == '\0')
		path = getenv("WM_CONFIG");
	if (path == NULL || *path == '\0')
		path = WM_SYSCONFDIR "/wm/wm.conf";
	if ((f = fopen(path, "r")) == NULL) {
		wm_err_set(err, errno == ENOENT ? EX_CONFIG : EX_NOPERM,
		    "cannot read configuration %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->file = wm_strdup(path)) == NULL || (c->dir = dir_of(path)) == NULL) {
		fclose(f);
		wm_config_free(c);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			wm_err_set(err, EX_CONFIG, "%s:%u: line too long", path, lineno);
			goto fail;
		}
		if (parse_line(c, line, section, sizeof(section), lineno, err) == -1)
			goto fail;
	}
	fclose(f);
	return c;
fail:
	fclose(f);
	wm_config_free(c);
	return NULL;
}

const char *
wm_config_get(const struct wm_config *c, const char *section, const char *key)
{
	const struct key_def *d;
	struct entry *e;

	if ((e = find_entry(c, section, key)) != NULL)
		return e->value;
	d = find_def(section, key);
	return d ? d->def : NULL;
}

const char *
wm_config_path(const struct wm_config *c, const char *key)
{
	struct wm_config *mc = (struct wm_config *)c;
	const char *v;
	struct entry *e;

	if ((v = wm_config_get(c, "paths", key)) == NULL)
		return NULL;
	if (v[0] == '/')
		return v;
	/* Cache the absolute form in an entry so the pointer stays valid. */
	if ((e = find_entry(c, "paths", key)) == NULL) {
		if (wm_config_set(mc, "paths", key, v) == -1)
			return NULL;
		e = find_entry(c, "paths", key);
	}
	if (e->abs == NULL)
		e->abs = wm_asprintf("%s/%s", c->dir, e->value);
	return e->abs;
}

int
wm_config_bool(const struct wm_config *c, const char *section, const char *key)
{
	const char *v = wm_config_get(c, section, key);

	return v != NULL && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcmp(v, "on") == 0);
}

const char *
wm_config_file(const struct wm_config *c)
{
	return c->file;
}

const char *
wm_config_dir(const struct wm_config *c)
{
	return c->dir;
}

int
wm_config_write(const struct wm_config *c, const char *path, struct wm_err *err)
{
	static const char *sections[] = { "instance", "paths", "listen", "commands", NULL };
	struct wm_buf b;
	size_t i, s;
	int rc;

	wm_buf_init(&b);
	wm_buf_puts(&b, "# wm.conf - see wm.conf(5).  Settings of the guide live in the\n"
	    "# database: use wm-prefs(8).  Relative paths are relative to this file.\n");
	for (s = 0; sections[s] != NULL; s++) {
		wm_buf_printf(&b, "\n[%s]\n", sections[s]);
		for (i = 0; i < c->n; i++)
			if (strcmp(c->v[i].section, sections[s]) == 0)
				wm_buf_printf(&b, "%s = %s\n", c->v[i].key, c->v[i].value);
	}
	if (b.data == NULL) {
		wm_buf_free(&b);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	rc = wm_write_file_atomic(path, b.data, b.len, 0640, err);
	wm_buf_free(&b);
	return rc;
}

int
wm_config_hostport(const char *s, char *host, unsigned long hostlen, int *port)
{
	const char *colon;
	char *end;
	long p;

	if (s == NULL || (colon = strrchr(s, ':')) == NULL)
		return -1;
	if ((unsigned long)(colon - s) >= hostlen)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}
