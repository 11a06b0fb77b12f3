/*
 * fuzz_tunnel.c - libFuzzer target: the tunnel parser must never crash and,
 * when it accepts, the original it points at lies inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "tunnel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wm_tunnel *t;
	struct wm_err err;

	if ((t = wm_tunnel_parse(data, len, &err)) == NULL)
		return 0;
	if (t->original < data || t->original + t->original_len > data + len)
		abort();
	wm_tunnel_free(t);
	return 0;
}
