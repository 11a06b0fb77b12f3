#!/bin/bash
# notify.sh - wm-notify end to end: the invitation carries a link that
# verify-link accepts (and refuses tampered, expired or for another purpose),
# invitations on new mail at most once per hour, From = notification-sender,
# the system-mail header, template overrides per scope, and a failing
# sendmail giving 75.  sendmail is a script that stores argv and stdin under
# the outbox directory.
source "$(dirname "$0")/../lib.sh"

d=$(scratch)
conf=$(mini_instance "$d")
cat >>"$conf" <<EOC
templates = $TOP/templates

[commands]
sendmail = $d/sendmail
EOC
cat >"$d/sendmail" <<EOS
#!/bin/sh
o='$d/outbox'
n=\$(cat "\$o/.n" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"\$o/.n"
printf '%s\n' "\$@" >"\$o/\$n.args"
cat >"\$o/\$n.eml"
exit \${FAKE_SENDMAIL_STATUS:-0}
EOS
chmod 755 "$d/sendmail"
export WM_CONFIG=$conf
T0=1800000000
export WM_NOW=$T0

sent() { cat "$d/outbox/.n" 2>/dev/null || echo 0; }

check "settings can be set" sh -c '
	wm-prefs set server-secret s3cr3tserversecretvalue &&
	wm-prefs set system-mail-secret systemmailsecretvalue99 &&
	wm-prefs set notification-sender notify@wm.example &&
	wm-prefs set postmaster pm@wm.example &&
	wm-prefs set portal-base-url https://wm.example'
check "user can be added" wm-user add bob@example.com

check "new-mail for a user without password sends" wm-notify new-mail bob@example.com
is "$(sent)" 1 "one mail submitted"
is "$(cat "$d/outbox/1.args" | tr '\n' ' ')" "-i -f notify@wm.example -- bob@example.com " \
	"sendmail argv: -i -f notification-sender -- recipient"
eml=$(cat "$d/outbox/1.eml")
like "$eml" $'\nFrom: notify@wm.example\n' "From is notification-sender"
like "$eml" $'\nAuto-Submitted: auto-generated\n' "Auto-Submitted set"
like "$eml" $'^Message-ID: <[^>]+@wm.example>\n' "Message-ID set"
like "$eml" $'\nX-WM-System-Mail: [0-9a-f]{64}\n' "system-mail header set"
link=$(grep -o 'https://wm.example/portal/signup?t=[A-Za-z0-9._-]*' "$d/outbox/1.eml")
token=${link#*\?t=}
like "$token" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "invitation carries a signup link"

is "$(wm-notify verify-link signup "$token")" "bob@example.com" "verify-link prints the address"
check_fails "link for another purpose refused (77)" 77 wm-notify verify-link reset "$token"
bad=$(printf '%s' "$token" | sed 's/^./X/; t; s/^/X/')
[ "$bad" = "$token" ] && bad="Y${token:1}"
check_fails "tampered link refused (77)" 77 wm-notify verify-link signup "$bad"
check_fails "expired link refused (65)" 65 env WM_NOW=$((T0 + 43200 * 60 + 1)) \
	wm-notify verify-link signup "$token"
like "$(wm-notify verify-link --json signup "$token")" '"address": "bob@example.com"' \
	"verify-link --json"

check "new-mail again after 30 minutes" env WM_NOW=$((T0 + 1800)) wm-notify new-mail bob@example.com
is "$(sent)" 1 "no second invitation within the hour"
check "new-mail again after an hour" env WM_NOW=$((T0 + 3600)) wm-notify new-mail bob@example.com
is "$(sent)" 2 "invitation again after an hour"

check "notification-sender changed" wm-prefs set notification-sender other@wm.example
check "signup sends on request" wm-notify signup bob@example.com
like "$(cat "$d/outbox/3.eml")" $'\nFrom: other@wm.example\n' "From follows notification-sender"

# Templates per scope.
printf 'From: <?cs var:from ?>\nTo: <?cs var:to ?>\nSubject: Domain invite \xc3\xa4\n\n<?cs var:link ?>\n' >"$d/dom.cs"
check "template-set at domain scope" wm-notify template-set --domain example.com signup "$d/dom.cs"
like "$(wm-notify template-list --user bob@example.com)" $'signup\tdomain' "template-list shows the domain template for the user"
like "$(wm-notify template-list)" $'signup\tfile' "global view still uses the file"
check "signup with the domain template" wm-notify signup bob@example.com
like "$(cat "$d/outbox/4.eml")" $'\nSubject: =\\?utf-8\\?' "non-ASCII subject encoded"
like "$(cat "$d/outbox/4.eml")" 'signup\?t=' "domain template carries the link"
check "template-unset" wm-notify template-unset --domain example.com signup
check_fails "template-unset twice: no row (66)" 66 wm-notify template-unset --domain example.com signup
like "$(wm-notify template-get -v signup 2>&1)" "from file" "template-get falls back to the file"
printf '<?cs bogus ?>\n' >"$d/bad.cs"
check_fails "broken template refused (65)" 65 wm-notify template-set signup "$d/bad.cs"
check_fails "unknown template name (64)" 64 wm-notify template-get nosuch

# Password reset needs a password.
check "password set" sh -c 'echo "correct horse battery staple 42" | wm-user set-password --force bob@example.com'
check "reset sends a link" wm-notify reset bob@example.com
rlink=$(grep -o 'https://wm.example/portal/reset?t=[A-Za-z0-9._-]*' "$d/outbox/$(sent).eml")
is "$(wm-notify verify-link reset "${rlink#*\?t=}")" "bob@example.com" "reset link verifies"
check_fails "signup refused once signed up (65)" 65 wm-notify signup bob@example.com
check_fails "unknown user (67)" 67 wm-notify new-mail nobody@example.com

check_fails "failing sendmail gives 75" 75 env FAKE_SENDMAIL_STATUS=1 wm-notify new-mail bob@example.com

done_testing
