#!/bin/bash
# bench/deliver.sh - wm-deliver against the stock openssl pipeline it must beat.
# For originals of 10 KB and 1 MB: wall time per message of wm-deliver (decrypt,
# verify, store, index, notify through a stand-in sendmail) and of
# `openssl cms -decrypt | openssl cms -verify` on the same tunnels; target
# ratio <= 0.8.  For a 25 MB original: peak RSS of wm-deliver reading the
# tunnel from a pipe (as from Postfix); target <= 2.5 x the tunnel size.
# Prints figures; never fails on a figure.
set -u
source "$(dirname "$0")/../tests/lib.sh"
N=${BENCH_N:-20}

T=$(mktemp -d /tmp/wmbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
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

for size in 10240 1048576; do
	original $size >orig.eml
	for i in $(seq 1 "$N"); do tunnel orig.eml "u$i-$size@customer.example" t$i.eml; done
	start=$(now)
	for i in $(seq 1 "$N"); do
		openssl cms -decrypt -binary -recip box.pem -inkey box.key -in t$i.eml |
		    openssl cms -verify -binary -CAfile gw.pem -out /dev/null 2>/dev/null
	done
	base=$(( ($(now) - start) / N ))
	start=$(now)
	for i in $(seq 1 "$N"); do
		cat t$i.eml | "$BIN/wm-deliver" -c "$conf" --sender gw@corp.example \
		    --recipient webmail@webmail.local || echo "wm-deliver failed: $?"
	done
	ours=$(( ($(now) - start) / N ))
	# The same tunnels again: Postfix retries; decrypt, verify, skip.
	start=$(now)
	for i in $(seq 1 "$N"); do
		cat t$i.eml | "$BIN/wm-deliver" -c "$conf" --sender gw@corp.example \
		    --recipient webmail@webmail.local || echo "wm-deliver failed: $?"
	done
	again=$(( ($(now) - start) / N ))
	echo "original $size bytes: openssl pipeline $((base / 1000)) us/msg;" \
	    "wm-deliver $((ours / 1000)) us/msg (ratio $(awk "BEGIN{printf \"%.2f\", $ours/$base}")," \
	    "target <= 0.80), of the same tunnels again (no store, no notice)" \
	    "$((again / 1000)) us/msg (ratio $(awk "BEGIN{printf \"%.2f\", $again/$base}"))"
done
start=$(now)
for i in $(seq 1 "$N"); do echo x | "$box/sendmail" -i -f a -- b; done
echo "the sendmail stand-in alone (one notice per message): $(( ($(now) - start) / N / 1000 )) us"

original $((25 * 1024 * 1024)) >orig.eml
tunnel orig.eml big@customer.example big.eml
size=$(wc -c <big.eml)
cat big.eml | peak_rss rss "$BIN/wm-deliver" -c "$conf" \
    --sender gw@corp.example --recipient webmail@webmail.local
rss=$(cat rss)
echo "25 MB original, tunnel $size bytes: peak RSS $rss bytes," \
    "ratio $(awk "BEGIN{printf \"%.2f\", $rss/$size}") (target <= 2.50)"
