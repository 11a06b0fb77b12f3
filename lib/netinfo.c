/*
 * netinfo.c - wm_net_info (netcfg.h): the interfaces as the kernel has them
 * (getifaddrs: addresses, masks, broadcast, MAC; /proc/net/route: gateways)
 * and the settings as the Debian files have them (DHCP or static, DNS,
 * search domains, hostname, NTP), the table of the guide's figure 3.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "netcfg.h"
#include "util.h"

#define IF_MAX	WM_NET_IF_MAX
#define iface	wm_net_if
#define info	wm_net_state

static struct iface *
find(struct info *in, const char *name)
{
	int i;

	for (i = 0; i < in->n; i++)
		if (strcmp(in->ifs[i].name, name) == 0)
			return &in->ifs[i];
	if (in->n == IF_MAX)
		return NULL;
	memset(&in->ifs[in->n], 0, sizeof(in->ifs[0]));
	snprintf(in->ifs[in->n].name, sizeof(in->ifs[0].name), "%s", name);
	return &in->ifs[in->n++];
}

static void
ntop(const struct sockaddr *sa, char *out, size_t len)
{
	*out = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
		    (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)len);
}

static void
one_addr(struct iface *f, const struct ifaddrs *i)
{
	const struct sockaddr_ll *ll;
	int k;

	switch (i->ifa_addr->sa_family) {
	case AF_PACKET:
		ll = (const struct sockaddr_ll *)i->ifa_addr;
		for (k = 0; k < ll->sll_halen && k < 7; k++)
			snprintf(f->mac + 3 * k, sizeof(f->mac) - 3 * (size_t)k,
			    k + 1 < ll->sll_halen ? "%02x:" : "%02x", ll->sll_addr[k]);
		break;
	case AF_INET:
		if (*f->addr)
			break;	/* the first address is the interface's */
		ntop(i->ifa_addr, f->addr, sizeof(f->addr));
		ntop(i->ifa_netmask, f->mask, sizeof(f->mask));
		if (i->ifa_flags & 0x2 /* IFF_BROADCAST */)
			ntop(i->ifa_broadaddr, f->bcast, sizeof(f->bcast));
		break;
	case AF_INET6:
		if (!*f->addr6)
			ntop(i->ifa_addr, f->addr6, sizeof(f->addr6));
		break;
	}
}

static int
kernel(struct info *in, struct wm_err *err)
{
	struct ifaddrs *ifa, *i;
	struct iface *f;

	if (getifaddrs(&ifa) == -1)
		return wm_err_set(err, EX_OSERR, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i != NULL; i = i->ifa_next)
		if ((f = find(in, i->ifa_name)) != NULL && i->ifa_addr != NULL)
			one_addr(f, i);
	freeifaddrs(ifa);
	return 0;
}

/* /proc/net/route: Iface Destination Gateway ... in host-order hex. */
static void
routes(struct info *in)
{
	char line[256], name[32];
	unsigned int dest, gw, flags;
	struct in_addr a;
	struct iface *f;
	FILE *fp;

	if ((fp = fopen("/proc/net/route", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%31s %x %x %x", name, &dest, &gw, &flags) != 4 ||
		    dest != 0 || !(flags & 0x2) /* RTF_GATEWAY */)
			continue;
		a.s_addr = gw;
		if ((f = find(in, name)) != NULL)
			inet_ntop(AF_INET, &a, f->gateway, sizeof(f->gateway));
		if (*in->gateway == '\0')
			inet_ntop(AF_INET, &a, in->gateway, sizeof(in->gateway));
	}
	fclose(fp);
}

static char *
rooted(const struct wm_net *n, const char *rel)
{
	const char *root = n->root && *n->root ? n->root : "/";

	return wm_asprintf("%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
}

/* "iface NAME inet dhcp" in one ifupdown file marks NAME as DHCP. */
static void
dhcp_in(struct info *in, const char *path)
{
	char line[512], w[4][64];
	struct iface *f;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%63s %63s %63s %63s", w[0], w[1], w[2], w[3]) == 4 &&
		    strcmp(w[0], "iface") == 0 && strcmp(w[3], "dhcp") == 0 &&
		    (f = find(in, w[1])) != NULL)
			f->dhcp = 1;
	fclose(fp);
}

static void
dhcp(struct info *in, const struct wm_net *n)
{
	char *p = rooted(n, "etc/network/interfaces"), *d, *q;
	struct dirent *e;
	DIR *dir;

	if (p != NULL)
		dhcp_in(in, p);
	free(p);
	if ((d = rooted(n, "etc/network/interfaces.d")) == NULL)
		return;
	if ((dir = opendir(d)) != NULL) {
		while ((e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' &&
			    (q = wm_asprintf("%s/%s", d, e->d_name)) != NULL) {
				dhcp_in(in, q);
				free(q);
			}
		closedir(dir);
	}
	free(d);
}

/* The values of lines "key v1 v2 ..." (every such line) of a file. */
static void
words(const struct wm_net *n, const char *rel, const char *key, FILE *f, int json)
{
	char *p = rooted(n, rel), line[512], *tok, *save;
	size_t klen = strlen(key);
	int first = 1;
	FILE *fp;

	fputs(json ? "[" : "", f);
	if (p != NULL && (fp = fopen(p, "re")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (strncmp(line, key, klen) != 0 ||
			    (line[klen] != ' ' && line[klen] != '\t' && line[klen] != '='))
				continue;
			for (tok = strtok_r(line + klen + 1, " \t\r\n", &save); tok;
			    tok = strtok_r(NULL, " \t\r\n", &save), first = 0) {
				fputs(first ? "" : json ? ", " : " ", f);
				if (json)
					wm_json_str(f, tok);
				else
					fputs(tok, f);
			}
		}
		fclose(fp);
	}
	free(p);
	fputs(json ? "]" : "", f);
}

static void
print_iface(FILE *f, const struct iface *i, int json)
{
	const char *v[] = { i->name, i->addr, i->mac, i->bcast, i->mask, i->gateway,
	    i->addr6 };
	const char *k[] = { "name", "address", "mac", "broadcast", "mask", "gateway",
	    "address6" };
	int j;

	if (!json) {
		fprintf(f, "%-10s %-15s %-17s %-15s %-15s %-15s %s\n", i->name,
		    *i->addr ? i->addr : "-", *i->mac ? i->mac : "-",
		    *i->bcast ? i->bcast : "-", *i->mask ? i->mask : "-",
		    *i->gateway ? i->gateway : "-", i->dhcp ? "true" : "false");
		return;
	}
	fputs("    {", f);
	for (j = 0; j < 7; j++) {
		fprintf(f, "%s\"%s\": ", j ? ", " : "", k[j]);
		wm_json_str(f, v[j]);
	}
	fprintf(f, ", \"dhcp\": %s}", i->dhcp ? "true" : "false");
}

static void
print_info(const struct wm_net *n, const struct info *in, FILE *f, int json)
{
	static const struct { const char *label, *file, *key; } files[] = {
		{ "dns", "etc/resolv.conf", "nameserver" },
		{ "search", "etc/resolv.conf", "search" },
		{ "ntp", "etc/systemd/timesyncd.conf", "NTP" },
	};
	char *hp = rooted(n, "etc/hostname");
	struct wm_buf hn;
	struct wm_err e;
	int i;

	if (!json)
		fprintf(f, "%-10s %-15s %-17s %-15s %-15s %-15s %s\n", "Name",
		    "Address", "MAC", "Broadcast", "Mask", "Gateway", "DHCP");
	fputs(json ? "{\n  \"interfaces\": [\n" : "", f);
	for (i = 0; i < in->n; i++) {
		print_iface(f, &in->ifs[i], json);
		fputs(json && i + 1 < in->n ? ",\n" : json ? "\n" : "", f);
	}
	if (json) {
		fputs("  ],\n  \"default_gateway\": ", f);
		wm_json_str(f, in->gateway);
	} else
		fprintf(f, "Default gateway: %s\n", *in->gateway ? in->gateway : "-");
	for (i = 0; i < 3; i++) {
		fprintf(f, json ? ",\n  \"%s\": " : "%s: ", files[i].label);
		words(n, files[i].file, files[i].key, f, json);
		fputs(json ? "" : "\n", f);
	}
	wm_buf_init(&hn);
	if (hp != NULL && wm_path_exists(hp))
		wm_read_file(hp, 4096, &hn, &e);
	if (hn.data != NULL)
		hn.data[strcspn(hn.data, " \t\r\n")] = '\0';
	fprintf(f, json ? ",\n  \"hostname\": " : "hostname: ");
	if (json)
		wm_json_str(f, hn.data ? hn.data : "");
	else
		fprintf(f, "%s\n", hn.data ? hn.data : "");
	wm_buf_free(&hn);
	free(hp);
	fputs(json ? "\n}\n" : "", f);
}

int
wm_net_read(const struct wm_net *n, struct wm_net_state *in, struct wm_err *err)
{
	memset(in, 0, sizeof(*in));
	if (kernel(in, err) == -1)
		return -1;
	routes(in);
	dhcp(in, n);
	return 0;
}

int
wm_net_info(const struct wm_net *n, FILE *f, int json, struct wm_err *err)
{
	struct info *in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (wm_net_read(n, in, err) == -1) {
		free(in);
		return -1;
	}
	print_info(n, in, f, json);
	free(in);
	return 0;
}
