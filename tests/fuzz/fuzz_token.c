/*
 * fuzz_token.c - libFuzzer target for the secure delivery path's parsers:
 * no input is accepted as a link or as the box's own mail (that would be a
 * forgery), base64url decoding round-trips, and a mail text that the
 * template checker accepts has a header block of ASCII or UTF-8 addresses
 * (RFC 6532), without CR, with From and To.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <strings.h>

#include "db.h"
#include "err.h"
#include "notify.h"
#include "prefs.h"
#include "template.h"
#include "token.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct wm_db *
fuzz_db(void)
{
	static struct wm_db *db;
	struct wm_err err;

	if (db != NULL)
		return db;
	if ((db = wm_db_open(":memory:", WM_DB_CREATE, &err)) == NULL ||
	    wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "server-secret",
	    "fuzzserversecret0123456789", &err) == -1 ||
	    wm_pref_set(db, WM_SCOPE_GLOBAL, NULL, "system-mail-secret",
	    "fuzzsystemsecret0123456789", &err) == -1)
		abort();
	return db;
}

static void
check_mail(const char *text)
{
	struct wm_err err;
	const char *p, *end;
	char *m;

	if ((m = wm_template_finish_mail(text, &err)) == NULL) {
		if (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
			abort();
		return;
	}
	if ((end = strstr(m, "\n\n")) == NULL)
		abort();
	/* 8-bit only as a UTF-8 address, which RFC 6532 carries as it is. */
	for (p = m; p < end; p++)
		if (*p == '\r')
			abort();
	if (!g_utf8_validate(m, end - m, NULL))
		abort();
	if (strncasecmp(m, "from:", 5) != 0 && strcasestr(m, "\nfrom:") == NULL)
		abort();
	free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wm_db *db = fuzz_db();
	struct wm_err err;
	unsigned char *dec;
	char *s, *again, *addr = NULL;
	size_t n;

	if (len > 8192 || (s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	if (wm_token_check(db, s, "signup", &addr, &err) == 0 ||
	    wm_token_check(db, s, "reset", &addr, &err) == 0)
		abort();
	if (wm_sysmail_check(db, data, len) != 0)
		abort();
	if ((dec = wm_b64url_decode(s, &n)) != NULL) {
		again = wm_b64url_encode(dec, n);
		if (again == NULL || strcmp(again, s) != 0)
			abort();
		free(again);
		free(dec);
	}
	check_mail(s);
	free(s);
	return 0;
}
