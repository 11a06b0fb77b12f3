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
 * user) connect.  The service answers one request per connection and knows
 * exactly the console's operations that need a key: "webmail-cert",
 * "import" (a PKCS#12 or PEM with its key), "ca-create", "ca-issue" and
 * "export-p12" (a certificate the local CA issued, under the password the
 * administrator gave), each handed to the same wm_pki function the wm-pki
 * CLI calls, which checks its input.  The relay keys never leave: answers
 * are an exit code with a certificate id or a one-line reason, and only an
 * export carries data.  Requests are bounded (REQ_MAX) and time-limited, so
 * a stuck or hostile client cannot hold the service.
 *
 * The protocol: the client sends "KEY VALUE" lines (op, email, subject,
 * pass, flags, years, days, id), a blank line and the upload, then shuts
 * down its side; the service answers one line "CODE TEXT" (CODE 0: TEXT is
 * the id, an export's PKCS#12 follows; else a sysexits code and reason).
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

#include <openssl/crypto.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "keystore.h"
#include "keysvc.h"
#include "log.h"
#include "pki.h"
#include "pkiadmin.h"
#include "util.h"

#define HEAD_MAX	4096
#define REQ_MAX		(17 * 1024 * 1024)	/* a PKCS#12 upload and its lines */
#define IO_TIMEOUT_S	10

/* A request as the service parsed it: its fields point into the buffer. */
struct request {
	struct wm_keysvc_req	 r;
	char			*fields[8];
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

static const char *const field_names[] = {
	"op", "email", "subject", "pass", "flags", "years", "days", "id", NULL
};

/* One "KEY VALUE" line into its field; unknown keys refused. */
static int
parse_line(struct request *q, char *line)
{
	char *sp = strchr(line, ' ');
	int i;

	if (sp == NULL || strchr(line, '\r') != NULL)
		return -1;
	*sp = '\0';
	for (i = 0; field_names[i] != NULL; i++)
		if (strcmp(line, field_names[i]) == 0 && q->fields[i] == NULL) {
			q->fields[i] = sp + 1;
			return 0;
		}
	return -1;
}

static long long
number(const char *s)
{
	char *end;
	long long n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strtoll(s, &end, 10);
	return *end == '\0' ? n : -1;
}

/* Header lines, a blank line, then the body (an upload). */
static int
parse_request(struct wm_buf *b, struct request *q)
{
	char *p = b->data, *nl, *end = b->data + b->len;

	memset(q, 0, sizeof(*q));
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		*nl = '\0';
		if (*p == '\0') {
			q->r.body = (unsigned char *)nl + 1;
			q->r.body_len = (size_t)(end - nl - 1);
			break;
		}
		if (nl - p > HEAD_MAX || parse_line(q, p) == -1)
			return -1;
		p = nl + 1;
	}
	if (q->fields[0] == NULL)
		return -1;
	q->r.op = q->fields[0];
	q->r.email = q->fields[1] && *q->fields[1] ? q->fields[1] : NULL;
	q->r.subject = q->fields[2] && *q->fields[2] ? q->fields[2] : NULL;
	q->r.pass = q->fields[3] && *q->fields[3] ? q->fields[3] : NULL;
	q->r.flags = (int)number(q->fields[4]);
	q->r.years = (int)number(q->fields[5]);
	q->r.days = (int)number(q->fields[6]);
	q->r.id = number(q->fields[7]);
	return 0;
}

static void
answer(int fd, int code, const char *text, const unsigned char *body,
    size_t len)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%d %s\n", code, text);

	if (n > 0 && (write(fd, line, (size_t)n) != n ||
	    (len > 0 && wm_write_all(fd, body, len) == -1)))
		wm_log(LOG_WARNING, "key service: answer not sent");
}

/* Only a certificate the local CA issued leaves, never a relay or CA key. */
static int
exportable(struct wm_db *db, long long id, struct wm_err *err)
{
	sqlite3_stmt *st;
	int ok;

	if ((st = wm_db_prepare(db, "SELECT 1 FROM private_keys WHERE "
	    "cert_id = ? AND purpose = 'issued'", err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok ? 0 : wm_err_set(err, EX_NOPERM, "only a certificate the "
	    "local CA issued is exported with its key");
}

/*
 * The requests, each the wm_pki call the CLI makes for it; nothing else.
 * Only export-p12 answers with data: the PKCS#12 the administrator asked
 * for, under the password given; the relay keys are never exported.
 */
static int
dispatch(struct wm_db *db, const struct wm_keysvc_req *r, long long *id,
    unsigned char **out, size_t *len, struct wm_err *err)
{
	if (strcmp(r->op, "webmail-cert") == 0)
		return wm_pki_create_relay_cert(db, r->email, r->subject, id, err);
	if (strcmp(r->op, "import") == 0)
		return wm_pki_import(db, r->body, r->body_len, r->pass,
		    r->flags & (WM_PKI_ROOT | WM_PKI_WHITELIST), id, err);
	if (strcmp(r->op, "ca-create") == 0)
		return wm_pki_ca_create(db, r->subject, r->years, id, err);
	if (strcmp(r->op, "ca-issue") == 0)
		return wm_pki_ca_issue(db, r->subject, r->email, r->days, id, err);
	if (strcmp(r->op, "export-p12") == 0) {
		*id = r->id;
		if (exportable(db, r->id, err) == -1)
			return -1;
		*out = wm_pki_export_p12(db, r->id, r->pass, len, err);
		return *out != NULL ? 0 : -1;
	}
	return wm_err_set(err, EX_USAGE, "unknown request");
}

static void
handle(struct wm_db *db, int fd)
{
	unsigned char *out = NULL;
	struct request q;
	struct wm_buf b;
	struct wm_err err;
	char id[32];
	size_t len = 0;
	long long n = 0;

	set_timeouts(fd);
	wm_buf_init(&b);
	if (wm_read_fd(fd, REQ_MAX, &b, &err) == -1 || b.data == NULL ||
	    parse_request(&b, &q) == -1)
		answer(fd, EX_USAGE, "malformed request", NULL, 0);
	else if (dispatch(db, &q.r, &n, &out, &len, &err) == -1) {
		wm_log(LOG_WARNING, "key service: %s: %s", q.r.op, err.msg);
		answer(fd, err.code, err.msg, NULL, 0);
	} else {
		wm_log(LOG_INFO, "key service: %s: certificate %lld", q.r.op, n);
		snprintf(id, sizeof(id), "%lld", n);
		answer(fd, 0, id, out, len);
	}
	if (out != NULL)
		OPENSSL_cleanse(out, len);
	free(out);
	wm_buf_free_secret(&b);
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
call(const struct wm_config *cfg, const struct wm_buf *req, struct wm_buf *out,
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
	else if (wm_write_all(fd, req->data, req->len) == -1 ||
	    shutdown(fd, SHUT_WR) == -1)
		wm_err_set(err, EX_TEMPFAIL, "key service: request not sent");
	else
		rc = wm_read_fd(fd, REQ_MAX, out, err);
	close(fd);
	free(path);
	return rc;
}

static int
has_break(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* The answer: "CODE TEXT\n" and, for an export, the data after it. */
static int
read_answer(struct wm_buf *in, long long *id, struct wm_buf *data,
    struct wm_err *err)
{
	char *end, *nl = in->data ? memchr(in->data, '\n', in->len) : NULL;
	long code;

	if (nl == NULL)
		return wm_err_set(err, EX_PROTOCOL, "key service: no answer");
	*nl = '\0';
	code = strtol(in->data, &end, 10);
	if (*end != ' ')
		return wm_err_set(err, EX_PROTOCOL, "key service: bad answer");
	if (code != 0)
		return wm_err_set(err, (int)code, "%s", end + 1);
	if (id != NULL)
		*id = strtoll(end + 1, NULL, 10);
	if (data != NULL && wm_buf_append(data, nl + 1,
	    in->len - (size_t)(nl + 1 - in->data)) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

int
wm_keysvc_call(const struct wm_config *cfg, const struct wm_keysvc_req *r,
    long long *id, struct wm_buf *data, struct wm_err *err)
{
	struct wm_buf req, out;
	int rc = -1;

	if (has_break(r->op) || has_break(r->email) || has_break(r->subject) ||
	    has_break(r->pass))
		return wm_err_set(err, EX_DATAERR, "line breaks are not allowed");
	wm_buf_init(&req);
	wm_buf_init(&out);
	wm_buf_printf(&req, "op %s\nemail %s\nsubject %s\npass %s\nflags %d\n"
	    "years %d\ndays %d\nid %lld\n\n", r->op, r->email ? r->email : "",
	    r->subject ? r->subject : "", r->pass ? r->pass : "", r->flags,
	    r->years, r->days, r->id);
	if (r->body_len > 0)
		wm_buf_append(&req, r->body, r->body_len);
	if (req.data == NULL)
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (call(cfg, &req, &out, err) == 0)
		rc = read_answer(&out, id, data, err);
	wm_buf_free_secret(&req);
	wm_buf_free_secret(&out);
	return rc;
}
