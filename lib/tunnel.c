/*
 * tunnel.c - see tunnel.h.
 *
 * Only the envelope header block is read; the original behind it is never
 * touched, so it is delivered exactly as the gateway signed it.  Both LF and
 * CRLF line ends are accepted in the envelope (stock tools produce either).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "err.h"
#include "smime.h"
#include "tunnel.h"
#include "util.h"

#define ENVELOPE_MAX	65536	/* bytes of the envelope header block */
#define FIELD_MAX	2048	/* bytes of one unfolded field */

struct field {
	char	name[64];
	char	value[FIELD_MAX];
	size_t	vlen;
};

void
wm_tunnel_free(struct wm_tunnel *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrecipients; i++)
		free(t->recipients[i]);
	free(t->recipients);
	free(t->sender);
	free(t);
}

/* A printable, shortened copy of untrusted text for an error message. */
static void
printable(const char *s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outlen && i < 80; i++)
		out[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	out[i] = '\0';
}

static int
add_recipient(struct wm_tunnel *t, const char *raw, struct wm_err *err)
{
	char addr[WM_ADDRESS_MAX + 1], shown[96];
	struct wm_err aerr;
	char **v;
	size_t i;

	if (wm_address_normalize(raw, addr, sizeof(addr), &aerr) == -1) {
		printable(raw, shown, sizeof(shown));
		return wm_err_set(err, EX_DATAERR,
		    "malformed recipient address \"%s\": %s", shown, aerr.msg);
	}
	for (i = 0; i < t->nrecipients; i++)
		if (strcmp(t->recipients[i], addr) == 0)
			return 0;
	v = realloc(t->recipients, (t->nrecipients + 1) * sizeof(*v));
	if (v == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	t->recipients = v;
	if ((v[t->nrecipients] = wm_strdup(addr)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	t->nrecipients++;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
is_rfc822(const char *v)
{
	size_t n = strlen("message/rfc822");

	return strncasecmp(v, "message/rfc822", n) == 0 &&
	    (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t');
}

/* Applies one complete field; unknown WM- fields and others are ignored. */
static int
apply(struct wm_tunnel *t, struct field *f, int *seen_type, struct wm_err *err)
{
	char shown[96];

	wm_trim(f->value);
	printable(f->value, shown, sizeof(shown));
	if (strcasecmp(f->name, "Content-Type") == 0) {
		if (!is_rfc822(f->value))
			return wm_err_set(err, EX_DATAERR, "not a tunnel: "
			    "Content-Type is \"%s\", not message/rfc822", shown);
		*seen_type = 1;
	} else if (strcasecmp(f->name, "WM-Tunnel-Version") == 0) {
		if (strcmp(f->value, "1") != 0)
			return wm_err_set(err, EX_DATAERR,
			    "unsupported WM-Tunnel-Version \"%s\"", shown);
		t->version = 1;
	} else if (strcasecmp(f->name, "WM-Envelope-Sender") == 0) {
		free(t->sender);
		if ((t->sender = wm_strdup(f->value)) == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	} else if (strcasecmp(f->name, "WM-Envelope-Recipient") == 0) {
		return add_recipient(t, f->value, err);
	} else if (strcasecmp(f->name, "WM-Read-Receipt") == 0) {
		if (parse_bool(f->value, &t->read_receipt) == -1)
			return wm_err_set(err, EX_DATAERR,
			    "bad WM-Read-Receipt \"%s\" (yes or no)", shown);
	} else if (strcasecmp(f->name, "WM-Expires") == 0) {
		if (wm_time_parse(f->value, &t->expires) == -1)
			return wm_err_set(err, EX_DATAERR, "bad WM-Expires \"%s\" "
			    "(want 2027-01-31T00:00:00Z)", shown);
	}
	return 0;
}

/* Starts a field from a header line "Name: value". */
static int
start_field(struct field *f, const char *line, size_t n, size_t lineno,
    struct wm_err *err)
{
	const char *colon = memchr(line, ':', n);
	size_t i, nl;

	if (colon == NULL || colon == line)
		return wm_err_set(err, EX_DATAERR,
		    "not a tunnel: envelope line %zu is not a header", lineno);
	nl = (size_t)(colon - line);
	if (nl >= sizeof(f->name))
		return wm_err_set(err, EX_DATAERR,
		    "not a tunnel: header name too long on line %zu", lineno);
	for (i = 0; i < nl; i++)
		if (line[i] <= ' ' || line[i] >= 0x7f)
			return wm_err_set(err, EX_DATAERR, "not a tunnel: bad "
			    "header name on envelope line %zu", lineno);
	memcpy(f->name, line, nl);
	f->name[nl] = '\0';
	f->vlen = 0;
	f->value[0] = '\0';
	line += nl + 1;
	n -= nl + 1;
	if (n >= sizeof(f->value))
		return wm_err_set(err, EX_DATAERR, "%s: value too long", f->name);
	memcpy(f->value, line, n);
	f->vlen = n;
	f->value[n] = '\0';
	return 0;
}

static int
continue_field(struct field *f, const char *line, size_t n, struct wm_err *err)
{
	if (f->vlen + n >= sizeof(f->value))
		return wm_err_set(err, EX_DATAERR, "%s: value too long", f->name);
	memcpy(f->value + f->vlen, line, n);
	f->vlen += n;
	f->value[f->vlen] = '\0';
	return 0;
}

/* Walks the envelope block; *body gets the offset of the original. */
static int
parse_envelope(struct wm_tunnel *t, const char *data, size_t len, size_t *body,
    struct wm_err *err)
{
	struct field f;
	const char *p = data, *end = data + len, *nl;
	size_t n, lineno = 0;
	int have = 0, seen_type = 0;

	for (;;) {
		if (p >= end || (size_t)(p - data) > ENVELOPE_MAX)
			return wm_err_set(err, EX_DATAERR, "not a tunnel: "
			    "no end of the envelope header block");
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return wm_err_set(err, EX_DATAERR, "not a tunnel: "
			    "no end of the envelope header block");
		lineno++;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL)
			return wm_err_set(err, EX_DATAERR,
			    "not a tunnel: NUL byte in envelope line %zu", lineno);
		if (n == 0 || *p == ' ' || *p == '\t') {
			if (n > 0 && !have)
				return wm_err_set(err, EX_DATAERR, "not a tunnel: "
				    "envelope starts with a continuation line");
			if (n > 0 && continue_field(&f, p, n, err) == -1)
				return -1;
		} else {
			if (have && apply(t, &f, &seen_type, err) == -1)
				return -1;
			if (start_field(&f, p, n, lineno, err) == -1)
				return -1;
			have = 1;
		}
		p = nl + 1;
		if (n == 0)
			break;
	}
	if (have && apply(t, &f, &seen_type, err) == -1)
		return -1;
	if (!seen_type)
		return wm_err_set(err, EX_DATAERR,
		    "not a tunnel: no Content-Type message/rfc822");
	*body = (size_t)(p - data);
	return 0;
}

struct wm_tunnel *
wm_tunnel_parse(const void *data, size_t len, struct wm_err *err)
{
	struct wm_tunnel *t;
	size_t body = 0;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (parse_envelope(t, data, len, &body, err) == -1)
		goto fail;
	if (t->version == 0) {
		wm_err_set(err, EX_DATAERR, "missing WM-Tunnel-Version");
		goto fail;
	}
	if (t->nrecipients == 0) {
		wm_err_set(err, EX_DATAERR, "no recipient (WM-Envelope-Recipient)");
		goto fail;
	}
	if (t->sender == NULL && (t->sender = wm_strdup("")) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto fail;
	}
	t->original = (const unsigned char *)data + body;
	t->original_len = len - body;
	return t;
fail:
	wm_tunnel_free(t);
	return NULL;
}

int
wm_tunnel_build(const struct wm_tunnel *t, const void *original, size_t len,
    struct wm_buf *out, struct wm_err *err)
{
	char addr[WM_ADDRESS_MAX + 1], when[32];
	size_t i;
	int rc;

	if (t->nrecipients == 0)
		return wm_err_set(err, EX_USAGE, "a tunnel needs a recipient");
	if (t->sender != NULL && wm_has_crlf(t->sender))
		return wm_err_set(err, EX_DATAERR, "CR or LF in the sender");
	rc = wm_buf_printf(out, "Content-Type: message/rfc822\r\n"
	    "WM-Tunnel-Version: %d\r\nWM-Envelope-Sender: %s\r\n",
	    WM_TUNNEL_VERSION, t->sender ? t->sender : "");
	for (i = 0; rc == 0 && i < t->nrecipients; i++) {
		if (wm_address_normalize(t->recipients[i], addr, sizeof(addr),
		    err) == -1)
			return wm_err_wrap(err, "recipient");
		rc = wm_buf_printf(out, "WM-Envelope-Recipient: %s\r\n", addr);
	}
	if (rc == 0 && t->read_receipt)
		rc = wm_buf_puts(out, "WM-Read-Receipt: yes\r\n");
	if (rc == 0 && t->expires != 0) {
		wm_time_format(t->expires, when, sizeof(when));
		rc = wm_buf_printf(out, "WM-Expires: %s\r\n", when);
	}
	if (rc == 0)
		rc = wm_buf_puts(out, "\r\n");
	if (rc == 0)
		rc = wm_buf_append(out, original, len);
	if (rc != 0)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

static int
outer_headers(const struct wm_tunnel *t, const struct wm_tunnel_seal *s,
    struct wm_buf *out, struct wm_err *err)
{
	const char *from = s->from ? s->from : t->sender;
	unsigned char rnd[12];
	char date[64], id[25];
	struct tm tm;
	time_t now = wm_now();

	if (from == NULL || *from == '\0' || s->relay == NULL)
		return wm_err_set(err, EX_USAGE, "a tunnel needs From and To");
	if (wm_has_crlf(from) || wm_has_crlf(s->relay) ||
	    (s->subject && wm_has_crlf(s->subject)))
		return wm_err_set(err, EX_DATAERR, "CR or LF in a header value");
	if (wm_random_bytes(rnd, sizeof(rnd), err) == -1)
		return -1;
	wm_hex(rnd, sizeof(rnd), id);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (wm_buf_printf(out, "From: %s\nTo: %s\nSubject: %s\nDate: %s\n"
	    "Message-ID: <%s.tunnel@%s>\n", from, s->relay,
	    s->subject ? s->subject : "S/MIME tunnel", date, id,
	    wm_address_domain(s->relay)) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

int
wm_tunnel_seal(const struct wm_tunnel *t, const void *original, size_t len,
    const struct wm_tunnel_seal *s, struct wm_buf *out, struct wm_err *err)
{
	struct wm_buf a, b;
	int rc = -1;

	wm_buf_init(&a);
	wm_buf_init(&b);
	if (wm_tunnel_build(t, original, len, &a, err) == -1)
		goto done;
	if (wm_smime_sign(a.data, a.len, s->sign_cert, s->sign_key, s->chain,
	    s->detached ? WM_SMIME_DETACHED : 0, &b, err) == -1)
		goto done;
	wm_buf_free(&a);
	if (outer_headers(t, s, out, err) == -1)
		goto done;
	rc = wm_smime_encrypt(b.data, b.len, s->to_cert, out, err);
done:
	wm_buf_free(&a);
	wm_buf_free(&b);
	return rc;
}
