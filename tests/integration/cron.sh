#!/bin/bash
# cron.sh - wm-cron end to end: the man page's examples, refusals with exit
# 65 naming the field, "run" with a set clock (a job fires once per fire
# time, never twice in the same minute, a missed fire time once after the
# box was off, nothing while another run holds the lock), "list --json",
# and the loop wm-ctl starts for an instance and stops again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../instance.sh"
export TZ=UTC

# The examples of wm-cron(8), exactly as written there.
is "$(wm-cron next --tz UTC --from 1798761600000 --count 3 "0 0 23 1/7 * ?")" \
    "2027-01-01T23:00:00Z
2027-01-08T23:00:00Z
2027-01-15T23:00:00Z" "man page: every 7 days at 11pm from the 1st"
is "$(wm-cron next --tz UTC --from 1798761600000 --json "0 15 10 ? * 6L")" \
    "[1801217700000]" "man page: last Friday of the month as JSON ms"
is "$(wm-cron next --tz Europe/Berlin --from 1798761600000 --count 2 "0 0 12 * * ?")" \
    "2027-01-01T12:00:00+01:00
2027-01-02T12:00:00+01:00" "--tz: local times with their offset"
is "$(wm-cron next --count 2 --from 1798761600000 "0 0 12 ? JAN mon" --json)" \
    "[1799064000000, 1799668800000]" "options after the expression, names in any case"

out=$(wm-cron next "0 0 12 * * *" 2>&1)
check_fails "both day fields given: exit 65" 65 wm-cron next "0 0 12 * * *"
like "$out" "day-of-week: exactly one of day-of-month and day-of-week" "message names the field and reason"
check_fails "minute 60: exit 65" 65 wm-cron next "0 60 * * * ?"
like "$(wm-cron next "0 60 * * * ?" 2>&1)" "minutes: values must be between 0 and 59" "range message"
check_fails "unknown zone: usage" 64 wm-cron next --tz Mars/Base "0 0 12 * * ?"

# run with a set clock, on a bare instance
d=$(scratch)
export WM_CONFIG=$(mini_instance "$d")
T0=1798761630	# 2027-01-01T00:00:30Z
job() {	# job NAME FIELD: one field of wm-cron list --json
	wm-cron list --json | python3 -c "import json,sys; print([j for j in json.load(sys.stdin) if j['name'] == '$1'][0]['$2'])"
}
runs() { grep -c "job cleanup done" "$d/log/wm.log"; }
check "first run at T0" env WM_NOW=$T0 wm-cron run
is "$(job cleanup last_run_ms)" 0 "a new job does not run for times before it was known"
is "$(job cleanup next_run)" "2027-01-01T00:10:00Z" "next run: the next fire time"
check "run at 00:10:30" env WM_NOW=$((T0 + 600)) wm-cron run
is "$(job cleanup last_run_ms)" $(((T0 + 600) * 1000)) "the fire time of 00:10 ran"
is "$(job cleanup result)" ok "result ok"
check "run again in the same minute" env WM_NOW=$((T0 + 610)) wm-cron run
check "and once more" env WM_NOW=$((T0 + 629)) wm-cron run
is "$(runs)" 1 "never twice for one fire time"
check "run at 00:20:30" env WM_NOW=$((T0 + 1200)) wm-cron run
is "$(runs)" 2 "the next fire time runs once"
check "box off for three days" env WM_NOW=$((T0 + 3 * 86400)) wm-cron run
is "$(runs)" 3 "missed fire times run once at the next run"
is "$(job cleanup last_run_ms)" $(((T0 + 3 * 86400) * 1000)) "last run recorded"
# While another run holds the lock, a run does nothing.
lockf=$d/cron.lock
check "a run under way (lock held)" flock "$lockf" env WM_NOW=$((T0 + 3 * 86400 + 600)) wm-cron run
is "$(runs)" 3 "no job while another run holds the lock"
like "$(tail -1 "$d/log/wm.log")" "under way" "the skipped run says why"
check "after the lock is free" env WM_NOW=$((T0 + 3 * 86400 + 600)) wm-cron run
is "$(runs)" 4 "the fire time runs once the lock is free"
check "schedule change" wm-prefs set cleanup-cron "0 0 3 * * ?"
is "$(job cleanup expression)" "0 0 3 * * ?" "list shows the new expression"
check_fails "an invalid schedule is refused as a setting" 65 wm-prefs set cleanup-cron "0 0 3 * * *"
like "$(wm-cron list)" "^backup +off +0 0 2 \* \* \?" "plain list: job, state, expression"

# An instance runs its jobs: wm-ctl start starts the loop, stop stops it.
unset WM_NOW
i=$(scratch)/inst
start_instance "$i" || exit 1
pidof_loop() { cat "$i/run/cron.pid" 2>/dev/null; }
check "wm-ctl start left a cron loop" wait_for 10 test -s "$i/run/cron.pid"
pid=$(pidof_loop)
like "$(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null)" "wm-cron -c $i/wm.conf loop" "the loop runs wm-cron loop for this instance"
check "the loop's first pass knows every job" wait_for 20 \
    sh -c "[ \"\$(sqlite3 '$i/db/wm.db' 'SELECT count(*) FROM jobs')\" = 3 ]"
check "wm-ctl stop" wm-ctl -c "$i/wm.conf" stop
check "the loop is gone" wait_for 10 sh -c "! kill -0 $pid"
done_testing
