#!/bin/bash
# notice_queue.sh - notices leave the delivery path, through the instance's
# real Postfix: with the notice sender (wm-notify serve) stopped, tunnels are
# still delivered (wm-deliver exit 0, Postfix queue drains) and their notices
# wait in the database; a Postfix that refuses submission (5xx by policy,
# 4xx, or not running) keeps them queued;
# once the sender is back every notice goes out, new-mail notices to one
# user merged into one mail, over SMTP to the instance's submission
# listener; wm-ctl starts and stops the sender.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

W=$(scratch)
d=$W/inst
if ! start_instance "$d"; then
	not_ok "instance starts"
	done_testing
	exit 1
fi
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
pc="$d/postfix"

like "$(wm-ctl status)" "notify: +running" "wm-ctl start started the notice sender"
gateway_trusted "$W"
send() {	# send ID RCPT...: one tunnel through Postfix's SMTP listener
	local id=$1
	shift
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\n'
		for r in "$@"; do printf 'WM-Envelope-Recipient: %s\r\n' "$r"; done
		printf '\r\nFrom: alice@corp.example\r\nSubject: %s\r\n\r\nbody %s\r\n' "$id" "$id"
	} | openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
	    openssl cms -encrypt -binary -aes256 "$W/relay.pem" >"$W/$id.eml"
	smtp_send "$smtp" gw@corp.example "$relay" "$W/$id.eml"
}
queue_empty() { [ -z "$(instance_queue "$d")" ]; }
indexed() { [ "$(sqlite3 "$db" "SELECT count(*) FROM messages")" -ge "$1" ]; }
pending() { sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NULL AND failed IS NULL"; }
to() { outbox_grep "$d" "^To: .*$1" | wc -l; }
none_pending() { [ "$(pending)" -eq 0 ]; }

wm-user add dave@customer.example >/dev/null
echo 'Correct-Horse-Battery-9' | wm-user set-password --force dave@customer.example

check "wm-ctl stop notify" wm-ctl stop notify
like "$(wm-ctl status)" "notify: +stopped" "the notice sender is stopped"
send n1 bob@customer.example dave@customer.example
send n2 dave@customer.example
send n3 dave@customer.example carol@other.example
wait_for 60 indexed 5
is "$?" 0 "sender down: all five mails stored"
wait_for 60 queue_empty
is "$?" 0 "sender down: the Postfix queue drains (wm-deliver exit 0 every time)"
is "$(pending)" 5 "sender down: five notices wait in the database"
is "$(to bob@customer.example)$(to dave@customer.example)$(to carol@other.example)" "000" \
    "sender down: nobody was told yet"

# The submission listener refuses every mail (5.7.1, a policy to repair):
# the notices stay queued, none is given up.
sub=$(instance_listen "$d" submit)
like "$sub" '^127\.0\.0\.1:[0-9]+$' "the instance has a submission listener"
postconf -c "$pc" -P "$sub/inet/smtpd_client_restrictions=reject"
"$pc/bin/postfix" -c "$pc" reload >/dev/null 2>&1
out=$(wm-notify flush --window 0 --json)
like "$out" '"mails":0,.*"deferred":[1-9]' "Postfix refusing submission: nothing sent, all deferred"
like "$out" '"failed":0' "Postfix refusing submission: nothing given up"
is "$(pending)" 5 "Postfix refusing submission: the five notices are still queued"
like "$(sqlite3 "$db" "SELECT last_error FROM notice_queue WHERE sent IS NULL LIMIT 1")" "refused.*5\.7\.1" \
    "the reason (Postfix's reply) is kept"
# A 4xx, and no listener at all: the same.
postconf -c "$pc" -P "$sub/inet/smtpd_client_restrictions=defer"
"$pc/bin/postfix" -c "$pc" reload >/dev/null 2>&1
sqlite3 "$db" "UPDATE notice_queue SET next_try = 0"
out=$(wm-notify flush --window 0 --json)
like "$out" '"mails":0,.*"deferred":[1-9]' "Postfix deferring submission (4xx): all deferred"
postconf -c "$pc" -PX "$sub/inet/smtpd_client_restrictions"
postconf -c "$pc" -P "$sub/inet/smtpd_client_restrictions=permit_mynetworks,reject"
check "wm-ctl stop postfix" wm-ctl stop postfix
sqlite3 "$db" "UPDATE notice_queue SET next_try = 0"
out=$(wm-notify flush --window 0 --json)
like "$out" '"mails":0,.*"deferred":1,' "Postfix down: the first notice is deferred, the others left due"
like "$(sqlite3 "$db" "SELECT last_error FROM notice_queue WHERE sent IS NULL LIMIT 1")" "connect" \
    "Postfix down: the reason says the listener did not answer"
is "$(pending)" 5 "Postfix down: the five notices are still queued"
check "wm-ctl start postfix" wm-ctl start postfix
sqlite3 "$db" "UPDATE notice_queue SET next_try = 0"

check "wm-ctl start notify" wm-ctl start notify
wait_for 60 none_pending
is "$?" 0 "sender back: the queue empties"
wait_for 30 _outbox_has "$d" 3
sleep 2
is "$(to bob@customer.example)" 1 "bob: one invitation"
is "$(to carol@other.example)" 1 "carol: one invitation"
is "$(to dave@customer.example)" 1 "dave: three new-mail notices merged into one mail"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NOT NULL")" 5 "all five marked sent"
# They went in over SMTP, as local submissions: the submission listener
# took them and header checks saw them (no sendmail, no pickup).
like "$(grep -c "postfix-[^/]*/submit/smtpd.*client=localhost" "$d/log/postfix.log")" '^[1-9]' \
    "the notices came in through the submission listener"
is "$(grep -c "postfix-[^/]*/pickup" "$d/log/postfix.log")" 0 "none through sendmail and pickup"

# While the sender runs, a new mail's notice goes out by itself.
send n4 dave@customer.example
wait_for 60 _outbox_has "$d" 4
is "$?" 0 "sender running: the next notice goes out without help"
is "$(to dave@customer.example)" 2 "dave's second notification"

# What SMTP asks of the client, through the real listener: lines that start
# with a dot arrive as written (dot-stuffing both ways), and an address
# with a UTF-8 local part is submitted with SMTPUTF8 (RFC 6531).
cat >"$W/dots.cs" <<'EOT'
From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: dotted notice

.
..two dots
.leading dot
<?cs var:link ?>
EOT
check "a new-mail template with lines that start with a dot" wm-notify template-set new-mail "$W/dots.cs"
send n5 dave@customer.example
wait_for 60 sh -c "grep -lq '^Subject: dotted notice' '$d'/outbox/* 2>/dev/null"
m=$(outbox_grep "$d" '^Subject: dotted notice' | head -1)
body=$(sed -e 's/\r$//' -e '1,/^$/d' "${m:-/dev/null}")
like "$body" $'^\.\n\.\.two dots\n\.leading dot\n' "the dotted lines arrive as the template wrote them"
check "the template is back to the shipped one" wm-notify template-unset new-mail
u='jörg@customer.example'
send n6 "$u"
sent_to() { [ "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE address = '$1' AND sent IS NOT NULL")" -ge 1 ]; }
wait_for 60 sent_to "$u"
is "$?" 0 "the notice for $u is marked sent: the submission listener took it"
# The capturing smtp-sink offers no SMTPUTF8, so Postfix cannot pass it on;
# that it says so shows the mail reached Postfix flagged SMTPUTF8.
smtputf8() { grep -aqE "to=<$u>.*(status=sent|SMTPUTF8 is required)" "$d/log/postfix.log"; }
wait_for 30 smtputf8
check "Postfix took the invitation to $u as an SMTPUTF8 mail" smtputf8
check "wm-ctl stop notify (again)" wm-ctl stop notify

# A refusal no retry changes (the address, 5.1.1): the notice is given up
# at once and the postmaster hears of it; it is not retried for ever.
echo "gone@customer.example 550 5.1.1 no such mailbox" >"$W/gone"
chmod 644 "$W/gone"
postconf -c "$pc" -P "$sub/inet/smtpd_recipient_restrictions=check_recipient_access,texthash:$W/gone"
"$pc/bin/postfix" -c "$pc" reload >/dev/null 2>&1
sleep 1
wm-user add gone@customer.example >/dev/null
sqlite3 "$db" "INSERT INTO notice_queue (kind, address, created) VALUES ('signup', 'gone@customer.example', strftime('%s', 'now'))"
out=$(wm-notify flush --window 0 --json)
like "$out" '"failed":1' "a 5.1.1 refusal gives the notice up"
like "$(sqlite3 "$db" "SELECT last_error FROM notice_queue WHERE address = 'gone@customer.example'")" "5\.1\.1" \
    "with Postfix's reply as the reason"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE kind = 'postmaster' AND reason LIKE '%gone@customer.example%'")" 1 \
    "the postmaster is told"
out=$(wm-notify flush --window 0 --json)
like "$out" '"mails":1' "the postmaster's report goes out"
postconf -c "$pc" -PX "$sub/inet/smtpd_recipient_restrictions"
postconf -c "$pc" -P "$sub/inet/smtpd_recipient_restrictions="

# The merge window is for new-mail notices to users who can already read
# their mail; an invitation (a user who has not signed up) has nothing to
# merge with, at most one an hour, so the pass sends it at once.
"$pc/bin/postfix" -c "$pc" reload >/dev/null 2>&1
sleep 1
send n7 erin@customer.example dave@customer.example
wait_for 60 indexed 10
wait_for 60 queue_empty
out=$(wm-notify flush --window 30 --json)
like "$out" '"mails":1,.*"waiting":1' \
    "within the merge window: erin's invitation goes at once, dave's notice waits"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE address = 'erin@customer.example' AND sent IS NOT NULL")" 1 \
    "erin's invitation is marked sent"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE address = 'dave@customer.example' AND sent IS NULL")" 1 \
    "dave's notice is still queued"
done_testing
