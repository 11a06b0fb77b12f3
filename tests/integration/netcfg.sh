#!/bin/bash
# netcfg.sh - wm-netcfg in a scratch root (never this machine's /etc): each
# writer produces the Debian files it should (compared as text) and keeps the
# lines it does not own; a hostname change updates the hosts table; bad values
# are refused with 65 and change nothing.  In a network namespace made here, a
# static address on a veth interface is applied with --apply ([commands] ip
# runs "ip -n NAMESPACE") and read back by info --json inside the namespace.
source "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3

[ -x "$BIN/wm-netcfg" ] || { not_ok "wm-netcfg is built"; done_testing; exit 1; }

T=$(scratch)
R=$T/root
conf=$(mini_instance "$T/box")
N=("$BIN/wm-netcfg" -c "$conf" --root "$R")

fresh_root() {	# the files of a Debian 12 installation, as the installer writes them
	rm -rf "$R"
	mkdir -p "$R/etc/network/interfaces.d" "$R/etc/systemd"
	printf 'debian\n' >"$R/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n' >"$R/etc/hosts"
	printf '# This file describes the network interfaces available on your system\n# and how to activate them. For more information, see interfaces(5).\n\nsource /etc/network/interfaces.d/*\n\n# The loopback network interface\nauto lo\niface lo inet loopback\n\n# The primary network interface\nallow-hotplug eth0\niface eth0 inet dhcp\n' >"$R/etc/network/interfaces"
	printf 'domain old.example\nsearch old.example\nnameserver 192.168.1.1\noptions edns0 trust-ad\n' >"$R/etc/resolv.conf"
	printf '#  This file is part of systemd.\n\n[Time]\n#NTP=\n#FallbackNTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org\n#RootDistanceMaxSec=5\n' >"$R/etc/systemd/timesyncd.conf"
}
sums() { (cd "$R" && find . -type f | sort | xargs sha256sum); }

fresh_root
# interface static
check "interface eth0 static" "${N[@]}" interface eth0 static 192.168.1.109/24 --gateway 192.168.1.1 --broadcast 192.168.1.255
is "$(cat "$R/etc/network/interfaces.d/eth0")" "# eth0, written by wm-netcfg(8)
auto eth0
iface eth0 inet static
	address 192.168.1.109/24
	gateway 192.168.1.1
	broadcast 192.168.1.255" "interfaces.d/eth0 is an ifupdown static stanza"
is "$(cat "$R/etc/network/interfaces")" "# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface" "interfaces keeps lo and its comments, loses only the eth0 stanza"
check "a netmask is accepted for the prefix" "${N[@]}" interface eth0 static 10.1.2.3/255.255.0.0
like "$(cat "$R/etc/network/interfaces.d/eth0")" "address 10.1.2.3/16" "255.255.0.0 is /16"
check "interface eth0 dhcp" "${N[@]}" interface eth0 dhcp
is "$(cat "$R/etc/network/interfaces.d/eth0")" "# eth0, written by wm-netcfg(8)
auto eth0
iface eth0 inet dhcp" "interfaces.d/eth0 is a dhcp stanza"
check "IPv6 static" "${N[@]}" interface eth1 static 2001:db8::5/64 --gateway 2001:db8::1
like "$(cat "$R/etc/network/interfaces.d/eth1")" "iface eth1 inet6 static
	address 2001:db8::5/64
	gateway 2001:db8::1" "an IPv6 address makes an inet6 stanza"

# hostname and hosts
out=$("${N[@]}" hostname box.example.com 2>&1)
is "$?:$out" "0:" "hostname with a fully qualified name: no warning"
is "$(cat "$R/etc/hostname")" "box.example.com" "/etc/hostname"
is "$(cat "$R/etc/hosts")" "$(printf '127.0.0.1\tlocalhost\n127.0.1.1\tbox.example.com box\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters')" \
    "the hosts table follows the hostname, other lines byte for byte"
out=$("${N[@]}" hostname mailbox 2>&1)
is "$?" 0 "a short hostname is accepted"
like "$out" "warning: .*fully qualified" "with a warning that a fully qualified name is advised"
like "$(grep '^127.0.1.1' "$R/etc/hosts")" "^127.0.1.1	mailbox$" "and replaces the old name in the hosts table"
"${N[@]}" hostname box.example.com 2>/dev/null

# dns
check "dns with search domains" "${N[@]}" dns --search "corp.example lab.example" 192.0.2.53 2001:db8::53
is "$(cat "$R/etc/resolv.conf")" "options edns0 trust-ad
search corp.example lab.example
nameserver 192.0.2.53
nameserver 2001:db8::53" "resolv.conf: options kept, search and nameservers replaced"

# hosts list / set
is "$("${N[@]}" hosts list | head -2)" "127.0.0.1 localhost
127.0.1.1 box.example.com box" "hosts list"
like "$("${N[@]}" hosts list --json | $PY -c 'import json, sys; t = json.load(sys.stdin); print(t[1]["ip"], t[1]["names"][0])')" \
    "^127.0.1.1 box.example.com$" "hosts list --json"
printf '127.0.0.1 localhost\n127.0.1.1 box.example.com box\n10.0.0.7 intranet.corp.example intranet\n' >"$T/hosts.in"
check "hosts set" sh -c "'$BIN/wm-netcfg' -c '$conf' --root '$R' hosts set <'$T/hosts.in'"
is "$(grep -v '^#' "$R/etc/hosts")" "$(cat "$T/hosts.in")" "hosts set writes the entries given"
like "$(cat "$R/etc/hosts")" "# The following lines are desirable" "and keeps the comments"
printf '127.0.0.1 localhost\n10.0.0.8 files.corp.example files\n' >"$T/hosts.file"
check "hosts set --file" "$BIN/wm-netcfg" -c "$conf" --root "$R" hosts set --file "$T/hosts.file" </dev/null
is "$(grep -v '^#' "$R/etc/hosts")" "$(cat "$T/hosts.file")" "hosts set --file writes the entries of the file"
check "hosts set again" sh -c "'$BIN/wm-netcfg' -c '$conf' --root '$R' hosts set <'$T/hosts.in'"

# ntp
check "ntp with servers" "${N[@]}" ntp ntp1.corp.example 192.0.2.123
is "$(cat "$R/etc/systemd/timesyncd.conf")" "#  This file is part of systemd.

[Time]
#NTP=
#FallbackNTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org
#RootDistanceMaxSec=5
NTP=ntp1.corp.example 192.0.2.123" "timesyncd.conf gets NTP= in [Time], comments kept"
check "ntp without servers" "${N[@]}" ntp
like "$(grep '^NTP=' "$R/etc/systemd/timesyncd.conf")" "^NTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org 2.debian.pool.ntp.org 3.debian.pool.ntp.org$" \
    "the default is the Debian pool"
is "$(grep -c '^NTP=' "$R/etc/systemd/timesyncd.conf")" 1 "one NTP= line"

# Refused values change nothing.
before=$(sums)
while IFS='|' read -r what args; do
	eval "set -- $args"
	out=$("${N[@]}" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 65 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then ok "refused: $what"; else not_ok "refused: $what" "rc=$rc" "$out"; fi
done <<'EOF'
an address without prefix|interface eth0 static 192.168.1.5
a bad address|interface eth0 static 192.168.1.256/24
a prefix over 32|interface eth0 static 192.168.1.5/33
a non-contiguous netmask|interface eth0 static 192.168.1.5/255.0.255.0
the network address|interface eth0 static 192.168.1.0/24
the broadcast address|interface eth0 static 192.168.1.255/24
a gateway outside the network|interface eth0 static 192.168.1.5/24 --gateway 10.0.0.1
a broadcast outside the network|interface eth0 static 192.168.1.5/24 --broadcast 10.0.0.255
an IPv6 gateway for IPv4|interface eth0 static 192.168.1.5/24 --gateway 2001:db8::1
a bad interface name|interface ../x static 192.168.1.5/24
a hostname with an underscore|hostname bad_name.example
a hostname label starting with a hyphen|hostname -- -x.example
no DNS server|dns
four DNS servers|dns 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4
a DNS server that is no address|dns dns.example
a bad search domain|dns --search "ok.example bad_domain" 192.0.2.53
a bad NTP server|ntp bad_ntp!
EOF
printf '127.0.0.1 localhost\nnot-an-ip name\n' >"$T/bad.hosts"
check_fails "hosts set refuses a line without an IP" 65 sh -c "'$BIN/wm-netcfg' -c '$conf' --root '$R' hosts set <'$T/bad.hosts'"
{ printf '10.0.0.1 '; head -c 260 /dev/zero | tr '\0' a; echo; } >"$T/long.hosts"
check_fails "hosts set refuses a line over 255 characters" 65 sh -c "'$BIN/wm-netcfg' -c '$conf' --root '$R' hosts set <'$T/long.hosts'"
is "$(sums)" "$before" "refused values leave every file byte-identical"

# The EXAMPLES of wm-netcfg(8), exactly as written (WM_CONFIG names a wm.conf
# whose [paths] root is the scratch tree).
printf '[paths]\nroot = %s\n' "$R" >>"$conf"
export WM_CONFIG=$conf
check "man example: interface" wm-netcfg interface eth0 static 192.168.1.109/24 --gateway 192.168.1.1
like "$(cat "$R/etc/network/interfaces.d/eth0")" "address 192.168.1.109/24" "it wrote below [paths] root"
check "man example: dns" wm-netcfg dns --search "corp.example" 192.0.2.53
like "$(cat "$R/etc/resolv.conf")" "search corp.example" "search written"
check "man example: ntp" wm-netcfg ntp
before=$(sums)

check_fails "--root through sudo is refused" 77 env SUDO_UID=33 "${N[@]}" ntp
is "$(sums)" "$before" "and writes nothing"

# The console's own address is not changed without --force.
check_fails "changing the address the console is reached on is refused" 65 \
    env SSH_CONNECTION="127.0.0.9 4000 127.0.0.1 22" "${N[@]}" interface lo static 127.0.0.2/8
check "with --force it is written" env SSH_CONNECTION="127.0.0.9 4000 127.0.0.1 22" \
    "${N[@]}" --force interface lo static 127.0.0.2/8
rm -f "$R/etc/network/interfaces.d/lo"

# In a network namespace: apply a static address, read it back.
ns=wmtest$$
if ip netns add "$ns" 2>/dev/null; then
	on_exit "ip netns del $ns"
	ok "network namespace $ns made"
	ip -n "$ns" link add wmv0 type veth peer name wmv1
	ip -n "$ns" link set wmv1 up
	cat >>"$conf" <<EOC
[commands]
ip = /usr/sbin/ip -n $ns
EOC
	check "--apply a static address in the namespace" "${N[@]}" --apply interface wmv0 static 10.77.0.5/24 --gateway 10.77.0.1 --broadcast 10.77.0.255
	like "$(ip -n "$ns" -4 addr show dev wmv0)" "inet 10.77.0.5/24 brd 10.77.0.255" "the kernel has the address"
	info=$(ip netns exec "$ns" "$BIN/wm-netcfg" -c "$conf" --root "$R" info --json)
	got=$(printf '%s' "$info" | $PY -c '
import json, sys
d = json.load(sys.stdin)
i = [x for x in d["interfaces"] if x["name"] == "wmv0"][0]
print(i["address"], i["mask"], i["broadcast"], i["gateway"], i["dhcp"], d["default_gateway"], len(i["mac"]))')
	is "$got" "10.77.0.5 255.255.255.0 10.77.0.255 10.77.0.1 False 10.77.0.1 17" \
	    "info --json reads back address, mask, broadcast, gateway, static, MAC"
	like "$(ip netns exec "$ns" "$BIN/wm-netcfg" -c "$conf" --root "$R" info)" "^wmv0 +10\.77\.0\.5 " "info shows the interface as a table row"
	check "interface wmv0 dhcp (files only)" "${N[@]}" interface wmv0 dhcp
	is "$(ip netns exec "$ns" "$BIN/wm-netcfg" -c "$conf" --root "$R" info --json |
	    $PY -c 'import json, sys; print([x["dhcp"] for x in json.load(sys.stdin)["interfaces"] if x["name"] == "wmv0"][0])')" \
	    True "info reports DHCP from the interfaces files"
	ip netns del "$ns"
else
	not_ok "network namespace made" "ip netns add failed"
fi
done_testing
