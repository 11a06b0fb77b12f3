#!/bin/bash
# postfix.sh - wm-ctl runs an instance's private Postfix, smtp-sink and
# lighttpd: outbound mail (SMTP, sendmail as root and as wm, mail of webmail
# users through the relay listener) is captured in outbox/, tunnels for the
# relay recipient reach the wmdeliver pipe, and stop/restart touch exactly the
# processes of that instance.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../instance.sh"

json() {	# json KEY: a value of wm-ctl status --json of $inst
	"$BIN/wm-ctl" -c "$inst/wm.conf" status --json |
	    python3 -c "import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print('' if v is None else v)" "$1"
}

alive() {	# alive PID: the process exists and is not a zombie
	[ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

instance_pids() {	# instance_pids DIR: every live process of the instance's Postfix
	local p
	for p in /proc/[0-9]*; do
		alive "${p#/proc/}" || continue
		{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "MAIL_CONFIG=$1/postfix" &&
		    echo "${p#/proc/}"
	done
}

pidfile() {
	tr -d ' \n' <"$1" 2>/dev/null
}

mail() {	# mail FILE SUBJECT [HEADER]: a small test message
	printf 'From: Alice <alice@corp.example>\r\nTo: someone@external.example\r\nSubject: %s\r\nMessage-ID: <%s@corp.example>\r\n%s\r\nHello.\r\n' \
	    "$2" "$2" "${3:+$3$'\r\n'}" >"$1"
}

top=$(scratch)
inst=$top/box
if start_instance "$inst"; then ok "wm-ctl start"; else not_ok "wm-ctl start"; done_testing; exit 1; fi
conf=$inst/wm.conf

is "$(json postfix) $(json sink) $(json lighttpd)" "running running running" \
    "status --json: every service runs"
is "$(json smtp)" "$(instance_listen "$inst" smtp)" "status --json names the smtp listener"
is "$(json portal_url)" "https://$(instance_listen "$inst" portal)/" "status --json names the portal URL"
is "$(json admin_url)" "https://$(instance_listen "$inst" admin)/" "status --json names the admin URL"
is "$(json queue)" 0 "status --json: the queue is empty"
check "wm-ctl start again is harmless" "$BIN/wm-ctl" -c "$conf" start

# Outbound mail by SMTP is captured by smtp-sink.
mail "$top/ext.eml" ext-smtp
check "SMTP to an external address is accepted" smtp_send "$(instance_port "$inst" smtp)" \
    alice@corp.example bob@external.example "$top/ext.eml"
wait_outbox "$inst" 1
like "$(outbox_grep "$inst" '^Subject: ext-smtp')" outbox "outbound SMTP mail is captured in outbox/"
like "$(cat $(outbox_grep "$inst" '^Subject: ext-smtp'))" 'X-Rcpt-Args: <bob@external.example>' \
    "the capture keeps the envelope recipient"

# sendmail of the instance, as root and as the wm user (wm-deliver's case).
sendmail=$(sed -n 's/^sendmail = //p' "$conf")
mail "$top/root.eml" sendmail-root
check "sendmail as root" sh -c "$sendmail -f postmaster@webmail.local carol@external.example <'$top/root.eml'"
mail "$top/wm.eml" sendmail-wm
chmod 644 "$top/wm.eml"
check "sendmail as wm (no change to /etc/postfix)" su -s /bin/sh wm -c \
    "$sendmail -f postmaster@webmail.local dave@external.example <'$top/wm.eml'"
mail "$top/dash-c.eml" sendmail-dash-c
check "sendmail -C as root" sh -c "/usr/sbin/sendmail -C '$inst/postfix' -f postmaster@webmail.local erin@external.example <'$top/dash-c.eml'"
wait_outbox "$inst" 4
like "$(outbox_grep "$inst" '^Subject: sendmail-root')" outbox "root's submission is captured"
like "$(outbox_grep "$inst" '^Subject: sendmail-dash-c')" outbox "root's sendmail -C submission is captured"
like "$(outbox_grep "$inst" '^Subject: sendmail-wm')" outbox "wm's submission is captured"
check "[commands] postqueue works for wm" su -s /bin/sh wm -c \
    "$(sed -n 's/^postqueue = //p' "$conf") -c '$inst/postfix' -j"

# Mail of webmail users leaves through the relay listener.
relay=$(instance_port "$inst" relay)
mail "$top/user.eml" webmail-user "X-WM-Relay: webmail"
check "sendmail of a webmail user's reply" sh -c \
    "$sendmail -f bob@customer.example alice@corp.example <'$top/user.eml'"
wait_outbox "$inst" 5
like "$(outbox_grep "$inst" '^Subject: webmail-user')" outbox "a webmail user's mail is captured"
wait_for 10 grep -q "relay=127.0.0.1\[127.0.0.1\]:$relay, .*status=sent" "$inst/log/postfix.log"
like "$(instance_maillog "$inst")" "to=<alice@corp.example>, relay=127.0.0.1\[127.0.0.1\]:$relay, .*status=sent" \
    "it went through the relay listener (webmail relay host)"
mail "$top/smtp-header.eml" forged-route "X-WM-Relay: webmail"
smtp_send "$(instance_port "$inst" smtp)" eve@external.example frank@external.example "$top/smtp-header.eml"
wait_outbox "$inst" 6
unlike_log=$(instance_maillog "$inst" | grep -c "to=<frank@external.example>, relay=127.0.0.1\[127.0.0.1\]:$relay,")
is "$unlike_log" 0 "mail from SMTP cannot pick the webmail relay route by header"
mail "$top/relay.eml" relay-listener
check "SMTP to the relay listener" smtp_send "$relay" bob@customer.example alice@corp.example "$top/relay.eml"
wait_outbox "$inst" 7
like "$(outbox_grep "$inst" '^Subject: relay-listener')" outbox "mail to the relay listener is captured"

# Tunnels: only the relay recipient is accepted for the relay domain, and it
# goes to the wmdeliver pipe.
mail "$top/tunnel.eml" tunnel-attempt
check "SMTP to the relay recipient is accepted" smtp_send "$(instance_port "$inst" smtp)" \
    gateway@corp.example webmail@webmail.local "$top/tunnel.eml"
check_fails "SMTP to another address of the relay domain is refused" 1 \
    smtp_send "$(instance_port "$inst" smtp)" gateway@corp.example other@webmail.local "$top/tunnel.eml"
wait_for 15 grep -q "to=<webmail@webmail.local>, relay=wmdeliver" "$inst/log/postfix.log"
like "$(instance_maillog "$inst")" "to=<webmail@webmail.local>, relay=wmdeliver" \
    "the tunnel reaches the wmdeliver pipe"
if [ ! -x "$BIN/wm-deliver" ]; then
	like "$(instance_maillog "$inst")" "to=<webmail@webmail.local>, relay=wmdeliver, .*status=deferred" \
	    "without wm-deliver the tunnel stays queued (nothing lost)"
	like "$(json queue)" '^[1-9]' "status --json counts it in the queue"
fi

# HTTPS listeners answer with the instance's certificate.
for k in portal admin; do
	code=$(curl -sk -o /dev/null -w '%{http_code}' "https://$(instance_listen "$inst" $k)/")
	like "$code" '^[2-5][0-9][0-9]$' "lighttpd answers HTTPS on the $k listener"
done
portal=$(instance_listen "$inst" portal)
admin=$(instance_listen "$inst" admin)
is "$(curl -sk -o /dev/null -w '%{http_code} %{content_type}' "https://$portal/static/portal.css")" \
    "200 text/css; charset=utf-8" "/static/ is served from the templates' static files"
is "$(curl -sk -o /dev/null -w '%{http_code}' "https://$portal/static/../wm.conf")" 404 \
    "/static/ does not reach outside the static files"
if [ -x "$(sed -n 's/^cgi = //p' "$conf")/portal.cgi" ]; then
	like "$(curl -sk "https://$portal/portal/login")" "<form" "the portal listener runs portal.cgi"
	is "$(curl -sk -o /dev/null -w '%{http_code}' "https://$admin/portal/login")" 404 \
	    "the admin listener does not run portal.cgi"
	is "$(curl -sk -o /dev/null -w '%{http_code}' "https://$admin/portal.cgi/login")" 404 \
	    "not even by its file name"
fi
is "$(curl -sk -o /dev/null -w '%{http_code}' "https://$portal/admin.cgi/")" 404 \
    "the portal listener does not run admin.cgi"
like "$(echo | openssl s_client -connect "$(instance_listen "$inst" portal)" 2>/dev/null | openssl x509 -noout -subject 2>&1)" \
    "CN *= *localhost" "the portal presents the instance certificate"

# A second instance is not touched by stopping the first.
other=$top/other
start_instance "$other" >/dev/null
other_master=$(pidfile "$other/spool/pid/master.pid")
other_sink=$(pidfile "$other/run/sink.pid")
other_httpd=$(pidfile "$other/run/lighttpd.pid")

# A stale pid file naming an unrelated process must not get it killed.
sleep 300 &
bystander=$!
on_exit "kill $bystander"

# restart of one service replaces only that process.
master=$(pidfile "$inst/spool/pid/master.pid")
sink=$(pidfile "$inst/run/sink.pid")
httpd=$(pidfile "$inst/run/lighttpd.pid")
check "wm-ctl restart sink" "$BIN/wm-ctl" -c "$conf" restart sink
newsink=$(pidfile "$inst/run/sink.pid")
ok_sink=no
[ -n "$newsink" ] && [ "$newsink" != "$sink" ] && alive "$newsink" && ! alive "$sink" && ok_sink=yes
is "$ok_sink" yes "restart sink runs a new smtp-sink"
is "$(pidfile "$inst/spool/pid/master.pid") $(pidfile "$inst/run/lighttpd.pid")" "$master $httpd" \
    "restart sink leaves Postfix and lighttpd alone"

pids=$(instance_pids "$inst")
[ -n "$pids" ] && ok "the instance's Postfix processes are found" || not_ok "the instance's Postfix processes are found"
check "wm-ctl stop" "$BIN/wm-ctl" -c "$conf" stop
is "$(json postfix) $(json sink) $(json lighttpd)" "stopped stopped stopped" "status --json: all stopped"
left=""
for p in $pids $master $newsink $httpd; do alive "$p" && left="$left $p"; done
is "$left" "" "no process of the instance is left"
is "$(instance_pids "$inst")" "" "no Postfix process with this configuration is left"
for k in smtp relay sink portal admin; do
	python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" \
	    "$(instance_port "$inst" $k)" 2>/dev/null && not_ok "port $k is closed" || ok "port $k is closed"
done
both=no
alive "$other_master" && alive "$other_sink" && alive "$other_httpd" && both=yes
is "$both" yes "the other instance still runs"
check "wm-ctl stop when stopped is harmless" "$BIN/wm-ctl" -c "$conf" stop

echo "$bystander" >"$inst/run/sink.pid"
echo "$bystander" >"$inst/run/lighttpd.pid"
check "wm-ctl stop with stale pid files" "$BIN/wm-ctl" -c "$conf" stop
alive "$bystander" && ok "an unrelated process named by a stale pid file lives" ||
    not_ok "an unrelated process named by a stale pid file lives"
is "$(json sink)" stopped "a stale pid file does not count as running"

check "wm-ctl restart (from stopped)" "$BIN/wm-ctl" -c "$conf" restart
is "$(json postfix) $(json sink) $(json lighttpd)" "running running running" "restart: every service runs"
[ "$(pidfile "$inst/spool/pid/master.pid")" != "$master" ] && ok "restart runs a new Postfix master" ||
    not_ok "restart runs a new Postfix master"
n=$(outbox_count "$inst")
mail "$top/after.eml" after-restart
smtp_send "$(instance_port "$inst" smtp)" alice@corp.example bob@external.example "$top/after.eml"
wait_outbox "$inst" $((n + 1))
like "$(outbox_grep "$inst" '^Subject: after-restart')" outbox "mail flows after restart"
check "wm-ctl restart all (running)" "$BIN/wm-ctl" -c "$conf" restart all
is "$(json postfix) $(json sink) $(json lighttpd)" "running running running" "restart all: every service runs"

check_fails "an unknown service is a usage error" 64 "$BIN/wm-ctl" -c "$conf" start nginx
check_fails "a missing wm.conf is EX_CONFIG" 78 "$BIN/wm-ctl" -c "$top/none.conf" status
done_testing
