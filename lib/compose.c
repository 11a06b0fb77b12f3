/*
 * compose.c - see compose.h.
 *
 * GMime writes the mail (header encoding, folding, RFC 2231 parameters,
 * quoted-printable and base64); this file decides what goes in and refuses
 * what a user must not be able to smuggle into a header.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <gio/gio.h>
#include <gmime/gmime.h>
#include <openssl/evp.h>

#include "address.h"
#include "compose.h"
#include "instance.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "mailbox.h"
#include "message.h"
#include "mime.h"
#include "outbound.h"
#include "prefs.h"
#include "util.h"
#include "view.h"

#define MAX_RCPTS	50		/* wm_sendmail takes at most 63 */
#define MAX_REFS	20		/* References kept from the original */

struct att {
	char		*name;
	char		*type;
	struct wm_buf	 data;
};

struct wm_compose {
	char			 from[WM_ADDRESS_MAX + 1];
	char			*to;		/* as shown in the form */
	char			*cc;
	char			*subject;
	char			*body;
	InternetAddressList	*to_list;	/* canonical addresses */
	InternetAddressList	*cc_list;
	char			**rcpts;	/* NULL-terminated */
	char			*in_reply_to;
	char			*references;
	char			*message_id;
	int			 is_reply;
	/* Who a reply may go to when new mail is not allowed (M4). */
	InternetAddressList	*reply_set;
	struct att		*att;
	size_t			 natt;
	long long		 max;
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

static int
oom(struct wm_err *err)
{
	return wm_err_set(err, EX_OSERR, "out of memory");
}

static int
set_str(char **dst, const char *s, struct wm_err *err)
{
	char *n = wm_strdup(s != NULL ? s : "");

	if (n == NULL)
		return oom(err);
	free(*dst);
	*dst = n;
	return 0;
}

struct wm_compose *
wm_compose_new(const char *from, struct wm_err *err)
{
	struct wm_compose *c;

	mime_init();
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		oom(err);
		return NULL;
	}
	if (from == NULL || wm_has_crlf(from)) {
		wm_err_set(err, EX_DATAERR, "sender: not an address");
		free(c);
		return NULL;
	}
	if (wm_address_normalize(from, c->from, sizeof(c->from), err) == -1) {
		wm_err_wrap(err, "sender");
		free(c);
		return NULL;
	}
	c->to_list = internet_address_list_new();
	c->cc_list = internet_address_list_new();
	if (set_str(&c->to, "", err) == -1 || set_str(&c->cc, "", err) == -1 ||
	    set_str(&c->subject, "", err) == -1 ||
	    set_str(&c->body, "", err) == -1) {
		wm_compose_free(c);
		return NULL;
	}
	return c;
}

static void
free_rcpts(struct wm_compose *c)
{
	size_t i;

	for (i = 0; c->rcpts != NULL && c->rcpts[i] != NULL; i++)
		free(c->rcpts[i]);
	free(c->rcpts);
	c->rcpts = NULL;
}

void
wm_compose_free(struct wm_compose *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->to);
	free(c->cc);
	free(c->subject);
	free(c->body);
	if (c->to_list != NULL)
		g_object_unref(c->to_list);
	if (c->cc_list != NULL)
		g_object_unref(c->cc_list);
	if (c->reply_set != NULL)
		g_object_unref(c->reply_set);
	free_rcpts(c);
	free(c->in_reply_to);
	free(c->references);
	free(c->message_id);
	for (i = 0; i < c->natt; i++) {
		free(c->att[i].name);
		free(c->att[i].type);
		wm_buf_free(&c->att[i].data);
	}
	free(c->att);
	free(c);
}

/* ---- sizes ---- */

void
wm_compose_set_max_attachment(struct wm_compose *c, long long bytes)
{
	c->max = bytes > 0 ? bytes : 0;
}

int
wm_compose_max_attachment(struct wm_db *db, const char *user, long long *bytes,
    struct wm_err *err)
{
	return wm_pref_user_num(db, user, "max-attachment-size", bytes, err);
}

static void
human_size(long long n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%lld bytes", n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%.1f KB", n / 1024.0);
	else
		snprintf(out, len, "%.1f MB", n / (1024.0 * 1024.0));
}

/* The rule of max-attachment-size: each attachment and all of them together. */
static int
check_size(const struct wm_compose *c, const char *name, size_t len,
    long long total, struct wm_err *err)
{
	char a[32], lim[32];

	if (c->max == 0)
		return 0;
	human_size(c->max, lim, sizeof(lim));
	if ((long long)len > c->max) {
		human_size((long long)len, a, sizeof(a));
		return wm_err_set(err, EX_DATAERR, "attachment \"%.80s\" is %s, "
		    "more than the %s allowed", name, a, lim);
	}
	if (total + (long long)len > c->max) {
		human_size(total + (long long)len, a, sizeof(a));
		return wm_err_set(err, EX_DATAERR, "with \"%.80s\" the attachments "
		    "come to %s, more than the %s allowed in all", name, a, lim);
	}
	return 0;
}

static int
check_all_sizes(const struct wm_compose *c, struct wm_err *err)
{
	long long total = 0;
	size_t i;

	for (i = 0; i < c->natt; i++) {
		if (check_size(c, c->att[i].name, c->att[i].data.len, total,
		    err) == -1)
			return -1;
		total += (long long)c->att[i].data.len;
	}
	return 0;
}

/* ---- addresses ---- */

static int
list_has(InternetAddressList *l, const char *addr)
{
	int i, n = internet_address_list_length(l);

	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia) && strcasecmp(addr,
		    internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia))) == 0)
			return 1;
	}
	return 0;
}

static void
list_add(InternetAddressList *l, const char *name, const char *canon)
{
	InternetAddress *ia;

	if (list_has(l, canon))
		return;
	ia = internet_address_mailbox_new(name != NULL && *name != '\0' ?
	    name : NULL, canon);
	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(l, ia);
	g_object_unref(ia);
}

/*
 * Splits at commas and semicolons outside quotes, comments and angle
 * brackets, so that each piece must be exactly one address: GMime's
 * forgiving parser would otherwise drop what follows a ';' in silence.
 */
static char **
split_list(const char *s)
{
	char **out;
	size_t n = 0, cap = 8;
	const char *start = s;
	int quote = 0, paren = 0, angle = 0;

	if ((out = calloc(cap, sizeof(*out))) == NULL)
		return NULL;
	for (;; s++) {
		if (*s == '\0' || (!quote && !paren && !angle &&
		    (*s == ',' || *s == ';'))) {
			if (n + 2 > cap) {
				char **no = realloc(out, cap * 2 * sizeof(*out));

				if (no == NULL)
					goto fail;
				out = no;
				cap *= 2;
			}
			if ((out[n] = strndup(start, (size_t)(s - start))) == NULL)
				goto fail;
			out[++n] = NULL;
			if (*s == '\0')
				return out;
			start = s + 1;
			continue;
		}
		if (*s == '\\' && (quote || paren) && s[1] != '\0')
			s++;
		else if (*s == '"' && !paren)
			quote = !quote;
		else if (!quote && *s == '(')
			paren++;
		else if (!quote && *s == ')' && paren > 0)
			paren--;
		else if (!quote && !paren && *s == '<')
			angle = 1;
		else if (!quote && !paren && *s == '>')
			angle = 0;
	}
fail:
	for (n = 0; out[n] != NULL; n++)
		free(out[n]);
	free(out);
	return NULL;
}

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

/*
 * GMime reads "a@b@c" as a@b and drops the rest; the address it found must
 * stand in the typed text as a whole word.
 */
static int
found_whole(const char *piece, const char *addr)
{
	size_t n = strlen(addr);
	const char *p;

	if (n == 0)
		return 0;
	for (p = strstr(piece, addr); p != NULL; p = strstr(p + 1, addr)) {
		int before = p == piece || strchr(" \t<", p[-1]) != NULL;
		int after = p[n] == '\0' || strchr(" \t>(", p[n]) != NULL;

		if (before && after)
			return 1;
	}
	return 0;
}

/* One typed address (with optional display name) into l, canonical. */
static int
add_typed(InternetAddressList *l, const char *field, const char *piece,
    struct wm_err *err)
{
	InternetAddressList *one;
	InternetAddress *ia;
	const char *addr;
	char canon[WM_ADDRESS_MAX + 1];
	struct wm_err e;

	one = internet_address_list_parse(NULL, piece);
	if (one == NULL || internet_address_list_length(one) != 1 ||
	    !INTERNET_ADDRESS_IS_MAILBOX(ia =
	    internet_address_list_get_address(one, 0))) {
		if (one != NULL)
			g_object_unref(one);
		return wm_err_set(err, EX_DATAERR, "%s: \"%.80s\" is not one "
		    "address", field, piece);
	}
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (!found_whole(piece, addr)) {
		g_object_unref(one);
		return wm_err_set(err, EX_DATAERR, "%s: \"%.80s\" is not a valid "
		    "address", field, piece);
	}
	if (wm_address_normalize(addr, canon, sizeof(canon), &e) == -1) {
		g_object_unref(one);
		return wm_err_set(err, EX_DATAERR, "%s: \"%.80s\": %s", field,
		    piece, e.msg);
	}
	list_add(l, internet_address_get_name(ia), canon);
	g_object_unref(one);
	return 0;
}

static int
parse_typed(const char *field, const char *text, InternetAddressList **out,
    struct wm_err *err)
{
	InternetAddressList *l;
	char **pieces;
	size_t i;
	int rc = 0;

	if (text == NULL)
		text = "";
	if (wm_has_crlf(text))
		return wm_err_set(err, EX_DATAERR, "%s: line breaks are not "
		    "allowed", field);
	if ((pieces = split_list(text)) == NULL)
		return oom(err);
	l = internet_address_list_new();
	for (i = 0; pieces[i] != NULL; i++) {
		if (rc == 0 && !blank(pieces[i]))
			rc = add_typed(l, field, pieces[i], err);
		free(pieces[i]);
	}
	free(pieces);
	if (rc == 0 && internet_address_list_length(l) > MAX_RCPTS)
		rc = wm_err_set(err, EX_DATAERR, "%s: more than %d addresses",
		    field, MAX_RCPTS);
	if (rc == -1) {
		g_object_unref(l);
		return -1;
	}
	*out = l;
	return 0;
}

static char *
list_text(InternetAddressList *l)
{
	char *g = internet_address_list_to_string(l, NULL, FALSE);
	char *s = wm_strdup(g != NULL ? g : "");

	g_free(g);
	return s;
}

static int
rebuild_rcpts(struct wm_compose *c, struct wm_err *err)
{
	InternetAddressList *lists[2] = { c->to_list, c->cc_list };
	size_t n = 0, k, j;
	int i, len;

	free_rcpts(c);
	len = internet_address_list_length(c->to_list) +
	    internet_address_list_length(c->cc_list);
	if ((c->rcpts = calloc((size_t)len + 1, sizeof(char *))) == NULL)
		return oom(err);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < internet_address_list_length(lists[k]); i++) {
			const char *a = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(
			    internet_address_list_get_address(lists[k], i)));

			for (j = 0; j < n; j++)
				if (strcasecmp(c->rcpts[j], a) == 0)
					break;
			if (j < n)
				continue;
			if ((c->rcpts[n++] = wm_strdup(a)) == NULL)
				return oom(err);
		}
	}
	return 0;
}

static int
set_list(struct wm_compose *c, int cc, const char *text, struct wm_err *err)
{
	InternetAddressList *l = NULL, **dst = cc ? &c->cc_list : &c->to_list;
	char *shown;

	if (parse_typed(cc ? "Cc" : "To", text, &l, err) == -1)
		return -1;
	if ((shown = list_text(l)) == NULL) {
		g_object_unref(l);
		return oom(err);
	}
	g_object_unref(*dst);
	*dst = l;
	free(cc ? c->cc : c->to);
	*(cc ? &c->cc : &c->to) = shown;
	return rebuild_rcpts(c, err);
}

int
wm_compose_set_to(struct wm_compose *c, const char *text, struct wm_err *err)
{
	return set_list(c, 0, text, err);
}

int
wm_compose_set_cc(struct wm_compose *c, const char *text, struct wm_err *err)
{
	return set_list(c, 1, text, err);
}

/* ---- the other fields ---- */

int
wm_compose_set_subject(struct wm_compose *c, const char *s, struct wm_err *err)
{
	char *v;

	if (s == NULL)
		s = "";
	if (wm_has_crlf(s))
		return wm_err_set(err, EX_DATAERR, "Subject: line breaks are not "
		    "allowed");
	if (strlen(s) > 900)
		return wm_err_set(err, EX_DATAERR, "Subject: too long");
	if ((v = g_utf8_make_valid(s, -1)) == NULL)
		return oom(err);
	if (set_str(&c->subject, v, err) == -1) {
		g_free(v);
		return -1;
	}
	g_free(v);
	return 0;
}

/* Browsers post CRLF; the mail is written with LF and GMime encodes it. */
int
wm_compose_set_body(struct wm_compose *c, const char *s, struct wm_err *err)
{
	struct wm_buf b;
	char *v;
	const char *p;

	if (s == NULL)
		s = "";
	if ((v = g_utf8_make_valid(s, -1)) == NULL)
		return oom(err);
	wm_buf_init(&b);
	wm_buf_append(&b, "", 0);
	for (p = v; *p != '\0'; p++) {
		if (*p == '\r') {
			if (p[1] != '\n')
				wm_buf_append(&b, "\n", 1);
			continue;
		}
		if (wm_buf_append(&b, p, 1) == -1)
			break;
	}
	g_free(v);
	if (b.data == NULL)
		return oom(err);
	free(c->body);
	c->body = wm_buf_take(&b);
	return 0;
}

static int
type_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && strchr("!#$&^_.+-", s[i]) == NULL)
			return 0;
	return 1;
}

/* "type/subtype" of two tokens, lower case; NULL when s is not one. */
static char *
valid_type(const char *s)
{
	const char *slash;
	char *t;

	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    !type_token(s, (size_t)(slash - s)) ||
	    !type_token(slash + 1, strlen(slash + 1)))
		return NULL;
	if ((t = wm_strdup(s)) == NULL)
		return NULL;
	for (char *p = t; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	return t;
}

static char *
guess_type(const char *name, const void *data, size_t len)
{
	gboolean uncertain = FALSE;
	gchar *ct, *mime;
	char *t = NULL;

	ct = g_content_type_guess(name, data, len, &uncertain);
	mime = ct != NULL ? g_content_type_get_mime_type(ct) : NULL;
	if (mime != NULL && !uncertain)
		t = valid_type(mime);
	g_free(mime);
	g_free(ct);
	return t != NULL ? t : wm_strdup("application/octet-stream");
}

int
wm_compose_attach(struct wm_compose *c, const char *filename,
    const char *content_type, const void *data, size_t len, struct wm_err *err)
{
	struct att *na, *a;
	long long total = 0;
	size_t i;
	char *name;

	if (filename != NULL && wm_has_crlf(filename))
		return wm_err_set(err, EX_DATAERR, "attachment name: line breaks "
		    "are not allowed");
	if ((name = wm_view_safe_filename(filename, "attachment")) == NULL)
		return oom(err);
	for (i = 0; i < c->natt; i++)
		total += (long long)c->att[i].data.len;
	if (check_size(c, name, len, total, err) == -1) {
		free(name);
		return -1;
	}
	if ((na = realloc(c->att, (c->natt + 1) * sizeof(*na))) == NULL) {
		free(name);
		return oom(err);
	}
	c->att = na;
	a = &c->att[c->natt];
	a->name = name;
	wm_buf_init(&a->data);
	a->type = valid_type(content_type);
	if (a->type == NULL)
		a->type = guess_type(name, data, len);
	if (a->type == NULL || wm_buf_append(&a->data, data, len) == -1) {
		free(a->type);
		free(a->name);
		wm_buf_free(&a->data);
		return oom(err);
	}
	c->natt++;
	return 0;
}

const char *
wm_compose_to(const struct wm_compose *c)
{
	return c->to;
}

const char *
wm_compose_cc(const struct wm_compose *c)
{
	return c->cc;
}

const char *
wm_compose_subject(const struct wm_compose *c)
{
	return c->subject;
}

const char *
wm_compose_body(const struct wm_compose *c)
{
	return c->body;
}

int
wm_compose_is_reply(const struct wm_compose *c)
{
	return c->is_reply;
}

const char *const *
wm_compose_recipients(const struct wm_compose *c)
{
	static const char *const none[] = { NULL };

	return c->rcpts != NULL ? (const char *const *)c->rcpts : none;
}

/* ---- replies ---- */

/* Every address of a decoded header that this box would accept. */
static void
add_from_header(InternetAddressList *dst, const char *text, const char *skip)
{
	InternetAddressList *l;
	int i;

	if (text == NULL || *text == '\0' ||
	    (l = internet_address_list_parse(NULL, text)) == NULL)
		return;
	for (i = 0; i < internet_address_list_length(l); i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		char canon[WM_ADDRESS_MAX + 1];
		struct wm_err e;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			char *members = internet_address_list_to_string(
			    internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)), NULL, FALSE);

			add_from_header(dst, members, skip);
			g_free(members);
			continue;
		}
		if (wm_address_normalize(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)), canon, sizeof(canon), &e) == -1)
			continue;
		if (skip != NULL && strcasecmp(canon, skip) == 0)
			continue;
		list_add(dst, internet_address_get_name(ia), canon);
	}
	g_object_unref(l);
}

static int
is_re(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (g_ascii_strncasecmp(s, "re", 2) != 0)
		return 0;
	s += 2;
	while (*s == ' ')
		s++;
	return *s == ':';
}

/* A message id fit for In-Reply-To: no blanks, brackets or controls. */
static int
id_ok(const char *id)
{
	if (id == NULL || *id == '\0' || strlen(id) > 900)
		return 0;
	for (; *id != '\0'; id++)
		if ((unsigned char)*id <= 0x20 || *id == '<' || *id == '>' ||
		    *id == 0x7f)
			return 0;
	return 1;
}

static char *
references(const struct wm_view_headers *h)
{
	GMimeReferences *refs;
	struct wm_buf b;
	int i, n, first;

	refs = g_mime_references_parse(NULL, *h->references != '\0' ?
	    h->references : h->in_reply_to);
	wm_buf_init(&b);
	wm_buf_append(&b, "", 0);
	n = refs != NULL ? g_mime_references_length(refs) : 0;
	first = n > MAX_REFS - 1 ? n - (MAX_REFS - 1) : 0;
	for (i = first; i < n; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);

		if (id_ok(id) && strcmp(id, h->message_id) != 0)
			wm_buf_printf(&b, "%s<%s>", b.len ? " " : "", id);
	}
	if (refs != NULL)
		g_mime_references_free(refs);
	if (id_ok(h->message_id))
		wm_buf_printf(&b, "%s<%s>", b.len ? " " : "", h->message_id);
	return wm_buf_take(&b);
}

static char *
quoted(const struct wm_view *orig)
{
	const struct wm_view_headers *h = wm_view_headers(orig);
	const char *text = wm_view_text(orig), *p, *nl;
	const char *who = *h->from != '\0' ? h->from : "the sender";
	struct wm_buf b;

	wm_buf_init(&b);
	if (*h->date != '\0')
		wm_buf_printf(&b, "\n\nOn %s, %s wrote:\n", h->date, who);
	else
		wm_buf_printf(&b, "\n\n%s wrote:\n", who);
	for (p = text != NULL ? text : ""; *p != '\0'; p = nl + 1) {
		size_t n;

		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		/* Quote marks stack without a blank: ">> " not "> > ". */
		wm_buf_puts(&b, n > 0 && *p == '>' ? ">" : "> ");
		wm_buf_append(&b, p, n);
		wm_buf_append(&b, "\n", 1);
		if (nl == NULL)
			break;
	}
	return wm_buf_take(&b);
}

int
wm_compose_reply(struct wm_compose *c, const struct wm_view *orig, int all,
    struct wm_err *err)
{
	const struct wm_view_headers *h = wm_view_headers(orig);
	InternetAddressList *to = internet_address_list_new();
	InternetAddressList *cc = internet_address_list_new();
	char *tos, *ccs, *subject, *body, *refs, *irt;

	add_from_header(to, *h->reply_to != '\0' ? h->reply_to : h->from, NULL);
	/* Answering one's own mail (from Sent) continues with its recipients. */
	if (internet_address_list_length(to) == 1 && list_has(to, c->from)) {
		internet_address_list_clear(to);
		add_from_header(to, h->to, c->from);
	}
	if (all) {
		/* Everyone else who got it, once, and never the user. */
		add_from_header(cc, h->to, c->from);
		add_from_header(cc, h->cc, c->from);
		for (int i = internet_address_list_length(cc) - 1; i >= 0; i--) {
			InternetAddress *ia = internet_address_list_get_address(cc, i);

			if (list_has(to, internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia))))
				internet_address_list_remove_at(cc, i);
		}
	}
	tos = list_text(to);
	ccs = list_text(cc);
	subject = is_re(h->subject) ? wm_strdup(h->subject) :
	    wm_asprintf("Re: %s", h->subject);
	body = quoted(orig);
	refs = references(h);
	irt = id_ok(h->message_id) ? wm_asprintf("<%s>", h->message_id) :
	    wm_strdup("");
	if (tos == NULL || ccs == NULL || subject == NULL || body == NULL ||
	    refs == NULL || irt == NULL) {
		g_object_unref(to);
		g_object_unref(cc);
		free(tos);
		free(ccs);
		free(subject);
		free(body);
		free(refs);
		free(irt);
		return oom(err);
	}
	if (c->reply_set != NULL)
		g_object_unref(c->reply_set);
	c->reply_set = internet_address_list_new();
	internet_address_list_append(c->reply_set, to);
	internet_address_list_append(c->reply_set, cc);
	g_object_unref(c->to_list);
	g_object_unref(c->cc_list);
	c->to_list = to;
	c->cc_list = cc;
	free(c->to);
	c->to = tos;
	free(c->cc);
	c->cc = ccs;
	free(c->subject);
	c->subject = subject;
	free(c->body);
	c->body = body;
	free(c->references);
	c->references = refs;
	free(c->in_reply_to);
	c->in_reply_to = irt;
	c->is_reply = 1;
	return rebuild_rcpts(c, err);
}

/* ---- building ---- */

static GMimeObject *
bytes_part(const char *type, const void *data, size_t len)
{
	GMimeContentType *ct = g_mime_content_type_parse(NULL, type);
	GMimePart *p;
	GMimeStream *s;
	GMimeDataWrapper *w;

	p = g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
	    g_mime_content_type_get_media_subtype(ct));
	g_object_unref(ct);
	s = g_mime_stream_mem_new_with_buffer(data, len);
	w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(p, w);
	g_object_unref(w);
	g_object_unref(s);
	return GMIME_OBJECT(p);
}

/* GMime picks the smallest charset for RFC 2231; the reader expects UTF-8. */
static void
utf8_param(GMimeParamList *l, const char *name)
{
	GMimeParam *p = l != NULL ? g_mime_param_list_get_parameter(l, name) : NULL;

	if (p != NULL)
		g_mime_param_set_charset(p, "UTF-8");
}

static GMimeObject *
attachment_part(const struct att *a)
{
	GMimeObject *o = bytes_part(a->type, a->data.data ? a->data.data : "",
	    a->data.len);

	g_mime_part_set_content_encoding(GMIME_PART(o),
	    GMIME_CONTENT_ENCODING_BASE64);
	g_mime_part_set_filename(GMIME_PART(o), a->name);
	utf8_param(g_mime_content_disposition_get_parameters(
	    g_mime_object_get_content_disposition(o)), "filename");
	utf8_param(g_mime_content_type_get_parameters(
	    g_mime_object_get_content_type(o)), "name");
	return o;
}

static GMimeObject *
text_part(const char *body)
{
	GMimeObject *o = bytes_part("text/plain", body, strlen(body));

	g_mime_object_set_content_type_parameter(o, "charset", "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(o),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return o;
}

static GMimeObject *
body_of(const struct wm_compose *c)
{
	GMimeMultipart *mp;
	GMimeObject *o;
	size_t i;

	if (c->natt == 0)
		return text_part(c->body);
	mp = g_mime_multipart_new_with_subtype("mixed");
	o = text_part(c->body);
	g_mime_multipart_add(mp, o);
	g_object_unref(o);
	for (i = 0; i < c->natt; i++) {
		o = attachment_part(&c->att[i]);
		g_mime_multipart_add(mp, o);
		g_object_unref(o);
	}
	return GMIME_OBJECT(mp);
}

int
wm_compose_build(struct wm_compose *c, struct wm_buf *out, struct wm_err *err)
{
	GMimeMessage *m;
	GMimeObject *body;
	GMimeStream *s;
	GByteArray *ba;
	GDateTime *dt;
	size_t n;
	int rc;

	if (c->rcpts == NULL || c->rcpts[0] == NULL)
		return wm_err_set(err, EX_DATAERR, "add at least one recipient");
	for (n = 0; c->rcpts[n] != NULL; n++)
		;
	if (n > MAX_RCPTS)
		return wm_err_set(err, EX_DATAERR, "more than %d recipients",
		    MAX_RCPTS);
	if (c->message_id == NULL) {
		gchar *id = g_mime_utils_generate_message_id(
		    wm_address_domain(c->from));

		c->message_id = wm_strdup(id);
		g_free(id);
		if (c->message_id == NULL)
			return oom(err);
	}
	m = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, NULL, c->from);
	internet_address_list_append(g_mime_message_get_to(m), c->to_list);
	/* An empty list would still write an empty "Cc: " header. */
	if (internet_address_list_length(c->cc_list) > 0)
		internet_address_list_append(g_mime_message_get_cc(m),
		    c->cc_list);
	g_mime_message_set_subject(m, c->subject, "utf-8");
	dt = g_date_time_new_from_unix_utc((gint64)wm_now());
	g_mime_message_set_date(m, dt);
	g_date_time_unref(dt);
	g_mime_message_set_message_id(m, c->message_id);
	if (c->in_reply_to != NULL && *c->in_reply_to != '\0')
		g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To",
		    c->in_reply_to, NULL);
	if (c->references != NULL && *c->references != '\0')
		g_mime_object_set_header(GMIME_OBJECT(m), "References",
		    c->references, NULL);
	/* Routes the mail through the Webmail relay host (see wm-init(8)). */
	g_mime_object_set_header(GMIME_OBJECT(m), WM_RELAY_HEADER,
	    WM_RELAY_HEADER_VALUE, NULL);
	body = body_of(c);
	g_mime_message_set_mime_part(m, body);
	g_object_unref(body);
	s = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, s);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	rc = wm_buf_append(out, ba->data, ba->len);
	g_object_unref(s);
	g_object_unref(m);
	return rc == -1 ? oom(err) : 0;
}

/* ---- sending ---- */

static int
sent_key(const struct wm_buf *mail, const char *owner, char *hex,
    struct wm_err *err)
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, mail->data, mail->len) &&
	    EVP_DigestUpdate(ctx, "\0sent\0", 6) &&
	    EVP_DigestUpdate(ctx, owner, strlen(owner)) &&
	    EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	if (!ok || n != sizeof(md))
		return wm_err_set(err, EX_SOFTWARE, "sha256 failed");
	wm_hex(md, sizeof(md), hex);
	return 0;
}

/* The Sent copy: a maildir file and its index row, like delivered mail. */
static int
keep_copy(struct wm_config *cfg, struct wm_db *db, struct wm_compose *c,
    const struct wm_buf *mail, long long *id, struct wm_err *err)
{
	struct wm_mime_info info;
	struct wm_message m;
	const char *root = wm_config_path(cfg, "mail");
	char key[65], *file = NULL;
	int rc = -1;

	memset(&info, 0, sizeof(info));
	memset(&m, 0, sizeof(m));
	if (root == NULL)
		return wm_err_set(err, EX_CONFIG, "no [paths] mail");
	if (sent_key(mail, c->from, key, err) == -1 ||
	    wm_mime_index(mail->data, mail->len, &info, err) == -1)
		goto done;
	if (wm_mailbox_store_folder(root, c->from, "Sent", mail->data,
	    mail->len, &file, err) == -1)
		goto done;
	m.mailbox = c->from;
	m.folder = "sent";
	m.file = file;
	m.delivery_key = key;
	m.envelope_sender = c->from;
	m.from_addr = info.from;
	m.to_addr = info.to;
	m.cc_addr = info.cc;
	m.subject = info.subject;
	m.message_id = info.message_id;
	m.date = info.date;
	m.received = wm_now();
	m.size = (long long)mail->len;
	m.has_attachments = c->natt > 0;
	m.seen = 1;
	if (wm_message_insert(db, &m, err) == -1) {
		struct wm_err e2;

		wm_mailbox_remove(root, c->from, file, &e2);
		goto done;
	}
	*id = m.id;
	rc = 0;
done:
	free(file);
	wm_mime_info_clear(&info);
	return rc;
}

/*
 * Without compose-allowed a reply is no way to mail anyone: every recipient
 * must be one of the mail answered (its sender; with reply-all its
 * recipients), whatever the form says.
 */
static int
reply_elsewhere(const struct wm_compose *c, struct wm_err *err)
{
	const char *const *r;

	for (r = wm_compose_recipients(c); *r != NULL; r++)
		if (c->reply_set == NULL || !list_has(c->reply_set, *r))
			return wm_err_set(err, EX_NOPERM, "a reply can only go to "
			    "the people of the mail you answer; %s is not one of "
			    "them", *r);
	return 0;
}

int
wm_compose_send(struct wm_config *cfg, struct wm_db *db, struct wm_compose *c,
    long long *sent_id, struct wm_err *err)
{
	struct wm_buf mail;
	struct wm_err e2;
	long long id = 0;
	int allowed;

	if (sent_id != NULL)
		*sent_id = 0;
	if (wm_pref_user_bool(db, c->from, "compose-allowed", &allowed,
	    err) == -1)
		return -1;
	if (!c->is_reply && !allowed)
		return wm_err_set(err, EX_NOPERM, "writing new mail is not "
		    "enabled; you can reply to the mail you received");
	if (!allowed && reply_elsewhere(c, err) == -1)
		return -1;
	if (wm_compose_max_attachment(db, c->from, &c->max, err) == -1)
		return -1;
	if (check_all_sizes(c, err) == -1)
		return -1;
	wm_buf_init(&mail);
	if (wm_compose_build(c, &mail, err) == -1) {
		wm_buf_free(&mail);
		return -1;
	}
	if (wm_outbound_submit(cfg, db, c->from, wm_compose_recipients(c),
	    mail.data, mail.len, err) == -1) {
		wm_buf_free(&mail);
		return -1;
	}
	if (keep_copy(cfg, db, c, &mail, &id, &e2) == -1)
		wm_log(LOG_ERR, "%s: mail sent, but its copy in Sent was not "
		    "kept: %s", c->from, e2.msg);
	else
		wm_log(LOG_INFO, "%s: sent mail to %zu recipient(s)", c->from,
		    (size_t)internet_address_list_length(c->to_list) +
		    (size_t)internet_address_list_length(c->cc_list));
	if (sent_id != NULL)
		*sent_id = id;
	wm_buf_free(&mail);
	return 0;
}
