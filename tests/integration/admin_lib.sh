#!/bin/bash
# admin_lib.sh - the library calls behind the console's settings, templates,
# PKI and user pages, through the programs that share them: user search,
# filters and keyset paging over 10,000 users, idle-user cleanup, mailbox
# listing and purge; a settings form applied all or nothing; templates
# previewed with sample values and refused when they do not render; PKI
# status with the reason, PKCS#7 and PKCS#12 import, whitelisting, a CRL
# revoking a whitelisted signer, and a local CA whose certificate exports
# as PKCS#12.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/pkica.sh"

T=$(scratch)
# Forms and templates the test writes stay in its scratch directory.
cd "$T" || exit 1
export WM_CONFIG
WM_CONFIG=$(mini_instance "$T/inst")
echo "templates = $TOP/templates" >>"$WM_CONFIG"
db=$T/inst/wm.db
mail=$T/inst/mail
cd "$T" || exit 1

json_get() {	# json_get TEXT PYEXPR: evaluates PYEXPR with j = parsed TEXT
	printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}

# --- users: 10,000 of them, made in one statement (wm-user add is one process each)
check "the database is created" wm-user list
sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
  INSERT INTO users (address, domain, created)
  SELECT printf('user%05d@bulk.example', i), 'bulk.example', strftime('%s','now') - 864000 FROM n;"
check "add a user by hand" wm-user add needle.haystack@find.example
out=$(wm-user list --search haystack --json)
is "$(json_get "$out" '[u["address"] for u in j]')" "['needle.haystack@find.example']" \
    "search by part of the address finds the one user among 10,001"
is "$(wm-user list --search 'user0999' | cut -f1 | tr '\n' ' ')" \
    "user09990@bulk.example user09991@bulk.example user09992@bulk.example user09993@bulk.example user09994@bulk.example user09995@bulk.example user09996@bulk.example user09997@bulk.example user09998@bulk.example user09999@bulk.example " \
    "search matches inside the address"
is "$(wm-user list --search '%' --json)" "[]" "LIKE wildcards in the search are literal"
page=$(wm-user list --limit 3 --after user05000@bulk.example | cut -f1 | tr '\n' ' ')
is "$page" "user05001@bulk.example user05002@bulk.example user05003@bulk.example " "--after pages forward"
page=$(wm-user list --limit 2 --before user05000@bulk.example | cut -f1 | tr '\n' ' ')
is "$page" "user04998@bulk.example user04999@bulk.example " "--before pages back, in order"
like "$(wm-user list --limit 2 2>&1 >/dev/null)" "more users follow" "a full page says more follow"
plan=$(sqlite3 "$db" "EXPLAIN QUERY PLAN SELECT address FROM users WHERE password IS NULL AND address > 'x' ORDER BY address LIMIT 51")
like "$plan" "SEARCH users USING INDEX users_no_password" "a filtered page seeks its partial index"

printf 'Quite-a-long-pass-2024!\n' | wm-user set-password --force user00007@bulk.example
check "disable a user" wm-user disable user00009@bulk.example
is "$(wm-user list --filter password-set | cut -f1)" "user00007@bulk.example" "filter: password set"
is "$(wm-user list --filter disabled | cut -f1)" "user00009@bulk.example" "filter: disabled"
is "$(wm-user list --filter no-password --limit 1 | cut -f1)" "needle.haystack@find.example" \
    "filter: no password"
check_fails "an unknown filter is a usage error" 64 wm-user list --filter sleepy
check_fails "--orphans only with mailboxes" 64 wm-user list --orphans

# --- last login and idle cleanup
sqlite3 "$db" "UPDATE users SET last_login = strftime('%s','now') - 100 * 86400 WHERE address = 'user00001@bulk.example';
  UPDATE users SET last_login = strftime('%s','now') - 3600 WHERE address = 'user00002@bulk.example';"
is "$(wm-user cleanup --idle --days 30 | cut -f1)" "user00001@bulk.example" \
    "cleanup --idle --days 30 lists the user away for 100 days, not the one of an hour ago"
like "$(wm-user show user00001@bulk.example)" "last-login: +20" "show prints the last login"
n=$(wm-user cleanup --never --days 5 --json | json_get "$(cat)" 'len(j)')
is "$n" 9998 "cleanup --never lists the users created 10 days ago who never logged in"
is "$(wm-user cleanup --never --days 0 | grep -c needle)" 1 \
    "cleanup --never --days 0 includes a user created now"
is "$(wm-user cleanup --never --days 1 | grep -c needle)" 0 "--days 1 leaves the user created now"
mkdir -p "$mail/user00003=40bulk.example/new"
echo "old mail" >"$mail/user00003=40bulk.example/new/1.eml"
out=$(wm-user cleanup --never --days 5 --delete --json)
is "$(json_get "$out" 'j["removed"]')" 9998 "cleanup --never --delete removes them"
is "$(wm-user list | wc -l)" 3 "the users who logged in and the new one stay"
is "$(cat "$mail/user00003=40bulk.example/new/1.eml")" "old mail" "without --purge-mailbox the mailbox stays"
is "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'user-delete' AND new_value LIKE '%(idle)'")" 9998 \
    "every removed user is audited"
is "$(wm-user mailboxes --orphans --search user00003 | cut -f2)" "user00003@bulk.example" \
    "mailboxes --orphans lists the mailbox of a removed user"
check "add a user with a mailbox" wm-user add keep@find.example
echo "mail" >"$mail/keep=40find.example/new/2.eml"
like "$(wm-user mailboxes --search keep@)" "^[1-9][0-9]*	keep@find.example	keep=40find.example$" \
    "mailboxes shows disk usage, address and mailbox"
check "purge-mailbox" wm-user purge-mailbox keep@find.example
is "$(ls "$mail/keep=40find.example/new" | wc -l)" 0 "purge-mailbox deletes the mail"
check "the account stays" wm-user show keep@find.example
check "purge-mailbox of a user's orphaned mailbox" wm-user purge-mailbox user00003@bulk.example
check_fails "the orphaned mailbox is gone" 1 test -d "$mail/user00003=40bulk.example"
check_fails "purge-mailbox of nothing is EX_NOUSER" 67 wm-user purge-mailbox nobody@find.example

# --- settings forms: all or nothing
check "global quota" wm-prefs set quota 2G
printf 'quota = 5Q\ncomment = from a form\nlogin-allowed = maybe\nrelay-recipient = x@y.example\n' >bad.form
err=$(wm-prefs apply --domain find.example bad.form 2>&1)
is "$?" 65 "a form with wrong values is refused (65)"
like "$err" "quota: \"5Q\" is not a size" "the wrong size is named"
like "$err" "login-allowed: \"maybe\" is not yes or no" "the wrong boolean is named"
like "$err" "relay-recipient cannot be set per domain" "a global-only setting is refused per domain"
is "$(wm-prefs get --domain find.example --verbose comment)" "comment =  (from default)" \
    "nothing of the refused form is saved"
printf 'quota = 5G\ncomment = from a form\n' | wm-prefs apply --domain find.example >out.txt
is "$(cat out.txt | tr '\n' ' ')" "set quota set comment " "a good form is applied"
is "$(wm-prefs get --user keep@find.example --verbose quota)" "quota = 5368709120 (from domain find.example)" \
    "the user inherits the domain's quota"
view=$(wm-prefs view --user keep@find.example --page quota --json)
is "$(json_get "$view" 'j[0]["inherit"], j[0]["inherited"], j[0]["inherited_from"]')" \
    "True 5368709120 domain" "view --user: quota inherits from the domain"
view=$(wm-prefs view --domain find.example --page quota --json)
is "$(json_get "$view" 'j[0]["value"], j[0]["inherited"], j[0]["inherited_from"]')" \
    "5368709120 2147483648 global" "view --domain: own value and what it would inherit"
is "$(wm-prefs view --user keep@find.example --json | json_get "$(cat)" '",".join(x["name"] for x in j if x["name"] in ("relay-recipient","server-secret","quota"))')" \
    "server-secret" "the user's general page offers only user settings (no relay-recipient; quota on its own page)"
is "$(wm-prefs view --json | json_get "$(cat)" '[x["inherited"] for x in j if x["name"]=="server-secret"][0]')" \
    "(not set)" "view never shows a secret"
printf 'quota\n' | wm-prefs apply --domain find.example >out.txt
is "$(cat out.txt)" "inherit quota" "a bare name goes back to inherit"
is "$(wm-prefs get --user keep@find.example --verbose quota)" "quota = 2147483648 (from global)" \
    "after inherit the global quota applies"

# --- templates
cat >new-mail.cs <<'EOT'
From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: Fresh mail for <?cs var:address ?>

You have <?cs var:unseen ?> unread message(s).
EOT
out=$(wm-notify template-preview new-mail new-mail.cs)
like "$out" "Subject: Fresh mail for alice@example.com" "preview renders the sample values"
like "$out" "You have 3 unread" "preview renders the body"
printf 'From: <?cs var:from ?>\nTo: <?cs var:to ?>\nSubject: x\n\n<?cs if:unseen ?>no end\n' >bad.cs
err=$(wm-notify template-set new-mail bad.cs 2>&1)
is "$?" 65 "a template that does not parse is refused (65)"
like "$err" "ParseError" "the ClearSilver error is shown"
printf 'Subject: no from\n\nhi\n' >nofrom.cs
check_fails "a template without From/To is refused" 65 wm-notify template-set new-mail nofrom.cs
is "$(wm-notify template-list | grep new-mail)" "new-mail	file" "nothing was stored"
check "a good template is stored" wm-notify template-set --domain find.example new-mail new-mail.cs
is "$(wm-notify template-list --user keep@find.example | grep new-mail)" "new-mail	domain" \
    "the user sees the domain's template"
like "$(wm-notify template-preview --user keep@find.example new-mail)" "Fresh mail" \
    "preview of the template in effect"
check "reset to inherited" wm-notify template-unset --domain find.example new-mail
is "$(wm-notify template-list --user keep@find.example | grep new-mail)" "new-mail	file" "back to the file"
is "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action LIKE 'template-%'")" 2 "template changes are audited"

# --- PKI
W=$T/pki
mkdir -p "$W" && cd "$W" || exit 1
mkca "$W/gwca" "Gateway CA"
issue "$W/gwca" gateway smime
openssl pkcs12 -export -in gateway.pem -inkey gateway.key -passout pass:p12-secret -out gateway.p12
printf 'p12-secret\n' >pw
check "import the gateway certificate from PKCS#12" wm-pki import --password-fd 3 gateway.p12 3<pw
check_fails "a wrong PKCS#12 password is refused" 65 wm-pki import --password-fd 3 gateway.p12 3< <(echo nope)
out=$(wm-pki list --json)
is "$(json_get "$out" 'j[0]["status"], j[0]["why"]')" \
    "untrusted unable to get local issuer certificate" "an unknown issuer: untrusted, with the reason"
id=$(json_get "$out" 'j[0]["id"]')
check "whitelist it" wm-pki whitelist "$id"
is "$(wm-pki list --json | json_get "$(cat)" 'j[0]["status"]')" "whitelisted" "status: whitelisted"
check "verify accepts the whitelisted signer" wm-pki verify gateway.pem
openssl crl2pkcs7 -nocrl -certfile gwca/ca.pem -out ca.p7b
check "import the CA as a PKCS#7 bundle (PEM)" wm-pki import ca.p7b
openssl pkcs7 -in ca.p7b -outform DER -out ca.p7b.der
check "the same bundle as DER" wm-pki import ca.p7b.der
is "$(wm-pki list --kind certificates --json | json_get "$(cat)" 'len(j)')" 2 "both certificates are listed once"
openssl ca -config gwca/ca.cnf -revoke gateway.pem 2>/dev/null
openssl ca -config gwca/ca.cnf -gencrl -out gw.crl 2>/dev/null
check "import the CRL" wm-pki crl-import gw.crl
is "$(wm-pki list --search gateway --json | json_get "$(cat)" 'j[0]["status"], j[0]["why"]')" \
    "revoked certificate revoked" "the whitelisted certificate is now revoked"
check_fails "verify refuses it" 65 wm-pki verify gateway.pem
check "un-whitelist" wm-pki unwhitelist "$id"
echo "garbage" >junk.pem
err=$(wm-pki import junk.pem 2>&1)
is "$?" 65 "a malformed upload is refused (65)"
like "$err" "not a certificate" "with a clear reason"

# local CA
check_fails "ca-issue before a CA exists" 66 wm-pki ca-issue --subject "GW" --email gw@corp.example
ca=$(wm-pki ca-create --subject "Webmail Local CA" --years 5)
like "$ca" "^[0-9]+$" "ca-create prints the id"
is "$(wm-pki list --kind ca --json | json_get "$(cat)" 'j[0]["subject"], j[0]["status"]')" \
    "CN=Webmail Local CA trusted" "the CA is a trusted root"
gw=$(wm-pki ca-issue --subject "Gateway signing" --email signer@corp.example --days 365)
is "$(wm-pki list --search signer@ --json | json_get "$(cat)" 'j[0]["status"]')" "trusted" \
    "the issued certificate chains to the local CA"
check_fails "PKCS#12 export needs a password" 64 wm-pki export "$gw" --pkcs12
printf 'export-pass\n' >xpw
wm-pki export "$gw" --pkcs12 --password-fd 3 3<xpw >gw.p12
check "stock openssl opens the PKCS#12 with the password" \
    openssl pkcs12 -in gw.p12 -passin file:xpw -noout
like "$(openssl pkcs12 -in gw.p12 -passin file:xpw -nokeys 2>/dev/null | grep subject=)" "Gateway signing" \
    "the PKCS#12 holds the certificate"
like "$(openssl pkcs12 -in gw.p12 -passin file:xpw -nocerts -nodes 2>/dev/null)" "BEGIN PRIVATE KEY" \
    "and its key"
check_fails "a wrong password does not open it" 1 openssl pkcs12 -in gw.p12 -passin pass:wrong -noout
wm-pki export "$gw" --der >gw.der
like "$(openssl x509 -inform DER -in gw.der -noout -ext subjectAltName)" "email:signer@corp.example" \
    "DER export with the address in subjectAltName"
# The issued certificate signs a tunnel that wm-pki's policy accepts.
wm-pki export "$gw" --pkcs12 --password-fd 3 3<xpw | openssl pkcs12 -passin file:xpw -nokeys -clcerts 2>/dev/null >gw.pem
check "verify accepts the local CA's certificate as a tunnel signer" wm-pki verify gw.pem
is "$(wm-pki list --kind relay --json | json_get "$(cat)" '[c["subject"] for c in j if "Local CA" in c["subject"] or "signing" in c["subject"]]')" \
    "[]" "the CA's key and the issued key are no relay (decryption) keys"
if grep -q "export-pass\|p12-secret" "$T/inst/log/wm.log" 2>/dev/null ||
   sqlite3 "$db" "SELECT detail FROM audit" | grep -q "export-pass\|p12-secret"; then
	not_ok "PKCS#12 passwords never reach the log or the audit"
else
	ok "PKCS#12 passwords never reach the log or the audit"
fi
# --- the examples of the manuals, run exactly as written (fresh instance)
man_examples() {	# man_examples PAGE: the command lines of its EXAMPLES
	sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$TOP/man/$1" |
	    sed -n '/^\.\(nf\|EX\)/,/^\.\(fi\|EE\)/p' | grep -v '^\.' |
	    sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\e/\\/g'
}
E=$T/examples
mkdir -p "$E"
WM_CONFIG=$(mini_instance "$E/inst")
echo "templates = $TOP/templates" >>"$WM_CONFIG"
cd "$E" || exit 1
printf 'example-p12-pass\n' >password-file
cp "$T/new-mail.cs" my-new-mail.cs
run_examples() {	# run_examples PAGE REGEX: runs the example lines matching REGEX
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		check "$1 example: $line" bash -c "$line" </dev/null
	done < <(man_examples "$1" | grep -E -- "$2")
	[ "$n" -gt 0 ] || not_ok "$1 has examples matching $2"
}
run_examples wm-user.8 .
run_examples wm-prefs.8 'apply|view'
run_examples wm-notify.8 .
run_examples wm-pki.8 'ca-create|ca-issue|--kind|whitelist 2|export 2'
# README's tour lines for these commands, exactly as written there.
while IFS= read -r line; do
	check "README: $line" bash -c "$line" </dev/null
done < <(sed -n 's/^    \(wm-user list --search [^#]*\|wm-user cleanup [^#]*\|wm-prefs view [^#]*\|wm-notify template-preview [^#]*\|wm-pki list --kind [^#]*\)#.*/\1/p' "$TOP/README.md")
is "$(grep -cE '^    (wm-user list --search|wm-user cleanup|wm-prefs view|wm-notify template-preview|wm-pki list --kind)' "$TOP/README.md")" 5 \
    "README shows the five lines run above"
check "the PKCS#12 of the example opens with the password file" \
    openssl pkcs12 -in gateway.p12 -passin file:password-file -noout
like "$(openssl x509 -inform DER -in gateway.cer -noout -subject)" "Gateway signing" \
    "the DER of the example is the issued certificate"
done_testing
