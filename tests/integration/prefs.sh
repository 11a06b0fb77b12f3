#!/bin/bash
# prefs.sh - wm-prefs from the shell: inheritance global -> domain -> user,
# exit codes 64/65/78, JSON that parses, secrets masked, the audit trail,
# and a manual that lists every setting.
source "$(dirname "$0")/../lib.sh"

dir=$(scratch)
conf=$(mini_instance "$dir")
export WM_CONFIG=$conf
P=(wm-prefs)

check "--help exits 0" "${P[@]}" --help
check "--version exits 0" "${P[@]}" --version

# Built-in defaults before anything is set.
is "$("${P[@]}" get quota)" "1073741824" "quota defaults to 1G"
is "$("${P[@]}" get relay-recipient)" "webmail@webmail.local" \
	"relay-recipient defaults to webmail@webmail.local"
is "$("${P[@]}" get min-password-strength)" "15" "min-password-strength defaults to 15"
is "$("${P[@]}" get --verbose signup-link-validity)" \
	"signup-link-validity = 43200 (from default)" "verbose get names the default"

# Inheritance, the acceptance point of the quota feature.
check "set global quota" "${P[@]}" set quota 1G
check "set domain quota" "${P[@]}" set --domain example.com quota 2G
is "$("${P[@]}" get --user bob@example.com quota)" "2147483648" \
	"a user of the domain gets the domain quota"
is "$("${P[@]}" get --user bob@example.com --verbose quota)" \
	"quota = 2147483648 (from domain example.com)" "verbose get says where it came from"
is "$("${P[@]}" get --user carol@other.example quota)" "1073741824" \
	"a user of another domain gets the global quota"
is "$("${P[@]}" get --user carol@other.example --json quota |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["scope"], d["value"])')" \
	"global 1073741824" "get --json gives scope and value"
check "set user quota" "${P[@]}" set --user bob@example.com quota 100M
is "$("${P[@]}" get --user bob@example.com quota)" "104857600" "a user value wins"
check "unset user quota" "${P[@]}" unset --user bob@example.com quota
check "unset domain quota" "${P[@]}" unset --domain example.com quota
is "$("${P[@]}" get --user bob@example.com --verbose quota)" \
	"quota = 1073741824 (from global)" "unset restores inheritance from global"
check "options may come before the command" "${P[@]}" --domain example.com set comment hi
is "$("${P[@]}" get --domain example.com comment)" "hi" "domain comment stored"

# Exit codes.
check_fails "unknown setting exits 64" 64 "${P[@]}" set quotas 1G
check_fails "unknown setting on get exits 64" 64 "${P[@]}" get no-such-setting
check_fails "global-only setting per domain exits 64" 64 \
	"${P[@]}" set --domain example.com max-attachment-size 5M
check_fails "global-only setting per user exits 64" 64 \
	"${P[@]}" set --user bob@example.com relay-recipient relay@example.com
msg=$("${P[@]}" set --domain example.com cleanup-interval 1d 2>&1)
like "$msg" "cleanup-interval cannot be set per domain" "the refusal names setting and scope"
check_fails "bad size exits 65" 65 "${P[@]}" set quota lots
check_fails "bad interval exits 65" 65 "${P[@]}" set cleanup-interval "2 weeks"
check_fails "bad boolean exits 65" 65 "${P[@]}" set auto-cleanup-enabled maybe
check_fails "bad URL exits 65" 65 "${P[@]}" set portal-base-url "ftp://x.example"
check_fails "bad address exits 65" 65 "${P[@]}" set postmaster "not an address"
check_fails "bad user address exits 65" 65 "${P[@]}" get --user "no-at" quota
check_fails "both --domain and --user exits 64" 64 \
	"${P[@]}" get --domain a.example --user b@a.example quota
check_fails "unknown command exits 64" 64 "${P[@]}" frobnicate
check_fails "missing argument exits 64" 64 "${P[@]}" set quota
check_fails "missing configuration exits 78" 78 \
	"${P[@]}" -c "$dir/nonexistent.conf" list
check_fails "missing \$WM_CONFIG file exits 78" 78 \
	env WM_CONFIG="$dir/nope.conf" wm-prefs get quota

# Values are stored canonically.
check "set boolean as on" "${P[@]}" set auto-cleanup-enabled on
is "$("${P[@]}" get auto-cleanup-enabled)" "yes" "booleans are stored as yes/no"
check "set interval" "${P[@]}" set cleanup-interval 8H
is "$("${P[@]}" get cleanup-interval)" "8h" "intervals are stored in lower case"

# Derived URLs follow portal-base-url.
check "set portal-base-url" "${P[@]}" set portal-base-url https://mail.example/
is "$("${P[@]}" get signup-url)" "https://mail.example/portal/signup" "signup-url derives"
is "$("${P[@]}" get webmail-login-url)" "https://mail.example/portal/login" \
	"webmail-login-url derives"

# JSON output parses.
check "list --json parses" bash -c "wm-prefs list --json | python3 -m json.tool"
check "list --user --json parses" bash -c \
	"wm-prefs list --user bob@example.com --json | python3 -m json.tool"
check "get --json parses" bash -c "wm-prefs get --json quota | python3 -m json.tool"
n=$("${P[@]}" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
is "$n" "$("${P[@]}" list | wc -l | tr -d ' ')" "list and list --json show the same settings"

# Secrets: masked unless asked for, never in the log or the audit table.
secret=s3cretvalue0123456789abcdefXYZ
check "set secret from stdin" bash -c "echo $secret | wm-prefs set server-secret -"
is "$("${P[@]}" get server-secret)" "(set)" "get masks a secret"
is "$("${P[@]}" get --show-secrets server-secret)" "$secret" "--show-secrets shows it"
out=$("${P[@]}" list; "${P[@]}" list --json; "${P[@]}" get --json server-secret)
case "$out" in
*"$secret"*) not_ok "list and get never print a secret by accident" ;;
*) ok "list and get never print a secret by accident" ;;
esac
is "$("${P[@]}" get system-mail-secret)" "(not set)" "an unset secret says so"
if grep -qr "$secret" "$dir/log" 2>/dev/null; then
	not_ok "the secret is not in the log"
else
	ok "the secret is not in the log"
fi
check_fails "short secret exits 65" 65 "${P[@]}" set server-secret short
like "$("${P[@]}" set server-secret tooShortSecret 2>&1)" "16" "the message gives the rule"
if "${P[@]}" set server-secret tooShortSecret 2>&1 | grep -q tooShortSecret; then
	not_ok "a refused secret is not echoed"
else
	ok "a refused secret is not echoed"
fi

# Audit trail.
audit=$(python3 - "$dir/wm.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for actor, action, detail in db.execute("SELECT actor, action, detail FROM audit ORDER BY id"):
    print(actor, action, detail)
EOF
)
like "$audit" "pref-set quota = 2147483648 at domain example.com" "set is audited"
like "$audit" "pref-unset quota at domain example.com" "unset is audited"
like "$audit" "server-secret = \(secret\)" "a secret change is audited without its value"
case "$audit" in
*"$secret"*) not_ok "the secret is not in the audit table" ;;
*) ok "the secret is not in the audit table" ;;
esac

# The manual renders and documents every setting.
check "man page renders" bash -c "MANWIDTH=80 man -l '$TOP/man/wm-prefs.8' >/dev/null"
is "$(MANWIDTH=80 man -l "$TOP/man/wm-prefs.8" 2>&1 >/dev/null)" "" "man page renders without warnings"
missing=""
for name in $("${P[@]}" list --json | python3 -c 'import json,sys; [print(d["name"]) for d in json.load(sys.stdin)]'); do
	grep -qE "^\.BR? (.* )?\"?$name\"?( |$)" "$TOP/man/wm-prefs.8" || missing="$missing $name"
done
is "$missing" "" "wm-prefs(8) documents every setting"
is "$(MANWIDTH=80 man -l "$TOP/man/wm.conf.5" 2>&1 >/dev/null)" "" "wm.conf(5) renders without warnings"

done_testing
