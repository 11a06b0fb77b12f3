#!/bin/bash
# bench/deliver.sh - wm-deliver (the pipe) and wm-lmtpd (LMTP) against the
# stock openssl pipeline and against the compute floor, all measured in this
# run.  For originals of 10 KB and 1 MB, new and existing users: wall and CPU
# time per message of wm-deliver (decrypt, verify, store, index, notice
# queued) and of `openssl cms -decrypt | openssl cms -verify` on the same
# tunnels (targets: pipe <= 1.0 x at 10 KB, <= 0.8 x at 1 MB), and of
# wm-lmtpd over its socket (target <= 3 x the floor).  The floor: one
# RSA-3072 private operation, AES-256-CBC and SHA-256 over the bytes
# (`openssl speed`) plus one exec of a static no-op.  Then delivery into a
# mailbox of 100,000 mails against an empty one (target <= 1.2 x), wm-cleanup
# of 99,000 expired mails out of 100,000 (target >= 5,000 mails/s), and the
# peak RSS for a 25 MB original (target <= 2.5 x the tunnel).
# Prints figures; never fails on a figure.
set -u
source "$(dirname "$0")/../tests/lib.sh"
N=${BENCH_N:-20}

T=$(mktemp -d /tmp/wmbench.XXXXXX)
trap '[ -n "${lmtpd:-}" ] && kill "$lmtpd" 2>/dev/null; rm -rf "$T"' EXIT
conf=$(mini_instance "$T/box")
box=$T/box
cat >>"$conf" <<EOC
templates = $TOP/templates
[commands]
sendmail = $box/sendmail
EOC
printf '#!/bin/sh\nexec cat >/dev/null\n' >"$box/sendmail"
chmod 755 "$box/sendmail"
cd "$T" || exit 1
for s in system-mail-secret server-secret; do
	echo "$s-bench-0123456789abcdef0123" | "$BIN/wm-prefs" -c "$conf" set $s - >/dev/null
done
"$BIN/wm-prefs" -c "$conf" set postmaster postmaster@box.example >/dev/null
"$BIN/wm-prefs" -c "$conf" set notification-sender webmail@box.example >/dev/null
"$BIN/wm-prefs" -c "$conf" set portal-base-url https://box.example >/dev/null

# The relay key is made here so the openssl baseline can use it too.
{
	openssl req -x509 -newkey rsa:3072 -nodes -days 365 -keyout box.key \
	    -out box.pem -subj /CN=relay/emailAddress=webmail@webmail.local \
	    -addext keyUsage=critical,keyEncipherment
	openssl pkcs12 -export -in box.pem -inkey box.key -passout pass:x -out box.p12
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout gw.key \
	    -out gw.pem -subj /CN=gw/emailAddress=gw@corp.example \
	    -addext keyUsage=critical,digitalSignature \
	    -addext extendedKeyUsage=emailProtection
} >/dev/null 2>&1
echo x | "$BIN/wm-pki" -c "$conf" import --password-stdin box.p12 >/dev/null
"$BIN/wm-pki" -c "$conf" import --whitelist gw.pem >/dev/null

original() {	# original BYTES: a mail with a base64 attachment-like body
	python3 - "$1" <<'EOF'
import base64, os, sys
n = int(sys.argv[1])
sys.stdout.buffer.write(b'From: Alice <gw@corp.example>\r\nTo: bob@customer.example\r\n'
    b'Subject: bench\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n'
    b'Content-Transfer-Encoding: base64\r\n\r\n')
b = base64.b64encode(os.urandom(n * 3 // 4))
for i in range(0, len(b), 76):
    sys.stdout.buffer.write(b[i:i + 76] + b'\r\n')
EOF
}

tunnel() {	# tunnel ORIGINAL RECIPIENT OUT
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: gw@corp.example\r\nWM-Envelope-Recipient: %s\r\n\r\n' "$2"
		cat "$1"
	} | openssl cms -sign -binary -nodetach -signer gw.pem -inkey gw.key |
	    openssl cms -encrypt -binary -aes256 -out "$3" box.pem
}

now() { date +%s%N; }
peak_rss() {	# peak_rss FILE COMMAND...: runs COMMAND, writes its peak RSS (bytes) to FILE
	python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write("%d\n" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))
sys.exit(rc)' "$@"
}
# timed N FILE-PATTERN COMMAND...: runs COMMAND with stdin from each file
# (%d in the pattern is 1..N); prints "wall_us cpu_us" per message.
timed() {
	python3 - "$@" <<'EOF'
import os, resource, subprocess, sys, time
n, pat, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
for i in range(1, n + 1):
    with open(pat % i, 'rb') as f:
        rc = subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL).returncode
    if rc != 0:
        print('# exit %d' % rc, file=sys.stderr)
t = time.monotonic() - t0
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print('%d %d' % (t / n * 1e6, cpu / n * 1e6))
EOF
}
# lmtp N FILE-PATTERN: N tunnels over one LMTP connection to wm-lmtpd;
# "wall_us cpu_us" per message, CPU of the wm-lmtpd worker.
lmtp() {
	python3 - "$@" "$T/lmtp.sock" "$(pgrep -P "$lmtpd" | head -1)" <<'EOF'
import os, socket, sys, time
n, pat, path, worker = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
tick = os.sysconf('SC_CLK_TCK')
def cpu():
    f = open('/proc/%s/stat' % worker).read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
s = socket.socket(socket.AF_UNIX)
s.connect(path)
r = s.makefile('rb')
def expect():
    while True:
        l = r.readline()
        if l[3:4] != b'-':
            return l
expect()
s.sendall(b'LHLO bench\r\n'); expect()
# Dot-stuffed ahead, as Postfix's lmtp client has the queue file ready: the
# time measured is the server's.
payloads = []
for i in range(1, n + 1):
    body = open(pat % i, 'rb').read().replace(b'\r\n', b'\n').split(b'\n')
    payloads.append(b''.join((b'.' + l if l.startswith(b'.') else l) + b'\r\n' for l in body))
c0, t0 = cpu(), time.monotonic()
for data in payloads:
    s.sendall(b'MAIL FROM:<gw@corp.example>\r\nRCPT TO:<webmail@webmail.local>\r\nDATA\r\n')
    expect(); expect(); expect()
    s.sendall(data + b'.\r\n')
    l = expect()
    if not l.startswith(b'250'):
        print('# lmtp: %r' % l, file=sys.stderr)
t, c = time.monotonic() - t0, cpu() - c0
s.sendall(b'QUIT\r\n')
print('%d %d' % (t / n * 1e6, c / n * 1e6))
EOF
}
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }

# The compute floor, from openssl speed in this run.
speed() { openssl speed -seconds 1 "$@" 2>/dev/null; }
rsa_us=$(speed rsa3072 | awk '/^rsa 3072/ {sub("s", "", $4); printf "%d", $4 * 1e6}')
aes_kbs=$(speed -evp aes-256-cbc -bytes 16384 | awk 'tolower($1) ~ /^aes-256-cbc/ {sub("k","",$NF); print $NF}')
sha_kbs=$(speed -evp sha256 -bytes 16384 | awk 'tolower($1) ~ /^sha256/ {sub("k","",$NF); print $NF}')
printf 'int main(void) { return 0; }\n' | gcc -static -O2 -x c -o noop - 2>/dev/null
start=$(now)
for i in $(seq 200); do ./noop; done
noop_us=$(( ($(now) - start) / 200000 ))
floor() {	# floor BYTES: us for one RSA private op, AES and SHA-256 over BYTES, one exec
	awk -v b="$1" -v r="$rsa_us" -v a="$aes_kbs" -v s="$sha_kbs" -v e="$noop_us" \
	    'BEGIN { printf "%d", r + b / (a * 1000) * 1e6 + 2 * b / (s * 1000) * 1e6 + e }'
}
echo "compute floor parts: RSA-3072 private op ${rsa_us} us, AES-256-CBC ${aes_kbs} kB/s," \
    "SHA-256 ${sha_kbs} kB/s, exec of a static no-op ${noop_us} us"

"$BIN/wm-lmtpd" -c "$conf" --socket "$T/lmtp.sock" --workers 1 &
lmtpd=$!
sleep 1
for size in 10240 1048576; do
	original $size >orig.eml
	for i in $(seq 1 "$N"); do tunnel orig.eml "u$i-$size@customer.example" t$i.eml; done
	for i in $(seq 1 "$N"); do tunnel orig.eml "l$i-$size@customer.example" l$i.eml; done
	read -r base basecpu < <(timed "$N" t%d.eml sh -c "openssl cms -decrypt -binary \
	    -recip box.pem -inkey box.key | openssl cms -verify -binary -CAfile gw.pem -out /dev/null 2>/dev/null")
	read -r ours ourscpu < <(timed "$N" t%d.eml "$BIN/wm-deliver" -c "$conf" \
	    --sender gw@corp.example --recipient webmail@webmail.local)
	# The same tunnels again (Postfix retries): decrypt, verify, skip.
	read -r again againcpu < <(timed "$N" t%d.eml "$BIN/wm-deliver" -c "$conf" \
	    --sender gw@corp.example --recipient webmail@webmail.local)
	read -r lm lmcpu < <(lmtp "$N" l%d.eml)
	# Existing users: the same recipients again, new mails.
	original $size >orig2.eml
	for i in $(seq 1 "$N"); do tunnel orig2.eml "u$i-$size@customer.example" e$i.eml; done
	read -r ex excpu < <(timed "$N" e%d.eml "$BIN/wm-deliver" -c "$conf" \
	    --sender gw@corp.example --recipient webmail@webmail.local)
	fl=$(floor $(wc -c <t1.eml))
	echo "original $size bytes (tunnel $(wc -c <t1.eml)): floor $fl us;" \
	    "openssl pair $base us wall, $basecpu us CPU"
	echo "  pipe, new user:      $ours us wall ($(ratio $ours $base) x openssl, target <= $([ $size -gt 100000 ] && echo 0.8 || echo 1.0);" \
	    "$(ratio $ours $fl) x floor), $ourscpu us CPU ($(ratio $ourscpu $basecpu) x openssl)"
	echo "  pipe, existing user: $ex us wall ($(ratio $ex $base) x openssl), $excpu us CPU"
	echo "  pipe, retry (skip):  $again us wall ($(ratio $again $base) x openssl)"
	echo "  lmtp, new user:      $lm us wall ($(ratio $lm $fl) x floor, target <= 3.0;" \
	    "$(ratio $lm $base) x openssl), worker CPU $lmcpu us ($(ratio $lmcpu $fl) x floor)"
done
kill $lmtpd
wait $lmtpd 2>/dev/null

# A mailbox of 100,000 mails against an empty one: the quota comes from
# mailbox_totals, so the size of the mailbox must not matter.
python3 - "$box" <<'EOF'
import os, sqlite3, sys, time
box = sys.argv[1]
top = os.path.join(box, 'mail', 'full=40customer.example')
for sub in ('tmp', 'new', 'cur'):
    os.makedirs(os.path.join(top, sub), exist_ok=True)
db = sqlite3.connect(os.path.join(box, 'wm.db'))
db.execute('BEGIN')
now = int(time.time())
for i in range(100000):
    name = 'm%06d' % i
    with open(os.path.join(top, 'new', name), 'wb') as f:
        f.write(b'Subject: old\r\n\r\nold mail\r\n')
    db.execute("INSERT INTO messages (mailbox, folder, file, delivery_key, received, size, expires) "
               "VALUES ('full@customer.example', 'inbox', ?, ?, ?, 25, ?)",
               ('new/' + name, 'k%06d' % i, now, 1 if i < 99000 else None))
db.execute("INSERT OR IGNORE INTO users (address, domain, created) VALUES "
           "('full@customer.example', 'customer.example', 0)")
db.commit()
EOF
original 10240 >orig.eml
for i in $(seq 1 "$N"); do
	{ printf 'X-N: %d\r\n' $i; cat orig.eml; } >o$i.eml
	tunnel o$i.eml full@customer.example f$i.eml
	tunnel o$i.eml empty@customer.example g$i.eml
done
read -r full fullcpu < <(timed "$N" f%d.eml "$BIN/wm-deliver" -c "$conf" \
    --sender gw@corp.example --recipient webmail@webmail.local)
read -r empty emptycpu < <(timed "$N" g%d.eml "$BIN/wm-deliver" -c "$conf" \
    --sender gw@corp.example --recipient webmail@webmail.local)
echo "delivery into a mailbox of 100,000 mails: $full us, into an empty one: $empty us," \
    "ratio $(ratio $full $empty) (target <= 1.20)"
start=$(now)
"$BIN/wm-cleanup" -c "$conf" >/dev/null
el=$(( ($(now) - start) / 1000 ))
left=$(sqlite3 "$box/wm.db" "SELECT count(*) FROM messages WHERE mailbox = 'full@customer.example'")
echo "wm-cleanup of 99,000 expired mails out of 100,000: $(( el / 1000 )) ms," \
    "$(awk "BEGIN{printf \"%d\", 99000 / ($el / 1e6)}") mails/s (target >= 5000); $left left"

original $((25 * 1024 * 1024)) >orig.eml
tunnel orig.eml big@customer.example big.eml
size=$(wc -c <big.eml)
cat big.eml | peak_rss rss "$BIN/wm-deliver" -c "$conf" \
    --sender gw@corp.example --recipient webmail@webmail.local
rss=$(cat rss)
echo "25 MB original, tunnel $size bytes: peak RSS $rss bytes," \
    "ratio $(awk "BEGIN{printf \"%.2f\", $rss/$size}") (target <= 2.50)"
