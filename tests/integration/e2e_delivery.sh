#!/bin/bash
# e2e_delivery.sh - the secure delivery path through the instance's real
# Postfix: tunnels sent by SMTP reach wm-deliver through the pipe, land byte
# for byte in each recipient's maildir, are indexed, and the right people are
# told.  Outbound mail is captured by smtp-sink in DIR/outbox.
# WM_TRANSPORT=lmtp runs the same cases through Postfix's lmtp transport and
# wm-lmtpd instead of the pipe and wm-deliver (e2e_delivery_lmtp.sh).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

TRANSPORT=${WM_TRANSPORT:-pipe}
W=$(scratch)
d=$W/inst
if ! start_instance "$d" --transport "$TRANSPORT"; then
	not_ok "instance starts"
	done_testing
	exit 1
fi
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
if [ "$TRANSPORT" = lmtp ]; then
	like "$("$d/postfix/bin/postconf" -c "$d/postfix" -h transport_maps 2>/dev/null ||
	    postconf -c "$d/postfix" -h transport_maps)" "lmtp:unix:" "Postfix hands tunnels over by LMTP"
	like "$(wm-ctl status)" "lmtp: +running" "wm-ctl started wm-lmtpd"
fi

# The gateway: a signing key and certificate fit for S/MIME, whitelisted.
gw_cert() {	# gw_cert NAME: NAME.key / NAME.pem, self-signed, emailProtection
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/$1.key" -out "$W/$1.pem" \
	    -days 30 -subj "/CN=$1 gateway/emailAddress=$1@corp.example" \
	    -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
	    -addext "extendedKeyUsage=emailProtection" \
	    -addext "subjectAltName=email:$1@corp.example" 2>/dev/null
}
gw_cert gw
gw_cert rogue
wm-pki import --whitelist "$W/gw.pem" >/dev/null
wm-pki webmail-cert >"$W/relay.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/other.key" -out "$W/other.pem" \
    -days 30 -subj "/CN=someone else" 2>/dev/null

inner() {	# inner ORIGINAL RCPT...: the tunnel's signed content on stdout
	local orig=$1
	shift
	printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
	printf 'WM-Envelope-Sender: alice@corp.example\r\n'
	for r in "$@"; do printf 'WM-Envelope-Recipient: %s\r\n' "$r"; done
	printf '\r\n'
	cat "$orig"
}

seal() {	# seal SIGNER RECIPIENT_CERT MODE < content > tunnel: stock openssl cms
	local nd=-nodetach
	[ "$3" = detached ] && nd=
	openssl cms -sign -binary $nd -signer "$W/$1.pem" -inkey "$W/$1.key" |
	    openssl cms -encrypt -binary -aes256 -from gw@corp.example \
		-to "$relay" -subject "tunnel" "$2"
}

maildir() {	# maildir ADDRESS: path of its maildir
	local name
	name=$(printf '%s' "$1" | sed 's/@/=40/')
	echo "$d/mail/$name"
}

indexed() {	# indexed ADDRESS N: the index holds at least N mails of ADDRESS, decoded
	[ "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox='$1' AND
	    indexed = 1")" -ge "$2" ]
}

copies() {	# copies ADDRESS ORIGINAL: how many stored mails give back ORIGINAL
	local n=0 f
	for f in "$(maildir "$1")"/new/* "$(maildir "$1")"/cur/*; do
		[ -f "$f" ] && stored_original "$db" "$f" | cmp -s - "$2" && n=$((n + 1))
	done
	echo "$n"
}

queue_empty() { [ -z "$(instance_queue "$d")" ]; }

snap() { ls "$d/outbox" | sort >"$W/outbox.before"; }
fresh() {	# fresh: captured mails that arrived since the last snap
	ls "$d/outbox" | sort | comm -13 "$W/outbox.before" - | sed "s|^|$d/outbox/|"
}

# An original with CRLF line ends, a UTF-8 subject and an attachment.
orig=$W/orig.eml
printf 'From: Alice <alice@corp.example>\r\nTo: bob@customer.example, carol@other.example, dave@customer.example\r\nSubject: =?UTF-8?B?w4RyZ2VyIG1pdCBkZXIgUmVjaG51bmc=?=\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <e2e-1@corp.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Bob.\r\n--b1\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n--b1--\r\n' >"$orig"

# dave already has a password: he gets a new-message notification.
wm-user add dave@customer.example >/dev/null
echo 'Correct-Horse-Battery-9' | wm-user set-password --force dave@customer.example

# 1. three recipients through Postfix
inner "$orig" bob@customer.example carol@other.example dave@customer.example >"$W/inner1"
seal gw "$W/relay.pem" opaque <"$W/inner1" >"$W/t1.eml"
smtp_send "$smtp" gw@corp.example "$relay" "$W/t1.eml"
wait_outbox "$d" 3 60
for r in bob@customer.example carol@other.example dave@customer.example; do
	wait_for 30 indexed $r 1
	is "$(copies $r "$orig")" 1 "$r has the original byte-identical in its maildir"
	like "$(sqlite3 "$db" "SELECT stored_lf FROM messages WHERE mailbox='$r'")" "^1$" "$r: the CRLF original is stored with LF line ends"
done
is "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE folder='inbox'")" 3 "the index lists the mail for each recipient"
like "$(sqlite3 "$db" "SELECT subject FROM messages WHERE mailbox='bob@customer.example'")" "Ärger mit der Rechnung" "the index holds the decoded subject"
is "$(sqlite3 "$db" "SELECT has_attachments FROM messages WHERE mailbox='carol@other.example'")" 1 "the index marks the attachment"
wait_for 30 queue_empty
ok_q=$?
is "$ok_q" 0 "the Postfix queue is empty after delivery"
invites=$(outbox_grep "$d" "signup" | wc -l)
is "$invites" 2 "two sign-up invitations were captured (bob, carol)"
is "$(outbox_grep "$d" "^To:.*dave@customer.example" | wc -l)" 1 "one new-message notification for dave"
inv=$(outbox_grep "$d" "^To:.*bob@customer.example" | head -1)
link=$(tr -d '\r' <"$inv" | grep -oE 'https?://[^ ]*signup[^ ]*' | head -1)
token=${link##*t=}
like "$link" "^https://127\.0\.0\.1:[0-9]+/" "the invitation link points at the portal"
is "$(wm-notify verify-link signup "$token" 2>&1)" "bob@customer.example" "the invitation link verifies for bob"
bad=$(printf '%s' "$token" | sed 's/.$/A/;t' )
[ "$bad" = "$token" ] && bad=$(printf '%s' "$token" | sed 's/.$/B/')
check_fails "a tampered link is refused" 77 wm-notify verify-link signup "$bad"
WM_NOW=$(( $(date +%s) + 31 * 86400 )) check_fails "an expired link is refused" 65 wm-notify verify-link signup "$token"
check_fails "a sign-up link is not a reset link" 77 wm-notify verify-link reset "$token"

# 7. a stock maildir reader opens the mailbox
n=$(python3 -c 'import mailbox,sys; print(len(mailbox.Maildir(sys.argv[1], create=False)))' "$(maildir bob@customer.example)")
is "$n" 1 "python3's mailbox module reads bob's maildir"

# 5. the same tunnel twice: one copy
before=$(outbox_count "$d")
smtp_send "$smtp" gw@corp.example "$relay" "$W/t1.eml"
wait_for 30 queue_empty
sleep 1
wait_for 30 queue_empty
is "$(copies bob@customer.example "$orig")" 1 "the same tunnel delivered twice leaves one copy"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox='carol@other.example'")" 1 "and one index row"

# 2. stock openssl cms, detached signature
orig2=$W/orig2.eml
printf 'From: alice@corp.example\r\nTo: erin@customer.example\r\nSubject: detached\r\n\r\nbody without final newline' >"$orig2"
inner "$orig2" erin@customer.example | seal gw "$W/relay.pem" detached >"$W/t2.eml"
smtp_send "$smtp" gw@corp.example "$relay" "$W/t2.eml"
wait_for 30 indexed erin@customer.example 1
is "$(copies erin@customer.example "$orig2")" 1 "a detached-signature tunnel made with openssl cms is delivered byte-identical"

# 3. untrusted signer, tampered, wrong certificate: postmaster copy, no mailbox touched
for case in untrusted tampered wrongcert; do
	o=$W/orig-$case.eml
	printf 'From: alice@corp.example\r\nTo: frank@customer.example\r\nSubject: %s\r\n\r\nsecret\r\n' "$case" >"$o"
	case $case in
	untrusted) inner "$o" frank@customer.example | seal rogue "$W/relay.pem" opaque >"$W/t-$case.eml" ;;
	wrongcert) inner "$o" frank@customer.example | seal gw "$W/other.pem" opaque >"$W/t-$case.eml" ;;
	tampered)
		inner "$o" frank@customer.example | seal gw "$W/relay.pem" opaque >"$W/t-ok.eml"
		# flip one base64 character in the middle of the body
		python3 - "$W/t-ok.eml" "$W/t-$case.eml" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
body = data.index(b'\n\n') + 2 if b'\n\n' in data else data.index(b'\r\n\r\n') + 4
i = body + (len(data) - body) // 2
while chr(data[i]) not in 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz':
    i += 1
data[i] = ord('A') if data[i] != ord('A') else ord('B')
open(sys.argv[2], 'wb').write(data)
PY
		;;
	esac
	before=$(outbox_count "$d")
	snap
	smtp_send "$smtp" gw@corp.example "$relay" "$W/t-$case.eml"
	# Notices come from the queue: wait for this one, not for any mail.
	pm_fresh() { fresh | xargs -r grep -lE '^To:.*postmaster' 2>/dev/null | grep -q .; }
	wait_for 30 pm_fresh
	pm=$(fresh | xargs -r grep -lE '^To:.*postmaster' 2>/dev/null)
	[ -n "$pm" ] && ok "$case tunnel: postmaster copy captured" || not_ok "$case tunnel: postmaster copy captured"
	wait_for 30 queue_empty
	is "$?" 0 "$case tunnel: Postfix queue empty afterwards"
	is "$(ls "$(maildir frank@customer.example)/new" 2>/dev/null | wc -l)" 0 "$case tunnel: no mailbox touched"
done
like "$(cat "$d/log/wm.log")" "untrusted|not trusted" "the log says why the untrusted tunnel was refused"

# 6. over quota: that recipient skipped, sender + postmaster told, others delivered
wm-user add grace@customer.example >/dev/null
wm-prefs set --user grace@customer.example quota 100
o=$W/orig-quota.eml
printf 'From: alice@corp.example\r\nTo: grace@customer.example, heidi@customer.example\r\nSubject: quota\r\n\r\n%0500d\r\n' 0 >"$o"
inner "$o" grace@customer.example heidi@customer.example | seal gw "$W/relay.pem" opaque >"$W/t-quota.eml"
before=$(outbox_count "$d")
snap
smtp_send "$smtp" gw@corp.example "$relay" "$W/t-quota.eml"
wait_for 30 indexed heidi@customer.example 1
is "$(copies heidi@customer.example "$o")" 1 "over quota: the other recipient still gets the mail"
is "$(copies grace@customer.example "$o")" 0 "over quota: the full mailbox is skipped"
wait_outbox "$d" $((before + 3)) 30
is "$(fresh | xargs -r grep -lE '^To:.*alice@corp.example' | xargs -r grep -l -i 'quota' | wc -l)" 1 "over quota: the original sender is told"
is "$(fresh | xargs -r grep -lE '^To:.*postmaster' | xargs -r grep -l -i 'quota' | wc -l)" 1 "over quota: the postmaster is told"

# 4. fault: the mail directory unwritable -> deferred, nothing lost, one copy after the fix
o=$W/orig-fault.eml
printf 'From: alice@corp.example\r\nTo: ivan@customer.example\r\nSubject: fault\r\n\r\nretry me\r\n' >"$o"
inner "$o" ivan@customer.example heidi@customer.example | seal gw "$W/relay.pem" opaque >"$W/t-fault.eml"
chmod 500 "$d/mail"
smtp_send "$smtp" gw@corp.example "$relay" "$W/t-fault.eml"
# The queue is read once: a retry may make the message active (no reason
# shown) between two reads.
deferred() { q=$(instance_queue "$d"); printf '%s' "$q" | grep -q '"delay_reason"'; }
q=
wait_for 60 deferred
is "$?" 0 "fault: the tunnel stays deferred in the Postfix queue (wm-deliver exit 75)"
like "$q" "75|temporar|try again|deferred" "fault: the queue says the failure is temporary"
is "$(ls "$(maildir ivan@customer.example)/new" 2>/dev/null | wc -l)" 0 "fault: nothing stored for the new recipient yet"
chmod 755 "$d/mail"
instance_flush "$d"
wait_for 60 queue_empty
is "$?" 0 "fault cleared: the queue drains after postqueue -f"
is "$(copies ivan@customer.example "$o")" 1 "fault cleared: exactly one copy for the new recipient"
is "$(copies heidi@customer.example "$o")" 1 "fault cleared: exactly one copy for the recipient stored before the fault"

# 9. the real-world corpus, each message tunnelled through Postfix
n=0
for f in "$CORPUS"/*; do
	case $f in *.md|*.json) continue ;; esac
	[ -f "$f" ] || continue
	n=$((n + 1))
	inner "$f" corpus@customer.example | seal gw "$W/relay.pem" opaque >"$W/c.eml"
	smtp_send "$smtp" gw@corp.example "$relay" "$W/c.eml" || not_ok "corpus: SMTP accepts $(basename "$f")"
done
wait_for 300 queue_empty
is "$?" 0 "corpus: the queue drains (every message handled)"
want=$(for f in "$CORPUS"/*; do case $f in *.md|*.json) continue;; esac; sha256sum <"$f"; done | sort -u | wc -l)
have=$(for f in "$(maildir corpus@customer.example)"/new/*; do stored_original "$db" "$f" | sha256sum; done | sort -u)
is "$(printf '%s\n' "$have" | wc -l)" "$want" "corpus: all $n messages ($want distinct) delivered"
missing=0
for f in "$CORPUS"/*; do
	case $f in *.md|*.json) continue ;; esac
	s=$(sha256sum <"$f")
	printf '%s\n' "$have" | grep -qF "$s" || { missing=$((missing + 1)); echo "# not delivered byte-identical: $(basename "$f")"; }
done
is "$missing" 0 "corpus: every message delivered byte-identical"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox='corpus@customer.example'")" "$want" "corpus: every message indexed"
like "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox='corpus@customer.example' AND header_error IS NOT NULL")" "^[0-9]+$" "corpus: the index records undecodable headers instead of failing"
done_testing
