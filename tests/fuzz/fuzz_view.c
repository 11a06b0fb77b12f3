/*
 * fuzz_view.c - libFuzzer target: any bytes as a stored mail go through
 * everything the portal does with it (headers, text, sanitised HTML, every
 * part, file names, Content-Disposition) without a crash, with UTF-8 text,
 * safe names and the stored bytes given back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "err.h"
#include "util.h"
#include "view.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_parts(struct wm_view *v)
{
	const struct wm_attachment *a;
	struct wm_buf b;
	struct wm_err err;
	size_t i, n;
	char *d;

	a = wm_view_attachments(v, &n);
	for (i = 0; i < n; i++) {
		if (*a[i].filename == '\0' || strpbrk(a[i].filename, "/\\\r\n") ||
		    !g_utf8_validate(a[i].filename, -1, NULL))
			abort();
		wm_buf_init(&b);
		if (wm_view_part(v, a[i].part, &b, NULL, NULL, &err) == -1 ||
		    b.len != a[i].size)
			abort();
		wm_buf_free(&b);
		if ((d = wm_view_disposition(a[i].filename)) == NULL ||
		    strpbrk(d, "\r\n") != NULL)
			abort();
		free(d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wm_view *v;
	struct wm_buf b;
	struct wm_err err;
	const void *raw;
	size_t rlen;

	if ((v = wm_view_parse(data, len, &err)) == NULL)
		return 0;
	raw = wm_view_raw(v, &rlen);
	if (rlen != len || (len > 0 && memcmp(raw, data, len) != 0))
		abort();
	if (!g_utf8_validate(wm_view_headers(v)->subject, -1, NULL) ||
	    !g_utf8_validate(wm_view_headers(v)->from, -1, NULL) ||
	    (wm_view_text(v) != NULL &&
	    !g_utf8_validate(wm_view_text(v), -1, NULL)))
		abort();
	check_parts(v);
	if (wm_view_has_html(v)) {
		wm_buf_init(&b);
		if (wm_view_html(v, &b, NULL, &err) == 0 &&
		    strcasestr(b.data, "<script") != NULL)
			abort();
		wm_buf_free(&b);
	}
	wm_view_free(v);
	return 0;
}
