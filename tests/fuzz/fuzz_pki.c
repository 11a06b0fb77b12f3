/*
 * fuzz_pki.c - libFuzzer target: certificate input (PEM, DER, PKCS#12) and
 * CRL input never crash the importer or the verifier, and every refusal is
 * one non-empty line with a sysexits code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "pki.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_refusal(const struct wm_err *err)
{
	if (err->code == 0 || err->msg[0] == '\0' ||
	    strchr(err->msg, '\n') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct wm_db *db;
	struct wm_err err;

	if (db == NULL && (db = wm_db_open(":memory:", WM_DB_CREATE, &err)) == NULL)
		abort();
	memset(&err, 0, sizeof(err));
	if (wm_pki_verify_data(db, data, len, 1800000000, &err) == -1)
		check_refusal(&err);
	memset(&err, 0, sizeof(err));
	/* Stored inputs are removed again so the database stays small. */
	if (wm_pki_crl_import(db, data, len, &err) == -1)
		check_refusal(&err);
	else if (wm_db_exec(db, "DELETE FROM crls", &err) == -1)
		abort();
	memset(&err, 0, sizeof(err));
	if (wm_pki_import(db, data, len, "fuzz", 0, NULL, &err) == -1)
		check_refusal(&err);
	else if (wm_db_exec(db, "DELETE FROM certificates", &err) == -1)
		abort();
	return 0;
}
