/*
 * netcfg.c - see netcfg.h: validation and the writers of the Debian files.
 * The reader (wm_net_info) is in netinfo.c.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "err.h"
#include "log.h"
#include "netcfg.h"
#include "util.h"

#define FILE_MAX	(1 << 20)

static const char *debian_pool[] = {
	"0.debian.pool.ntp.org", "1.debian.pool.ntp.org",
	"2.debian.pool.ntp.org", "3.debian.pool.ntp.org", NULL
};

/* Files */

static char *
path_of(const struct wm_net *n, const char *rel)
{
	const char *root = n->root && *n->root ? n->root : "/";
	size_t len = strlen(root);

	return wm_asprintf("%s%s%s", root, root[len - 1] == '/' ? "" : "/", rel);
}

/* The file's text ("" when it does not exist yet). */
static int
read_text(const struct wm_net *n, const char *rel, struct wm_buf *b,
    struct wm_err *err)
{
	char *p = path_of(n, rel);
	int rc = 0;

	wm_buf_init(b);
	if (p == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (wm_path_exists(p))
		rc = wm_read_file(p, FILE_MAX, b, err);
	if (rc == 0 && b->data == NULL)
		wm_buf_puts(b, "");
	free(p);
	return rc;
}

static int
write_text(const struct wm_net *n, const char *rel, const struct wm_buf *b,
    struct wm_err *err)
{
	char *p = path_of(n, rel), *dir, *slash;
	int rc = -1;

	if (p == NULL || b->data == NULL || (dir = wm_strdup(p)) == NULL) {
		free(p);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (wm_mkdir_p(dir, 0755, err) == 0)
		rc = wm_write_file_atomic(p, b->data, b->len, 0644, err);
	free(dir);
	free(p);
	return rc;
}

/* Runs [commands] cmd with args when applying. */
static int
run_apply(const struct wm_net *n, const char *cmd, const char *const *args,
    struct wm_err *err)
{
	struct wm_buf out;
	int rc;

	if (!n->apply)
		return 0;
	if (n->cfg == NULL)
		return wm_err_set(err, EX_CONFIG, "--apply needs wm.conf [commands]");
	wm_buf_init(&out);
	rc = wm_ctl_command_all(n->cfg, cmd, args, &out, err);
	if (rc > 0) {
		while (out.len > 0 && isspace((unsigned char)out.data[out.len - 1]))
			out.data[--out.len] = '\0';
		wm_err_set(err, EX_UNAVAILABLE, "[commands] %s %s failed (exit %d): %.120s",
		    cmd, args[0] ? args[0] : "", rc, out.data ? out.data : "");
	}
	wm_buf_free(&out);
	return rc == 0 ? 0 : -1;
}

/* Validation */

static int
label_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
wm_net_hostname_ok(const char *name, int *warn, struct wm_err *err)
{
	const char *s = name, *dot;

	if (strlen(name) == 0 || strlen(name) > 253)
		goto bad;
	for (;;) {
		dot = strchr(s, '.');
		if (!label_ok(s, dot ? (size_t)(dot - s) : strlen(s)))
			goto bad;
		if (dot == NULL)
			break;
		s = dot + 1;
	}
	if (warn != NULL)
		*warn = strchr(name, '.') == NULL;
	return 0;
bad:
	return wm_err_set(err, EX_DATAERR, "hostname: \"%s\" is not a host name "
	    "(RFC 1123: letters, digits and hyphens, dot-separated)", name);
}

static int
ip_family(const char *s, unsigned char *buf)
{
	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return 0;
}

/* A dotted netmask with contiguous ones -> prefix, else -1. */
static int
mask_prefix(const char *s)
{
	struct in_addr a;
	uint32_t m;
	int p = 0;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (m & 0x80000000u) {
		p++;
		m <<= 1;
	}
	return m == 0 ? p : -1;
}

static int
parse_prefix(const char *s, int family)
{
	char *end;
	long v;

	if (family == AF_INET && strchr(s, '.') != NULL)
		return mask_prefix(s);
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < 1 || v > (family == AF_INET ? 32 : 128))
		return -1;
	return (int)v;
}

static uint32_t
v4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

/* IPv4: the address is a host of its network; gateway and broadcast in it. */
static int
check_v4(const struct wm_net_static *st, struct wm_err *err)
{
	uint32_t mask = st->prefix == 0 ? 0 : 0xffffffffu << (32 - st->prefix);
	uint32_t a = v4(st->address), net = a & mask, bcast = net | ~mask;

	if (st->prefix <= 30 && (a == net || a == bcast))
		return wm_err_set(err, EX_DATAERR, "address: %s is the network or "
		    "broadcast address of /%d", st->address, st->prefix);
	if (*st->gateway && ((v4(st->gateway) & mask) != net ||
	    v4(st->gateway) == a))
		return wm_err_set(err, EX_DATAERR, "gateway: %s is not another host "
		    "of %s/%d", st->gateway, st->address, st->prefix);
	if (*st->broadcast && (v4(st->broadcast) & mask) != net)
		return wm_err_set(err, EX_DATAERR, "broadcast: %s is outside "
		    "%s/%d", st->broadcast, st->address, st->prefix);
	return 0;
}

static int
copy_ip(char *dst, size_t len, const char *src, int family, const char *what,
    struct wm_err *err)
{
	unsigned char buf[16];

	if (src == NULL || *src == '\0') {
		*dst = '\0';
		return 0;
	}
	if (ip_family(src, buf) != family)
		return wm_err_set(err, EX_DATAERR, "%s: \"%s\" is not an IPv%d "
		    "address", what, src, family == AF_INET ? 4 : 6);
	inet_ntop(family, buf, dst, (socklen_t)len);
	return 0;
}

int
wm_net_parse_static(const char *addr, const char *gateway, const char *broadcast,
    struct wm_net_static *st, struct wm_err *err)
{
	char ip[64];
	const char *slash = strchr(addr, '/');

	memset(st, 0, sizeof(*st));
	if (slash == NULL || (size_t)(slash - addr) >= sizeof(ip))
		return wm_err_set(err, EX_DATAERR, "address: \"%s\" is not "
		    "ADDRESS/PREFIX (e.g. 192.168.1.5/24)", addr);
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - addr), addr);
	if ((st->family = ip_family(ip, (unsigned char[16]){ 0 })) == 0)
		return wm_err_set(err, EX_DATAERR, "address: \"%s\" is not an IP "
		    "address", ip);
	if ((st->prefix = parse_prefix(slash + 1, st->family)) == -1)
		return wm_err_set(err, EX_DATAERR, "address: \"%s\" is not a prefix "
		    "length or netmask", slash + 1);
	if (copy_ip(st->address, sizeof(st->address), ip, st->family, "address", err) == -1 ||
	    copy_ip(st->gateway, sizeof(st->gateway), gateway, st->family, "gateway", err) == -1)
		return -1;
	if (broadcast && *broadcast && st->family != AF_INET)
		return wm_err_set(err, EX_DATAERR, "broadcast: IPv6 has none");
	if (copy_ip(st->broadcast, sizeof(st->broadcast), broadcast, AF_INET,
	    "broadcast", err) == -1)
		return -1;
	return st->family == AF_INET ? check_v4(st, err) : 0;
}

/* Interfaces (ifupdown) */

/*
 * The text without the stanza of iface: its "iface IFACE" line with the
 * indented or option lines after it, and "auto"/"allow-hotplug" lines naming
 * only it.
 */
/* The words of one line of text (at most two, then whether a third exists). */
static int
line_words(const char *p, char *w1, size_t l1, char *w2, size_t l2)
{
	char line[512], *tok, *save;
	size_t len = strcspn(p, "\n");
	int n = 0;

	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
	*w1 = *w2 = '\0';
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), n++)
		if (n == 0)
			snprintf(w1, l1, "%s", tok);
		else if (n == 1)
			snprintf(w2, l2, "%s", tok);
	return n;
}

static int
stanza_start(const char *w)
{
	return strcmp(w, "iface") == 0 || strcmp(w, "auto") == 0 ||
	    strncmp(w, "allow-", 6) == 0 || strcmp(w, "mapping") == 0 ||
	    strcmp(w, "source") == 0 || strcmp(w, "source-directory") == 0;
}

/*
 * The text without the stanza of iface: its "iface IFACE" line with the
 * option lines after it, and "auto"/"allow-*" lines naming only it.
 */
static void
drop_stanza(const char *text, const char *iface, struct wm_buf *out)
{
	const char *p = text, *nl;
	char w1[32], w2[64];
	int in = 0, n;

	wm_buf_puts(out, "");
	for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		n = line_words(p, w1, sizeof(w1), w2, sizeof(w2));
		if (stanza_start(w1))
			in = strcmp(w1, "iface") == 0 && strcmp(w2, iface) == 0;
		if (in || ((strcmp(w1, "auto") == 0 || strncmp(w1, "allow-", 6) == 0) &&
		    strcmp(w2, iface) == 0 && n == 2))
			continue;
		wm_buf_append(out, p, nl ? (size_t)(nl - p + 1) : strlen(p));
	}
}

static void
stanza(struct wm_buf *b, const char *iface, enum wm_net_mode mode,
    const struct wm_net_static *st)
{
	wm_buf_printf(b, "# %s, written by wm-netcfg(8)\nauto %s\n", iface, iface);
	if (mode == WM_NET_DHCP) {
		wm_buf_printf(b, "iface %s inet dhcp\n", iface);
		return;
	}
	wm_buf_printf(b, "iface %s %s static\n\taddress %s/%d\n", iface,
	    st->family == AF_INET ? "inet" : "inet6", st->address, st->prefix);
	if (*st->gateway)
		wm_buf_printf(b, "\tgateway %s\n", st->gateway);
	if (*st->broadcast)
		wm_buf_printf(b, "\tbroadcast %s\n", st->broadcast);
}

/* The console is reached on an address of iface that the change would drop. */
static int
console_guard(const struct wm_net *n, const char *iface, enum wm_net_mode mode,
    const struct wm_net_static *st, struct wm_err *err)
{
	struct ifaddrs *ifa, *i;
	char a[64];
	int hit = 0;

	if (n->force || n->console_addr == NULL || *n->console_addr == '\0')
		return 0;
	if (mode == WM_NET_STATIC && strcmp(st->address, n->console_addr) == 0)
		return 0;
	if (getifaddrs(&ifa) == -1)
		return wm_err_set(err, EX_OSERR, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i != NULL && !hit; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, iface) != 0 ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		inet_ntop(i->ifa_addr->sa_family, i->ifa_addr->sa_family == AF_INET ?
		    (void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, sizeof(a));
		hit = strcmp(a, n->console_addr) == 0;
	}
	freeifaddrs(ifa);
	if (hit)
		return wm_err_set(err, EX_DATAERR, "interface: %s carries %s, the "
		    "address the console is reached on (--force to change it)",
		    iface, n->console_addr);
	return 0;
}

static int
apply_static(const struct wm_net *n, const char *iface,
    const struct wm_net_static *st, struct wm_err *err)
{
	char cidr[80];
	const char *flush[] = { "addr", "flush", "dev", iface, NULL };
	const char *add[] = { "addr", "add", cidr, "dev", iface, NULL, NULL, NULL };
	const char *up[] = { "link", "set", iface, "up", NULL };
	const char *route[] = { st->family == AF_INET ? "-4" : "-6", "route",
	    "replace", "default", "via", st->gateway, "dev", iface, NULL };

	snprintf(cidr, sizeof(cidr), "%s/%d", st->address, st->prefix);
	if (*st->broadcast) {
		add[5] = "broadcast";
		add[6] = st->broadcast;
	}
	if (run_apply(n, "ip", flush, err) == -1 || run_apply(n, "ip", add, err) == -1 ||
	    run_apply(n, "ip", up, err) == -1)
		return -1;
	return *st->gateway ? run_apply(n, "ip", route, err) : 0;
}

int
wm_net_iface_name_ok(const char *iface, struct wm_err *err)
{
	if (strlen(iface) > 15 || !label_ok(iface, strlen(iface)) || strchr(iface, '/'))
		return wm_err_set(err, EX_DATAERR, "interface: \"%s\" is not an "
		    "interface name", iface);
	return 0;
}

int
wm_net_interface_check(const struct wm_net *n, const char *iface,
    enum wm_net_mode mode, const struct wm_net_static *st, struct wm_err *err)
{
	if (wm_net_iface_name_ok(iface, err) == -1)
		return -1;
	return console_guard(n, iface, mode, st, err);
}

int
wm_net_interface(const struct wm_net *n, const char *iface, enum wm_net_mode mode,
    const struct wm_net_static *st, struct wm_err *err)
{
	struct wm_buf old, rest, mine;
	char *rel;
	int rc = -1;

	if (wm_net_interface_check(n, iface, mode, st, err) == -1)
		return -1;
	if ((rel = wm_asprintf("etc/network/interfaces.d/%s", iface)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	wm_buf_init(&rest);
	wm_buf_init(&mine);
	if (read_text(n, "etc/network/interfaces", &old, err) == -1)
		goto out;
	drop_stanza(old.data, iface, &rest);
	stanza(&mine, iface, mode, st);
	if (write_text(n, rel, &mine, err) == -1 ||
	    (strcmp(rest.data, old.data) != 0 &&
	    write_text(n, "etc/network/interfaces", &rest, err) == -1))
		goto out;
	if (mode == WM_NET_STATIC)
		rc = apply_static(n, iface, st, err);
	else
		rc = run_apply(n, "ifup", (const char *[]){ iface, NULL }, err);
out:
	wm_buf_free(&old);
	wm_buf_free(&rest);
	wm_buf_free(&mine);
	free(rel);
	return rc;
}

/* Hostname and hosts */

/* True when the names part of a hosts line has one of the old names. */
static int
names_old(const char *line, const char *old, const char *short_old)
{
	char copy[1024], *tok, *save;

	snprintf(copy, sizeof(copy), "%s", line);
	if (strtok_r(copy, " \t", &save) == NULL)
		return 0;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
		if (strcmp(tok, old) == 0 || strcmp(tok, short_old) == 0)
			return 1;
	return 0;
}

static void
host_line(struct wm_buf *out, const char *ip, const char *name)
{
	wm_buf_printf(out, "%s\t%s", ip, name);
	if (strchr(name, '.'))
		wm_buf_printf(out, " %.*s", (int)strcspn(name, "."), name);
	wm_buf_puts(out, "\n");
}

/*
 * The 127.0.1.1 line (Debian's own name entry) names the new hostname; other
 * lines naming the old one have it replaced; every other line stays as it is.
 */
static void
rename_hosts(const char *text, const char *old, const char *new, struct wm_buf *out,
    int *have_127011)
{
	const char *p = text, *nl;
	char line[1024], *tok, *save, short_old[254];

	snprintf(short_old, sizeof(short_old), "%.*s", (int)strcspn(old, "."), old);
	wm_buf_puts(out, "");
	for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
		if (strncmp(line, "127.0.1.1", 9) == 0 && (line[9] == ' ' || line[9] == '\t')) {
			*have_127011 = 1;
			host_line(out, "127.0.1.1", new);
			continue;
		}
		if (line[0] == '#' || *old == '\0' || !names_old(line, old, short_old)) {
			wm_buf_append(out, p, nl ? (size_t)(nl - p + 1) : strlen(p));
			continue;
		}
		tok = strtok_r(line, " \t", &save);
		wm_buf_puts(out, tok);
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
			wm_buf_printf(out, " %s", strcmp(tok, old) == 0 ||
			    strcmp(tok, short_old) == 0 ? new : tok);
		wm_buf_puts(out, "\n");
	}
}

int
wm_net_hostname(const struct wm_net *n, const char *name, struct wm_err *err)
{
	struct wm_buf old, hosts, out, hn;
	char cur[256] = "";
	int have = 0, rc = -1;

	if (wm_net_hostname_ok(name, NULL, err) == -1)
		return -1;
	wm_buf_init(&out);
	wm_buf_init(&hn);
	wm_buf_init(&hosts);
	if (read_text(n, "etc/hostname", &old, err) == -1 ||
	    read_text(n, "etc/hosts", &hosts, err) == -1)
		goto done;
	sscanf(old.data, "%255s", cur);
	rename_hosts(hosts.data, cur, name, &out, &have);
	if (!have)
		host_line(&out, "127.0.1.1", name);
	wm_buf_printf(&hn, "%s\n", name);
	if (write_text(n, "etc/hosts", &out, err) == 0 &&
	    write_text(n, "etc/hostname", &hn, err) == 0)
		rc = run_apply(n, "hostname", (const char *[]){ name, NULL }, err);
done:
	wm_buf_free(&old);
	wm_buf_free(&hosts);
	wm_buf_free(&out);
	wm_buf_free(&hn);
	return rc;
}

static int
hosts_entry_ok(const char *line, struct wm_err *err)
{
	char copy[WM_NET_HOSTS_LINE + 8], *tok, *save;
	int names = 0;

	if (strlen(line) > WM_NET_HOSTS_LINE)
		return wm_err_set(err, EX_DATAERR, "hosts: a line is longer than %d "
		    "characters", WM_NET_HOSTS_LINE);
	snprintf(copy, sizeof(copy), "%s", line);
	if ((tok = strtok_r(copy, " \t", &save)) == NULL)
		return 0;
	if (ip_family(tok, (unsigned char[16]){ 0 }) == 0)
		return wm_err_set(err, EX_DATAERR, "hosts: \"%s\" is not an IP "
		    "address", tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL && ++names)
		if (wm_net_hostname_ok(tok, NULL, err) == -1)
			return wm_err_set(err, EX_DATAERR, "hosts: \"%s\" is not a "
			    "host name", tok);
	if (names == 0)
		return wm_err_set(err, EX_DATAERR, "hosts: %s has no host name", line);
	return 0;
}

/* The entries of text, checked, appended to out (comments and blank lines left out). */
static int
hosts_entries(const char *text, struct wm_buf *out, struct wm_err *err)
{
	const char *p, *nl;
	char line[WM_NET_HOSTS_LINE + 8];

	for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if ((nl ? (size_t)(nl - p) : strlen(p)) > WM_NET_HOSTS_LINE)
			return wm_err_set(err, EX_DATAERR, "hosts: a line is longer "
			    "than %d characters", WM_NET_HOSTS_LINE);
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (hosts_entry_ok(line, err) == -1)
			return -1;
		wm_buf_printf(out, "%s\n", line);
	}
	return 0;
}

int
wm_net_hosts_check(const char *text, struct wm_err *err)
{
	struct wm_buf out;
	int rc;

	wm_buf_init(&out);
	rc = hosts_entries(text, &out, err);
	wm_buf_free(&out);
	return rc;
}

int
wm_net_hosts_set(const struct wm_net *n, const char *text, struct wm_err *err)
{
	struct wm_buf old, out;
	const char *p, *nl;
	int rc = -1;

	wm_buf_init(&out);
	if (read_text(n, "etc/hosts", &old, err) == -1)
		goto done;
	/* Comments of the old table stay; the entries are the new ones. */
	for (p = old.data; *p; p = nl ? nl + 1 : p + strlen(p))
		if (*p == '#' && (nl = strchr(p, '\n')) != NULL)
			wm_buf_append(&out, p, (size_t)(nl - p + 1));
		else
			nl = strchr(p, '\n');
	if (hosts_entries(text, &out, err) == 0)
		rc = write_text(n, "etc/hosts", &out, err);
done:
	wm_buf_free(&old);
	wm_buf_free(&out);
	return rc;
}

int
wm_net_hosts_list(const struct wm_net *n, FILE *f, int json, struct wm_err *err)
{
	struct wm_buf b;
	char *line, *save, *tok, *tsave;
	int first = 1;

	if (read_text(n, "etc/hosts", &b, err) == -1)
		return -1;
	if (json)
		fputs("[", f);
	for (line = strtok_r(b.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#' || (tok = strtok_r(line, " \t", &tsave)) == NULL)
			continue;
		if (json) {
			fprintf(f, "%s\n  {\"ip\": ", first ? "" : ",");
			wm_json_str(f, tok);
			fputs(", \"names\": [", f);
		} else
			fprintf(f, "%s", tok);
		for (int k = 0; (tok = strtok_r(NULL, " \t", &tsave)) != NULL; k++) {
			if (json) {
				fputs(k ? ", " : "", f);
				wm_json_str(f, tok);
			} else
				fprintf(f, " %s", tok);
		}
		fputs(json ? "]}" : "\n", f);
		first = 0;
	}
	if (json)
		fputs("\n]\n", f);
	wm_buf_free(&b);
	return 0;
}

/* DNS */

int
wm_net_dns(const struct wm_net *n, const char *search, const char *const *servers,
    int count, struct wm_err *err)
{
	struct wm_buf old, out;
	char w[32], copy[256], *tok, *save;
	const char *p, *nl;
	int i, rc = -1;

	if (count < 1 || count > WM_NET_DNS_MAX)
		return wm_err_set(err, EX_DATAERR, "dns: give 1 to %d servers "
		    "(the box needs at least one)", WM_NET_DNS_MAX);
	for (i = 0; i < count; i++)
		if (ip_family(servers[i], (unsigned char[16]){ 0 }) == 0)
			return wm_err_set(err, EX_DATAERR, "dns: \"%s\" is not an IP "
			    "address", servers[i]);
	if (search != NULL && strlen(search) >= sizeof(copy))
		return wm_err_set(err, EX_DATAERR, "search: too long");
	snprintf(copy, sizeof(copy), "%s", search ? search : "");
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (wm_net_hostname_ok(tok, NULL, err) == -1)
			return wm_err_set(err, EX_DATAERR, "search: \"%s\" is not a "
			    "domain name", tok);
	if (read_text(n, "etc/resolv.conf", &old, err) == -1)
		return -1;
	wm_buf_init(&out);
	wm_buf_puts(&out, "");
	/* Keep options, sortlist and comments; ours are nameserver and search. */
	for (p = old.data; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		w[0] = '\0';
		sscanf(p, "%31s", w);
		if (strcmp(w, "nameserver") != 0 && strcmp(w, "search") != 0 &&
		    strcmp(w, "domain") != 0)
			wm_buf_append(&out, p, nl ? (size_t)(nl - p + 1) : strlen(p));
	}
	if (search != NULL && search[strspn(search, " \t")] != '\0')
		wm_buf_printf(&out, "search %s\n", search);
	for (i = 0; i < count; i++)
		wm_buf_printf(&out, "nameserver %s\n", servers[i]);
	rc = write_text(n, "etc/resolv.conf", &out, err);
	wm_buf_free(&old);
	wm_buf_free(&out);
	return rc;
}

/* NTP (systemd-timesyncd) */

static void
ntp_line(struct wm_buf *b, const char *const *servers, int count)
{
	int i;

	wm_buf_puts(b, "NTP=");
	for (i = 0; count ? i < count : debian_pool[i] != NULL; i++)
		wm_buf_printf(b, "%s%s", i ? " " : "", count ? servers[i] : debian_pool[i]);
	wm_buf_puts(b, "\n");
}

int
wm_net_ntp(const struct wm_net *n, const char *const *servers, int count,
    struct wm_err *err)
{
	struct wm_buf old, out;
	const char *p, *nl;
	int i, in_time = 0, done = 0, rc;

	if (count > WM_NET_NTP_MAX)
		return wm_err_set(err, EX_DATAERR, "ntp: at most %d servers", WM_NET_NTP_MAX);
	for (i = 0; i < count; i++)
		if (ip_family(servers[i], (unsigned char[16]){ 0 }) == 0 &&
		    wm_net_hostname_ok(servers[i], NULL, err) == -1)
			return wm_err_set(err, EX_DATAERR, "ntp: \"%s\" is not a host "
			    "name or IP address", servers[i]);
	if (read_text(n, "etc/systemd/timesyncd.conf", &old, err) == -1)
		return -1;
	wm_buf_init(&out);
	wm_buf_puts(&out, "");
	for (p = old.data; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (*p == '[') {
			if (in_time && !done && (done = 1))
				ntp_line(&out, servers, count);
			in_time = strncmp(p, "[Time]", 6) == 0;
		} else if (in_time && strncmp(p, "NTP=", 4) == 0) {
			if (!done && (done = 1))
				ntp_line(&out, servers, count);
			continue;
		}
		wm_buf_append(&out, p, nl ? (size_t)(nl - p + 1) : strlen(p));
	}
	if (!done) {
		if (!in_time)
			wm_buf_puts(&out, "[Time]\n");
		ntp_line(&out, servers, count);
	}
	rc = write_text(n, "etc/systemd/timesyncd.conf", &out, err);
	wm_buf_free(&old);
	wm_buf_free(&out);
	return rc == 0 ? run_apply(n, "ntp-reload", (const char *[]){ NULL }, err) : -1;
}
