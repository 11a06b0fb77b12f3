/*
 * ctl.c - see ctl.h.  Postfix is started and stopped with its own command
 * (postfix -c DIR start|stop) and found through its master.pid; smtp-sink
 * does not daemonize, so it is started here in a new session with its pid
 * recorded in the run directory; lighttpd daemonizes and writes its pid file.
 *
 * The queue's maildrop and public directories are opened to every local user
 * (as a stock Postfix does through its set-gid postdrop and postqueue): the
 * set-gid programs refuse a foreign configuration directory unless
 * /etc/postfix/main.cf lists it, and the pipe refuses to run wm-deliver with
 * setgid_group as its group, so wm-deliver submits through non-set-gid copies
 * (see instance.c).  Loopback SMTP already lets every local user submit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "dkim.h"
#include "err.h"
#include "log.h"
#include "util.h"

#define MAX_ARGS	64
#define WAIT_MS		15000
#define RUN_QUIET	0x1
#define RUN_STDERR	0x2

int
wm_ctl_parse(const char *name)
{
	if (strcmp(name, "postfix") == 0)
		return WM_SVC_POSTFIX;
	if (strcmp(name, "sink") == 0)
		return WM_SVC_SINK;
	if (strcmp(name, "lighttpd") == 0)
		return WM_SVC_LIGHTTPD;
	if (strcmp(name, "cron") == 0)
		return WM_SVC_CRON;
	if (strcmp(name, "notify") == 0)
		return WM_SVC_NOTIFY;
	if (strcmp(name, "opendkim") == 0)
		return WM_SVC_DKIM;
	if (strcmp(name, "lmtp") == 0)
		return WM_SVC_LMTP;
	if (strcmp(name, "keys") == 0)
		return WM_SVC_KEYS;
	if (strcmp(name, "all") == 0)
		return WM_SVC_ALL;
	return -1;
}

const char *
wm_ctl_state_name(enum wm_svc_state s)
{
	switch (s) {
	case WM_SVC_RUNNING:
		return "running";
	case WM_SVC_DISABLED:
		return "disabled";
	default:
		return "stopped";
	}
}

static void
nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* A [commands] value split on blanks, then extra arguments; NULL-terminated. */
static int
build_argv(const struct wm_config *cfg, const char *cmd, char *store, size_t len,
    char **argv, const char *const *extra, struct wm_err *err)
{
	const char *v = wm_config_get(cfg, "commands", cmd);
	char *tok, *save;
	int n = 0;

	if (v == NULL || strlen(v) >= len)
		return wm_err_set(err, EX_CONFIG, "no usable [commands] %s", cmd);
	snprintf(store, len, "%s", v);
	for (tok = strtok_r(store, " \t", &save); tok != NULL && n < MAX_ARGS - 1;
	    tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	for (; extra != NULL && *extra != NULL && n < MAX_ARGS - 1; extra++)
		argv[n++] = (char *)*extra;
	argv[n] = NULL;
	if (n == 0)
		return wm_err_set(err, EX_CONFIG, "empty [commands] %s", cmd);
	return 0;
}

/*
 * Runs a command and waits for it.  out (may be NULL) collects its standard
 * output (and standard error too with RUN_STDERR); RUN_QUIET sends standard
 * error to /dev/null.  Without out, standard
 * output and error go to logdir/ctl.log: daemons keep them open long after
 * wm-ctl exits, and must not write into (or over) whatever file the person or
 * test running wm-ctl pointed them at.  Returns the exit status, or -1 when
 * it could not run.
 */
static int
run(const struct wm_config *cfg, char **argv, struct wm_buf *out, int flags,
    struct wm_err *err)
{
	int quiet = flags & RUN_QUIET;
	int pfd[2] = { -1, -1 }, status, nul, logfd = -1;
	char *log = NULL;
	pid_t pid;

	/* What is not collected goes to the log, never to our caller's tty. */
	if (cfg != NULL && (out == NULL || !(flags & RUN_STDERR)) &&
	    (log = wm_asprintf("%s/ctl.log", wm_config_path(cfg, "logdir"))) != NULL) {
		logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		free(log);
	}

	if (out != NULL && pipe2(pfd, O_CLOEXEC) == -1) {
		wm_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		wm_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		if ((nul = open("/dev/null", O_RDWR)) != -1)
			dup2(nul, STDIN_FILENO);
		if (out != NULL)
			dup2(pfd[1], STDOUT_FILENO);
		else if (logfd != -1)
			dup2(logfd, STDOUT_FILENO);
		if (quiet && nul != -1)
			dup2(nul, STDERR_FILENO);
		else if (out != NULL && (flags & RUN_STDERR))
			dup2(pfd[1], STDERR_FILENO);
		else if (logfd != -1)
			dup2(logfd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (logfd != -1)
		close(logfd);
	if (out != NULL) {
		close(pfd[1]);
		pfd[1] = -1;
		if (wm_read_fd(pfd[0], 64 << 20, out, err) == -1)
			kill(pid, SIGTERM);
		close(pfd[0]);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return wm_err_set(err, EX_OSERR, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return wm_err_set(err, EX_UNAVAILABLE, "cannot run %s", argv[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
fail:
	if (logfd != -1)
		close(logfd);
	if (pfd[0] != -1) {
		close(pfd[0]);
		close(pfd[1]);
	}
	return -1;
}

static pid_t
read_pid(const char *path)
{
	char buf[128];
	ssize_t n;
	long v;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 1 && v < INT_MAX ? (pid_t)v : 0;
}

/*
 * True when pid is alive, runs a program called exe and, if want is not NULL,
 * has want among its arguments: a stale pid file must not make us signal a
 * process that reused the number.
 */
static int
pid_is(pid_t pid, const char *exe, const char *want)
{
	char path[64], buf[8192], link[PATH_MAX], *base, *p;
	ssize_t n;
	int fd, found = want == NULL;

	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((n = readlink(path, link, sizeof(link) - 1)) == -1)
		return 0;
	link[n] = '\0';
	/* A program rebuilt or upgraded while it runs is still that program. */
	if (n > 10 && strcmp(link + n - 10, " (deleted)") == 0)
		link[n - 10] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strcmp(base, exe) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (p = buf; !found && p < buf + n; p += strlen(p) + 1)
		found = strcmp(p, want) == 0;
	return found;
}

/* For pidfile_pid: any process of that program will do. */
static const char ANY_ARGS[] = "";

/*
 * The pid in a pid file (path malloc'd, freed here) when that process is
 * still exe started with want among its arguments (ANY_ARGS: whatever), so
 * a stale file names no one.  A NULL path or want (out of memory, a
 * setting missing) names no one either.
 */
static pid_t
pidfile_pid(char *path, const char *exe, const char *want)
{
	pid_t pid = 0;

	if (path != NULL && want != NULL)
		pid = read_pid(path);
	free(path);
	if (pid == 0 || !pid_is(pid, exe, want == ANY_ARGS ? NULL : want))
		return 0;
	return pid;
}

static int
port_open(const struct wm_config *cfg, const char *key)
{
	struct sockaddr_in sin;
	char host[64];
	int port, s, ok;

	if (wm_config_hostport(wm_config_get(cfg, "listen", key), host,
	    sizeof(host), &port) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return 0;
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(s);
	return ok;
}

/*
 * Polls until the listener accepts or the process died or time ran out.  A
 * daemon writes its pid file a moment after it forks; on a loaded machine
 * that moment can pass half a second, so death counts only after three.
 */
static int
wait_listening(const struct wm_config *cfg, const char *key, const char *what,
    pid_t (*alive)(const struct wm_config *), struct wm_err *err)
{
	int ms;

	for (ms = 0; ms < WAIT_MS; ms += 50) {
		if (port_open(cfg, key))
			return 0;
		if (alive != NULL && ms > 3000 && alive(cfg) == 0)
			break;
		nap();
	}
	return wm_err_set(err, EX_UNAVAILABLE, "%s does not listen on %s "
	    "(see the logs in %s)", what, wm_config_get(cfg, "listen", key),
	    wm_config_path(cfg, "logdir"));
}

/* Sends SIGTERM to a verified pid and waits for it; SIGKILL as a last resort. */
static int
terminate(pid_t pid, const char *exe, const char *want, struct wm_err *err)
{
	int ms;

	if (kill(pid, SIGTERM) == -1 && errno != ESRCH)
		return wm_err_set(err, EX_NOPERM, "kill %d: %s", (int)pid,
		    strerror(errno));
	for (ms = 0; ms < WAIT_MS; ms += 50) {
		if (!pid_is(pid, exe, want))
			return 0;
		nap();
	}
	kill(pid, SIGKILL);
	for (ms = 0; ms < 2000; ms += 50) {
		if (!pid_is(pid, exe, want))
			return 0;
		nap();
	}
	return wm_err_set(err, EX_TEMPFAIL, "%s (pid %d) does not stop", exe,
	    (int)pid);
}

/*
 * True while a live (not zombie) process is in process group pgrp.  Zombies
 * do not count: whether they are reaped soon depends on what runs as init.
 */
static int
group_alive(pid_t pgrp)
{
	char path[300], buf[512], *p, state;
	DIR *d;
	struct dirent *e;
	ssize_t n;
	int fd, found = 0, grp;

	if (kill(-pgrp, 0) == -1 && errno == ESRCH)
		return 0;
	if ((d = opendir("/proc")) == NULL)
		return 1;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "pid (comm) state ppid pgrp": comm may hold spaces and ')'. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %*d %d", &state, &grp) != 2)
			continue;
		found = grp == (int)pgrp && state != 'Z' && state != 'X';
	}
	closedir(d);
	return found;
}

/* Postfix */

static char *
postfix_pidfile(const struct wm_config *cfg)
{
	return wm_asprintf("%s/pid/master.pid", wm_config_path(cfg, "queue"));
}

static pid_t
postfix_pid(const struct wm_config *cfg)
{
	return pidfile_pid(postfix_pidfile(cfg), "master", ANY_ARGS);
}

static int
postfix_cmd(const struct wm_config *cfg, const char *verb, struct wm_err *err)
{
	const char *extra[] = { "-c", wm_config_path(cfg, "postfix"), verb, NULL };
	char store[1024], *argv[MAX_ARGS];
	int rc;

	if (build_argv(cfg, "postfix", store, sizeof(store), argv, extra, err) == -1)
		return -1;
	if ((rc = run(cfg, argv, NULL, 0, err)) == -1)
		return -1;
	if (rc != 0)
		return wm_err_set(err, EX_UNAVAILABLE, "postfix -c %s %s failed "
		    "(exit %d; see %s/postfix.log)", wm_config_path(cfg, "postfix"),
		    verb, rc, wm_config_path(cfg, "logdir"));
	return 0;
}

int
wm_ctl_postfix_prepare(const struct wm_config *cfg, struct wm_err *err)
{
	static const struct { const char *dir; mode_t mode; } open_dirs[] = {
		{ "maildrop", 01733 }, { "public", 0711 }, { NULL, 0 }
	};
	char *path;
	int i, rc = 0;

	if (postfix_cmd(cfg, "check", err) == -1)
		return -1;
	/* The system Postfix keeps its set-gid programs and its permissions. */
	if (wm_config_bool(cfg, "instance", "production"))
		return 0;
	for (i = 0; rc == 0 && open_dirs[i].dir != NULL; i++) {
		path = wm_asprintf("%s/%s", wm_config_path(cfg, "queue"),
		    open_dirs[i].dir);
		if (path == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		if (chmod(path, open_dirs[i].mode) == -1)
			rc = wm_err_set(err, EX_CANTCREAT, "chmod %s: %s", path,
			    strerror(errno));
		free(path);
	}
	return rc;
}

static int
postfix_start(const struct wm_config *cfg, struct wm_err *err)
{
	if (postfix_pid(cfg) != 0)
		return 0;
	if (wm_ctl_postfix_prepare(cfg, err) == -1 ||
	    postfix_cmd(cfg, "start", err) == -1)
		return -1;
	return wait_listening(cfg, "smtp", "postfix", postfix_pid, err);
}

static int
postfix_stop(const struct wm_config *cfg, struct wm_err *err)
{
	pid_t pid, group;
	int ms;

	if ((pid = postfix_pid(cfg)) == 0)
		return 0;
	/*
	 * The master leads its own process group and, when told to stop,
	 * signals the group and exits at once; its children (smtpd, pipe and
	 * the wm-deliver under it) finish a moment later.  "Stopped" means all
	 * of them are gone, so the wait covers the group, not just the master.
	 */
	group = getpgid(pid);
	if (postfix_cmd(cfg, "stop", err) == -1)
		return -1;
	for (ms = 0; ms < WAIT_MS; ms += 50) {
		if (!pid_is(pid, "master", NULL))
			break;
		nap();
	}
	if (ms >= WAIT_MS)
		return wm_err_set(err, EX_TEMPFAIL, "postfix master (pid %d) "
		    "does not stop", (int)pid);
	if (group != pid)
		return 0;
	for (; ms < WAIT_MS; ms += 50) {
		if (!group_alive(group))
			return 0;
		nap();
	}
	return wm_err_set(err, EX_TEMPFAIL, "processes of postfix (group %d) "
	    "still run after its master stopped", (int)group);
}

/* smtp-sink */

static char *
sink_pidfile(const struct wm_config *cfg)
{
	return wm_asprintf("%s/sink.pid", wm_config_path(cfg, "run"));
}

static pid_t
sink_pid(const struct wm_config *cfg)
{
	return pidfile_pid(sink_pidfile(cfg), "smtp-sink",
	    wm_config_get(cfg, "listen", "sink"));
}

/*
 * The child side of a daemon we start: own session, output to logdir/NAME,
 * and, with as_user, the instance user's identity (the one wm-deliver runs
 * as, owner of the database).
 */
static void
daemon_exec(const struct wm_config *cfg, char **argv, const char *name,
    int as_user)
{
	char *log = wm_asprintf("%s/%s", wm_config_path(cfg, "logdir"), name);
	const char *user = wm_config_get(cfg, "instance", "user");
	struct passwd *pw;
	int fd;

	setsid();
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, STDIN_FILENO);
	if (log != NULL &&
	    (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0640)) != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	if (as_user && geteuid() == 0 && user != NULL &&
	    (pw = getpwnam(user)) != NULL && (setgroups(0, NULL) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static int
sink_start(const struct wm_config *cfg, struct wm_err *err)
{
	const char *listen = wm_config_get(cfg, "listen", "sink");
	char store[1024], *argv[MAX_ARGS], *tmpl = NULL, *pidfile = NULL, pidbuf[32];
	const char *extra[] = { "-u", "nobody", "-d", NULL, NULL, "100", NULL };
	pid_t pid;
	int rc = -1;

	if (sink_pid(cfg) != 0)
		return 0;
	if (listen == NULL)
		return wm_err_set(err, EX_CONFIG, "capture-outbound needs [listen] sink");
	if ((tmpl = wm_asprintf("%s/%%Y%%m%%d%%H%%M%%S.",
	    wm_config_path(cfg, "outbox"))) == NULL ||
	    (pidfile = sink_pidfile(cfg)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	extra[3] = tmpl;
	extra[4] = listen;
	if (build_argv(cfg, "smtp-sink", store, sizeof(store), argv, extra, err) == -1)
		goto out;
	if ((pid = fork()) == -1) {
		wm_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		daemon_exec(cfg, argv, "sink.log", 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d\n", (int)pid);
	if (wm_write_file_atomic(pidfile, pidbuf, strlen(pidbuf), 0644, err) == -1) {
		kill(pid, SIGTERM);
		goto out;
	}
	rc = wait_listening(cfg, "sink", "smtp-sink", sink_pid, err);
out:
	free(tmpl);
	free(pidfile);
	return rc;
}

static int
stop_pidfile(const struct wm_config *cfg, pid_t pid, char *pidfile, const char *exe,
    const char *want, struct wm_err *err)
{
	int rc = 0;

	if (pidfile == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (pid != 0)
		rc = terminate(pid, exe, want, err);
	if (rc == 0)
		unlink(pidfile);
	free(pidfile);
	return rc;
}

static int
sink_stop(const struct wm_config *cfg, struct wm_err *err)
{
	return stop_pidfile(cfg, sink_pid(cfg), sink_pidfile(cfg), "smtp-sink",
	    wm_config_get(cfg, "listen", "sink"), err);
}

/* lighttpd */

static char *
lighttpd_pidfile(const struct wm_config *cfg)
{
	return wm_asprintf("%s/lighttpd.pid", wm_config_path(cfg, "run"));
}

static pid_t
lighttpd_pid(const struct wm_config *cfg)
{
	return pidfile_pid(lighttpd_pidfile(cfg), "lighttpd",
	    wm_config_path(cfg, "lighttpd"));
}

static int
lighttpd_start(const struct wm_config *cfg, struct wm_err *err)
{
	const char *extra[] = { "-f", wm_config_path(cfg, "lighttpd"), NULL };
	char store[1024], *argv[MAX_ARGS];
	int rc;

	if (lighttpd_pid(cfg) != 0)
		return 0;
	if (build_argv(cfg, "lighttpd", store, sizeof(store), argv, extra, err) == -1)
		return -1;
	if ((rc = run(cfg, argv, NULL, 0, err)) == -1)
		return -1;
	if (rc != 0)
		return wm_err_set(err, EX_UNAVAILABLE, "lighttpd -f %s failed "
		    "(exit %d; see %s/lighttpd.log)", wm_config_path(cfg, "lighttpd"),
		    rc, wm_config_path(cfg, "logdir"));
	if (wait_listening(cfg, "portal", "lighttpd", lighttpd_pid, err) == -1)
		return -1;
	return wait_listening(cfg, "admin", "lighttpd", lighttpd_pid, err);
}

static int
lighttpd_stop(const struct wm_config *cfg, struct wm_err *err)
{
	return stop_pidfile(cfg, lighttpd_pid(cfg), lighttpd_pidfile(cfg),
	    "lighttpd", wm_config_path(cfg, "lighttpd"), err);
}

/*
 * Our own long-running helpers of an instance, started and stopped like the
 * sink, each in its own session with its pid in the run directory.
 */
struct helper {
	int		 svc;
	const char	*prog;		/* in [paths] bin */
	const char	*verb;
	const char	*name;		/* NAME.pid, NAME.log */
	int		 as_user;	/* runs as the instance user */
	int		 production;	/* also on a production box */
};

static const struct helper helpers[] = {
	/* wm-cron loop: the jobs every minute (production uses cron.d) */
	{ WM_SVC_CRON, "wm-cron", "loop", "cron", 0, 0 },
	/* wm-notify serve: the notice sender */
	{ WM_SVC_NOTIFY, "wm-notify", "serve", "notify", 1, 1 },
	/* wm-lmtpd: the LMTP delivery service (transport = lmtp) */
	{ WM_SVC_LMTP, "wm-lmtpd", NULL, "lmtpd", 1, 1 },
	/* wm-pki serve: the key service the console asks (keysvc.c) */
	{ WM_SVC_KEYS, "wm-pki", "serve", "keys", 1, 1 },
	{ 0, NULL, NULL, NULL, 0, 0 }
};

/* transport = lmtp: Postfix delivers to wm-lmtpd, which must run. */
static int
lmtp_wanted(const struct wm_config *cfg)
{
	const char *t = wm_config_get(cfg, "instance", "transport");

	return t != NULL && strcmp(t, "lmtp") == 0;
}

static const struct helper *
helper_of(int svc)
{
	const struct helper *h;

	for (h = helpers; h->prog != NULL; h++)
		if (h->svc == svc)
			return h;
	return NULL;
}

static char *
helper_pidfile(const struct wm_config *cfg, const struct helper *h)
{
	return wm_asprintf("%s/%s.pid", wm_config_path(cfg, "run"), h->name);
}

static pid_t
helper_pid(const struct wm_config *cfg, const struct helper *h)
{
	return pidfile_pid(helper_pidfile(cfg, h), h->prog, wm_config_file(cfg));
}

/*
 * Running for half a second as the program itself: it opened what it needs
 * and serves.  Until it has exec'd, /proc names wm-ctl, not the program; on
 * a loaded machine (and under ASan) that can take longer than one look, so
 * "exited" is decided by waitpid on our child, never by a look at /proc.
 */
static int
helper_wait(const struct wm_config *cfg, const struct helper *h, pid_t pid,
    struct wm_err *err)
{
	pid_t r;
	int ms;

	for (ms = 0; ms < WAIT_MS; ms += 50) {
		nap();
		r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r == -1 && errno == ECHILD && kill(pid, 0) == -1))
			return wm_err_set(err, EX_UNAVAILABLE, "%s exited (see "
			    "%s/%s.log)", h->prog, wm_config_path(cfg, "logdir"),
			    h->name);
		if (ms >= 450 && helper_pid(cfg, h) == pid)
			return 0;
	}
	kill(pid, SIGTERM);
	return wm_err_set(err, EX_UNAVAILABLE, "%s does not start (see %s/%s.log)",
	    h->prog, wm_config_path(cfg, "logdir"), h->name);
}

static int
helper_start(const struct wm_config *cfg, const struct helper *h,
    struct wm_err *err)
{
	char *prog, *pidfile, *log, pidbuf[32];
	char *argv[] = { NULL, "-c", (char *)wm_config_file(cfg),
	    (char *)h->verb, NULL };
	pid_t pid;
	int rc = -1;

	if ((!h->production && wm_config_bool(cfg, "instance", "production")) ||
	    helper_pid(cfg, h) != 0)
		return 0;
	prog = wm_asprintf("%s/%s", wm_config_path(cfg, "bin"), h->prog);
	pidfile = helper_pidfile(cfg, h);
	log = wm_asprintf("%s.log", h->name);
	if (prog == NULL || pidfile == NULL || log == NULL ||
	    access(prog, X_OK) == -1) {
		wm_err_set(err, EX_CONFIG, "no %s in [paths] bin", h->prog);
		goto out;
	}
	argv[0] = prog;
	if ((pid = fork()) == -1) {
		wm_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		daemon_exec(cfg, argv, log, h->as_user);
	snprintf(pidbuf, sizeof(pidbuf), "%d\n", (int)pid);
	if (wm_write_file_atomic(pidfile, pidbuf, strlen(pidbuf), 0644, err) == -1) {
		kill(pid, SIGTERM);
		goto out;
	}
	rc = helper_wait(cfg, h, pid, err);
out:
	free(prog);
	free(pidfile);
	free(log);
	return rc;
}

static int
helper_stop(const struct wm_config *cfg, const struct helper *h,
    struct wm_err *err)
{
	return stop_pidfile(cfg, helper_pid(cfg, h), helper_pidfile(cfg, h),
	    h->prog, wm_config_file(cfg), err);
}

/* OpenDKIM: runs when signing is on, i.e. when its configuration exists. */

static char *
dkim_pidfile(const struct wm_config *cfg)
{
	return wm_asprintf("%s/opendkim.pid", wm_config_path(cfg, "run"));
}

static pid_t
dkim_pid(const struct wm_config *cfg)
{
	char *conf = wm_dkim_conf_path(cfg);
	pid_t pid = pidfile_pid(dkim_pidfile(cfg), "opendkim", conf);

	free(conf);
	return pid;
}

static int
dkim_start(const struct wm_config *cfg, struct wm_err *err)
{
	char *conf = wm_dkim_conf_path(cfg), store[1024], *argv[MAX_ARGS];
	const char *extra[] = { "-x", conf, NULL };
	int rc = -1, ms;

	if (conf == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (!wm_path_exists(conf) || dkim_pid(cfg) != 0) {
		free(conf);
		return 0;
	}
	if (build_argv(cfg, "opendkim", store, sizeof(store), argv, extra, err) == 0 &&
	    (rc = run(cfg, argv, NULL, 0, err)) > 0)
		rc = wm_err_set(err, EX_UNAVAILABLE, "opendkim -x %s failed (exit %d; "
		    "see %s/ctl.log)", conf, rc, wm_config_path(cfg, "logdir"));
	free(conf);
	if (rc != 0)
		return -1;
	/* It forks: wait for its socket, which Postfix connects to. */
	for (ms = 0; ms < WAIT_MS; ms += 50) {
		if (wm_dkim_listening(cfg))
			return 0;
		nap();
	}
	return wm_err_set(err, EX_UNAVAILABLE, "opendkim does not listen");
}

static int
dkim_stop(const struct wm_config *cfg, struct wm_err *err)
{
	char *conf = wm_dkim_conf_path(cfg);
	int rc;

	rc = stop_pidfile(cfg, dkim_pid(cfg), dkim_pidfile(cfg), "opendkim",
	    conf, err);
	free(conf);
	return rc;
}

static int
capture(const struct wm_config *cfg)
{
	return wm_config_bool(cfg, "instance", "capture-outbound");
}

int
wm_ctl_start(const struct wm_config *cfg, int svc, struct wm_err *err)
{
	/* The sink first: Postfix may flush its queue into it at once. */
	if ((svc & WM_SVC_SINK) && capture(cfg) && sink_start(cfg, err) == -1)
		return -1;
	/* The signer before Postfix: mail is not sent unsigned meanwhile. */
	if ((svc & WM_SVC_DKIM) && dkim_start(cfg, err) == -1)
		return -1;
	/* The delivery service before Postfix, which will connect to it. */
	if ((svc & WM_SVC_LMTP) && lmtp_wanted(cfg) &&
	    helper_start(cfg, helper_of(WM_SVC_LMTP), err) == -1)
		return -1;
	if ((svc & WM_SVC_POSTFIX) && postfix_start(cfg, err) == -1)
		return -1;
	/* The key service before the console that asks it. */
	if ((svc & WM_SVC_KEYS) && helper_start(cfg, helper_of(WM_SVC_KEYS),
	    err) == -1)
		return -1;
	if ((svc & WM_SVC_LIGHTTPD) && lighttpd_start(cfg, err) == -1)
		return -1;
	if ((svc & WM_SVC_CRON) && helper_start(cfg, helper_of(WM_SVC_CRON),
	    err) == -1)
		return -1;
	if ((svc & WM_SVC_NOTIFY) && helper_start(cfg,
	    helper_of(WM_SVC_NOTIFY), err) == -1)
		return -1;
	return 0;
}

int
wm_ctl_stop(const struct wm_config *cfg, int svc, struct wm_err *err)
{
	int rc = 0;

	/* Try every service even when one fails: stop means stop. */
	if ((svc & WM_SVC_CRON) && helper_stop(cfg, helper_of(WM_SVC_CRON),
	    err) == -1)
		rc = -1;
	if ((svc & WM_SVC_NOTIFY) && helper_stop(cfg, helper_of(WM_SVC_NOTIFY),
	    err) == -1)
		rc = -1;
	if ((svc & WM_SVC_LIGHTTPD) && lighttpd_stop(cfg, err) == -1)
		rc = -1;
	if ((svc & WM_SVC_KEYS) && helper_stop(cfg, helper_of(WM_SVC_KEYS),
	    err) == -1)
		rc = -1;
	if ((svc & WM_SVC_POSTFIX) && postfix_stop(cfg, err) == -1)
		rc = -1;
	if ((svc & WM_SVC_SINK) && sink_stop(cfg, err) == -1)
		rc = -1;
	if ((svc & WM_SVC_DKIM) && dkim_stop(cfg, err) == -1)
		rc = -1;
	if ((svc & WM_SVC_LMTP) && helper_stop(cfg, helper_of(WM_SVC_LMTP),
	    err) == -1)
		rc = -1;
	return rc;
}

/* Messages in the queue: postqueue -j prints one JSON object per line. */
static long
queue_count(const struct wm_config *cfg)
{
	const char *extra[] = { "-c", wm_config_path(cfg, "postfix"), "-j", NULL };
	char store[1024], *argv[MAX_ARGS], *p, *nl;
	struct wm_buf out;
	struct wm_err err;
	long n = 0;

	if (build_argv(cfg, "postqueue", store, sizeof(store), argv, extra, &err) == -1)
		return -1;
	wm_buf_init(&out);
	if (run(cfg, argv, &out, 1, &err) != 0) {
		wm_buf_free(&out);
		return -1;
	}
	/* One {...} object per line; anything else is not a message. */
	for (p = out.data; p != NULL; p = (nl = strchr(p, '\n')) ? nl + 1 : NULL)
		if (*p == '{')
			n++;
	wm_buf_free(&out);
	return n;
}

int
wm_ctl_status(const struct wm_config *cfg, struct wm_ctl_status *st,
    struct wm_err *err)
{
	memset(st, 0, sizeof(*st));
	st->postfix_pid = postfix_pid(cfg);
	st->postfix = st->postfix_pid ? WM_SVC_RUNNING : WM_SVC_STOPPED;
	st->lighttpd_pid = lighttpd_pid(cfg);
	st->lighttpd = st->lighttpd_pid ? WM_SVC_RUNNING : WM_SVC_STOPPED;
	st->notify_pid = helper_pid(cfg, helper_of(WM_SVC_NOTIFY));
	st->notify = st->notify_pid ? WM_SVC_RUNNING : WM_SVC_STOPPED;
	st->lmtp_pid = helper_pid(cfg, helper_of(WM_SVC_LMTP));
	st->lmtp = !lmtp_wanted(cfg) ? WM_SVC_DISABLED :
	    st->lmtp_pid ? WM_SVC_RUNNING : WM_SVC_STOPPED;
	if (capture(cfg)) {
		st->sink_pid = sink_pid(cfg);
		st->sink = st->sink_pid ? WM_SVC_RUNNING : WM_SVC_STOPPED;
	} else
		st->sink = WM_SVC_DISABLED;
	st->queue = queue_count(cfg);
	return 0;
}

int
wm_ctl_command(const struct wm_config *cfg, const char *key,
    const char *const *extra, struct wm_buf *out, struct wm_err *err)
{
	char store[1024], *argv[MAX_ARGS];

	if (build_argv(cfg, key, store, sizeof(store), argv, extra, err) == -1)
		return -1;
	return run(cfg, argv, out, 0, err);
}

int
wm_ctl_command_detached(const struct wm_config *cfg, const char *key,
    struct wm_err *err)
{
	char store[1024], *argv[MAX_ARGS];
	pid_t pid;
	int status;

	if (build_argv(cfg, key, store, sizeof(store), argv, NULL, err) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return wm_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* A grandchild in its own session outlives us and our server. */
		setsid();
		if (fork() != 0)
			_exit(0);
		/* Nor holds the connection of the request that asked for it. */
		close_range(3, ~0U, 0);
		run(cfg, argv, NULL, 0, err);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return wm_err_set(err, EX_OSERR, "waitpid: %s",
			    strerror(errno));
	return 0;
}

int
wm_ctl_command_all(const struct wm_config *cfg, const char *cmd,
    const char *const *args, struct wm_buf *out, struct wm_err *err)
{
	char store[1024], *argv[MAX_ARGS];

	if (build_argv(cfg, cmd, store, sizeof(store), argv, args, err) == -1)
		return -1;
	return run(cfg, argv, out, out != NULL ? RUN_STDERR : 0, err);
}

int
wm_ctl_postfix_running(const struct wm_config *cfg)
{
	return postfix_pid(cfg) != 0;
}

int
wm_ctl_dkim_running(const struct wm_config *cfg)
{
	return dkim_pid(cfg) != 0;
}
