/*
 * log.c - one log line goes to syslog, and to the instance log file when set:
 * these machines may have no syslog socket, and tests and log export need a
 * file they can read.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

static char	 progname[64] = "wm";
static char	 logpath[1024];
static int	 to_stderr = -1;

void
wm_log_open(const char *name)
{
	const char *slash;

	slash = strrchr(name, '/');
	snprintf(progname, sizeof(progname), "%s", slash ? slash + 1 : name);
	openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

const char *
wm_log_progname(void)
{
	return progname;
}

void
wm_log_file(const char *path)
{
	if (path == NULL)
		logpath[0] = '\0';
	else
		snprintf(logpath, sizeof(logpath), "%s", path);
}

void
wm_log_stderr(int on)
{
	to_stderr = on;
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR:
	case LOG_CRIT:
	case LOG_ALERT:
	case LOG_EMERG:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_INFO:
	case LOG_NOTICE:
		return "info";
	default:
		return "debug";
	}
}

static void
append_file(int prio, const char *msg)
{
	char stamp[32], line[2048];
	struct tm tm;
	time_t now;
	int fd, n;

	if (logpath[0] == '\0')
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s: %s\n", stamp, progname,
	    (long)getpid(), prio_name(prio), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return;
	/* One write per line keeps lines whole when several programs append. */
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

void
wm_log(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	syslog(prio, "%s", msg);
	append_file(prio, msg);
	if (to_stderr == 1 || (to_stderr == -1 && isatty(STDERR_FILENO)))
		fprintf(stderr, "%s: %s\n", progname, msg);
}

void
wm_log_err(const struct wm_err *err)
{
	wm_log(err->code == EX_TEMPFAIL ? LOG_WARNING : LOG_ERR, "%s", err->msg);
}
