#!/bin/bash
# key_boundary.sh - the relay private keys out of the web programs' reach
# (issue 10, acceptance 1): an instance whose lighttpd and FastCGI portal and
# console run as the web user wmweb (wm-init --web-user) keeps its keys in
# db/keys/keys.db, which wmweb cannot open (EACCES, by file permission); the
# main database the web programs open holds no private key; the console
# still makes a webmail certificate, through the key service (wm-pki serve,
# run as wm by wm-ctl); a tunnel encrypted to that new certificate with
# stock openssl cms is delivered by wm-deliver, which has the key, and the
# portal, as wmweb, shows it to its recipient.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

for t in curl sqlite3 runuser; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done
getent passwd wmweb >/dev/null || { echo "1..0 # SKIP no wmweb user (scripts/deps makes it)"; exit 0; }

W=$(scratch)
d=$W/inst
conf=$d/wm.conf
if ! start_instance "$d" --web-user wmweb; then
	not_ok "instance with --web-user wmweb starts"
	done_testing
	exit 1
fi
db=$(instance_db "$d")
keys=$(dirname "$db")/keys
smtp=$(instance_port "$d" smtp)
AD=https://127.0.0.1:$(instance_port "$d" admin)

like "$(cat "$d"/lighttpd/*.conf)" 'server.username = "wmweb"' \
    "lighttpd.conf runs the web programs as wmweb"
is "$(stat -c '%U %a' "$keys")" "wm 700" "the key store directory is wm's, mode 0700"
is "$(stat -c '%U %a' "$keys/keys.db")" "wm 600" "the key store is wm's, mode 0600"
is "$(sqlite3 "$keys/keys.db" 'SELECT count(*) FROM key_pem')" 1 \
    "the relay key wm-init made is in the key store"

# --- as the web user
asweb() { runuser -u wmweb -- "$@"; }
out=$(asweb python3 -c '
import errno, sys
try:
    open(sys.argv[1], "rb")
except OSError as e:
    print(errno.errorcode[e.errno])
else:
    print("opened")' "$keys/keys.db")
is "$out" EACCES "as wmweb, opening the key store fails with EACCES"
is "$(asweb python3 -c 'import os,sys; print(os.access(sys.argv[1], os.R_OK))' "$db")" True \
    "as wmweb, the main database is readable (group wm)"
out=$(asweb sqlite3 "$db" "ATTACH '$keys/keys.db' AS k; SELECT count(*) FROM k.key_pem" 2>&1)
like "$out" 'unable to open' "as wmweb, SQLite cannot attach the key store either"
is "$(sqlite3 "$db" 'SELECT count(*) FROM private_keys WHERE length(pem) > 0')" 0 \
    "the main database holds no key PEM"
if cat "$db" "$db"-wal 2>/dev/null | grep -aq 'PRIVATE KEY'; then
	not_ok "no private key anywhere in the main database file or its WAL"
else
	ok "no private key anywhere in the main database file or its WAL"
fi

# The FastCGI workers really run as wmweb.
wait_for 10 curl -sk -o /dev/null "$AD/admin/login"
lpid=$(cat "$d/run/lighttpd.pid")
is "$(ps -o user:16= -p "$lpid" | tr -d ' ')" wmweb "lighttpd runs as wmweb"
users=$(ps --ppid "$lpid" -o user:16=,args= | awk '/admin\.cgi|portal\.cgi/ { print $1 }' | sort -u | tr '\n' ' ')
is "$users" "wmweb " "its FastCGI portal.cgi and admin.cgi run as wmweb"

# --- the console makes a webmail certificate (through the key service)
printf 'Quiet-Meadow-Falcon-77\n' | "$BIN/wm-admin" -c "$conf" set-password admin
jar=$W/jar
curl -sk -c "$jar" -o /dev/null "$AD/admin/login"
pre=$(awk '$6 == "wmadmincsrf" { print $7 }' "$jar")
curl -sk -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$pre" \
    --data-urlencode "name=admin" --data-urlencode "password=Quiet-Meadow-Falcon-77" \
    "$AD/admin/login"
curl -sk -b "$jar" -o "$W/wc.html" "$AD/admin/webmail-cert"
csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$W/wc.html" | head -1 | sed 's/.*value="//; s/"$//')
like "$csrf" '^[0-9a-f]{64}$' "logged in: the webmail certificate page has its form"
res=$(curl -sk -b "$jar" -o "$W/created.html" -w '%{http_code} %{redirect_url}' \
    --data-urlencode "csrf=$csrf" --data-urlencode "email=relay2@webmail.local" \
    --data-urlencode "subject=Second relay" "$AD/admin/webmail-cert")
like "$res" '^303 .*/webmail-cert\?done=created$' "the console creates a webmail certificate"
is "$(sqlite3 "$keys/keys.db" 'SELECT count(*) FROM key_pem')" 2 \
    "its key went to the key store"
is "$(sqlite3 "$db" 'SELECT count(*) FROM private_keys WHERE length(pem) > 0')" 0 \
    "and not to the main database"
like "$(sqlite3 "$db" "SELECT action FROM audit WHERE action = 'pki-relay-create'")" \
    'pki-relay-create' "the creation is audited"
like "$(cat "$d"/log/keys.log "$d"/log/wm.log 2>/dev/null)" 'key service: webmail-cert: certificate [0-9]+' \
    "made by the key service"

wm-pki webmail-cert >"$W/new.pem"
like "$(openssl x509 -in "$W/new.pem" -noout -ext subjectAltName)" 'relay2@webmail.local' \
    "the newest relay certificate is the console's"

# The other console operations that need a key go the same way: a local CA,
# a certificate it issues, that certificate's PKCS#12, and a PKCS#12 upload.
page_csrf() { curl -sk -b "$jar" "$AD/admin/$1" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
post() {	# post PATH PAGE ARGS...: a console POST with PAGE's token; prints code and redirect
	local path=$1 page=$2
	shift 2
	curl -sk -b "$jar" -o "$W/post.out" -w '%{http_code} %{redirect_url}' \
	    --data-urlencode "csrf=$(page_csrf "$page")" "$@" "$AD/admin/$path"
}
like "$(post ca/create ca --data-urlencode 'subject=Boundary CA' --data-urlencode years=5)" \
    '^303 .*/ca\?done=created$' "the console creates a local CA (key service)"
res=$(post ca/issue ca --data-urlencode 'subject=Issued One' \
    --data-urlencode email=one@corp.example --data-urlencode days=30)
like "$res" '^303 .*/certs/[0-9]+\?issued=1$' "the local CA signs a certificate (key service)"
issued=$(printf '%s' "$res" | sed 's|.*/certs/||; s|?.*||')
code=$(curl -sk -b "$jar" -o "$W/one.p12" -w '%{http_code}' \
    --data-urlencode "csrf=$(page_csrf "certs/$issued")" --data-urlencode password=Export-Pass-55 \
    "$AD/admin/certs/$issued/p12")
is "$code" 200 "the console exports the issued certificate as PKCS#12 (key service)"
like "$(openssl pkcs12 -in "$W/one.p12" -passin pass:Export-Pass-55 -nodes 2>/dev/null)" \
    'BEGIN PRIVATE KEY' "the PKCS#12 holds its key"
relay_id=$(sqlite3 "$db" "SELECT cert_id FROM private_keys WHERE purpose = 'relay' ORDER BY id LIMIT 1")
code=$(curl -sk -b "$jar" -o "$W/relay.p12" -w '%{http_code}' \
    --data-urlencode "csrf=$(page_csrf "certs/$relay_id")" --data-urlencode password=Export-Pass-55 \
    "$AD/admin/certs/$relay_id/p12")
if [ "$code" != 200 ] && ! openssl pkcs12 -in "$W/relay.p12" -passin pass:Export-Pass-55 -nodes >/dev/null 2>&1; then
	ok "the key service never exports a relay key (got $code)"
else
	not_ok "the key service never exports a relay key" "got $code"
fi
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/up.key" -out "$W/up.pem" -days 30 \
    -subj "/CN=uploaded/emailAddress=up@corp.example" 2>/dev/null
openssl pkcs12 -export -in "$W/up.pem" -inkey "$W/up.key" -passout pass:Up-Pass-66 -out "$W/up.p12"
before=$(sqlite3 "$keys/keys.db" 'SELECT count(*) FROM key_pem')
res=$(curl -sk -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    -F "csrf=$(page_csrf certs)" -F "password=Up-Pass-66" -F "file=@$W/up.p12" "$AD/admin/certs/import")
like "$res" '^303 .*/certs\?done=imported$' "the console imports a PKCS#12 with its key (key service)"
is "$(sqlite3 "$keys/keys.db" 'SELECT count(*) FROM key_pem')" $((before + 1)) \
    "the uploaded key went to the key store"
is "$(sqlite3 "$db" 'SELECT count(*) FROM private_keys WHERE length(pem) > 0')" 0 \
    "still no key PEM in the main database"

# The key service answers those requests only.
sock=$d/run/keys/keys.sock
out=$(asweb python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"op export\n"); s.shutdown(socket.SHUT_WR); print(s.recv(512).decode().strip())' "$sock")
like "$out" '^64 unknown request' "the key service refuses any other request"
out=$(runuser -u nobody -- python3 -c '
import socket, sys
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1]); print("connected")
except OSError as e: print(e.strerror)' "$sock" 2>&1)
like "$out" 'Permission denied' "a user outside group wm cannot reach the key service"

# --- a tunnel to the new certificate is delivered by wm-deliver (as wm)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/gw.key" -out "$W/gw.pem" \
    -days 30 -subj "/CN=gw gateway/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
    -addext "extendedKeyUsage=emailProtection" \
    -addext "subjectAltName=email:gw@corp.example" 2>/dev/null
wm-pki import --whitelist "$W/gw.pem" >/dev/null
{
	printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
	printf 'WM-Envelope-Sender: alice@corp.example\r\n'
	printf 'WM-Envelope-Recipient: bob@customer.example\r\n\r\n'
	printf 'From: alice@corp.example\r\nTo: bob@customer.example\r\nSubject: key boundary\r\nMessage-ID: <kb-1@corp.example>\r\n\r\nthrough the new key\r\n'
} | openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
    openssl cms -encrypt -binary -aes256 -from gw@corp.example -to relay2@webmail.local \
	-subject tunnel "$W/new.pem" >"$W/tunnel.eml"
smtp_send "$smtp" gw@corp.example "$(wm-prefs get relay-recipient)" "$W/tunnel.eml"
stored() { [ "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox = 'bob@customer.example'")" -ge 1 ]; }
if wait_for 60 stored; then
	ok "the tunnel encrypted to the new certificate is decrypted and stored"
	f=$(find "$d/mail" -type f -path '*bob=40customer.example/new/*' | head -1)
	is "$(asweb sh -c 'cat "$1" >/dev/null && echo readable' sh "$f")" readable \
	    "the stored mail is readable by the web user (group wm), for the portal"
else
	not_ok "the tunnel encrypted to the new certificate is decrypted and stored" \
	    "$(tail -5 "$d/log/wm.log")"
fi

# --- the portal, as wmweb, serves bob his mail (database and maildir by group)
P=https://127.0.0.1:$(instance_port "$d" portal)
"$BIN/wm-user" -c "$conf" add bob@customer.example >/dev/null 2>&1
printf 'Correct-Horse-Battery-9\n' | "$BIN/wm-user" -c "$conf" set-password --force bob@customer.example >/dev/null
pj=$W/pjar
curl -sk -c "$pj" -o /dev/null "$P/portal/login"
pre=$(awk '$6 == "wmcsrf" { print $7 }' "$pj")
curl -sk -b "$pj" -c "$pj" -o /dev/null --data-urlencode "csrf=$pre" \
    --data-urlencode "address=bob@customer.example" --data-urlencode "password=Correct-Horse-Battery-9" "$P/portal/login"
mid=$(sqlite3 "$db" "SELECT id FROM messages WHERE mailbox = 'bob@customer.example' LIMIT 1")
body=$(curl -sk -b "$pj" "$P/portal/msg/$mid")
like "$body" 'through the new key' "the portal (as wmweb) shows bob the mail the new key opened"
done_testing
