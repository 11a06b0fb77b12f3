# tests/delivery.sh - sourced after tests/lib.sh by tests of wm-deliver
# without Postfix: a mini instance in $box whose [commands] sendmail is a
# script saving argv and mail in $box/outbox (it exits 75 while
# $box/sendmail.down exists), settings and a relay key, a whitelisted gateway
# certificate, and helpers to build tunnels and count what was stored.
T=$(scratch)
box=$T/box
conf=$(mini_instance "$box")
cat >>"$conf" <<EOC
templates = $TOP/templates
[commands]
sendmail = $box/sendmail
# No Postfix here: the notice sender too hands its mail to the stand-in.
[listen]
submit =
EOC
cat >"$box/sendmail" <<EOS
#!/bin/sh
[ -e "$box/sendmail.down" ] && { cat >/dev/null; exit 75; }
n=$box/outbox/\$(date +%s%N).\$\$
printf '%s\n' "\$@" >\$n.args
cat >\$n.eml
EOS
chmod 755 "$box/sendmail"
export WM_CONFIG=$conf
db=$box/wm.db
log=$box/log/wm.log
PM=postmaster@box.example
wm-prefs set postmaster $PM >/dev/null
wm-prefs set notification-sender webmail@box.example >/dev/null
wm-prefs set portal-base-url https://box.example >/dev/null
for s in system-mail-secret server-secret; do
	echo "$s-for-tests-0123456789abcdef" | wm-prefs set $s - >/dev/null
done
wm-pki webmail-cert --create >/dev/null
wm-pki webmail-cert >"$T/relay.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/gw.key" -out "$T/gw.pem" \
    -days 30 -subj "/CN=gw/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
wm-pki import --whitelist "$T/gw.pem" >/dev/null

# tunnel CERT ID RCPT... > tunnel: a unique original to RCPTs; $PAD bytes of
# padding in the body, $EXTRA one more envelope header (e.g. WM-Expires: ...).
tunnel() {
	local cert=$1 id=$2
	shift 2
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\n'
		for r in "$@"; do printf 'WM-Envelope-Recipient: %s\r\n' "$r"; done
		[ -n "${EXTRA:-}" ] && printf '%s\r\n' "$EXTRA"
		printf '\r\nFrom: alice@corp.example\r\nSubject: case %s\r\n' "$id"
		printf 'Message-ID: <%s@corp.example>\r\n\r\nbody of %s\r\n' "$id" "$id"
		[ "${PAD:-0}" -gt 0 ] && head -c "$PAD" /dev/zero | tr '\0' 'x' && printf '\r\n'
	} | openssl cms -sign -binary -nodetach -signer "$T/gw.pem" -inkey "$T/gw.key" |
	    openssl cms -encrypt -binary -aes256 "$cert"
}
deliver() {	# deliver FILE [PREFIX...]: wm-deliver (under PREFIX); sets rc
	local f=$1
	shift
	"$@" wm-deliver --sender gw@corp.example --recipient webmail@webmail.local \
	    <"$f" >/dev/null 2>"$T/stderr"
	rc=$?
}
name() {	# name ADDRESS: its maildir name (mailbox.h)
	python3 -c 'import re, sys
print(re.sub(rb"[^A-Za-z0-9._+-]", lambda m: b"=%02X" % m.group()[0],
    sys.argv[1].encode()).decode())' "$1"
}
files() { ls "$box/mail/$(name "$1")/new" "$box/mail/$(name "$1")/cur" 2>/dev/null | grep -vc -e '^$' -e ':$'; }
rows() { sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox = '$1'"; }
queued() { sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE address = '$1' AND kind = '${2:-new-mail}'"; }
pending() { sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NULL AND failed IS NULL"; }
mails_to() { grep -lx -- "$1" "$box"/outbox/*.args 2>/dev/null | wc -l; }
flush() { wm-notify flush --window 0 >/dev/null 2>&1; }

delivery_cgi() {	# delivery_cgi METHOD PATH [BODY]: portal.cgi as a CGI; $COOKIE sent
	local body=${3-}
	printf '%s' "$body" | env -i PATH="$PATH" WM_CONFIG="$conf" \
	    REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING="" \
	    HTTP_COOKIE="${COOKIE:-}" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=${#body} "$(dirname "$BIN")/cgi/portal.cgi" | tr -d '\r'
}
