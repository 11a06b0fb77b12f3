#!/bin/bash
# cleanup.sh - wm-cleanup end to end on an instance: with auto cleanup at 1d
# exactly the mail older than a day goes (one second either side of the
# boundary), WM-Expires is honoured with auto cleanup off, --dry-run and
# --json, index rows and maildir files stay in step, and the cron entry runs
# wm-cron every minute as wm, which runs the cleanup every ten minutes.
source "$(dirname "$0")/../lib.sh"

d=$(scratch)
conf=$(mini_instance "$d")
export WM_CONFIG=$conf
T0=1800000000
export WM_NOW=$T0
db=$d/wm.db

# The database gets its schema from the first program that opens it.
check "settings readable" wm-prefs get auto-cleanup-enabled
box=$d/mail/bob=40example.com
mkdir -p "$box/tmp" "$box/new" "$box/cur" "$d/mail/ann=40example.com/cur"

n=0
# add MAILBOX DIR RECEIVED EXPIRES SUBJECT: a maildir file and its index row
add() {
	n=$((n + 1))
	local name="$T0.$n.test:2,S"
	local dir="$d/mail/${1/@/=40}"
	printf 'Subject: %s\n\nbody %d\n' "$5" "$n" >"$dir/cur/$name"
	sqlite3 "$db" "INSERT INTO messages (id, mailbox, file, delivery_key, subject,
		received, size, expires) VALUES ($n, '$1', 'cur/$name', 'k$n', '$5', $3, 10,
		${4:-NULL})"
}
add bob@example.com cur $((T0 - 86399)) "" "day minus one second"
add bob@example.com cur $((T0 - 86401)) "" "day plus one second"
add bob@example.com cur $((T0 - 900000)) "" "ten days old"
add bob@example.com cur $((T0 - 60)) $((T0 - 1)) "expired"
add bob@example.com cur $((T0 - 60)) $((T0 + 60)) "expires later"
add ann@example.com cur $((T0 - 86399)) "" "neighbour"

rows() { sqlite3 "$db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM messages ORDER BY id)"; }
files() { ls "$box/cur" "$d/mail/ann=40example.com/cur" | grep -c test; }

out=$(wm-cleanup 2>&1)
is "$out" $'bob@example.com\t4\texpired\texpired' "auto cleanup off: only the expired message"
is "$(rows)" "1 2 3 5 6" "index after expiry cleanup"
is "$(files)" 5 "maildir files follow the index"

check "auto cleanup on" wm-prefs set auto-cleanup-enabled yes
check "interval 1d" wm-prefs set cleanup-interval 1d
out=$(wm-cleanup --dry-run --json)
like "$out" '"id": 2,.*"reason": "age"' "dry run lists the day-old message"
like "$out" '"id": 3,' "dry run lists the ten-day-old message"
is "$(rows)" "1 2 3 5 6" "dry run removes no row"
is "$(files)" 5 "dry run removes no file"

out=$(wm-cleanup --verbose 2>&1)
like "$out" $'bob@example.com\t2\tage\tday plus one second' "day plus one second removed"
like "$out" "removed 2 messages" "verbose count"
is "$(rows)" "1 5 6" "day minus one second, later expiry and neighbour stay"
is "$(files)" 3 "files in step with the index"
for id in 1 5 6; do
	f=$(sqlite3 "$db" "SELECT mailbox || '/' || file FROM messages WHERE id = $id")
	[ -f "$d/mail/${f/@/=40}" ] && ok "row $id names an existing file" ||
		not_ok "row $id names an existing file" "$f"
done
is "$(WM_NOW=$((T0 + 2)) wm-cleanup | cut -f2 | tr "\n" " ")" "6 1 " \
	"two seconds later the boundary messages go (by mailbox, id)"
is "$(wm-cleanup --json)" "[]" "nothing left to do: empty JSON list"

check_fails "bad interval is a config error (78)" 78 sh -c \
	"sqlite3 '$db' \"UPDATE properties SET value = 'soon' WHERE name = 'cleanup-interval'\" && wm-cleanup"

# The cron entry.
cron=$TOP/conf/cron.d/wm
line=$(grep -v '^#' "$cron" | grep wm-cron)
like "$line" '^\* \* \* \* \*[[:space:]]+wm[[:space:]]+wm-cron -c /etc/wm/wm.conf run' "cron runs wm-cron every minute as wm"
is "$(wm-prefs get cleanup-cron)" "0 0/10 * * * ?" "wm-cron runs the cleanup every 10 minutes"
bad=$(grep -vE '^(#|$|[A-Z]+=)' "$cron" | awk 'NF < 7')
is "$bad" "" "every cron line has five time fields, a user and a command"

done_testing
