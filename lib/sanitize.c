/*
 * sanitize.c - see sanitize.h.
 *
 * The output is never the input with bad bits cut out: it is a new document
 * written from scratch, where every tag and attribute name comes from the
 * tables below and every value is escaped here.  libxml2 does the parsing
 * (and therefore the entity decoding, so "&#106;avascript:" is seen as
 * "javascript:"); this file only decides what to keep.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "err.h"
#include "sanitize.h"
#include "util.h"

#define CSP	"default-src 'none'; img-src data:; style-src 'unsafe-inline'; " \
		"base-uri 'none'; form-action 'none'; frame-ancestors 'self'; " \
		"sandbox allow-popups allow-popups-to-escape-sandbox"
#define META_CSP "default-src 'none'; img-src data:; style-src 'unsafe-inline'; " \
		"base-uri 'none'; form-action 'none'"

enum action { A_UNWRAP, A_KEEP, A_DROP };

#define T_VOID	0x1		/* no end tag */

struct tag {
	const char	*name;
	int		 flags;
};

/* Formatting that cannot load or run anything by itself. */
static const struct tag keep_tags[] = {
	{ "a", 0 }, { "abbr", 0 }, { "address", 0 }, { "b", 0 }, { "big", 0 },
	{ "blockquote", 0 }, { "br", T_VOID }, { "caption", 0 },
	{ "center", 0 }, { "cite", 0 }, { "code", 0 }, { "col", T_VOID },
	{ "colgroup", 0 }, { "dd", 0 }, { "del", 0 }, { "div", 0 }, { "dl", 0 },
	{ "dt", 0 }, { "em", 0 }, { "font", 0 }, { "h1", 0 }, { "h2", 0 },
	{ "h3", 0 }, { "h4", 0 }, { "h5", 0 }, { "h6", 0 }, { "hr", T_VOID },
	{ "i", 0 }, { "img", T_VOID }, { "ins", 0 }, { "kbd", 0 }, { "li", 0 },
	{ "ol", 0 }, { "p", 0 }, { "pre", 0 }, { "q", 0 }, { "s", 0 },
	{ "samp", 0 }, { "small", 0 }, { "span", 0 }, { "strike", 0 },
	{ "strong", 0 }, { "sub", 0 }, { "sup", 0 }, { "table", 0 },
	{ "tbody", 0 }, { "td", 0 }, { "tfoot", 0 }, { "th", 0 },
	{ "thead", 0 }, { "tr", 0 }, { "tt", 0 }, { "u", 0 }, { "ul", 0 },
	{ "var", 0 }, { "wbr", T_VOID },
};

/*
 * Removed with everything inside: active content, embedded documents, form
 * controls, and elements whose text is not meant to be read (head, title,
 * style).  Any tag in neither list is unwrapped: its children stay.  Void
 * elements (embed, input, meta, link, base, source...) are deliberately not
 * here: libxml2's HTML 4 parser may nest the content that follows an HTML 5
 * void element inside it, and unwrapping drops the element all the same.
 */
static const char *const drop_tags[] = {
	"applet", "audio", "button", "canvas", "datalist", "dialog", "frameset",
	"head", "iframe", "map", "math", "noembed", "noframes", "noscript",
	"object", "optgroup", "option", "picture", "portal", "script", "select",
	"style", "svg", "template", "textarea", "title", "video", "xml",
};

/* Presentational attributes whose values are never URLs. */
static const char *const plain_attrs[] = {
	"abbr", "align", "alt", "bgcolor", "border", "cellpadding",
	"cellspacing", "clear", "color", "colspan", "dir", "face", "height",
	"hspace", "lang", "noshade", "nowrap", "rowspan", "scope", "size",
	"span", "start", "summary", "title", "type", "valign", "value",
	"vspace", "width",
};

/* CSS properties that take no URL and cannot escape the iframe. */
static const char *const css_props[] = {
	"background-color", "border", "border-bottom", "border-bottom-color",
	"border-bottom-style", "border-bottom-width", "border-collapse",
	"border-color", "border-left", "border-left-color", "border-left-style",
	"border-left-width", "border-radius", "border-right",
	"border-right-color", "border-right-style", "border-right-width",
	"border-spacing", "border-style", "border-top", "border-top-color",
	"border-top-style", "border-top-width", "border-width", "clear",
	"color", "direction", "display", "float", "font", "font-family",
	"font-size", "font-style", "font-variant", "font-weight", "height",
	"letter-spacing", "line-height", "list-style-type", "margin",
	"margin-bottom", "margin-left", "margin-right", "margin-top",
	"max-height", "max-width", "min-height", "min-width", "padding",
	"padding-bottom", "padding-left", "padding-right", "padding-top",
	"table-layout", "text-align", "text-decoration", "text-indent",
	"text-transform", "vertical-align", "white-space", "width",
	"word-break", "word-spacing", "word-wrap", "overflow-wrap",
};

/* The only CSS functions kept: colours. */
static const char *const css_funcs[] = { "rgb", "rgba", "hsl", "hsla" };

static const char *const image_types[] = {
	"image/png", "image/gif", "image/jpeg", "image/jpg", "image/webp",
	"image/bmp",
};

struct ctx {
	struct wm_buf		*out;
	struct wm_sanitize	*opt;
	int			 blocked;
	int			 oom;
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static const struct tag *
keep_tag(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(keep_tags); i++)
		if (strcasecmp(name, keep_tags[i].name) == 0)
			return &keep_tags[i];
	return NULL;
}

static enum action
classify(xmlNodePtr n)
{
	const char *name = (const char *)n->name;

	if (name == NULL)
		return A_DROP;
	if (keep_tag(name) != NULL)
		return A_KEEP;
	if (in_list(name, drop_tags, NELEM(drop_tags)))
		return A_DROP;
	/* Namespaced foreign content (svg:svg, m:math) is dropped too. */
	if (strchr(name, ':') != NULL && (strcasestr(name, "svg") != NULL ||
	    strcasestr(name, "math") != NULL))
		return A_DROP;
	return A_UNWRAP;
}

static void
put(struct ctx *c, const char *s, size_t n)
{
	if (!c->oom && wm_buf_append(c->out, s, n) == -1)
		c->oom = 1;
}

static void
puts_(struct ctx *c, const char *s)
{
	put(c, s, strlen(s));
}

/* Text and attribute values: markup characters escaped, controls dropped. */
static void
put_escaped(struct ctx *c, const char *s, int attr)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep = NULL;
		unsigned char ch = (unsigned char)*s;

		if (ch == '&')
			rep = "&amp;";
		else if (ch == '<')
			rep = "&lt;";
		else if (ch == '>')
			rep = "&gt;";
		else if (ch == '"' && attr)
			rep = "&quot;";
		else if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ||
		    ch == 0x7f)
			rep = "";
		else if (attr && (ch == '\n' || ch == '\r' || ch == '\t'))
			rep = " ";
		if (rep == NULL)
			continue;
		put(c, run, (size_t)(s - run));
		puts_(c, rep);
		run = s + 1;
	}
	put(c, run, (size_t)(s - run));
}

static void
put_attr(struct ctx *c, const char *name, const char *value)
{
	puts_(c, " ");
	puts_(c, name);
	puts_(c, "=\"");
	put_escaped(c, value, 1);
	puts_(c, "\"");
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
}

/*
 * Browsers drop leading and trailing C0 controls and spaces from a URL and
 * tab/CR/LF anywhere in it, so "java\tscript:" would run.  Trim the ends
 * the same way and refuse any control byte left inside.  Returns the start
 * and sets *len, or NULL.
 */
static const char *
url_trim(const char *url, size_t *len)
{
	const char *end;

	while (*url != '\0' && (unsigned char)*url <= 0x20)
		url++;
	end = url + strlen(url);
	while (end > url && (unsigned char)end[-1] <= 0x20)
		end--;
	for (const char *p = url; p < end; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	*len = (size_t)(end - url);
	return url;
}

int
wm_sanitize_url_ok(const char *url)
{
	static const char *const schemes[] = { "http://", "https://", "mailto:" };
	size_t len, i;

	if (url == NULL || (url = url_trim(url, &len)) == NULL)
		return 0;
	for (i = 0; i < NELEM(schemes); i++) {
		size_t sl = strlen(schemes[i]);

		if (len > sl && strncasecmp(url, schemes[i], sl) == 0)
			return 1;
	}
	return 0;
}

/*
 * Keeps only data:image/<raster type>;base64,<base64>, with the line breaks
 * a mailer may have folded into the base64 removed; malloc'd or NULL.
 */
static char *
data_image(const char *url)
{
	struct wm_buf b;
	const char *p, *semi, *end;
	size_t i;
	int typed = 0;

	while (*url != '\0' && (unsigned char)*url <= 0x20)
		url++;
	if (strncasecmp(url, "data:", 5) != 0)
		return NULL;
	p = url + 5;
	if ((semi = strchr(p, ';')) == NULL)
		return NULL;
	for (i = 0; i < NELEM(image_types); i++)
		if ((size_t)(semi - p) == strlen(image_types[i]) &&
		    strncasecmp(p, image_types[i], (size_t)(semi - p)) == 0)
			typed = 1;
	if (!typed || strncasecmp(semi, ";base64,", 8) != 0)
		return NULL;
	wm_buf_init(&b);
	if (wm_buf_append(&b, "data:", 5) == -1 ||
	    wm_buf_append(&b, p, (size_t)(semi - p)) == -1 ||
	    wm_buf_puts(&b, ";base64,") == -1)
		goto fail;
	end = semi + strlen(semi);
	for (p = semi + 8; p < end; p++) {
		if (is_space((unsigned char)*p))
			continue;
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '/' &&
		    *p != '=')
			goto fail;
		if (wm_buf_append(&b, p, 1) == -1)
			goto fail;
	}
	return wm_buf_take(&b);
fail:
	wm_buf_free(&b);
	return NULL;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* cid:%3Cabc%40x%3E -> abc@x (RFC 2392 URLs are %-encoded, brackets optional). */
static char *
cid_decode(const char *url, size_t len)
{
	char *out, *o;
	const char *p = url + 4, *end = url + len;
	size_t n;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (o = out; p < end; p++) {
		if (*p == '%' && end - p > 2 && hexval((unsigned char)p[1]) >= 0 &&
		    hexval((unsigned char)p[2]) >= 0) {
			*o++ = (char)(hexval((unsigned char)p[1]) * 16 +
			    hexval((unsigned char)p[2]));
			p += 2;
		} else
			*o++ = *p;
	}
	*o = '\0';
	n = strlen(out);
	if (n >= 2 && out[0] == '<' && out[n - 1] == '>') {
		memmove(out, out + 1, n - 2);
		out[n - 2] = '\0';
	}
	return out;
}

static char *
image_src(struct ctx *c, const char *src)
{
	const char *t;
	char *id, *data, *ok;
	size_t len;

	if ((t = url_trim(src, &len)) != NULL && len > 4 &&
	    strncasecmp(t, "cid:", 4) == 0) {
		if (c->opt == NULL || c->opt->cid == NULL ||
		    (id = cid_decode(t, len)) == NULL)
			return NULL;
		data = c->opt->cid(id, c->opt->cid_arg);
		free(id);
		if (data == NULL)
			return NULL;
		ok = data_image(data);
		free(data);
		return ok;
	}
	if ((ok = data_image(src)) == NULL)
		c->blocked++;
	return ok;
}

static int
css_func_ok(const char *start, const char *paren)
{
	const char *p = paren;
	size_t i;

	while (p > start && isalpha((unsigned char)p[-1]))
		p--;
	for (i = 0; i < NELEM(css_funcs); i++)
		if ((size_t)(paren - p) == strlen(css_funcs[i]) &&
		    strncasecmp(p, css_funcs[i], (size_t)(paren - p)) == 0)
			return 1;
	return 0;
}

/*
 * A value is kept only if made of plain tokens: no backslash (CSS escapes
 * could spell url), no @, no ; { } < > or double quote, balanced single
 * quotes, and no function other than a colour, which rules out url(),
 * expression(), image-set(), var() and the like.
 */
static int
css_value_ok(const char *v)
{
	const char *p;
	int quotes = 0, depth = 0;

	for (p = v; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (isalnum(ch) || ch >= 0x80 || strchr(" \t#%.,-+!/_", ch) != NULL)
			continue;
		if (ch == '\'') {
			quotes++;
			continue;
		}
		if (ch == '(' && !(quotes & 1) && css_func_ok(v, p)) {
			depth++;
			continue;
		}
		if (ch == ')' && depth > 0) {
			depth--;
			continue;
		}
		return 0;
	}
	return (quotes & 1) == 0 && depth == 0;
}

static char *
trim(char *s)
{
	char *e;

	while (is_space((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Rebuilds a style attribute from the declarations that pass; NULL if none. */
static char *
css_filter(struct ctx *c, const char *style)
{
	struct wm_buf b;
	char *copy, *decl, *save = NULL;

	if ((copy = wm_strdup(style)) == NULL)
		return NULL;
	wm_buf_init(&b);
	for (decl = strtok_r(copy, ";", &save); decl != NULL;
	    decl = strtok_r(NULL, ";", &save)) {
		char *colon = strchr(decl, ':'), *name, *value;

		if (colon == NULL)
			continue;
		*colon = '\0';
		name = trim(decl);
		value = trim(colon + 1);
		if (strcasestr(value, "url") != NULL)
			c->blocked++;
		if (*value == '\0' || !in_list(name, css_props, NELEM(css_props)) ||
		    !css_value_ok(value))
			continue;
		for (char *q = name; *q != '\0'; q++)
			*q = (char)tolower((unsigned char)*q);
		if (wm_buf_printf(&b, "%s%s: %s", b.len ? "; " : "", name,
		    value) == -1)
			c->oom = 1;
	}
	free(copy);
	if (b.len == 0) {
		wm_buf_free(&b);
		return NULL;
	}
	return wm_buf_take(&b);
}

static char *
attr_value(xmlAttrPtr a)
{
	xmlChar *v = xmlNodeListGetString(a->doc, a->children, 1);
	char *s;

	if (v == NULL)
		return wm_strdup("");
	s = wm_strdup((const char *)v);
	xmlFree(v);
	return s;
}

/* Attribute names reach the output only after passing the allowlist. */
static const char *
lower_name(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i < len - 1; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

static void
put_attrs(struct ctx *c, xmlNodePtr n, const char *tag)
{
	xmlAttrPtr a;
	char lname[32];
	int link = 0;

	for (a = n->properties; a != NULL; a = a->next) {
		const char *name = (const char *)a->name;
		char *v, *clean = NULL;

		if (name == NULL || (v = attr_value(a)) == NULL)
			continue;
		if (strcasecmp(name, "background") == 0)
			c->blocked++;
		else if (strcasecmp(name, "style") == 0)
			clean = css_filter(c, v);
		else if (strcasecmp(name, "href") == 0 && strcmp(tag, "a") == 0) {
			size_t len;
			const char *t = url_trim(v, &len);

			if (wm_sanitize_url_ok(v) && (clean = malloc(len + 1)) != NULL) {
				memcpy(clean, t, len);
				clean[len] = '\0';
				link = 1;
			}
		} else if (strcasecmp(name, "src") == 0 && strcmp(tag, "img") == 0)
			clean = image_src(c, v);
		else if (in_list(name, plain_attrs, NELEM(plain_attrs)))
			clean = wm_strdup(v);
		free(v);
		if (clean == NULL)
			continue;
		put_attr(c, lower_name(name, lname, sizeof(lname)), clean);
		free(clean);
	}
	if (link) {
		put_attr(c, "rel", "noopener noreferrer");
		put_attr(c, "target", "_blank");
	}
}

/* Emits what starts node n; returns 1 when its children are to be walked. */
static int
enter(struct ctx *c, xmlNodePtr n)
{
	const struct tag *t;

	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL)
			put_escaped(c, (const char *)n->content, 0);
		return 0;
	case XML_ELEMENT_NODE:
		break;
	default:
		/* Comments, processing instructions, DTDs: never shown. */
		return 0;
	}
	switch (classify(n)) {
	case A_DROP:
		return 0;
	case A_UNWRAP:
		return 1;
	case A_KEEP:
		break;
	}
	t = keep_tag((const char *)n->name);
	puts_(c, "<");
	puts_(c, t->name);
	put_attrs(c, n, t->name);
	puts_(c, ">");
	return 1;
}

static void
leave(struct ctx *c, xmlNodePtr n)
{
	const struct tag *t;

	if (n->type != XML_ELEMENT_NODE || classify(n) != A_KEEP)
		return;
	t = keep_tag((const char *)n->name);
	if (t->flags & T_VOID)
		return;
	puts_(c, "</");
	puts_(c, t->name);
	puts_(c, ">");
}

/*
 * Depth-first over the tree without recursion (parent/next links), so a
 * mail nesting thousands of elements cannot exhaust the stack.
 */
static void
walk(struct ctx *c, xmlDocPtr doc)
{
	xmlNodePtr n = doc->children;

	while (n != NULL) {
		if (enter(c, n)) {
			if (n->children != NULL) {
				n = n->children;
				continue;
			}
			leave(c, n);
		}
		while (n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == (xmlNodePtr)doc)
				return;
			leave(c, n);
		}
		n = n->next;
	}
}

static void
preamble(struct ctx *c)
{
	puts_(c, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"");
	put_escaped(c, META_CSP, 1);
	puts_(c, "\"><meta name=\"referrer\" content=\"no-referrer\">"
	    "<style>body{margin:8px;font-family:sans-serif;"
	    "overflow-wrap:break-word}img{max-width:100%;height:auto}"
	    "pre{white-space:pre-wrap}</style></head><body>\n");
}

int
wm_sanitize_html(const char *html, size_t len, struct wm_sanitize *opt,
    struct wm_buf *out, struct wm_err *err)
{
	struct ctx c = { out, opt, 0, 0 };
	htmlDocPtr doc = NULL;

	if (len > INT_MAX)
		len = INT_MAX;
	preamble(&c);
	if (len > 0) {
		xmlInitParser();
		doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
		    HTML_PARSE_NONET | HTML_PARSE_NOERROR |
		    HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
	}
	if (doc != NULL) {
		walk(&c, doc);
		xmlFreeDoc(doc);
	}
	puts_(&c, "\n</body></html>\n");
	if (opt != NULL)
		opt->blocked = c.blocked;
	if (c.oom)
		return wm_err_set(err, EX_OSERR, "out of memory sanitising HTML");
	return 0;
}

const char *
wm_sanitize_csp(void)
{
	return CSP;
}

const char *
wm_sanitize_iframe_sandbox(void)
{
	return "allow-popups allow-popups-to-escape-sandbox";
}
