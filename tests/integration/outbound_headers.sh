#!/bin/bash
# outbound_headers.sh - what recipients of the box's mail see, checked at the
# next hop (the instance's smtp-sink): a portal reply without Cc has no Cc
# header and no X-WM-Relay routing mark (stripped by the SMTP clients after
# routing, though it did route the reply through the relay listener); the
# read receipt's Original-Message-ID keeps its angle brackets; header-external
# is added to every mail the box sends and never to the copy kept in Sent.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

for t in curl sqlite3; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done
W=$(scratch)
d=$(scratch)/box
start_instance "$d" || { not_ok "instance starts"; done_testing; exit 1; }
sh "$TOP/tests/make_pki.sh" "$W/pki" >/dev/null
pki=$W/pki

check "wm-prefs set header-external" wm-prefs set header-external "X-Post-Processed: wm box, external"
check_fails "header-external refuses two lines" 65 wm-prefs set header-external $'X-A: 1\nX-B: 2'
check_fails "header-external refuses the box's X-WM- headers" 65 wm-prefs set header-external "X-WM-Relay: webmail"

# A tunnel with a read receipt for bob; the signature is whitelisted.
check "whitelist the gateway" wm-pki import --whitelist "$pki/gateway.pem"
wm-pki webmail-cert >"$W/relay.pem"
printf 'From: Alice <alice@corp.example>\nTo: bob@example.com\nSubject: hello\nMessage-ID: <orig-1@corp.example>\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\nHi Bob.\n' >"$W/orig.eml"
wm-tunnel --sender alice@corp.example --recipient bob@example.com --read-receipt \
    --sign-key "$pki/gateway.key" --sign-cert "$pki/gateway.pem" --to-cert "$W/relay.pem" \
    <"$W/orig.eml" >"$W/tunnel.eml"
smtp_send "$(instance_port "$d" smtp)" gw@corp.example webmail@webmail.local "$W/tunnel.eml"
wait_for 30 sh -c "sqlite3 '$(instance_db "$d")' 'SELECT count(*) FROM messages' | grep -qx 1"
is "$(sqlite3 "$(instance_db "$d")" "SELECT count(*) FROM messages WHERE mailbox = 'bob@example.com'")" \
	"1" "the tunnel is stored for bob"
wait_outbox "$d" 1
invite=$(outbox_grep "$d" "^To:.*bob@example.com" | head -1)
like "$(sed -n '1,/^\r\?$/p' "$invite")" $'\nX-Post-Processed: wm box, external' \
	"a notification carries header-external at the next hop"

# The portal, over the instance's lighttpd.
printf 'Correct-Horse-Battery-9\n' | wm-user set-password --force bob@example.com >/dev/null
P=https://127.0.0.1:$(instance_port "$d" portal)
wait_for 10 curl -sk -o /dev/null "$P/portal/login"
jar=$W/jar
curl -sk -c "$jar" -o /dev/null "$P/portal/login"
pre=$(awk '$6 == "wmcsrf" { print $7 }' "$jar")
curl -sk -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$pre" \
    --data-urlencode "address=bob@example.com" \
    --data-urlencode "password=Correct-Horse-Battery-9" "$P/portal/login"
like "$(awk '$6 == "wmsession" { print $7 }' "$jar")" '^[0-9a-f]{64}$' "bob is logged in"
id=$(sqlite3 "$(instance_db "$d")" "SELECT id FROM messages WHERE mailbox = 'bob@example.com'")

# Reading the mail sends the read receipt to alice.
n=$(outbox_count "$d")
curl -sk -b "$jar" -o /dev/null "$P/portal/msg/$id"
wait_outbox "$d" $((n + 1))
mdn=$(outbox_grep "$d" "disposition-notification" | head -1)
like "$(cat "$mdn" 2>/dev/null)" $'Original-Message-ID: <orig-1@corp.example>\r?\n' \
	"the read receipt's Original-Message-ID has its angle brackets"
like "$(cat "$mdn" 2>/dev/null)" "X-Post-Processed: wm box, external" "and carries header-external"

# A reply without Cc.
form=$(curl -sk -b "$jar" "$P/portal/reply/$id")
csrf=$(printf '%s' "$form" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
like "$csrf" '^[0-9a-f]{64}$' "the reply form has a CSRF token"
n=$(outbox_count "$d")
status=$(curl -sk -b "$jar" -o /dev/null -w '%{http_code}' -F "csrf=$csrf" \
    -F "to=alice@corp.example" -F "cc=" -F "subject=Re: hello" -F "body=Thanks, Alice." \
    "$P/portal/reply/$id")
like "$status" '^(200|303)$' "the reply is sent (HTTP $status)"
wait_outbox "$d" $((n + 1))
reply=$(outbox_grep "$d" "Thanks, Alice" | head -1)
hdr=$(sed -n '1,/^\r\?$/p' "$reply" 2>/dev/null)
like "$hdr" $'\nSubject: Re: hello' "the reply reached the next hop"
[ -n "$hdr" ] && ! printf '%s\n' "$hdr" | grep -qi '^Cc:'
is "$?" "0" "the reply has no Cc header"
[ -n "$hdr" ] && ! printf '%s\n' "$hdr" | grep -qi '^X-WM-Relay:'
is "$?" "0" "the reply has no X-WM-Relay header"
like "$hdr" "X-Post-Processed: wm box, external" "the reply carries header-external"
like "$(instance_maillog "$d")" "postfix-[^ ]*/relay/smtpd\[[0-9]+\]: [0-9A-F]+: client=" \
	"the reply was routed through the relay listener"
sent=$(sqlite3 "$(instance_db "$d")" "SELECT file FROM messages WHERE mailbox = 'bob@example.com' AND folder <> 'inbox'" | head -1)
mb=$(find "$d/mail" -path "*$sent" 2>/dev/null | head -1)
if [ -n "$mb" ]; then
	! grep -q "X-Post-Processed" "$mb"
	is "$?" "0" "the copy in Sent has no header-external"
else
	not_ok "the copy in Sent is there" "file: $sent"
fi

# With Cc the header is there; a reply to two (to someone the answered mail
# did not name: only with compose-allowed).
check "compose-allowed for bob" wm-prefs set --user bob@example.com compose-allowed yes
n=$(outbox_count "$d")
curl -sk -b "$jar" -o /dev/null -F "csrf=$csrf" -F "to=alice@corp.example" \
    -F "cc=carol@corp.example" -F "subject=Re: hello" -F "body=Copy to Carol." \
    "$P/portal/reply/$id"
wait_outbox "$d" $((n + 1))
like "$(cat "$(outbox_grep "$d" "Copy to Carol" | head -1)" 2>/dev/null)" $'\nCc: carol@corp.example' \
	"a reply with Cc has its Cc header"

# Unset, nothing is added.
check "wm-prefs unset header-external" wm-prefs unset header-external
n=$(outbox_count "$d")
check "wm-user add carol" wm-user add carol@example.com
check "wm-notify signup carol" wm-notify signup carol@example.com
wait_outbox "$d" $((n + 1))
last=$(ls -t "$d"/outbox/* | head -1)
! grep -q "X-Post-Processed" "$last"
is "$?" "0" "without header-external nothing is added"

# A row written behind wm-prefs' back is refused, not sent (fail closed).
sqlite3 "$(instance_db "$d")" "DELETE FROM properties WHERE name = 'header-external'; INSERT INTO properties (scope, owner, name, value) VALUES ('global', '', 'header-external', 'X-WM-Relay: webmail')" 2>"$W/sqlerr"
if [ -s "$W/sqlerr" ]; then
	not_ok "a row written directly" "$(cat "$W/sqlerr")"
else
	check_fails "header-external naming a box header: the mail is not sent" 78 \
		wm-notify signup carol@example.com
fi
done_testing
