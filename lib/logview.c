/*
 * logview.c - see logview.h.  Blocks are read from the end towards the
 * start; a line that straddles two blocks is carried over.  Lines longer
 * than LINE_MAX_LEN are cut (a log line that long is not for reading).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "logview.h"
#include "util.h"

#define BLOCK		65536
#define LINE_MAX_LEN	8192
#define SCAN_MAX	(64L * 1024 * 1024)	/* bytes one page may scan */

static const char *const kind_names[] = { "mail", "box" };

const char *
wm_log_kind_name(enum wm_log_kind k)
{
	return (unsigned)k < WM_LOG_KIND_COUNT ? kind_names[k] : "unknown";
}

int
wm_log_kind_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < WM_LOG_KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *
wm_log_kind_path(const struct wm_config *cfg, enum wm_log_kind k)
{
	static char mail[4096];
	const char *dir;

	if (k == WM_LOG_BOX)
		return wm_config_path(cfg, "log");
	if ((dir = wm_config_path(cfg, "logdir")) == NULL)
		return NULL;
	snprintf(mail, sizeof(mail), "%s/postfix.log", dir);
	return mail;
}

static int
matches(const char *line, size_t len, const char *filter)
{
	size_t n = filter ? strlen(filter) : 0, i;

	if (n == 0)
		return 1;
	for (i = 0; i + n <= len; i++)
		if (strncasecmp(line + i, filter, n) == 0)
			return 1;
	return 0;
}

struct scan {
	const char	*filter;
	size_t		 max, shown;
	int		(*fn)(const char *, size_t, void *);
	void		*arg;
};

/* Hands complete lines of buf[0..len) to fn, newest first; returns bytes left over at the front. */
static size_t
lines(struct scan *s, char *buf, size_t len, off_t base, off_t *next)
{
	size_t end = len, i;

	for (i = len; i > 0 && s->shown < s->max; i--) {
		if (buf[i - 1] != '\n')
			continue;
		if (end > i && matches(buf + i, end - i, s->filter)) {
			if (s->fn(buf + i, end - i > LINE_MAX_LEN ? LINE_MAX_LEN :
			    end - i, s->arg) == -1)
				return 0;
			s->shown++;
		}
		end = i - 1;
		*next = base + (off_t)i;
	}
	return s->shown < s->max ? end : 0;
}

int
wm_logview_read(const char *path, off_t before, const char *filter,
    size_t max, int (*fn)(const char *, size_t, void *), void *arg,
    off_t *next, struct wm_err *err)
{
	struct scan s = { filter, max, 0, fn, arg };
	char *buf;
	size_t carry = 0, got;
	off_t pos, size, scanned = 0;
	ssize_t n;
	int fd;

	*next = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : wm_err_set(err, EX_NOINPUT,
		    "cannot read %s: %s", path, strerror(errno));
	size = lseek(fd, 0, SEEK_END);
	pos = before >= 0 && before < size ? before : size;
	if ((buf = malloc(BLOCK + LINE_MAX_LEN + 1)) == NULL) {
		close(fd);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	while (pos > 0 && s.shown < max && scanned < SCAN_MAX) {
		got = pos > BLOCK ? BLOCK : (size_t)pos;
		pos -= (off_t)got;
		memmove(buf + got, buf, carry);
		if ((n = pread(fd, buf, got, pos)) != (ssize_t)got)
			break;
		scanned += (off_t)got;
		carry = lines(&s, buf, got + carry, pos, next);
		if (carry > LINE_MAX_LEN)
			carry = LINE_MAX_LEN;
	}
	/* The first line of the file has no newline before it. */
	if (pos == 0 && s.shown < max && carry > 0 && matches(buf, carry, filter))
		fn(buf, carry, arg), s.shown++, *next = 0;
	else if (pos == 0 && s.shown < max)
		*next = 0;
	free(buf);
	close(fd);
	return 0;
}
