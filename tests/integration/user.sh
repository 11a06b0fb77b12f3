#!/bin/bash
# user.sh - wm-user over a bare instance: exit codes, JSON output, passwords
# from standard input, delete keeping or purging the mailbox, and a stored
# message that a stock maildir reader (python3 mailbox.Maildir) can open.
source "$(dirname "$0")/../lib.sh"

dir=$(scratch)
export WM_CONFIG=$(mini_instance "$dir")
mail=$dir/mail

json_ok() {	# json_ok DESCRIPTION TEXT: TEXT parses as JSON
	if printf '%s' "$2" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "$2"
	fi
}

json_get() {	# json_get TEXT PYEXPR: evaluates PYEXPR with j = parsed TEXT
	printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}

# --help, --version, usage errors
check "--help exits 0" wm-user --help
like "$(wm-user --help)" "set-password" "--help lists the commands"
like "$(wm-user --version)" "^wm-user [0-9]" "--version names itself"
check_fails "no command is a usage error" 64 wm-user
check_fails "unknown command is a usage error" 64 wm-user frobnicate
check_fails "missing address is a usage error" 64 wm-user show
check_fails "extra argument is a usage error" 64 wm-user list extra
check_fails "--purge-mailbox only with delete" 64 wm-user add --purge-mailbox a@example.com
check_fails "--force only with set-password" 64 wm-user add --force a@example.com

# addresses
check_fails "address without @ is refused (65)" 65 wm-user add bob
check_fails "display name is refused (65)" 65 wm-user add 'Bob <bob@example.com>'
check_fails "raw UTF-8 domain is refused (65)" 65 wm-user add $'bob@b\xc3\xbccher.example'
like "$(wm-user add $'bob@b\xc3\xbccher.example' 2>&1)" "xn--" "IDN refusal suggests the xn-- form"
check_fails "unknown user is EX_NOUSER (67)" 67 wm-user show nobody@example.com
check_fails "deleting an unknown user is EX_NOUSER (67)" 67 wm-user delete nobody@example.com
check_fails "enabling an unknown user is EX_NOUSER (67)" 67 wm-user enable nobody@example.com

# add, list, show
check "add a user" wm-user add Bob@Example.COM
check_fails "adding it again is refused (65)" 65 wm-user add Bob@example.com
check "add a second user" wm-user add carol@example.org
is "$(cd "$mail" && ls -d Bob=40example.com/{tmp,new,cur} | wc -l)" 3 "add creates the maildir"
list=$(wm-user list)
like "$list" "^Bob@example.com	enabled	no-password	never" "list shows the canonical address"
out=$(wm-user list --json)
json_ok "list --json parses" "$out"
is "$(json_get "$out" 'len(j)')" 2 "list --json has both users"
is "$(json_get "$out" 'j[0]["address"]')" "Bob@example.com" "list --json is ordered by address"
check_fails "local part keeps its case" 67 wm-user show bob@example.com
out=$(wm-user show --json Bob@EXAMPLE.com)
json_ok "show --json parses" "$out"
is "$(json_get "$out" 'j["password_set"], j["enabled"], j["mailbox"], j["disk_usage"]')" \
    "False True Bob=40example.com 0" "show --json: no password, enabled, mailbox, usage"
is "$(json_get "$out" 'j["quota"]')" 1073741824 "show --json: built-in quota"
like "$(wm-user show Bob@example.com)" "mailbox: +Bob=40example.com" "show names the mailbox"

# enable / disable
check "disable" wm-user disable Bob@example.com
is "$(json_get "$(wm-user show --json Bob@example.com)" 'j["enabled"]')" False "disabled"
check "enable" wm-user enable Bob@example.com
is "$(json_get "$(wm-user show --json Bob@example.com)" 'j["enabled"]')" True "enabled again"

# set-password reads standard input only
check_fails "set-password of an unknown user (67)" 67 wm-user set-password nobody@example.com </dev/null
check_fails "set-password with empty input (66)" 66 wm-user set-password Bob@example.com </dev/null
out=$(printf 'qwerty12\n' | wm-user set-password Bob@example.com 2>&1)
rc=$?
is "$rc" 65 "weak password refused (65)"
like "$out" "keyboard sequence" "the message names the rule"
out=$(printf 'bob!Example9\n' | wm-user set-password Bob@example.com 2>&1)
like "$out" "based on the email address" "password based on the address refused"
out=$(printf 'kitten\n' | wm-user set-password Bob@example.com 2>&1)
like "$out" "too weak" "low-entropy password refused"
check "a good password is accepted" sh -c "printf 'Sunny garden 42\n' | wm-user set-password Bob@example.com"
check "--force skips the rules" sh -c "printf 'kitten\n' | wm-user set-password --force carol@example.org"
out=$(wm-user show --json Bob@example.com)
is "$(json_get "$out" 'j["password_set"], j["signed_up"] is not None')" "True True" "password set and signed up"
hash=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select password from users where address='Bob@example.com'\").fetchone()[0])" "$dir/wm.db")
like "$hash" '^\$y\$' "the stored password is a yescrypt hash"
if grep -rq "Sunny garden" "$dir/log" "$dir/wm.db" 2>/dev/null; then
	not_ok "the password appears nowhere in the log or database"
else
	ok "the password appears nowhere in the log or database"
fi
audit=$(python3 -c "import sqlite3,sys; print(' '.join(r[0] for r in sqlite3.connect(sys.argv[1]).execute('select action from audit order by id')))" "$dir/wm.db")
like "$audit" "user-add.*user-disable user-enable user-password" "changes are in the audit log"

# the mailbox is a maildir a stock reader opens (wm_mailbox_store itself is
# checked against python3 mailbox.Maildir in unit/test_mailbox.c)
box=$mail/Bob=40example.com
count=$(python3 -c "import mailbox,sys; print(len(mailbox.Maildir(sys.argv[1], create=False)))" "$box")
is "$count" 0 "python3 mailbox.Maildir opens the new mailbox"
printf 'From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n' >"$box/new/1800000000.1.00000000000000000000000000000000"
out=$(wm-user mailboxes --json)
json_ok "mailboxes --json parses" "$out"
is "$(json_get "$out" '[(m["address"], m["disk_usage"] > 0) for m in j if m["name"] == "Bob=40example.com"][0]')" \
    "('Bob@example.com', True)" "mailboxes shows the address and the usage"

mkdir "$mail/=FF=01" "$mail/.hidden"
out=$(wm-user mailboxes --json)
json_ok "mailboxes --json parses with a hand-made directory" "$out"
is "$(json_get "$out" '[m["address"] for m in j if m["name"] == "=FF=01"]')" "[None]" \
    "a directory that decodes to no address is listed without one"
like "$(wm-user mailboxes)" "-	=FF=01	\(not an address\)" "and shown as such"
is "$(json_get "$out" 'len(j)')" 3 "dot-directories are not mailboxes (Bob, carol, =FF=01)"
rmdir "$mail/=FF=01" "$mail/.hidden"

# delete keeps the mailbox, purge removes it
check "delete" wm-user delete Bob@example.com
check_fails "the user is gone" 67 wm-user show Bob@example.com
check "delete keeps the mailbox" test -d "$mail/Bob=40example.com/new"
like "$(wm-user mailboxes)" "Bob@example.com	Bob=40example.com	\(no user\)" "the kept mailbox is listed without a user"
check "the user can be added again" wm-user add Bob@example.com
is "$(python3 -c "import mailbox,sys; print(len(mailbox.Maildir(sys.argv[1], create=False)))" "$mail/Bob=40example.com")" 1 \
    "and finds the old mail"
check "delete --purge-mailbox" wm-user delete --purge-mailbox Bob@example.com
check_fails "--purge-mailbox removes the mailbox" 1 test -e "$mail/Bob=40example.com"
is "$(ls -A "$mail")" "carol=40example.org" "nothing else is left in the mail directory"
check "delete carol, keeping her mailbox" wm-user delete carol@example.org
check "--purge-mailbox removes the kept mailbox of a deleted user" \
    wm-user delete --purge-mailbox carol@example.org
is "$(ls -A "$mail")" "" "the mail directory is empty"
check_fails "then there is nothing left to delete (67)" 67 \
    wm-user delete --purge-mailbox carol@example.org

# the manual
page=$TOP/man/wm-user.8
is "$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)" "" "man -l man/wm-user.8 renders without warnings"
like "$(MANWIDTH=80 man -l "$page" 2>/dev/null)" "purge-mailbox" "the manual documents --purge-mailbox"

# reset-2fa: an administrator turns off two-factor login for a user who lost it
"$BIN/wm-user" add totp@example.com >/dev/null
sqlite3 "$dir/wm.db" "UPDATE users SET totp_enabled = 1, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE address = 'totp@example.com'; INSERT INTO recovery_codes (user_id, hash) SELECT id, 'x' FROM users WHERE address = 'totp@example.com'"
like "$("$BIN/wm-user" show totp@example.com)" "two-factor: +on" "show says two-factor is on"
check "reset-2fa succeeds" "$BIN/wm-user" reset-2fa totp@example.com
is "$(sqlite3 "$dir/wm.db" "SELECT totp_enabled, ifnull(totp_secret, 'none') FROM users WHERE address = 'totp@example.com'")" "0|none" "reset-2fa forgets the secret"
is "$(sqlite3 "$dir/wm.db" "SELECT count(*) FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.address = 'totp@example.com'")" 0 "reset-2fa forgets the recovery codes"
like "$("$BIN/wm-user" show totp@example.com)" "two-factor: +off" "show says two-factor is off"
is "$(sqlite3 "$dir/wm.db" "SELECT count(*) FROM audit WHERE action = 'user-reset-2fa'")" 1 "reset-2fa is audited"
check_fails "reset-2fa of an unknown user is EX_NOUSER" 67 "$BIN/wm-user" reset-2fa nobody@example.com

done_testing
