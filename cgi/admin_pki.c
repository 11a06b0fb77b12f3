/*
 * admin_pki.c - the Certificates, Roots, CRLs and CA pages and the webmail
 * certificate page (guide 6.4, figure 16): lists with status and reason,
 * search and keyset paging, details, upload import (PEM, DER, PKCS#7,
 * PKCS#12 with password), PEM/DER export, whitelist, delete selected; CRL
 * import and list; the local CA; the relay recipient certificates.
 *
 * Uploads are read into memory up to the route's body limit and handed to
 * libwm's parsers; nothing is written to a file.  The one call that makes a
 * private key for the relay (create_relay) is kept in one function, so it
 * can later go through a narrow helper that alone can write keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "admin_pages.h"
#include "audit.h"
#include "err.h"
#include "keystore.h"
#include "keysvc.h"
#include "pki.h"
#include "pkiadmin.h"
#include "util.h"

#define PAGE_ROWS	25
#define UPLOAD_MAX	(4 * 1024 * 1024)
#define SELECT_MAX	200

struct listing {
	const char		*path;
	enum wm_pki_list_kind	 kind;
	const char		*title;
	const char		*explain;
};

static const struct listing listings[] = {
	{ "/certs", WM_PKI_LIST_CERTS, "Certificates", "Certificates of gateways "
	  "and users: a tunnel's signer must be trusted or whitelisted." },
	{ "/roots", WM_PKI_LIST_ROOTS, "Roots", "Trusted root certificates: a "
	  "signer that chains to one of them is trusted." },
	{ "/ca", WM_PKI_LIST_CA, "CA", "The local CA: it issues certificates, "
	  "for instance a gateway's signing certificate." },
	{ "/webmail-cert", WM_PKI_LIST_RELAY, "Webmail certificate", "The relay "
	  "recipient certificates the gateway encrypts tunnels to; keep the old "
	  "one while the gateway changes over." },
	{ NULL, WM_PKI_LIST_ALL, NULL, NULL }
};

static const struct listing *
listing_of(struct admin *a)
{
	const struct listing *l;
	const char *path = wm_web_path(a->w);

	for (l = listings; l->path != NULL; l++)
		if (strncmp(path, l->path, strlen(l->path)) == 0)
			return l;
	return &listings[0];
}

static void
set_time(struct admin *a, const char *list, int n, const char *field,
    long long t)
{
	char buf[32];

	wm_time_format((time_t)t, buf, sizeof(buf));
	admin_list_set(a, list, n, field, t ? buf : "-");
}

/* ?done=WORD after a change: a fixed sentence, never text from the URL. */
static void
done_notice(struct admin *a)
{
	static const char *const words[] = { "imported", "Imported.", "done",
	    "Done.", "created", "Created.", "deleted", "Deleted.", NULL };
	const char *d = wm_web_param(a->w, "done");
	int i;

	for (i = 0; d != NULL && words[i] != NULL; i += 2)
		if (strcmp(d, words[i]) == 0)
			wm_web_set(a->w, "Page.notice", words[i + 1]);
}

struct rows {
	struct admin	*a;
	int		 n;
	long long	 last;
};

static int
cert_row(const struct wm_cert_info *ci, enum wm_cert_status st,
    const char *why, void *arg)
{
	struct rows *r = arg;
	char key[48];

	snprintf(key, sizeof(key), "Certs.%d.id", r->n);
	wm_web_set_int(r->a->w, key, ci->id);
	admin_list_set(r->a, "Certs", r->n, "subject", ci->subject);
	admin_list_set(r->a, "Certs", r->n, "issuer", ci->issuer);
	admin_list_set(r->a, "Certs", r->n, "email", ci->email ? ci->email : "");
	admin_list_set(r->a, "Certs", r->n, "fingerprint", ci->fingerprint);
	admin_list_set(r->a, "Certs", r->n, "serial", ci->serial);
	set_time(r->a, "Certs", r->n, "not_before", ci->not_before);
	set_time(r->a, "Certs", r->n, "not_after", ci->not_after);
	admin_list_set(r->a, "Certs", r->n, "status", wm_cert_status_name(st));
	admin_list_set(r->a, "Certs", r->n, "why", why);
	admin_list_set(r->a, "Certs", r->n, "whitelisted",
	    ci->whitelisted ? "1" : "0");
	admin_list_set(r->a, "Certs", r->n, "root", ci->is_root ? "1" : "0");
	admin_list_set(r->a, "Certs", r->n, "key", ci->has_key ? "1" : "0");
	r->last = ci->id;
	r->n++;
	return 0;
}

static int
list_page(struct admin *a, const struct listing *l, const char *tmpl)
{
	struct wm_pki_query q = { 0 };
	struct rows r = { a, 0, 0 };
	const char *after = wm_web_param(a->w, "after");
	struct wm_err err;
	int more = 0;

	q.kind = l->kind;
	q.search = wm_web_param(a->w, "q");
	q.after = after ? strtoll(after, NULL, 10) : 0;
	q.limit = PAGE_ROWS;
	if (wm_pki_list(a->db, &q, wm_now(), cert_row, &r, &more, &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Search.q", q.search);
	wm_web_set(a->w, "List.path", l->path);
	if (more)
		wm_web_set_int(a->w, "Paging.after", r.last);
	done_notice(a);
	return admin_page(a, tmpl, l->title, l->explain);
}

static int
r_list(struct admin *a, const long long *args)
{
	const struct listing *l = listing_of(a);

	(void)args;
	return list_page(a, l, l->kind == WM_PKI_LIST_CA ? "ca.cs" :
	    l->kind == WM_PKI_LIST_RELAY ? "webmail_cert.cs" : "certs.cs");
}

static int
r_details(struct admin *a, const long long *args)
{
	struct wm_pki_checker *c;
	enum wm_cert_status st;
	struct wm_cert_info *ci;
	struct rows r = { a, 0, 0 };
	struct wm_err err;
	char why[256];
	int rc;

	if ((ci = wm_pki_info(a->db, args[0], &err)) == NULL)
		return admin_fail(a, &err);
	if ((c = wm_pki_checker_new(a->db, wm_now(), &err)) == NULL) {
		wm_cert_info_free(ci);
		return admin_fail(a, &err);
	}
	rc = wm_pki_check(c, ci->id, &st, why, sizeof(why), &err);
	wm_pki_checker_free(c);
	if (rc == 0)
		cert_row(ci, st, why, &r);
	wm_cert_info_free(ci);
	if (rc == -1)
		return admin_fail(a, &err);
	return admin_page(a, "cert.cs", "Certificate details", NULL);
}

static int
r_export(struct admin *a, const long long *args)
{
	int der = strstr(wm_web_path(a->w), "/der") != NULL;
	unsigned char *data;
	struct wm_err err;
	char name[48];
	size_t len = 0;
	char *pem = NULL;
	int rc;

	snprintf(name, sizeof(name), "certificate-%lld.%s", args[0],
	    der ? "cer" : "pem");
	if (der)
		data = wm_pki_der(a->db, args[0], &len, &err);
	else if ((pem = wm_pki_pem(a->db, args[0], &err)) != NULL) {
		data = (unsigned char *)pem;
		len = strlen(pem);
	} else
		data = NULL;
	if (data == NULL)
		return admin_fail(a, &err);
	rc = wm_web_send(a->w, der ? "application/pkix-cert" :
	    "application/x-pem-file", "attachment", name, data, len, &err);
	free(data);
	return rc;
}

/* The uploaded file "file" in memory, bounded. */
static int
read_upload(struct admin *a, struct wm_buf *b, struct wm_err *err)
{
	FILE *f = wm_web_upload(a->w, "file");
	char chunk[8192];
	size_t n;

	wm_buf_init(b);
	if (f == NULL)
		return wm_err_set(err, EX_DATAERR, "choose a file to import");
	rewind(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > UPLOAD_MAX)
			return wm_err_set(err, EX_DATAERR, "the file is larger than "
			    "%d bytes", UPLOAD_MAX);
		if (wm_buf_append(b, chunk, n) == -1)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if (b->len == 0)
		return wm_err_set(err, EX_DATAERR, "the file is empty");
	return 0;
}

/* ---- operations that need a private key ----
 *
 * The web user cannot open the key store: these go to the key service, run
 * as wm (keysvc.c), which makes the same wm_pki call.  A console run as wm
 * itself (an instance without --web-user) has the store and makes it here.
 */

static int
import_data(struct admin *a, const struct wm_buf *b, const char *pass,
    int flags, long long *id, struct wm_err *err)
{
	struct wm_keysvc_req r = { .op = "import", .pass = pass, .flags = flags,
	    .body = (const unsigned char *)b->data, .body_len = b->len };

	if (!wm_keystore_attached(a->db))
		return wm_keysvc_call(a->cfg, &r, id, NULL, err);
	return wm_pki_import(a->db, r.body, r.body_len, pass, flags, id, err);
}

static int
ca_create(struct admin *a, const char *subject, int years, long long *id,
    struct wm_err *err)
{
	struct wm_keysvc_req r = { .op = "ca-create", .subject = subject,
	    .years = years };

	if (!wm_keystore_attached(a->db))
		return wm_keysvc_call(a->cfg, &r, id, NULL, err);
	return wm_pki_ca_create(a->db, subject, years, id, err);
}

static int
ca_issue(struct admin *a, const char *subject, const char *email, int days,
    long long *id, struct wm_err *err)
{
	struct wm_keysvc_req r = { .op = "ca-issue", .subject = subject,
	    .email = email, .days = days };

	if (!wm_keystore_attached(a->db))
		return wm_keysvc_call(a->cfg, &r, id, NULL, err);
	return wm_pki_ca_issue(a->db, subject, email, days, id, err);
}

static unsigned char *
export_p12(struct admin *a, long long id, const char *pass, size_t *len,
    struct wm_err *err)
{
	struct wm_keysvc_req r = { .op = "export-p12", .id = id, .pass = pass };
	struct wm_buf b;
	long long got;

	if (wm_keystore_attached(a->db))
		return wm_pki_export_p12(a->db, id, pass, len, err);
	wm_buf_init(&b);
	if (wm_keysvc_call(a->cfg, &r, &got, &b, err) == -1 || (b.len == 0 &&
	    wm_err_set(err, EX_PROTOCOL, "key service: no PKCS#12") == -1)) {
		wm_buf_free_secret(&b);
		return NULL;
	}
	*len = b.len;
	return (unsigned char *)b.data;
}

static int
import_failed(struct admin *a, const struct listing *l, struct wm_err *err)
{
	if (err->code != EX_DATAERR && err->code != EX_NOINPUT)
		return admin_fail(a, err);
	admin_form_error(a, "file", err->msg);
	return list_page(a, l, l->kind == WM_PKI_LIST_CA ? "ca.cs" : "certs.cs");
}

static int
r_import(struct admin *a, const long long *args)
{
	const struct listing *l = listing_of(a);
	const char *pass = wm_web_param(a->w, "password");
	const char *trust = wm_web_param(a->w, "trust");
	struct wm_err err;
	struct wm_buf b;
	long long id = 0;
	char obj[48];
	int flags = 0, rc;

	(void)args;
	if (l->kind == WM_PKI_LIST_ROOTS || (trust && strcmp(trust, "root") == 0))
		flags = WM_PKI_ROOT;
	else if (trust && strcmp(trust, "whitelist") == 0)
		flags = WM_PKI_WHITELIST;
	rc = read_upload(a, &b, &err);
	if (rc == 0)
		rc = import_data(a, &b, pass && *pass ? pass : NULL, flags, &id,
		    &err);
	wm_buf_free_secret(&b);
	if (rc == -1)
		return import_failed(a, l, &err);
	snprintf(obj, sizeof(obj), "certificate %lld", id);
	admin_audit(a, "pki-import", obj, NULL, flags == WM_PKI_ROOT ? "root" :
	    flags == WM_PKI_WHITELIST ? "whitelisted" : "imported");
	return admin_redirect(a, l->kind == WM_PKI_LIST_ROOTS ?
	    "/roots?done=imported" : "/certs?done=imported");
}

static int
apply_one(struct admin *a, const char *op, long long id, struct wm_err *err)
{
	char obj[48];
	int rc;

	snprintf(obj, sizeof(obj), "certificate %lld", id);
	if (strcmp(op, "delete") == 0)
		rc = wm_pki_delete(a->db, id, err);
	else
		rc = wm_pki_set_whitelisted(a->db, id, strcmp(op, "whitelist") == 0,
		    err);
	if (rc == 0)
		admin_audit(a, strcmp(op, "delete") == 0 ? "pki-delete" :
		    strcmp(op, "whitelist") == 0 ? "pki-whitelist" :
		    "pki-unwhitelist", obj, NULL, NULL);
	return rc;
}

static int
r_action(struct admin *a, const long long *args)
{
	const struct listing *l = listing_of(a);
	const char *op = wm_web_param(a->w, "op");
	long long ids[SELECT_MAX];
	struct wm_err err;
	char q[64], back[64];
	size_t n, i;

	(void)args;
	if (op == NULL || (strcmp(op, "delete") != 0 && strcmp(op, "whitelist") != 0 &&
	    strcmp(op, "unwhitelist") != 0))
		return admin_error(a, 400, "No such action.");
	if ((n = admin_selected_ids(a, ids, SELECT_MAX)) == 0)
		return admin_error(a, 400, "No certificate was selected.");
	snprintf(q, sizeof(q), "delete %zu selected certificate%s", n,
	    n == 1 ? "" : "s");
	if (strcmp(op, "delete") == 0 && !admin_confirmed(a, q, "Delete"))
		return 0;
	for (i = 0; i < n; i++)
		if (apply_one(a, op, ids[i], &err) == -1)
			return admin_fail(a, &err);
	snprintf(back, sizeof(back), "%s?done=done", l->path);
	return admin_redirect(a, back);
}

/* ---- CRLs ---- */

static int
crl_row(const struct wm_crl_info *ci, void *arg)
{
	struct rows *r = arg;
	char key[48];

	snprintf(key, sizeof(key), "Crls.%d.id", r->n);
	wm_web_set_int(r->a->w, key, ci->id);
	admin_list_set(r->a, "Crls", r->n, "issuer", ci->issuer);
	admin_list_set(r->a, "Crls", r->n, "fingerprint", ci->fingerprint);
	set_time(r->a, "Crls", r->n, "this_update", ci->this_update);
	set_time(r->a, "Crls", r->n, "next_update", ci->next_update);
	snprintf(key, sizeof(key), "Crls.%d.revoked", r->n);
	wm_web_set_int(r->a->w, key, ci->revoked);
	admin_list_set(r->a, "Crls", r->n, "overdue", ci->next_update &&
	    ci->next_update < (long long)wm_now() ? "1" : "0");
	r->n++;
	return 0;
}

static int
crl_page(struct admin *a)
{
	struct rows r = { a, 0, 0 };
	struct wm_err err;

	if (wm_pki_crl_foreach(a->db, crl_row, &r, &err) == -1)
		return admin_fail(a, &err);
	done_notice(a);
	return admin_page(a, "crls.cs", "CRLs", "Certificate revocation lists: "
	    "a signer they revoke is refused. Import a new one before the next "
	    "update.");
}

static int
r_crls(struct admin *a, const long long *args)
{
	(void)args;
	return crl_page(a);
}

static int
r_crl_import(struct admin *a, const long long *args)
{
	struct wm_err err;
	struct wm_buf b;
	int rc;

	(void)args;
	rc = read_upload(a, &b, &err);
	if (rc == 0)
		rc = wm_pki_crl_import(a->db, (unsigned char *)b.data, b.len, &err);
	wm_buf_free(&b);
	if (rc == -1) {
		if (err.code != EX_DATAERR && err.code != EX_NOINPUT)
			return admin_fail(a, &err);
		admin_form_error(a, "file", err.msg);
		return crl_page(a);
	}
	admin_audit(a, "pki-crl-import", "crl", NULL, "imported");
	return admin_redirect(a, "/crls?done=imported");
}

static int
r_crl_delete(struct admin *a, const long long *args)
{
	long long ids[SELECT_MAX];
	struct wm_err err;
	char obj[48];
	size_t n, i;

	(void)args;
	if ((n = admin_selected_ids(a, ids, SELECT_MAX)) == 0)
		return admin_error(a, 400, "No CRL was selected.");
	if (!admin_confirmed(a, "delete the selected CRLs", "Delete"))
		return 0;
	for (i = 0; i < n; i++) {
		if (wm_pki_crl_delete(a->db, ids[i], &err) == -1)
			return admin_fail(a, &err);
		snprintf(obj, sizeof(obj), "crl %lld", ids[i]);
		admin_audit(a, "pki-crl-delete", obj, NULL, NULL);
	}
	return admin_redirect(a, "/crls?done=deleted");
}

/* ---- local CA ---- */

static int
int_param(struct admin *a, const char *name, int dflt, int max)
{
	const char *v = wm_web_param(a->w, name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > max ? -1 : (int)n;
}

static int
ca_failed(struct admin *a, const char *field, struct wm_err *err)
{
	if (err->code != EX_DATAERR && err->code != EX_NOINPUT)
		return admin_fail(a, err);
	admin_form_error(a, field, err->msg);
	return list_page(a, &listings[2], "ca.cs");
}

static int
r_ca_create(struct admin *a, const long long *args)
{
	int years = int_param(a, "years", 10, 30);
	struct wm_err err;
	long long id;
	char obj[48];

	(void)args;
	if (years < 0) {
		wm_err_set(&err, EX_DATAERR, "a CA is valid 1 to 30 years");
		return ca_failed(a, "years", &err);
	}
	if (ca_create(a, wm_web_param(a->w, "subject"), years, &id, &err) == -1)
		return ca_failed(a, "subject", &err);
	snprintf(obj, sizeof(obj), "certificate %lld", id);
	admin_audit(a, "pki-ca-create", obj, NULL, wm_web_param(a->w, "subject"));
	return admin_redirect(a, "/ca?done=created");
}

static int
r_ca_issue(struct admin *a, const long long *args)
{
	int days = int_param(a, "days", 730, 3660);
	struct wm_err err;
	long long id;
	char obj[48], back[64];

	(void)args;
	if (days < 0) {
		wm_err_set(&err, EX_DATAERR, "a certificate is valid 1 to 3660 days");
		return ca_failed(a, "days", &err);
	}
	if (ca_issue(a, wm_web_param(a->w, "subject"),
	    wm_web_param(a->w, "email"), days, &id, &err) == -1)
		return ca_failed(a, "issue", &err);
	snprintf(obj, sizeof(obj), "certificate %lld", id);
	admin_audit(a, "pki-ca-issue", obj, NULL, wm_web_param(a->w, "email"));
	snprintf(back, sizeof(back), "/certs/%lld?issued=1", id);
	return admin_redirect(a, back);
}

static int
r_p12(struct admin *a, const long long *args)
{
	const char *pass = wm_web_param(a->w, "password");
	unsigned char *data;
	struct wm_err err;
	char name[48];
	size_t len;
	int rc;

	if ((data = export_p12(a, args[0], pass, &len, &err)) == NULL) {
		if (err.code != EX_DATAERR && err.code != EX_NOINPUT)
			return admin_fail(a, &err);
		admin_form_error(a, "password", err.msg);
		return r_details(a, args);
	}
	snprintf(name, sizeof(name), "certificate-%lld.p12", args[0]);
	admin_audit(a, "pki-export-p12", name, NULL, NULL);
	rc = wm_web_send(a->w, "application/x-pkcs12", "attachment", name, data,
	    len, &err);
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

/* ---- webmail (relay recipient) certificate ---- */

/*
 * The one place the console makes a private key (see the file comment).
 * The web user cannot open the key store: the key service, run as wm,
 * makes it (keysvc.c).  A console run as wm itself has the store.
 */
static int
create_relay(struct admin *a, const char *email, const char *subject,
    long long *id, struct wm_err *err)
{
	email = email && *email ? email : NULL;
	subject = subject && *subject ? subject : NULL;
	struct wm_keysvc_req r = { .op = "webmail-cert", .email = email,
	    .subject = subject };

	if (!wm_keystore_attached(a->db))
		return wm_keysvc_call(a->cfg, &r, id, NULL, err);
	return wm_pki_create_relay_cert(a->db, email, subject, id, err);
}

static int
r_relay_create(struct admin *a, const long long *args)
{
	const char *email = wm_web_param(a->w, "email");
	struct wm_err err;
	long long id;
	char obj[48];

	(void)args;
	if (create_relay(a, email, wm_web_param(a->w, "subject"), &id,
	    &err) == -1) {
		if (err.code != EX_DATAERR)
			return admin_fail(a, &err);
		admin_form_error(a, "email", err.msg);
		return list_page(a, &listings[3], "webmail_cert.cs");
	}
	snprintf(obj, sizeof(obj), "certificate %lld", id);
	admin_audit(a, "pki-relay-create", obj, NULL, email);
	return admin_redirect(a, "/webmail-cert?done=created");
}

const struct admin_route admin_pki_routes[] = {
	{ "GET", "/certs", r_list, ADMIN_LOGIN, 0 },
	{ "POST", "/certs/import", r_import, ADMIN_LOGIN, UPLOAD_MAX + 65536 },
	{ "POST", "/certs/action", r_action, ADMIN_LOGIN, 0 },
	{ "GET", "/certs/#", r_details, ADMIN_LOGIN, 0 },
	{ "GET", "/certs/#/pem", r_export, ADMIN_LOGIN, 0 },
	{ "GET", "/certs/#/der", r_export, ADMIN_LOGIN, 0 },
	{ "POST", "/certs/#/p12", r_p12, ADMIN_LOGIN, 0 },
	{ "GET", "/roots", r_list, ADMIN_LOGIN, 0 },
	{ "POST", "/roots/import", r_import, ADMIN_LOGIN, UPLOAD_MAX + 65536 },
	{ "POST", "/roots/action", r_action, ADMIN_LOGIN, 0 },
	{ "GET", "/crls", r_crls, ADMIN_LOGIN, 0 },
	{ "POST", "/crls/import", r_crl_import, ADMIN_LOGIN, UPLOAD_MAX + 65536 },
	{ "POST", "/crls/delete", r_crl_delete, ADMIN_LOGIN, 0 },
	{ "GET", "/ca", r_list, ADMIN_LOGIN, 0 },
	{ "POST", "/ca/create", r_ca_create, ADMIN_LOGIN, 0 },
	{ "POST", "/ca/issue", r_ca_issue, ADMIN_LOGIN, 0 },
	{ "GET", "/webmail-cert", r_list, ADMIN_LOGIN, 0 },
	{ "POST", "/webmail-cert", r_relay_create, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_pki_menu[] = {
	{ ADMIN_SECTION_CERTIFICATES, "Certificates", "/certs" },
	{ ADMIN_SECTION_ROOTS, "Roots", "/roots" },
	{ ADMIN_SECTION_CRLS, "CRLs", "/crls" },
	{ ADMIN_SECTION_CA, "CA", "/ca" },
	{ ADMIN_SECTION_SETTINGS, "Webmail certificate", "/webmail-cert" },
	ADMIN_MENU_END
};
