/*
 * dkim.c - see dkim.h.  OpenDKIM listens on a unix socket in the run
 * directory (no port to hand out, nothing reachable from the network); its
 * umask lets Postfix's cleanup, which runs as the postfix user, connect.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "dkim.h"
#include "err.h"
#include "mta.h"
#include "util.h"

char *
wm_dkim_conf_path(const struct wm_config *cfg)
{
	return wm_asprintf("%s/dkim/opendkim.conf", wm_config_dir(cfg));
}

static char *
socket_path(const struct wm_config *cfg)
{
	return wm_asprintf("%s/opendkim/opendkim.sock", wm_config_path(cfg, "run"));
}

char *
wm_dkim_milter(const struct wm_config *cfg)
{
	char *s = socket_path(cfg), *m;

	m = s ? wm_asprintf("unix:%s", s) : NULL;
	free(s);
	return m;
}

int
wm_dkim_listening(const struct wm_config *cfg)
{
	struct sockaddr_un sun;
	char *path = socket_path(cfg);
	int s, ok = 0;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		free(path);
		return 0;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	free(path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(s);
	return ok;
}

static char *
key_path(const struct wm_config *cfg, const char *selector, const char *ext)
{
	return wm_asprintf("%s/dkim/%s.%s", wm_config_dir(cfg), selector, ext);
}

static int
write_conf(const struct wm_config *cfg, const struct wm_mta *m, const char *path,
    struct wm_err *err)
{
	const char *sel = wm_mta_get(m, WM_MTA_DKIM_SELECTOR);
	char *key = key_path(cfg, sel, "private"), *sock = socket_path(cfg), *dir;
	struct wm_buf b;
	int rc = -1;

	dir = wm_asprintf("%s/opendkim", wm_config_path(cfg, "run"));
	wm_buf_init(&b);
	if (key == NULL || sock == NULL || dir == NULL)
		goto out;
	if (wm_mkdir_p(dir, 0755, err) == -1)
		goto out;
	wm_buf_printf(&b,
	    "# opendkim.conf of wm instance %s, written by wm-mtacfg(8) from the\n"
	    "# DKIM fields; wm-ctl(8) runs OpenDKIM with it while signing is on.\n"
	    "Mode\t\t\ts\n"
	    "Domain\t\t\t%s\n"
	    "Selector\t\t%s\n"
	    "KeyFile\t\t\t%s\n"
	    "Socket\t\t\tlocal:%s\n"
	    "PidFile\t\t\t%s/opendkim.pid\n"
	    "UMask\t\t\t000\n"
	    "Syslog\t\t\tno\n"
	    "Canonicalization\trelaxed/simple\n"
	    "SignatureAlgorithm\trsa-sha256\n"
	    "OversignHeaders\t\tFrom\n",
	    wm_config_get(cfg, "instance", "name"),
	    wm_mta_get(m, WM_MTA_DKIM_DOMAIN), sel, key, sock,
	    wm_config_path(cfg, "run"));
	/*
	 * OpenDKIM refuses a key below a world-writable directory such as the
	 * /tmp of test instances; production keeps the check.
	 */
	if (!wm_config_bool(cfg, "instance", "production"))
		wm_buf_puts(&b, "RequireSafeKeys\t\tno\n");
	if (b.data != NULL)
		rc = wm_write_file_atomic(path, b.data, b.len, 0644, err);
out:
	if (rc == -1 && err != NULL && err->code == 0)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_buf_free(&b);
	free(key);
	free(sock);
	free(dir);
	return rc;
}

int
wm_dkim_configure(const struct wm_config *cfg, const struct wm_mta *m,
    struct wm_err *err)
{
	char *path = wm_dkim_conf_path(cfg);
	int rc = 0;

	if (path == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (strcmp(wm_mta_get(m, WM_MTA_DKIM_SIGNING), "yes") == 0)
		rc = write_conf(cfg, m, path, err);
	else if (unlink(path) == -1 && errno != ENOENT)
		rc = wm_err_set(err, EX_CANTCREAT, "unlink %s: %s", path,
		    strerror(errno));
	free(path);
	return rc;
}

static int
genkey(const struct wm_config *cfg, const char *selector, const char *domain,
    struct wm_err *err)
{
	char *dir = wm_asprintf("%s/dkim", wm_config_dir(cfg));
	const char *args[] = { "-b", "2048", "-h", "sha256", "-r", "-d", domain,
	    "-s", selector, "-D", dir, NULL };
	struct wm_buf out;
	int rc;

	if (dir == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_buf_init(&out);
	if ((rc = wm_mkdir_p(dir, 0700, err)) == 0 && chmod(dir, 0700) == -1)
		rc = wm_err_set(err, EX_CANTCREAT, "chmod %s: %s", dir, strerror(errno));
	if (rc == 0 && (rc = wm_ctl_command_all(cfg, "opendkim-genkey", args, &out,
	    err)) > 0)
		rc = wm_err_set(err, EX_SOFTWARE, "opendkim-genkey failed: %s",
		    out.data ? out.data : "");
	wm_buf_free(&out);
	free(dir);
	return rc == 0 ? 0 : -1;
}

int
wm_dkim_create(const struct wm_config *cfg, struct wm_db *db, const char *selector,
    const char *domain, const char *actor, struct wm_err *err)
{
	struct wm_mta *m;
	int rc = -1;

	if ((m = wm_mta_load(db, err)) == NULL)
		return -1;
	/* Validated as fields before they reach a command line. */
	if (wm_mta_set(m, "dkim-selector", selector, 0, err) == -1 ||
	    wm_mta_set(m, "dkim-domain", domain, 0, err) == -1)
		goto out;
	if (*selector == '\0' || *domain == '\0') {
		wm_err_set(err, EX_DATAERR, "dkim: give --selector and --domain");
		goto out;
	}
	if (genkey(cfg, wm_mta_get(m, WM_MTA_DKIM_SELECTOR),
	    wm_mta_get(m, WM_MTA_DKIM_DOMAIN), err) == -1)
		goto out;
	rc = wm_mta_store(db, m, actor, err);
out:
	wm_mta_free(m);
	return rc;
}

/* Joins the quoted strings of opendkim-genkey's BIND-style record. */
static int
txt_value(const char *text, struct wm_buf *v)
{
	const char *p = strchr(text, '('), *end;

	if (p == NULL)
		p = text;
	while ((p = strchr(p, '"')) != NULL && (end = strchr(p + 1, '"')) != NULL) {
		wm_buf_append(v, p + 1, (size_t)(end - p - 1));
		p = end + 1;
	}
	return v->data != NULL && strstr(v->data, "p=") != NULL ? 0 : -1;
}

int
wm_dkim_record(const struct wm_config *cfg, struct wm_db *db, struct wm_buf *line,
    struct wm_buf *value, struct wm_err *err)
{
	struct wm_mta *m;
	struct wm_buf txt, v;
	char *path = NULL;
	int rc = -1;

	if ((m = wm_mta_load(db, err)) == NULL)
		return -1;
	wm_buf_init(&txt);
	wm_buf_init(&v);
	if (*wm_mta_get(m, WM_MTA_DKIM_SELECTOR) == '\0') {
		wm_err_set(err, EX_UNAVAILABLE, "no DKIM key yet "
		    "(wm-mtacfg dkim create --selector S --domain D)");
		goto out;
	}
	if ((path = key_path(cfg, wm_mta_get(m, WM_MTA_DKIM_SELECTOR), "txt")) == NULL ||
	    wm_read_file(path, 64 << 10, &txt, err) == -1)
		goto out;
	if (txt_value(txt.data, &v) == -1) {
		wm_err_set(err, EX_DATAERR, "%s: no DKIM record in it", path);
		goto out;
	}
	wm_buf_printf(line, "%s._domainkey.%s. IN TXT \"%s\"",
	    wm_mta_get(m, WM_MTA_DKIM_SELECTOR), wm_mta_get(m, WM_MTA_DKIM_DOMAIN),
	    v.data);
	if (value != NULL)
		wm_buf_puts(value, v.data);
	rc = 0;
out:
	wm_buf_free(&txt);
	wm_buf_free(&v);
	free(path);
	wm_mta_free(m);
	return rc;
}
