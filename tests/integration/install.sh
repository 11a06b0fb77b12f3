#!/bin/bash
# install.sh - `make install DESTDIR=...` puts programs, CGIs, templates, man
# pages, the cron file and a sample wm.conf where prefix and sysconfdir say,
# and the installed programs run.
source "$(dirname "$0")/../lib.sh"

dest=$(scratch)/root
out=$(make -C "$TOP" install DESTDIR="$dest" 2>&1)
is "$?" 0 "make install DESTDIR succeeds"
for p in "$TOP"/bin/*.c; do
	n=$(basename "$p" .c)
	# Where its man page's section says: 1 in bin, 8 in sbin.
	d=sbin; [ -f "$TOP/man/$n.1" ] && d=bin
	check "$n installed in /usr/$d and runs" "$dest/usr/$d/$n" --version
done
# A CGI is cgi/NAME.c with its page modules cgi/NAME_*.c.
for c in "$TOP"/cgi/*.c; do
	n=$(basename "$c" .c)
	case "$n" in *_*) continue ;; esac
	check "$n.cgi installed" test -x "$dest/usr/libexec/wm/cgi/$n.cgi"
done
check "mail templates installed" test -f "$dest/usr/share/wm/templates/mail/signup.cs"
check "page templates installed" test -d "$dest/usr/share/wm/templates/html"
check "wm.conf(5) installed" test -f "$dest/usr/share/man/man5/wm.conf.5"
check "wm-prefs(8) installed" test -f "$dest/usr/share/man/man8/wm-prefs.8"
check "cron file installed" test -f "$dest/etc/cron.d/wm"
check "sample wm.conf installed" test -f "$dest/etc/wm/wm.conf"
is "$(stat -c %a "$dest/etc/wm/wm.conf")" 640 "wm.conf is not world-readable"
echo '# local edit' >>"$dest/etc/wm/wm.conf"
make -C "$TOP" install DESTDIR="$dest" >/dev/null 2>&1
like "$(tail -1 "$dest/etc/wm/wm.conf")" "local edit" "a second install keeps the administrator's wm.conf"
done_testing
