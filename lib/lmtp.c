/*
 * lmtp.c - see lmtp.h.
 *
 * Replies are written as each command is read, so a pipelining client (as
 * Postfix is once PIPELINING is announced) simply finds them in order.
 * The message is spooled to a file, never held in memory, and delivered
 * only after the final "." arrived: a cut connection stores nothing, and
 * the delivery key makes Postfix's retry of a transaction whose reply was
 * lost store nothing twice.
 */
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "deliver.h"
#include "err.h"
#include "lmtp.h"
#include "log.h"
#include "util.h"

#define LINE_MAX_CMD	2048	/* RFC 5321: 512; Postfix adds parameters */
#define MAX_RCPTS	100
#define CONNS_MAX	64	/* connections one worker holds */
#define IDLE_MAX	300	/* s: an idle connection closes */
#define IO_TIMEOUT	300	/* s: a read or write of a command or DATA */

struct conn {
	int		 fd;
	char		 buf[65536];
	size_t		 off, len;
};

struct txn {
	char		*sender;
	int		 nrcpts;
	char		*rcpt;		/* the first: for the log */
};

/*
 * One line into line (CRLF or LF stripped), reading more as needed.
 * 1 line, 0 end of input, -1 error or a line longer than cap.
 */
static int
read_line(struct conn *c, struct wm_buf *line, size_t cap)
{
	char *nl;
	ssize_t n;

	line->len = 0;
	for (;;) {
		if (c->off < c->len) {
			nl = memchr(c->buf + c->off, '\n', c->len - c->off);
			n = (ssize_t)((nl ? nl + 1 : c->buf + c->len) - (c->buf + c->off));
			if (line->len + (size_t)n > cap + 2 ||
			    wm_buf_append(line, c->buf + c->off, (size_t)n) == -1)
				return -1;
			c->off += (size_t)n;
			if (nl != NULL)
				break;
		}
		c->off = c->len = 0;
		n = read(c->fd, c->buf, sizeof(c->buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		c->len = (size_t)n;
	}
	line->len -= 1;
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		line->len--;
	line->data[line->len] = '\0';
	return 1;
}

/* A whole line is buffered: read_line will not wait for it. */
static int
line_ready(const struct conn *c)
{
	return c->off < c->len &&
	    memchr(c->buf + c->off, '\n', c->len - c->off) != NULL;
}

/* One read of what has come.  1 ok, 0 end of input, -1 error. */
static int
fill(struct conn *c)
{
	ssize_t n;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == sizeof(c->buf)) {
		errno = EMSGSIZE;	/* a command line longer than the buffer */
		return -1;
	}
	do
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	c->len += (size_t)n;
	return 1;
}

static int
reply(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
reply(struct conn *c, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	/* A reason from an error message is one line, whatever it held. */
	for (char *p = line; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	memcpy(line + n, "\r\n", 2);
	return wm_write_all(c->fd, line, (size_t)n + 2);
}

static void
txn_reset(struct txn *t)
{
	free(t->sender);
	free(t->rcpt);
	memset(t, 0, sizeof(*t));
}

/* The address of "FROM:<a> params" / "TO:<a> params"; NULL when malformed. */
static char *
path_arg(const char *arg, const char *kw)
{
	size_t kl = strlen(kw);
	const char *lt, *gt;

	if (strncasecmp(arg, kw, kl) != 0)
		return NULL;
	arg += kl;
	while (*arg == ' ')
		arg++;
	if ((lt = strchr(arg, '<')) != arg || (gt = strchr(lt, '>')) == NULL)
		return NULL;
	return strndup(lt + 1, (size_t)(gt - lt - 1));
}

static int
spool_open(const char *dir, struct wm_err *err)
{
	FILE *f;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd == -1 && (f = tmpfile()) != NULL) {
		fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0);
		fclose(f);
	}
	if (fd == -1)
		wm_err_set(err, EX_TEMPFAIL, "spool file: %s", strerror(errno));
	return fd;
}

/*
 * Where DATA goes: memory, which the deliverer reads where it is, until the
 * message passes MEM_MAX; then a spool file (dir), written in 64 KB pieces.
 * Most tunnels never touch the disk before their mailbox copy.
 */
#define MEM_MAX		(8 * 1024 * 1024)

struct spool {
	const char	*dir;
	int		 fd;		/* -1 while in memory */
	struct wm_buf	 mem;
};

static void
spool_close(struct spool *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	wm_buf_free(&s->mem);
}

static int
spool_flush(struct spool *s)
{
	int rc = wm_write_all(s->fd, s->mem.data, s->mem.len);

	s->mem.len = 0;
	return rc;
}

static int
spool_put(struct spool *s, const char *p, size_t n, struct wm_err *err)
{
	if (s->fd == -1 && s->mem.len + n > MEM_MAX) {
		if ((s->fd = spool_open(s->dir, err)) == -1)
			return -1;
		if (spool_flush(s) == -1)
			return wm_err_set(err, EX_TEMPFAIL, "spool: %s",
			    strerror(errno));
	}
	if (wm_buf_append(&s->mem, p, n) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (s->fd != -1 && s->mem.len >= 65536 && spool_flush(s) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "spool: %s", strerror(errno));
	return 0;
}

/*
 * Copies the message up to the lone "." into s, dot-stuffing undone and
 * lines ending in LF (as wm-deliver reads them from the pipe).  1 complete,
 * 0 the connection ended first, -1 error; *big once more than max came.
 */
static int
read_data(struct conn *c, struct spool *s, size_t max, size_t *len, int *big,
    struct wm_err *err)
{
	struct wm_buf line;
	const char *p;
	size_t n;
	int rc;

	wm_buf_init(&line);
	*len = 0;
	*big = 0;
	while ((rc = read_line(c, &line, max)) == 1) {
		if (line.len == 1 && line.data[0] == '.')
			break;
		p = line.data[0] == '.' ? line.data + 1 : line.data;
		n = line.len - (size_t)(p - line.data);
		/* Undone in place: the line buffer has room for its LF. */
		line.data[line.len] = '\n';
		*len += n + 1;
		if (*len > max)
			*big = 1;
		if (!*big && spool_put(s, p, n + 1, err) == -1) {
			rc = -1;
			break;
		}
	}
	if (rc == 1 && !*big && s->fd != -1 && spool_flush(s) == -1)
		rc = wm_err_set(err, EX_TEMPFAIL, "spool: %s", strerror(errno));
	wm_buf_free(&line);
	return rc;
}

/* The reply wm-deliver's exit status stands for. */
static int
outcome(struct conn *c, int rc, const struct wm_err *err)
{
	if (rc == 0)
		return reply(c, "250 2.0.0 stored");
	switch (err->code) {
	case EX_DATAERR:
		return reply(c, "552 5.3.4 %s", err->msg);
	case EX_NOINPUT:
		return reply(c, "554 5.6.0 %s", err->msg);
	default:
		return reply(c, "451 4.3.0 temporary failure, try again later: %s",
		    err->msg);
	}
}

static int
data(struct conn *c, struct wm_deliverer *dv, struct txn *t,
    const char *spool_dir, size_t max)
{
	struct spool s;
	struct wm_err err;
	size_t len;
	int rc = 0, big, i;

	if (t->nrcpts == 0)
		return reply(c, "503 5.5.1 no valid recipients");
	wm_err_clear(&err);
	s.dir = spool_dir;
	s.fd = -1;
	wm_buf_init(&s.mem);
	if (reply(c, "354 end data with <CR><LF>.<CR><LF>") == -1 ||
	    (rc = read_data(c, &s, max, &len, &big, &err)) != 1) {
		if (rc == -1)
			wm_log(LOG_WARNING, "tunnel from <%s> not read: %s; "
			    "connection closed", t->sender, *err.msg ? err.msg :
			    "read error or line too long");
		spool_close(&s);
		return -1;	/* cut: nothing delivered, Postfix retries */
	}
	if (big) {
		rc = -1;
		wm_err_set(&err, EX_DATAERR, "tunnel larger than %zu bytes", max);
		wm_log(LOG_ERR, "tunnel from <%s> refused: %s", t->sender, err.msg);
	} else if (s.fd == -1)
		rc = wm_deliverer_mem(dv, t->sender, t->rcpt, s.mem.data,
		    s.mem.len, &err);
	else if (lseek(s.fd, 0, SEEK_SET) == -1)
		rc = wm_err_set(&err, EX_TEMPFAIL, "spool: %s", strerror(errno));
	else
		rc = wm_deliverer_run(dv, t->sender, t->rcpt, s.fd, max, &err);
	spool_close(&s);
	for (i = 0; i < t->nrcpts; i++)
		if (outcome(c, rc, &err) == -1)
			return -1;
	txn_reset(t);
	return 0;
}

static int
mail_from(struct conn *c, struct txn *t, const char *arg)
{
	if (t->sender != NULL)
		return reply(c, "503 5.5.1 nested MAIL command");
	if ((t->sender = path_arg(arg, "FROM:")) == NULL)
		return reply(c, "501 5.5.4 syntax: MAIL FROM:<address>");
	return reply(c, "250 2.1.0 ok");
}

static int
rcpt_to(struct conn *c, struct txn *t, const char *arg)
{
	char *r;

	if (t->sender == NULL)
		return reply(c, "503 5.5.1 need MAIL first");
	if (t->nrcpts >= MAX_RCPTS)
		return reply(c, "452 4.5.3 too many recipients");
	if ((r = path_arg(arg, "TO:")) == NULL)
		return reply(c, "501 5.5.4 syntax: RCPT TO:<address>");
	if (t->rcpt == NULL)
		t->rcpt = r;
	else
		free(r);
	t->nrcpts++;
	return reply(c, "250 2.1.5 ok");
}

/* One command; 1 after QUIT. */
static int
command(struct conn *c, struct wm_deliverer *dv, struct txn *t,
    const char *line, const char *spool_dir, size_t max)
{
	const char *arg = strlen(line) > 4 ? line + 5 : "";

	if (strncasecmp(line, "LHLO", 4) == 0) {
		txn_reset(t);
		return reply(c, "250-wm-lmtpd") == -1 ||
		    reply(c, "250-PIPELINING") == -1 ||
		    reply(c, "250-ENHANCEDSTATUSCODES") == -1 ||
		    reply(c, "250-8BITMIME") == -1 ? -1 :
		    reply(c, "250 SIZE %zu", max);
	}
	if (strncasecmp(line, "MAIL ", 5) == 0)
		return mail_from(c, t, arg);
	if (strncasecmp(line, "RCPT ", 5) == 0)
		return rcpt_to(c, t, arg);
	if (strcasecmp(line, "DATA") == 0)
		return data(c, dv, t, spool_dir, max);
	if (strcasecmp(line, "RSET") == 0) {
		txn_reset(t);
		return reply(c, "250 2.0.0 ok");
	}
	if (strncasecmp(line, "NOOP", 4) == 0)
		return reply(c, "250 2.0.0 ok");
	if (strcasecmp(line, "QUIT") == 0)
		return reply(c, "221 2.0.0 bye") == -1 ? -1 : 1;
	return reply(c, "500 5.5.2 command not recognised");
}

/* One client connection of a worker. */
struct session {
	struct conn	 c;
	struct txn	 t;
	time_t		 seen;	/* last input: long-idle connections close */
};

static struct session *
session_open(int fd)
{
	struct timeval tv = { IO_TIMEOUT, 0 };
	struct session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->c.fd = fd;
	s->seen = time(NULL);
	/* A client gone quiet mid-command or mid-DATA frees its worker. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (reply(&s->c, "220 wm-lmtpd ready") == -1) {
		free(s);
		return NULL;
	}
	return s;
}

static void
session_close(struct session *s)
{
	txn_reset(&s->t);
	close(s->c.fd);
	free(s);
}

/*
 * Serves the commands that have come (the socket polled readable).  1 to
 * keep the connection, 0 once it ended (QUIT, end of input, error).
 */
static int
session_input(struct session *s, struct wm_deliverer *dv, const char *spool_dir,
    size_t max)
{
	struct wm_buf line;
	int rc;

	if ((rc = fill(&s->c)) != 1) {
		if (rc == -1)
			wm_log(LOG_INFO, "lmtp: connection: %s", strerror(errno));
		return 0;
	}
	s->seen = time(NULL);
	wm_buf_init(&line);
	rc = 0;
	while (rc == 0 && line_ready(&s->c)) {
		if (read_line(&s->c, &line, sizeof(s->c.buf)) != 1)
			rc = -1;
		else if (line.len > LINE_MAX_CMD)
			rc = reply(&s->c, "500 5.5.2 line too long");
		else
			rc = command(&s->c, dv, &s->t, line.data, spool_dir, max);
	}
	if (rc == -1)
		wm_log(LOG_INFO, "lmtp: connection: %s", strerror(errno));
	wm_buf_free(&line);
	return rc == 0;
}

/*
 * The connections of one worker.  Postfix keeps idle LMTP connections
 * cached for reuse; a worker that served one connection until it closed
 * would sit idle behind it while new connections wait in the backlog
 * (seconds per mail once Postfix opens more connections than there are
 * workers).  So each worker polls its listening socket and all its
 * connections, and serves whichever has a command.
 */
static void
serve(struct wm_deliverer *dv, int lfd, const char *spool_dir, size_t max)
{
	struct pollfd pfd[CONNS_MAX + 1];
	struct session *s[CONNS_MAX];
	time_t now;
	int n = 0, i, fd;

	for (;;) {
		pfd[0].fd = n < CONNS_MAX ? lfd : -1;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = s[i]->c.fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n + 1, 10000) == -1) {
			if (errno == EINTR)
				continue;
			wm_log(LOG_ERR, "poll: %s", strerror(errno));
			_exit(EX_OSERR);
		}
		now = time(NULL);
		/* From the end: a closed session's slot takes the last one's. */
		for (i = n - 1; i >= 0; i--)
			if (pfd[i + 1].revents != 0 ?
			    !session_input(s[i], dv, spool_dir, max) :
			    now - s[i]->seen > IDLE_MAX) {
				session_close(s[i]);
				s[i] = s[--n];
			}
		if (!(pfd[0].revents & POLLIN))
			continue;
		/* Every worker wakes; the others find nothing to accept. */
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED) {
				wm_log(LOG_ERR, "accept: %s", strerror(errno));
				_exit(EX_OSERR);
			}
			continue;
		}
		if ((s[n] = session_open(fd)) == NULL)
			close(fd);
		else
			n++;
	}
}

/* ---- the service ---- */

static int
listen_unix(const char *path, struct wm_err *err)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return wm_err_set(err, EX_CONFIG, "socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return wm_err_set(err, EX_OSERR, "socket: %s", strerror(errno));
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, 128) == -1) {
		wm_err_set(err, EX_OSERR, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A worker: its own database connection, keys decoded once, then accept. */
static void
worker(struct wm_config *cfg, int lfd, size_t max)
{
	struct wm_deliverer *dv;
	struct wm_db *db;
	struct wm_err err;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (getppid() == 1)
		_exit(0);
	if ((db = wm_db_open(wm_config_path(cfg, "database"), 0, &err)) == NULL ||
	    (dv = wm_deliverer_new(cfg, db, &err)) == NULL) {
		wm_log_err(&err);
		_exit(EX_TEMPFAIL);
	}
	serve(dv, lfd, wm_config_path(cfg, "mail"), max);
}

static pid_t
spawn(struct wm_config *cfg, int lfd, size_t max)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(cfg, lfd, max);
	if (pid == -1)
		wm_log(LOG_ERR, "fork: %s", strerror(errno));
	return pid;
}

/* Keeps workers running; a worker that dies is replaced, at most once a second. */
static void
supervise(struct wm_config *cfg, int lfd, pid_t *pids, int n, size_t max,
    volatile int *stop)
{
	struct timespec pause = { 1, 0 };
	pid_t pid;
	int i, status;

	while (!*stop) {
		if ((pid = waitpid(-1, &status, 0)) == -1) {
			if (errno != EINTR)
				nanosleep(&pause, NULL);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pids[i] == pid && !*stop) {
				wm_log(LOG_WARNING, "lmtp worker %d ended; "
				    "replaced", (int)pid);
				nanosleep(&pause, NULL);
				pids[i] = spawn(cfg, lfd, max);
			}
	}
}

int
wm_lmtp_serve(struct wm_config *cfg, const char *path, int workers,
    size_t max, volatile int *stop, struct wm_err *err)
{
	pid_t pids[64];
	int lfd, i;

	if (workers < 1 || workers > 64)
		return wm_err_set(err, EX_USAGE, "workers: 1 to 64");
	if ((lfd = listen_unix(path, err)) == -1)
		return -1;
	for (i = 0; i < workers; i++)
		pids[i] = spawn(cfg, lfd, max);
	wm_log(LOG_INFO, "listening on %s with %d workers", path, workers);
	supervise(cfg, lfd, pids, workers, max, stop);
	for (i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	close(lfd);
	unlink(path);
	wm_log(LOG_INFO, "stopped");
	return 0;
}
