/*
 * smb.c - see smb.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libsmbclient.h>
#include <openssl/crypto.h>

#include "db.h"
#include "err.h"
#include "prefs.h"
#include "smb.h"
#include "util.h"

#define TMP_PREFIX	".wm-part-"

struct session {
	SMBCCTX				*ctx;
	const struct wm_smb_conf	*conf;
	char				 base[1024];	/* smb://host:port/share */
};

static void
auth(SMBCCTX *c, const char *srv, const char *shr, char *wg, int wglen,
    char *un, int unlen, char *pw, int pwlen)
{
	const struct wm_smb_conf *conf = smbc_getOptionUserData(c);

	snprintf(wg, (size_t)wglen, "%s", conf->domain);
	snprintf(un, (size_t)unlen, "%s", conf->user);
	snprintf(pw, (size_t)pwlen, "%s", conf->password);
}

static int
copy_pref(struct wm_db *db, const char *prefix, const char *key, char *out,
    size_t len, struct wm_err *err)
{
	char name[64], *v;

	snprintf(name, sizeof(name), "%s-smb-%s", prefix, key);
	if ((v = wm_pref_user(db, NULL, name, err)) == NULL)
		return -1;
	if (strlen(v) >= len) {
		wm_free_secret(v);
		return wm_err_set(err, EX_CONFIG, "%s is too long", name);
	}
	snprintf(out, len, "%s", v);
	wm_free_secret(v);
	return 0;
}

int
wm_smb_load(struct wm_db *db, const char *prefix, struct wm_smb_conf *c,
    struct wm_err *err)
{
	char port[16];

	memset(c, 0, sizeof(*c));
	if (copy_pref(db, prefix, "domain", c->domain, sizeof(c->domain), err) ||
	    copy_pref(db, prefix, "user", c->user, sizeof(c->user), err) ||
	    copy_pref(db, prefix, "password", c->password, sizeof(c->password),
	    err) ||
	    copy_pref(db, prefix, "server", c->server, sizeof(c->server), err) ||
	    copy_pref(db, prefix, "share", c->share, sizeof(c->share), err) ||
	    copy_pref(db, prefix, "directory", c->dir, sizeof(c->dir), err) ||
	    copy_pref(db, prefix, "port", port, sizeof(port), err)) {
		wm_smb_conf_wipe(c);
		return -1;
	}
	c->port = atoi(port);
	return 0;
}

void
wm_smb_conf_wipe(struct wm_smb_conf *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}

/* Names and directories: no "..", no control bytes, nothing URL-special. */
static int
safe_path(const char *s, int slashes)
{
	const char *seg = s;

	for (; *s; s++) {
		if (*s == '/' && slashes) {
			if (s == seg || (s - seg == 2 && strncmp(seg, "..", 2) == 0))
				return 0;
			seg = s + 1;
			continue;
		}
		if (!(*s == '.' || *s == '_' || *s == '-' || *s == ' ' ||
		    (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z')))
			return 0;
	}
	return strcmp(seg, "..") != 0 && strcmp(seg, ".") != 0;
}

static int
check_conf(const struct wm_smb_conf *c, struct wm_err *err)
{
	if (*c->server == '\0' || *c->share == '\0')
		return wm_err_set(err, EX_CONFIG, "no SMB server or share is "
		    "configured");
	if (c->port < 1 || c->port > 65535)
		return wm_err_set(err, EX_CONFIG, "SMB port %d is out of range",
		    c->port);
	if (!safe_path(c->server, 0) || strchr(c->server, ' ') ||
	    !safe_path(c->share, 0))
		return wm_err_set(err, EX_CONFIG, "SMB server or share name "
		    "has characters that are not allowed");
	if (*c->dir && !safe_path(c->dir[0] == '/' ? c->dir + 1 : c->dir, 1))
		return wm_err_set(err, EX_CONFIG, "SMB directory \"%s\" is not "
		    "allowed (letters, digits, . _ - and space; no \"..\")",
		    c->dir);
	return 0;
}

/* Turns an errno of libsmbclient into the message an admin can act on. */
static int
smb_fail(const struct session *s, const char *what, int e, struct wm_err *err)
{
	const struct wm_smb_conf *c = s->conf;

	switch (e) {
	case EACCES:
	case EPERM:
		return wm_err_set(err, EX_NOPERM, "SMB server %s refused user "
		    "\"%s\": wrong user name or password, or no access (%s)",
		    c->server, c->user, what);
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return wm_err_set(err, EX_CONFIG, "%s: not found on SMB server "
		    "%s", what, c->server);
	case ECONNREFUSED:
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ECONNRESET:
	case EPIPE:
		return wm_err_set(err, EX_TEMPFAIL, "cannot reach SMB server "
		    "%s port %d: %s", c->server, c->port, strerror(e));
	default:
		return wm_err_set(err, EX_TEMPFAIL, "SMB %s failed: %s", what,
		    strerror(e));
	}
}

static void
url_append(char *out, size_t len, const char *s)
{
	size_t n = strlen(out);

	for (; *s && n + 4 < len; s++) {
		if (*s == ' ')
			n += (size_t)snprintf(out + n, len - n, "%%20");
		else
			out[n++] = *s;
	}
	out[n] = '\0';
}

/* smb://host:port/share[/dir][/name] */
static void
url(const struct session *s, const char *dir, const char *name, char *out,
    size_t len)
{
	snprintf(out, len, "%s", s->base);
	if (dir && *dir) {
		url_append(out, len, "/");
		url_append(out, len, *dir == '/' ? dir + 1 : dir);
	}
	if (name) {
		url_append(out, len, "/");
		url_append(out, len, name);
	}
}

static void
session_close(struct session *s)
{
	if (s->ctx != NULL) {
		smbc_set_context(NULL);
		smbc_free_context(s->ctx, 1);
		s->ctx = NULL;
	}
}

/* Connects and checks that the share is there. */
static int
session_open(struct session *s, const struct wm_smb_conf *c, struct wm_err *err)
{
	struct stat st;
	int e;

	memset(s, 0, sizeof(*s));
	s->conf = c;
	if (check_conf(c, err) == -1)
		return -1;
	snprintf(s->base, sizeof(s->base), "smb://%s:%d/", c->server, c->port);
	url_append(s->base, sizeof(s->base), c->share);
	if ((s->ctx = smbc_new_context()) == NULL)
		return wm_err_set(err, EX_OSERR, "libsmbclient: no context");
	smbc_setDebug(s->ctx, 0);
	smbc_setOptionUserData(s->ctx, (void *)c);
	smbc_setFunctionAuthDataWithContext(s->ctx, auth);
	smbc_setOptionUseKerberos(s->ctx, 0);
	smbc_setOptionFallbackAfterKerberos(s->ctx, 1);
	smbc_setOptionNoAutoAnonymousLogin(s->ctx, 1);
	smbc_setTimeout(s->ctx, 15000);
	if (smbc_init_context(s->ctx) == NULL) {
		e = errno;
		smbc_free_context(s->ctx, 1);
		s->ctx = NULL;
		return wm_err_set(err, EX_OSERR, "libsmbclient: %s", strerror(e));
	}
	smbc_set_context(s->ctx);
	if (smbc_stat(s->base, &st) < 0) {
		e = errno;
		smb_fail(s, "share", e, err);
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			wm_err_set(err, EX_CONFIG, "SMB server %s has no share "
			    "\"%s\"", c->server, c->share);
		session_close(s);
		return -1;
	}
	return 0;
}

/* smbc_mkdir is not recursive: one level at a time. */
static int
make_dirs(struct session *s, struct wm_err *err)
{
	char path[512], u[2048], *p;
	struct stat st;

	snprintf(path, sizeof(path), "%s", *s->conf->dir == '/' ?
	    s->conf->dir + 1 : s->conf->dir);
	for (p = path; *path; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		url(s, path, NULL, u, sizeof(u));
		if (smbc_stat(u, &st) < 0 && smbc_mkdir(u, 0755) < 0 &&
		    errno != EEXIST)
			return smb_fail(s, "creating the directory", errno, err);
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int
copy_fd(int in, int out, int in_smb, int out_smb, struct wm_err *err)
{
	char buf[65536];
	ssize_t n, w, off;

	for (;;) {
		n = in_smb ? smbc_read(in, buf, sizeof(buf)) :
		    read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wm_err_set(err, EX_IOERR, "read: %s",
			    strerror(errno));
		if (n == 0)
			return 0;
		for (off = 0; off < n; off += w) {
			w = out_smb ? smbc_write(out, buf + off, (size_t)(n - off)) :
			    write(out, buf + off, (size_t)(n - off));
			if (w <= 0)
				return wm_err_set(err, EX_IOERR, "write: %s",
				    strerror(errno));
		}
	}
}

static int
upload(struct session *s, const char *local, const char *name,
    struct wm_err *err)
{
	char tmp[300], tu[2048], fu[2048];
	int in, out, rc;

	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%d-%s", (int)getpid(), name);
	url(s, s->conf->dir, tmp, tu, sizeof(tu));
	url(s, s->conf->dir, name, fu, sizeof(fu));
	if ((in = open(local, O_RDONLY | O_CLOEXEC)) == -1)
		return wm_err_set(err, EX_NOINPUT, "%s: %s", local,
		    strerror(errno));
	if ((out = smbc_open(tu, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		close(in);
		return smb_fail(s, "creating the file", errno, err);
	}
	rc = copy_fd(in, out, 0, 1, err);
	close(in);
	if (smbc_close(out) < 0 && rc == 0)
		rc = smb_fail(s, "writing the file", errno, err);
	if (rc == 0) {
		/* A rename onto an existing file fails on SMB. */
		smbc_unlink(fu);
		if (smbc_rename(tu, fu) < 0)
			rc = smb_fail(s, "renaming the file", errno, err);
	}
	if (rc == -1)
		smbc_unlink(tu);
	return rc;
}

int
wm_smb_put(const struct wm_smb_conf *c, const char *local, const char *name,
    struct wm_err *err)
{
	struct session s;
	int rc;

	if (!safe_path(name, 0) || *name == '.')
		return wm_err_set(err, EX_SOFTWARE, "bad SMB file name");
	if (session_open(&s, c, err) == -1)
		return -1;
	rc = make_dirs(&s, err) == -1 ? -1 : upload(&s, local, name, err);
	session_close(&s);
	return rc;
}

int
wm_smb_get(const struct wm_smb_conf *c, const char *name, const char *local,
    struct wm_err *err)
{
	struct session s;
	char u[2048];
	int in, out, rc;

	if (!safe_path(name, 0) || *name == '.')
		return wm_err_set(err, EX_DATAERR, "bad SMB file name");
	if (session_open(&s, c, err) == -1)
		return -1;
	url(&s, c->dir, name, u, sizeof(u));
	if ((in = smbc_open(u, O_RDONLY, 0)) < 0) {
		rc = smb_fail(&s, name, errno, err);
		session_close(&s);
		return rc;
	}
	out = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out == -1)
		rc = wm_err_set(err, EX_CANTCREAT, "%s: %s", local,
		    strerror(errno));
	else {
		rc = copy_fd(in, out, 1, 0, err);
		if (close(out) == -1 && rc == 0)
			rc = wm_err_set(err, EX_IOERR, "%s: %s", local,
			    strerror(errno));
	}
	smbc_close(in);
	session_close(&s);
	return rc;
}

static int
probe(struct session *s, struct wm_err *err)
{
	char name[64], u[2048], back[64];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), TMP_PREFIX "probe-%d", (int)getpid());
	url(s, s->conf->dir, name, u, sizeof(u));
	if ((fd = smbc_open(u, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return smb_fail(s, "writing a probe file", errno, err);
	n = smbc_write(fd, name, strlen(name));
	smbc_close(fd);
	if (n != (ssize_t)strlen(name)) {
		smbc_unlink(u);
		return smb_fail(s, "writing a probe file", errno, err);
	}
	memset(back, 0, sizeof(back));
	if ((fd = smbc_open(u, O_RDONLY, 0)) < 0)
		return smb_fail(s, "reading the probe file back", errno, err);
	n = smbc_read(fd, back, sizeof(back) - 1);
	smbc_close(fd);
	if (smbc_unlink(u) < 0)
		return smb_fail(s, "removing the probe file", errno, err);
	if (n < 0 || strcmp(back, name) != 0)
		return wm_err_set(err, EX_IOERR, "the probe file read back "
		    "differs from what was written");
	return 0;
}

int
wm_smb_test(const struct wm_smb_conf *c, struct wm_err *err)
{
	struct session s;
	int rc;

	if (session_open(&s, c, err) == -1)
		return -1;
	rc = make_dirs(&s, err) == -1 ? -1 : probe(&s, err);
	session_close(&s);
	return rc;
}

int
wm_smb_list(const struct wm_smb_conf *c, const char *prefix,
    int (*fn)(const char *, long long, long long, void *), void *arg,
    struct wm_err *err)
{
	struct smbc_dirent *de;
	struct session s;
	struct stat st;
	char u[2048], fu[2048];
	int dh, rc = 0;

	if (session_open(&s, c, err) == -1)
		return -1;
	url(&s, c->dir, NULL, u, sizeof(u));
	if ((dh = smbc_opendir(u)) < 0) {
		rc = errno == ENOENT ? 0 : smb_fail(&s, "listing", errno, err);
		session_close(&s);
		return rc;
	}
	while (rc == 0 && (de = smbc_readdir((unsigned int)dh)) != NULL) {
		if (de->smbc_type != SMBC_FILE || *de->name == '.' ||
		    strncmp(de->name, prefix, strlen(prefix)) != 0 ||
		    !safe_path(de->name, 0))
			continue;
		url(&s, c->dir, de->name, fu, sizeof(fu));
		if (smbc_stat(fu, &st) < 0)
			continue;
		rc = fn(de->name, (long long)st.st_size,
		    (long long)st.st_mtime, arg);
	}
	smbc_closedir(dh);
	session_close(&s);
	return rc;
}
