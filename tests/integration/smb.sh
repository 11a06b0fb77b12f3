#!/bin/bash
# smb.sh - backups on a real smbd share (127.0.0.1, a free port): each file
# name strategy with the clock set, missing directories created, list and
# test-connection, the messages (and exit codes) for a wrong password, a
# missing share and an unreachable server, the automatic backup through
# wm-cron (once per fire time, never twice in a minute), and a transfer
# killed halfway that leaves no file under its final name.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/smbd.sh"
export TZ=UTC

start_smbd || { not_ok "smbd starts"; done_testing; exit 1; }
ok "smbd listens on 127.0.0.1:$SMB_PORT"
d=$(scratch)
export WM_CONFIG=$(mini_instance "$d")
check "share settings" smb_settings backup "wm/backups/box 1"
share=$SMB_DIR/share/wm/backups/box\ 1

check "test connection" wm-backup test-connection
like "$(wm-backup test-connection)" "connection to //127.0.0.1/backups works" "test connection says so"
check "missing directories were created" test -d "$share"
is "$(ls -A "$share")" "" "the probe file is gone"

T=1798804800	# 2027-01-01T12:00:00Z, a Friday
strategy() {	# strategy NAME WHEN: the file a backup at WHEN gets
	wm-prefs set backup-strategy "$1" >/dev/null && WM_NOW=$2 wm-backup create --smb
}
is "$(strategy day-of-week $T)" "wm-backup-6.tar" "day of week: Friday is 6 (Sunday 1)"
is "$(strategy day-of-week $((T + 2 * 86400)))" "wm-backup-1.tar" "day of week: Sunday is 1"
is "$(strategy day-of-week $((T + 1 * 86400)))" "wm-backup-7.tar" "day of week: Saturday is 7"
is "$(strategy day-of-month $((T + 30 * 86400)))" "wm-backup-31.tar" "day of month: 31 January"
is "$(strategy day-of-year $((T + 40 * 86400)))" "wm-backup-41.tar" "day of year: 10 February is 41"
is "$(strategy day-of-year 1861876800)" "wm-backup-366.tar" "day of year: 31 December of leap 2028 is 366"
is "$(strategy timestamp $T)" "wm-backup-1798804800000.tar" "timestamp: milliseconds since 1970 UTC"
echo "pw for backups" | wm-prefs set backup-password - >/dev/null
is "$(strategy day-of-month $T)" "wm-backup-1.tar.gpg" "with the backup password: encrypted"
for f in 6 1 7 31 41 366 1798804800000; do
	check "wm-backup-$f.tar is on the share" test -s "$share/wm-backup-$f.tar"
done
check "the encrypted one decrypts with stock gpg" bash -c "gpg --homedir '$(scratch)' --batch --pinentry-mode loopback --passphrase-fd 3 --decrypt '$share/wm-backup-1.tar.gpg' 3<<<'pw for backups' 2>/dev/null | tar -t | grep -qx MANIFEST"
is "$(strategy day-of-week $T)" "wm-backup-6.tar.gpg" "the same day again"
check "the day's file is replaced, not duplicated" test "$(ls "$share" | grep -c '^wm-backup-6')" = 2
list=$(wm-backup list --json)
like "$list" '"name": "wm-backup-366.tar", "size": [0-9]+' "list --json shows the backups"
is "$(wm-backup list | wc -l)" 9 "list: one line per backup"
check "a backup from the share restores" wm-backup restore "$share/wm-backup-31.tar"

# The share examples of wm-backup(8), exactly as written there.
sed -n '/^\.SH EXAMPLES/,/^\.fi/p' "$TOP/man/wm-backup.8" |
    grep -E '^wm-backup (test-connection|create --smb|list)' >"$d/examples"
is "$(wc -l <"$d/examples")" 3 "three share examples in the man page"
while read -r line; do
	check "man page: $line" bash -c "$line"
done <"$d/examples"

# Messages and exit codes that tell the admin what to fix.
echo "not the password" | wm-prefs set backup-smb-password - >/dev/null
check_fails "wrong password: 77" 77 wm-backup test-connection
like "$(wm-backup test-connection 2>&1)" 'refused user "wm": wrong user name or password' "wrong password message"
check_fails "wrong password on create: 77" 77 wm-backup create --smb
echo "$SMB_PASSWORD" | wm-prefs set backup-smb-password - >/dev/null
wm-prefs set backup-smb-share nosuchshare >/dev/null
check_fails "missing share: 78" 78 wm-backup test-connection
like "$(wm-backup test-connection 2>&1)" 'has no share "nosuchshare"' "missing share message"
wm-prefs set backup-smb-share backups >/dev/null
wm-prefs set backup-smb-port "$(free_port)" >/dev/null
check_fails "unreachable server: 75" 75 wm-backup test-connection
like "$(wm-backup test-connection 2>&1)" "cannot reach SMB server 127.0.0.1 port" "unreachable message"
wm-prefs set backup-smb-port "$SMB_PORT" >/dev/null
wm-prefs set backup-smb-directory "../up" >/dev/null
check_fails "a directory leaving the share is refused" 78 wm-backup test-connection
wm-prefs set backup-smb-directory "wm/backups/box 1" >/dev/null
like "$(grep -c "$SMB_PASSWORD\|pw for backups" "$d/log/wm.log" "$d/wm.db" 2>/dev/null | tr '\n' ' ')" "log/wm.log:0" "no password in the log"
like "$(wm-prefs get backup-smb-password)" "^\(set\)$" "the password is never shown"
like "$(sqlite3 "$d/wm.db" "SELECT detail FROM audit WHERE detail LIKE 'backup-smb-password%'")" "\(secret\)" "nor audited"

# The automatic backup: wm-cron runs it once per fire time.
rm -f "$share"/wm-backup-*
echo "pw for backups" | wm-prefs set backup-password - >/dev/null
wm-prefs set backup-strategy timestamp >/dev/null
wm-prefs set backup-enabled yes >/dev/null
T0=1798770000	# 2027-01-01T02:20:00Z
check "wm-cron run learns the jobs" env WM_NOW=$T0 wm-cron run
is "$(ls "$share" | wc -l)" 0 "no backup before its fire time"
check "the day after at 02:00:05" env WM_NOW=$((T0 + 86400 - 1195)) wm-cron run
check "again in the same minute" env WM_NOW=$((T0 + 86400 - 1180)) wm-cron run
check "and once more" env WM_NOW=$((T0 + 86400 - 1150)) wm-cron run
is "$(ls "$share")" "wm-backup-$(((T0 + 86400 - 1195) * 1000)).tar.gpg" "exactly one backup for the 02:00 fire time"
check "next night" env WM_NOW=$((T0 + 2 * 86400 - 1190)) wm-cron run
is "$(ls "$share" | wc -l)" 2 "one more for the next fire time"
like "$(wm-cron list --json)" '"name": "backup", "expression": "0 0 2 \* \* \?", "setting": "backup-cron", "enabled": true, "last_run": "2027-01-03T02:00:10Z"' "list shows the backup's last run"
wm-prefs set backup-smb-share nosuchshare >/dev/null
check_fails "a failing backup: wm-cron says so (78)" 78 env WM_NOW=$((T0 + 3 * 86400 - 1190)) wm-cron run
like "$(wm-cron list --json)" '"result": "failed", "message": "SMB server 127.0.0.1 has no share' "the failure and its reason are recorded"
wm-prefs set backup-smb-share backups >/dev/null
wm-prefs set backup-enabled no >/dev/null

# A transfer killed halfway leaves no file under its final name.
sqlite3 "$d/wm.db" "CREATE TABLE pad (x); INSERT INTO pad VALUES (randomblob(200000000))"
rm -f "$share"/wm-backup-*
WM_NOW=$T wm-backup create --smb >/dev/null 2>&1 &
pid=$!
if wait_for 120 sh -c "ls -A '$share' | grep -q '^\.wm-part-' && [ \$(stat -c %s '$share'/.wm-part-* | head -1) -gt 1000000 ]"; then
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	ok "killed while the file was being written"
else
	kill -9 "$pid" 2>/dev/null
	not_ok "killed while the file was being written"
fi
is "$(ls "$share" | grep -c '^wm-backup-')" 0 "no file under the final name"
sqlite3 "$d/wm.db" "DROP TABLE pad; VACUUM"
done_testing
