/*
 * keysvc.c - see keysvc.h.
 *
 * The choice.  The web programs run as a user (wmweb) that cannot open the
 * key store (keystore.c), yet the console must still create a webmail
 * certificate.  Of the two narrow paths, a sudoers entry for one wm-pki
 * subcommand works only where sudo is configured by root for that box, so a
 * test instance made by wm-init (whose web user cannot sudo) could not use
 * it, and production and tests would run different code.  A small service
 * that holds the keys and answers over a unix socket (OpenSMTPD's ca
 * process) works the same everywhere: `wm-pki serve`, run as the instance
 * user by wm-ctl like wm-notify, and by systemd in production.
 *
 * The boundary.  The socket is mode 0660 in a directory 0750, both the
 * instance user's, so only that user and the members of its group (the web
 * user) connect.  The service answers exactly one request per connection
 * and knows exactly one request, "webmail-cert" with an address and a
 * subject, which it checks and hands to the same wm_pki function wm-pki's
 * CLI uses.  It never returns key material: the answer is an exit code and
 * the new certificate's id or a one-line reason.  Requests are bounded
 * (REQ_MAX) and time-limited, so a stuck or hostile client cannot hold it.
 *
 * The protocol: the client sends lines "op webmail-cert", "email ADDR",
 * "subject TEXT", then shuts down its side; the service answers one line
 * "CODE TEXT" (CODE 0: TEXT is the id; else a sysexits code and reason).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "keystore.h"
#include "keysvc.h"
#include "log.h"
#include "pki.h"
#include "util.h"

#define REQ_MAX		4096
#define IO_TIMEOUT_S	10

struct request {
	char	 op[32];
	char	 email[320];
	char	 subject[256];
};

char *
wm_keysvc_socket(const struct wm_config *cfg)
{
	return wm_asprintf("%s/keys/keys.sock", wm_config_path(cfg, "run"));
}

static int
socket_addr(const char *path, struct sockaddr_un *sa, struct wm_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return wm_err_set(err, EX_CONFIG, "socket path too long: %s", path);
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static void
set_timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One "KEY VALUE" line into its field; unknown keys and CR refused. */
static int
parse_line(struct request *r, const char *line)
{
	static const struct { const char *key; size_t off, size; } f[] = {
		{ "op", offsetof(struct request, op), sizeof(r->op) },
		{ "email", offsetof(struct request, email), sizeof(r->email) },
		{ "subject", offsetof(struct request, subject), sizeof(r->subject) },
	};
	const char *sp = strchr(line, ' ');
	size_t i, klen;

	if (sp == NULL || strchr(line, '\r') != NULL)
		return -1;
	klen = (size_t)(sp - line);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strlen(f[i].key) == klen && strncmp(line, f[i].key, klen) == 0) {
			if (strlen(sp + 1) >= f[i].size)
				return -1;
			memcpy((char *)r + f[i].off, sp + 1, strlen(sp + 1) + 1);
			return 0;
		}
	return -1;
}

static int
parse_request(char *buf, struct request *r)
{
	char *line, *save = NULL;

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (parse_line(r, line) == -1)
			return -1;
	return 0;
}

static void
answer(int fd, int code, const char *text)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%d %s\n", code, text);

	if (n > 0 && write(fd, line, (size_t)n) != n)
		wm_log(LOG_WARNING, "key service: answer not sent");
}

static void
handle(struct wm_db *db, int fd)
{
	struct wm_buf b;
	struct wm_err err;
	struct request r;
	char id[32];
	long long n;

	set_timeouts(fd);
	wm_buf_init(&b);
	if (wm_read_fd(fd, REQ_MAX, &b, &err) == -1 || b.data == NULL ||
	    parse_request(b.data, &r) == -1) {
		answer(fd, EX_USAGE, "malformed request");
		wm_buf_free(&b);
		return;
	}
	wm_buf_free(&b);
	if (strcmp(r.op, "webmail-cert") != 0) {
		answer(fd, EX_USAGE, "unknown request");
		return;
	}
	if (wm_pki_create_relay_cert(db, *r.email ? r.email : NULL,
	    *r.subject ? r.subject : NULL, &n, &err) == -1) {
		wm_log(LOG_WARNING, "key service: webmail-cert: %s", err.msg);
		answer(fd, err.code, err.msg);
		return;
	}
	wm_log(LOG_INFO, "key service: webmail certificate %lld created", n);
	snprintf(id, sizeof(id), "%lld", n);
	answer(fd, 0, id);
}

static int
listen_on(const char *path, struct wm_err *err)
{
	struct sockaddr_un sa;
	char *dir;
	int fd;

	if (socket_addr(path, &sa, err) == -1 || (dir = wm_strdup(path)) == NULL)
		return -1;
	*strrchr(dir, '/') = '\0';
	/* Group wm (the web user) may connect; nobody else. */
	if ((mkdir(dir, 0750) == -1 && errno != EEXIST) || chmod(dir, 0750) == -1) {
		wm_err_set(err, EX_CANTCREAT, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, 8) == -1) {
		wm_err_set(err, EX_OSERR, "key service %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

int
wm_keysvc_serve(const struct wm_config *cfg, struct wm_db *db,
    struct wm_err *err)
{
	char *path;
	int lfd, fd;

	if (!wm_keystore_attached(db))
		return wm_err_set(err, EX_NOPERM, "the key store is not "
		    "readable by this user");
	if ((path = wm_keysvc_socket(cfg)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	lfd = listen_on(path, err);
	free(path);
	if (lfd == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	wm_log(LOG_INFO, "key service: listening");
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			close(lfd);
			return wm_err_set(err, EX_OSERR, "accept: %s",
			    strerror(errno));
		}
		handle(db, fd);
		close(fd);
	}
}

/* --- the client --- */

static int
call(const struct wm_config *cfg, const char *req, struct wm_buf *out,
    struct wm_err *err)
{
	struct sockaddr_un sa;
	char *path = wm_keysvc_socket(cfg);
	int fd, rc = -1;

	if (path == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (socket_addr(path, &sa, err) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		free(path);
		return wm_err_set(err, EX_OSERR, "key service: socket");
	}
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		wm_err_set(err, EX_UNAVAILABLE, "key service %s: %s", path,
		    strerror(errno));
	else if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    shutdown(fd, SHUT_WR) == -1)
		wm_err_set(err, EX_TEMPFAIL, "key service: request not sent");
	else
		rc = wm_read_fd(fd, REQ_MAX, out, err);
	close(fd);
	free(path);
	return rc;
}

int
wm_keysvc_webmail_cert(const struct wm_config *cfg, const char *email,
    const char *subject, long long *id, struct wm_err *err)
{
	struct wm_buf req, out;
	char *end;
	long code;
	int rc = -1;

	if ((email && strpbrk(email, "\r\n")) || (subject && strpbrk(subject,
	    "\r\n")))
		return wm_err_set(err, EX_DATAERR, "line breaks are not allowed");
	wm_buf_init(&req);
	wm_buf_init(&out);
	wm_buf_printf(&req, "op webmail-cert\nemail %s\nsubject %s\n",
	    email ? email : "", subject ? subject : "");
	if (req.data == NULL)
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (call(cfg, req.data, &out, err) == 0) {
		code = out.data ? strtol(out.data, &end, 10) : -1;
		if (out.data == NULL || *end != ' ')
			rc = wm_err_set(err, EX_PROTOCOL, "key service: bad answer");
		else if (code != 0)
			rc = wm_err_set(err, (int)code, "%.*s", (int)strcspn(end + 1,
			    "\n"), end + 1);
		else if ((*id = strtoll(end + 1, NULL, 10)) > 0)
			rc = 0;
		else
			rc = wm_err_set(err, EX_PROTOCOL, "key service: bad id");
	}
	wm_buf_free(&req);
	wm_buf_free(&out);
	return rc;
}
