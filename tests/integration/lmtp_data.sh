#!/bin/bash
# lmtp_data.sh - DATA as wm-lmtpd reads it, straight over its socket: a
# tunnel is kept in memory up to 8 MB and spooled past it, both stored
# byte-identical; dot-stuffed lines come back with their dot; a tunnel over
# [instance] max-tunnel-size is refused with 552 and the session goes on.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

W=$(scratch)
d=$W/inst
start_instance "$d" --transport lmtp || { not_ok "instance starts"; done_testing; exit 1; }
db=$(instance_db "$d")
gateway_trusted "$W"
sock=$d/run/lmtp/lmtp.sock

# tunnel NAME RECIPIENT: $W/NAME.eml from $W/NAME.orig
tunnel() {
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\nWM-Envelope-Recipient: %s\r\n\r\n' "$2"
		cat "$W/$1.orig"
	} | openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
	    openssl cms -encrypt -binary -aes256 "$W/relay.pem" >"$W/$1.eml"
}
# lmtp FILE...: one LMTP session, one transaction per file; prints the
# reply to each DATA, one per line.
lmtp() {
	python3 - "$sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
r = s.makefile('rb')
def expect():
    while True:
        l = r.readline()
        if l[3:4] != b'-':
            return l.decode().strip()
expect()
s.sendall(b'LHLO test\r\n'); expect()
for f in sys.argv[2:]:
    lines = open(f, 'rb').read().replace(b'\r\n', b'\n').split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    data = b''.join((b'.' + l if l.startswith(b'.') else l) + b'\r\n' for l in lines)
    s.sendall(b'MAIL FROM:<gw@corp.example>\r\nRCPT TO:<webmail@webmail.local>\r\nDATA\r\n')
    expect(); expect(); expect()
    s.sendall(data + b'.\r\n')
    print(expect())
s.sendall(b'QUIT\r\n'); expect()
PY
}
stored() {	# stored ADDRESS: the path of its one stored mail
	find "$d/mail/$(echo "$1" | sed 's/@/=40/')/new" -type f | head -1
}

# Small: in memory.  Lines that begin with a dot travel dot-stuffed.
printf 'From: alice@corp.example\r\nSubject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nend\r\n' >"$W/small.orig"
tunnel small dots@customer.example
# Big: past 8 MB of tunnel, spooled to a file first.
{
	printf 'From: alice@corp.example\r\nSubject: big\r\n\r\n'
	head -c 4600000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
} >"$W/big.orig"
tunnel big big@customer.example
like "$(wc -c <"$W/big.eml")" '^[0-9]{7,}$' "the big tunnel is made"
[ "$(wc -c <"$W/big.eml")" -gt 8388608 ] && ok "the big tunnel is over 8 MB" || not_ok "the big tunnel is over 8 MB"

replies=$(lmtp "$W/small.eml" "$W/big.eml")
is "$(echo "$replies" | grep -c '^250 ')" 2 "both stored (250): $(echo $replies)"
f=$(stored dots@customer.example)
is "$(tr -d '\r' <"$f" | tail -4)" ".one dot
..two dots
.
end" "dot-stuffing is undone, the dots of the mail are kept"
f=$(stored big@customer.example)
is "$(tr -d '\r' <"$f" | md5sum)" "$(tr -d '\r' <"$W/big.orig" | md5sum)" "the spooled tunnel is stored byte for byte"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox IN ('dots@customer.example', 'big@customer.example')")" 2 "both indexed"

# Over max-tunnel-size: 552, nothing stored; the next transaction is served.
sed -i 's/^\[instance\]$/[instance]\nmax-tunnel-size = 2M/' "$d/wm.conf"
check "wm-ctl restart" wm-ctl -c "$d/wm.conf" restart
wait_for 10 test -S "$sock"
printf 'From: alice@corp.example\r\nSubject: after\r\n\r\nafter\r\n' >"$W/after.orig"
tunnel after after@customer.example
tunnel big big2@customer.example
replies=$(lmtp "$W/big.eml" "$W/after.eml")
like "$(echo "$replies" | head -1)" "^552 5\.3\.4 tunnel larger than" "over max-tunnel-size: 552"
like "$(echo "$replies" | tail -1)" "^250 " "the session goes on: the next tunnel is stored"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE mailbox = 'big2@customer.example'")" 0 "the refused tunnel is not stored"
done_testing
