/*
 * web.c - see web.h.  ClearSilver writes whatever cgiout.* holds, so the
 * security headers live there from the first moment of a request: a handler
 * cannot forget them.  cgi_cookie_set and cgi_redirect write straight to the
 * output without those headers (and without HttpOnly or SameSite), so this
 * module never calls them.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include <ClearSilver.h>
#include <fcgiapp.h>
#include <malloc.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "web.h"

struct wm_web {
	CGI	*cgi;
	HDF	*hdf;		/* owned by cgi */
	int	 sent;
	int	 parsed;
	int	 refused;	/* query string or cookies over their bounds */
	size_t	 query_fields;
};

/*
 * ClearSilver reads the body through cgiwrap_read, which lands here: it only
 * ever sees the bytes wm_web_parse read, checked and handed over, never the
 * raw stream.
 */
static const char	*feed;
static size_t		 feed_left;

static int
io_read(void *data, char *buf, int len)
{
	size_t n = len > 0 ? (size_t)len : 0;

	if (feed == NULL)
		return 0;
	if (n > feed_left)
		n = feed_left;
	memcpy(buf, feed, n);
	feed += n;
	feed_left -= n;
	return (int)n;
}

/*
 * Query string and cookies too many to give ClearSilver's quadratic parser
 * are hidden from it while cgi_init runs; the request is refused later.
 */
static int	hide_query, hide_cookie;

static int
hidden(const char *name)
{
	return (hide_query && strcmp(name, "QUERY_STRING") == 0) ||
	    (hide_cookie && strcmp(name, "HTTP_COOKIE") == 0);
}

static int
std_writef(void *data, const char *fmt, va_list ap)
{
	return vprintf(fmt, ap) < 0 ? -1 : 0;
}

static int
std_write(void *data, const char *buf, int len)
{
	/* ClearSilver writes nothing as (NULL, 0); fwrite wants a buffer. */
	if (len <= 0 || buf == NULL)
		return 0;
	return (int)fwrite(buf, 1, (size_t)len, stdout);
}

static char *
std_getenv(void *data, const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? strdup(v) : NULL;
}

static int
std_putenv(void *data, const char *name, const char *value)
{
	return -1;
}

static int
std_iterenv(void *data, int n, char **name, char **value)
{
	const char *eq;
	int i;

	*name = *value = NULL;
	for (i = 0; i < n && environ[i] != NULL; i++)
		;
	if (n < 0 || environ[i] == NULL || (eq = strchr(environ[i], '=')) == NULL)
		return 0;
	*name = strndup(environ[i], (size_t)(eq - environ[i]));
	*value = strdup(eq + 1);
	if (*name == NULL || *value == NULL) {
		free(*name);
		free(*value);
		*name = *value = NULL;
		return 1;
	}
	return 0;
}

/* Where requests really come from: stdio, FastCGI, or a test. */
static READ_FUNC	src_read;
static GETENV_FUNC	src_getenv;

static char *
io_getenv(void *data, const char *name)
{
	return hidden(name) ? NULL : src_getenv(data, name);
}

void
wm_web_io(READ_FUNC rd, WRITEF_FUNC wf, WRITE_FUNC wr, GETENV_FUNC ge,
    PUTENV_FUNC pe, ITERENV_FUNC ie)
{
	src_read = rd;
	src_getenv = ge;
	cgiwrap_init_emu(NULL, io_read, wf, wr, io_getenv, pe, ie);
}

static int
std_read(void *data, char *buf, int len)
{
	return (int)fread(buf, 1, len > 0 ? (size_t)len : 0, stdin);
}

void
wm_web_std_io(int argc, char **argv, char **envp)
{
	wm_web_io(std_read, std_writef, std_write, std_getenv, std_putenv,
	    std_iterenv);
}

/*
 * The request being served under FastCGI.  One at a time: the cgiwrap
 * callbacks have nowhere else to find it, and libfcgi resets it at every
 * accept, so nothing of one request is left to the next.
 */
static FCGX_Request	fcgi_req;
static int		fcgi_ready;

static int
fcgi_read(void *data, char *buf, int len)
{
	return FCGX_GetStr(buf, len, fcgi_req.in);
}

static int
io_writef(void *data, const char *fmt, va_list ap)
{
	return FCGX_VFPrintF(fcgi_req.out, fmt, ap) < 0 ? -1 : 0;
}

static int
io_write(void *data, const char *buf, int len)
{
	return FCGX_PutStr(buf, len, fcgi_req.out);
}

/* cgiwrap wants a copy it frees. */
static char *
fcgi_getenv(void *data, const char *name)
{
	const char *v = FCGX_GetParam(name, fcgi_req.envp);

	return v != NULL ? strdup(v) : NULL;
}

/* Request parameters are the web server's: never changed from here. */
static int
io_putenv(void *data, const char *name, const char *value)
{
	return -1;
}

static int
io_iterenv(void *data, int n, char **name, char **value)
{
	const char *eq;
	int i;

	*name = *value = NULL;
	for (i = 0; i < n && fcgi_req.envp[i] != NULL; i++)
		;
	if (n < 0 || fcgi_req.envp[i] == NULL)
		return 0;
	if ((eq = strchr(fcgi_req.envp[i], '=')) == NULL)
		return 0;
	*name = strndup(fcgi_req.envp[i], (size_t)(eq - fcgi_req.envp[i]));
	*value = strdup(eq + 1);
	if (*name == NULL || *value == NULL) {
		free(*name);
		free(*value);
		*name = *value = NULL;
		return 1;
	}
	return 0;
}

int
wm_web_fcgi(void)
{
	return !FCGX_IsCGI();
}

int
wm_web_fcgi_accept(void)
{
	if (!fcgi_ready) {
		if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgi_req, 0, 0) != 0)
			return -1;
		fcgi_ready = 1;
	}
	if (FCGX_Accept_r(&fcgi_req) < 0)
		return -1;
	wm_web_io(fcgi_read, io_writef, io_write, fcgi_getenv, io_putenv,
	    io_iterenv);
	return 0;
}

int
wm_web_fcgi_finish(void)
{
	struct mallinfo2 mi;

	FCGX_Finish_r(&fcgi_req);
	/* Give back what a large mail took; a heap that stays large is a leak. */
	malloc_trim(0);
	mi = mallinfo2();
	return mi.uordblks + mi.hblkhd > (size_t)WM_WEB_HEAP_MAX ? -1 : 0;
}

void
wm_web_fcgi_restart(char **argv)
{
	FCGX_Free(&fcgi_req, 1);
	fcgi_ready = 0;
	/* Only the listening socket (0) and stdout/stderr go to the new image. */
	close_range(3, ~0U, 0);
	execv("/proc/self/exe", argv);
}

int
wm_web_main(const struct wm_web_app *app, int argc, char **argv, char **envp)
{
	const char *env = getenv(app->requests_env);
	long n, max = env != NULL ? strtol(env, NULL, 10) : 0;
	int done;

	if (!wm_web_fcgi()) {
		wm_web_std_io(argc, argv, envp);
		app->serve(app->ctx);
		if (app->after != NULL) {
			/* The server has the whole answer once stdout is closed. */
			fflush(stdout);
			close(STDOUT_FILENO);
			app->after(app->ctx);
		}
		app->close(app->ctx);
		return 0;
	}
	/*
	 * A fresh process now and then bounds whatever a request left behind.
	 * It starts in place: exiting would drop the connections lighttpd has
	 * queued on the socket.
	 */
	if (max <= 0 || max > app->requests_max)
		max = app->requests_max;
	for (n = 0; n < max; n++) {
		if (wm_web_fcgi_accept() == -1) {
			app->close(app->ctx);
			return 0;
		}
		app->serve(app->ctx);
		done = wm_web_fcgi_finish();
		if (app->after != NULL)
			app->after(app->ctx);
		if (done == -1) {
			wm_log(LOG_NOTICE, "heap grew past its bound; restarting");
			break;
		}
	}
	wm_log(LOG_INFO, "restarting after %ld requests", n);
	app->close(app->ctx);
	wm_web_fcgi_restart(argv);
	wm_log(LOG_ERR, "cannot restart: %s", strerror(errno));
	return 1;
}

void
wm_web_fatal(void)
{
	static const char msg[] = "Status: 500\r\nContent-Type: text/plain\r\n"
	    "\r\nError\n";
	NEOERR *nerr;

	nerr = cgiwrap_write(msg, (int)sizeof(msg) - 1);
	nerr_ignore(&nerr);
}

/* Turns a ClearSilver error into err and frees it. */
static int
neo_fail(NEOERR *nerr, int code, const char *what, struct wm_err *err)
{
	STRING s;

	string_init(&s);
	nerr_error_string(nerr, &s);
	wm_err_set(err, code, "%s: %s", what, s.buf ? s.buf : "failed");
	string_clear(&s);
	nerr_ignore(&nerr);
	return -1;
}

static const char *const base_headers[][2] = {
	{ "Content-Security-Policy", WM_WEB_CSP },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Cache-Control", "no-store" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ NULL, NULL }
};

static int
setup_hdf(HDF *hdf, const char *templates_dir)
{
	NEOERR *nerr = STATUS_OK;

	/* Escaping by default: a forgotten html_escape cannot become XSS. */
	nerr = hdf_set_value(hdf, "Config.VarEscapeMode", "html");
	if (nerr == STATUS_OK)
		nerr = hdf_set_value(hdf, "Config.TimeFooter", "0");
	if (nerr == STATUS_OK)
		nerr = hdf_set_value(hdf, "Config.DebugEnabled", "0");
	if (nerr == STATUS_OK)
		nerr = hdf_set_value(hdf, "Config.CompressionEnabled", "0");
	if (nerr == STATUS_OK)
		nerr = hdf_set_value(hdf, "cgiout.charset", "UTF-8");
	if (nerr == STATUS_OK && templates_dir != NULL)
		nerr = hdf_set_value(hdf, "hdf.loadpaths.0", templates_dir);
	if (nerr != STATUS_OK) {
		nerr_ignore(&nerr);
		return -1;
	}
	return 0;
}

/* Fields of a query string or cookie header: one more than separators. */
static size_t
count_fields(const char *s, const char *seps)
{
	size_t n = 1;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (strchr(seps, *s) != NULL)
			n++;
	return n;
}

static size_t
env_fields(const char *name, const char *seps)
{
	char *v = NULL;
	size_t n;
	NEOERR *nerr;

	if ((nerr = cgiwrap_getenv(name, &v)) != STATUS_OK) {
		nerr_ignore(&nerr);
		return 0;
	}
	n = count_fields(v, seps);
	free(v);
	return n;
}

/* Counts what cgi_init is about to parse, hiding what is over the bounds. */
static void
bound_env(struct wm_web *w)
{
	size_t cookies = env_fields("HTTP_COOKIE", ";");

	w->query_fields = env_fields("QUERY_STRING", "&;");
	hide_query = w->query_fields > WM_WEB_MAX_FIELDS;
	hide_cookie = cookies > WM_WEB_MAX_COOKIES;
	w->refused = hide_query || hide_cookie;
}

struct wm_web *
wm_web_new(const char *templates_dir, struct wm_err *err)
{
	struct wm_web *w;
	NEOERR *nerr;
	HDF *hdf;
	int i;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if ((nerr = hdf_init(&hdf)) != STATUS_OK) {
		free(w);
		neo_fail(nerr, EX_TEMPFAIL, "hdf", err);
		return NULL;
	}
	if (setup_hdf(hdf, templates_dir) == -1) {
		hdf_destroy(&hdf);
		free(w);
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	bound_env(w);
	/* cgi_init owns hdf from here on, also when it fails. */
	nerr = cgi_init(&w->cgi, hdf);
	hide_query = hide_cookie = 0;
	if (nerr != STATUS_OK) {
		free(w);
		neo_fail(nerr, EX_DATAERR, "request", err);
		return NULL;
	}
	w->hdf = hdf;
	for (i = 0; base_headers[i][0] != NULL; i++)
		if (wm_web_header(w, base_headers[i][0], base_headers[i][1],
		    err) == -1) {
			wm_web_free(w);
			return NULL;
		}
	return w;
}

/* Answers a refused request itself and says why in err. */
static int
refuse(struct wm_web *w, int status, const char *why, struct wm_err *err)
{
	wm_web_error(w, status, status == 413 ? "This request is too large." :
	    "This request could not be read.");
	return wm_err_set(err, EX_DATAERR, "request refused (%d): %s", status,
	    why);
}

/* Content-Length: 0 when absent, -1 when not a number. */
static long long
content_length(HDF *hdf)
{
	const char *cl = hdf_get_value(hdf, "CGI.ContentLength", NULL);
	unsigned long long n;
	char *end;

	if (cl == NULL || *cl == '\0')
		return 0;
	if (!isdigit((unsigned char)*cl))
		return -1;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' || n > (unsigned long long)INT_MAX)
		return -1;
	return (long long)n;
}

/* RFC 2046 bchars, 1 to 70 of them, not ending in a space. */
static int
boundary_ok(const char *b, size_t n)
{
	size_t i;

	if (n == 0 || n > 70 || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)b[i]) &&
		    strchr("'()+_,-./:=? ", b[i]) == NULL)
			return 0;
	return 1;
}

/*
 * The one boundary parameter of a multipart/form-data Content-Type, quoted
 * or not, copied to out; -1 when missing, repeated or malformed.
 */
static int
boundary_of(const char *type, char *out, size_t outlen)
{
	const char *p = type + strlen(WM_WEB_MULTIPART), *v;
	size_t n;
	int found = 0;

	while ((p = strchr(p, ';')) != NULL) {
		p += 1 + strspn(p + 1, " \t");
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		if (found++)
			return -1;
		v = p + 9;
		if (*v == '"') {
			v++;
			if (strchr(v, '"') == NULL)
				return -1;
			n = (size_t)(strchr(v, '"') - v);
		} else
			n = strcspn(v, "; \t");
		if (!boundary_ok(v, n) || n >= outlen)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
	}
	return found == 1 ? 0 : -1;
}

/*
 * Copies a multipart body with every delimiter line "--b" / "--b--" written
 * with canon instead, counting the parts.  ClearSilver caches the length of
 * the last boundary in a static across requests (keyed on a pointer that
 * malloc hands out again): with one length for every request that cache
 * cannot go stale.
 */
static int
canon_multipart(struct wm_buf *out, const char *body, size_t len,
    const char *b, const char *canon, size_t *parts)
{
	size_t bl = strlen(b), pos = 0, end;
	const char *nl;

	*parts = 0;
	while (pos < len) {
		nl = memchr(body + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - body) + 1 : len;
		if (end - pos >= 2 + bl && body[pos] == '-' && body[pos + 1] == '-' &&
		    memcmp(body + pos + 2, b, bl) == 0) {
			if (end - pos < 4 + bl || body[pos + 2 + bl] != '-')
				(*parts)++;
			if (wm_buf_puts(out, "--") == -1 ||
			    wm_buf_puts(out, canon) == -1)
				return -1;
			pos += 2 + bl;
		}
		if (wm_buf_append(out, body + pos, end - pos) == -1)
			return -1;
		pos = end;
	}
	return 0;
}

/* The whole body, exactly len bytes, or -1. */
static char *
read_body(size_t len)
{
	char *buf = malloc(len + 1);
	size_t got = 0;
	int n;

	if (buf == NULL)
		return NULL;
	while (got < len) {
		n = src_read(NULL, buf + got,
		    len - got > 65536 ? 65536 : (int)(len - got));
		if (n <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* A multipart body rewritten to a fresh boundary of fixed length. */
static int
multipart_feed(struct wm_web *w, const char *type, const char *body,
    size_t len, struct wm_buf *out, size_t *parts, struct wm_err *err)
{
	unsigned char r[WM_WEB_BOUNDARY_LEN / 2];
	char b[80], canon[WM_WEB_BOUNDARY_LEN + 1];

	if (boundary_of(type, b, sizeof(b)) == -1)
		return refuse(w, 400, "multipart without a valid boundary", err);
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return wm_err_set(err, EX_TEMPFAIL, "getrandom failed");
	wm_hex(r, sizeof(r), canon);
	if (canon_multipart(out, body, len, b, canon, parts) == -1 ||
	    wm_web_setf(w, "CGI.ContentType", WM_WEB_MULTIPART "; boundary=%s",
	    canon) == -1 || wm_web_set_int(w, "CGI.ContentLength",
	    (long long)out->len) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

/* Checks the body against the limits and leaves what ClearSilver may read. */
static int
check_body(struct wm_web *w, const struct wm_web_limits *lim, char *body,
    size_t len, struct wm_buf *out, struct wm_err *err)
{
	const char *type = hdf_get_value(w->hdf, "CGI.ContentType", "");
	size_t fields = 0;

	if (strncasecmp(type, WM_WEB_MULTIPART, strlen(WM_WEB_MULTIPART)) == 0) {
		if (!lim->uploads)
			return refuse(w, 415, "no uploads on this page", err);
		if (multipart_feed(w, type, body, len, out, &fields, err) == -1)
			return -1;
	} else {
		fields = count_fields(body, "&;");
		if (wm_buf_append(out, body, len) == -1)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if (fields + w->query_fields > lim->max_fields)
		return refuse(w, 400, "too many fields", err);
	return 0;
}

int
wm_web_parse_limits(struct wm_web *w, const struct wm_web_limits *lim,
    struct wm_err *err)
{
	const char *method = wm_web_method(w);
	long long len = content_length(w->hdf);
	struct wm_buf out;
	NEOERR *nerr;
	char *body;
	int rc;

	if (w->parsed)
		return 0;
	w->parsed = 1;
	if (w->refused)
		return refuse(w, 400, "too many query fields or cookies", err);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "POST") != 0)
		return refuse(w, 405, "method not allowed", err);
	if (len < 0)
		return refuse(w, 400, "bad Content-Length", err);
	if ((unsigned long long)len > lim->max_body)
		return refuse(w, 413, "body too large", err);
	if (strcmp(method, "POST") != 0 || len == 0)
		len = 0;
	if ((body = read_body((size_t)len)) == NULL)
		return refuse(w, 400, "short body", err);
	wm_buf_init(&out);
	rc = check_body(w, lim, body, (size_t)len, &out, err);
	free(body);
	if (rc == 0) {
		feed = out.data != NULL ? out.data : "";
		feed_left = out.len;
		nerr = cgi_parse(w->cgi);
		feed = NULL;
		feed_left = 0;
		if (nerr != STATUS_OK)
			rc = neo_fail(nerr, EX_DATAERR, "request", err);
	}
	wm_buf_free(&out);
	return rc;
}

int
wm_web_parse(struct wm_web *w, size_t max_body, struct wm_err *err)
{
	struct wm_web_limits lim = { max_body, WM_WEB_MAX_FIELDS, 1 };

	return wm_web_parse_limits(w, &lim, err);
}

void
wm_web_free(struct wm_web *w)
{
	if (w == NULL)
		return;
	cgi_destroy(&w->cgi);
	free(w);
}

HDF *
wm_web_hdf(struct wm_web *w)
{
	return w->hdf;
}

CGI *
wm_web_cgi(struct wm_web *w)
{
	return w->cgi;
}

int
wm_web_sent(struct wm_web *w)
{
	return w->sent;
}

const char *
wm_web_method(struct wm_web *w)
{
	return hdf_get_value(w->hdf, "CGI.RequestMethod", "GET");
}

const char *
wm_web_path(struct wm_web *w)
{
	const char *p = hdf_get_value(w->hdf, "CGI.PathInfo", NULL);

	return p == NULL || *p == '\0' ? "/" : p;
}

const char *
wm_web_remote_addr(struct wm_web *w)
{
	return hdf_get_value(w->hdf, "CGI.RemoteAddress", "unknown");
}

const char *
wm_web_server_addr(struct wm_web *w)
{
	return hdf_get_value(w->hdf, "CGI.ServerAddress", NULL);
}

/* Names we build HDF paths from: a dot would reach into another subtree. */
static int
plain_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

const char *
wm_web_param(struct wm_web *w, const char *name)
{
	char key[80];

	if (!plain_name(name))
		return NULL;
	snprintf(key, sizeof(key), "Query.%s", name);
	return hdf_get_value(w->hdf, key, NULL);
}

size_t
wm_web_param_list(struct wm_web *w, const char *name, const char **out,
    size_t max)
{
	HDF *obj, *child;
	char key[80];
	const char *v;
	size_t n = 0;

	if (!plain_name(name) || max == 0)
		return 0;
	snprintf(key, sizeof(key), "Query.%s", name);
	if ((obj = hdf_get_obj(w->hdf, key)) == NULL)
		return 0;
	/* A repeated field becomes Query.name.0, .1, ...; a single one has none. */
	if ((child = hdf_obj_child(obj)) == NULL) {
		if ((v = hdf_obj_value(obj)) == NULL)
			return 0;
		out[0] = v;
		return 1;
	}
	for (; child != NULL && n < max; child = hdf_obj_next(child))
		if ((v = hdf_obj_value(child)) != NULL)
			out[n++] = v;
	return n;
}

char *
wm_web_cookie(struct wm_web *w, const char *name)
{
	char key[80];
	const char *v;
	char *copy;

	if (!plain_name(name))
		return NULL;
	snprintf(key, sizeof(key), "Cookie.%s", name);
	if ((v = hdf_get_value(w->hdf, key, NULL)) == NULL)
		return NULL;
	/* The kit hands cookies over as sent; ours are URL-encoded. */
	if ((copy = strdup(v)) == NULL)
		return NULL;
	return cgi_url_unescape(copy);
}

int
wm_web_upload_dir(struct wm_web *w, const char *dir)
{
	if (dir == NULL || *dir != '/')
		return -1;
	if (wm_web_set(w, "Config.Upload.TmpDir", dir) == -1)
		return -1;
	return wm_web_set(w, "Config.Upload.Unlink", "1");
}

FILE *
wm_web_upload(struct wm_web *w, const char *field)
{
	if (!plain_name(field))
		return NULL;
	return cgi_filehandle(w->cgi, field);
}

const char *
wm_web_upload_name(struct wm_web *w, const char *field)
{
	char key[96];

	if (!plain_name(field))
		return NULL;
	snprintf(key, sizeof(key), "Query.%s", field);
	return hdf_get_value(w->hdf, key, NULL);
}

int
wm_web_set(struct wm_web *w, const char *name, const char *value)
{
	NEOERR *nerr;

	if (value == NULL)
		return 0;
	if ((nerr = hdf_set_value(w->hdf, name, value)) != STATUS_OK) {
		nerr_ignore(&nerr);
		return -1;
	}
	return 0;
}

int
wm_web_setf(struct wm_web *w, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	rc = wm_web_set(w, name, s);
	free(s);
	return rc;
}

int
wm_web_set_int(struct wm_web *w, const char *name, long long v)
{
	return wm_web_setf(w, name, "%lld", v);
}

static int
header_name_ok(const char *name)
{
	if (name == NULL || *name == '\0' || strlen(name) > 64)
		return 0;
	for (; *name != '\0'; name++)
		if (!isalnum((unsigned char)*name) && *name != '-')
			return 0;
	return 1;
}

/* HDF key of a header: one per name, so setting it again replaces it. */
static void
header_key(const char *prefix, const char *name, char *out, size_t outlen)
{
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "cgiout.other.%s", prefix);
	for (i = 0; name[i] != '\0' && n + 1 < outlen; i++)
		out[n++] = name[i] == '-' ? '_' :
		    (char)tolower((unsigned char)name[i]);
	out[n] = '\0';
}

int
wm_web_header(struct wm_web *w, const char *name, const char *value,
    struct wm_err *err)
{
	char key[128];

	if (!header_name_ok(name))
		return wm_err_set(err, EX_DATAERR, "bad header name");
	if (value == NULL || wm_has_crlf(value))
		return wm_err_set(err, EX_DATAERR, "header %s: line break refused",
		    name);
	header_key("h_", name, key, sizeof(key));
	if (wm_web_setf(w, key, "%s: %s", name, value) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

static const char *
status_line(int status)
{
	switch (status) {
	case 200: return "200 OK";
	case 303: return "303 See Other";
	case 400: return "400 Bad Request";
	case 403: return "403 Forbidden";
	case 404: return "404 Not Found";
	case 405: return "405 Method Not Allowed";
	case 409: return "409 Conflict";
	case 413: return "413 Content Too Large";
	case 415: return "415 Unsupported Media Type";
	case 429: return "429 Too Many Requests";
	case 500: return "500 Internal Server Error";
	case 501: return "501 Not Implemented";
	case 503: return "503 Service Unavailable";
	default: return NULL;
	}
}

void
wm_web_status(struct wm_web *w, int status)
{
	const char *line = status_line(status);

	if (line != NULL)
		wm_web_set(w, "cgiout.Status", line);
	else
		wm_web_setf(w, "cgiout.Status", "%d", status);
}

int
wm_web_status_for(int code)
{
	switch (code) {
	case EX_USAGE:
	case EX_DATAERR:
		return 400;
	case EX_NOPERM:
		return 403;
	case EX_NOUSER:
	case EX_NOINPUT:
		return 404;
	case EX_TEMPFAIL:
		return 503;
	default:
		return 500;
	}
}

int
wm_web_set_cookie(struct wm_web *w, const char *name, const char *value,
    long max_age, struct wm_err *err)
{
	return wm_web_set_cookie_path(w, name, value, "/", max_age, err);
}

int
wm_web_set_cookie_path(struct wm_web *w, const char *name, const char *value,
    const char *path, long max_age, struct wm_err *err)
{
	char key[128], age[48] = "";
	char *esc = NULL;
	NEOERR *nerr;
	int rc;

	if (!plain_name(name))
		return wm_err_set(err, EX_DATAERR, "bad cookie name");
	if (path[0] != '/' || strpbrk(path, ";, \t\r\n") != NULL)
		return wm_err_set(err, EX_DATAERR, "bad cookie path");
	if ((nerr = cgi_url_escape(max_age == 0 ? "" : value, &esc)) != STATUS_OK)
		return neo_fail(nerr, EX_TEMPFAIL, "cookie", err);
	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
	header_key("cookie_", name, key, sizeof(key));
	rc = wm_web_setf(w, key, "Set-Cookie: %s=%s; Path=%s; Secure; HttpOnly; "
	    "SameSite=Strict%s", name, esc, path, age);
	free(esc);
	if (rc == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

static int
output(struct wm_web *w, const void *data, size_t len, struct wm_err *err)
{
	NEOERR *nerr;
	STRING s;

	if (len > INT_MAX / 2)
		return wm_err_set(err, EX_DATAERR, "response too large");
	string_init(&s);
	if (len > 0 && (nerr = string_appendn(&s, data, (int)len)) != STATUS_OK)
		return neo_fail(nerr, EX_TEMPFAIL, "output", err);
	w->sent = 1;
	nerr = cgi_output(w->cgi, &s);
	string_clear(&s);
	if (nerr != STATUS_OK)
		return neo_fail(nerr, EX_IOERR, "output", err);
	return 0;
}

int
wm_web_render(struct wm_web *w, const char *template, struct wm_err *err)
{
	NEOERR *nerr;

	if (w->sent)
		return wm_err_set(err, EX_SOFTWARE, "response already sent");
	wm_web_set(w, "cgiout.ContentType", "text/html");
	w->sent = 1;
	if ((nerr = cgi_display(w->cgi, template)) != STATUS_OK) {
		w->sent = 0;
		return neo_fail(nerr, EX_SOFTWARE, template, err);
	}
	return 0;
}

int
wm_web_redirect(struct wm_web *w, const char *path, struct wm_err *err)
{
	/* Only our own paths: "//host" or "http:" would be an open redirect. */
	if (path == NULL || path[0] != '/' || path[1] == '/' || path[1] == '\\' ||
	    wm_has_crlf(path))
		return wm_err_set(err, EX_SOFTWARE, "bad redirect target");
	wm_web_status(w, 303);
	if (wm_web_header(w, "Location", path, err) == -1)
		return -1;
	wm_web_set(w, "cgiout.ContentType", "text/plain");
	return output(w, "", 0, err);
}

/* A file name that cannot break out of the quoted header parameter. */
static void
safe_filename(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < outlen; in++) {
		unsigned char c = (unsigned char)*in;

		out[n++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ||
		    c == '/' || c == ';') ? '_' : (char)c;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outlen, "download");
}

/*
 * RFC 8187 ext-value: attr-chars as they are, every other byte %XX.  Not
 * cgi_url_escape: it writes a space as '+', which browsers keep as '+'.
 */
static char *
ext_value(const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	struct wm_buf b;
	char pct[3];

	wm_buf_init(&b);
	if (wm_buf_puts(&b, "") == -1)
		return NULL;
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (isalnum(c) || strchr("!#$&+-.^_`|~", c) != NULL) {
			if (wm_buf_append(&b, in, 1) == -1)
				goto fail;
			continue;
		}
		pct[0] = '%';
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 15];
		if (wm_buf_append(&b, pct, 3) == -1)
			goto fail;
	}
	return wm_buf_take(&b);
fail:
	wm_buf_free(&b);
	return NULL;
}

int
wm_web_send(struct wm_web *w, const char *content_type, const char *disposition,
    const char *filename, const void *data, size_t len, struct wm_err *err)
{
	char safe[256], *value = NULL, *esc = NULL;
	int rc;

	if (w->sent)
		return wm_err_set(err, EX_SOFTWARE, "response already sent");
	if (content_type == NULL || wm_has_crlf(content_type))
		return wm_err_set(err, EX_DATAERR, "bad content type");
	wm_web_set(w, "cgiout.ContentType", content_type);
	/* Binary types have no charset; text types bring their own. */
	hdf_remove_tree(w->hdf, "cgiout.charset");
	if (disposition != NULL) {
		safe_filename(filename, safe, sizeof(safe));
		esc = ext_value(filename && *filename ? filename : safe);
		if (esc == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		/* filename* carries the real UTF-8 name; filename a safe fallback. */
		value = wm_asprintf("%s; filename=\"%s\"; filename*=UTF-8''%s",
		    strcmp(disposition, "inline") == 0 ? "inline" : "attachment",
		    safe, esc);
		free(esc);
		if (value == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		rc = wm_web_header(w, "Content-Disposition", value, err);
		free(value);
		if (rc == -1)
			return -1;
	}
	return output(w, data, len, err);
}

void
wm_web_error(struct wm_web *w, int status, const char *msg)
{
	struct wm_err err;
	char *text;

	if (w->sent)
		return;
	wm_web_status(w, status);
	wm_web_set(w, "Page.title", "Error");
	wm_web_set(w, "Page.error", msg);
	wm_web_set_int(w, "Page.status", status);
	if (wm_web_render(w, "error.cs", &err) == 0)
		return;
	wm_web_set(w, "cgiout.ContentType", "text/plain");
	if ((text = wm_asprintf("%s\n", msg)) != NULL)
		output(w, text, strlen(text), &err);
	free(text);
}

int
wm_web_csrf_ok(struct wm_web *w, const char *expected)
{
	const char *got = wm_web_param(w, WM_WEB_CSRF_FIELD);

	if (expected == NULL || *expected == '\0' || got == NULL)
		return -1;
	return wm_ct_streq(got, expected) ? 0 : -1;
}

int
wm_web_match(const char *pattern, const char *path, long long *args,
    size_t nargs)
{
	size_t used = 0, digits;
	long long v;

	while (*pattern != '\0') {
		if (*pattern != '#') {
			if (*path != *pattern)
				return 0;
			pattern++;
			path++;
			continue;
		}
		for (v = 0, digits = 0; isdigit((unsigned char)*path); path++) {
			if (++digits > 18)
				return 0;
			v = v * 10 + (*path - '0');
		}
		if (digits == 0 || used >= nargs)
			return 0;
		args[used++] = v;
		pattern++;
	}
	return *path == '\0';
}

const struct wm_route *
wm_web_route(struct wm_web *w, const struct wm_route *routes)
{
	const char *method = wm_web_method(w), *path = wm_web_path(w);
	const struct wm_route *r;
	long long args[4];

	for (r = routes; r->pattern != NULL; r++)
		if (wm_web_match(r->pattern, path, args, 4) &&
		    (r->method == NULL || strcmp(r->method, method) == 0))
			return r;
	return NULL;
}

int
wm_web_dispatch(struct wm_web *w, const struct wm_route *routes,
    const char *csrf, void *ctx)
{
	const char *method = wm_web_method(w), *path = wm_web_path(w);
	const struct wm_route *r;
	long long args[4];
	int wrong_method = 0;

	for (r = routes; r->pattern != NULL; r++) {
		memset(args, 0, sizeof(args));
		if (!wm_web_match(r->pattern, path, args, 4))
			continue;
		if (r->method != NULL && strcmp(r->method, method) != 0) {
			wrong_method = 1;
			continue;
		}
		if (strcmp(method, "POST") == 0 && wm_web_csrf_ok(w, csrf) == -1) {
			wm_web_error(w, 403, "This form has expired or did not come "
			    "from this site. Nothing was changed; reload the page "
			    "and try again.");
			return -1;
		}
		return r->fn(w, ctx, args);
	}
	if (wrong_method) {
		wm_web_error(w, 405, "This page does not accept that request.");
		return -1;
	}
	wm_web_error(w, 404, "There is no such page.");
	return -1;
}
