#!/bin/bash
# ctl_power.sh - wm-ctl reboot and shutdown run [commands] reboot and
# shutdown of wm.conf (marker commands here); an instance from wm-init
# restarts or stops its own services instead of the machine; the sudoers
# fragment lets the admin console run exactly these.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

d=$(scratch)/box
start_instance "$d" || { not_ok "instance starts"; done_testing; exit 1; }
conf=$d/wm.conf
like "$(sed -n '/^\[commands\]/,/^\[/p' "$conf")" \
	"system-reboot = $BIN/wm-ctl -c $d/wm.conf restart" "wm-init: reboot restarts the instance"
like "$(sed -n '/^\[commands\]/,/^\[/p' "$conf")" \
	"system-shutdown = $BIN/wm-ctl -c $d/wm.conf stop" "wm-init: shutdown stops the instance"

pid_before=$(cat "$d/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
check "wm-ctl reboot" wm-ctl reboot
pid_after=$(cat "$d/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
like "$(wm-ctl status)" "postfix: +running" "after reboot Postfix runs"
[ -n "$pid_before" ] && [ "$pid_before" != "$pid_after" ]
is "$?" "0" "reboot restarted Postfix (master pid $pid_before -> $pid_after)"
check "wm-ctl shutdown" wm-ctl shutdown
like "$(wm-ctl status)" "postfix: +stopped" "after shutdown Postfix is stopped"
like "$(wm-ctl status)" "lighttpd: +stopped" "and lighttpd"

# Marker commands: the configured command runs, with its arguments.
m=$(scratch)
cat >"$m/marker" <<EOS
#!/bin/sh
echo "\$*" >>"$m/ran"
EOS
chmod 755 "$m/marker"
sed -i "s|^system-reboot = .*|system-reboot = $m/marker reboot now|; s|^system-shutdown = .*|system-shutdown = $m/marker poweroff|" "$conf"
check "wm-ctl reboot (marker)" wm-ctl reboot
is "$(cat "$m/ran")" "reboot now" "reboot ran [commands] reboot with its arguments"
check "wm-ctl -c CONF shutdown (marker)" wm-ctl -c "$conf" shutdown
is "$(tail -1 "$m/ran")" "poweroff" "shutdown ran [commands] shutdown"
like "$(cat "$d/log/wm.log")" "reboot requested by" "the reboot is logged"
check_fails "wm-ctl reboot lighttpd: no service name" 64 wm-ctl reboot lighttpd
sed -i "s|^system-reboot = .*|system-reboot = /bin/false|" "$conf"
check_fails "a failing reboot command: exit 69" 69 wm-ctl reboot
sed -i "s|^system-reboot = .*|system-reboot = $m/missing|" "$conf"
check_fails "a missing reboot command: exit 69" 69 wm-ctl reboot

# The sudoers fragment names exactly the programs and arguments that exist.
sudo_cmds=$(sed -n 's/^Cmnd_Alias [A-Z_]* = //p; s/^    //p' "$TOP/conf/sudoers.d/wm" |
	tr ',' '\n' | sed 's/\\$//; s/^ *//; s/ *$//' | grep .)
while read -r prog args; do
	name=$(basename "$prog")
	case "$name" in
	wm-*)
		[ -x "$BIN/$name" ] && ok "sudoers names $name, which is built" ||
			not_ok "sudoers names $name, which is built"
		# The arguments are a valid command line: with a missing
		# configuration in place of /etc/wm/wm.conf it fails on the
		# configuration (78), not on usage (64).
		# (A sudoers "*" is a word here, not a file name pattern.)
		out=$(set -f; "$BIN/$name" ${args//\/etc\/wm\/wm.conf//nonexistent/wm.conf} 2>&1)
		is "$?" "78" "$name $args is a valid command line (sudoers)"
		;;
	*) [ -x "$prog" ] && ok "sudoers names $prog, which exists" ||
		not_ok "sudoers names $prog, which exists" ;;
	esac
done <<<"$sudo_cmds"
# The console runs as the web user: the grant is its, the delivery user has none.
like "$(grep -E '^[a-z]+ ALL=' "$TOP/conf/sudoers.d/wm")" "^wmweb ALL=\(root\) NOPASSWD:" "sudoers grants the web user wmweb"
is "$(grep -cE '^wm ALL=' "$TOP/conf/sudoers.d/wm")" 0 "sudoers grants nothing to the delivery user wm"
is "$(sed -n 's/^web-user *= *//p' "$TOP/conf/wm.conf")" wmweb "production runs the web programs as wmweb"
if command -v visudo >/dev/null; then
	check "visudo accepts conf/sudoers.d/wm" visudo -cf "$TOP/conf/sudoers.d/wm"
fi
done_testing
