#!/bin/bash
# portal_corpus.sh - every mail of the real-world MIME corpus, tunnelled with
# stock openssl cms and delivered by wm-deliver into one mailbox, opens in
# the portal (portal.cgi run as a CGI with a session cookie) without an
# error page, its HTML body and every attachment it lists download, and
# its .eml is the original byte for byte.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

CGIBIN=${WM_CGI:-$(dirname "$BIN")/cgi}/portal.cgi
W=$(scratch)
d=$W/inst
if ! start_instance "$d"; then
	not_ok "instance starts"
	done_testing
	exit 1
fi
CONF=$d/wm.conf
db=$(instance_db "$d")
relay=$(wm-prefs get relay-recipient)
USER_ADDR=corpus@customer.example
PW=Correct-Horse-Battery-9

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/gw.key" -out "$W/gw.pem" \
    -days 30 -subj "/CN=gw gateway/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
    -addext "extendedKeyUsage=emailProtection" \
    -addext "subjectAltName=email:gw@corp.example" 2>/dev/null
wm-pki import --whitelist "$W/gw.pem" >/dev/null
wm-pki webmail-cert >"$W/relay.pem"
wm-user add "$USER_ADDR" >/dev/null
printf '%s\n' "$PW" | wm-user set-password --force "$USER_ADDR" >/dev/null

tunnel() {	# tunnel ORIGINAL: the tunnel for USER_ADDR on stdout
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\n'
		printf 'WM-Envelope-Recipient: %s\r\n\r\n' "$USER_ADDR"
		cat "$1"
	} | openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
	    openssl cms -encrypt -binary -aes256 -from gw@corp.example -to "$relay" \
		-subject tunnel "$W/relay.pem"
}

COOKIE=""
# cgi_to FILE METHOD PATH [BODY]: one request, the raw response into FILE.
cgi_to() {
	local body=${4-}
	printf '%s' "$body" | env -i PATH="$PATH" WM_CONFIG="$CONF" \
	    REQUEST_METHOD="$2" PATH_INFO="$3" QUERY_STRING="" \
	    HTTP_COOKIE="$COOKIE" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=${#body} "$CGIBIN" >"$1"
}
status_of() {	# status_of FILE: the HTTP status (200 when the CGI names none)
	local s
	s=$(tr -d '\r' <"$1" | sed -n '/^$/q;s/^Status: \([0-9]*\).*/\1/p')
	echo "${s:-200}"
}
body_sha() {	# body_sha FILE: sha256 of the response body
	python3 -c 'import hashlib, sys
d = open(sys.argv[1], "rb").read()
print(hashlib.sha256(d[d.index(b"\r\n\r\n") + 4:]).hexdigest())' "$1"
}

# Deliver every mail of the corpus; remember which index row is which file.
declare -A ID_OF
n=0 undelivered=0
for f in "$CORPUS"/*; do
	case $f in *.md|*.json) continue ;; esac
	[ -f "$f" ] || continue
	n=$((n + 1))
	tunnel "$f" >"$W/t.eml"
	if ! wm-deliver -c "$CONF" --sender gw@corp.example --recipient "$relay" <"$W/t.eml"; then
		not_ok "wm-deliver stores $(basename "$f")"
		undelivered=$((undelivered + 1))
		continue
	fi
	ID_OF[$f]=$(sqlite3 "$db" "SELECT max(id) FROM messages WHERE mailbox = '$USER_ADDR'")
done
is "$undelivered" 0 "wm-deliver stored all $n mails of the corpus"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox = '$USER_ADDR'")" "$n" \
    "the index has a row for each"

cgi_to "$W/r" GET /portal/login
pre=$(tr -d '\r' <"$W/r" | sed -n 's/^Set-Cookie: wmcsrf=\([0-9a-f]*\);.*/\1/p')
COOKIE="wmcsrf=$pre"
cgi_to "$W/r" POST /portal/login "csrf=$pre&address=corpus%40customer.example&password=$PW"
sid=$(tr -d '\r' <"$W/r" | sed -n 's/^Set-Cookie: wmsession=\([0-9a-f]*\);.*/\1/p')
like "$sid" '^[0-9a-f]{64}$' "the user logs in"
COOKIE="wmsession=$sid"

bad_page=0 bad_eml=0 bad_part=0 bad_body=0 parts=0 bodies=0
for f in "${!ID_OF[@]}"; do
	id=${ID_OF[$f]}
	name=$(basename "$f")
	cgi_to "$W/page" GET "/portal/msg/$id"
	if [ "$(status_of "$W/page")" != 200 ] || grep -q 'class="error"' "$W/page"; then
		not_ok "$name opens without an error page (got $(status_of "$W/page"))"
		bad_page=$((bad_page + 1))
	fi
	cgi_to "$W/eml" GET "/portal/msg/$id/eml"
	if [ "$(status_of "$W/eml")" != 200 ] ||
	    [ "$(body_sha "$W/eml")" != "$(sha256sum <"$f" | cut -d' ' -f1)" ]; then
		not_ok "$name: the .eml is the original byte for byte"
		bad_eml=$((bad_eml + 1))
	fi
	if grep -q "src=\"/portal/msg/$id/body\"" "$W/page"; then
		bodies=$((bodies + 1))
		cgi_to "$W/body" GET "/portal/msg/$id/body"
		if [ "$(status_of "$W/body")" != 200 ] || grep -qi '<script' "$W/body"; then
			not_ok "$name: the HTML body is served, without script"
			bad_body=$((bad_body + 1))
		fi
	fi
	for part in $(grep -o "/portal/msg/$id/part/[0-9]*" "$W/page" | sort -u); do
		parts=$((parts + 1))
		cgi_to "$W/part" GET "$part"
		if [ "$(status_of "$W/part")" != 200 ]; then
			not_ok "$name: attachment $part downloads"
			bad_part=$((bad_part + 1))
		fi
	done
done
is "$bad_page" 0 "every corpus mail opens in the portal (HTTP 200, no error page)"
is "$bad_eml" 0 "every .eml download is the stored original (sha256)"
is "$bad_body" 0 "every HTML body ($bodies) is served sanitised"
is "$bad_part" 0 "every listed attachment ($parts) downloads"
ok "corpus: $n mails, $bodies HTML bodies, $parts attachments"

done_testing
