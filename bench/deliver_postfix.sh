#!/bin/bash
# bench/deliver_postfix.sh - end to end through the instance's real Postfix:
# tunnel mails per second sent by SMTP and delivered by wm-deliver, against
# the same Postfix piping the same mails to /bin/cat (the floor any pipe
# transport pays).  Target: >= 0.6 of that floor.  Prints figures only.
set -u
source "$(dirname "$0")/../tests/lib.sh"
source "$TOP/tests/instance.sh"
N=${BENCH_N:-100}

W=$(scratch)
d=$W/inst
start_instance "$d" || { echo "instance did not start"; exit 1; }
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
cd "$W" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout gw.key -out gw.pem -days 30 \
    -subj "/CN=gw/emailAddress=gw@corp.example" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
wm-pki import --whitelist gw.pem >/dev/null
wm-pki webmail-cert >relay.pem
# Recipients that already signed up get a notification, like most mail does.
for i in $(seq 1 "$N"); do
	printf 'From: a@corp.example\r\nTo: r%d@customer.example\r\nSubject: bench %d\r\n\r\n%s\r\n' \
	    "$i" "$i" "$(head -c 7000 /dev/zero | tr '\0' 'x')" >o$i.eml
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: a@corp.example\r\nWM-Envelope-Recipient: r%d@customer.example\r\n\r\n' "$i"
		cat o$i.eml
	} | openssl cms -sign -binary -nodetach -signer gw.pem -inkey gw.key |
	    openssl cms -encrypt -binary -aes256 -out t$i.eml relay.pem
done

send_all() {	# one SMTP session carrying every tunnel
	python3 - "$smtp" "$relay" "$N" <<'PY'
import smtplib, sys
port, relay, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = smtplib.SMTP("127.0.0.1", port, timeout=120)
for i in range(1, n + 1):
    with open("t%d.eml" % i, "rb") as f:
        s.sendmail("gw@corp.example", [relay], f.read())
s.quit()
PY
}
queue_empty() { [ -z "$(instance_queue "$d")" ]; }
now() { date +%s%N; }

run() {		# run LABEL: seconds for N tunnels, SMTP in to queue empty
	local start end
	start=$(now)
	send_all
	wait_for 600 queue_empty
	end=$(now)
	echo $(( (end - start) / 1000000 ))
}

ours=$(run wm-deliver)
got=$(sqlite3 "$db" "SELECT count(*) FROM messages")
# The floor: the same transport piping to /bin/cat.
sed -i 's|argv=[^ ]*/wm-deliver .*|argv=/bin/cat|' "$d/postfix/master.cf"
"$d/postfix/bin/postfix" -c "$d/postfix" reload >/dev/null 2>&1 ||
    postfix -c "$d/postfix" reload >/dev/null 2>&1
sleep 2
floor=$(run cat)
awk -v n="$N" -v o="$ours" -v f="$floor" -v got="$got" 'BEGIN {
	printf "through Postfix, %d tunnels of ~10 KB: wm-deliver %.1f mails/s (%d indexed), pipe to /bin/cat %.1f mails/s, ratio %.2f (target >= 0.60)\n",
	    n, n / (o / 1000), got, n / (f / 1000), (n / (o / 1000)) / (n / (f / 1000))
}'
