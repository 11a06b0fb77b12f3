#!/bin/bash
# web_security.sh - findings of the security test of the portal, each as a
# request against the instance's real lighttpd and FastCGI workers:
#   H1  bodies and field counts are bounded before ClearSilver parses them
#       (40,000 repeated names before login, 25,000 multipart parts after),
#   H2  multipart without a valid boundary is refused, also after an earlier
#       multipart request on the same worker (the worker used to segfault),
#   and the findings M2-L3 below, each named where it is tested.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"
source "$TOP/tests/portal.sh"

for t in curl sqlite3 runuser python3; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done
T=$(scratch)
portal_up "$T/inst" || { not_ok "portal starts"; done_testing; exit 1; }
"$BIN/wm-prefs" -c "$conf" set compose-allowed yes >/dev/null
portal_user alice@example.com
sid=$(portal_login alice@example.com "$PW" "$T/a")
like "$sid" '^[0-9a-f]{64}$' "alice is logged in"
csrf=$(portal_csrf "$sid")
workers() { portal_workers; }
before=$(workers)

# answer FILE CURL-ARGS...: "STATUS SECONDS" of one request with FILE as body
answer() {
	local f=$1
	shift
	curl -sk -o /dev/null -w '%{http_code} %{time_total}' --data-binary "@$f" "$@"
}
fast() {	# fast "STATUS SECONDS" WANT DESCRIPTION: status as wanted within 1 s
	case $1 in
	"$2 "0.*) ok "$3 ($1 s)" ;;
	*) not_ok "$3" "got: $1, want $2 within 1 s" ;;
	esac
}

# H1 before login: 200 KB of one repeated field name.
python3 -c 'import sys; sys.stdout.write("csrf=x&" + "a=1&" * 40000)' >"$T/h1"
fast "$(answer "$T/h1" "$P/portal/login")" 413 "H1: 40,000 repeated fields before login are refused"
python3 -c 'import sys; sys.stdout.write("a=&" * 1300)' >"$T/h1b"
fast "$(answer "$T/h1b" "$P/portal/login")" 400 "H1: 1,300 fields in 4 KB before login are refused"
python3 -c 'import sys; sys.stdout.write("a=" + "x" * 5000)' >"$T/h1c"
fast "$(answer "$T/h1c" "$P/portal/reset")" 413 "H1: a 5 KB body before login is refused"
q=$(python3 -c 'print("&".join(["a=1"] * 1000))')
fast "$(curl -sk -o /dev/null -w '%{http_code} %{time_total}' "$P/portal/login?$q")" 400 \
    "H1: 1,000 query fields are refused"
# H1 after login: 25,000 multipart parts on the upload route.
python3 - "$csrf" >"$T/h1d" <<'PY'
import sys
out = ["--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n" % sys.argv[1]]
out += ["--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"] * 25000
out.append("--B--\r\n")
sys.stdout.write("".join(out))
PY
fast "$(answer "$T/h1d" -H "Cookie: wmsession=$sid" \
    -H 'Content-Type: multipart/form-data; boundary=B' "$P/portal/compose")" 400 \
    "H1: 25,000 multipart parts after login are refused"
fast "$(answer "$T/h1d" -H 'Content-Type: multipart/form-data; boundary=B' \
    "$P/portal/login")" 413 "H1: no uploads before login"
printf 'csrf=%s&a=1' "$csrf" >"$T/form"
fast "$(answer "$T/form" -H "Cookie: wmsession=$sid" \
    -H 'Content-Type: multipart/form-data; boundary=B' "$P/portal/inbox/delete")" 415 \
    "H1: no uploads on a route that takes none"

# H2: multipart with a boundary, then without, many times on the workers.
printf -- '--XyZ\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n%s\r\n--XyZ\r\nContent-Disposition: form-data; name="subject"\r\n\r\nno recipient: not sent\r\n--XyZ--\r\n' \
    "$csrf" >"$T/mp"
bad=0 slow=0
for i in $(seq 1 20); do
	for ct in 'multipart/form-data; boundary=XyZ' 'multipart/form-data' \
	    'multipart/form-data; boundary=' 'multipart/form-data; boundary="XyZ' \
	    'multipart/form-data; boundary=a; boundary=b' \
	    "multipart/form-data; boundary=$(printf 'x%.0s' $(seq 1 80))"; do
		a=$(answer "$T/mp" -H "Cookie: wmsession=$sid" -H "Content-Type: $ct" \
		    "$P/portal/compose")
		case $a in 5*) bad=$((bad + 1)) ;; esac
		case $ct in *XyZ) continue ;; esac
		case $a in *" "0.*) ;; *) slow=$((slow + 1)) ;; esac
		case $a in 400*) ;; *) bad=$((bad + 1)) ;; esac
	done
done
is "$bad/$slow" "0/0" "H2: 120 multipart requests, 100 without a valid boundary: all refused with 400 or served, none 5xx or slow"
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/inbox")" 200 "the portal still serves alice"
is "$(workers)" "$before" "H2: no FastCGI worker died or was replaced"

# M1: one generator for the instance's lighttpd.conf and production's.
prod=$(cd "$TOP" && wm-init -c conf/wm.conf --lighttpd-conf)
like "$prod" 'fastcgi.server = \( "/portal.cgi"' "M1: production's lighttpd.conf has the FastCGI portal"
lconf=$(cat "$inst"/lighttpd/lighttpd.conf)
for k in server.max-connections server.max-read-idle server.max-keep-alive-idle \
    server.max-request-field-size server.max-request-size ssl.openssl.ssl-conf-cmd; do
	a=$(printf '%s\n' "$prod" | grep "^$k")
	b=$(printf '%s\n' "$lconf" | grep "^$k")
	if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "M1: $k the same in production and instance"
	else not_ok "M1: $k the same in production and instance" "$a" "$b"; fi
done
check "M1: lighttpd accepts the instance's configuration" lighttpd -tt -f "$inst/lighttpd/lighttpd.conf"

# L2 and lighttpd's own error pages: HSTS, nosniff, CSP on every answer.
h=$(curl -sk -D - -o /dev/null "$P/portal/login")
like "$h" '[Ss]trict-[Tt]ransport-[Ss]ecurity: max-age=[0-9]{7,}' "L2: the portal sends HSTS"
h=$(curl -sk -D - -o /dev/null "$P/static/no-such.css")
like "$h" '^HTTP/[0-9.]+ 404' "lighttpd answers a missing static file itself"
like "$h" '[Cc]ontent-[Ss]ecurity-[Pp]olicy: default-src .none.' "... with a CSP"
like "$h" '[Xx]-[Cc]ontent-[Tt]ype-[Oo]ptions: nosniff' "... with nosniff"
like "$h" '[Ss]trict-[Tt]ransport-[Ss]ecurity: max-age' "... with HSTS"
# Refused before routing (setenv does not run): the page carries its CSP.
for req in "-X POST -H Content-Length:999999999 $P/portal/login" \
    "-H X-Big:$(head -c 9000 /dev/zero | tr '\0' a) $P/portal/login"; do
	h=$(curl -sk -i -m 5 $req)
	like "$h" '^HTTP/[0-9.]+ 4(13|31)' "lighttpd refuses ${req:0:30}... itself"
	like "$h" '<meta http-equiv="Content-Security-Policy" content="default-src .none.' \
	    "... with a page that carries a CSP"
done

# I3: no CCM8 suite is negotiated, TLS 1.2 or 1.3; AES-GCM still is.
hp=127.0.0.1:$(instance_port "$inst" portal)
tls() { openssl s_client -connect "$hp" "$@" </dev/null >/dev/null 2>&1; }
check "I3: a TLS 1.3 AES-GCM handshake succeeds" tls -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
check "I3: a TLS 1.2 ECDHE-GCM handshake succeeds" tls -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
check_fails "I3: TLS 1.3 CCM8 is refused" 1 tls -tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256
check_fails "I3: TLS 1.2 CCM8 is refused" 1 tls -tls1_2 -cipher 'AESCCM8:@SECLEVEL=0'
check_fails "I3: TLS 1.2 CCM is refused" 1 tls -tls1_2 -cipher 'AESCCM:@SECLEVEL=0'

# form_csrf JAR PAGE: the CSRF field of a page fetched with the cookies of JAR
form_csrf() {
	curl -sk -b "$1" -c "$1" "$P/portal$2" |
	    sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1
}
# post JAR PATH FIELD=VALUE...: status of a form POST with the page's token
post() {
	local jar=$1 path=$2 tok
	shift 2
	tok=$(form_csrf "$jar" "${FORM_PAGE:-$path}")
	local args=(--data-urlencode "csrf=$tok")
	for f in "$@"; do args+=(--data-urlencode "$f"); done
	curl -sk -b "$jar" -c "$jar" -o "$T/last" -w '%{http_code}' "${args[@]}" "$P/portal$path"
}

# M2: wrong codes count against the account and survive a new password step.
portal_user tom@example.com
runuser -u "$user" -- sqlite3 "$db" "UPDATE users SET totp_secret =
    'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', totp_enabled = 1 WHERE address = 'tom@example.com'"
portal_login tom@example.com "$PW" "$T/m2" >/dev/null
codes=""
for i in 1 2 3; do codes="$codes $(FORM_PAGE=/totp post "$T/m2" /totp code=000000)"; done
portal_login tom@example.com "$PW" "$T/m2" >/dev/null
for i in 4 5 6; do codes="$codes $(FORM_PAGE=/totp post "$T/m2" /totp code=000000)"; done
is "$codes" " 403 403 403 403 403 429" "M2: the sixth wrong code is throttled although the password was entered again"
rm -f "$T/m2b"
pre=$(portal_pre "$T/m2b")
is "$(curl -sk -o /dev/null -w '%{http_code}' -b "$T/m2b" --data-urlencode "csrf=$pre" \
    --data-urlencode address=tom@example.com --data-urlencode "password=$PW" "$P/portal/login")" 429 \
    "M2: and so is the next password step of that account"

# L3: turning on two-factor asks for the password; a session alone does not.
portal_user uma@example.com
portal_login uma@example.com "$PW" "$T/l3" >/dev/null
FORM_PAGE=/settings post "$T/l3" /settings/totp/begin >/dev/null
like "$(cat "$T/last")" 'password is not right' "L3: two-factor setup without the password is refused"
is "$(runuser -u "$user" -- sqlite3 "$db" "SELECT totp_secret IS NULL FROM users WHERE address = 'uma@example.com'")" 1 \
    "L3: ... and no secret was made"
is "$(FORM_PAGE=/settings post "$T/l3" /settings/totp/begin current=wrong-password)" 403 \
    "L3: with a wrong password too"
FORM_PAGE=/settings post "$T/l3" /settings/totp/begin "current=$PW" >/dev/null
like "$(cat "$T/last")" 'id="totp-secret"' "L3: with the password the setup page shows the key"

# M3: the reset answer does not wait for the mail, and reads the same for
# an account and for no account; the link still goes out afterwards.
"$BIN/wm-prefs" -c "$conf" set notification-sender webmail@example.com >/dev/null
mails=$T/mails
mkdir -p "$mails" && chmod 777 "$mails"
cat >"$inst/slow-sendmail" <<EOS
#!/bin/sh
sleep 2
cat >"$mails/reset.\$\$.eml"
EOS
chmod 755 "$inst/slow-sendmail"
sed -i "s|^sendmail = .*|sendmail = $inst/slow-sendmail|" "$conf"
# The notice sender's mail too (not over SMTP to the instance's Postfix).
sed -i "s|^submit = .*|submit =|" "$conf"
"$BIN/wm-ctl" -c "$conf" stop lighttpd >/dev/null
"$BIN/wm-ctl" -c "$conf" start lighttpd >/dev/null
wait_for 10 curl -sk -o /dev/null "$P/portal/login"
reset_ask() {	# reset_ask ADDRESS: "SECONDS" of the answer; its page in $T/last
	local tok
	rm -f "$T/r"
	tok=$(form_csrf "$T/r" /reset)
	curl -sk -b "$T/r" -o "$T/last" -w '%{time_total}' --data-urlencode "csrf=$tok" \
	    --data-urlencode "address=$1" "$P/portal/reset"
}
t_known=$(reset_ask alice@example.com)
page_known=$(grep -v csrf "$T/last")
t_unknown=$(reset_ask nobody@example.com)
page_unknown=$(grep -v csrf "$T/last")
case $t_known in 0.*) ok "M3: a reset for an account is answered before its mail is sent ($t_known s)" ;;
*) not_ok "M3: a reset for an account is answered before its mail is sent" "took $t_known s" ;; esac
case $t_unknown in 0.*) ok "M3: a reset for no account is answered as fast ($t_unknown s)" ;;
*) not_ok "M3: a reset for no account is answered as fast" "took $t_unknown s" ;; esac
is "$page_known" "$page_unknown" "M3: both answers are the same page"
# The notice queue (wm-notify serve, not running here) sends it: flush once.
flush() { runuser -u "$user" -- "$BIN/wm-notify" -c "$conf" flush >/dev/null 2>&1; }
flush
wait_for 15 sh -c "grep -l 'To: alice@example.com' '$mails'/reset.*.eml"
link=$(grep -ho 'https://[^ ]*reset[^ ]*t=[A-Za-z0-9_.-]*' "$mails"/reset.*.eml | head -n 1)
like "$link" 't=' "M3: the reset link was mailed after the answer"
reset_ask alice@example.com >/dev/null
flush
is "$(grep -l 'To: alice@example.com' "$mails"/reset.*.eml | wc -l)" 1 \
    "M3: a second request within minutes sends no second mail (per-address limit)"

# L1: after a password change every earlier link is refused.
tok=${link##*t=}
is "$(curl -sk -o /dev/null -w '%{http_code}' "$P/portal/reset?t=$tok")" 200 "L1: the mailed reset link opens"
printf 'Another-Horse-Battery-7\n' |
    "$BIN/wm-user" -c "$conf" set-password --force alice@example.com >/dev/null
is "$(curl -sk -o /dev/null -w '%{http_code}' "$P/portal/reset?t=$tok")" 403 \
    "L1: after a password change the earlier reset link is refused"
done_testing
