#!/bin/bash
# bench/cleanup.sh - wm-cleanup of a mailbox of BENCH_MAILS mails (default
# 100,000) of which 99 % are past WM-Expires (target >= 5,000 mails/s),
# against the same number of equal files, synced to disk like delivered
# mail, removed by `rm -f` in the same run (the baseline: one unlink per file,
# no index).  The files are synced first: an unlink of a file whose blocks
# were never written costs nothing and would flatter both figures.
# Prints figures; never fails on a figure.
set -u
source "$(dirname "$0")/../tests/lib.sh"
M=${BENCH_MAILS:-100000}
X=$(( M - M / 100 ))

T=$(mktemp -d /tmp/wmbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
conf=$(mini_instance "$T/box")
box=$T/box
"$BIN/wm-prefs" -c "$conf" set postmaster postmaster@box.example >/dev/null
python3 - "$box" "$M" "$X" "$T/plain" <<'PY'
import os, sqlite3, sys, time
box, m, x, plain = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
top = os.path.join(box, 'mail', 'full=40customer.example')
for sub in ('tmp', 'new', 'cur'):
    os.makedirs(os.path.join(top, sub), exist_ok=True)
os.makedirs(plain)
db = sqlite3.connect(os.path.join(box, 'wm.db'))
db.execute('BEGIN')
now = int(time.time())
for i in range(m):
    name = 'm%06d' % i
    for d in (os.path.join(top, 'new'), plain):
        if d == plain and i >= x:
            continue
        with open(os.path.join(d, name), 'wb') as f:
            f.write(b'Subject: old\r\n\r\nold mail\r\n')
    db.execute("INSERT INTO messages (mailbox, folder, file, delivery_key, received, size, expires) "
               "VALUES ('full@customer.example', 'inbox', ?, ?, ?, 25, ?)",
               ('new/' + name, 'k%06d' % i, now, 1 if i < x else None))
db.execute("INSERT OR IGNORE INTO users (address, domain, created) VALUES "
           "('full@customer.example', 'customer.example', 0)")
db.commit()
PY
sync
now() { date +%s%N; }
start=$(now)
(cd "$T/plain" && find . -type f -print0 | xargs -0 rm -f)
base=$(( ($(now) - start) / 1000 ))
start=$(now)
"$BIN/wm-cleanup" -c "$conf" >/dev/null
el=$(( ($(now) - start) / 1000 ))
left=$(sqlite3 "$box/wm.db" "SELECT count(*) FROM messages")
files=$(find "$box/mail/full=40customer.example" -type f | wc -l)
echo "rm -f of $X synced files: $(( base / 1000 )) ms," \
    "$(awk "BEGIN{printf \"%d\", $X / ($base / 1e6)}") files/s"
echo "wm-cleanup of $X expired mails out of $M: $(( el / 1000 )) ms," \
    "$(awk "BEGIN{printf \"%d\", $X / ($el / 1e6)}") mails/s (target >= 5000)," \
    "$(awk "BEGIN{printf \"%.2f\", $el / $base}") x rm -f; $left rows and $files files left"
