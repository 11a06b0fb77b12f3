/*
 * sanitize.h - HTML mail made safe to show: parsed with libxml2's HTML
 * parser and rebuilt from an allowlist of tags, attributes and CSS
 * properties.  Nothing in the result can run script, submit a form, or load
 * anything from the network: links keep only http, https and mailto; images
 * keep only data: URLs (cid: images are inlined by the caller); CSS keeps
 * plain values without url(), expression() or @import.
 *
 * The result is a whole HTML document meant for an iframe with a sandbox
 * attribute that has neither allow-scripts nor allow-same-origin, served with
 * the Content-Security-Policy of wm_sanitize_csp().
 */
#ifndef WM_SANITIZE_H
#define WM_SANITIZE_H

#include <stddef.h>

struct wm_buf;
struct wm_err;

struct wm_sanitize {
	/*
	 * Turns a cid: reference (without "cid:" and without <>) into a
	 * malloc'd "data:image/...;base64,..." URL, or NULL to drop the image.
	 * May be NULL: every cid: image is dropped.
	 */
	char	*(*cid)(const char *content_id, void *arg);
	void	*cid_arg;
	/* Out: how many remote resources (images, backgrounds) were removed. */
	int	 blocked;
};

/*
 * Appends the sanitised document for html (UTF-8, len bytes, need not be
 * NUL-terminated) to out.  opt may be NULL.  Malformed HTML never fails;
 * only running out of memory does (EX_OSERR).
 */
int	 wm_sanitize_html(const char *html, size_t len, struct wm_sanitize *opt,
	    struct wm_buf *out, struct wm_err *);

/* The Content-Security-Policy header value to serve the document with. */
const char *wm_sanitize_csp(void);

/*
 * The sandbox attribute value for the iframe that shows the document: links
 * may open a new top-level window; nothing else is allowed.
 */
const char *wm_sanitize_iframe_sandbox(void);

/*
 * 1 when url is a link target the sanitiser keeps (http, https, mailto), after
 * the same trimming a browser does; 0 otherwise.  Exposed for tests and for
 * the portal, which must apply the same rule to links it renders itself.
 */
int	 wm_sanitize_url_ok(const char *url);

#endif
