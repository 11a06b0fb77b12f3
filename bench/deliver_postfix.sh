#!/bin/bash
# bench/deliver_postfix.sh - end to end through the instance's real Postfix:
# tunnel mails per second sent by SMTP (1 and 4 concurrent senders) and
# delivered by the pipe (wm-deliver) and by LMTP (wm-lmtpd), against the same
# Postfix piping the same mails to /bin/cat (the floor any pipe transport
# pays), all in this run.  Targets: LMTP >= 0.6 x, pipe >= 0.4 x the floor.
# New users (each tunnel also makes an invitation, which leaves through the
# same Postfix) and existing ones.  Each run starts once the last one's
# notices are out; it prints the delivery rate and the rate with the
# notices out.  BENCH_N tunnels per run (default 500).
# Prints figures only.
set -u
source "$(dirname "$0")/../tests/lib.sh"
source "$TOP/tests/instance.sh"
N=${BENCH_N:-500}

W=$(scratch)
d=$W/inst
start_instance "$d" || { echo "instance did not start"; exit 1; }
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
pc=$d/postfix
cd "$W" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout gw.key -out gw.pem -days 30 \
    -subj "/CN=gw/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
wm-pki import --whitelist gw.pem >/dev/null
wm-pki webmail-cert >relay.pem
# make SET [WHO]: N tunnels of ~10 KB in directory SET, to the recipients
# WHO-1..WHO-N (default SET: fresh ones, each a new user with an invitation).
make_set() {
	local who=${2:-$1}
	mkdir -p "$1"
	for i in $(seq 1 "$N"); do
		{
			printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
			printf 'WM-Envelope-Sender: a@corp.example\r\nWM-Envelope-Recipient: %s-%d@customer.example\r\n\r\n' "$who" "$i"
			printf 'From: a@corp.example\r\nSubject: bench %s %d\r\n\r\n%s\r\n' "$1" "$i" \
			    "$(head -c 7000 /dev/zero | tr '\0' 'x')"
		} | openssl cms -sign -binary -nodetach -signer gw.pem -inkey gw.key |
		    openssl cms -encrypt -binary -aes256 -out "$1/$i.eml" relay.pem
	done
}
for s in p1 p4 l1 l4; do make_set $s; done
# The same recipients again: users who exist (the steady state of a box).
for s in p1 p4 l1 l4; do make_set "e$s" "$s"; done

send_all() {	# send_all SET JOBS: JOBS SMTP sessions share the tunnels of SET
	python3 - "$smtp" "$relay" "$1" "$2" <<'PY'
import os, smtplib, sys, threading
port, relay, d, jobs = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
files = sorted(os.listdir(d))
def run(part):
    s = smtplib.SMTP("127.0.0.1", port, timeout=300)
    for f in part:
        with open(os.path.join(d, f), "rb") as fh:
            s.sendmail("gw@corp.example", [relay], fh.read())
    s.quit()
ts = [threading.Thread(target=run, args=(files[i::jobs],)) for i in range(jobs)]
for t in ts: t.start()
for t in ts: t.join()
PY
}
queue_empty() { local q; q=$("$pc/bin/postqueue" -c "$pc" -j) && [ -z "$q" ]; }
pending() { sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NULL AND failed IS NULL"; }
drained() { [ "$(pending)" -eq 0 ] && queue_empty; }
now() { date +%s%N; }
ticks() {	# ticks: CPU clock ticks the notice sender has used so far
	# its own and its reaped children's (the sandboxed header parses)
	awk '{ print $14 + $15 + $16 + $17 }' "/proc/$(cat "$d/run/notify.pid")/stat" 2>/dev/null || echo 0
}
cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
busy() {	# busy "BUSY IDLE" "BUSY IDLE": per cent of the CPUs busy in between
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
	    u = y[1] - x[1]; i = y[2] - x[2]; printf "%d", 100 * u / (u + i) }'
}
rate() { awk -v n="$N" -v ns="$1" 'BEGIN { printf "%.1f", n / (ns / 1e9) }'; }
# run SET JOBS: "DELIVERED ALL" mails per second.  DELIVERED: SMTP in until
# Postfix's queue is empty (every tunnel stored; notices still going out
# meanwhile).  ALL: until every notice is out too.  Each run starts with no
# backlog, so no run (the /bin/cat floor least of all) pays for another's
# notices.  The notice sender's CPU (ticks) adds up in $W/notify.ticks: run
# is called in a command substitution, whose variables die with it.
echo 0 >"$W/notify.ticks"
run() {
	local start mid end t0
	wait_for 900 drained
	t0=$(ticks)
	c0=$(cpu)
	start=$(now)
	send_all "$1" "$2"
	wait_for 900 queue_empty
	mid=$(now)
	echo "$1 x$2: CPUs $(busy "$c0" "$(cpu)")% busy while delivering" >&2
	wait_for 900 drained
	end=$(now)
	echo $(( $(cat "$W/notify.ticks") + $(ticks) - t0 )) >"$W/notify.ticks"
	echo "$(rate $((mid - start))) $(rate $((end - start)))"
}
transport() {	# transport VALUE: transport_maps of the relay recipient
	postconf -c "$pc" -e "transport_maps = inline:{ $relay=$1 }" \
	    "lmtp_destination_recipient_limit = 1"
	postfix -c "$pc" reload >/dev/null 2>&1
	sleep 2
}

pipe1=$(run p1 1)
pipe4=$(run p4 4)
epipe1=$(run ep1 1)
epipe4=$(run ep4 4)
wm-lmtpd --socket "$d/run/lmtp/lmtp.sock" &
lmtpd=$!
on_exit "kill $lmtpd"
sleep 1
transport "lmtp:unix:$d/run/lmtp/lmtp.sock"
lmtp1=$(run l1 1)
lmtp4=$(run l4 4)
elmtp1=$(run el1 1)
elmtp4=$(run el4 4)
got=$(sqlite3 "$db" "SELECT count(*) FROM messages")
notices=$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NOT NULL")
# The floor: the same pipe transport running /bin/cat.
sed -i 's|argv=[^ ]*/wm-deliver .*|argv=/bin/cat|' "$pc/master.cf"
transport "wmdeliver:"
cat1=$(run p1 1)
cat4=$(run p4 4)
cat1=${cat1%% *}
cat4=${cat4%% *}
r() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
# fig NAME "DELIVERED ALL" FLOOR: both figures and their ratios
fig() {
	local a=${2%% *} b=${2##* }
	echo "$1 $a/s ($(r "$a" "$3") x; with its notices out $b/s, $(r "$b" "$3") x)"
}
echo "through Postfix, $N tunnels of ~10 KB per run, $got indexed (want $((8 * N))), $notices notices sent"
echo "(delivered: SMTP in to Postfix's queue empty; with notices: until every notice is out too,"
echo " which new-mail notices reach only after their 5 s merge window;"
echo " floor: the same Postfix piping to /bin/cat; notice sender CPU $(awk -v t="$(cat "$W/notify.ticks")" \
    -v hz="$(getconf CLK_TCK)" -v n=$((8 * N)) 'BEGIN { printf "%.2f", t * 1000 / hz / n }') ms a tunnel)"
echo " new users (each tunnel also makes an invitation that leaves through the same Postfix):"
echo "  1 sender:  $(fig pipe "$pipe1" "$cat1") target >= 0.40"
echo "             $(fig lmtp "$lmtp1" "$cat1") target >= 0.60; /bin/cat $cat1/s"
echo "  4 senders: $(fig pipe "$pipe4" "$cat4")"
echo "             $(fig lmtp "$lmtp4" "$cat4"); /bin/cat $cat4/s"
echo " existing users (one new-mail notice each):"
echo "  1 sender:  $(fig pipe "$epipe1" "$cat1")"
echo "             $(fig lmtp "$elmtp1" "$cat1")"
echo "  4 senders: $(fig pipe "$epipe4" "$cat4")"
echo "             $(fig lmtp "$elmtp4" "$cat4")"
