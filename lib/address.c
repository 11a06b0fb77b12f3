/*
 * address.c - see address.h.
 *
 * The canonical form is what the box keys users, mailboxes and settings by,
 * so two spellings of one address must give one form, and no spelling may
 * smuggle anything else (a display name, a second header line, a path).
 * Nothing is trimmed: an address with stray spaces is refused, not guessed.
 * The rewrites are the ones that keep the address the same mailbox: the
 * domain is lower-cased, a single trailing dot is dropped ("example.com." is
 * the same domain written absolute), and a quoted local part is written in
 * its one shortest form ("bob"@ is bob@).  The case of the local part is
 * kept: only the receiving host may decide that Bob and bob are one.
 */
#include <string.h>

#include "address.h"
#include "err.h"

#define LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1 */
#define DOMAIN_MAX	253	/* RFC 1035 255 octets on the wire */
#define LABEL_MAX	63

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5322 atext, ASCII part. */
static int
is_atext(int c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Length of the UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF, no C1 controls), 0 when invalid.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned int cp;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* Dot-atom (RFC 5322 3.2.3), atext widened to UTF-8 by RFC 6531. */
static int
check_dot_atom(const unsigned char *s, size_t len, struct wm_err *err)
{
	size_t i = 0, n;
	int prev_dot = 1;

	while (i < len) {
		if (s[i] == '.') {
			if (prev_dot)
				return wm_err_set(err, EX_DATAERR, "local part has "
				    "a leading or doubled dot (quote it)");
			prev_dot = 1;
			i++;
			continue;
		}
		prev_dot = 0;
		if (s[i] >= 0x80) {
			if ((n = utf8_len(s + i)) == 0 || i + n > len)
				return wm_err_set(err, EX_DATAERR, "local part is "
				    "not valid UTF-8");
			i += n;
			continue;
		}
		if (!is_atext(s[i]))
			return wm_err_set(err, EX_DATAERR, "local part has a "
			    "character that needs quoting (0x%02x)", s[i]);
		i++;
	}
	if (prev_dot)
		return wm_err_set(err, EX_DATAERR, "local part ends with a dot");
	return 0;
}

/*
 * Quoted-string (RFC 5321 4.1.2, qtextSMTP and quoted-pairSMTP) spanning
 * exactly s[0..len): the quotes are part of the canonical local part.
 */
static int
check_quoted(const unsigned char *s, size_t len, struct wm_err *err)
{
	size_t i, n;

	if (len < 3 || s[len - 1] != '"')
		return wm_err_set(err, EX_DATAERR, "local part has an empty or "
		    "unterminated quoted string");
	for (i = 1; i < len - 1; ) {
		if (s[i] == '\\') {
			if (i + 1 >= len - 1 || s[i + 1] < 0x20 || s[i + 1] > 0x7e)
				return wm_err_set(err, EX_DATAERR, "local part has "
				    "a bad backslash escape");
			i += 2;
			continue;
		}
		if (s[i] == '"')
			return wm_err_set(err, EX_DATAERR, "local part has text "
			    "after a quoted string");
		if (s[i] >= 0x80) {
			if ((n = utf8_len(s + i)) == 0 || i + n > len - 1)
				return wm_err_set(err, EX_DATAERR, "local part is "
				    "not valid UTF-8");
			i += n;
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f)
			return wm_err_set(err, EX_DATAERR, "local part has a "
			    "control character");
		i++;
	}
	return 0;
}

/* Length of a leading quoted string at s, or 0 when it is not closed. */
static size_t
quoted_span(const char *s)
{
	size_t i;

	for (i = 1; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

static int
check_label(const char *l, size_t len, struct wm_err *err)
{
	size_t i;

	if (len == 0)
		return wm_err_set(err, EX_DATAERR, "domain has an empty label");
	if (len > LABEL_MAX)
		return wm_err_set(err, EX_DATAERR, "domain label longer than %d "
		    "characters", LABEL_MAX);
	if (l[0] == '-' || l[len - 1] == '-')
		return wm_err_set(err, EX_DATAERR, "domain label starts or ends "
		    "with a hyphen");
	for (i = 0; i < len; i++) {
		if (!is_alpha(l[i]) && !is_digit(l[i]) && l[i] != '-')
			return wm_err_set(err, EX_DATAERR, "domain has a character "
			    "other than letters, digits, hyphens and dots (0x%02x)",
			    (unsigned char)l[i]);
	}
	return 0;
}

/* Checks an LDH domain of len bytes (trailing dot already removed). */
static int
check_domain(const char *d, size_t len, struct wm_err *err)
{
	size_t i, start = 0;

	if (len == 0)
		return wm_err_set(err, EX_DATAERR, "empty domain");
	for (i = 0; i < len; i++) {
		if ((unsigned char)d[i] >= 0x80)
			return wm_err_set(err, EX_DATAERR, "domain has non-ASCII "
			    "characters: write it in its xn-- (IDNA A-label) form");
	}
	if (d[0] == '[')
		return wm_err_set(err, EX_DATAERR, "address literals ([...]) "
		    "are not accepted as domains");
	if (len > DOMAIN_MAX)
		return wm_err_set(err, EX_DATAERR, "domain longer than %d "
		    "characters", DOMAIN_MAX);
	for (i = 0; i <= len; i++) {
		if (i < len && d[i] != '.')
			continue;
		if (check_label(d + start, i - start, err) == -1)
			return -1;
		start = i + 1;
	}
	return 0;
}

/* Refusals that hold anywhere in the input, with the clearest message. */
static int
check_whole(const char *in, size_t len, struct wm_err *err)
{
	size_t i;

	if (len == 0)
		return wm_err_set(err, EX_DATAERR, "empty address");
	if (len > WM_ADDRESS_MAX + 1)
		return wm_err_set(err, EX_DATAERR, "address longer than %d "
		    "characters", WM_ADDRESS_MAX);
	for (i = 0; i < len; i++) {
		if (in[i] == '\r' || in[i] == '\n')
			return wm_err_set(err, EX_DATAERR, "address contains a "
			    "line break");
		if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)
			return wm_err_set(err, EX_DATAERR, "address contains a "
			    "control character");
	}
	if (strchr(in, '<') != NULL || strchr(in, '>') != NULL)
		return wm_err_set(err, EX_DATAERR, "give the bare address, "
		    "without a display name or angle brackets");
	if (strchr(in, '@') == NULL)
		return wm_err_set(err, EX_DATAERR, "address has no @");
	return 0;
}

/*
 * The canonical local part of a quoted string q[0..qlen): quoting is not part
 * of the value (RFC 5322 3.2.4), so content that is a dot-atom loses its
 * quotes, and otherwise only a quote or a backslash keeps its backslash.  One
 * spelling per mailbox.
 */
static size_t
canonical_quoted(const char *q, size_t qlen, char *local)
{
	char raw[WM_ADDRESS_MAX + 1] = "";
	size_t i, n = 0, o = 0;

	for (i = 1; i + 1 < qlen; i++) {
		if (q[i] == '\\')
			i++;
		raw[n++] = q[i];
	}
	if (check_dot_atom((const unsigned char *)raw, n, NULL) == 0) {
		memcpy(local, raw, n);
		return n;
	}
	local[o++] = '"';
	for (i = 0; i < n; i++) {
		if (raw[i] == '"' || raw[i] == '\\')
			local[o++] = '\\';
		local[o++] = raw[i];
	}
	local[o++] = '"';
	return o;
}

/* Checks the local part of in; writes its canonical form; *at: the '@'. */
static int
parse_local(const char *in, char *local, size_t *llen, const char **at,
    struct wm_err *err)
{
	size_t qlen;

	if (in[0] == '"') {
		if ((qlen = quoted_span(in)) == 0)
			return wm_err_set(err, EX_DATAERR, "local part has an "
			    "unterminated quoted string");
		*at = in + qlen;
		if (**at != '@')
			return wm_err_set(err, EX_DATAERR, "a quoted local part "
			    "must be followed by @");
		if (check_quoted((const unsigned char *)in, qlen, err) == -1)
			return -1;
		*llen = canonical_quoted(in, qlen, local);
	} else {
		*at = strchr(in, '@');
		*llen = (size_t)(*at - in);
		if (*llen == 0)
			return wm_err_set(err, EX_DATAERR, "empty local part");
		if (memchr(in, ' ', *llen) != NULL)
			return wm_err_set(err, EX_DATAERR, "address contains a "
			    "space (a display name?)");
		if (check_dot_atom((const unsigned char *)in, *llen, err) == -1)
			return -1;
		memcpy(local, in, *llen);
	}
	if (*llen > LOCAL_MAX)
		return wm_err_set(err, EX_DATAERR, "local part longer than %d "
		    "characters", LOCAL_MAX);
	return 0;
}

int
wm_address_normalize(const char *in, char *out, size_t outlen,
    struct wm_err *err)
{
	char local[2 * (WM_ADDRESS_MAX + 1)];
	const char *at = NULL, *dom;
	size_t llen = 0, dlen, i;

	if (in == NULL)
		return wm_err_set(err, EX_DATAERR, "empty address");
	if (check_whole(in, strlen(in), err) == -1 ||
	    parse_local(in, local, &llen, &at, err) == -1)
		return -1;
	dom = at + 1;
	dlen = strlen(dom);
	if (strchr(dom, '@') != NULL)
		return wm_err_set(err, EX_DATAERR, "address has more than one @");
	if (strchr(dom, ' ') != NULL)
		return wm_err_set(err, EX_DATAERR, "address contains a space");
	if (dlen > 0 && dom[dlen - 1] == '.') {
		if (dlen > 1 && dom[dlen - 2] == '.')
			return wm_err_set(err, EX_DATAERR, "domain ends with "
			    "more than one dot");
		dlen--;
	}
	if (check_domain(dom, dlen, err) == -1)
		return -1;
	if (llen + 1 + dlen > WM_ADDRESS_MAX)
		return wm_err_set(err, EX_DATAERR, "address longer than %d "
		    "characters", WM_ADDRESS_MAX);
	if (llen + 1 + dlen >= outlen)
		return wm_err_set(err, EX_SOFTWARE, "address buffer too small");
	memcpy(out, local, llen);
	out[llen] = '@';
	for (i = 0; i < dlen; i++) {
		char c = dom[i];

		out[llen + 1 + i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[llen + 1 + dlen] = '\0';
	return 0;
}

const char *
wm_address_domain(const char *address)
{
	const char *at = strrchr(address, '@');

	return at == NULL ? address + strlen(address) : at + 1;
}
