#!/bin/bash
# fail_closed.sh - settings that decide access are looked up fail-closed
# behind the real lighttpd and FastCGI workers: with the settings table broken
# a login with the right password, a page of a logged-in user and the compose
# form answer 503 (the built-in login-allowed=yes / compose-allowed would let
# them in); with another process holding the database exclusively a login
# answers 503, never a session.  Delivery: tests/unit/test_deliver.c
# (test_unreadable_quota_defers).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"
source "$TOP/tests/portal.sh"

for t in curl sqlite3 runuser python3; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done
T=$(scratch)
portal_up "$T/inst" || { not_ok "portal starts"; done_testing; exit 1; }
portal_user alice@example.com
"$BIN/wm-prefs" -c "$conf" set compose-allowed yes >/dev/null
sid=$(portal_login alice@example.com "$PW" "$T/a")
like "$sid" '^[0-9a-f]{64}$' "alice logs in while the database is sound"
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/compose")" 200 \
    "the compose form opens while the database is sound"

# Broken: the settings table cannot be read.
runuser -u "$user" -- sqlite3 "$db" "ALTER TABLE properties RENAME TO properties_gone"
pre=$(portal_pre "$T/b")
out=$(curl -sk -D - -b "$T/b" --data-urlencode "csrf=$pre" \
    --data-urlencode "address=alice@example.com" --data-urlencode "password=$PW" \
    "$P/portal/login")
like "$out" '^HTTP/[0-9.]+ 503' "login with a broken settings table: 503"
case $out in *wmsession=[0-9a-f]*) not_ok "no session cookie" ;; *) ok "no session cookie" ;; esac
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/inbox")" 503 \
    "a session's inbox with a broken settings table: 503"
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/compose")" 503 \
    "the compose form with a broken settings table: 503"
runuser -u "$user" -- sqlite3 "$db" "ALTER TABLE properties_gone RENAME TO properties"
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/inbox")" 200 \
    "the session works again once the table is back"

# Busy: another process holds the database exclusively (the portal waits
# its busy timeout, then refuses).
fifo=$T/hold
mkfifo "$fifo"
runuser -u "$user" -- python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
' "$db" <"$fifo" >"$T/locked" &
holder=$!
exec 7>"$fifo"
on_exit "kill $holder 2>/dev/null"
wait_for 10 grep -q locked "$T/locked"
pre=$(portal_pre "$T/c")
out=$(curl -sk -m 30 -D - -b "$T/c" --data-urlencode "csrf=$pre" \
    --data-urlencode "address=alice@example.com" --data-urlencode "password=$PW" \
    "$P/portal/login")
like "$out" '^HTTP/[0-9.]+ 503' "login while another process holds the database: 503"
case $out in *wmsession=[0-9a-f]*) not_ok "no session while busy" ;; *) ok "no session while busy" ;; esac
exec 7>&-
wait "$holder"
sid=$(portal_login alice@example.com "$PW" "$T/d")
like "$sid" '^[0-9a-f]{64}$' "alice logs in again once the lock is gone"
done_testing
