/*
 * smtp.c - see smtp.h.  The peer is our own Postfix on loopback, so the
 * client is small on purpose: no TLS, no AUTH, no DNS.  It still does what
 * a well-behaved client must with a server it does not control the
 * settings of: it honours SIZE, declares 8BITMIME and SMTPUTF8 when the
 * mail needs them, pipelines the envelope only when offered, and never
 * leaves a transaction half open.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "smtp.h"
#include "util.h"

#define CONNECT_MS	10000
#define IO_SECONDS	300	/* RFC 5321 4.5.3.2 asks for more at the dot */
#define REPLY_MAX	8192	/* bytes of one (multi-line) reply */
#define TEXT_MAX	200	/* of a reply, kept for messages */
#define MAX_RCPTS	64

enum ext {
	EXT_PIPELINING	= 1 << 0,
	EXT_8BITMIME	= 1 << 1,
	EXT_SMTPUTF8	= 1 << 2,
	EXT_SIZE	= 1 << 3
};

struct wm_smtp {
	char		 host[256];
	int		 port;
	int		 fd;		/* -1: not connected */
	int		 ext;		/* enum ext, from the EHLO reply */
	unsigned long	 size_max;	/* SIZE n; 0: none announced */
	struct wm_err	 dead;		/* a failed connect, for the rest */
	int		 lost;		/* the last failure was on the wire */
	int		 at_dot;	/* the mail's bytes were written */
	char		 in[4096];	/* bytes read, not yet consumed */
	size_t		 inlen;
	char		 text[TEXT_MAX];	/* last reply, printable */
};

struct wm_smtp *
wm_smtp_new(const char *hostport, struct wm_err *err)
{
	struct wm_smtp *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (wm_config_hostport(hostport, s->host, sizeof(s->host),
	    &s->port) == -1) {
		free(s);
		wm_err_set(err, EX_CONFIG, "submission listener \"%s\" is not "
		    "host:port", hostport ? hostport : "");
		return NULL;
	}
	s->fd = -1;
	return s;
}

int
wm_smtp_down(const struct wm_smtp *s)
{
	return s->dead.code != 0;
}

static void
hang_up(struct wm_smtp *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->inlen = 0;
	s->ext = 0;
}

/* ---- the wire ---- */

static int
io_fail(struct wm_smtp *s, const char *what, struct wm_err *err)
{
	int e = errno;

	hang_up(s);
	s->lost = 1;
	if (e == EAGAIN || e == EWOULDBLOCK)
		return wm_err_set(err, EX_TEMPFAIL, "submission listener %s:%d: "
		    "timeout while %s", s->host, s->port, what);
	return wm_err_set(err, EX_TEMPFAIL, "submission listener %s:%d: %s: %s",
	    s->host, s->port, what, e ? strerror(e) : "connection closed");
}

static int
put(struct wm_smtp *s, const char *p, size_t n, struct wm_err *err)
{
	ssize_t w;

	while (n > 0) {
		w = send(s->fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return io_fail(s, "writing", err);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One reply line into line (NUL-terminated, CRLF cut); -1 on I/O. */
static int
get_line(struct wm_smtp *s, char *line, size_t max, struct wm_err *err)
{
	char *nl;
	size_t n;
	ssize_t r;

	for (;;) {
		if ((nl = memchr(s->in, '\n', s->inlen)) != NULL) {
			n = (size_t)(nl - s->in);
			if (n >= max)
				n = max - 1;
			memcpy(line, s->in, n);
			line[n] = '\0';
			if (n > 0 && line[n - 1] == '\r')
				line[n - 1] = '\0';
			s->inlen -= (size_t)(nl + 1 - s->in);
			memmove(s->in, nl + 1, s->inlen);
			return 0;
		}
		if (s->inlen == sizeof(s->in)) {
			errno = EPROTO;
			return io_fail(s, "reading a reply line", err);
		}
		r = recv(s->fd, s->in + s->inlen, sizeof(s->in) - s->inlen, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return io_fail(s, "reading a reply", err);
		}
		s->inlen += (size_t)r;
	}
}

static void
keep_text(struct wm_smtp *s, const char *t)
{
	size_t i;

	for (i = 0; t[i] != '\0' && i < sizeof(s->text) - 1; i++)
		s->text[i] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
	s->text[i] = '\0';
}

/*
 * The next reply: its code (-1 on I/O or a malformed reply).  Each line
 * of a multi-line reply goes to each, when given (the EHLO keywords).
 */
static int
reply(struct wm_smtp *s, void (*each)(struct wm_smtp *, const char *),
    struct wm_err *err)
{
	char line[1024];
	size_t total = 0;
	int code;

	for (;;) {
		if (get_line(s, line, sizeof(line), err) == -1)
			return -1;
		total += strlen(line);
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (line[3] != '\0' && line[3] != ' ' &&
		    line[3] != '-') || total > REPLY_MAX) {
			errno = EPROTO;
			return io_fail(s, "reading a reply (not SMTP)", err);
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (each != NULL)
			each(s, line[3] ? line + 4 : "");
		if (line[3] != '-') {
			keep_text(s, line);
			return code;
		}
	}
}

/* ---- verdicts ---- */

/* The enhanced status code at the start of a reply's text, if any. */
static int
enhanced(const char *text, int *cls, int *subj, int *detail)
{
	const char *t = text;

	if (strlen(t) > 4)
		t += 4;		/* "550 5.1.1 ..." */
	return sscanf(t, "%d.%d.%d", cls, subj, detail) == 3 ? 0 : -1;
}

/* Refusals no retry changes: the address, the size, the content. */
static int
permanent(const struct wm_smtp *s, int code)
{
	int c, subj, d;

	if (code < 500)
		return 0;
	if (enhanced(s->text, &c, &subj, &d) == -1 || c != 5)
		return 0;
	return subj == 1 || (subj == 3 && d == 4) || subj == 6;
}

static int
refused(struct wm_smtp *s, int code, const char *stage, struct wm_err *err)
{
	return wm_err_set(err, permanent(s, code) ? EX_DATAERR : EX_TEMPFAIL,
	    "submission listener %s:%d refused %s: %s", s->host, s->port, stage,
	    s->text);
}

/* ---- the session ---- */

static void
keyword(struct wm_smtp *s, const char *t)
{
	if (strncasecmp(t, "PIPELINING", 10) == 0 && (t[10] == '\0' || t[10] == ' '))
		s->ext |= EXT_PIPELINING;
	else if (strncasecmp(t, "8BITMIME", 8) == 0 && (t[8] == '\0' || t[8] == ' '))
		s->ext |= EXT_8BITMIME;
	else if (strncasecmp(t, "SMTPUTF8", 8) == 0 && (t[8] == '\0' || t[8] == ' '))
		s->ext |= EXT_SMTPUTF8;
	else if (strncasecmp(t, "SIZE", 4) == 0 && (t[4] == '\0' || t[4] == ' ')) {
		s->ext |= EXT_SIZE;
		s->size_max = t[4] ? strtoul(t + 5, NULL, 10) : 0;
	}
}

static int
dial(struct wm_smtp *s, struct wm_err *err)
{
	struct addrinfo hints, *ai = NULL;
	struct timeval tv = { IO_SECONDS, 0 };
	struct pollfd pfd;
	char port[16];
	socklen_t len = sizeof(int);
	int fd, e = 0, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", s->port);
	if ((rc = getaddrinfo(s->host, port, &hints, &ai)) != 0)
		return wm_err_set(err, EX_CONFIG, "submission listener %s: %s "
		    "(a numeric address is needed)", s->host, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		freeaddrinfo(ai);
		return wm_err_set(err, EX_TEMPFAIL, "socket: %s", strerror(errno));
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		e = errno;
		if (e == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			e = poll(&pfd, 1, CONNECT_MS) == 1 ? 0 : ETIMEDOUT;
			if (e == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
			    &len) == -1)
				e = errno;
		}
	}
	freeaddrinfo(ai);
	if (e != 0) {
		close(fd);
		return wm_err_set(err, EX_TEMPFAIL, "submission listener %s:%d: "
		    "connect: %s", s->host, s->port, strerror(e));
	}
	/* Blocking from here, each read and write bounded in time. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		e = errno;
		close(fd);
		return wm_err_set(err, EX_TEMPFAIL, "socket options: %s",
		    strerror(e));
	}
	s->fd = fd;
	return 0;
}

static int
hello(struct wm_smtp *s, struct wm_err *err)
{
	int code;

	if ((code = reply(s, NULL, err)) == -1)
		return -1;
	if (code != 220) {
		refused(s, code, "the session", err);
		hang_up(s);
		return -1;
	}
	if (put(s, "EHLO localhost\r\n", 16, err) == -1 ||
	    (code = reply(s, keyword, err)) == -1)
		return -1;
	if (code == 250)
		return 0;
	/* A server without ESMTP: plain SMTP, no extensions. */
	s->ext = 0;
	if (put(s, "HELO localhost\r\n", 16, err) == -1 ||
	    (code = reply(s, NULL, err)) == -1)
		return -1;
	if (code != 250) {
		refused(s, code, "HELO", err);
		hang_up(s);
		return -1;
	}
	return 0;
}

static int
open_session(struct wm_smtp *s, struct wm_err *err)
{
	if (s->fd != -1)
		return 0;
	if (s->dead.code != 0) {
		wm_err_set(err, s->dead.code, "%s", s->dead.msg);
		return -1;
	}
	if (dial(s, err) == -1) {
		s->dead = *err;
		return -1;
	}
	return hello(s, err);
}

/* ---- one mail ---- */

static int
has_high(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* Bytes of the header section (through its blank line, or all). */
static size_t
header_len(const char *p, size_t n)
{
	const char *q = p;
	size_t left = n;

	while (left > 0 && (q = memchr(q, '\n', left)) != NULL) {
		q++;
		left = n - (size_t)(q - p);
		if (left > 0 && q[0] == '\n')
			return (size_t)(q - p);
		if (left > 1 && q[0] == '\r' && q[1] == '\n')
			return (size_t)(q - p);
	}
	return n;
}

/* The DATA payload: CRLF line ends, leading dots doubled, the final dot. */
static int
wire_body(const char *p, size_t n, struct wm_buf *out)
{
	const char *nl;
	size_t line;

	if (wm_buf_reserve(out, n + n / 32 + 8) == -1)
		return -1;
	while (n > 0) {
		nl = memchr(p, '\n', n);
		line = nl ? (size_t)(nl - p) : n;
		if ((p[0] == '.' && wm_buf_append(out, ".", 1) == -1) ||
		    wm_buf_append(out, p, line > 0 && p[line - 1] == '\r' ?
		    line - 1 : line) == -1 || wm_buf_append(out, "\r\n", 2) == -1)
			return -1;
		if (nl == NULL)
			break;
		p = nl + 1;
		n -= line + 1;
	}
	return wm_buf_append(out, ".\r\n", 3);
}

static int
valid_path(const char *a, int rcpt)
{
	if (a == NULL || strpbrk(a, "\r\n<> \t") != NULL)
		return 0;
	return !rcpt || (*a != '\0' && strchr(a, '@') != NULL);
}

/* MAIL and the RCPTs, one write when the server pipelines. */
static int
envelope(struct wm_smtp *s, const char *sender, const char *const *rcpts,
    size_t size, int eight, int utf8, struct wm_err *err)
{
	struct wm_buf cmd;
	int code, rc = 0, bad = 0, pipe = s->ext & EXT_PIPELINING;
	size_t i, n;

	wm_buf_init(&cmd);
	wm_buf_printf(&cmd, "MAIL FROM:<%s>", sender);
	if (s->ext & EXT_SIZE)
		wm_buf_printf(&cmd, " SIZE=%zu", size);
	if (eight && (s->ext & EXT_8BITMIME))
		wm_buf_puts(&cmd, " BODY=8BITMIME");
	if (utf8)
		wm_buf_puts(&cmd, " SMTPUTF8");
	wm_buf_puts(&cmd, "\r\n");
	for (n = 0; rcpts[n] != NULL; n++)
		if (pipe)
			wm_buf_printf(&cmd, "RCPT TO:<%s>\r\n", rcpts[n]);
	if (cmd.data == NULL) {
		wm_buf_free(&cmd);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if (put(s, cmd.data, cmd.len, err) == -1) {
		wm_buf_free(&cmd);
		return -1;
	}
	wm_buf_free(&cmd);
	/* Every pipelined reply is read, whatever the first said. */
	if ((code = reply(s, NULL, err)) == -1)
		return -1;
	if (code != 250) {
		rc = refused(s, code, "the sender", err);
		bad = 1;
		if (!pipe)
			return rc;
	}
	for (i = 0; i < n; i++) {
		if (!pipe) {
			char line[1100];

			snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", rcpts[i]);
			if (put(s, line, strlen(line), err) == -1)
				return -1;
		}
		if ((code = reply(s, NULL, err)) == -1)
			return -1;
		if (code != 250 && code != 251 && !bad) {
			rc = refused(s, code, rcpts[i], err);
			bad = 1;
			if (!pipe)
				return rc;
		}
	}
	return bad ? -1 : 0;
}

/* After a refusal: a clean slate for the next mail, or no session. */
static void
reset(struct wm_smtp *s)
{
	struct wm_err ignored;

	wm_err_clear(&ignored);
	if (s->fd == -1)
		return;
	if (put(s, "RSET\r\n", 6, &ignored) == -1 ||
	    reply(s, NULL, &ignored) != 250)
		hang_up(s);
}

static int
transaction(struct wm_smtp *s, const char *sender, const char *const *rcpts,
    const struct wm_buf *body, int eight, int utf8, struct wm_err *err)
{
	int code;

	if (envelope(s, sender, rcpts, body->len, eight, utf8, err) == -1) {
		reset(s);
		return -1;
	}
	if (put(s, "DATA\r\n", 6, err) == -1 || (code = reply(s, NULL, err)) == -1)
		return -1;
	if (code != 354) {
		refused(s, code, "DATA", err);
		reset(s);
		return -1;
	}
	s->at_dot = 1;
	if (put(s, body->data, body->len, err) == -1 ||
	    (code = reply(s, NULL, err)) == -1)
		return -1;	/* not known to be taken: sent again later */
	if (code != 250)
		return refused(s, code, "the mail", err);
	return 0;
}

int
wm_smtp_send(struct wm_smtp *s, const char *sender,
    const char *const *rcpts, const void *mail, size_t len,
    struct wm_err *err)
{
	struct wm_buf body;
	size_t n;
	int eight, utf8, rc, reused;

	if (sender == NULL)
		sender = "";
	if (!valid_path(sender, 0))
		return wm_err_set(err, EX_DATAERR, "submission: refusing sender");
	for (n = 0; rcpts != NULL && rcpts[n] != NULL; n++)
		if (!valid_path(rcpts[n], 1) || strlen(rcpts[n]) > 1000)
			return wm_err_set(err, EX_DATAERR, "submission: refusing "
			    "recipient address");
	if (n == 0 || n > MAX_RCPTS)
		return wm_err_set(err, EX_SOFTWARE, "submission: %s recipients",
		    n == 0 ? "no" : "too many");
	utf8 = has_high(sender, strlen(sender)) ||
	    has_high(mail, header_len(mail, len));
	for (n = 0; rcpts[n] != NULL; n++)
		utf8 |= has_high(rcpts[n], strlen(rcpts[n]));
	eight = utf8 || has_high(mail, len);
	wm_buf_init(&body);
	if (wire_body(mail, len, &body) == -1) {
		wm_buf_free(&body);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	reused = s->fd != -1;
	s->lost = s->at_dot = 0;
	if ((rc = open_session(s, err)) == 0 && utf8 && !(s->ext & EXT_SMTPUTF8))
		rc = wm_err_set(err, EX_DATAERR, "submission listener %s:%d does "
		    "not offer SMTPUTF8, which this mail needs", s->host, s->port);
	else if (rc == 0 && (s->ext & EXT_SIZE) && s->size_max > 0 &&
	    body.len > s->size_max)
		rc = wm_err_set(err, EX_DATAERR, "submission listener %s:%d takes "
		    "at most %lu bytes; the mail has %zu", s->host, s->port,
		    s->size_max, body.len);
	else if (rc == 0) {
		rc = transaction(s, sender, rcpts, &body, eight, utf8, err);
		/*
		 * A server may drop a session that sat idle; a mail that failed
		 * on the wire of a reused session before the dot gets one fresh
		 * session.  After the dot it may be taken: no second try here.
		 */
		if (rc == -1 && reused && s->lost && !s->at_dot &&
		    open_session(s, err) == 0)
			rc = transaction(s, sender, rcpts, &body, eight, utf8, err);
	}
	wm_buf_free(&body);
	return rc;
}

void
wm_smtp_free(struct wm_smtp *s)
{
	struct wm_err ignored;

	if (s == NULL)
		return;
	wm_err_clear(&ignored);
	if (s->fd != -1 && put(s, "QUIT\r\n", 6, &ignored) == 0)
		(void)reply(s, NULL, &ignored);
	hang_up(s);
	free(s);
}
