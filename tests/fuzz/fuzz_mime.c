/*
 * fuzz_mime.c - libFuzzer target: indexing a mail never fails (except out of
 * memory) and always leaves every text field set and valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "err.h"
#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wm_mime_info info;
	struct wm_err err;

	if (wm_mime_index(data, len, &info, &err) == -1) {
		if (err.code != EX_TEMPFAIL)
			abort();
		return 0;
	}
	if (info.from == NULL || info.to == NULL || info.cc == NULL ||
	    info.subject == NULL || info.message_id == NULL ||
	    !g_utf8_validate(info.subject, -1, NULL) ||
	    !g_utf8_validate(info.from, -1, NULL))
		abort();
	wm_mime_info_clear(&info);
	return 0;
}
