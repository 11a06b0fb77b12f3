/*
 * sysmail.c - see sysmail.h.  Apart from notify.c because wm-deliver checks
 * the header on every tunnel and must not link what renders notices.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "db.h"
#include "err.h"
#include "prefs.h"
#include "sysmail.h"
#include "util.h"

/* Message-ID without angle brackets and surrounding blanks. */
static char *
bare_id(const char *id)
{
	size_t n;

	while (*id == ' ' || *id == '\t' || *id == '<')
		id++;
	n = strlen(id);
	while (n > 0 && (id[n - 1] == ' ' || id[n - 1] == '\t' ||
	    id[n - 1] == '>' || id[n - 1] == '\r' || id[n - 1] == '\n'))
		n--;
	return strndup(id, n);
}

char *
wm_sysmail_value(struct wm_db *db, const char *message_id, struct wm_err *err)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *secret, *id, *hex = NULL;

	if ((id = bare_id(message_id ? message_id : "")) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (*id == '\0') {
		free(id);
		wm_err_set(err, EX_SOFTWARE, "system mail without Message-ID");
		return NULL;
	}
	secret = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "system-mail-secret", NULL,
	    err);
	if (secret == NULL || *secret == '\0') {
		if (secret != NULL)
			wm_err_set(err, EX_CONFIG, "system-mail-secret is not set");
		free(secret);
		free(id);
		return NULL;
	}
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)id, strlen(id), mac, &maclen) != NULL &&
	    (hex = malloc(2 * maclen + 1)) != NULL)
		wm_hex(mac, maclen, hex);
	else
		wm_err_set(err, EX_SOFTWARE, "HMAC failed");
	OPENSSL_cleanse(mac, sizeof(mac));
	wm_free_secret(secret);
	free(id);
	return hex;
}

int
wm_sysmail_check(struct wm_db *db, const void *mail, size_t len)
{
	struct wm_err err;
	char *id, *got, *want;
	int ok = 0;

	if (mail == NULL)
		return 0;
	id = wm_header_value(mail, len, "Message-ID");
	got = wm_header_value(mail, len, WM_SYSMAIL_HEADER);
	if (id != NULL && got != NULL &&
	    (want = wm_sysmail_value(db, id, &err)) != NULL) {
		ok = wm_ct_streq(wm_trim(got), want);
		free(want);
	}
	free(id);
	free(got);
	return ok;
}

