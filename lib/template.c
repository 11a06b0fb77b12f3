/*
 * template.c - finding, rendering and checking ClearSilver mail templates.
 * Values never hold line breaks (wm_tvars_set refuses them), and the
 * rendered header block is checked again as a whole, so neither a variable
 * nor a broken template can smuggle a header into a mail.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ClearSilver.h>
#include <gmime/gmime.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "template.h"
#include "util.h"

#ifndef WM_DATADIR
#define WM_DATADIR "/usr/share"
#endif

#define TEMPLATE_MAX	(256 * 1024)

static const char *const names[] = {
	"signup", "new-mail", "password-reset", "over-quota", "postmaster",
	"read-receipt", NULL
};

struct wm_tvars {
	HDF	*hdf;
};

const char *const *
wm_template_names(void)
{
	return names;
}

int
wm_template_known(const char *name)
{
	const char *const *n;

	for (n = names; *n != NULL; n++)
		if (strcmp(*n, name) == 0)
			return 1;
	return 0;
}

/* Turns a ClearSilver error into err and frees it. */
static int
neo_fail(NEOERR *nerr, const char *what, struct wm_err *err)
{
	STRING s;
	int code = EX_DATAERR;

	if (nerr_match(nerr, NERR_NOMEM))
		code = EX_TEMPFAIL;
	string_init(&s);
	nerr_error_string(nerr, &s);
	wm_err_set(err, code, "%s: %s", what, s.buf ? s.buf : "template error");
	string_clear(&s);
	nerr_ignore(&nerr);
	return -1;
}

struct wm_tvars *
wm_tvars_new(void)
{
	struct wm_tvars *v;
	NEOERR *nerr;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	nerr_init();
	if ((nerr = hdf_init(&v->hdf)) != STATUS_OK) {
		nerr_ignore(&nerr);
		free(v);
		return NULL;
	}
	return v;
}

void
wm_tvars_free(struct wm_tvars *v)
{
	if (v == NULL)
		return;
	hdf_destroy(&v->hdf);
	free(v);
}

static int
valid_var_name(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0' || *name == '.')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			return 0;
	return 1;
}

int
wm_tvars_set(struct wm_tvars *v, const char *name, const char *value,
    struct wm_err *err)
{
	NEOERR *nerr;

	if (!valid_var_name(name))
		return wm_err_set(err, EX_SOFTWARE, "bad template variable name");
	if (value == NULL)
		value = "";
	if (wm_has_crlf(value))
		return wm_err_set(err, EX_DATAERR, "template variable %s: line "
		    "break refused (it could end up in a header)", name);
	if ((nerr = hdf_set_value(v->hdf, name, value)) != STATUS_OK)
		return neo_fail(nerr, "template variable", err);
	return 0;
}

char *
wm_template_dir(const struct wm_config *cfg)
{
	const char *base = NULL;

	if (cfg != NULL)
		base = wm_config_path(cfg, "templates");
	if (base != NULL && *base != '\0')
		return wm_asprintf("%s/mail", base);
	return wm_strdup(WM_DATADIR "/wm/templates/mail");
}

static const char *
scope_text(enum wm_scope scope)
{
	switch (scope) {
	case WM_SCOPE_GLOBAL:
		return "global";
	case WM_SCOPE_DOMAIN:
		return "domain";
	case WM_SCOPE_USER:
		return "user";
	default:
		return NULL;
	}
}

static int
check_scope(enum wm_scope scope, const char *owner, const char *name,
    struct wm_err *err)
{
	if (scope_text(scope) == NULL)
		return wm_err_set(err, EX_USAGE, "templates are set per global, "
		    "domain or user scope");
	if (scope != WM_SCOPE_GLOBAL && (owner == NULL || *owner == '\0'))
		return wm_err_set(err, EX_USAGE, "%s scope needs a name",
		    scope_text(scope));
	if (name == NULL || !wm_template_known(name))
		return wm_err_set(err, EX_USAGE, "unknown template %s",
		    name ? name : "(none)");
	return 0;
}

/* Row body; *found: 1 a row, 0 none (EX_NOINPUT), -1 an error. */
static char *
row_get(struct wm_db *db, enum wm_scope scope, const char *owner,
    const char *name, int *found, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *body = NULL;
	int rc;

	*found = -1;
	st = wm_db_prepare(db, "SELECT body FROM templates WHERE scope = ? AND "
	    "owner = ? AND name = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, scope_text(scope), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, scope == WM_SCOPE_GLOBAL ? "" : owner, -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((body = wm_strdup(wm_db_text(st, 0))) == NULL)
			wm_err_set(err, EX_TEMPFAIL, "out of memory");
		else
			*found = 1;
	} else if (rc != SQLITE_DONE)
		wm_db_fail(db, "templates", err);
	else {
		*found = 0;
		wm_err_set(err, EX_NOINPUT, "no %s template at %s scope", name,
		    scope_text(scope));
	}
	sqlite3_finalize(st);
	return body;
}

char *
wm_template_get(struct wm_db *db, enum wm_scope scope, const char *owner,
    const char *name, struct wm_err *err)
{
	int found;

	if (check_scope(scope, owner, name, err) == -1)
		return NULL;
	return row_get(db, scope, owner, name, &found, err);
}

char *
wm_template_resolve(const struct wm_config *cfg, struct wm_db *db,
    enum wm_scope scope, const char *owner, const char *name,
    enum wm_scope *from, struct wm_err *err)
{
	static const enum wm_scope order[] = { WM_SCOPE_USER, WM_SCOPE_DOMAIN,
	    WM_SCOPE_GLOBAL };
	struct wm_buf b;
	const char *o, *at;
	char *body, *dir, *path;
	size_t i;
	int found;

	if (name == NULL || !wm_template_known(name)) {
		wm_err_set(err, EX_USAGE, "unknown template %s", name ? name : "");
		return NULL;
	}
	if (owner == NULL || *owner == '\0')
		scope = WM_SCOPE_GLOBAL;
	at = scope == WM_SCOPE_USER ? strrchr(owner, '@') : NULL;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] > scope)
			continue;
		if (order[i] == WM_SCOPE_USER)
			o = owner;
		else if (order[i] == WM_SCOPE_DOMAIN)
			o = scope == WM_SCOPE_DOMAIN ? owner : at ? at + 1 : NULL;
		else
			o = "";
		if (o == NULL || (order[i] != WM_SCOPE_GLOBAL && *o == '\0'))
			continue;
		body = row_get(db, order[i], o, name, &found, err);
		if (found == -1)
			return NULL;
		if (found) {
			if (from)
				*from = order[i];
			return body;
		}
	}
	if ((dir = wm_template_dir(cfg)) == NULL ||
	    (path = wm_asprintf("%s/%s.cs", dir, name)) == NULL) {
		free(dir);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	free(dir);
	wm_buf_init(&b);
	if (wm_read_file(path, TEMPLATE_MAX, &b, err) == -1) {
		free(path);
		wm_buf_free(&b);
		return NULL;
	}
	free(path);
	if (from)
		*from = WM_SCOPE_BUILTIN;
	return wm_buf_take(&b);
}

char *
wm_template_find(const struct wm_config *cfg, struct wm_db *db,
    const char *address, const char *name, enum wm_scope *from,
    struct wm_err *err)
{
	return wm_template_resolve(cfg, db, address ? WM_SCOPE_USER :
	    WM_SCOPE_GLOBAL, address, name, from, err);
}

static NEOERR *
render_out(void *ctx, char *s)
{
	if (wm_buf_puts(ctx, s) == -1)
		return nerr_raise(NERR_NOMEM, "out of memory");
	return STATUS_OK;
}

/* Parses source into a fresh CS tree bound to hdf. */
static int
parse(const char *name, const char *source, HDF *hdf, CSPARSE **cs,
    struct wm_err *err)
{
	NEOERR *nerr;
	char *copy;

	*cs = NULL;
	if (strlen(source) > TEMPLATE_MAX)
		return wm_err_set(err, EX_DATAERR, "template %s too large", name);
	if ((nerr = cs_init(cs, hdf)) != STATUS_OK)
		return neo_fail(nerr, name, err);
	/* ClearSilver owns the parsed copy and frees it in cs_destroy. */
	if ((copy = strdup(source)) == NULL) {
		cs_destroy(cs);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if ((nerr = cs_parse_string(*cs, copy, strlen(copy))) != STATUS_OK) {
		cs_destroy(cs);
		return neo_fail(nerr, name, err);
	}
	return 0;
}

char *
wm_template_render(const char *name, const char *source, struct wm_tvars *v,
    struct wm_err *err)
{
	struct wm_buf out;
	CSPARSE *cs;
	NEOERR *nerr;

	if (parse(name, source, v->hdf, &cs, err) == -1)
		return NULL;
	wm_buf_init(&out);
	nerr = cs_render(cs, &out, render_out);
	cs_destroy(&cs);
	if (nerr != STATUS_OK) {
		wm_buf_free(&out);
		neo_fail(nerr, name, err);
		return NULL;
	}
	if (wm_buf_puts(&out, "") == -1) {
		wm_buf_free(&out);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	return wm_buf_take(&out);
}

static int
is_address_header(const char *name)
{
	static const char *const addr[] = { "from", "to", "cc", "bcc",
	    "reply-to", "sender", NULL };
	const char *const *a;

	for (a = addr; *a != NULL; a++)
		if (strcasecmp(*a, name) == 0)
			return 1;
	return 0;
}

static int
has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Appends one header line, folded at 78 columns when longer (RFC 5322 2.1.1). */
static int
put_line(struct wm_buf *out, const char *name, const char *value, int addr,
    struct wm_err *err)
{
	char *line, *folded = NULL;
	int rc;

	/*
	 * Whatever encoding could not make 7-bit text does not go out, except
	 * a UTF-8 address (a local part such as jörg@): RFC 6532 carries it
	 * as it is, and Postfix's sendmail asks for SMTPUTF8 on seeing it.
	 */
	if (has_8bit(value) && !(addr && strchr(value, '@') != NULL &&
	    g_utf8_validate(value, -1, NULL)))
		return wm_err_set(err, EX_DATAERR, "header %s: cannot encode "
		    "(non-ASCII address?)", name);
	if ((line = wm_asprintf("%s:%s", name, value)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (strlen(line) > 78) {
		g_mime_init();
		folded = addr ?
		    g_mime_utils_structured_header_fold(NULL, NULL, line) :
		    g_mime_utils_unstructured_header_fold(NULL, NULL, line);
	}
	/* A fold must not cut a UTF-8 sequence: such a header is refused. */
	if (!g_utf8_validate(folded != NULL ? folded : line, -1, NULL)) {
		g_free(folded);
		free(line);
		return wm_err_set(err, EX_DATAERR, "header %s: cannot encode",
		    name);
	}
	if (folded != NULL)
		rc = wm_buf_puts(out, folded);
	else
		rc = wm_buf_printf(out, "%s\n", line);
	g_free(folded);
	free(line);
	return rc == -1 ? wm_err_set(err, EX_TEMPFAIL, "out of memory") : 0;
}

/* Appends "Name: value", encoding a non-ASCII value (RFC 2047). */
static int
put_header(struct wm_buf *out, const char *name, const char *value,
    struct wm_err *err)
{
	InternetAddressList *list;
	char *enc, *sp;
	int rc, addr = is_address_header(name);

	if (!has_8bit(value))
		return put_line(out, name, value, addr, err);
	if (!g_utf8_validate(value, -1, NULL))
		return wm_err_set(err, EX_DATAERR, "header %s is not UTF-8", name);
	g_mime_init();
	while (*value == ' ' || *value == '\t')
		value++;
	if (addr) {
		if ((list = internet_address_list_parse(NULL, value)) == NULL)
			return wm_err_set(err, EX_DATAERR, "header %s: bad address",
			    name);
		enc = internet_address_list_to_string(list, NULL, TRUE);
		g_object_unref(list);
	} else
		enc = g_mime_utils_header_encode_text(NULL, value, "utf-8");
	if (enc == NULL)
		return wm_err_set(err, EX_DATAERR, "header %s: cannot encode", name);
	sp = wm_asprintf(" %s", enc);
	g_free(enc);
	if (sp == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = put_line(out, name, sp, addr, err);
	free(sp);
	return rc;
}

static int
valid_field_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == ':')
			return 0;
	return 1;
}

static int
reserved(const char *name)
{
	static const char *const own[] = { "message-id", "date",
	    "auto-submitted", "x-wm-system-mail", NULL };
	const char *const *o;

	for (o = own; *o != NULL; o++)
		if (strcasecmp(*o, name) == 0)
			return 1;
	return 0;
}

/* One header field, unfolded: name and value with their bytes. */
struct field {
	char	name[80];
	struct wm_buf value;
};

static int
flush_field(struct wm_buf *out, struct field *f, int *have_from, int *have_to,
    int *have_mime, struct wm_err *err)
{
	int rc;

	if (f->name[0] == '\0')
		return 0;
	if (reserved(f->name)) {
		/* The box sets these itself on every mail (notify.c). */
		f->name[0] = '\0';
		wm_buf_free(&f->value);
		return 0;
	}
	if (strcasecmp(f->name, "from") == 0)
		*have_from = 1;
	else if (strcasecmp(f->name, "to") == 0)
		*have_to = 1;
	else if (strcasecmp(f->name, "content-type") == 0 ||
	    strcasecmp(f->name, "mime-version") == 0)
		*have_mime = 1;
	rc = put_header(out, f->name, f->value.data ? f->value.data : "", err);
	f->name[0] = '\0';
	wm_buf_free(&f->value);
	return rc;
}

/*
 * Walks the header block line by line; folded lines are joined so that
 * encoding sees the whole value.  Returns a pointer to the body or NULL.
 */
static const char *
check_headers(const char *p, struct wm_buf *out, int *have_mime,
    struct wm_err *err)
{
	struct field f;
	const char *eol, *colon;
	size_t n;
	int have_from = 0, have_to = 0;

	memset(&f, 0, sizeof(f));
	wm_buf_init(&f.value);
	for (;;) {
		eol = strchr(p, '\n');
		if (eol == NULL) {
			wm_err_set(err, EX_DATAERR, "mail template has no body");
			goto fail;
		}
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\r', n) != NULL) {
			wm_err_set(err, EX_DATAERR, "stray CR in mail header");
			goto fail;
		}
		if (n == 0)
			break;
		if (p[0] == ' ' || p[0] == '\t') {
			if (f.name[0] == '\0') {
				wm_err_set(err, EX_DATAERR, "mail template starts "
				    "with a continuation line");
				goto fail;
			}
			if (wm_buf_append(&f.value, p, n) == -1)
				goto nomem;
		} else {
			if (flush_field(out, &f, &have_from, &have_to,
			    have_mime, err) == -1)
				goto fail;
			colon = memchr(p, ':', n);
			if (colon == NULL || !valid_field_name(p,
			    (size_t)(colon - p)) || colon - p >= (long)sizeof(f.name)) {
				wm_err_set(err, EX_DATAERR, "mail template: bad "
				    "header line");
				goto fail;
			}
			memcpy(f.name, p, (size_t)(colon - p));
			f.name[colon - p] = '\0';
			if (wm_buf_append(&f.value, colon + 1,
			    n - (size_t)(colon - p) - 1) == -1 ||
			    wm_buf_puts(&f.value, "") == -1)
				goto nomem;
		}
		p = eol + 1;
	}
	if (flush_field(out, &f, &have_from, &have_to, have_mime, err) == -1)
		goto fail;
	if (!have_from || !have_to) {
		wm_err_set(err, EX_DATAERR, "mail template needs From and To");
		goto fail;
	}
	return eol + 1;
nomem:
	wm_err_set(err, EX_TEMPFAIL, "out of memory");
fail:
	wm_buf_free(&f.value);
	return NULL;
}

char *
wm_template_finish_mail(const char *rendered, struct wm_err *err)
{
	struct wm_buf out;
	const char *p;
	int have_mime = 0;

	wm_buf_init(&out);
	/* Templates may start with blank lines after CS comments. */
	while (*rendered == '\n' || (rendered[0] == '\r' && rendered[1] == '\n'))
		rendered += *rendered == '\r' ? 2 : 1;
	if ((p = check_headers(rendered, &out, &have_mime, err)) == NULL)
		goto fail;
	if (!have_mime && wm_buf_puts(&out, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n") == -1)
		goto nomem;
	if (wm_buf_puts(&out, "\n") == -1)
		goto nomem;
	/* LF line ends: sendmail expects local text, not CRLF. */
	for (; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			continue;
		if (wm_buf_append(&out, p, 1) == -1)
			goto nomem;
	}
	if (out.len > 0 && out.data[out.len - 1] != '\n' &&
	    wm_buf_puts(&out, "\n") == -1)
		goto nomem;
	return wm_buf_take(&out);
nomem:
	wm_err_set(err, EX_TEMPFAIL, "out of memory");
fail:
	wm_buf_free(&out);
	return NULL;
}

char *
wm_template_mail(const struct wm_config *cfg, struct wm_db *db,
    const char *address, const char *name, struct wm_tvars *v,
    struct wm_err *err)
{
	char *src, *text, *mail;

	if ((src = wm_template_find(cfg, db, address, name, NULL, err)) == NULL)
		return NULL;
	text = wm_template_render(name, src, v, err);
	free(src);
	if (text == NULL)
		return NULL;
	mail = wm_template_finish_mail(text, err);
	free(text);
	if (mail == NULL)
		wm_err_wrap(err, "template %s", name);
	return mail;
}

int
wm_template_set(struct wm_db *db, enum wm_scope scope, const char *owner,
    const char *name, const char *body, struct wm_err *err)
{
	struct wm_tvars *v;
	sqlite3_stmt *st;
	CSPARSE *cs;

	if (check_scope(scope, owner, name, err) == -1)
		return -1;
	if (body == NULL || !g_utf8_validate(body, -1, NULL))
		return wm_err_set(err, EX_DATAERR, "template is not UTF-8 text");
	if ((v = wm_tvars_new()) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	/* Refuse a template that would only fail later, at delivery. */
	if (parse(name, body, v->hdf, &cs, err) == -1) {
		wm_tvars_free(v);
		return -1;
	}
	cs_destroy(&cs);
	wm_tvars_free(v);
	st = wm_db_prepare(db, "INSERT INTO templates (scope, owner, name, body) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (scope, owner, name) DO UPDATE "
	    "SET body = excluded.body", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, scope_text(scope), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, scope == WM_SCOPE_GLOBAL ? "" : owner, -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "set template", err);
}

int
wm_template_unset(struct wm_db *db, enum wm_scope scope, const char *owner,
    const char *name, struct wm_err *err)
{
	sqlite3_stmt *st;

	if (check_scope(scope, owner, name, err) == -1)
		return -1;
	st = wm_db_prepare(db, "DELETE FROM templates WHERE scope = ? AND "
	    "owner = ? AND name = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, scope_text(scope), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, scope == WM_SCOPE_GLOBAL ? "" : owner, -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	if (wm_db_step_done(db, st, "unset template", err) == -1)
		return -1;
	if (sqlite3_changes(wm_db_handle(db)) == 0)
		return wm_err_set(err, EX_NOINPUT, "no %s template at that scope",
		    name);
	return 0;
}
