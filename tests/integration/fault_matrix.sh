#!/bin/bash
# fault_matrix.sh - tunnels (1-3 recipients, 2-200 KB, new users and users
# with a password) through the instance's real Postfix while faults are
# injected, phase by phase: kill -9 of deliveries at random instants (and of
# the notice sender), a full mail disk, a locked database, an unreadable
# relay key after a roll-over, Postfix stop and abort, concurrent senders
# and bad input.  Then everything is repaired and the queues flushed: every
# mail must be stored exactly once (0 lost, 0 duplicated), every recipient
# told at least once, every bad tunnel reported to the postmaster.
# FAULT_N sets the number of good tunnels (default 42; bench/fault_matrix.sh
# runs it with a large N).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

N=${FAULT_N:-42}
W=$(scratch)
d=$W/inst
"$BIN/wm-init" --capture-outbound "$d" >/dev/null || { not_ok "wm-init"; done_testing; exit 1; }
# The mail directory on a small file system of its own, to fill it up.
mount -t tmpfs -o size=$(( 64 + N / 2 ))m,mode=0700 tmpfs "$d/mail" ||
    { not_ok "tmpfs for the mail directory"; done_testing; exit 1; }
on_exit "umount -l '$d/mail'"
chown "$(stat -c %u:%g "$d/db")" "$d/mail"
on_exit "'$BIN/wm-ctl' -c '$d/wm.conf' stop"
"$BIN/wm-ctl" -c "$d/wm.conf" start || { not_ok "instance starts"; done_testing; exit 1; }
export WM_CONFIG=$d/wm.conf
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
pc=$d/postfix
PM=$(wm-prefs get postmaster)

# Every delivery goes through a wrapper that injects the fault of the phase.
cat >"$W/wrap" <<EOF
#!/bin/sh
# Dies by SIGKILL itself when wm-deliver did: pipe(8) defers a signal death.
exec 3<&0
r=\$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
# The first delivery of the phase is killed for sure (at its first fsync),
# so that the phase never passes without its fault; the rest at random.
[ "\$(cat $W/mode 2>/dev/null)" = kill ] && mkdir $W/first-kill 2>/dev/null && r=0
case "\$(cat $W/mode 2>/dev/null):\$((r % 3))" in
kill:0)	exec strace -f -o /dev/null -e trace=fsync,fdatasync \\
	    -e inject=fsync,fdatasync:signal=KILL:when=\$((r % 7 + 1)) $BIN/wm-deliver "\$@" ;;
kill:1)	$BIN/wm-deliver "\$@" <&3 &
	p=\$!
	sleep 0.0\$((r % 9 + 1))
	kill -9 \$p 2>/dev/null
	wait \$p
	s=\$?
	[ \$s -gt 128 ] && kill -9 \$\$
	exit \$s ;;
*)	exec $BIN/wm-deliver "\$@" ;;
esac
EOF
chmod 755 "$W/wrap"
sed -i "s|argv=[^ ]*/wm-deliver |argv=$W/wrap |" "$pc/master.cf"
postfix -c "$pc" reload >/dev/null 2>&1
fault() { echo "$1" >"$W/mode"; }

gateway_trusted "$W"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/rogue.key" -out "$W/rogue.pem" \
    -days 30 -subj "/CN=rogue" -addext "extendedKeyUsage=emailProtection" 2>/dev/null
users=(ann@customer.example ben@customer.example cat@other.example
    dan@customer.example eve@other.example fay@customer.example
    gus@third.example hal@third.example)
for u in dan@customer.example eve@other.example; do	# existing users
	wm-user add $u >/dev/null
	echo 'Correct-Horse-Battery-9' | wm-user set-password --force $u
done

# make I CERT [SIGNER]: tunnel I with 1-3 recipients into $W/t/I.eml; the
# recipients go to $W/t/I.rcpt, the original to $W/t/I.orig.
mkdir -p "$W/t"
make() {
	local i=$1 cert=$2 signer=${3:-gw} k r n
	n=$(( RANDOM % 3 + 1 ))
	: >"$W/t/$i.rcpt"
	for k in $(seq $n); do
		r=${users[$(( (i * 3 + k * 5) % ${#users[@]} ))]}
		grep -qx "$r" "$W/t/$i.rcpt" || echo "$r" >>"$W/t/$i.rcpt"
	done
	{
		printf 'From: alice@corp.example\r\nSubject: fault matrix %s\r\n' "$i"
		printf 'Message-ID: <fm-%s-%s@corp.example>\r\n\r\n' "$i" "$RANDOM"
		head -c $(( (RANDOM % 100 + 1) * 2048 )) /dev/urandom | base64 -w 76 | sed 's/$/\r/'
	} >"$W/t/$i.orig"
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\n'
		sed 's/^/WM-Envelope-Recipient: /;s/$/\r/' "$W/t/$i.rcpt"
		printf '\r\n'
		cat "$W/t/$i.orig"
	} | openssl cms -sign -binary -nodetach -signer "$W/$signer.pem" -inkey "$W/$signer.key" |
	    openssl cms -encrypt -binary -aes256 "$cert" >"$W/t/$i.eml"
}

# send JOBS FILE...: a gateway with JOBS connections, retrying each tunnel
# until Postfix accepted it (Postfix may be stopped meanwhile).
send() {
	python3 - "$smtp" "$relay" "$@" <<'EOF'
import smtplib, sys, time, threading
port, relay, jobs, files = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
lock = threading.Lock()
def worker():
    while True:
        with lock:
            if not files:
                return
            f = files.pop()
        data = open(f, 'rb').read()
        for _ in range(600):
            try:
                s = smtplib.SMTP('127.0.0.1', port, timeout=30)
                s.sendmail('gw@corp.example', [relay], data)
                s.quit()
                break
            except (OSError, smtplib.SMTPException):
                time.sleep(0.2)
        else:
            print('# never accepted: %s' % f)
ts = [threading.Thread(target=worker) for _ in range(jobs)]
for t in ts: t.start()
for t in ts: t.join()
EOF
}
phase() { seq "$1" "$2" | sed "s|.*|$W/t/&.eml|"; }

per=$(( N / 6 ))
for i in $(seq 1 $(( per * 4 ))) $(seq $(( per * 5 + 1 )) $N); do make $i "$W/relay.pem"; done

# 1. kill -9 of deliveries at random instants, and of the notice sender.
fault kill
send 4 $(phase 1 $per)
sleep 3
kill -9 "$(cat "$d/run/notify.pid")"
sleep 2
fault none
wm-ctl start notify >/dev/null
ok "phase 1: deliveries killed at random instants; the notice sender killed"

# 2. the mail disk full.
head -c 2000m /dev/zero >"$d/mail/filler" 2>/dev/null
send 4 $(phase $(( per + 1 )) $(( per * 2 )))
sleep 3
rm -f "$d/mail/filler"
ok "phase 2: mail disk full"

# 3. the database locked for longer than the busy timeout.
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE"); time.sleep(14); c.execute("ROLLBACK")' "$db" &
locker=$!
sleep 0.5
send 4 $(phase $(( per * 2 + 1 )) $(( per * 3 )))
wait $locker
ok "phase 3: database locked"

# 4. a roll-over, then the new key unreadable; tunnels to both certificates.
wm-pki webmail-cert --create >/dev/null
newest=$(sqlite3 "$db" "SELECT max(id) FROM private_keys")
sqlite3 "$db" "SELECT hex(der) FROM certificates WHERE id = (SELECT cert_id FROM private_keys WHERE id = $newest)" |
    xxd -r -p | openssl x509 -inform der -out "$W/new.pem"
for i in $(seq $(( per * 4 + 1 )) $(( per * 5 ))); do make $i "$W/new.pem"; done
# The PEM is in the key store beside the database (lib/keystore.c).
keydb=$(dirname "$db")/keys/keys.db
kid=$(sqlite3 "$db" "SELECT cert_id FROM private_keys WHERE id = $newest")
saved=$(sqlite3 "$keydb" "SELECT hex(pem) FROM key_pem WHERE cert_id = $kid")
sqlite3 "$keydb" "UPDATE key_pem SET pem = X'2d2d' WHERE cert_id = $kid"
send 4 $(phase $(( per * 3 + 1 )) $(( per * 5 )))
sleep 4
sqlite3 "$keydb" "UPDATE key_pem SET pem = X'$saved' WHERE cert_id = $kid"
ok "phase 4: relay key unreadable after a roll-over"

# 5. Postfix stopped and aborted while tunnels arrive and are delivered.
send 2 $(phase $(( per * 5 + 1 )) $(( per * 5 + per / 2 ))) &
sender=$!
sleep 1
postfix -c "$pc" stop >/dev/null 2>&1
sleep 1
postfix -c "$pc" start >/dev/null 2>&1
sleep 1
postfix -c "$pc" abort >/dev/null 2>&1
sleep 1
wm-ctl start postfix >/dev/null 2>&1
wait $sender
check "phase 5: Postfix stop and abort, then running again" postfix -c "$pc" status

# 6. many concurrent senders.
send 8 $(phase $(( per * 5 + per / 2 + 1 )) $N)
ok "phase 6: eight concurrent senders"

# 7. bad input: untrusted signer, truncated, not S/MIME at all.
printf 'To: x@customer.example\r\n\r\nbad\r\n' >"$W/t/bad1.orig"
make bad2 "$W/relay.pem" rogue
head -c 3000 "$W/t/1.eml" >"$W/t/bad3.eml"
printf 'From: a@corp.example\r\nSubject: plain\r\n\r\nnot a tunnel\r\n' >"$W/t/bad1.eml"
send 2 "$W/t/bad1.eml" "$W/t/bad2.eml" "$W/t/bad3.eml"
ok "phase 7: bad input"

# Repaired: flush until Postfix and the notice queue are empty.
drained() {	# a postqueue that fails (Postfix down) is no empty queue
	local q
	instance_flush "$d" >/dev/null 2>&1
	q=$("$pc/bin/postqueue" -c "$pc" -j) || return 1
	[ -z "$q" ] &&
	    [ "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE sent IS NULL AND failed IS NULL")" -eq 0 ]
}
wait_for 300 drained
is "$?" 0 "repaired: the Postfix queue and the notice queue drain"
sleep 2

# Exactly once: every original in each of its recipients' maildirs once.
maildir() { printf '%s' "$1" | sed 's/@/=40/'; }
for u in "${users[@]}"; do
	for f in "$d/mail/$(maildir $u)"/new/* "$d/mail/$(maildir $u)"/cur/*; do
		[ -f "$f" ] && echo "$u $(sha256sum <"$f" | cut -c1-64)"
	done
done | sort >"$W/have"
# As the maildir holds it: an original whose lines all end in CRLF is stored
# with LF line ends (the Unix maildir convention).
stored_form() {
	python3 -c 'import sys
b = sys.stdin.buffer.read()
lines = b.split(b"\n")
crlf = len(lines) > 1 and all(l.endswith(b"\r") and b"\r" not in l[:-1] for l in lines[:-1]) and b"\r" not in lines[-1]
sys.stdout.buffer.write(b.replace(b"\r\n", b"\n") if crlf else b)'
}
for i in $(seq 1 $N); do
	h=$(stored_form <"$W/t/$i.orig" | sha256sum | cut -c1-64)
	while read -r r; do echo "$r $h"; done <"$W/t/$i.rcpt"
done | sort >"$W/want"
lost=$(comm -23 <(sort -u "$W/want") <(sort -u "$W/have") | wc -l)
dups=$(uniq -d "$W/have" | wc -l)
extra=$(comm -13 <(sort -u "$W/want") <(sort -u "$W/have") | wc -l)
echo "# $N tunnels, $(wc -l <"$W/want") deliveries: $lost lost, $dups duplicated, $extra unexpected"
if [ "$lost" -gt 0 ]; then	# why: what Postfix and wm-deliver said
	instance_maillog "$d" | grep -E 'status=(bounced|expired)' | sed 's/^/# /' | head -5
	comm -23 <(sort -u "$W/want") <(sort -u "$W/have") | head -3 | sed 's/^/# lost: /'
	grep -E 'error|warning' "$d/log/wm.log" | grep -v 'will retry' | sed 's/^/# /' | head -5
fi
is "$lost" 0 "no mail lost"
is "$dups" 0 "no mail stored twice"
is "$extra" 0 "nothing stored that was not sent (bad tunnels)"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages")" "$(wc -l <"$W/want")" "one index row per stored mail"
is "$(sqlite3 "$db" "SELECT count(*) - count(DISTINCT delivery_key) FROM messages")" 0 "no delivery key twice"
untold=0
for u in $(cut -d' ' -f1 "$W/want" | sort -u); do
	[ -n "$(outbox_grep "$d" "^To: .*$u")" ] || { untold=$((untold + 1)); echo "# never told: $u"; }
done
is "$untold" 0 "every recipient was told at least once"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE failed IS NOT NULL")" 0 "no notice given up"
# Each phase's fault did happen (else this test proves nothing).
wlog=$(cat "$d/log/wm.log")
mlog=$(instance_maillog "$d")
seen() { printf '%s\n' "$1" | grep -cE -- "$2"; }
like "$(seen "$mlog" 'signal 9')" '^[1-9]' "deliveries were killed ($(seen "$mlog" 'signal 9') times)"
like "$(seen "$wlog" 'No space left')" '^[1-9]' "the full disk deferred deliveries"
like "$(seen "$wlog" 'locked|busy')" '^[1-9]' "the locked database deferred deliveries"
like "$(seen "$wlog" 'cannot be read')" '^[1-9]' "the unreadable key deferred deliveries"
like "$(seen "$wlog" 'notice sender started')" '^([2-9]|[1-9][0-9]+)$' "the notice sender was restarted after its kill"
pm=$(outbox_grep "$d" "^To: .*$PM" | xargs -r grep -l 'tunnel.eml' | wc -l)
like "$pm" '^([3-9]|[1-9][0-9]+)$' "every bad tunnel reached the postmaster ($pm reports)"
done_testing
