/*
 * pkiadmin.c - see pkiadmin.h.
 *
 * Status is judged with the store delivery uses (wm_pki_store: roots,
 * whitelist, CRLs) and the S/MIME signing purpose, so "trusted" on a page
 * means a tunnel signed with it is delivered; the other certificates of the
 * database serve as intermediates.  Keys of the local CA are stored with
 * purpose "ca" and the certificates it issues with "issued", so neither is
 * ever tried as a relay (decryption) key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "db.h"
#include "err.h"
#include "pki.h"
#include "pkiadmin.h"
#include "util.h"

#define SEARCH_MAX	256

static const char *const status_names[] = {
	"trusted", "whitelisted", "revoked", "expired", "untrusted"
};

static const char *const kind_names[] = {
	"certificates", "roots", "ca", "relay", "all", NULL
};

static const char *const kind_sql[] = {
	"c.is_root = 0",
	"c.is_root = 1",
	"EXISTS (SELECT 1 FROM private_keys k WHERE k.cert_id = c.id AND "
	    "k.purpose = 'ca')",
	"EXISTS (SELECT 1 FROM private_keys k WHERE k.cert_id = c.id AND "
	    "k.purpose = 'relay')",
	"1"
};

const char *
wm_cert_status_name(enum wm_cert_status s)
{
	return (unsigned)s <= WM_CERT_UNTRUSTED ? status_names[s] : "untrusted";
}

const char *
wm_pki_list_kind_name(enum wm_pki_list_kind k)
{
	return (unsigned)k <= WM_PKI_LIST_ALL ? kind_names[k] : "all";
}

int
wm_pki_list_kind_parse(const char *s, enum wm_pki_list_kind *out)
{
	int i;

	for (i = 0; s != NULL && kind_names[i] != NULL; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum wm_pki_list_kind)i;
			return 0;
		}
	return -1;
}

/* Status */

struct wm_pki_checker {
	struct wm_db	*db;
	X509_STORE	*store;
	STACK_OF(X509)	*others;	/* every non-root: intermediates */
	time_t		 now;
};

static X509 *
der_x509(sqlite3_stmt *st, int col)
{
	const unsigned char *q = sqlite3_column_blob(st, col);

	return q ? d2i_X509(NULL, &q, sqlite3_column_bytes(st, col)) : NULL;
}

static int
load_others(struct wm_pki_checker *c, struct wm_err *err)
{
	sqlite3_stmt *st;
	X509 *x;
	int rc;

	st = wm_db_prepare(c->db, "SELECT der FROM certificates WHERE is_root = 0",
	    err);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((x = der_x509(st, 0)) != NULL && !sk_X509_push(c->others, x))
			X509_free(x);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return wm_db_fail(c->db, "certificates", err);
	return 0;
}

struct wm_pki_checker *
wm_pki_checker_new(struct wm_db *db, time_t now, struct wm_err *err)
{
	struct wm_pki_checker *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->others = sk_X509_new_null()) == NULL) {
		free(c);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	c->db = db;
	c->now = now;
	if ((c->store = wm_pki_store(db, err)) == NULL ||
	    load_others(c, err) == -1) {
		wm_pki_checker_free(c);
		return NULL;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(c->store), now);
	return c;
}

void
wm_pki_checker_free(struct wm_pki_checker *c)
{
	if (c == NULL)
		return;
	X509_STORE_free(c->store);
	sk_X509_pop_free(c->others, X509_free);
	free(c);
}

static void
verify_status(struct wm_pki_checker *c, X509 *x, int whitelisted,
    enum wm_cert_status *status, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx;
	int e, depth;

	*status = WM_CERT_UNTRUSTED;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, c->store, x, c->others) != 1) {
		snprintf(why, whylen, "cannot check: out of memory");
		X509_STORE_CTX_free(ctx);
		return;
	}
	X509_STORE_CTX_set_default(ctx, "smime_sign");
	if (X509_verify_cert(ctx) == 1) {
		*status = whitelisted ? WM_CERT_WHITELISTED : WM_CERT_TRUSTED;
		snprintf(why, whylen, "%s", whitelisted ? "whitelisted" :
		    "chains to a trusted root");
	} else {
		e = X509_STORE_CTX_get_error(ctx);
		depth = X509_STORE_CTX_get_error_depth(ctx);
		if (e == X509_V_ERR_CERT_REVOKED && depth == 0)
			*status = WM_CERT_REVOKED;
		else if ((e == X509_V_ERR_CERT_HAS_EXPIRED ||
		    e == X509_V_ERR_CERT_NOT_YET_VALID) && depth == 0)
			*status = WM_CERT_EXPIRED;
		snprintf(why, whylen, "%s%s", depth > 0 ? "issuer: " : "",
		    X509_verify_cert_error_string(e));
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
}

int
wm_pki_check(struct wm_pki_checker *c, long long id,
    enum wm_cert_status *status, char *why, size_t whylen, struct wm_err *err)
{
	sqlite3_stmt *st;
	X509 *x = NULL;
	int rc, is_root = 0, wl = 0;

	st = wm_db_prepare(c->db, "SELECT der, is_root, whitelisted FROM "
	    "certificates WHERE id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		x = der_x509(st, 0);
		is_root = sqlite3_column_int(st, 1);
		wl = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return wm_err_set(err, EX_NOINPUT, "no certificate %lld", id);
	if (rc != SQLITE_ROW)
		return wm_db_fail(c->db, "certificate", err);
	if (x == NULL)
		return wm_err_set(err, EX_DATAERR, "certificate %lld unreadable", id);
	if (is_root && X509_cmp_time(X509_get0_notAfter(x), &c->now) > 0 &&
	    X509_cmp_time(X509_get0_notBefore(x), &c->now) < 0) {
		*status = WM_CERT_TRUSTED;
		snprintf(why, whylen, "trusted root");
	} else if (is_root) {
		*status = WM_CERT_EXPIRED;
		snprintf(why, whylen, "root outside its validity");
	} else
		verify_status(c, x, wl, status, why, whylen);
	X509_free(x);
	return 0;
}

/* Listing */

#define COLUMNS \
	"c.id, c.fingerprint, c.subject, c.issuer, c.serial, c.email, " \
	"c.not_before, c.not_after, c.is_root, c.whitelisted, " \
	"EXISTS (SELECT 1 FROM private_keys k WHERE k.cert_id = c.id)"

static void
row_info(sqlite3_stmt *st, struct wm_cert_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->id = sqlite3_column_int64(st, 0);
	snprintf(ci->fingerprint, sizeof(ci->fingerprint), "%s",
	    wm_db_text(st, 1));
	ci->subject = (char *)wm_db_text(st, 2);
	ci->issuer = (char *)wm_db_text(st, 3);
	ci->serial = (char *)wm_db_text(st, 4);
	ci->email = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL :
	    (char *)wm_db_text(st, 5);
	ci->not_before = sqlite3_column_int64(st, 6);
	ci->not_after = sqlite3_column_int64(st, 7);
	ci->is_root = sqlite3_column_int(st, 8);
	ci->whitelisted = sqlite3_column_int(st, 9);
	ci->has_key = sqlite3_column_int(st, 10);
}

static char *
like_of(const char *part)
{
	struct wm_buf b;

	wm_buf_init(&b);
	wm_buf_puts(&b, "%");
	for (; *part; part++) {
		if (*part == '%' || *part == '_' || *part == '\\')
			wm_buf_puts(&b, "\\");
		wm_buf_append(&b, part, 1);
	}
	wm_buf_puts(&b, "%");
	return wm_buf_take(&b);
}

static sqlite3_stmt *
list_query(struct wm_db *db, const struct wm_pki_query *q, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *sql;

	if ((unsigned)q->kind > WM_PKI_LIST_ALL || q->limit < 1 ||
	    q->limit > 1000 || (q->search && strlen(q->search) > SEARCH_MAX)) {
		wm_err_set(err, EX_USAGE, "bad certificate query");
		return NULL;
	}
	sql = wm_asprintf("SELECT " COLUMNS " FROM certificates c WHERE %s AND "
	    "c.id > ?1 AND (?2 IS NULL OR c.subject LIKE ?2 ESCAPE '\\' OR "
	    "c.issuer LIKE ?2 ESCAPE '\\' OR c.email LIKE ?2 ESCAPE '\\' OR "
	    "c.fingerprint LIKE ?2 ESCAPE '\\') ORDER BY c.id LIMIT ?3",
	    kind_sql[q->kind]);
	if (sql == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	st = wm_db_prepare(db, sql, err);
	free(sql);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, q->after);
	if (q->search != NULL && *q->search)
		sqlite3_bind_text(st, 2, like_of(q->search), -1, free);
	sqlite3_bind_int(st, 3, q->limit + 1);
	return st;
}

static int
list_rows(struct wm_pki_checker *c, sqlite3_stmt *st, int limit,
    int (*fn)(const struct wm_cert_info *, enum wm_cert_status, const char *,
    void *), void *arg, int *more, struct wm_err *err)
{
	struct wm_cert_info ci;
	enum wm_cert_status status;
	char why[256];
	int rc, n = 0;

	*more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == limit) {
			*more = 1;
			break;
		}
		row_info(st, &ci);
		if (wm_pki_check(c, ci.id, &status, why, sizeof(why), err) == -1)
			return -1;
		if (fn(&ci, status, why, arg) == -1)
			return wm_err_set(err, EX_SOFTWARE, "listing stopped");
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(c->db, "certificates", err);
	return 0;
}

int
wm_pki_list(struct wm_db *db, const struct wm_pki_query *q, time_t now,
    int (*fn)(const struct wm_cert_info *, enum wm_cert_status, const char *,
    void *), void *arg, int *more, struct wm_err *err)
{
	struct wm_pki_checker *c;
	sqlite3_stmt *st;
	int more_ = 0, rc;

	if ((st = list_query(db, q, err)) == NULL)
		return -1;
	if ((c = wm_pki_checker_new(db, now, err)) == NULL) {
		sqlite3_finalize(st);
		return -1;
	}
	rc = list_rows(c, st, q->limit, fn, arg, &more_, err);
	sqlite3_finalize(st);
	wm_pki_checker_free(c);
	if (more != NULL)
		*more = more_;
	return rc;
}

int
wm_pki_set_whitelisted(struct wm_db *db, long long id, int on,
    struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "UPDATE certificates SET whitelisted = ? WHERE "
	    "id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, on != 0);
	sqlite3_bind_int64(st, 2, id);
	if (wm_db_step_done(db, st, "whitelist", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) == 0)
		return wm_err_set(err, EX_NOINPUT, "no certificate %lld", id);
	return 0;
}

unsigned char *
wm_pki_der(struct wm_db *db, long long id, size_t *len, struct wm_err *err)
{
	unsigned char *out = NULL;
	sqlite3_stmt *st;
	int rc, n;

	st = wm_db_prepare(db, "SELECT der FROM certificates WHERE id = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		if ((out = malloc((size_t)n + 1)) != NULL) {
			memcpy(out, sqlite3_column_blob(st, 0), (size_t)n);
			*len = (size_t)n;
		} else
			wm_err_set(err, EX_TEMPFAIL, "out of memory");
	} else if (rc == SQLITE_DONE)
		wm_err_set(err, EX_NOINPUT, "no certificate %lld", id);
	else
		wm_db_fail(db, "certificate", err);
	sqlite3_finalize(st);
	return out;
}
