#!/bin/bash
# maildir_readers.sh - a mailbox shared with stock readers: a private Dovecot
# on a loopback port serves the maildir over IMAP and moves and flags its
# files (new/ -> cur/, :2,S and :2,T); the portal still finds, shows, marks
# and deletes every message, reflects Dovecot's Seen and Deleted flags, and
# writes its own read marks as the standard flag suffix Dovecot sees;
# wm-cleanup still removes an expired message that moved; mutt in tmux shows
# the mail without ^M, because a CRLF original is stored with LF line ends;
# and the .eml download is the original byte for byte.
source "$(dirname "$0")/../lib.sh"

for p in dovecot mutt tmux python3 sqlite3; do
	command -v "$p" >/dev/null || { not_ok "$p is there"; done_testing; exit 1; }
done

T=$(scratch)
conf=$(mini_instance "$T/box")
box=$T/box
CGIBIN=${WM_CGI:-$(dirname "$BIN")/cgi}/portal.cgi
cat >>"$conf" <<EOC
templates = $TOP/templates
[commands]
sendmail = $box/sendmail
EOC
printf '#!/bin/sh\ncat >"%s/outbox/$(date +%%s%%N).$$.eml"\n' "$box" >"$box/sendmail"
chmod 755 "$box/sendmail"
export WM_CONFIG=$conf
wm-prefs set postmaster postmaster@box.example >/dev/null
wm-prefs set portal-base-url https://box.example >/dev/null
for s in system-mail-secret server-secret; do
	echo "$s-for-tests-0123456789abcdef" | wm-prefs set $s - >/dev/null
done
# Run as root, the mail belongs to an unprivileged owner, as it would to wm;
# Dovecot serves it as that user.
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$box/mail"
mail_uid=$(stat -c %u "$box/mail")
mail_gid=$(stat -c %g "$box/mail")

cd "$T" || exit 1
wm-pki webmail-cert --create >/dev/null
wm-pki webmail-cert >relay.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout gw.key -out gw.pem -days 30 \
    -subj "/CN=gw/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
wm-pki import --whitelist gw.pem >/dev/null
USER_ADDR=bob@customer.example
PW=Correct-Horse-Battery-9
wm-user add $USER_ADDR >/dev/null
printf '%s\n' "$PW" | wm-user set-password --force $USER_ADDR >/dev/null

send() {	# send ORIGINAL [EXPIRES]: a stock openssl tunnel, delivered
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\nWM-Envelope-Recipient: %s\r\n' $USER_ADDR
		[ -n "${2-}" ] && printf 'WM-Expires: %s\r\n' "$2"
		printf '\r\n'
		cat "$1"
	} | openssl cms -sign -binary -nodetach -signer gw.pem -inkey gw.key |
	    openssl cms -encrypt -binary -aes256 relay.pem >t.eml
	wm-deliver --sender gw@corp.example --recipient webmail@webmail.local <t.eml
}
crlf_mail() {	# crlf_mail N SUBJECT: an original with CRLF line ends
	printf 'From: Alice <alice@corp.example>\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 30 Nov 2026 10:0%d:00 +0000\r\nMessage-ID: <rd-%d@corp.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message %d.\r\nSecond line.\r\n' \
	    $USER_ADDR "$2" "$1" "$1" "$1" >orig$1.eml
}
crlf_mail 1 "crlf-one"
crlf_mail 2 "crlf-two"
crlf_mail 3 "crlf-expiring"
# Mixed line ends: stored exactly as it came.
printf 'From: alice@corp.example\nTo: %s\r\nSubject: mixed-ends\nDate: Mon, 30 Nov 2026 10:04:00 +0000\n\nbare LF\r\nand CRLF\n' $USER_ADDR >orig4.eml
for i in 1 2 4; do send orig$i.eml || not_ok "orig$i.eml delivered"; done
send orig3.eml 2026-12-31T00:00:00Z || not_ok "orig3.eml delivered"
# The headers (looked up by subject below) are decoded by the notice sender.
wm-notify -c "$conf" flush >/dev/null

db=$box/wm.db
maildir=$box/mail/bob=40customer.example
q() { sqlite3 "$db" "$1"; }
id_of() { q "SELECT id FROM messages WHERE subject = '$1'"; }
file_of() { q "SELECT file FROM messages WHERE subject = '$1'"; }
is "$(q "SELECT count(*) FROM messages WHERE mailbox = '$USER_ADDR'")" 4 "four mails delivered"
is "$(q "SELECT group_concat(stored_lf, '') FROM (SELECT stored_lf FROM messages ORDER BY id)")" 1101 \
    "the index records which were stored with LF line ends"
is "$(cat "$maildir"/new/* | tr -cd '\r' | wc -c)" \
    "$(tr -cd '\r' <orig4.eml | wc -c)" "only the mixed original keeps CRs in the maildir"
check "the mixed original is stored as it came" cmp "$maildir/$(file_of mixed-ends)" orig4.eml

# --- mutt reads the maildir in tmux ---
cat >muttrc <<EOM
set mbox_type=Maildir
set folder="$maildir"
set spoolfile="$maildir"
set sort=date
set mark_old=no
set move=no
set header_cache=""
set wait_key=no
set sleep_time=0
set pager_stop=yes
ignore *
unignore from: to: subject: date:
EOM
TM=wmtest-mutt-$$
on_exit "tmux kill-session -t $TM"
screen() { tmux capture-pane -p -t $TM; }
tmux new -d -s $TM -x 160 -y 40 "mutt -n -F '$T/muttrc' -f '$maildir'"
wait_for 20 sh -c "tmux capture-pane -p -t $TM | grep -q crlf-one"
idx=$(screen)
like "$idx" "crlf-one" "mutt's index lists the mail"
like "$idx" "crlf-expiring" "mutt's index lists every mail"
is "$(printf '%s\n' "$idx" | grep -c '\^M')" 0 "mutt's index shows no ^M"
tmux send-keys -t $TM "l" "~s crlf-one" Enter
wait_for 10 sh -c "! tmux capture-pane -p -t $TM | grep -q crlf-two"
tmux send-keys -t $TM Enter
wait_for 20 sh -c "tmux capture-pane -p -t $TM | grep -q 'Body of message 1'"
pager=$(screen)
like "$pager" "Subject: crlf-one" "mutt's pager shows the headers"
like "$pager" "Body of message 1" "mutt's pager shows the body"
is "$(printf '%s\n' "$pager" | grep -c '\^M')" 0 "mutt's pager shows no ^M"
tmux send-keys -t $TM q q
wait_for 10 sh -c "! tmux has-session -t $TM"

# --- a private Dovecot on a free loopback port ---
dv=$T/dovecot
mkdir -p "$dv/run" "$dv/state" "$dv/home"
chown "$mail_uid:$mail_gid" "$dv/home"
port=$(free_port)
cat >"$dv/dovecot.conf" <<EOD
protocols = imap
listen = 127.0.0.1
base_dir = $dv/run
state_dir = $dv/state
instance_name = wmtest-$$
log_path = $dv/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = $mail_uid
first_valid_gid = $mail_gid
mail_location = maildir:$maildir:INDEX=$dv/home/index
passdb {
  driver = static
  args = password=imap-secret
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$dv/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
EOD
dovecot -F -c "$dv/dovecot.conf" >"$dv/stdout" 2>&1 &
dpid=$!
on_exit "kill $dpid; wait $dpid"
port_open() { python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port"; }
if ! wait_for 20 port_open; then
	not_ok "Dovecot listens on 127.0.0.1:$port" "$(cat "$dv/stdout" "$dv/dovecot.log" 2>/dev/null)"
	done_testing
	exit 1
fi
ok "Dovecot listens on 127.0.0.1:$port"

imap() {	# imap PYTHON: runs PYTHON with M, a logged-in imaplib.IMAP4
	python3 - "$port" "$1" <<'PY'
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob", "imap-secret")
exec(sys.argv[2])
M.logout()
PY
}
# uid_of SUBJECT: the IMAP UID of a subject (after a SELECT)
out=$(imap '
typ, d = M.select("INBOX")
print("exists", d[0].decode())
typ, d = M.uid("SEARCH", None, "ALL")
for u in d[0].split():
    typ, f = M.uid("FETCH", u, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[])")
    subj = f[0][1].decode().split(":", 1)[1].strip()
    body = f[1][1]
    open("imap-" + subj + ".eml", "wb").write(body)
    print("uid", u.decode(), subj)
')
like "$out" "exists 4" "Dovecot SELECTs the mailbox: 4 messages"
check "Dovecot serves a CRLF original byte for byte" cmp imap-crlf-two.eml orig2.eml
uid() { printf '%s\n' "$out" | sed -n "s/^uid \([0-9]*\) $1\$/\1/p"; }
imap "
M.select('INBOX')
M.uid('STORE', '$(uid crlf-two)', '+FLAGS', '(\\\\Seen)')
M.uid('STORE', '$(uid mixed-ends)', '+FLAGS', '(\\\\Deleted)')
" >/dev/null
is "$(ls "$maildir/new" | wc -l)" 0 "Dovecot moved every file out of new/"
check "Dovecot flagged one Seen (:2,S)" sh -c "ls '$maildir/cur' | grep -q ':2,S\$'"
check "Dovecot flagged one Deleted (:2,T)" sh -c "ls '$maildir/cur' | grep -q ':2,T\$'"

# --- the portal on the moved files ---
COOKIE=""
cgi() {	# cgi OUT METHOD PATH [BODY]: one CGI request, response in OUT
	local body=${4-}
	printf '%s' "$body" | env -i PATH="$PATH" WM_CONFIG="$conf" \
	    REQUEST_METHOD="$2" PATH_INFO="$3" QUERY_STRING="" \
	    HTTP_COOKIE="$COOKIE" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=${#body} "$CGIBIN" >"$1"
}
status_of() { tr -d '\r' <"$1" | sed -n '/^$/q;s/^Status: \([0-9]*\).*/\1/p' | grep . || echo 200; }
body_of() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.stdout.buffer.write(d[d.index(b"\r\n\r\n") + 4:])' "$1"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -1 | sed 's/.*value="//;s/"//'; }
cgi r GET /portal/login
pre=$(tr -d '\r' <r | sed -n 's/^Set-Cookie: wmcsrf=\([0-9a-f]*\);.*/\1/p')
COOKIE="wmcsrf=$pre"
cgi r POST /portal/login "csrf=$pre&address=bob%40customer.example&password=$PW"
COOKIE="wmsession=$(tr -d '\r' <r | sed -n 's/^Set-Cookie: wmsession=\([0-9a-f]*\);.*/\1/p')"
cgi inbox GET /portal/inbox
is "$(status_of inbox)" 200 "the inbox opens"
is "$(grep -c 'name="id"' inbox)" 4 "the inbox lists all four messages"
like "$(cat inbox)" "4 messages, 2 unread" "the Seen flags Dovecot and mutt set count as read"
like "$(grep 'crlf-two' inbox)" "crlf-two" "the message Dovecot marked seen is listed"
is "$(grep -c 'class="unread".*' inbox)" 2 "two rows unread"
like "$(grep -A3 'mixed-ends' inbox | tr '\n' ' ')" "marked deleted" "Dovecot's Deleted flag is shown"
is "$(q "SELECT count(*) FROM messages WHERE file LIKE 'cur/%'")" 4 "the index adopted the moves to cur/"

bad=0
for s in crlf-one crlf-two crlf-expiring mixed-ends; do
	cgi page GET "/portal/msg/$(id_of $s)"
	if [ "$(status_of page)" != 200 ] || ! grep -q "$s" page; then
		bad=$((bad + 1))
		not_ok "the portal opens $s" "$(head -20 page)"
	fi
done
is "$bad" 0 "the portal opens every message Dovecot moved"
bad=0
for i in 1 2 3 4; do
	s=$(sed -n 's/^Subject: //p' orig$i.eml | tr -d '\r')
	cgi eml GET "/portal/msg/$(id_of "$s")/eml"
	body_of eml | cmp -s - orig$i.eml || { bad=$((bad + 1)); not_ok ".eml of $s is the original"; }
done
is "$bad" 0 "every .eml download is the original byte for byte"
is "$(ls "$maildir/cur" | grep -vc ':2,S*T*$')" 0 "every file carries a standard flag suffix"
is "$(ls "$maildir/cur" | grep -c 'S')" 4 "the portal's read marks are the flag S"
flags=$(imap '
M.select("INBOX")
typ, d = M.fetch("1:*", "(FLAGS)")
print(" ".join(x.decode() for x in d))
')
is "$(printf '%s\n' "$flags" | grep -o 'Seen' | wc -l)" 4 "Dovecot sees the portal's read marks as \\Seen"

# Delete from the portal a message Dovecot moved and flagged.
cgi inbox GET /portal/inbox
token=$(csrf_of inbox)
victim=$(file_of crlf-two)
cgi r POST /portal/inbox/delete "csrf=$token&id=$(id_of crlf-two)"
check "the portal deletes a moved message: file gone" test ! -e "$maildir/$victim"
is "$(q "SELECT count(*) FROM messages WHERE subject = 'crlf-two'")" 0 "and its row"
# Dovecot moves it once more behind the box's back: cleanup still finds it.
imap '
M.select("INBOX")
typ, d = M.search(None, "SUBJECT", "crlf-expiring")
M.store(d[0], "+FLAGS", "(\\Flagged)")
' >/dev/null
check "Dovecot renamed the expiring message again" sh -c "ls '$maildir/cur' | grep -q 'F'"
WM_NOW=$(date -d 2027-01-01 +%s) wm-cleanup >/dev/null
is "$(q "SELECT count(*) FROM messages WHERE subject = 'crlf-expiring'")" 0 "wm-cleanup removes the expired row"
is "$(grep -l 'crlf-expiring' "$maildir"/cur/* 2>/dev/null | wc -l)" 0 "and its moved file"
out=$(imap 'typ, d = M.select("INBOX"); print("exists", d[0].decode())')
like "$out" "exists 2" "Dovecot sees what is left: 2 messages"
cgi inbox GET /portal/inbox
is "$(grep -c 'name="id"' inbox)" 2 "the portal lists the same 2"

dovecot -c "$dv/dovecot.conf" stop 2>/dev/null
wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null"
is "$?" 0 "Dovecot stopped"
done_testing
