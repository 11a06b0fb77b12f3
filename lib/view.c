/*
 * view.c - see view.h.
 *
 * GMime parses; this file decides what the reader sees.  Every string that
 * leaves here has been through to_utf8() or utf8_clean(), so templates can
 * rely on valid UTF-8 whatever the mail declared.
 */
#include <errno.h>
#include <iconv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "config.h"
#include "err.h"
#include "mailbox.h"
#include "message.h"
#include "notify.h"
#include "sandbox.h"
#include "sanitize.h"
#include "util.h"
#include "view.h"

#define MAX_DEPTH	64		/* multipart nesting we still list */
#define MAX_NAME	200		/* bytes of a file name */
#define MAX_CID_IMAGE	(5 * 1024 * 1024)	/* one inlined image */
#define MAX_CID_TOTAL	(20 * 1024 * 1024)	/* all of them in one document */
#define MAX_HEADERS	32		/* wm_view_header() values cached */

struct vpart {
	GMimeObject	*obj;		/* owned by the message tree */
	char		*filename;
	char		*type;		/* "type/subtype" */
	char		*type_full;	/* with charset for text parts */
	char		*cid;		/* Content-ID without <>, or NULL */
	size_t		 size;
	int		 is_inline;
	int		 is_body;
};

struct wm_view {
	struct wm_buf		 raw;
	GMimeMessage		*msg;		/* NULL when GMime gave up */
	struct wm_view_headers	 h;
	char			*hstr[9];	/* the strings behind h */
	char			*cache[MAX_HEADERS];
	size_t			 ncache;
	char			*text;
	char			*html;		/* UTF-8 source, unsanitised */
	struct vpart		*parts;
	size_t			 nparts;
	struct wm_attachment	*att;
	size_t			 natt;
	char			*eml_name;
	/* A view parsed in the sandbox: only what the child answered. */
	int			 boxed;
	int			 has_html;
	char			*html_clean;
	int			 html_blocked;
	int			 part_no;
	struct wm_buf		 part_data;
};

static void
mime_init(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

/* ---- UTF-8 ---- */

#define U_TEXT		0	/* body text: keeps LF and TAB */
#define U_LINE		1	/* header: controls become spaces */
#define U_NAME		2	/* file name: controls removed */

/*
 * Valid UTF-8 copy of s: invalid sequences become U+FFFD, NUL bytes too;
 * CR is dropped (CRLF -> LF); other controls per mode.
 */
static char *
utf8_clean(const char *s, size_t len, int mode)
{
	struct wm_buf b;
	const char *p, *run, *end = s + len;
	const char *put;	/* what replaces the byte(s) at p; "" drops */
	size_t skip;
	gunichar c;

	wm_buf_init(&b);
	if (wm_buf_append(&b, "", 0) == -1)
		return NULL;
	/* Bytes that stay as they are go out as one run, not one by one. */
	for (p = run = s; p < end; ) {
		unsigned char ch = (unsigned char)*p;

		put = NULL;
		skip = 1;
		if (ch == '\0')
			put = "\xef\xbf\xbd";
		else if (ch < 0x80) {
			if (ch == '\r' || (mode == U_NAME && (ch < 0x20 ||
			    ch == 0x7f)))
				put = "";
			else if (mode == U_LINE && (ch < 0x20 || ch == 0x7f))
				put = " ";
		} else {
			c = g_utf8_get_char_validated(p, end - p);
			if (c == (gunichar)-1 || c == (gunichar)-2)
				put = "\xef\xbf\xbd";
			else {
				skip = (size_t)(g_utf8_next_char(p) - p);
				if (mode != U_TEXT && c < 0xa0)
					put = "";
			}
		}
		if (put == NULL) {
			p += skip;
			continue;
		}
		if (wm_buf_append(&b, run, (size_t)(p - run)) == -1 ||
		    wm_buf_puts(&b, put) == -1) {
			wm_buf_free(&b);
			return NULL;
		}
		p += skip;
		run = p;
	}
	if (wm_buf_append(&b, run, (size_t)(p - run)) == -1) {
		wm_buf_free(&b);
		return NULL;
	}
	return wm_buf_take(&b);
}

/*
 * Converts with iconv, writing U+FFFD for each byte the charset does not
 * define, so a mislabelled body still shows everything that does decode.
 */
static int
iconv_lenient(iconv_t cd, const char *in, size_t inlen, struct wm_buf *out)
{
	char tmp[4096];

	while (inlen > 0) {
		char *ip = (char *)in, *op = tmp;
		size_t ol = sizeof(tmp), r;

		r = iconv(cd, &ip, &inlen, &op, &ol);
		if (wm_buf_append(out, tmp, (size_t)(op - tmp)) == -1)
			return -1;
		in = ip;
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno != EILSEQ && errno != EINVAL)
			return -1;
		if (wm_buf_puts(out, "\xef\xbf\xbd") == -1)
			return -1;
		in++;
		inlen--;
	}
	{
		char *op = tmp;
		size_t ol = sizeof(tmp);

		iconv(cd, NULL, NULL, &op, &ol);
		if (wm_buf_append(out, tmp, (size_t)(op - tmp)) == -1)
			return -1;
	}
	return 0;
}

static char *
convert(const char *from, const char *buf, size_t len)
{
	struct wm_buf b;
	iconv_t cd;
	char *s;

	if ((cd = g_mime_iconv_open("UTF-8", from)) == (iconv_t)-1)
		return NULL;
	wm_buf_init(&b);
	if (iconv_lenient(cd, buf, len, &b) == -1) {
		g_mime_iconv_close(cd);
		wm_buf_free(&b);
		return NULL;
	}
	g_mime_iconv_close(cd);
	s = utf8_clean(b.data ? b.data : "", b.len, U_TEXT);
	wm_buf_free(&b);
	return s;
}

/*
 * Body bytes in the declared charset to UTF-8.  An unknown or missing
 * charset is read as UTF-8 when the bytes are valid UTF-8, else as
 * windows-1252, the usual truth behind mislabelled mail.
 */
static char *
to_utf8(const char *buf, size_t len, const char *charset)
{
	const char *canon = NULL;
	char *s;

	if (charset != NULL && *charset != '\0')
		canon = g_mime_charset_canon_name(charset);
	if (canon != NULL && g_ascii_strcasecmp(canon, "utf-8") != 0 &&
	    g_ascii_strcasecmp(canon, "us-ascii") != 0 &&
	    (s = convert(canon, buf, len)) != NULL)
		return s;
	if ((canon != NULL && g_ascii_strcasecmp(canon, "utf-8") == 0) ||
	    g_utf8_validate(buf, (gssize)len, NULL))
		return utf8_clean(buf, len, U_TEXT);
	if ((s = convert("windows-1252", buf, len)) != NULL)
		return s;
	return utf8_clean(buf, len, U_TEXT);
}

static char *
clean_header(const char *s)
{
	char *c, *p, *q;

	if (s == NULL)
		s = "";
	if ((c = utf8_clean(s, strlen(s), U_LINE)) == NULL)
		return NULL;
	/* Unfolded headers keep runs of blanks; one is enough to read. */
	for (p = q = c; *p != '\0'; p++)
		if (!(*p == ' ' && (q == c || q[-1] == ' ')))
			*q++ = *p;
	while (q > c && q[-1] == ' ')
		q--;
	*q = '\0';
	return c;
}

/* ---- file names ---- */

static int
unsafe_char(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

char *
wm_view_safe_filename(const char *name, const char *fallback)
{
	struct wm_buf b;
	char *valid, *p, *base, *out;
	size_t len;

	if (fallback == NULL || *fallback == '\0')
		fallback = "attachment";
	if (name == NULL || (valid = utf8_clean(name, strlen(name), U_NAME)) == NULL)
		return wm_strdup(fallback);
	/* A sender's directories mean nothing here: keep the last component. */
	base = valid;
	for (p = valid; *p != '\0'; p++)
		if ((*p == '/' || *p == '\\') && p[1] != '\0')
			base = p + 1;
	wm_buf_init(&b);
	for (p = base; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (unsafe_char(c))
			continue;
		if (c < 0x80 && strchr("/\\<>:\"|?*", (int)c) != NULL)
			wm_buf_append(&b, "_", 1);
		else
			wm_buf_append(&b, p, (size_t)(g_utf8_next_char(p) - p));
	}
	free(valid);
	out = b.data != NULL ? b.data : wm_strdup("");
	b.data = NULL;
	if (out == NULL)
		return NULL;
	/* No hidden files, no "." or "..", nothing Windows would trim. */
	for (p = out; *p == '.' || *p == ' '; p++)
		;
	memmove(out, p, strlen(p) + 1);
	len = strlen(out);
	while (len > 0 && (out[len - 1] == '.' || out[len - 1] == ' '))
		out[--len] = '\0';
	if (len > MAX_NAME) {
		const char *dot = strrchr(out, '.');
		size_t ext = dot != NULL ? strlen(dot) : 0, cut;

		if (ext > 16)
			ext = 0;
		cut = MAX_NAME - ext;
		while (cut > 0 && ((unsigned char)out[cut] & 0xc0) == 0x80)
			cut--;
		memmove(out + cut, out + len - ext, ext + 1);
	}
	if (*out == '\0') {
		free(out);
		return wm_strdup(fallback);
	}
	return out;
}

static int
attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c) != NULL;
}

char *
wm_view_disposition(const char *filename)
{
	struct wm_buf b;
	char *safe;
	const unsigned char *p;

	if ((safe = wm_view_safe_filename(filename, "attachment")) == NULL)
		return NULL;
	wm_buf_init(&b);
	wm_buf_puts(&b, "attachment; filename=\"");
	for (p = (const unsigned char *)safe; *p != '\0'; p++) {
		if (*p >= 0x80) {
			/* One '_' per character, not per byte. */
			if ((*p & 0xc0) != 0x80)
				wm_buf_append(&b, "_", 1);
		} else if (*p < 0x20 || *p == 0x7f || *p == '"' ||
		    *p == '\\' || *p == '%')
			wm_buf_append(&b, "_", 1);
		else
			wm_buf_append(&b, p, 1);
	}
	wm_buf_puts(&b, "\"; filename*=UTF-8''");
	for (p = (const unsigned char *)safe; *p != '\0'; p++) {
		if (attr_char(*p))
			wm_buf_append(&b, p, 1);
		else
			wm_buf_printf(&b, "%%%02X", *p);
	}
	free(safe);
	return wm_buf_take(&b);
}

/* A file extension for parts that came without a usable name. */
static const char *
type_ext(const char *type)
{
	static const struct {
		const char *type, *ext;
	} map[] = {
		{ "text/plain", "txt" }, { "text/html", "html" },
		{ "text/calendar", "ics" }, { "text/csv", "csv" },
		{ "image/png", "png" }, { "image/jpeg", "jpg" },
		{ "image/gif", "gif" }, { "image/webp", "webp" },
		{ "application/pdf", "pdf" }, { "application/zip", "zip" },
		{ "message/rfc822", "eml" },
		{ "message/delivery-status", "txt" },
		{ "message/disposition-notification", "txt" },
		{ "application/pkcs7-signature", "p7s" },
		{ "application/x-pkcs7-signature", "p7s" },
		{ "application/pkcs7-mime", "p7m" },
		{ "application/x-pkcs7-mime", "p7m" },
		{ "application/pgp-signature", "asc" },
		{ "application/pgp-encrypted", "asc" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type, map[i].type) == 0)
			return map[i].ext;
	return "bin";
}

/* ---- parts ---- */

static int
token_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!attr_char((unsigned char)*s) || *s == '|' || *s == '`')
			return 0;
	return 1;
}

/* "type/subtype" in lower case when both halves are tokens, else octet-stream. */
static char *
mime_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *st = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	char *s;

	if (t == NULL || st == NULL || !token_ok(t) || !token_ok(st))
		return wm_strdup("application/octet-stream");
	if ((s = wm_asprintf("%s/%s", t, st)) == NULL)
		return NULL;
	for (char *p = s; *p != '\0'; p++)
		*p = (char)g_ascii_tolower(*p);
	return s;
}

static const char *
charset_of(GMimeObject *obj)
{
	return g_mime_object_get_content_type_parameter(obj, "charset");
}

static void
write_part(GMimeObject *obj, GMimeStream *s)
{
	if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));

		if (w != NULL)
			g_mime_data_wrapper_write_to_stream(w, s);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		if (m != NULL)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, s);
	}
}

static int
part_bytes(GMimeObject *obj, struct wm_buf *out)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *ba;
	int rc;

	write_part(obj, s);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	rc = wm_buf_append(out, ba->data, ba->len);
	g_object_unref(s);
	return rc;
}

static size_t
part_size(GMimeObject *obj)
{
	GMimeStream *s = g_mime_stream_null_new();
	size_t n;

	write_part(obj, s);
	n = GMIME_STREAM_NULL(s)->written;
	g_object_unref(s);
	return n;
}

static char *
raw_name(GMimeObject *obj)
{
	const char *name = NULL;

	if (GMIME_IS_PART(obj))
		name = g_mime_part_get_filename(GMIME_PART(obj));
	else {
		name = g_mime_object_get_content_disposition_parameter(obj,
		    "filename");
		if (name == NULL)
			name = g_mime_object_get_content_type_parameter(obj,
			    "name");
	}
	if (name == NULL && GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		const char *subj = m ? g_mime_message_get_subject(m) : NULL;

		if (subj != NULL && *subj != '\0')
			return wm_asprintf("%s.eml", subj);
	}
	return name != NULL ? wm_strdup(name) : NULL;
}

static int
add_part(struct wm_view *v, GMimeObject *obj)
{
	struct vpart *p, *np;
	GMimeContentDisposition *d;
	const char *cs, *cid;
	char *raw, fallback[64];

	np = realloc(v->parts, (v->nparts + 1) * sizeof(*np));
	if (np == NULL)
		return -1;
	v->parts = np;
	p = &v->parts[v->nparts];
	memset(p, 0, sizeof(*p));
	p->obj = obj;
	if ((p->type = mime_type(obj)) == NULL)
		return -1;
	cs = charset_of(obj);
	if (strncmp(p->type, "text/", 5) == 0 && cs != NULL && token_ok(cs))
		p->type_full = wm_asprintf("%s; charset=%s", p->type, cs);
	else
		p->type_full = wm_strdup(p->type);
	if ((cid = g_mime_object_get_content_id(obj)) != NULL)
		p->cid = utf8_clean(cid, strlen(cid), U_LINE);
	d = g_mime_object_get_content_disposition(obj);
	p->is_inline = (d != NULL && !g_mime_content_disposition_is_attachment(d)) ||
	    (d == NULL && p->cid != NULL);
	snprintf(fallback, sizeof(fallback), "part-%zu.%s", v->nparts + 1,
	    type_ext(p->type));
	raw = raw_name(obj);
	p->filename = wm_view_safe_filename(raw, fallback);
	free(raw);
	p->size = part_size(obj);
	v->nparts++;
	if (p->type_full == NULL || p->filename == NULL)
		return -1;
	return 0;
}

static int
collect(struct wm_view *v, GMimeObject *obj, int depth)
{
	int i, n;

	if (obj == NULL || depth > MAX_DEPTH)
		return 0;
	if (!GMIME_IS_MULTIPART(obj))
		return add_part(v, obj);
	n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
	for (i = 0; i < n; i++)
		if (collect(v, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
		    depth + 1) == -1)
			return -1;
	return 0;
}

/* A text part meant to be read in place: no attachment disposition, no name. */
static int
body_candidate(const struct vpart *p, const char *type)
{
	GMimeContentDisposition *d;

	if (!GMIME_IS_PART(p->obj) || strcmp(p->type, type) != 0)
		return 0;
	d = g_mime_object_get_content_disposition(p->obj);
	if (d != NULL && g_mime_content_disposition_is_attachment(d))
		return 0;
	return g_mime_part_get_filename(GMIME_PART(p->obj)) == NULL;
}

static char *
part_text(const struct vpart *p)
{
	struct wm_buf b;
	char *s;

	wm_buf_init(&b);
	if (part_bytes(p->obj, &b) == -1) {
		wm_buf_free(&b);
		return NULL;
	}
	s = to_utf8(b.data ? b.data : "", b.len, charset_of(p->obj));
	wm_buf_free(&b);
	return s;
}

static int
pick_bodies(struct wm_view *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->nparts; i++) {
		struct vpart *p = &v->parts[i];

		if (v->text == NULL && body_candidate(p, "text/plain")) {
			if ((v->text = part_text(p)) == NULL)
				return -1;
			p->is_body = 1;
		} else if (v->html == NULL && body_candidate(p, "text/html")) {
			if ((v->html = part_text(p)) == NULL)
				return -1;
			p->is_body = 1;
		}
	}
	if ((v->att = calloc(v->nparts + 1, sizeof(*v->att))) == NULL)
		return -1;
	for (i = 0; i < v->nparts; i++) {
		const struct vpart *p = &v->parts[i];

		if (p->is_body)
			continue;
		v->att[n].part = (int)i + 1;
		v->att[n].filename = p->filename;
		v->att[n].content_type = p->type;
		v->att[n].size = p->size;
		v->att[n].is_inline = p->is_inline;
		n++;
	}
	v->natt = n;
	return 0;
}

/* ---- headers ---- */

static char *
addresses(GMimeMessage *m, GMimeAddressType t)
{
	InternetAddressList *l = g_mime_message_get_addresses(m, t);
	char *s, *c;

	if (l == NULL || internet_address_list_length(l) == 0)
		return clean_header("");
	s = internet_address_list_to_string(l, NULL, FALSE);
	c = clean_header(s);
	g_free(s);
	return c;
}

static const char *
raw_header(GMimeMessage *m, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(m), name);
}

static int
fill_headers(struct wm_view *v)
{
	GMimeMessage *m = v->msg;
	struct wm_view_headers *h = &v->h;
	GDateTime *dt;
	size_t i;

	if (m == NULL) {
		for (i = 0; i < 9; i++)
			if ((v->hstr[i] = wm_strdup("")) == NULL)
				return -1;
	} else {
		v->hstr[0] = addresses(m, GMIME_ADDRESS_TYPE_FROM);
		v->hstr[1] = addresses(m, GMIME_ADDRESS_TYPE_TO);
		v->hstr[2] = addresses(m, GMIME_ADDRESS_TYPE_CC);
		v->hstr[3] = addresses(m, GMIME_ADDRESS_TYPE_REPLY_TO);
		v->hstr[4] = clean_header(g_mime_message_get_subject(m));
		v->hstr[5] = clean_header(raw_header(m, "Date"));
		v->hstr[6] = clean_header(g_mime_message_get_message_id(m));
		v->hstr[7] = clean_header(raw_header(m, "In-Reply-To"));
		v->hstr[8] = clean_header(raw_header(m, "References"));
		for (i = 0; i < 9; i++)
			if (v->hstr[i] == NULL)
				return -1;
		if ((dt = g_mime_message_get_date(m)) != NULL)
			h->date_t = (time_t)g_date_time_to_unix(dt);
	}
	h->from = v->hstr[0];
	h->to = v->hstr[1];
	h->cc = v->hstr[2];
	h->reply_to = v->hstr[3];
	h->subject = v->hstr[4];
	h->date = v->hstr[5];
	h->message_id = v->hstr[6];
	h->in_reply_to = v->hstr[7];
	h->references = v->hstr[8];
	return 0;
}

/* ---- opening ---- */

/*
 * An mbox "From " separator is not a header; GMime would end the header
 * block on it and lose From:, Subject: and the rest.
 */
static size_t
skip_mbox_line(const char *d, size_t len)
{
	const char *nl;

	if (len < 5 || memcmp(d, "From ", 5) != 0)
		return 0;
	if ((nl = memchr(d, '\n', len)) == NULL)
		return 0;
	return (size_t)(nl - d) + 1;
}

static GMimeMessage *
parse(const char *data, size_t len)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	size_t skip = skip_mbox_line(data, len);

	s = g_mime_stream_mem_new_with_buffer(data + skip, len - skip);
	p = g_mime_parser_new_with_stream(s);
	g_object_unref(s);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	return m;
}

static int
build(struct wm_view *v, struct wm_err *err)
{
	const char *subj;
	char *name;

	mime_init();
	if (v->raw.len > 0)
		v->msg = parse(v->raw.data, v->raw.len);
	if (fill_headers(v) == -1)
		goto oom;
	if (v->msg != NULL &&
	    collect(v, g_mime_message_get_mime_part(v->msg), 0) == -1)
		goto oom;
	if (pick_bodies(v) == -1)
		goto oom;
	/* What GMime could not parse at all is still shown, as text. */
	if (v->msg == NULL && v->raw.len > 0 &&
	    (v->text = to_utf8(v->raw.data, v->raw.len, NULL)) == NULL)
		goto oom;
	subj = v->h.subject;
	name = *subj != '\0' ? wm_asprintf("%.100s.eml", subj) : NULL;
	v->eml_name = wm_view_safe_filename(name, "message.eml");
	free(name);
	if (v->eml_name == NULL)
		goto oom;
	return 0;
oom:
	return wm_err_set(err, EX_OSERR, "out of memory reading the message");
}

struct wm_view *
wm_view_parse(const void *data, size_t len, struct wm_err *err)
{
	struct wm_view *v;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	wm_buf_init(&v->raw);
	if (wm_buf_append(&v->raw, data, len) == -1) {
		free(v);
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	if (build(v, err) == -1) {
		wm_view_free(v);
		return NULL;
	}
	return v;
}

struct wm_view *
wm_view_open(const char *path, size_t max, struct wm_err *err)
{
	struct wm_view *v;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	wm_buf_init(&v->raw);
	if (wm_read_file(path, max ? max : (size_t)-1 / 2, &v->raw, err) == -1) {
		wm_view_free(v);
		return NULL;
	}
	if (build(v, err) == -1) {
		wm_view_free(v);
		return NULL;
	}
	return v;
}

/*
 * A view holding the bytes of the mail as the gateway sent them (CR given
 * back to a mail stored with LF line ends), not parsed yet.
 */
static struct wm_view *
open_raw(const char *mail_root, const struct wm_message *m, struct wm_err *err)
{
	struct wm_view *v;
	struct wm_buf file;
	char *path;
	int rc;

	if ((path = wm_message_path(mail_root, m, err)) == NULL)
		return NULL;
	wm_buf_init(&file);
	rc = wm_read_file(path, (size_t)-1 / 4, &file, err);
	free(path);
	if (rc == -1 || (v = calloc(1, sizeof(*v))) == NULL) {
		wm_buf_free(&file);
		if (rc == 0)
			wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	wm_buf_init(&v->part_data);
	if (!m->stored_lf) {
		v->raw = file;
		return v;
	}
	wm_buf_init(&v->raw);
	rc = wm_mailbox_restore_crlf(file.data, file.len, &v->raw);
	wm_buf_free(&file);
	if (rc == -1) {
		wm_view_free(v);
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	return v;
}

/*
 * A mail stored with LF line ends (its original had CRLF throughout) is
 * given back as the original: CR re-added, so the .eml and every part are the
 * bytes the gateway sent.
 */
static struct wm_view *
open_original(const char *path, struct wm_err *err)
{
	struct wm_view *v;
	struct wm_buf lf;

	wm_buf_init(&lf);
	if (wm_read_file(path, (size_t)-1 / 4, &lf, err) == -1) {
		wm_buf_free(&lf);
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		wm_buf_free(&lf);
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	wm_buf_init(&v->raw);
	if (wm_mailbox_restore_crlf(lf.data, lf.len, &v->raw) == -1) {
		wm_buf_free(&lf);
		wm_view_free(v);
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	wm_buf_free(&lf);
	if (build(v, err) == -1) {
		wm_view_free(v);
		return NULL;
	}
	return v;
}

struct wm_view *
wm_view_open_message(const char *mail_root, const struct wm_message *m,
    struct wm_err *err)
{
	struct wm_view *v;
	char *path;

	if ((path = wm_message_path(mail_root, m, err)) == NULL)
		return NULL;
	v = m->stored_lf ? open_original(path, err) : wm_view_open(path, 0, err);
	free(path);
	return v;
}

void
wm_view_free(struct wm_view *v)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->msg != NULL)
		g_object_unref(v->msg);
	wm_buf_free(&v->raw);
	for (i = 0; i < 9; i++)
		free(v->hstr[i]);
	for (i = 0; i < v->ncache; i++)
		free(v->cache[i]);
	for (i = 0; i < v->nparts; i++) {
		free(v->parts[i].filename);
		free(v->parts[i].type);
		free(v->parts[i].type_full);
		free(v->parts[i].cid);
	}
	free(v->parts);
	free(v->att);
	free(v->text);
	free(v->html);
	free(v->eml_name);
	free(v->html_clean);
	wm_buf_free(&v->part_data);
	free(v);
}

/* ---- accessors ---- */

const struct wm_view_headers *
wm_view_headers(const struct wm_view *v)
{
	return &v->h;
}

const char *
wm_view_header(const struct wm_view *cv, const char *name)
{
	struct wm_view *v = (struct wm_view *)cv;
	const char *raw;
	char *s;

	if (v->msg == NULL || (raw = raw_header(v->msg, name)) == NULL)
		return NULL;
	if (v->ncache == MAX_HEADERS) {
		free(v->cache[0]);
		memmove(v->cache, v->cache + 1, (MAX_HEADERS - 1) * sizeof(char *));
		v->ncache--;
	}
	if ((s = clean_header(raw)) == NULL)
		return NULL;
	v->cache[v->ncache++] = s;
	return s;
}

const char *
wm_view_text(const struct wm_view *v)
{
	return v->text;
}

int
wm_view_has_html(const struct wm_view *v)
{
	return v->boxed ? v->has_html : v->html != NULL;
}

static const struct vpart *
find_cid(const struct wm_view *v, const char *cid)
{
	size_t i;

	for (i = 0; i < v->nparts; i++)
		if (v->parts[i].cid != NULL && strcmp(v->parts[i].cid, cid) == 0)
			return &v->parts[i];
	for (i = 0; i < v->nparts; i++)
		if (v->parts[i].cid != NULL &&
		    strcasecmp(v->parts[i].cid, cid) == 0)
			return &v->parts[i];
	return NULL;
}

struct cid_ctx {
	const struct wm_view	*v;
	size_t			 left;		/* bytes still allowed inline */
};

/* Inline images travel inside the document: the iframe loads nothing. */
static char *
cid_image(const char *cid, void *arg)
{
	struct cid_ctx *ctx = arg;
	const struct vpart *p = find_cid(ctx->v, cid);
	struct wm_buf b;
	gchar *b64;
	char *url;

	if (p == NULL || strncmp(p->type, "image/", 6) != 0 ||
	    p->size > MAX_CID_IMAGE || p->size > ctx->left)
		return NULL;
	wm_buf_init(&b);
	if (part_bytes(p->obj, &b) == -1) {
		wm_buf_free(&b);
		return NULL;
	}
	ctx->left -= b.len;
	b64 = g_base64_encode((const guchar *)(b.data ? b.data : ""), b.len);
	wm_buf_free(&b);
	url = wm_asprintf("data:%s;base64,%s", p->type, b64);
	g_free(b64);
	return url;
}

int
wm_view_html(const struct wm_view *v, struct wm_buf *out, int *blocked,
    struct wm_err *err)
{
	struct cid_ctx ctx = { v, MAX_CID_TOTAL };
	struct wm_sanitize opt = { cid_image, &ctx, 0 };

	if (v->boxed) {
		if (v->html_clean == NULL)
			return wm_err_set(err, EX_NOINPUT, "no HTML body here");
		if (blocked != NULL)
			*blocked = v->html_blocked;
		return wm_buf_puts(out, v->html_clean) == -1 ?
		    wm_err_set(err, EX_OSERR, "out of memory") : 0;
	}
	if (v->html == NULL)
		return wm_err_set(err, EX_NOINPUT, "the message has no HTML body");
	if (wm_sanitize_html(v->html, strlen(v->html), &opt, out, err) == -1)
		return -1;
	if (blocked != NULL)
		*blocked = opt.blocked;
	return 0;
}

const struct wm_attachment *
wm_view_attachments(const struct wm_view *v, size_t *n)
{
	*n = v->natt;
	return v->att;
}

int
wm_view_part(const struct wm_view *v, int n, struct wm_buf *out,
    const char **content_type, const char **filename, struct wm_err *err)
{
	const struct vpart *p;

	if (n < 1 || (size_t)n > v->nparts || (v->boxed && n != v->part_no))
		return wm_err_set(err, EX_NOINPUT, "no part %d in this message", n);
	p = &v->parts[n - 1];
	if (v->boxed) {
		if (wm_buf_append(out, v->part_data.data ? v->part_data.data : "",
		    v->part_data.len) == -1)
			return wm_err_set(err, EX_OSERR, "out of memory");
	} else if (part_bytes(p->obj, out) == -1)
		return wm_err_set(err, EX_OSERR, "out of memory");
	if (content_type != NULL)
		*content_type = p->type_full;
	if (filename != NULL)
		*filename = p->filename;
	return 0;
}

const void *
wm_view_raw(const struct wm_view *v, size_t *len)
{
	*len = v->raw.len;
	return v->raw.data != NULL ? v->raw.data : "";
}

const char *
wm_view_eml_filename(const struct wm_view *v)
{
	return v->eml_name;
}

/* ---- read receipts ---- */

int
wm_view_receipt_due(const struct wm_message *m)
{
	if (m == NULL || !m->read_receipt || m->receipt_sent)
		return 0;
	return m->folder == NULL || strcmp(m->folder, "inbox") == 0;
}

int
wm_view_mark_read(struct wm_config *cfg, struct wm_db *db, struct wm_message *m,
    struct wm_err *err)
{
	const char *root = wm_config_path(cfg, "mail");

	/* The maildir flag too, so Dovecot and mutt see it read. */
	if (!m->seen || !wm_mailbox_has_flag(m->file, 'S')) {
		if (root == NULL)
			return wm_err_set(err, EX_CONFIG, "no [paths] mail");
		if (wm_message_mark_seen(db, root, m, err) == -1)
			return -1;
	}
	if (!wm_view_receipt_due(m))
		return 0;
	if (wm_notify_read_receipt(cfg, db, m, err) == -1)
		return -1;
	m->receipt_sent = 1;
	return 0;
}

/* ---- parsing in the sandbox ---- */

struct boxjob {
	struct wm_view		*v;	/* raw read here; parsed in the child */
	enum wm_view_want	 want;
	int			 part;
};

/* A field of the child's answer: 4-byte length (~0: none), then bytes. */
static int
put(struct wm_buf *out, const char *s, size_t n)
{
	unsigned char len[4];
	uint32_t l = s == NULL ? UINT32_MAX : (uint32_t)n;

	len[0] = l >> 24;
	len[1] = l >> 16;
	len[2] = l >> 8;
	len[3] = l;
	if (wm_buf_append(out, len, 4) == -1)
		return -1;
	return s == NULL || n == 0 ? 0 : wm_buf_append(out, s, n);
}

static int
put_str(struct wm_buf *out, const char *s)
{
	return put(out, s, s != NULL ? strlen(s) : 0);
}

static int
put_num(struct wm_buf *out, long long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", n);
	return put_str(out, num);
}

static int
put_view(struct wm_buf *out, const struct wm_view *v)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < 9; i++)
		rc |= put_str(out, v->hstr[i]);
	rc |= put_num(out, (long long)v->h.date_t);
	rc |= put_str(out, v->text);
	rc |= put_str(out, v->eml_name);
	rc |= put_num(out, v->html != NULL);
	rc |= put_num(out, (long long)v->nparts);
	for (i = 0; i < v->nparts; i++) {
		rc |= put_str(out, v->parts[i].filename);
		rc |= put_str(out, v->parts[i].type);
		rc |= put_str(out, v->parts[i].type_full);
		rc |= put_num(out, (long long)v->parts[i].size);
		rc |= put_num(out, v->parts[i].is_inline);
	}
	rc |= put_num(out, (long long)v->natt);
	for (i = 0; i < v->natt; i++)
		rc |= put_num(out, v->att[i].part);
	return rc == 0 ? 0 : -1;
}

/* The child: parse, then answer with what the page asked for. */
static int
box_work(void *arg, struct wm_buf *out)
{
	struct boxjob *j = arg;
	struct wm_buf extra;
	struct wm_err err;
	int blocked = 0, rc;

	wm_sandbox_test_fault(j->v->raw.data);
	if (build(j->v, &err) == -1)
		_exit(WM_SANDBOX_EXIT_NOMEM);
	if (put_view(out, j->v) == -1)
		_exit(WM_SANDBOX_EXIT_NOMEM);
	wm_buf_init(&extra);
	rc = 0;
	if (j->want == WM_VIEW_BODY && j->v->html != NULL)
		rc = wm_view_html(j->v, &extra, &blocked, &err);
	else if (j->want == WM_VIEW_PART)
		rc = wm_view_part(j->v, j->part, &extra, NULL, NULL, &err);
	if (rc == -1 && err.code == EX_OSERR)
		_exit(WM_SANDBOX_EXIT_NOMEM);
	/* Nothing asked for, no HTML body or no such part: no field. */
	if (rc == -1 || j->want == WM_VIEW_PAGE ||
	    (j->want == WM_VIEW_BODY && j->v->html == NULL))
		rc = put(out, NULL, 0);
	else
		rc = put(out, extra.data ? extra.data : "", extra.len);
	rc |= put_num(out, blocked);
	wm_buf_free(&extra);
	return rc;
}

struct reader {
	const struct wm_buf	*b;
	size_t			 pos;
	int			 bad;
};

/* The next field, malloc'd and NUL-terminated (NULL: none or bad). */
static char *
get(struct reader *r, size_t *len)
{
	const unsigned char *p = (const unsigned char *)r->b->data + r->pos;
	uint32_t l;
	char *s;

	if (r->bad || r->b->len - r->pos < 4) {
		r->bad = 1;
		return NULL;
	}
	l = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	if (l == UINT32_MAX)
		return NULL;
	if (r->b->len - r->pos < l || (s = malloc((size_t)l + 1)) == NULL) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, r->b->data + r->pos, l);
	s[l] = '\0';
	r->pos += l;
	if (len != NULL)
		*len = l;
	return s;
}

static long long
get_num(struct reader *r)
{
	char *s = get(r, NULL);
	long long n = s != NULL ? strtoll(s, NULL, 10) : 0;

	if (s == NULL)
		r->bad = 1;
	free(s);
	return n;
}

static char *
get_str(struct reader *r)
{
	char *s = get(r, NULL);

	if (s == NULL && !r->bad && (s = wm_strdup("")) == NULL)
		r->bad = 1;
	return s;
}

static int
get_parts(struct reader *r, struct wm_view *v)
{
	long long n = get_num(r), i, a;

	if (r->bad || n < 0 || n > 100000 ||
	    (n > 0 && (v->parts = calloc((size_t)n, sizeof(*v->parts))) == NULL))
		return -1;
	for (i = 0; i < n && !r->bad; i++, v->nparts++) {
		v->parts[i].filename = get_str(r);
		v->parts[i].type = get_str(r);
		v->parts[i].type_full = get_str(r);
		v->parts[i].size = (size_t)get_num(r);
		v->parts[i].is_inline = (int)get_num(r);
	}
	n = get_num(r);
	if (r->bad || n < 0 || n > (long long)v->nparts ||
	    (n > 0 && (v->att = calloc((size_t)n, sizeof(*v->att))) == NULL))
		return -1;
	for (i = 0; i < n; i++, v->natt++) {
		a = get_num(r);
		if (r->bad || a < 1 || a > (long long)v->nparts)
			return -1;
		v->att[i].part = (int)a;
		v->att[i].filename = v->parts[a - 1].filename;
		v->att[i].content_type = v->parts[a - 1].type;
		v->att[i].size = v->parts[a - 1].size;
		v->att[i].is_inline = v->parts[a - 1].is_inline;
	}
	return r->bad ? -1 : 0;
}

/* Fills the boxed view from the child's answer. */
static int
get_view(struct wm_view *v, const struct wm_buf *answer, enum wm_view_want want)
{
	struct reader r = { answer, 0, 0 };
	const char **h[9] = { &v->h.from, &v->h.to, &v->h.cc, &v->h.reply_to,
	    &v->h.subject, &v->h.date, &v->h.message_id, &v->h.in_reply_to,
	    &v->h.references };
	char *extra;
	size_t i, len = 0;

	for (i = 0; i < 9; i++)
		*h[i] = v->hstr[i] = get_str(&r);
	v->h.date_t = (time_t)get_num(&r);
	v->text = get_str(&r);
	v->eml_name = get_str(&r);
	v->has_html = (int)get_num(&r);
	if (r.bad || get_parts(&r, v) == -1)
		return -1;
	extra = get(&r, &len);
	v->html_blocked = (int)get_num(&r);
	if (r.bad)
		return -1;
	if (want == WM_VIEW_BODY)
		v->html_clean = extra;
	else {
		if (extra != NULL && wm_buf_append(&v->part_data, extra, len) == -1)
			r.bad = 1;
		free(extra);
	}
	return r.bad ? -1 : 0;
}

struct wm_view *
wm_view_open_boxed(const char *mail_root, const struct wm_message *m,
    enum wm_view_want want, int part, enum wm_sandbox_outcome *outcome,
    struct wm_err *err)
{
	struct wm_sandbox_limits lim = { WM_SANDBOX_CPU_LIMIT,
	    WM_SANDBOX_MEM_LIMIT, WM_SANDBOX_WALL_LIMIT, 0 };
	struct wm_view *v, *box = NULL;
	struct boxjob j;
	struct wm_buf answer;

	*outcome = WM_SANDBOX_OK;
	/* Read here, parsed there: the child opens nothing. */
	if ((v = open_raw(mail_root, m, err)) == NULL)
		return NULL;
	j.v = v;
	j.want = want;
	j.part = part;
	lim.max_out = v->raw.len * 2 + 1048576;
	wm_buf_init(&answer);
	if (wm_sandbox_run(box_work, &j, &lim, &answer, outcome, err) == 0 &&
	    (box = calloc(1, sizeof(*box))) != NULL) {
		box->boxed = 1;
		box->raw = v->raw;
		wm_buf_init(&v->raw);
		box->part_no = want == WM_VIEW_PART ? part : 0;
		if (get_view(box, &answer, want) == -1) {
			wm_view_free(box);
			box = NULL;
			*outcome = WM_SANDBOX_FAILED;
			wm_err_set(err, EX_DATAERR, "parser answered garbage");
		}
	} else if (*outcome == WM_SANDBOX_OK)
		wm_err_set(err, EX_OSERR, "out of memory");
	wm_buf_free(&answer);
	wm_view_free(v);
	return box;
}
