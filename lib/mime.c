/*
 * mime.c - see mime.h.
 *
 * GMime is lenient by design: it decodes what it can and reports the rest
 * through the parser's warning callback.  Those warnings that concern a
 * header become header_error, so the portal can show the mail and say what
 * it could not read, instead of hiding the mail.
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "err.h"
#include "mime.h"
#include "util.h"

#define PROBLEMS_MAX	480

struct collect {
	struct wm_buf	problems;
	int		oom;
};

static void
init_once(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

void
wm_mime_info_clear(struct wm_mime_info *info)
{
	if (info == NULL)
		return;
	free(info->from);
	free(info->to);
	free(info->cc);
	free(info->subject);
	free(info->message_id);
	free(info->header_error);
	memset(info, 0, sizeof(*info));
}

static void
note(struct collect *c, const char *what, const char *item)
{
	char shown[64];
	size_t i;

	if (c->problems.len >= PROBLEMS_MAX)
		return;
	for (i = 0; item != NULL && item[i] != '\0' && i < sizeof(shown) - 1; i++)
		shown[i] = ((unsigned char)item[i] < 0x20 || item[i] == 0x7f) ?
		    '?' : item[i];
	shown[i] = '\0';
	if (c->problems.len > 0 && wm_buf_puts(&c->problems, "; ") == -1)
		c->oom = 1;
	if (wm_buf_printf(&c->problems, i ? "%s: %s" : "%s", what, shown) == -1)
		c->oom = 1;
}

static void
on_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer data)
{
	struct collect *c = data;

	switch (code) {
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
		note(c, "invalid RFC 2047 encoded header", item);
		break;
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		note(c, "invalid address list", item);
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
		note(c, "invalid header name", item);
		break;
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
		/* Raw UTF-8 (RFC 6532) is fine; other 8-bit bytes are guessed. */
		if (item == NULL || !g_utf8_validate(item, -1, NULL))
			note(c, "8-bit header not in UTF-8", item);
		break;
	default:
		break;
	}
}

static GMimeMessage *
parse(const void *mail, size_t len, struct collect *c)
{
	GMimeParserOptions *opts;
	GMimeMessage *msg;
	GMimeParser *parser;
	GMimeStream *stream;

	stream = g_mime_stream_mem_new_with_buffer(mail, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	if (c != NULL)
		g_mime_parser_options_set_warning_callback(opts, on_warning, c);
	msg = g_mime_parser_construct_message(parser, opts);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return msg;
}

/* A malloc'd UTF-8 copy; invalid bytes are replaced and noted. */
static char *
utf8_dup(const char *s, const char *name, struct collect *c)
{
	char *fixed, *r;

	if (s == NULL)
		return wm_strdup("");
	if (g_utf8_validate(s, -1, NULL))
		return wm_strdup(s);
	note(c, "not UTF-8 after decoding", name);
	fixed = g_utf8_make_valid(s, -1);
	r = wm_strdup(fixed);
	g_free(fixed);
	return r;
}

static char *
addresses(GMimeMessage *msg, GMimeAddressType type, const char *name,
    struct collect *c)
{
	InternetAddressList *l = g_mime_message_get_addresses(msg, type);
	const char *raw = g_mime_object_get_header(GMIME_OBJECT(msg), name);
	char *s, *r;

	if (l == NULL || internet_address_list_length(l) == 0) {
		if (raw != NULL && strspn(raw, " \t\r\n") != strlen(raw))
			note(c, "cannot parse addresses", name);
		return wm_strdup("");
	}
	s = internet_address_list_to_string(l, NULL, FALSE);
	r = utf8_dup(s, name, c);
	g_free(s);
	return r;
}

static int
is_signature(GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);

	return g_mime_content_type_is_type(ct, "application", "pkcs7-signature") ||
	    g_mime_content_type_is_type(ct, "application", "x-pkcs7-signature") ||
	    g_mime_content_type_is_type(ct, "application", "pgp-signature");
}

static void
look_for_attachment(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	int *found = data;

	if (*found || is_signature(part))
		return;
	if (GMIME_IS_MESSAGE_PART(part))
		*found = 1;
	else if (GMIME_IS_PART(part) &&
	    (g_mime_part_is_attachment(GMIME_PART(part)) ||
	    g_mime_part_get_filename(GMIME_PART(part)) != NULL))
		*found = 1;
}

/* Parts are only walked when the top level says there are several. */
static int
attachments(GMimeMessage *head, const void *mail, size_t len)
{
	GMimeObject *top = g_mime_message_get_mime_part(head);
	GMimeMessage *whole;
	int found = 0;

	if (top == NULL)
		return 0;
	if (GMIME_IS_PART(top))
		return g_mime_part_is_attachment(GMIME_PART(top)) ||
		    (g_mime_part_get_filename(GMIME_PART(top)) != NULL &&
		    !is_signature(top));
	if (!g_mime_content_type_is_type(g_mime_object_get_content_type(top),
	    "multipart", "*"))
		return 0;
	if ((whole = parse(mail, len, NULL)) == NULL)
		return 0;
	g_mime_message_foreach(whole, look_for_attachment, &found);
	g_object_unref(whole);
	return found;
}

/*
 * GMime guesses a charset for raw 8-bit header bytes without a warning; the
 * guess may be wrong, so say so.  Raw UTF-8 (RFC 6532) is not a problem.
 */
static void
raw_8bit(GMimeMessage *msg, struct collect *c)
{
	static const char *names[] = { "From", "To", "Cc", "Subject", NULL };
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h;
	const char *raw;
	int i;

	for (i = 0; names[i] != NULL; i++) {
		h = g_mime_header_list_get_header(hl, names[i]);
		raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;
		if (raw != NULL && !g_utf8_validate(raw, -1, NULL))
			note(c, "8-bit header not in UTF-8, charset guessed",
			    names[i]);
	}
}

static void
fill(GMimeMessage *msg, const void *mail, size_t len, struct wm_mime_info *info,
    struct collect *c)
{
	const char *raw;
	GDateTime *dt;

	raw_8bit(msg, c);
	info->from = addresses(msg, GMIME_ADDRESS_TYPE_FROM, "From", c);
	info->to = addresses(msg, GMIME_ADDRESS_TYPE_TO, "To", c);
	info->cc = addresses(msg, GMIME_ADDRESS_TYPE_CC, "Cc", c);
	info->subject = utf8_dup(g_mime_message_get_subject(msg), "Subject", c);
	info->message_id = utf8_dup(g_mime_message_get_message_id(msg),
	    "Message-ID", c);
	if ((dt = g_mime_message_get_date(msg)) != NULL)
		info->date = (time_t)g_date_time_to_unix(dt);
	else if ((raw = g_mime_object_get_header(GMIME_OBJECT(msg), "Date")) != NULL)
		note(c, "cannot parse Date", raw);
	info->has_attachments = attachments(msg, mail, len);
}

int
wm_mime_index(const void *mail, size_t len, struct wm_mime_info *info,
    struct wm_err *err)
{
	struct collect c;
	GMimeMessage *msg;

	init_once();
	memset(info, 0, sizeof(*info));
	memset(&c, 0, sizeof(c));
	wm_buf_init(&c.problems);
	msg = parse(mail, wm_header_length(mail, len), &c);
	if (msg == NULL) {
		note(&c, "no header block", NULL);
		info->from = wm_strdup("");
		info->to = wm_strdup("");
		info->cc = wm_strdup("");
		info->subject = wm_strdup("");
		info->message_id = wm_strdup("");
	} else {
		fill(msg, mail, len, info, &c);
		g_object_unref(msg);
	}
	if (c.problems.len > 0)
		info->header_error = wm_buf_take(&c.problems);
	wm_buf_free(&c.problems);
	if (c.oom || info->from == NULL || info->to == NULL || info->cc == NULL ||
	    info->subject == NULL || info->message_id == NULL) {
		wm_mime_info_clear(info);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	return 0;
}
