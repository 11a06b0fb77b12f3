/*
 * address.h - email addresses as this box sees them: one canonical form
 * (local part keeps its case, quotes only where needed; domain lower-cased)
 * and a refusal of anything that is not a plain addr-spec (no display
 * names, no CR/LF, no control bytes, a domain of LDH labels, A-labels
 * allowed, raw UTF-8 domains refused).
 */
#ifndef WM_ADDRESS_H
#define WM_ADDRESS_H

#include <stddef.h>

struct wm_err;

/*
 * Writes the canonical form into out; EX_DATAERR naming the problem.  The
 * local part is a dot-atom or a quoted string (RFC 5321/5322), UTF-8 allowed
 * when valid (SMTPUTF8); one trailing dot of the domain is dropped.
 */
int	 wm_address_normalize(const char *in, char *out, size_t outlen,
	    struct wm_err *);
/* Pointer to the domain part (after the last '@') of a canonical address. */
const char *wm_address_domain(const char *address);

#define WM_ADDRESS_MAX	320

#endif
