#!/bin/bash
# quota_totals.sh - the quota is enforced from mailbox_totals (kept by the
# index triggers), never by listing the maildir, and those totals agree with
# the maildir's real size after deliveries, over-quota refusals, deletions
# from the portal (portal.cgi) and wm-cleanup.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/delivery.sh"

r=quota@customer.example
totals() { sqlite3 "$db" "SELECT coalesce(sum(bytes), 0) FROM mailbox_totals WHERE mailbox = '$r'"; }
real() {	# real: bytes of every message file of the maildir (new, cur, folders)
	find "$box/mail/$(name $r)" -path '*/tmp' -prune -o -type f -printf '%s\n' |
	    awk '{ s += $1 } END { print s + 0 }'
}
agree() { is "$(totals)" "$(real)" "$1: mailbox_totals = the maildir's size ($(real) bytes)"; }

wm-user add $r >/dev/null
printf 'Correct-Horse-Battery-9\n' | wm-user set-password --force $r >/dev/null
wm-prefs set --user $r quota 20000 >/dev/null
for i in 1 2 3 4; do
	PAD=4000 tunnel "$T/relay.pem" q$i $r >"$T/q$i.eml"
	deliver "$T/q$i.eml"
done
is "$rc/$(files $r)" "0/4" "four mails of about 4 KB stored under a 20 KB quota"
agree "after deliveries"
PAD=6000 tunnel "$T/relay.pem" q5 $r >"$T/q5.eml"
deliver "$T/q5.eml"
is "$rc/$(files $r)" "0/4" "the fifth would pass 20 KB: exit 0, not stored"
is "$(queued $r over-quota)" 1 "sender and postmaster are told (over-quota notice queued)"
agree "after the refusal"
# Files the index does not know must not count: only mailbox_totals does.
head -c 50000 /dev/zero >"$box/mail/$(name $r)/tmp/debris"
wm-prefs set --user $r quota 40000 >/dev/null
deliver "$T/q5.eml"
is "$rc/$(files $r)" "0/5" "a bigger quota: stored, whatever lies in tmp/"
rm -f "$box/mail/$(name $r)/tmp/debris"
agree "after raising the quota"

# Deleting from the portal gives the room back.
out=$(delivery_cgi GET /portal/login)
pre=$(printf '%s\n' "$out" | sed -n '/^$/q;s/^Set-Cookie: wmcsrf=\([0-9a-f]*\);.*/\1/p')
COOKIE="wmcsrf=$pre"
out=$(delivery_cgi POST /portal/login "csrf=$pre&address=quota%40customer.example&password=Correct-Horse-Battery-9")
COOKIE="wmsession=$(printf '%s\n' "$out" | sed -n '/^$/q;s/^Set-Cookie: wmsession=\([0-9a-f]*\);.*/\1/p')"
csrf=$(sqlite3 "$db" "SELECT csrf FROM sessions WHERE principal = '$r'")
ids=$(sqlite3 "$db" "SELECT 'id=' || id FROM messages WHERE mailbox = '$r' ORDER BY id LIMIT 3" | paste -sd '&')
delivery_cgi POST /portal/inbox/delete "csrf=$csrf&$ids" >/dev/null
is "$(rows $r)/$(files $r)" "2/2" "three deleted in the portal: rows and files gone"
agree "after portal deletions"
wm-prefs set --user $r quota 20000 >/dev/null
PAD=4000 tunnel "$T/relay.pem" q6 $r >"$T/q6.eml"
deliver "$T/q6.eml"
is "$rc/$(files $r)" "0/3" "the room given back is used again"
agree "after another delivery"

# wm-cleanup removes what expired.
for i in 7 8; do
	EXTRA="WM-Expires: 2020-01-01T00:00:00Z" tunnel "$T/relay.pem" q$i $r >"$T/q$i.eml"
	deliver "$T/q$i.eml"
done
is "$(files $r)" 5 "two mails that expired long ago stored"
check "wm-cleanup runs" wm-cleanup
is "$(rows $r)/$(files $r)" "3/3" "wm-cleanup removed rows and files of the expired mails"
agree "after wm-cleanup"
is "$(sqlite3 "$db" "SELECT count(*) FROM file_removals")" 0 "no file removal left pending"
is "$(sqlite3 "$db" "SELECT messages FROM mailbox_totals WHERE mailbox = '$r' AND folder = 'inbox'")" 3 \
    "mailbox_totals counts the messages too"
done_testing
