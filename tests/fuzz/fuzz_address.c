/*
 * fuzz_address.c - libFuzzer target: address normalisation never crashes, is
 * idempotent, and the mailbox name of an accepted address decodes back to it
 * and never contains a path separator.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "err.h"
#include "mailbox.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char in[512], out[WM_ADDRESS_MAX + 1], again[WM_ADDRESS_MAX + 1];
	char name[3 * WM_ADDRESS_MAX + 1], back[WM_ADDRESS_MAX + 1];
	struct wm_err err;

	if (len >= sizeof(in))
		return 0;
	memcpy(in, data, len);
	in[len] = '\0';
	if (wm_address_normalize(in, out, sizeof(out), &err) == -1)
		return 0;
	if (wm_address_normalize(out, again, sizeof(again), &err) == -1 ||
	    strcmp(out, again) != 0)
		abort();
	if (wm_mailbox_name(out, name, sizeof(name)) == -1)
		abort();
	if (strchr(name, '/') != NULL || name[0] == '.')
		abort();
	if (wm_mailbox_address(name, back, sizeof(back)) == -1 ||
	    strcmp(back, out) != 0)
		abort();
	return 0;
}
