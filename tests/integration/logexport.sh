#!/bin/bash
# logexport.sh - wm-logexport on a bare instance and a real smbd share:
# every log file goes in, --last-modified keeps only recent ones, an
# encrypted export opens with stock gpg and tar, the share gets it under the
# strategy's name, test connection, and wm-cron runs the automatic export
# once per fire time.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/smbd.sh"
export TZ=UTC

d=$(scratch)
export WM_CONFIG=$(mini_instance "$d")
check "the database is set up" wm-prefs get logexport-cron
for f in wm.log postfix.log lighttpd.log ctl.log cron.log; do echo "line of $f" >>"$d/log/$f"; done
touch -d "3 hours ago" "$d/log/postfix.log" "$d/log/ctl.log"
cd "$d" || exit 1

# The examples of wm-logexport(8) that need no share, as written there.
sed -n '/^\.SH EXAMPLES/,/^\.fi/p' "$TOP/man/wm-logexport.8" | grep -E '^(wm-logexport|echo)' >examples
grep -v 'test-connection\|--smb' examples >local
is "$(wc -l <local)" 3 "three local examples in the man page"
while read -r line; do check "man page: $line" bash -c "$line"; done <local

is "$(tar -tf logs.tar | sort | tr '\n' ' ')" "log/cron.log log/ctl.log log/lighttpd.log log/postfix.log log/wm.log " \
    "every log file, the mail log, lighttpd's and wm-ctl's among them"
is "$(tar -xOf logs.tar log/postfix.log)" "line of postfix.log" "contents as on disk"
is "$(tar -tf recent.tar | sort | tr '\n' ' ')" "log/cron.log log/lighttpd.log log/wm.log " \
    "--last-modified 60: only files modified in the last hour"
wm-logexport export --last-modified 240 --to four.tar
is "$(tar -tf four.tar | wc -l)" 5 "--last-modified 240: the three-hour-old ones too"
G=$(scratch)
is "$(gpg --homedir "$G" --batch --pinentry-mode loopback --passphrase-fd 3 --decrypt logs.tar.gpg 3<<<'log secret' 2>/dev/null | tar -t | sort | tr '\n' ' ')" \
    "log/cron.log log/ctl.log log/lighttpd.log log/postfix.log log/wm.log " "stock gpg --decrypt and tar -t open the encrypted export"
check_fails "a wrong password does not open it" 2 bash -c "gpg --homedir '$G' --batch --pinentry-mode loopback --passphrase-fd 3 --decrypt logs.tar.gpg 3<<<'wrong' >/dev/null 2>&1"
check "standard output when not a terminal" bash -c "wm-logexport export | tar -t | grep -qx log/wm.log"
check_fails "a negative filter is a usage error" 64 wm-logexport export --last-modified -5 --to x.tar

# To the share.
start_smbd || { not_ok "smbd starts"; done_testing; exit 1; }
check "share settings" smb_settings logexport "exports/logs"
share=$SMB_DIR/share/exports/logs
grep 'test-connection\|--smb' examples >remote
while read -r line; do check "man page: $line" bash -c "$line"; done <remote
T=1798804800	# 2027-01-01T12:00:00Z, a Friday
wm-prefs set logexport-strategy day-of-month >/dev/null
is "$(WM_NOW=$T wm-logexport export --smb)" "wm-logs-1.tar" "day of month on the share"
check "on the share" test -s "$share/wm-logs-1.tar"
is "$(tar -tf "$share/wm-logs-1.tar" | wc -l)" 5 "with every log file"
echo "share secret" | wm-prefs set logexport-password - >/dev/null
wm-prefs set logexport-strategy timestamp >/dev/null
wm-prefs set logexport-last-modified 60 >/dev/null
is "$(WM_NOW=$(date +%s) wm-logexport export --smb | sed 's/[0-9]\{13\}/N/')" "wm-logs-N.tar.gpg" "timestamp, encrypted with the setting's password"
f=$(ls "$share"/wm-logs-*.tar.gpg | head -1)
is "$(gpg --homedir "$G" --batch --pinentry-mode loopback --passphrase-fd 3 --decrypt "$f" 3<<<'share secret' 2>/dev/null | tar -t | wc -l)" 3 \
    "the share copy decrypts, filtered by logexport-last-modified"
like "$(wm-prefs get logexport-password)" '^\(set\)$' "the password is never shown"
echo wrong | wm-prefs set logexport-smb-password - >/dev/null
check_fails "wrong share password: 77" 77 wm-logexport test-connection
echo "$SMB_PASSWORD" | wm-prefs set logexport-smb-password - >/dev/null

# The automatic export at 03:00, once per fire time.
rm -f "$share"/wm-logs-*
wm-prefs set logexport-enabled yes >/dev/null
wm-prefs set logexport-last-modified 0 >/dev/null
T0=1798772400	# 2027-01-01T03:00:00Z
check "wm-cron learns the jobs" env WM_NOW=$((T0 - 60)) wm-cron run
check "03:00:20" env WM_NOW=$((T0 + 20)) wm-cron run
check "03:00:50" env WM_NOW=$((T0 + 50)) wm-cron run
is "$(ls "$share" | tr '\n' ' ')" "wm-logs-$(((T0 + 20) * 1000)).tar.gpg " "one export for the 03:00 fire time"
like "$(wm-cron list --json)" '"name": "logexport", "expression": "0 0 3 \* \* \?", "setting": "logexport-cron", "enabled": true, "last_run": "2027-01-01T03:00:20Z", "last_run_ms": [0-9]+, "result": "ok"' "list shows it"
done_testing
