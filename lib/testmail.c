/*
 * testmail.c - see testmail.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "err.h"
#include "log.h"
#include "outbound.h"
#include "testmail.h"
#include "util.h"

#define MAX_RCPTS	100
#define MAX_HEADERS	50

static const char *const field_names[WM_TM_COUNT] = {
	"to", "cc", "bcc", "from", "sender", "subject", "headers", "body"
};

const char *
wm_testmail_field_name(enum wm_testmail_field f)
{
	return (unsigned)f < WM_TM_COUNT ? field_names[f] : "unknown";
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static void
init_mime(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

/* Appends the plain addresses of l to rcpts (NULL-terminated); -1 if one is not one. */
static int
add_rcpts(InternetAddressList *l, char **rcpts, size_t *n)
{
	int i, len = internet_address_list_length(l);
	InternetAddress *ia;
	const char *addr;

	for (i = 0; i < len; i++) {
		ia = internet_address_list_get_address(l, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			return -1;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		if (addr == NULL || strchr(addr, '@') == NULL ||
		    strpbrk(addr, " \t<>,") != NULL || *n >= MAX_RCPTS)
			return -1;
		rcpts[(*n)++] = wm_strdup(addr);
		rcpts[*n] = NULL;
	}
	return 0;
}

/* An address list field: parsed, and its addresses added to rcpts when given. */
static int
address_field(const char *name, const char *text, int required, int single,
    char **rcpts, size_t *n, struct wm_err *err)
{
	InternetAddressList *l;
	size_t dummy = 0;
	char *none[MAX_RCPTS + 1];
	int rc;

	if (wm_has_crlf(text))
		return wm_err_set(err, EX_DATAERR, "%s: line breaks are not "
		    "allowed", name);
	if (*text == '\0')
		return required ? wm_err_set(err, EX_DATAERR, "%s: required",
		    name) : 0;
	if ((l = internet_address_list_parse(NULL, text)) == NULL ||
	    internet_address_list_length(l) == 0) {
		if (l != NULL)
			g_object_unref(l);
		return wm_err_set(err, EX_DATAERR, "%s: not an address list", name);
	}
	if (single && internet_address_list_length(l) != 1)
		rc = -1;
	else
		rc = add_rcpts(l, rcpts ? rcpts : none, rcpts ? n : &dummy);
	if (rcpts == NULL)
		while (dummy > 0)
			free(none[--dummy]);
	g_object_unref(l);
	return rc == -1 ? wm_err_set(err, EX_DATAERR, "%s: not a valid address%s",
	    name, single ? "" : " list") : 0;
}

static int
header_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 76)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ':')
			return 0;
	return 1;
}

/* "Name: value" lines, each a header the box may add. */
static int
headers_field(const char *text, GMimeObject *m, struct wm_err *err)
{
	const char *line = text, *nl, *colon;
	char name[80], *value;
	int count = 0;

	for (; *line != '\0'; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			continue;
		colon = memchr(line, ':', len);
		if (colon == NULL || !header_name_ok(line, (size_t)(colon - line)) ||
		    ++count > MAX_HEADERS || memchr(line, '\r', len) != NULL)
			return wm_err_set(err, EX_DATAERR, "headers: one name:value "
			    "pair per line (line %d)", count ? count : 1);
		snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
		if (m != NULL && (value = g_strndup(colon + 1, len - (size_t)(colon -
		    line) - 1)) != NULL) {
			g_mime_object_append_header(m, name, g_strstrip(value), "utf-8");
			g_free(value);
		}
	}
	return 0;
}

static int
check_one(const struct wm_testmail *t, int f, struct wm_err *err)
{
	switch (f) {
	case WM_TM_TO:
		return address_field("to", nz(t->to), 1, 0, NULL, NULL, err);
	case WM_TM_CC:
		return address_field("cc", nz(t->cc), 0, 0, NULL, NULL, err);
	case WM_TM_BCC:
		return address_field("bcc", nz(t->bcc), 0, 0, NULL, NULL, err);
	case WM_TM_FROM:
		return address_field("from", nz(t->from), 1, 1, NULL, NULL, err);
	case WM_TM_SENDER:
		return address_field("sender", nz(t->sender), 0, 1, NULL, NULL, err);
	case WM_TM_SUBJECT:
		return wm_has_crlf(nz(t->subject)) ? wm_err_set(err, EX_DATAERR,
		    "subject: line breaks are not allowed") : 0;
	case WM_TM_HEADERS:
		return headers_field(nz(t->headers), NULL, err);
	default:
		return g_utf8_validate(nz(t->body), -1, NULL) &&
		    g_utf8_strlen(nz(t->body), -1) <= WM_TESTMAIL_BODY_MAX ? 0 :
		    wm_err_set(err, EX_DATAERR, "body: at most %d characters of "
		    "UTF-8 text", WM_TESTMAIL_BODY_MAX);
	}
}

int
wm_testmail_check(const struct wm_testmail *t, struct wm_err errs[WM_TM_COUNT],
    struct wm_err *err)
{
	struct wm_err e;
	int f, bad = 0;

	init_mime();
	for (f = 0; f < WM_TM_COUNT; f++) {
		wm_err_clear(&e);
		if (check_one(t, f, &e) == -1 && bad++ == 0)
			*err = e;
		if (errs != NULL)
			errs[f] = e;
	}
	return bad ? -1 : 0;
}

static void
free_rcpts(char **rcpts, size_t n)
{
	while (n > 0)
		free(rcpts[--n]);
}

static GMimeMessage *
build(const struct wm_testmail *t, char **rcpts, size_t *n, struct wm_err *err)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeTextPart *body;
	GDateTime *now;
	char *id;

	if (address_field("to", nz(t->to), 1, 0, rcpts, n, err) == -1 ||
	    address_field("cc", nz(t->cc), 0, 0, rcpts, n, err) == -1 ||
	    address_field("bcc", nz(t->bcc), 0, 0, rcpts, n, err) == -1) {
		g_object_unref(m);
		return NULL;
	}
	g_mime_object_set_header(GMIME_OBJECT(m), "From", nz(t->from), "utf-8");
	g_mime_object_set_header(GMIME_OBJECT(m), "To", nz(t->to), "utf-8");
	if (*nz(t->cc) != '\0')
		g_mime_object_set_header(GMIME_OBJECT(m), "Cc", t->cc, "utf-8");
	g_mime_message_set_subject(m, nz(t->subject), "utf-8");
	now = g_date_time_new_now_utc();
	g_mime_message_set_date(m, now);
	g_date_time_unref(now);
	id = g_mime_utils_generate_message_id("wm.invalid");
	g_mime_message_set_message_id(m, id);
	g_free(id);
	headers_field(nz(t->headers), GMIME_OBJECT(m), err);
	body = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(body, nz(t->body));
	g_mime_message_set_mime_part(m, GMIME_OBJECT(body));
	g_object_unref(body);
	return m;
}

static int
serialize(GMimeMessage *m, struct wm_buf *out, struct wm_err *err)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *ba;
	int rc;

	g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, s);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	rc = wm_buf_append(out, ba->data, ba->len);
	g_object_unref(s);
	return rc == -1 ? wm_err_set(err, EX_TEMPFAIL, "out of memory") : 0;
}

/* The envelope sender: the Sender field's address, "" for none typed. */
static char *
envelope(const struct wm_testmail *t)
{
	char *one[2] = { NULL, NULL };
	size_t n = 0;
	struct wm_err ignored;

	if (*nz(t->sender) == '\0' ||
	    address_field("sender", t->sender, 0, 1, one, &n, &ignored) == -1)
		return wm_strdup("");
	return one[0];
}

int
wm_testmail_send(struct wm_config *cfg, const struct wm_testmail *t,
    char **message_id, struct wm_err *err)
{
	char *rcpts[MAX_RCPTS * 3 + 1] = { NULL }, *sender;
	struct wm_buf out;
	GMimeMessage *m;
	size_t n = 0;
	int rc;

	if (wm_testmail_check(t, NULL, err) == -1)
		return -1;
	if ((m = build(t, rcpts, &n, err)) == NULL) {
		free_rcpts(rcpts, n);
		return -1;
	}
	wm_buf_init(&out);
	sender = envelope(t);
	rc = serialize(m, &out, err);
	if (rc == 0 && sender != NULL)
		rc = wm_sendmail(cfg, sender, (const char *const *)rcpts, out.data,
		    out.len, err);
	if (rc == 0) {
		wm_log(LOG_INFO, "test mail %s to %zu recipient(s)",
		    g_mime_message_get_message_id(m), n);
		if (message_id != NULL)
			*message_id = wm_strdup(g_mime_message_get_message_id(m));
	}
	free(sender);
	wm_buf_free(&out);
	g_object_unref(m);
	free_rcpts(rcpts, n);
	return rc;
}
