/*
 * test_web.c - the CGI layer: security headers on every response, cookie
 * flags and encoding both ways, CR/LF refusal, CSRF on every POST, routing,
 * escaping of template variables, redirects, body limits and uploads.
 * Requests are fed through ClearSilver's cgiwrap emulation.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ClearSilver.h>

#include "util.h"
#include "web.h"
#include "testutil.h"

struct fake {
	const char	*env[16][2];
	const char	*body;
	size_t		 off;
	struct wm_buf	 out;
};

static struct fake req;
static char *tdir;

static int
f_read(void *d, char *buf, int len)
{
	size_t left = req.body ? strlen(req.body) - req.off : 0;
	size_t n = left < (size_t)len ? left : (size_t)len;

	memcpy(buf, req.body + req.off, n);
	req.off += n;
	return (int)n;
}

static int
f_writef(void *d, const char *fmt, va_list ap)
{
	char *s;
	int n = vasprintf(&s, fmt, ap);

	if (n >= 0) {
		wm_buf_append(&req.out, s, (size_t)n);
		free(s);
	}
	return n < 0;	/* cgiwrap wants 0 for success here */
}

static int
f_write(void *d, const char *buf, int len)
{
	wm_buf_append(&req.out, buf, (size_t)len);
	return len;
}

static char *
f_getenv(void *d, const char *k)
{
	int i;

	for (i = 0; req.env[i][0] != NULL; i++)
		if (strcmp(req.env[i][0], k) == 0)
			return strdup(req.env[i][1]);
	return NULL;
}

static int
f_putenv(void *d, const char *k, const char *v)
{
	return 0;
}

static int
f_iterenv(void *d, int n, char **k, char **v)
{
	int i;

	*k = *v = NULL;
	for (i = 0; i < n && req.env[i][0] != NULL; i++)
		;
	if (req.env[i][0] == NULL)
		return 0;
	*k = strdup(req.env[i][0]);
	*v = strdup(req.env[i][1]);
	return 0;
}

static void
setenv_req(const char *k, const char *v)
{
	int i;

	for (i = 0; req.env[i][0] != NULL; i++)
		;
	req.env[i][0] = k;
	req.env[i][1] = v;
}

static void
setup(void)
{
	char *path;

	memset(&req, 0, sizeof(req));
	wm_buf_init(&req.out);
	wm_web_io(f_read, f_writef, f_write, f_getenv, f_putenv,
	    f_iterenv);
	tdir = wm_test_tmpdir();
	path = wm_asprintf("%s/error.cs", tdir);
	wm_test_write(path, "<p class=\"err\"><?cs var:Page.error ?></p>\n");
	free(path);
	path = wm_asprintf("%s/hello.cs", tdir);
	wm_test_write(path, "<p><?cs var:Name ?></p>\n");
	free(path);
}

static void
teardown(void)
{
	wm_buf_free(&req.out);
	wm_test_rmdir(tdir);
}

static struct wm_web *
request(const char *method, const char *path, const char *body)
{
	struct wm_web *w;
	struct wm_err err;
	static char len[32];

	setenv_req("REQUEST_METHOD", method);
	setenv_req("PATH_INFO", path);
	if (body != NULL) {
		char *ct = f_getenv(NULL, "CONTENT_TYPE");

		req.body = body;
		snprintf(len, sizeof(len), "%zu", strlen(body));
		setenv_req("CONTENT_LENGTH", len);
		if (ct == NULL)
			setenv_req("CONTENT_TYPE", "application/x-www-form-urlencoded");
		free(ct);
	}
	w = wm_web_new(tdir, &err);
	ck_assert_msg(w != NULL, "%s", err.msg);
	ck_assert_msg(wm_web_parse(w, 1 << 20, &err) == 0, "%s", err.msg);
	return w;
}

static int handled;

static int
h_ok(struct wm_web *w, void *ctx, const long long *args)
{
	struct wm_err err;

	handled = 1;
	if (args[0] != 0)
		wm_web_setf(w, "Name", "msg %lld part %lld", args[0], args[1]);
	else
		wm_web_set(w, "Name", "ok");
	return wm_web_render(w, "hello.cs", &err);
}

static const struct wm_route routes[] = {
	{ "GET", "/hello", h_ok },
	{ "POST", "/change", h_ok },
	{ "GET", "/msg/#/part/#", h_ok },
	{ NULL, NULL, NULL }
};

static void
assert_security_headers(const char *out)
{
	ck_assert_msg(strstr(out, "Content-Security-Policy: default-src 'none'; "
	    "style-src 'self'") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "script-src"));
	ck_assert_ptr_nonnull(strstr(out, "frame-ancestors 'none'"));
	ck_assert_ptr_nonnull(strstr(out, "X-Frame-Options: DENY\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Referrer-Policy: no-referrer\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "X-Content-Type-Options: nosniff\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Cache-Control: no-store\r\n"));
}

START_TEST(test_web_every_response_has_security_headers)
{
	struct wm_web *w = request("GET", "/hello", NULL);

	wm_web_dispatch(w, routes, NULL, NULL);
	assert_security_headers(req.out.data);
	ck_assert_ptr_nonnull(strstr(req.out.data,
	    "Content-Type: text/html; charset=UTF-8"));
	ck_assert_ptr_nonnull(strstr(req.out.data, "<p>ok</p>"));
	ck_assert_ptr_null(strstr(req.out.data, "<!--"));	/* no time footer */
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_unknown_path_is_404_with_headers)
{
	struct wm_web *w = request("GET", "/nope", NULL);

	ck_assert_int_eq(wm_web_dispatch(w, routes, NULL, NULL), -1);
	ck_assert_ptr_nonnull(strstr(req.out.data, "Status: 404"));
	assert_security_headers(req.out.data);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_wrong_method_is_405)
{
	struct wm_web *w = request("GET", "/change", NULL);

	ck_assert_int_eq(wm_web_dispatch(w, routes, NULL, NULL), -1);
	ck_assert_ptr_nonnull(strstr(req.out.data, "Status: 405"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_routes_pass_numbers)
{
	struct wm_web *w = request("GET", "/msg/42/part/3", NULL);
	long long a[4];

	wm_web_dispatch(w, routes, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(req.out.data, "msg 42 part 3"));
	wm_web_free(w);
	ck_assert_int_eq(wm_web_match("/msg/#", "/msg/x1", a, 4), 0);
	ck_assert_int_eq(wm_web_match("/msg/#", "/msg/", a, 4), 0);
	ck_assert_int_eq(wm_web_match("/msg/#", "/msg/1/", a, 4), 0);
	ck_assert_int_eq(wm_web_match("/msg/#", "/msg/1234567890123456789", a, 4), 0);
	ck_assert_int_eq(wm_web_match("/msg/#", "/msg/17", a, 4), 1);
	ck_assert_int_eq(a[0], 17);
}
END_TEST

START_TEST(test_web_post_without_csrf_is_403_and_not_handled)
{
	struct wm_web *w = request("POST", "/change", "x=1");

	handled = 0;
	ck_assert_int_eq(wm_web_dispatch(w, routes, "secret-token", NULL), -1);
	ck_assert_int_eq(handled, 0);
	ck_assert_ptr_nonnull(strstr(req.out.data, "Status: 403"));
	ck_assert_ptr_nonnull(strstr(req.out.data, "Nothing was changed"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_post_with_wrong_csrf_is_403)
{
	struct wm_web *w = request("POST", "/change", "csrf=secret-tokem");

	handled = 0;
	ck_assert_int_eq(wm_web_dispatch(w, routes, "secret-token", NULL), -1);
	ck_assert_int_eq(handled, 0);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_post_without_any_session_token_is_403)
{
	struct wm_web *w = request("POST", "/change", "csrf=");

	handled = 0;
	ck_assert_int_eq(wm_web_dispatch(w, routes, "", NULL), -1);
	ck_assert_int_eq(handled, 0);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_post_with_right_csrf_is_handled)
{
	struct wm_web *w = request("POST", "/change", "csrf=secret-token&a=1");

	handled = 0;
	wm_web_dispatch(w, routes, "secret-token", NULL);
	ck_assert_int_eq(handled, 1);
	ck_assert_ptr_null(strstr(req.out.data, "Status: 403"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_cookie_is_httponly_secure_strict_and_encoded)
{
	struct wm_web *w = request("GET", "/hello", NULL);
	struct wm_err err;

	ck_assert_int_eq(wm_web_set_cookie(w, "sid", "a b;c=d\r\nX: y", -1, &err), 0);
	ck_assert_int_eq(wm_web_set_cookie(w, "gone", "x", 0, &err), 0);
	ck_assert_int_eq(wm_web_set_cookie(w, "bad.name", "x", -1, &err), -1);
	wm_web_dispatch(w, routes, NULL, NULL);
	ck_assert_msg(strstr(req.out.data, "Set-Cookie: sid=a+b%3Bc%3Dd%0D%0AX%3A+y; "
	    "Path=/; Secure; HttpOnly; SameSite=Strict\r\n") != NULL, "%s",
	    req.out.data);
	ck_assert_ptr_nonnull(strstr(req.out.data, "Set-Cookie: gone=; Path=/; "
	    "Secure; HttpOnly; SameSite=Strict; Max-Age=0\r\n"));
	ck_assert_ptr_null(strstr(req.out.data, "\nX: y"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_incoming_cookie_is_decoded)
{
	struct wm_web *w;
	char *v;

	setenv_req("HTTP_COOKIE", "other=1; sid=a+b%3Bc%3Dd; x=2");
	w = request("GET", "/hello", NULL);
	v = wm_web_cookie(w, "sid");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "a b;c=d");
	free(v);
	ck_assert_ptr_null(wm_web_cookie(w, "missing"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_header_with_line_break_is_refused)
{
	struct wm_web *w = request("GET", "/hello", NULL);
	struct wm_err err;

	ck_assert_int_eq(wm_web_header(w, "X-Test", "a\r\nSet-Cookie: x=1", &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(wm_web_header(w, "X-Test", "a\nb", &err), -1);
	ck_assert_int_eq(wm_web_header(w, "X:Test", "a", &err), -1);
	ck_assert_int_eq(wm_web_header(w, "X-Test", "fine", &err), 0);
	ck_assert_int_eq(wm_web_redirect(w, "/x\r\nSet-Cookie: a=b", &err), -1);
	wm_web_dispatch(w, routes, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(req.out.data, "X-Test: fine\r\n"));
	ck_assert_ptr_null(strstr(req.out.data, "Set-Cookie"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_header_replaces_same_name)
{
	struct wm_web *w = request("GET", "/hello", NULL);
	struct wm_err err;

	ck_assert_int_eq(wm_web_header(w, "X-Frame-Options", "SAMEORIGIN", &err), 0);
	wm_web_dispatch(w, routes, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(req.out.data, "X-Frame-Options: SAMEORIGIN"));
	ck_assert_ptr_null(strstr(req.out.data, "X-Frame-Options: DENY"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_template_variables_are_html_escaped)
{
	struct wm_web *w = request("GET", "/x", NULL);
	struct wm_err err;

	wm_web_set(w, "Name", "<script>alert(\"x\")</script>&");
	ck_assert_msg(wm_web_render(w, "hello.cs", &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(strstr(req.out.data, "<script>"));
	ck_assert_msg(strstr(req.out.data, "&lt;script&gt;alert(&quot;x&quot;)"
	    "&lt;/script&gt;&amp;") != NULL, "%s", req.out.data);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_redirect_is_local_only)
{
	struct wm_web *w = request("GET", "/x", NULL);
	struct wm_err err;

	ck_assert_int_eq(wm_web_redirect(w, "//evil.example/", &err), -1);
	ck_assert_int_eq(wm_web_redirect(w, "https://evil.example/", &err), -1);
	ck_assert_int_eq(wm_web_redirect(w, "/\\evil.example", &err), -1);
	ck_assert_int_eq(wm_web_redirect(w, "/portal/inbox", &err), 0);
	ck_assert_ptr_nonnull(strstr(req.out.data, "Status: 303 See Other\r\n"));
	ck_assert_ptr_nonnull(strstr(req.out.data, "Location: /portal/inbox\r\n"));
	assert_security_headers(req.out.data);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_body_over_limit_is_refused_unread)
{
	struct wm_web *w;
	struct wm_err err;

	setenv_req("REQUEST_METHOD", "POST");
	setenv_req("CONTENT_TYPE", "application/x-www-form-urlencoded");
	setenv_req("CONTENT_LENGTH", "2000");
	req.body = "a=1";
	w = wm_web_new(tdir, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(wm_web_parse(w, 1000, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_int_eq(req.off, 0);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_upload_arrives_through_filehandle)
{
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	    "t\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"r\xc3\xa9sum\xc3\xa9.txt\"\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "line one\r\nline two\r\n"
	    "--XyZ--\r\n";
	struct wm_web *w;
	char buf[64] = "";
	size_t n;
	FILE *f;

	setenv_req("CONTENT_TYPE", "multipart/form-data; boundary=XyZ");
	w = request("POST", "/upload", body);
	ck_assert_str_eq(wm_web_param(w, "csrf"), "t");
	f = wm_web_upload(w, "file");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "line one\r\nline two");
	ck_assert_str_eq(wm_web_upload_name(w, "file"), "r\xc3\xa9sum\xc3\xa9.txt");
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_repeated_fields_are_listed)
{
	struct wm_web *w = request("POST", "/x", "id=3&id=5&id=8&one=1");
	const char *v[8];

	ck_assert_uint_eq(wm_web_param_list(w, "id", v, 8), 3);
	ck_assert_str_eq(v[0], "3");
	ck_assert_str_eq(v[2], "8");
	ck_assert_uint_eq(wm_web_param_list(w, "one", v, 8), 1);
	ck_assert_uint_eq(wm_web_param_list(w, "none", v, 8), 0);
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_download_has_safe_disposition)
{
	struct wm_web *w = request("GET", "/x", NULL);
	struct wm_err err;

	ck_assert_int_eq(wm_web_send(w, "application/pdf", "attachment",
	    "a\"b;\r\nc.pdf", "%PDF", 4, &err), 0);
	ck_assert_msg(strstr(req.out.data, "Content-Disposition: attachment; "
	    "filename=\"a_b___c.pdf\"; filename*=UTF-8''a%22b%3B%0D%0Ac.pdf\r\n")
	    != NULL, "%s", req.out.data);
	ck_assert_ptr_nonnull(strstr(req.out.data, "Content-Type: application/pdf\r\n"));
	ck_assert_ptr_nonnull(strstr(req.out.data, "X-Content-Type-Options: nosniff"));
	wm_web_free(w);
}
END_TEST

START_TEST(test_web_download_name_keeps_spaces_and_utf8)
{
	struct wm_web *w = request("GET", "/x", NULL);
	struct wm_err err;

	/* A '+' for a space would reach the user's disk as a '+'. */
	ck_assert_int_eq(wm_web_send(w, "text/plain", "attachment",
	    "M\xc3\xa4rz plan+1.txt", "x", 1, &err), 0);
	ck_assert_msg(strstr(req.out.data, "filename*=UTF-8''M%C3%A4rz%20plan+1.txt"
	    "\r\n") != NULL, "%s", req.out.data);
	wm_web_free(w);
}
END_TEST

/* The same binary is a plain CGI unless the server gave it a socket. */
START_TEST(test_web_plain_cgi_when_stdin_is_no_socket)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(dup2(fds[0], 0), 0);
	ck_assert_int_eq(wm_web_fcgi(), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_web_fastcgi_when_stdin_is_a_listening_socket)
{
	struct sockaddr_un sun;
	char *dir = wm_test_tmpdir();
	char *path = wm_asprintf("%s/fcgi.sock", dir);
	int s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_ge(s = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(dup2(s, 0), 0);
	ck_assert_int_eq(wm_web_fcgi(), 1);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("web");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_web_every_response_has_security_headers);
	tcase_add_test(tc, test_web_unknown_path_is_404_with_headers);
	tcase_add_test(tc, test_web_wrong_method_is_405);
	tcase_add_test(tc, test_web_routes_pass_numbers);
	tcase_add_test(tc, test_web_post_without_csrf_is_403_and_not_handled);
	tcase_add_test(tc, test_web_post_with_wrong_csrf_is_403);
	tcase_add_test(tc, test_web_post_without_any_session_token_is_403);
	tcase_add_test(tc, test_web_post_with_right_csrf_is_handled);
	tcase_add_test(tc, test_web_cookie_is_httponly_secure_strict_and_encoded);
	tcase_add_test(tc, test_web_incoming_cookie_is_decoded);
	tcase_add_test(tc, test_web_header_with_line_break_is_refused);
	tcase_add_test(tc, test_web_header_replaces_same_name);
	tcase_add_test(tc, test_web_template_variables_are_html_escaped);
	tcase_add_test(tc, test_web_redirect_is_local_only);
	tcase_add_test(tc, test_web_body_over_limit_is_refused_unread);
	tcase_add_test(tc, test_web_upload_arrives_through_filehandle);
	tcase_add_test(tc, test_web_repeated_fields_are_listed);
	tcase_add_test(tc, test_web_download_has_safe_disposition);
	tcase_add_test(tc, test_web_download_name_keeps_spaces_and_utf8);
	tcase_add_test(tc, test_web_plain_cgi_when_stdin_is_no_socket);
	tcase_add_test(tc, test_web_fastcgi_when_stdin_is_a_listening_socket);
	suite_add_tcase(s, tc);
	return s;
}
