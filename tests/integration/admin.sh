#!/bin/bash
# admin.sh - the console's accounts and its listener: wm-admin (passwords
# from stdin only, the last enabled admin protected, audit), the default
# admin/admin that must be changed (wm-ctl status says so until then), the
# admin listener serving only the console and the portal listener never
# serving it, sessions of one never valid in the other, cookie flags, CSRF,
# throttling with one answer for unknown names and wrong passwords, and body
# limits before login.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

for t in curl sqlite3; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done

T=$(scratch)
inst=$T/inst
conf=$inst/wm.conf
check "wm-init" "$BIN/wm-init" "$inst"
db=$(instance_db "$inst")
A() { "$BIN/wm-admin" -c "$conf" "$@"; }

# ---- wm-admin ----
like "$(A list)" '^admin	enabled	no-2fa	must-change	never$' \
    "a fresh box has admin, enabled, with the password to be changed"
like "$("$BIN/wm-ctl" -c "$conf" status)" 'default admin password is still set' \
    "wm-ctl status warns about the default password"
like "$("$BIN/wm-ctl" -c "$conf" status --json)" '"default_admin_password": true' \
    "wm-ctl status --json says so too"
check_fails "set-password takes no password operand" 64 A set-password admin Secret-Pass-123
out=$(printf 'abc\n' | A add bob 2>&1); rc=$?
is "$rc" 65 "a weak password is refused (65)"
like "$out" 'too weak' "with its reason"
out=$(printf 'bob\n' | A add bob 2>&1)
like "$out" 'based on' "a password based on the name is refused"
check_fails "an admin name with a space is refused" 65 sh -c "printf 'Tulip-Harbor-Lantern-42\n' | '$BIN/wm-admin' -c '$conf' add 'bo b'"
check "add bob with a strong password from stdin" sh -c \
    "printf 'Tulip-Harbor-Lantern-42\n' | '$BIN/wm-admin' -c '$conf' add bob"
check_fails "adding bob again fails" 65 sh -c \
    "printf 'Tulip-Harbor-Lantern-42\n' | '$BIN/wm-admin' -c '$conf' add bob"
check_fails "no password on stdin: 66" 66 sh -c "'$BIN/wm-admin' -c '$conf' add carol </dev/null"
like "$(A list --json)" '"name": "admin".*|"name": "bob"' "list --json"
is "$(A list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 \
    "list --json is a JSON array of both admins"
check "the default admin/admin may be set to a strong password" sh -c \
    "printf 'Quiet-Meadow-Falcon-77\n' | '$BIN/wm-admin' -c '$conf' set-password admin"
check_fails "set-password refuses the default password" 65 sh -c \
    "printf 'admin\n' | '$BIN/wm-admin' -c '$conf' set-password admin"
check_fails "set-password of an unknown admin: 67" 67 sh -c \
    "printf 'Quiet-Meadow-Falcon-77\n' | '$BIN/wm-admin' -c '$conf' set-password nobody"
like "$("$BIN/wm-ctl" -c "$conf" status --json)" '"default_admin_password": false' \
    "once changed, the warning is gone"
check "disable admin while bob is enabled" A disable admin
check_fails "bob, the last enabled admin, cannot be disabled" 77 A disable bob
check_fails "nor deleted" 77 A delete bob
check "enable admin again" A enable admin
check "now bob can be deleted" A delete bob
check_fails "and admin, the last one, cannot be deleted" 77 A delete admin
check_fails "deleting an unknown admin: 67" 67 A delete nobody
check "reset-2fa" A reset-2fa admin
# The commands of README's tour and wm-admin(8), exactly as written there.
export WM_CONFIG=$conf PATH=$BIN:$PATH
check "README: wm-admin list" wm-admin list
check "README, wm-admin(8): printf ... | wm-admin add alice" sh -c \
    "printf '%s\\n' 'Tulip-Harbor-Lantern-42' | wm-admin add alice"
check "wm-admin(8): wm-admin list --json" wm-admin list --json
check "README: wm-admin disable alice" wm-admin disable alice
unset WM_CONFIG
audit=$(sqlite3 "$db" "SELECT actor || '|' || action || '|' || object || '|' || COALESCE(new_value, '') FROM audit ORDER BY id")
like "$audit" "cli:$(id -un)\|admin-add\|admin bob" "the audit names the unix user and the admin"
like "$audit" "admin-password\|admin admin\|\*\*\*\*\*\*\*\*" "a password change is audited masked"
if grep -q -e 'Tulip-Harbor' -e 'Quiet-Meadow' <<<"$audit$(cat "$inst"/log/*.log)"; then
	not_ok "no password in the audit or the log"
else
	ok "no password in the audit or the log"
fi

# ---- the listeners, on a fresh instance ----
"$BIN/wm-init" "$T/inst2" >/dev/null
inst=$T/inst2 conf=$inst/wm.conf db=$(instance_db "$inst")
like "$(cat "$inst"/lighttpd/*.conf)" '"/admin.cgi" => \( \(' \
    "the admin listener hands requests to admin.cgi as a FastCGI application"
on_exit "'$BIN/wm-ctl' -c '$conf' stop lighttpd"
check "lighttpd starts" "$BIN/wm-ctl" -c "$conf" start lighttpd
AD=https://127.0.0.1:$(instance_port "$inst" admin)
P=https://127.0.0.1:$(instance_port "$inst" portal)
wait_for 10 curl -sk -o /dev/null "$AD/admin/login"

code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
hdrs=$(curl -sk -D - -o "$T/login.html" "$AD/admin/login")
like "$(cat "$T/login.html")" 'Secure Webmail Admin' "the admin listener serves the console login"
like "$hdrs" "content-security-policy: default-src 'none'" "with a CSP without script"
like "$hdrs" 'x-frame-options: DENY' "X-Frame-Options DENY"
like "$hdrs" 'cache-control: no-store' "no-store"
like "$hdrs" 'set-cookie: wmadmincsrf=[0-9a-f]{64}; Path=/admin; Secure; HttpOnly; SameSite=Strict' \
    "the pre-login token cookie is Path=/admin, Secure, HttpOnly, SameSite=Strict"
is "$(curl -sk -o /dev/null -w '%{redirect_url}' "$AD/")" "$AD/admin/login" "the listener's root leads to the console"
if grep -q 'Webmail Admin' < <(curl -sk "$P/admin/login"); then
	not_ok "the portal listener never serves the console"
else
	ok "the portal listener never serves the console"
fi
if grep -q 'Webmail Admin' < <(curl -sk "$P/admin.cgi/admin/login"); then
	not_ok "not even through /admin.cgi"
else
	ok "not even through /admin.cgi"
fi
is "$(code "$AD/portal/login")" 404 "the admin listener serves no portal page"
is "$(code "$AD/portal.cgi/portal/login")" 404 "not even through /portal.cgi"
is "$(code "$AD/static/admin.css")" 200 "the stylesheet is served"

# login NAME PASSWORD JAR: the form's token cookie, then the POST; prints the code.
login() {
	local pre
	curl -sk -c "$3" -o /dev/null "$AD/admin/login"
	pre=$(awk '$6 == "wmadmincsrf" { print $7 }' "$3")
	curl -sk -b "$3" -c "$3" -o "$T/out.html" -w '%{http_code} %{redirect_url}' \
	    --data-urlencode "csrf=$pre" --data-urlencode "name=$1" \
	    --data-urlencode "password=$2" "$AD/admin/login"
}
token() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -1 | sed 's/.*value="//; s/"$//'; }

is "$(login admin wrong "$T/j0")" "403 " "a wrong password is refused"
bad=$(sed -n 's/.*class="error"[^>]*>\([^<]*\)<.*/\1/p' "$T/out.html")
login nosuch admin "$T/j0" >/dev/null
is "$(sed -n 's/.*class="error"[^>]*>\([^<]*\)<.*/\1/p' "$T/out.html")" "$bad" \
    "an unknown admin gets the same answer as a wrong password"
is "$(login admin admin "$T/j1")" "303 $AD/admin/password" "admin/admin logs in, to the change page"
hdr=$(grep wmadmin "$T/j1" | awk '$6 == "wmadmin"')
like "$hdr" '/admin	TRUE' "the session cookie has Path=/admin and Secure"
sid=$(awk '$6 == "wmadmin" { print $7 }' "$T/j1")
like "$(sqlite3 "$db" "SELECT kind FROM sessions WHERE principal = 'admin'")" '^admin$' \
    "the session is of kind admin"
is "$(curl -sk -b "$T/j1" -o /dev/null -w '%{http_code} %{redirect_url}' "$AD/admin/status")" \
    "303 $AD/admin/password" "before the change, the status page redirects to the change page"
is "$(curl -sk -b "$T/j1" -o "$T/pw.html" -w '%{http_code}' "$AD/admin/password")" 200 \
    "the change page opens"
csrf=$(token "$T/pw.html")
is "$(curl -sk -b "$T/j1" -o /dev/null -w '%{http_code}' --data 'current=admin&password=Quiet-Meadow-Falcon-77&password2=Quiet-Meadow-Falcon-77' "$AD/admin/password")" 403 \
    "a POST without the CSRF token is refused"
out=$(curl -sk -b "$T/j1" -w '%{http_code}' --data-urlencode "csrf=$csrf" \
    --data 'current=admin&password=abc12&password2=abc12' "$AD/admin/password")
like "$out" 'field-error[^>]*>the password is too weak' "a weak password is refused with its reason next to the field"
like "$out" '400$' "with 400"
is "$(curl -sk -b "$T/j1" -c "$T/j1" -o /dev/null -w '%{http_code} %{redirect_url}' \
    --data-urlencode "csrf=$csrf" --data 'current=admin&password=Quiet-Meadow-Falcon-77&password2=Quiet-Meadow-Falcon-77' \
    "$AD/admin/password")" "303 $AD/admin/status?changed=1" "a strong password is taken"
sid2=$(awk '$6 == "wmadmin" { print $7 }' "$T/j1")
[ -n "$sid2" ] && [ "$sid2" != "$sid" ] && ok "the session id changes with the password" ||
    not_ok "the session id changes with the password"
is "$(code -b "wmadmin=$sid" "$AD/admin/status")" 303 "the old id is dead"
is "$(code -b "$T/j1" "$AD/admin/status")" 200 "the status page opens now"
like "$(curl -sk -b "$T/j1" "$AD/admin/status")" 'The MTA does not answer' \
    "with the MTA stopped the status page says the queue is not known"
like "$(sqlite3 "$db" "SELECT value FROM metrics WHERE name = 'queue-incoming' AND step = 1")" '^-1$' \
    "and remembers the failed sample, so the next views do not run postqueue again"
if "$BIN/wm-ctl" -c "$conf" status | grep -q 'default admin password'; then
	not_ok "wm-ctl status stops warning after the change"
else
	ok "wm-ctl status stops warning after the change"
fi

# ---- sessions of one listener are none in the other ----
"$BIN/wm-user" -c "$conf" add alice@example.com >/dev/null
printf 'Correct-Horse-Battery-9\n' | "$BIN/wm-user" -c "$conf" set-password --force alice@example.com >/dev/null
curl -sk -c "$T/p" -o /dev/null "$P/portal/login"
pre=$(awk '$6 == "wmcsrf" { print $7 }' "$T/p")
curl -sk -b "$T/p" -c "$T/p" -o /dev/null --data-urlencode "csrf=$pre" \
    --data-urlencode "address=alice@example.com" --data-urlencode "password=Correct-Horse-Battery-9" "$P/portal/login"
psid=$(awk '$6 == "wmsession" { print $7 }' "$T/p")
like "$psid" '^[0-9a-f]{64}$' "alice has a portal session"
is "$(code -b "wmsession=$psid" "$P/portal/inbox")" 200 "which opens her inbox"
for u in /admin/status /admin/password /admin/; do
	is "$(code -b "wmadmin=$psid; wmsession=$psid" "$AD$u")" 303 "a portal session is refused on $u"
done
is "$(curl -sk -b "wmadmin=$psid" -o /dev/null -w '%{redirect_url}' "$AD/admin/status")" \
    "$AD/admin/login?expired=1" "and sent to the admin login"
asid=$(awk '$6 == "wmadmin" { print $7 }' "$T/j1")
for u in /portal/inbox /portal/settings /portal/compose; do
	is "$(code -b "wmsession=$asid; wmadmin=$asid" "$P$u")" 303 "an admin session is refused on $u"
done

# ---- plain CGI, as the fallback when no FastCGI socket is given ----
cgi=$(dirname "$BIN")/cgi/admin.cgi
out=$(WM_CONFIG=$conf REQUEST_METHOD=GET PATH_INFO=/admin/login GATEWAY_INTERFACE=CGI/1.1 "$cgi" </dev/null)
like "$out" 'Admin login' "admin.cgi answers one request as a plain CGI"
like "$out" 'Content-Security-Policy: default-src' "with the security headers"
out=$(WM_CONFIG=$conf REQUEST_METHOD=GET PATH_INFO=/admin/status GATEWAY_INTERFACE=CGI/1.1 "$cgi" </dev/null)
like "$out" 'Status: 303' "and sends a request without a session to the login"

# ---- throttling, body limits ----
for i in 1 2 3 4 5; do login admin wrong "$T/j2" >/dev/null; done
is "$(login admin Quiet-Meadow-Falcon-77 "$T/j2")" "429 " "after 5 failures even the right password is throttled"
big=$(head -c 20000 /dev/zero | tr '\0' a)
is "$(code -X POST --data "name=$big" "$AD/admin/login")" 413 "a large body before login: 413"
is "$(code -b "$T/j1" -X DELETE "$AD/admin/status")" 405 "an unknown method: 405"
done_testing
