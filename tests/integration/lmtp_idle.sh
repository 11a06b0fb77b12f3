#!/bin/bash
# lmtp_idle.sh - Postfix keeps idle LMTP connections cached for reuse: a
# wm-lmtpd worker must go on serving other connections while one it holds
# sits idle (one worker here, so a worker bound to its first connection
# would leave the second waiting in the backlog), and a command line longer
# than its buffer drops only that connection.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

W=$(scratch)
d=$W/inst
start_instance "$d" || { not_ok "instance starts"; done_testing; exit 1; }
relay=$(wm-prefs get relay-recipient)
db=$(instance_db "$d")
gateway_trusted "$W"
for i in 1 2 3; do
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\nWM-Envelope-Recipient: idle%d@customer.example\r\n\r\n' $i
		printf 'From: alice@corp.example\r\nSubject: idle %d\r\n\r\nHello.\r\n' $i
	} | openssl cms -sign -binary -nodetach -signer "$W/gw.pem" -inkey "$W/gw.key" |
	    openssl cms -encrypt -binary -aes256 "$W/relay.pem" >"$W/$i.eml"
done

sock=$W/lmtp.sock
wm-lmtpd --socket "$sock" --workers 1 2>"$W/lmtpd.log" &
on_exit "kill $! 2>/dev/null"
wait_for 10 test -S "$sock"

out=$(python3 - "$sock" "$relay" "$W" <<'PY' 2>&1
import smtplib, socket, sys
sock, relay, w = sys.argv[1:4]
def tunnel(i):
    return open("%s/%d.eml" % (w, i), "rb").read()
def lmtp():
    s = smtplib.LMTP()
    s.sock = socket.socket(socket.AF_UNIX)
    s.sock.settimeout(10)
    s.sock.connect(sock)
    s.file = None
    s.getreply()
    return s
a = lmtp()
a.ehlo_or_helo_if_needed = lambda: None
print("A lhlo", a.docmd("LHLO", "a.test")[0])
# A stays idle, as a cached Postfix connection does.
b = lmtp()
b.docmd("LHLO", "b.test")
try:
    b.sendmail("gw@corp.example", [relay], tunnel(1))
    print("B stored while A idle")
except Exception as e:
    print("B failed:", type(e).__name__, e)
try:
    a.sendmail("gw@corp.example", [relay], tunnel(2))
    print("A stored after idling")
except Exception as e:
    print("A failed:", type(e).__name__, e)
# A command line longer than the worker's buffer drops that connection only.
c = lmtp()
try:
    c.sock.sendall(b"NOOP " + b"x" * 70000)
    c.sock.recv(100)
    print("C answered:", c.sock.recv(100))
except Exception as e:
    print("C dropped")
try:
    b.sendmail("gw@corp.example", [relay], tunnel(3))
    print("B stored again")
except Exception as e:
    print("B again failed:", type(e).__name__, e)
for s in (a, b):
    s.quit()
PY
)
printf '%s\n' "$out" | sed 's/^/# /'
like "$out" "A lhlo 250" "the first connection is greeted and says LHLO"
like "$out" "B stored while A idle" "a second connection is served while the first sits idle (one worker)"
like "$out" "A stored after idling" "the idle connection is still served afterwards"
like "$out" "C dropped" "a command line longer than the buffer drops that connection"
like "$out" "B stored again" "the worker goes on serving the others"
is "$(sqlite3 "$db" "SELECT count(*) FROM messages")" 3 "three tunnels, three stored mails"
done_testing
