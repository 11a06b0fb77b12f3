/*
 * err.c - filling struct wm_err.  Messages are forced onto one line because they
 * end up in syslog, in HTTP responses and in Postfix bounce texts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n' || *s == '\t')
			*s = ' ';
}

int
wm_err_set(struct wm_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	one_line(err->msg);
	return -1;
}

int
wm_err_wrap(struct wm_err *err, const char *fmt, ...)
{
	char prefix[128], old[sizeof(err->msg)];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncating the tail of a long message is fine: it stays one line. */
	err->msg[0] = '\0';
	strncat(err->msg, prefix, sizeof(err->msg) - 1);
	strncat(err->msg, ": ", sizeof(err->msg) - 1 - strlen(err->msg));
	strncat(err->msg, old, sizeof(err->msg) - 1 - strlen(err->msg));
	one_line(err->msg);
	return -1;
}

void
wm_err_clear(struct wm_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
