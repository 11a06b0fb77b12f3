/*
 * mta.c - see mta.h.  The fields are rows of the mta_settings table (a field
 * without a row has its built-in default); a backup of the database carries
 * them.  main.cf is never edited by hand here: postconf(1) writes the
 * parameters, so lines an administrator added through the raw configuration
 * stay as they are.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "dkim.h"
#include "err.h"
#include "log.h"
#include "mta.h"
#include "prefs.h"
#include "util.h"

#define LIST_MAX	4096	/* bytes of a list field */
#define RAW_MAX		(1 << 20)

/*
 * Postfix's own default for parent_domain_matches_subdomains, without
 * relay_domains: "match subdomains" adds it back.
 */
#define PARENT_MATCH \
	"debug_peer_list,fast_flush_domains,mynetworks," \
	"permit_mx_backup_networks,qmqpd_authorized_clients,smtpd_access_maps"

static const struct wm_mta_field fields[WM_MTA_NFIELDS] = {
	[WM_MTA_RELAY_DOMAINS] = { "relay-domains", WM_MTA_DOMAINS, "",
	    "relay_domains, relay_recipient_maps, transport_maps", 0,
	    "Relay domains", "destination domains this system will relay mail "
	    "to (and subdomains if Match Subdomains is selected)" },
	[WM_MTA_MY_NETWORKS] = { "my-networks", WM_MTA_CIDRS,
	    "127.0.0.1/32 ::1/128", "mynetworks", 0, "My networks",
	    "the list of \"trusted\" SMTP clients that have more privileges "
	    "than \"strangers\"; they may relay mail through the MTA" },
	[WM_MTA_MY_HOSTNAME] = { "my-hostname", WM_MTA_HOSTNAME, "",
	    "myhostname", 0, "My Hostname", "the internet hostname of this "
	    "mail system (empty: the domain of the relay recipient)" },
	[WM_MTA_EXT_HOST] = { "external-relay-host", WM_MTA_HOST, "",
	    "relayhost", 0, "External relay host", "the default mail "
	    "next-hop destination for remote delivery; empty for direct "
	    "delivery using MX records" },
	[WM_MTA_EXT_MX] = { "external-relay-mx", WM_MTA_BOOL, "no",
	    "relayhost", 0, "mx", "use the MX records of the external relay host" },
	[WM_MTA_EXT_PORT] = { "external-relay-port", WM_MTA_PORT, "25",
	    "relayhost", 0, "port", "port of the external relay host" },
	[WM_MTA_WEB_HOST] = { "webmail-relay-host", WM_MTA_HOST, "",
	    "content_filter of the relay listener (master.cf)", 0,
	    "Webmail relay host", "the next-hop destination of mail sent by "
	    "webmail users; empty for the external relay host or MX records" },
	[WM_MTA_WEB_MX] = { "webmail-relay-mx", WM_MTA_BOOL, "no",
	    "content_filter of the relay listener (master.cf)", 0, "mx",
	    "use the MX records of the webmail relay host" },
	[WM_MTA_WEB_PORT] = { "webmail-relay-port", WM_MTA_PORT, "25",
	    "content_filter of the relay listener (master.cf)", 0, "port",
	    "port of the webmail relay host" },
	[WM_MTA_INT_HOST] = { "internal-relay-host", WM_MTA_HOST, "",
	    "transport_maps", 0, "Internal relay host", "the next-hop "
	    "destination of mail to one of the relay domains (typically the "
	    "internal company mail server)" },
	[WM_MTA_INT_MX] = { "internal-relay-mx", WM_MTA_BOOL, "no",
	    "transport_maps", 0, "mx", "use the MX records of the internal "
	    "relay host" },
	[WM_MTA_INT_PORT] = { "internal-relay-port", WM_MTA_PORT, "25",
	    "transport_maps", 0, "port", "port of the internal relay host" },
	[WM_MTA_MATCH_SUBDOMAINS] = { "match-subdomains", WM_MTA_BOOL, "no",
	    "parent_domain_matches_subdomains", 0, "Match Subdomains",
	    "select if subdomains of Relay domains should automatically match" },
	[WM_MTA_BEFORE_SIZE] = { "before-filter-size-limit", WM_MTA_SIZE,
	    "104857600", "message_size_limit of the SMTP listener (master.cf)", 1,
	    "Before filter message size limit", "the maximal size in bytes of "
	    "a message, including envelope information, accepted by the SMTP "
	    "daemon" },
	[WM_MTA_AFTER_SIZE] = { "after-filter-size-limit", WM_MTA_SIZE,
	    "209715200", "message_size_limit", 1,
	    "After filter message size limit", "the maximal size in bytes of "
	    "a message after encryption/decryption; not smaller than the "
	    "before filter limit" },
	[WM_MTA_MAILBOX_SIZE] = { "mailbox-size-limit", WM_MTA_SIZE,
	    "0", "mailbox_size_limit", 1, "Mailbox size limit",
	    "the maximal size in bytes of any individual mailbox; not smaller "
	    "than the after filter limit (0: no limit)" },
	[WM_MTA_HELO] = { "smtp-helo-name", WM_MTA_HOSTNAME, "",
	    "smtp_helo_name", 1, "SMTP helo name", "the hostname to use for "
	    "the SMTP EHLO or HELO command; empty: My Hostname" },
	[WM_MTA_RUV] = { "reject-unverified-recipient", WM_MTA_BOOL, "no",
	    "smtpd_recipient_restrictions", 1, "Reject unverified recipient",
	    "reject the request when mail to the RCPT TO address is known to "
	    "bounce" },
	[WM_MTA_RUV_CODE] = { "reject-unverified-code", WM_MTA_CODE, "450",
	    "unverified_recipient_reject_code", 1, "reject code",
	    "450 (temporary) at first, 550 once verification works" },
	[WM_MTA_DKIM_SIGNING] = { "dkim-signing", WM_MTA_BOOL, "no",
	    "non_smtpd_milters", 1, "DKIM signing",
	    "sign mail the box sends with OpenDKIM (wm-mtacfg dkim create first)" },
	[WM_MTA_DKIM_SELECTOR] = { "dkim-selector", WM_MTA_SELECTOR, "",
	    "opendkim.conf Selector", 1, "DKIM selector",
	    "the selector of the DKIM key (set by dkim create)" },
	[WM_MTA_DKIM_DOMAIN] = { "dkim-domain", WM_MTA_HOSTNAME, "",
	    "opendkim.conf Domain", 1, "DKIM domain",
	    "the signing domain d= (set by dkim create)" },
};

/*
 * main.cf parameters of the box that hold no field: changing them would
 * break tunnels, delivery or the instance's own files.
 */
static const char *owned[] = {
	"queue_directory", "data_directory", "command_directory",
	"header_checks", "smtp_header_checks",
	"wmdeliver_destination_recipient_limit", "lmtp_destination_recipient_limit",
	"smtpd_relay_restrictions", "local_transport", "local_recipient_maps",
	"mydestination", "maillog_file", "inet_interfaces", "milter_default_action",
	NULL
};

/* Parameters generated from the fields (and the relay recipient). */
static const char *generated[] = {
	"myhostname", "mynetworks", "relay_domains",
	"parent_domain_matches_subdomains", "relay_recipient_maps",
	"transport_maps", "relayhost", "smtp_helo_name", "message_size_limit",
	"mailbox_size_limit", "smtpd_recipient_restrictions",
	"unverified_recipient_reject_code", "non_smtpd_milters", NULL
};

struct wm_mta {
	char	*v[WM_MTA_NFIELDS];
	int	 set[WM_MTA_NFIELDS];
	int	 last;		/* field set last, named by relation errors; -1 */
};

const struct wm_mta_field *
wm_mta_fields(void)
{
	return fields;
}

int
wm_mta_find(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < WM_MTA_NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return i;
	return -1;
}

void
wm_mta_free(struct wm_mta *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < WM_MTA_NFIELDS; i++)
		free(m->v[i]);
	free(m);
}

struct wm_mta *
wm_mta_defaults(void)
{
	struct wm_mta *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->last = -1;
	for (i = 0; i < WM_MTA_NFIELDS; i++)
		if ((m->v[i] = wm_strdup(fields[i].def)) == NULL) {
			wm_mta_free(m);
			return NULL;
		}
	return m;
}

const char *
wm_mta_get(const struct wm_mta *m, enum wm_mta_id id)
{
	return m->v[id];
}

int
wm_mta_is_set(const struct wm_mta *m, enum wm_mta_id id)
{
	return m->set[id];
}

static int
replace(struct wm_mta *m, int id, char *v, struct wm_err *err)
{
	if (v == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	free(m->v[id]);
	m->v[id] = v;
	m->set[id] = 1;
	return 0;
}

struct wm_mta *
wm_mta_load(struct wm_db *db, struct wm_err *err)
{
	struct wm_mta *m;
	sqlite3_stmt *st;
	int rc, id;

	if ((m = wm_mta_defaults()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if ((st = wm_db_prepare(db, "SELECT name, value FROM mta_settings",
	    err)) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((id = wm_mta_find(wm_db_text(st, 0))) != -1 &&
		    replace(m, id, wm_strdup(wm_db_text(st, 1)), err) == -1)
			break;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			wm_db_fail(db, "mta settings", err);
		goto fail;
	}
	return m;
fail:
	wm_mta_free(m);
	return NULL;
}

/* Validators: each returns the canonical form (malloc'd) or NULL. */

static int
label_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* RFC 1123 host or domain name: dot-separated labels, at most 253 bytes. */
static int
hostname_ok(const char *s)
{
	const char *dot;
	size_t len = strlen(s);

	if (len == 0 || len > 253)
		return 0;
	for (;;) {
		dot = strchr(s, '.');
		if (!label_ok(s, dot ? (size_t)(dot - s) : strlen(s)))
			return 0;
		if (dot == NULL)
			return 1;
		s = dot + 1;
	}
}

static char *
lower_dup(const char *s)
{
	char *d = wm_strdup(s), *p;

	for (p = d; p != NULL && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static int
ip_ok(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Host bits set below the prefix make Postfix warn and mean a typo. */
static int
host_bits_zero(const unsigned char *a, int bytes, int prefix)
{
	int i;

	for (i = 0; i < bytes; i++) {
		int keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
		unsigned char mask = keep == 0 ? 0 : (unsigned char)(0xff << (8 - keep));

		if ((a[i] & (unsigned char)~mask) != 0)
			return 0;
	}
	return 1;
}

/* "10.1.2.0/24", "[2001:db8::]/32" -> canonical text without brackets. */
static char *
cidr_canon(const char *name, const char *in, int force, struct wm_err *err)
{
	char addr[64], *slash, *end;
	unsigned char a[16];
	int fam, bytes;
	long prefix;

	if (strlen(in) >= sizeof(addr) || (slash = strchr(in, '/')) == NULL)
		goto bad;
	if (in[0] == '[' && slash > in + 1 && slash[-1] == ']')
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - in - 2), in + 1);
	else
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - in), in);
	fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	bytes = fam == AF_INET ? 4 : 16;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (inet_pton(fam, addr, a) != 1 || !isdigit((unsigned char)slash[1]) ||
	    *end != '\0' || errno != 0 || prefix < 0 || prefix > bytes * 8)
		goto bad;
	if (!host_bits_zero(a, bytes, (int)prefix)) {
		wm_err_set(err, EX_DATAERR, "%s: \"%s\" has host bits set below "
		    "the /%ld prefix", name, in, prefix);
		return NULL;
	}
	if (prefix < 8 && !force) {
		wm_err_set(err, EX_DATAERR, "%s: \"%s\" is wider than a /8 and "
		    "would make the box an open relay (--force to allow)", name, in);
		return NULL;
	}
	inet_ntop(fam, a, addr, sizeof(addr));
	return wm_asprintf("%s/%ld", addr, prefix);
bad:
	wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not a network in CIDR "
	    "notation (e.g. 192.168.1.0/24 or 2001:db8::/32)", name, in);
	return NULL;
}

static char *
domain_canon(const char *name, const char *in, struct wm_err *err)
{
	if (!hostname_ok(in)) {
		wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not a domain name", name, in);
		return NULL;
	}
	return lower_dup(in);
}

static char *
item_canon(const struct wm_mta_field *f, const char *in, int force,
    struct wm_err *err)
{
	if (f->type == WM_MTA_CIDRS)
		return cidr_canon(f->name, in, force, err);
	return domain_canon(f->name, in, err);
}

/* True when the space-separated list has item. */
static int
in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p;

	for (p = list; (p = strstr(p, item)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* A list field: items split on blanks and commas, each checked, no doubles. */
static char *
list_canon(const struct wm_mta_field *f, const char *in, int force,
    struct wm_err *err)
{
	struct wm_buf b;
	char *copy, *tok, *save, *one;

	if (strlen(in) > LIST_MAX) {
		wm_err_set(err, EX_DATAERR, "%s: longer than %d bytes", f->name, LIST_MAX);
		return NULL;
	}
	if ((copy = wm_strdup(in)) == NULL)
		return NULL;
	wm_buf_init(&b);
	wm_buf_puts(&b, "");
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if ((one = item_canon(f, tok, force, err)) == NULL)
			break;
		if (b.data != NULL && !in_list(b.data, one))
			wm_buf_printf(&b, "%s%s", b.len ? " " : "", one);
		free(one);
	}
	free(copy);
	if (tok != NULL) {	/* an item was refused */
		wm_buf_free(&b);
		return NULL;
	}
	return wm_buf_take(&b);
}

static char *
bool_canon(const char *name, const char *in, struct wm_err *err)
{
	static const char *yes[] = { "yes", "on", "true", "1", NULL };
	static const char *no[] = { "no", "off", "false", "0", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(in, yes[i]) == 0)
			return wm_strdup("yes");
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(in, no[i]) == 0)
			return wm_strdup("no");
	wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not yes or no", name, in);
	return NULL;
}

static char *
number_canon(const struct wm_mta_field *f, const char *in, struct wm_err *err)
{
	long long n;
	char *end;

	if (f->type == WM_MTA_SIZE) {
		if (wm_parse_size(in, &n) == 0 && n >= 0 && n <= (1LL << 40))
			return wm_asprintf("%lld", n);
		wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not a size in bytes "
		    "(K, M, G suffixes allowed)", f->name, in);
		return NULL;
	}
	errno = 0;
	n = strtoll(in, &end, 10);
	if (f->type == WM_MTA_PORT && isdigit((unsigned char)*in) &&
	    *end == '\0' && errno == 0 && n >= 1 && n <= 65535)
		return wm_asprintf("%lld", n);
	if (f->type == WM_MTA_CODE && (strcmp(in, "450") == 0 ||
	    strcmp(in, "550") == 0))
		return wm_strdup(in);
	if (f->type == WM_MTA_PORT)
		wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not a port (1-65535)",
		    f->name, in);
	else
		wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not 450 or 550", f->name, in);
	return NULL;
}

static char *
name_canon(const struct wm_mta_field *f, const char *in, struct wm_err *err)
{
	if (*in == '\0')
		return wm_strdup("");
	if (f->type == WM_MTA_SELECTOR && label_ok(in, strlen(in)))
		return lower_dup(in);
	if (f->type == WM_MTA_HOSTNAME && hostname_ok(in))
		return lower_dup(in);
	if (f->type == WM_MTA_HOST && (hostname_ok(in) || ip_ok(in)))
		return lower_dup(in);
	wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not a %s", f->name, in,
	    f->type == WM_MTA_HOST ? "host name or IP address" :
	    f->type == WM_MTA_SELECTOR ? "DNS label" : "host name (RFC 1123)");
	return NULL;
}

static char *
canon(const struct wm_mta_field *f, const char *in, int force, struct wm_err *err)
{
	char *v;

	if (wm_has_crlf(in)) {
		wm_err_set(err, EX_DATAERR, "%s: line breaks are not allowed", f->name);
		return NULL;
	}
	switch (f->type) {
	case WM_MTA_DOMAINS:
	case WM_MTA_CIDRS:
		v = list_canon(f, in, force, err);
		break;
	case WM_MTA_BOOL:
		v = bool_canon(f->name, in, err);
		break;
	case WM_MTA_PORT:
	case WM_MTA_SIZE:
	case WM_MTA_CODE:
		v = number_canon(f, in, err);
		break;
	default:
		v = name_canon(f, in, err);
		break;
	}
	if (v == NULL && err != NULL && err->code == 0)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return v;
}

int
wm_mta_set(struct wm_mta *m, const char *name, const char *value, int force,
    struct wm_err *err)
{
	char *v;
	int id;

	if ((id = wm_mta_find(name)) == -1)
		return wm_err_set(err, EX_USAGE, "unknown field %s", name);
	wm_err_clear(err);
	if ((v = canon(&fields[id], value, force, err)) == NULL)
		return -1;
	m->last = id;
	return replace(m, id, v, err);
}

int
wm_mta_list_add(struct wm_mta *m, enum wm_mta_id id, const char *value,
    int force, struct wm_err *err)
{
	char *joined;
	int rc;

	if (strpbrk(value, " \t,") != NULL || *value == '\0')
		return wm_err_set(err, EX_DATAERR, "%s: give one value, not \"%s\"",
		    fields[id].name, value);
	if ((joined = wm_asprintf("%s %s", m->v[id], value)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = wm_mta_set(m, fields[id].name, joined, force, err);
	free(joined);
	return rc;
}

int
wm_mta_list_remove(struct wm_mta *m, enum wm_mta_id id, const char *value,
    struct wm_err *err)
{
	struct wm_buf b;
	char *one, *copy, *tok, *save;
	int found = 0;

	wm_err_clear(err);
	if ((one = item_canon(&fields[id], value, 1, err)) == NULL)
		return -1;
	copy = wm_strdup(m->v[id]);
	wm_buf_init(&b);
	wm_buf_puts(&b, "");
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, one) == 0)
			found = 1;
		else
			wm_buf_printf(&b, "%s%s", b.len ? " " : "", tok);
	}
	free(copy);
	free(one);
	if (!found) {
		wm_buf_free(&b);
		return wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not in the list",
		    fields[id].name, value);
	}
	return replace(m, id, wm_buf_take(&b), err);
}

static long long
num(const struct wm_mta *m, enum wm_mta_id id)
{
	return strtoll(m->v[id], NULL, 10);
}

/*
 * small must not exceed large; the message names the field just set, so
 * "set before-filter-size-limit" too large names before-filter-size-limit.
 */
static int
size_order(const struct wm_mta *m, enum wm_mta_id small, enum wm_mta_id large,
    int *blamed, struct wm_err *err)
{
	if (num(m, large) >= num(m, small))
		return 0;
	if (m->last == (int)small) {
		*blamed = small;
		return wm_err_set(err, EX_DATAERR, "%s: %s is larger than %s %s",
		    fields[small].name, m->v[small], fields[large].name,
		    m->v[large]);
	}
	*blamed = large;
	return wm_err_set(err, EX_DATAERR, "%s: %s is smaller than %s %s",
	    fields[large].name, m->v[large], fields[small].name, m->v[small]);
}

/* As wm_mta_validate; *blamed is the field the message names. */
static int
validate_at(const struct wm_mta *m, int *blamed, struct wm_err *err)
{
	char *v;
	int i;

	/* Every stored value again: a restored backup may come from elsewhere. */
	for (i = 0; i < WM_MTA_NFIELDS; i++) {
		wm_err_clear(err);
		*blamed = i;
		if ((v = canon(&fields[i], m->v[i], 1, err)) == NULL)
			return -1;
		free(v);
	}
	if (size_order(m, WM_MTA_BEFORE_SIZE, WM_MTA_AFTER_SIZE, blamed, err) == -1)
		return -1;
	if (num(m, WM_MTA_MAILBOX_SIZE) != 0 &&
	    size_order(m, WM_MTA_AFTER_SIZE, WM_MTA_MAILBOX_SIZE, blamed, err) == -1)
		return -1;
	*blamed = WM_MTA_DKIM_SIGNING;
	if (strcmp(m->v[WM_MTA_DKIM_SIGNING], "yes") == 0 &&
	    (*m->v[WM_MTA_DKIM_SELECTOR] == '\0' || *m->v[WM_MTA_DKIM_DOMAIN] == '\0'))
		return wm_err_set(err, EX_DATAERR, "dkim-signing: no key yet "
		    "(wm-mtacfg dkim create --selector S --domain D)");
	return 0;
}

int
wm_mta_validate(const struct wm_mta *m, struct wm_err *err)
{
	int blamed;

	return validate_at(m, &blamed, err);
}

static int
store_row(struct wm_db *db, const struct wm_mta *m, int i, struct wm_err *err)
{
	sqlite3_stmt *st;

	if (!m->set[i])
		return 0;
	st = wm_db_prepare(db, "INSERT INTO mta_settings (name, value) VALUES (?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET value = excluded.value", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fields[i].name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->v[i], -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "mta settings", err);
}

int
wm_mta_store(struct wm_db *db, const struct wm_mta *m, const char *actor,
    struct wm_err *err)
{
	struct wm_mta *old;
	int i;

	if (wm_mta_validate(m, err) == -1)
		return -1;
	if ((old = wm_mta_load(db, err)) == NULL)
		return -1;
	if (wm_db_begin(db, err) == -1)
		goto fail_free;
	for (i = 0; i < WM_MTA_NFIELDS; i++) {
		if (m->set[i] && strcmp(old->v[i], m->v[i]) == 0 && old->set[i])
			continue;
		if (store_row(db, m, i, err) == -1 ||
		    (m->set[i] && wm_db_audit(db, actor, "mta-set", fields[i].name,
		    err) == -1))
			goto fail;
	}
	wm_mta_free(old);
	return wm_db_commit(db, err);
fail:
	wm_db_rollback(db);
fail_free:
	wm_mta_free(old);
	return -1;
}

/* Generation */

static const char *
domain_of(const char *address)
{
	const char *at = strrchr(address, '@');

	return at ? at + 1 : address;
}

static int
port_of(const struct wm_config *cfg, const char *key)
{
	char host[64];
	int port;

	if (wm_config_hostport(wm_config_get(cfg, "listen", key), host,
	    sizeof(host), &port) == -1)
		return 0;
	return port;
}

/* "[host]:port", or "host:port" when mx; "" for no host. */
static void
nexthop(struct wm_buf *b, const struct wm_mta *m, const struct wm_config *cfg,
    enum wm_mta_id host)
{
	const char *h = m->v[host];
	int mx = strcmp(m->v[host + 1], "yes") == 0;

	/* A capture instance never sends mail off the machine. */
	if (*h == '\0' && host != WM_MTA_INT_HOST &&
	    wm_config_bool(cfg, "instance", "capture-outbound")) {
		wm_buf_printf(b, "[127.0.0.1]:%d", port_of(cfg, "sink"));
		return;
	}
	if (*h == '\0')
		return;
	wm_buf_printf(b, mx ? "%s:%s" : "[%s]:%s", h, m->v[host + 2]);
}

/* Regular expression matching addresses of domain d (and subdomains). */
static void
domain_regexp(struct wm_buf *b, const char *d, int sub)
{
	wm_buf_puts(b, sub ? "{/[@.]" : "{/@");
	for (; *d; d++)
		wm_buf_printf(b, *d == '.' ? "\\." : "%c", *d);
	/* "$" would start a macro in main.cf. */
	wm_buf_puts(b, "$$/ ok}");
}

/* Every relay domain as tok; returns the count. */
static int
each_domain(const struct wm_mta *m, char ***out)
{
	char *copy = wm_strdup(m->v[WM_MTA_RELAY_DOMAINS]), *tok, *save, **v;
	int n = 0;

	*out = NULL;
	if (copy == NULL || (v = calloc(LIST_MAX / 2 + 2, sizeof(*v))) == NULL) {
		free(copy);
		return 0;
	}
	v[0] = copy;	/* owns the storage */
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		v[1 + n++] = tok;
	*out = v;
	return n;
}

static void
free_domains(char **v)
{
	if (v != NULL)
		free(v[0]);
	free(v);
}

static void
relay_maps(struct wm_buf *b, const struct wm_mta *m, const char *rcpt)
{
	int sub = strcmp(m->v[WM_MTA_MATCH_SUBDOMAINS], "yes") == 0;
	char **d;
	int i, n = each_domain(m, &d);

	wm_buf_printf(b, "relay_domains = %s%s%s\n", domain_of(rcpt),
	    n ? " " : "", m->v[WM_MTA_RELAY_DOMAINS]);
	wm_buf_printf(b, "parent_domain_matches_subdomains = %s%s\n",
	    PARENT_MATCH, sub ? ",relay_domains" : "");
	/* Tunnels come for exactly one address of the box's own domain. */
	wm_buf_printf(b, "relay_recipient_maps = inline:{ %s=ok }", rcpt);
	for (i = 1; i <= n; i++) {
		wm_buf_puts(b, i == 1 ? ", regexp:{ " : ", ");
		domain_regexp(b, d[i], sub);
	}
	wm_buf_puts(b, n ? " }\n" : "\n");
	free_domains(d);
}

/* transport = lmtp: Postfix hands tunnels to wm-lmtpd, not to the pipe. */
static int
lmtp_transport(const struct wm_config *cfg)
{
	const char *t = wm_config_get(cfg, "instance", "transport");

	return t != NULL && strcmp(t, "lmtp") == 0;
}

static void
transport(struct wm_buf *b, const struct wm_mta *m, const struct wm_config *cfg,
    const char *rcpt)
{
	int sub = strcmp(m->v[WM_MTA_MATCH_SUBDOMAINS], "yes") == 0;
	struct wm_buf hop;
	char **d;
	int i, n = each_domain(m, &d);

	wm_buf_init(&hop);
	nexthop(&hop, m, cfg, WM_MTA_INT_HOST);
	if (lmtp_transport(cfg))
		wm_buf_printf(b, "transport_maps = inline:{ %s=lmtp:unix:%s", rcpt,
		    wm_config_path(cfg, "lmtp"));
	else
		wm_buf_printf(b, "transport_maps = inline:{ %s=wmdeliver:", rcpt);
	for (i = 1; hop.data != NULL && i <= n; i++) {
		wm_buf_printf(b, ", %s=smtp:%s", d[i], hop.data);
		if (sub)
			wm_buf_printf(b, ", .%s=smtp:%s", d[i], hop.data);
	}
	wm_buf_puts(b, " }\n");
	wm_buf_free(&hop);
	free_domains(d);
}

static void
networks(struct wm_buf *b, const struct wm_mta *m)
{
	char *copy = wm_strdup(m->v[WM_MTA_MY_NETWORKS]), *tok, *save;
	int first = 1;

	wm_buf_puts(b, "mynetworks =");
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok != NULL;
	    tok = strtok_r(NULL, " ", &save), first = 0) {
		char *slash = strchr(tok, '/');

		/* Postfix wants IPv6 networks in brackets. */
		if (strchr(tok, ':') != NULL && slash != NULL)
			wm_buf_printf(b, "%s[%.*s]%s", first ? " " : ", ",
			    (int)(slash - tok), tok, slash);
		else
			wm_buf_printf(b, "%s%s", first ? " " : ", ", tok);
	}
	wm_buf_puts(b, "\n");
	free(copy);
}

static void
restrictions(struct wm_buf *b, const struct wm_mta *m, const char *rcpt)
{
	/* The relay recipient is the wm-deliver pipe: nothing to verify. */
	if (strcmp(m->v[WM_MTA_RUV], "yes") == 0)
		wm_buf_printf(b, "smtpd_recipient_restrictions = check_recipient_access"
		    " inline:{ %s=OK }, reject_unverified_recipient\n", rcpt);
	else
		wm_buf_puts(b, "smtpd_recipient_restrictions =\n");
	wm_buf_printf(b, "unverified_recipient_reject_code = %s\n",
	    m->v[WM_MTA_RUV_CODE]);
}

int
wm_mta_main_cf(struct wm_buf *b, const struct wm_mta *m,
    const struct wm_config *cfg, const char *rcpt)
{
	const char *host = *m->v[WM_MTA_MY_HOSTNAME] ? m->v[WM_MTA_MY_HOSTNAME] :
	    domain_of(rcpt);
	struct wm_buf hop;
	char *milter;

	wm_buf_printf(b, "myhostname = %s\n", host);
	networks(b, m);
	relay_maps(b, m, rcpt);
	transport(b, m, cfg, rcpt);
	wm_buf_init(&hop);
	nexthop(&hop, m, cfg, WM_MTA_EXT_HOST);
	wm_buf_printf(b, "relayhost =%s%s\n", hop.data ? " " : "",
	    hop.data ? hop.data : "");
	wm_buf_free(&hop);
	wm_buf_printf(b, "smtp_helo_name = %s\n",
	    *m->v[WM_MTA_HELO] ? m->v[WM_MTA_HELO] : "$myhostname");
	wm_buf_printf(b, "message_size_limit = %s\nmailbox_size_limit = %s\n",
	    m->v[WM_MTA_AFTER_SIZE], m->v[WM_MTA_MAILBOX_SIZE]);
	restrictions(b, m, rcpt);
	milter = strcmp(m->v[WM_MTA_DKIM_SIGNING], "yes") == 0 ?
	    wm_dkim_milter(cfg) : wm_strdup("");
	wm_buf_printf(b, "non_smtpd_milters =%s%s\n", milter && *milter ? " " : "",
	    milter ? milter : "");
	free(milter);
	/* Box-owned: unsigned mail must not leave while the signer is down. */
	wm_buf_printf(b,
	    "milter_default_action = tempfail\n"
	    "wmdeliver_destination_recipient_limit = 1\n"
	    "lmtp_destination_recipient_limit = 1\n"
	    "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
	    "header_checks = regexp:%s/%sheader_checks\n"
	    /* The routing mark of portal mail never reaches the next hop. */
	    "smtp_header_checks = regexp:%s/%ssmtp_header_checks\n",
	    wm_config_path(cfg, "postfix"), wm_mta_checks_prefix(cfg),
	    wm_config_path(cfg, "postfix"), wm_mta_checks_prefix(cfg));
	return b->data == NULL ? -1 : 0;
}

/*
 * The system Postfix's /etc/postfix may already hold an administrator's
 * header_checks: production's files carry the box's prefix.
 */
const char *
wm_mta_checks_prefix(const struct wm_config *cfg)
{
	return wm_config_bool(cfg, "instance", "production") == 1 ? "wm_" : "";
}

int
wm_mta_master_opts(struct wm_buf *b, const struct wm_mta *m,
    const struct wm_config *cfg, const char *key)
{
	struct wm_buf hop;

	if (strcmp(key, "smtp") == 0) {
		wm_buf_printf(b, "  -o message_size_limit=%s\n",
		    m->v[WM_MTA_BEFORE_SIZE]);
		return b->data == NULL ? -1 : 0;
	}
	wm_buf_printf(b, "  -o message_size_limit=%s\n", m->v[WM_MTA_AFTER_SIZE]);
	wm_buf_init(&hop);
	nexthop(&hop, m, cfg, WM_MTA_WEB_HOST);
	if (hop.data != NULL)
		wm_buf_printf(b, "  -o content_filter=smtp:%s\n", hop.data);
	wm_buf_free(&hop);
	return b->data == NULL ? -1 : 0;
}

int
wm_mta_submit_listener(struct wm_buf *b, const char *listen, const char *name,
    const char *sep)
{
	/*
	 * Reached from loopback only, by the box itself.  Restrictions set
	 * globally for tunnels (or by the administrator, in production) are
	 * emptied: a notice is refused only for what sendmail would refuse.
	 */
	static const char *opts[] = {
	    "mynetworks=127.0.0.0/8",
	    "smtpd_client_restrictions=permit_mynetworks,reject",
	    "smtpd_helo_restrictions=",
	    "smtpd_sender_restrictions=",
	    "smtpd_recipient_restrictions=",
	    "smtpd_relay_restrictions=permit_mynetworks,reject",
	    "smtpd_data_restrictions=",
	    "smtpd_end_of_data_restrictions=",
	    "smtpd_reject_unlisted_recipient=no",
	    "smtpd_sasl_auth_enable=no",
	    "smtpd_tls_security_level=none",
	    "smtpd_milters=$non_smtpd_milters",
	    NULL
	};
	int i;

	if (listen == NULL || *listen == '\0')
		return 0;
	wm_buf_printf(b, "%s inet n - n - - smtpd%s-o syslog_name=%s/submit",
	    listen, sep, name);
	for (i = 0; opts[i] != NULL; i++)
		wm_buf_printf(b, "%s-o %s", sep, opts[i]);
	wm_buf_puts(b, "\n");
	return b->data == NULL ? -1 : 0;
}

const char *
wm_mta_owned_param(int i)
{
	int n = (int)(sizeof(owned) / sizeof(owned[0])) - 1;

	if (i < 0)
		return NULL;
	return i < n ? owned[i] : generated[i - n];
}

int
wm_mta_param_owned(const char *param)
{
	const char *p;
	int i;

	for (i = 0; (p = wm_mta_owned_param(i)) != NULL; i++)
		if (strcmp(p, param) == 0)
			return 1;
	return 0;
}

int
wm_mta_change(struct wm_db *db, const char *actor, enum wm_mta_op op,
    const char *name, const char *value, int force, struct wm_err *err)
{
	struct wm_mta *m;
	int id, rc = -1;

	if ((id = wm_mta_find(name)) == -1)
		return wm_err_set(err, EX_USAGE, "unknown field %s", name);
	if (op != WM_MTA_OP_SET && fields[id].type != WM_MTA_DOMAINS &&
	    fields[id].type != WM_MTA_CIDRS)
		return wm_err_set(err, EX_USAGE, "%s is not a list", name);
	if ((m = wm_mta_load(db, err)) == NULL)
		return -1;
	if (op == WM_MTA_OP_SET)
		rc = wm_mta_set(m, name, value, force, err);
	else if (op == WM_MTA_OP_ADD)
		rc = wm_mta_list_add(m, id, value, force, err);
	else
		rc = wm_mta_list_remove(m, id, value, err);
	if (rc == 0)
		rc = wm_mta_store(db, m, actor, err);
	wm_mta_free(m);
	return rc;
}

/*
 * A whole form of the console: every posted field is checked, each refusal
 * handed to bad() with its field, then the relations; stored only when
 * nothing was refused.  Returns the number of refusals, or -1 when storing
 * failed (err).
 */
int
wm_mta_form_store(struct wm_db *db, const char *actor, const char *const *names,
    const char *const *values, int n, void (*bad)(void *, const char *field,
    const char *msg), void *arg, struct wm_err *err)
{
	struct wm_mta *m;
	struct wm_err e;
	int i, refused = 0, rc, blamed;

	if ((m = wm_mta_load(db, err)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (wm_mta_set(m, names[i], values[i], 0, &e) == -1) {
			bad(arg, names[i], e.msg);
			refused++;
		}
	m->last = -1;
	if (refused == 0 && validate_at(m, &blamed, &e) == -1) {
		bad(arg, fields[blamed].name, e.msg);
		refused++;
	}
	rc = refused ? refused : wm_mta_store(db, m, actor, err);
	wm_mta_free(m);
	return rc;
}
