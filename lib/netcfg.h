/*
 * netcfg.h - the network settings of the guide (§3, wm-netcfg(8)) written to
 * the files a Debian 12 system reads, below a root directory (normally "/",
 * a scratch tree in tests):
 *
 *	etc/network/interfaces.d/IFACE	one ifupdown stanza per interface
 *	etc/network/interfaces		(the stanza of IFACE removed, rest kept)
 *	etc/hostname, etc/hosts, etc/resolv.conf
 *	etc/systemd/timesyncd.conf	NTP= of [Time]
 *
 * ifupdown, not systemd-networkd: it is what a Debian 12 installation
 * configures and runs (networkd is installed but disabled), so the box keeps
 * one network stack.  Every file is written atomically (tmp, fsync, rename)
 * and keeps the lines it does not own.  Reading the state of interfaces
 * comes from the kernel (getifaddrs, /proc/net/route) plus those files.
 */
#ifndef WM_NETCFG_H
#define WM_NETCFG_H

#include <stdio.h>

struct wm_buf;
struct wm_config;
struct wm_err;

#define WM_NET_DNS_MAX	3
#define WM_NET_NTP_MAX	3
#define WM_NET_HOSTS_LINE 255

struct wm_net {
	const char		*root;		/* "/" or a scratch tree */
	const struct wm_config	*cfg;		/* [commands] for apply; may be NULL */
	int			 apply;		/* also run the reload commands */
	int			 force;		/* allow changing the console address */
	const char		*console_addr;	/* address the console is reached on, or NULL */
};

enum wm_net_mode { WM_NET_DHCP, WM_NET_STATIC };

struct wm_net_static {
	char	address[64];	/* without prefix */
	int	prefix;
	char	gateway[64];	/* "" for none */
	char	broadcast[64];	/* "" for none (IPv4 only) */
	int	family;		/* AF_INET or AF_INET6 */
};

/*
 * "192.168.1.5/24", "192.168.1.5/255.255.255.0" or "2001:db8::5/64" plus
 * optional gateway and broadcast, checked (EX_DATAERR naming what is wrong).
 */
int	 wm_net_parse_static(const char *addr, const char *gateway,
	    const char *broadcast, struct wm_net_static *, struct wm_err *);

/* A name the kernel could give an interface (and a file name). */
int	 wm_net_iface_name_ok(const char *iface, struct wm_err *);
/*
 * What wm_net_interface checks before it writes or runs anything: the name,
 * and that the change keeps the address the console is reached on
 * (n->console_addr) unless n->force.  The console calls it with its own
 * connection's address before it runs the privileged command, whose
 * environment (sudo's) no longer says how the console is reached.
 */
int	 wm_net_interface_check(const struct wm_net *, const char *iface,
	    enum wm_net_mode, const struct wm_net_static *, struct wm_err *);
int	 wm_net_interface(const struct wm_net *, const char *iface, enum wm_net_mode,
	    const struct wm_net_static *, struct wm_err *);

/* RFC 1123; *warn is set when the name is not fully qualified. */
int	 wm_net_hostname_ok(const char *name, int *warn, struct wm_err *);
int	 wm_net_hostname(const struct wm_net *, const char *name, struct wm_err *);

int	 wm_net_dns(const struct wm_net *, const char *search, const char *const *servers,
	    int n, struct wm_err *);

/* Hosts table: "IP names..." lines; set replaces every entry, keeps comments. */
int	 wm_net_hosts_list(const struct wm_net *, FILE *, int json, struct wm_err *);
int	 wm_net_hosts_set(const struct wm_net *, const char *text, struct wm_err *);
/* The checks of wm_net_hosts_set alone (nothing read or written). */
int	 wm_net_hosts_check(const char *text, struct wm_err *);

/* n == 0: the Debian pool. */
int	 wm_net_ntp(const struct wm_net *, const char *const *servers, int n,
	    struct wm_err *);

#define WM_NET_IF_MAX	64

/* One interface as the kernel has it (DHCP: from the ifupdown files). */
struct wm_net_if {
	char	name[32];
	char	mac[24];
	char	addr[64], mask[64], bcast[64];	/* the first IPv4 address */
	char	addr6[64];
	char	gateway[64];
	int	dhcp;
};

struct wm_net_state {
	struct wm_net_if	ifs[WM_NET_IF_MAX];
	int			n;
	char			gateway[64];	/* the default IPv4 gateway */
};

int	 wm_net_read(const struct wm_net *, struct wm_net_state *, struct wm_err *);

/* Interfaces, default gateway, DNS, search domains, hostname, NTP. */
int	 wm_net_info(const struct wm_net *, FILE *, int json, struct wm_err *);

#endif
