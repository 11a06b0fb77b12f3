/*
 * web.h - one HTTP request of a CGI program, over ClearSilver's CGI kit.
 * Every response carries the security headers (CSP without inline script,
 * X-Frame-Options, Referrer-Policy, nosniff, Cache-Control no-store), every
 * template variable is HTML-escaped (Config.VarEscapeMode), cookies are
 * HttpOnly; Secure; SameSite=Strict and URL-encoded both ways, header values
 * with CR or LF are refused, and no POST reaches a handler without a CSRF
 * token that matches.
 */
#ifndef WM_WEB_H
#define WM_WEB_H

#include <stddef.h>
#include <stdio.h>

#include <ClearSilver.h>

struct wm_err;
struct wm_web;

/* The policy for pages of the portal: no script at all, styles from us only. */
#define WM_WEB_CSP "default-src 'none'; style-src 'self'; img-src 'self' data:; " \
	"form-action 'self'; frame-ancestors 'none'; frame-src 'self'; base-uri 'none'"

/* Name of the hidden form field (and HDF Page.csrf) carrying the CSRF token. */
#define WM_WEB_CSRF_FIELD "csrf"

/* CGI I/O on stdin/stdout and this process environment (call once in main). */
void	 wm_web_std_io(int argc, char **argv, char **envp);
/*
 * Any other source of requests (tests): like cgiwrap_init_emu, but the body
 * is read by wm_web_parse and ClearSilver only sees the checked copy.
 */
void	 wm_web_io(READ_FUNC, WRITEF_FUNC, WRITE_FUNC, GETENV_FUNC, PUTENV_FUNC,
	    ITERENV_FUNC);

/*
 * FastCGI (libfcgi).  wm_web_fcgi() is 1 when the web server started this
 * program as a FastCGI application, 0 when it runs as a plain CGI.
 * wm_web_fcgi_accept() waits for the next request and points the CGI I/O
 * (ClearSilver's cgiwrap) at its streams and parameters: 0, or -1 when the
 * server closed the connection.  wm_web_fcgi_finish() completes the request;
 * it returns -1 when the heap has grown past WM_WEB_HEAP_MAX, and the
 * process should exit to be started afresh.
 */
#define WM_WEB_HEAP_MAX	(64L * 1024 * 1024)
int	 wm_web_fcgi(void);
int	 wm_web_fcgi_accept(void);
int	 wm_web_fcgi_finish(void);
/*
 * Runs this program afresh in this process (execv of /proc/self/exe with
 * argv): the listening socket stays open, so requests waiting on it are not
 * lost as they would be if the process exited.  Returns only on failure.
 */
void	 wm_web_fcgi_restart(char **argv);
/*
 * The life of a web program, shared by portal.cgi and admin.cgi: as a plain
 * CGI, serve one request; as a FastCGI application, serve requests until
 * the server closes the socket, then close; after requests_max requests
 * (lowered by the environment variable requests_env, for tests) or a heap
 * past WM_WEB_HEAP_MAX, close and start afresh in place.  serve answers
 * one request and forgets it; close releases what stays between requests.
 */
struct wm_web_app {
	const char	*requests_env;	/* "WM_PORTAL_REQUESTS" */
	long		 requests_max;	/* 10000 */
	void		(*serve)(void *ctx);
	void		(*close)(void *ctx);
	void		*ctx;
	/* May be NULL: work done once the answer has gone (mail to send). */
	void		(*after)(void *ctx);
};
int	 wm_web_main(const struct wm_web_app *, int argc, char **argv,
	    char **envp);
/* A bare 500 answer when not even a struct wm_web could be made. */
void	 wm_web_fatal(void);

/*
 * Reads the request environment, cookies and query string.  Templates are
 * looked up in templates_dir.  The security headers are set from here on.
 */
struct wm_web *wm_web_new(const char *templates_dir, struct wm_err *);
/*
 * What one request may carry, checked before ClearSilver's parser sees a
 * byte of it (its form parser is quadratic in repeated names, and it keeps
 * multipart state in statics across requests).
 */
struct wm_web_limits {
	size_t	max_body;	/* bytes of the body */
	size_t	max_fields;	/* form fields, query string and body together */
	int	uploads;	/* multipart/form-data accepted */
};
#define WM_WEB_MAX_FIELDS	256	/* on any page, also after login */
#define WM_WEB_MAX_COOKIES	32
/* Before login: a login, code or reset form, nothing more. */
#define WM_WEB_ANON_BODY	4096
#define WM_WEB_ANON_FIELDS	16
/* After login, pages without uploads. */
#define WM_WEB_FORM_BODY	(256L * 1024)
#define WM_WEB_MULTIPART	"multipart/form-data"
#define WM_WEB_BOUNDARY_LEN	48
/*
 * Reads the body (forms, uploads) within the limits and parses it; once per
 * request.  A body over max_body is refused before a byte is read (413),
 * multipart where uploads are off (415), a multipart Content-Type without
 * one valid RFC 2046 boundary, more fields than max_fields (counted by
 * separators and delimiter lines, not parsed), too many query fields or
 * cookies (400), methods other than GET, HEAD, POST (405).  A refused request
 * is answered here; -1 with EX_DATAERR.  ClearSilver only ever reads the
 * checked copy, with the boundary rewritten to a fresh one of fixed length.
 */
int	 wm_web_parse_limits(struct wm_web *, const struct wm_web_limits *,
	    struct wm_err *);
/* The same with WM_WEB_MAX_FIELDS and uploads accepted. */
int	 wm_web_parse(struct wm_web *, size_t max_body, struct wm_err *);
void	 wm_web_free(struct wm_web *);

HDF	*wm_web_hdf(struct wm_web *);
CGI	*wm_web_cgi(struct wm_web *);
const char *wm_web_method(struct wm_web *);
/* PATH_INFO, "/" when empty. */
const char *wm_web_path(struct wm_web *);
const char *wm_web_remote_addr(struct wm_web *);
/* The local address the request came in on (SERVER_ADDR), or NULL. */
const char *wm_web_server_addr(struct wm_web *);
/* A form or query field; NULL when absent. */
const char *wm_web_param(struct wm_web *, const char *name);
/*
 * Every value of a repeated field (checkboxes): up to max pointers into the
 * request; returns how many.
 */
size_t	 wm_web_param_list(struct wm_web *, const char *name, const char **out,
	    size_t max);
/* A cookie, URL-decoded (malloc'd), NULL when absent. */
char	*wm_web_cookie(struct wm_web *, const char *name);
/*
 * Where ClearSilver spools uploaded files while it parses the body (call
 * before wm_web_parse): a directory of the instance, never /var/tmp; each
 * spool file is mode 0600 and unlinked as soon as it is opened.
 */
int	 wm_web_upload_dir(struct wm_web *, const char *dir);
/* An uploaded file of a multipart form and its file name as sent. */
FILE	*wm_web_upload(struct wm_web *, const char *field);
const char *wm_web_upload_name(struct wm_web *, const char *field);

/* Sets a template variable (HDF); a NULL value is skipped. */
int	 wm_web_set(struct wm_web *, const char *name, const char *value);
int	 wm_web_setf(struct wm_web *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	 wm_web_set_int(struct wm_web *, const char *name, long long);

/* Adds or replaces a response header; EX_DATAERR when name or value has CR/LF. */
int	 wm_web_header(struct wm_web *, const char *name, const char *value,
	    struct wm_err *);
/* 200 unless set: "403", "404", ... */
void	 wm_web_status(struct wm_web *, int status);
/*
 * Set-Cookie with HttpOnly; Secure; SameSite=Strict; Path=/ and the value
 * URL-encoded.  max_age < 0: a session cookie; 0: delete the cookie.
 */
int	 wm_web_set_cookie(struct wm_web *, const char *name, const char *value,
	    long max_age, struct wm_err *);
/* The same for one path only ("/admin"): the browser sends it nowhere else. */
int	 wm_web_set_cookie_path(struct wm_web *, const char *name,
	    const char *value, const char *path, long max_age, struct wm_err *);

/* Renders templates_dir/<name> with the layout's variables and sends it. */
int	 wm_web_render(struct wm_web *, const char *template, struct wm_err *);
/* 303 See Other to a local path ("/inbox"); refuses anything else. */
int	 wm_web_redirect(struct wm_web *, const char *path, struct wm_err *);
/*
 * Sends bytes as they are (downloads).  disposition may be NULL, else
 * "attachment" or "inline" with filename made safe for the header.
 */
int	 wm_web_send(struct wm_web *, const char *content_type,
	    const char *disposition, const char *filename, const void *,
	    size_t, struct wm_err *);
/* Renders error.cs with status and message; plain text if that fails. */
void	 wm_web_error(struct wm_web *, int status, const char *msg);
/* The HTTP status for a sysexits code of a failed library call. */
int	 wm_web_status_for(int sysexits_code);

/* 0 when the request's CSRF field equals expected (constant time), else -1. */
int	 wm_web_csrf_ok(struct wm_web *, const char *expected);

/*
 * Routing on PATH_INFO.  In a pattern, "#" matches one decimal number
 * (passed in args, at most 4); everything else matches literally.
 */
struct wm_route {
	const char	*method;	/* "GET", "POST"; NULL: both */
	const char	*pattern;	/* "/msg/#/part/#" */
	int		(*fn)(struct wm_web *, void *ctx, const long long *args);
	int		 uploads;	/* takes multipart uploads (after login) */
};

/* The route matching method and path, NULL when none does. */
const struct wm_route *wm_web_route(struct wm_web *, const struct wm_route *);

/*
 * Calls the first route matching method and path.  A POST whose CSRF field
 * does not equal csrf (NULL: none is valid) gets 403 and no handler runs.
 * No pattern: 404; pattern but not method: 405.  Returns the handler's value
 * or -1 when the request was refused.
 */
int	 wm_web_dispatch(struct wm_web *, const struct wm_route *, const char *csrf,
	    void *ctx);
/* Matches path against pattern; 1 when it matches, filling args. */
int	 wm_web_match(const char *pattern, const char *path, long long *args,
	    size_t nargs);

/* Was a response already sent? (handlers send exactly one) */
int	 wm_web_sent(struct wm_web *);

#endif
