#!/bin/bash
# deb.sh - the Debian package in a clean Debian 12 root: debootstrap minbase
# (cached in /var/cache/wm-test, with the package's dependencies installed
# in a second cached layer while the network is there), copied to a scratch
# root, then everything else inside a network namespace with only lo up, so
# that nothing touches this machine's Postfix, lighttpd or /etc: install,
# the root's Postfix and lighttpd with a tunnel in by SMTP on port 25 and
# the invitation out to a relay sink, the administrator's main.cf kept,
# postinst again, reinstall, purge.  Then, in a second clean root, the
# upgrade from the previous release (the package of the last commit before
# debian/changelog took today's version, built once and cached by commit):
# its users, mail, secrets and certificates stay, and it still works.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../portal.sh"

CACHE=${WM_TEST_CACHE:-/var/cache/wm-test}
BASE=$CACHE/bookworm
DEPS=$CACHE/bookworm-deps

skip_all() {
	echo "ok # skip $*"
	exit 0
}

# The mirror this machine's apt uses (no host is named here).
mirror() {
	{ grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	    awk '{print $2}'; grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null |
	    awk '{print $2}'; } | grep -v security | head -1
}

# dependency names of the package, first alternative, no versions
deb_deps() {
	dpkg-deb -f "$1" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' |
	    tr -d ' ' | grep -v '^$'
}

outer() {
	[ "$(id -u)" = 0 ] || skip_all "deb: needs root (debootstrap, chroot, namespaces)"
	for t in debootstrap dpkg-buildpackage lintian unshare; do
		command -v "$t" >/dev/null || skip_all "deb: $t is missing (scripts/deps installs it)"
	done
	deb=$TOP/dist/wm_$(changelog_version "$TOP/debian/changelog")_amd64.deb
	# Rebuilt when a file the package is made of changed since.
	newer() {	# the first file the package is made of that is newer than it
		(cd "$TOP" && git ls-files -z bin lib cgi conf debian templates man \
		    Makefile configure.ac LICENSE | while IFS= read -r -d '' f; do
			[ "$f" -nt "$deb" ] && { echo "$f"; break; }
		done)
	}
	if [ ! -f "$deb" ] || [ -n "$(newer)" ]; then
		make -C "$TOP" deb >"$TOP/tests/out/deb-build.log" 2>&1 ||
		    { not_ok "make deb builds the package (tests/out/deb-build.log)"; done_testing; exit 1; }
	fi
	ok "make deb built $(basename "$deb")"
	errs=$(lintian --fail-on none "$deb" 2>/dev/null | grep '^E:')
	is "$errs" "" "lintian reports no error"

	mkdir -p "$CACHE"
	if [ ! -d "$BASE" ]; then
		m=$(mirror)
		[ -n "$m" ] || skip_all "deb: no Debian mirror in this machine's apt sources"
		rm -rf "$BASE.tmp"
		timeout 900 debootstrap --variant=minbase bookworm "$BASE.tmp" "$m" \
		    >"$CACHE/debootstrap.log" 2>&1 ||
		    skip_all "deb: debootstrap cannot reach Debian's packages"
		mv "$BASE.tmp" "$BASE"
	fi
	want=$(deb_deps "$deb" | sort | tr '\n' ' ')
	if [ "$(cat "$DEPS/.wm-deps" 2>/dev/null)" != "$want" ]; then
		rm -rf "$DEPS.tmp" "$DEPS"
		cp -a "$BASE" "$DEPS.tmp"
		cp /etc/resolv.conf "$DEPS.tmp/etc/resolv.conf"
		printf '%s\n' "postfix postfix/main_mailer_type select Internet Site" \
		    "postfix postfix/mailname string box.test" |
		    chroot "$DEPS.tmp" debconf-set-selections
		# shellcheck disable=SC2086
		if ! { chroot "$DEPS.tmp" apt-get update -q &&
		    DEBIAN_FRONTEND=noninteractive chroot "$DEPS.tmp" apt-get install \
		    -y -q --no-install-recommends $want; } >"$CACHE/deps.log" 2>&1; then
			grep -q 'Could not resolve\|Failed to fetch\|Temporary failure' "$CACHE/deps.log" &&
			    skip_all "deb: apt cannot reach Debian's packages"
			not_ok "the dependencies install in the root ($CACHE/deps.log)"
			done_testing
			exit 1
		fi
		chroot "$DEPS.tmp" apt-get clean
		echo "$want" >"$DEPS.tmp/.wm-deps"
		mv "$DEPS.tmp" "$DEPS"
	fi
	ok "Debian 12 root with the dependencies ($CACHE, cached)"
	R=$(scratch)/root
	cp -a "$DEPS" "$R"
	cp "$deb" "$R/tmp/"
	export R DEB=/tmp/$(basename "$deb")
	# A second root for the upgrade from the previous release's package.
	R2= PREV_DEB=
	if previous_deb; then
		prev=$PREV
		ok "the previous release's package: $(basename "$prev")"
		R2=$(scratch)/root2
		cp -a "$DEPS" "$R2"
		cp "$prev" "$deb" "$R2/tmp/"
		PREV_DEB=/tmp/$(basename "$prev")
	fi
	export R2 PREV_DEB
	# Everything else in a network namespace of its own, lo only.
	WM_DEB_INNER=1 WM_DEB_N=$_tap_n WM_DEB_FAILED=$_tap_failed \
	    unshare --net --mount --fork bash "$0"
	exit $?
}

# changelog_version FILE: the version at the top of a Debian changelog
changelog_version() {
	dpkg-parsechangelog -l "$1" -S Version
}

# previous_deb: sets PREV to the package of the previous release, built from
# the last commit before the changelog took today's version (cached in
# $CACHE/prev by commit); a TAP line says why when there is none.
previous_deb() {
	local cur h v first="" prev dir log
	cur=$(changelog_version "$TOP/debian/changelog")
	if [ "$(git -C "$TOP" rev-parse --is-shallow-repository 2>/dev/null)" != false ]; then
		ok "upgrade from the previous release # skip no full git history to build it from"
		return 1
	fi
	for h in $(git -C "$TOP" log --format=%H -- debian/changelog); do
		git -C "$TOP" show "$h:debian/changelog" >"$CACHE/changelog.tmp"
		v=$(changelog_version "$CACHE/changelog.tmp")
		[ "$v" = "$cur" ] || break
		first=$h
	done
	rm -f "$CACHE/changelog.tmp"
	if [ -z "$first" ] || ! prev=$(git -C "$TOP" rev-parse -q --verify "$first^"); then
		ok "upgrade from the previous release # skip $cur is the first release"
		return 1
	fi
	dir=$CACHE/prev/$prev
	if ! ls "$dir"/wm_*_amd64.deb >/dev/null 2>&1; then
		rm -rf "$dir" && mkdir -p "$dir/src"
		log=$TOP/tests/out/deb-prev-build.log
		git -C "$TOP" archive "$prev" | tar -x -C "$dir/src"
		if ! (cd "$dir/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$log" 2>&1; then
			not_ok "the previous release ($prev) builds ($log)"
			return 1
		fi
		rm -rf "$dir/src" "$dir"/*.changes "$dir"/*.buildinfo "$dir"/wm-dbgsym_*
	fi
	PREV=$(ls "$dir"/wm_*_amd64.deb | head -1)
}

[ -n "${WM_DEB_INNER:-}" ] || outer

# ---------------------------------------------------------------- inside
_tap_n=$WM_DEB_N
_tap_failed=$WM_DEB_FAILED
ip link set lo up
mount --make-rprivate /
in_root() { chroot "$R" "$@"; }
as_wm() { chroot --userspec=wm:wm "$R" "$@"; }
W=$(scratch)

# enter_root: $R gets /proc and /dev, and the administrator's own main.cf
# settings from before the box arrives.
enter_root() {
	mount -t proc proc "$R/proc"
	mount --bind /dev "$R/dev"
	on_exit "umount -l '$R/dev' '$R/proc' 2>/dev/null"
	in_root postconf -e 'smtpd_banner = $myhostname ESMTP admin-banner' \
	    'relayhost = [127.0.0.1]:2526' 'maillog_file = /var/log/postfix.log' \
	    'inet_protocols = ipv4'
}
enter_root
in_root postconf -n >"$W/main.before"
in_root postconf -M >"$W/master.before"
banner=$(in_root postconf -h smtpd_banner)

out=$(DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -q --no-install-recommends \
    "$DEB" 2>&1)
is "$?" 0 "apt-get install ./wm_*.deb succeeds offline in the root" ||
    printf '%s\n' "$out" | sed 's/^/# /'
like "$out" "admin console https://.*:8443/" "postinst prints the console URL"
like "$out" "login admin" "postinst prints the default admin login"
check "the delivery user exists" in_root getent passwd wm
check "the web user exists, group wm" test "$(in_root id -gn wmweb)" = wm
is "$(in_root stat -c '%U %a' /var/lib/wm/db/keys)" "wm 700" "the key store is wm's alone"
is "$(in_root stat -c '%U:%G %a' /etc/wm/wm.conf)" "root:wm 640" "wm.conf is readable by group wm only"
check "systemd units are enabled" test -L "$R/etc/systemd/system/multi-user.target.wants/wm-lighttpd.service"
check "cron.d entry installed" test -f "$R/etc/cron.d/wm"
is "$(in_root postconf -h smtpd_banner)" "$banner" "the administrator's smtpd_banner is kept"
is "$(in_root postconf -h relayhost)" "[127.0.0.1]:2526" "the administrator's relayhost is kept"
like "$(in_root postconf -h transport_maps)" "wmdeliver:" "tunnels route to the box"
like "$(in_root postconf -M wmdeliver/unix)" "wm-deliver" "master.cf has the delivery pipe"
like "$(in_root postconf -M 127.0.0.1:10588/inet)" "smtpd .*syslog_name=postfix/submit" \
    "master.cf has the notice sender's submission listener"
check "postfix check accepts the joined configuration" in_root postfix check

# Services of the root.
smtp-sink -u nobody -d "$W/sink/%M." 127.0.0.1:2526 16 &
sink=$!
mkdir -p "$W/sink" && chmod 777 "$W/sink"
on_exit "kill $sink 2>/dev/null"
check "the root's Postfix starts" in_root postfix start
on_exit "chroot '$R' postfix stop >/dev/null 2>&1"
check "the box's lighttpd starts" in_root lighttpd -f /etc/wm/lighttpd.conf
on_exit "kill \$(cat '$R/run/wm/lighttpd.pid' 2>/dev/null) 2>/dev/null"
# Not through as_wm: a function in the background is a subshell, and $!
# would name it instead of the sender.
chroot --userspec=wm:wm "$R" wm-notify -c /etc/wm/wm.conf serve >"$W/notify.log" 2>&1 &
notify=$!
on_exit "kill $notify 2>/dev/null"

up() { curl -ks -o /dev/null --max-time 5 "https://127.0.0.1:$1/"; }
wait_for 20 up 443
code=$(curl -ks -o "$W/portal.html" -w '%{http_code}' --max-time 10 -L https://127.0.0.1/)
is "$code" 200 "the portal answers over HTTPS on 443"
code=$(curl -ks -o "$W/admin.html" -w '%{http_code}' --max-time 10 -L https://127.0.0.1:8443/)
is "$code" 200 "the console answers over HTTPS on 8443"
like "$(cat "$W/admin.html")" "[Pp]assword" "the console shows its login"

# A tunnel by SMTP on port 25, sealed with stock openssl.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/gw.key" -out "$W/gw.pem" \
    -days 30 -subj "/CN=gw gateway/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
    -addext "extendedKeyUsage=emailProtection" \
    -addext "subjectAltName=email:gw@corp.example" 2>/dev/null

trust_gateway() {	# trust_gateway: the root's box takes the gateway's signature
	cp "$W/gw.pem" "$R/tmp/gw.pem"
	as_wm wm-pki -c /etc/wm/wm.conf import --whitelist /tmp/gw.pem >/dev/null
}

send_tunnel() {	# send_tunnel ID: a tunnel for bob to port 25 of the root
	local relay
	as_wm wm-pki -c /etc/wm/wm.conf webmail-cert >"$W/relay.pem"
	relay=$(as_wm wm-prefs -c /etc/wm/wm.conf get relay-recipient)
	printf 'From: Alice <alice@corp.example>\r\nTo: bob@customer.example\r\nSubject: deb %s\r\nMessage-ID: <deb-%s@corp.example>\r\n\r\nHello Bob.\r\n' \
	    "$1" "$1" >"$W/orig.eml"
	{ printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
	  printf 'WM-Envelope-Sender: alice@corp.example\r\nWM-Envelope-Recipient: bob@customer.example\r\n\r\n'
	  cat "$W/orig.eml"; } |
	    openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
	    openssl cms -encrypt -binary -aes256 -from gw@corp.example -to "$relay" \
		-subject tunnel "$W/relay.pem" >"$W/tunnel.eml"
	python3 - "$relay" "$W/tunnel.eml" <<'EOF'
import smtplib, sys
with open(sys.argv[2], "rb") as f:
    data = f.read()
s = smtplib.SMTP("127.0.0.1", 25, timeout=30)
s.sendmail("gw@corp.example", [sys.argv[1]], data)
s.quit()
EOF
}

trust_gateway
send_tunnel 1
is "$?" 0 "the root's Postfix takes the tunnel on port 25"
stored() { [ -n "$(find "$R/var/lib/wm/mail" -path '*bob*' -path '*/new/*' -type f 2>/dev/null)" ]; }
wait_for 60 stored
check "the tunnel is stored for bob" stored ||
    { tail -5 "$R/var/log/postfix.log" | sed 's/^/# /'; tail -3 "$R/var/log/wm/wm.log" | sed 's/^/# /'; }
invited() { grep -lq signup "$W"/sink/* 2>/dev/null; }
wait_for 60 invited
check "the invitation leaves through the root's Postfix to the relay host" invited
like "$(grep -c 'postfix/submit/smtpd.*client=localhost' "$R/var/log/postfix.log")" '^[1-9]' \
    "the notice sender handed it over SMTP to the submission listener"
inv=$(grep -l signup "$W"/sink/* 2>/dev/null | head -1)
link=$(tr -d '\r' <"${inv:-/dev/null}" | grep -oE 'https?://[^ ]*signup[^ ]*' | head -1)
path=/${link#*://*/}
code=$(curl -ks -o "$W/signup.html" -w '%{http_code}' --max-time 10 "https://127.0.0.1$path")
is "$code" 200 "the sign-up link opens on the portal ($path)"
like "$(cat "$W/signup.html")" "[Pp]assword" "the sign-up page asks for a password"

# The console's MTA settings on the system Postfix: the fields start from
# what the administrator had, and apply keeps it.
mta() { in_root wm-mtacfg -c /etc/wm/wm.conf "$@"; }
shown=$(mta show)
like "$shown" "external-relay-host = 127.0.0.1" "the administrator's relay host is imported into the MTA fields"
like "$shown" "external-relay-port = 2526" "with its port"
like "$shown" "external-relay-mx = no" "and without MX lookup, as [host] says"
mta set smtp-helo-name helo.box.test >/dev/null
mta set before-filter-size-limit 20000000 >/dev/null
out=$(mta apply 2>&1)
is "$?" 0 "wm-mtacfg apply on the system Postfix succeeds" || printf '%s\n' "$out" | sed 's/^/# /'
is "$(in_root postconf -h relayhost)" "[127.0.0.1]:2526" "apply keeps the administrator's relay host"
is "$(in_root postconf -h smtp_helo_name)" "helo.box.test" "apply writes the HELO name"
is "$(in_root postconf -Ph smtp/inet/message_size_limit)" 20000000 \
    "the before-filter limit is on Debian's smtp service"
is "$(in_root postconf -h smtpd_banner)" "$banner" "apply keeps the administrator's smtpd_banner"
check "postfix check accepts the applied configuration" in_root postfix check

# postinst again: nothing changes.
state() {
	{ in_root postconf -n; in_root postconf -M; in_root postconf -P
	  cat "$R/etc/wm/lighttpd.conf" "$R/var/lib/wm/postfix-owned"
	  md5sum "$R/etc/wm/tls/server.pem" "$R/etc/wm/wm.conf"
	  find "$R/var/lib/wm" "$R/etc/wm" ! -name '*-wal' ! -name '*-shm' -printf '%p %u %g %m\n' | sort
	} 2>&1
}
state >"$W/state1"
in_root /var/lib/dpkg/info/wm.postinst configure 0.1.0 >/dev/null 2>&1
is "$?" 0 "postinst runs again"
state >"$W/state2"
check "postinst run again changes nothing" cmp -s "$W/state1" "$W/state2" ||
    diff "$W/state1" "$W/state2" | head -10 | sed 's/^/# /'

# Reinstall (the upgrade path of the same build): users and mail stay.
in_root dpkg -i "$DEB" >"$W/reinstall.log" 2>&1
is "$?" 0 "installing the package again over itself succeeds"
check "bob's mail is still there" stored
check "the database is still there" test -s "$R/var/lib/wm/db/wm.db"

# Purge.
files=$(in_root dpkg -L wm | while read -r f; do [ -d "$R$f" ] || echo "$f"; done)
in_root postfix stop >/dev/null 2>&1
kill "$(cat "$R/run/wm/lighttpd.pid" 2>/dev/null)" "$notify" 2>/dev/null
sleep 1
out=$(in_root apt-get purge -y -q wm 2>&1)
is "$?" 0 "apt-get purge wm succeeds" || printf '%s\n' "$out" | sed 's/^/# /'
left=$(for f in $files; do [ -e "$R$f" ] && echo "$f"; done)
is "$left" "" "purge leaves no file of the package"
check "purge removes /var/lib/wm" test ! -e "$R/var/lib/wm"
check "purge removes /etc/wm" test ! -e "$R/etc/wm"
in_root postconf -n >"$W/main.after"
in_root postconf -M >"$W/master.after"
check "main.cf is the administrator's again" cmp -s "$W/main.before" "$W/main.after" ||
    diff "$W/main.before" "$W/main.after" | sed 's/^/# /'
check "master.cf is the administrator's again" cmp -s "$W/master.before" "$W/master.after" ||
    diff "$W/master.before" "$W/master.after" | sed 's/^/# /'
is "$(grep -lE 'wmdeliver|wm_|webmail' "$R"/etc/postfix/main.cf "$R"/etc/postfix/master.cf "$R"/etc/lighttpd/*.conf 2>/dev/null)" "" \
    "no box lines left in Postfix or lighttpd configuration"
is "$(in_root postconf -h smtpd_banner)" "$banner" "the administrator's smtpd_banner survives the purge"
check "the root's Postfix still starts" in_root postfix start
in_root postfix stop >/dev/null 2>&1
check "the root's lighttpd configuration is still valid" in_root lighttpd -tt -f /etc/lighttpd/lighttpd.conf

# ------------------------------------------- upgrade from the previous release
# In a second clean root: the previous release installed and in use (a user
# with a password, a stored mail), then this build by apt over it.
[ -n "$R2" ] || { done_testing; exit $?; }
R=$R2
enter_root
out=$(DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -q --no-install-recommends \
    "$PREV_DEB" 2>&1)
is "$?" 0 "the previous release installs ($(basename "$PREV_DEB"))" ||
    printf '%s\n' "$out" | sed 's/^/# /'
old_version=$(in_root dpkg-query -W -f '${Version}' wm)
check "upgrade: the root's Postfix starts" in_root postfix start
on_exit "chroot '$R' postfix stop >/dev/null 2>&1"
in_root lighttpd -f /etc/wm/lighttpd.conf
on_exit "kill \$(cat '$R/run/wm/lighttpd.pid' 2>/dev/null) 2>/dev/null"
trust_gateway
send_tunnel 2
wait_for 60 stored
check "the previous release stores a tunnel" stored
as_wm wm-user -c /etc/wm/wm.conf add bob@customer.example >/dev/null 2>&1
printf '%s\n' "$PW" | as_wm wm-user -c /etc/wm/wm.conf set-password --force bob@customer.example >/dev/null
mail_before=$(cd "$R/var/lib/wm/mail" && find . -type f -path '*/new/*' -exec md5sum {} + | sort)
users_before=$(as_wm wm-user -c /etc/wm/wm.conf list --json)
conf_before=$(md5sum <"$R/etc/wm/wm.conf")
tls_before=$(md5sum <"$R/etc/wm/tls/server.pem")
relay_before=$(as_wm wm-pki -c /etc/wm/wm.conf webmail-cert | md5sum)

# systemd does not run in the root: a systemctl that writes down what it is
# asked stands in for it (in /usr/bin: the maintainer scripts run with
# dpkg's own PATH), so that the upgrade's restarts can be seen.
check "the root has no systemctl of its own" test ! -e "$R/usr/bin/systemctl"
mkdir -p "$R/run/systemd/system"
cat >"$R/usr/bin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >>/tmp/systemctl.log
case " $* " in *" is-enabled "*) echo enabled ;; esac
exit 0
EOF
chmod 755 "$R/usr/bin/systemctl"
out=$(DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -q --no-install-recommends \
    "$DEB" 2>&1)
is "$?" 0 "apt-get install of this build over the previous release succeeds" ||
    printf '%s\n' "$out" | sed 's/^/# /'
asked=$(cat "$R/tmp/systemctl.log" 2>/dev/null)
rm -rf "$R/run/systemd/system" "$R/usr/bin/systemctl"
for u in wm-keys wm-lighttpd wm-notify; do
	like "$asked" "restart( [a-z@.-]+)* $u\.service" "the upgrade restarts $u.service"
done
new_version=$(in_root dpkg-query -W -f '${Version}' wm)
check "dpkg calls it an upgrade ($old_version to $new_version)" \
    dpkg --compare-versions "$new_version" gt "$old_version"
case $out in
*"admin console https://"*) not_ok "an upgrade does not announce a new box" ;;
*) ok "an upgrade does not announce a new box" ;;
esac
is "$(cd "$R/var/lib/wm/mail" && find . -type f -path '*/new/*' -exec md5sum {} + | sort)" \
    "$mail_before" "the upgrade keeps every stored mail, byte for byte"
is "$(as_wm wm-user -c /etc/wm/wm.conf list --json)" "$users_before" "the upgrade keeps the users"
is "$(md5sum <"$R/etc/wm/wm.conf")" "$conf_before" "the upgrade keeps wm.conf and its secrets"
is "$(md5sum <"$R/etc/wm/tls/server.pem")" "$tls_before" "the upgrade keeps the HTTPS certificate"
is "$(as_wm wm-pki -c /etc/wm/wm.conf webmail-cert | md5sum)" "$relay_before" \
    "the upgrade keeps the relay certificate the gateways encrypt to"
is "$(in_root postconf -h smtpd_banner)" "$banner" "the upgrade keeps the administrator's smtpd_banner"
check "postfix check accepts the configuration after the upgrade" in_root postfix check
# Without systemd in the root, restart lighttpd as the unit would.
kill "$(cat "$R/run/wm/lighttpd.pid" 2>/dev/null)" 2>/dev/null
wait_for 10 sh -c "! curl -ks -o /dev/null --max-time 2 https://127.0.0.1/"
in_root lighttpd -f /etc/wm/lighttpd.conf
wait_for 20 up 443
P=https://127.0.0.1
sid=$(portal_login bob@customer.example "$PW" "$W/jar")
like "$sid" "^[0-9a-f]{16,}$" "bob logs in to the portal with his password after the upgrade"
inbox=$(curl -sk -H "Cookie: wmsession=$sid" "$P/portal/inbox")
like "$inbox" "deb 2" "his mail from before the upgrade is in his inbox"
send_tunnel 3
has_two() { [ "$(find "$R/var/lib/wm/mail" -path '*bob*' -path '*/new/*' -type f | wc -l)" -ge 2 ]; }
wait_for 60 has_two
check "the upgraded box stores a new tunnel through the reloaded Postfix" has_two
in_root postfix stop >/dev/null 2>&1
kill "$(cat "$R/run/wm/lighttpd.pid" 2>/dev/null)" 2>/dev/null
done_testing
