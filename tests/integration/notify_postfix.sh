#!/bin/bash
# notify_postfix.sh - notices through the instance's real Postfix (private
# instance, smtp-sink capturing outbound mail in DIR/outbox): the invitation
# leaves with the notification sender as envelope sender and a link that
# verifies; a postmaster report leaves with the null envelope sender and the
# reported mail attached byte for byte.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

W=$(scratch)
d=$W/inst
if ! start_instance "$d"; then
	not_ok "instance starts"
	done_testing
	exit 1
fi
ok "instance starts"

check "user added" wm-user add bob@customer.example
sender=$(wm-prefs get notification-sender)
check "signup submitted to Postfix" wm-notify signup bob@customer.example
wait_outbox "$d" 1 60
inv=$(outbox_grep "$d" "^To: bob@customer.example")
if [ -n "$inv" ]; then ok "invitation captured by smtp-sink"; else not_ok "invitation captured by smtp-sink"; fi
like "$(grep '^X-Mail-Args:' "$inv")" "^X-Mail-Args: <$sender>" "envelope sender is notification-sender"
like "$(cat "$inv")" $'\nAuto-Submitted: auto-generated' "Auto-Submitted survives Postfix"
link=$(tr -d '\r' <"$inv" | grep -oE 'https?://[^ ]*signup\?t=[A-Za-z0-9._-]+' | head -1)
is "$(wm-notify verify-link signup "${link##*\?t=}")" "bob@customer.example" "the link from the captured mail verifies"

printf 'Received: by gateway\r\nSubject: \xff odd\r\n\r\nbinary \x01\x02 line\r\n.\r\n' >"$W/tunnel.eml"
check "postmaster report submitted" wm-notify postmaster "signature does not verify" "$W/tunnel.eml"
wait_outbox "$d" 2 60
rep=$(outbox_grep "$d" "^Subject: Webmail: tunnel mail not delivered")
if [ -n "$rep" ]; then ok "report captured"; else not_ok "report captured"; fi
pm=$(wm-prefs get postmaster)
like "$(grep '^X-Mail-Args:' "$rep")" "^X-Mail-Args: <>" "report leaves with the null envelope sender"
like "$(grep '^X-Rcpt-Args:' "$rep")" "<$pm>" "report goes to the postmaster"
python3 - "$rep" "$W/tunnel.eml" <<'PY' && ok "attachment is the mail byte for byte" || not_ok "attachment is the mail byte for byte"
import email, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = [p for p in msg.walk() if p.get_filename() == "tunnel.eml"]
sys.exit(0 if parts and parts[0].get_payload(decode=True) == open(sys.argv[2], "rb").read() else 1)
PY
done_testing
