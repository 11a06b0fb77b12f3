#!/bin/bash
# lmtp_kill.sh - kill -9 of wm-lmtpd (its workers and its parent) and of the
# notice sender at random moments while tunnels arrive through Postfix's
# lmtp transport: afterwards every mail is stored exactly once and every
# notice was sent at least once and at most twice.  KILL_N tunnels (default
# 100, one recipient each, so 100 deliveries: fewer than the issue's 200 to
# keep make check short; KILL_N=200 runs the full count).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

N=${KILL_N:-100}
W=$(scratch)
d=$W/inst
start_instance "$d" --transport lmtp || { not_ok "instance starts"; done_testing; exit 1; }
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
gateway_trusted "$W"
mkdir -p "$W/t"
for i in $(seq 1 $N); do
	r=k$i@customer.example
	# Half have signed up (new-mail notices), half are new (invitations).
	[ $((i % 2)) -eq 0 ] && { wm-user add $r >/dev/null; echo 'Correct-Horse-Battery-9' |
	    wm-user set-password --force $r; }
	printf 'From: alice@corp.example\r\nSubject: kill %d\r\n\r\n%s\r\n' $i \
	    "$(head -c $(( (RANDOM % 20 + 1) * 1000 )) /dev/urandom | base64 -w 76)" >"$W/t/$i.orig"
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\nWM-Envelope-Recipient: %s\r\n\r\n' $r
		cat "$W/t/$i.orig"
	} | openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
	    openssl cms -encrypt -binary -aes256 "$W/relay.pem" >"$W/t/$i.eml"
done

python3 - "$smtp" "$relay" "$W/t" "$N" <<'EOF' &
import smtplib, sys, threading, time
port, relay, t, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
todo = list(range(1, n + 1))
lock = threading.Lock()
def worker():
    while True:
        with lock:
            if not todo:
                return
            i = todo.pop()
        s = smtplib.SMTP('127.0.0.1', port, timeout=60)
        s.sendmail('gw@corp.example', [relay], open('%s/%d.eml' % (t, i), 'rb').read())
        s.quit()
        time.sleep(0.05)
ts = [threading.Thread(target=worker) for _ in range(4)]
for x in ts: x.start()
for x in ts: x.join()
EOF
sender=$!

# The killer: a random wm-lmtpd process or the notice sender, every 0.2-1 s,
# while tunnels arrive and until Postfix has handed them all over.
busy() { kill -0 $sender 2>/dev/null || [ -n "$(instance_queue "$d")" ]; }
kills=0
end=$(( $(date +%s) + 150 ))
while busy && [ "$(date +%s)" -lt $end ]; do
	sleep 0.$(( RANDOM % 8 + 2 ))
	lm=$(cat "$d/run/lmtpd.pid" 2>/dev/null)
	victims=($lm $(pgrep -P "${lm:-1}" 2>/dev/null) $(cat "$d/run/notify.pid" 2>/dev/null))
	v=${victims[$(( RANDOM % ${#victims[@]} ))]}
	[ -n "$v" ] && kill -9 "$v" 2>/dev/null && kills=$((kills + 1))
	sleep 0.2
	wm-ctl start lmtp >/dev/null 2>&1
	wm-ctl start notify >/dev/null 2>&1
done
wait $sender
is "$?" 0 "all $N tunnels accepted by Postfix"
like "$kills" '^[1-9]' "wm-lmtpd and the notice sender were killed $kills times"
wm-ctl start lmtp >/dev/null 2>&1
wm-ctl start notify >/dev/null 2>&1

drained() {
	local q
	instance_flush "$d" >/dev/null 2>&1
	q=$("$d/postfix/bin/postqueue" -c "$d/postfix" -j) || return 1
	[ -z "$q" ] && [ "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NULL AND failed IS NULL")" -eq 0 ]
}
wait_for 240 drained
is "$?" 0 "the Postfix queue and the notice queue drain"
sleep 2

once=0 bad=0 told=0 twice=0
for i in $(seq 1 $N); do
	r=k$i@customer.example
	box="$d/mail/$(printf '%s' $r | sed 's/@/=40/')"
	n=0
	for f in "$box"/new/* "$box"/cur/*; do [ -f "$f" ] && cmp -s "$f" "$W/t/$i.orig" && n=$((n + 1)); done
	rows=$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox = '$r'")
	[ "$n/$rows" = 1/1 ] && once=$((once + 1)) || { bad=$((bad + 1)); echo "# $r: $n files, $rows rows"; }
	m=$(outbox_grep "$d" "^To: .*<?$r>?\$" | wc -l)
	[ "$m" -ge 1 ] && [ "$m" -le 2 ] && told=$((told + 1))
	[ "$m" -eq 2 ] && twice=$((twice + 1))
	[ "$m" -gt 2 ] && echo "# $r: $m notices"
done
echo "# $N deliveries: $once exactly once, $bad not; $told told once or twice ($twice twice)"
is "$once" "$N" "every mail stored exactly once (one file, one row)"
is "$told" "$N" "every recipient told at least once and at most twice"
done_testing
