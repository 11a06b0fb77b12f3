#!/bin/bash
# deliver.sh - wm-deliver on real tunnels, built with the stock openssl cms
# commands of wm-tunnel(5) (opaque and detached) and with wm-tunnel, and on
# every kind of bad input: each gives the right exit status, exactly one log
# line with the reason, and a postmaster copy where one is due.  No Postfix:
# [commands] sendmail is a script that saves argv and the mail in outbox/.
source "$(dirname "$0")/../lib.sh"

for p in wm-deliver wm-tunnel wm-pki wm-prefs; do
	[ -x "$BIN/$p" ] || { not_ok "$p is built"; done_testing; exit 1; }
done

T=$(scratch)
on_exit "rm -rf '$T'"	# scratch's own registration is lost in $(...)
conf=$(mini_instance "$T/box")
box=$T/box
gw=$T/gw
mkdir -p "$gw"
cat >>"$conf" <<EOC
templates = $TOP/templates
[commands]
sendmail = $box/sendmail
# No Postfix here: the notice sender too hands its mail to the stand-in.
[listen]
submit =
EOC
sendmail_ok() {
	cat >"$box/sendmail" <<EOS
#!/bin/sh
n=$box/outbox/\$(date +%s%N).\$\$
printf '%s\n' "\$@" >\$n.args
cat >\$n.eml
EOS
	chmod 755 "$box/sendmail"
}
sendmail_fails() {
	printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' >"$box/sendmail"
}
sendmail_ok
log=$box/log/wm.log

SENDER=alice@corp.example
PM=postmaster@box.example
wm-prefs -c "$conf" set postmaster $PM >/dev/null
wm-prefs -c "$conf" set notification-sender webmail@box.example >/dev/null
wm-prefs -c "$conf" set portal-base-url https://box.example >/dev/null
for s in system-mail-secret server-secret; do
	echo "$s-for-tests-0123456789abcdef" | wm-prefs -c "$conf" set $s - >/dev/null
done
check "relay key created" wm-pki -c "$conf" webmail-cert --create
wm-pki -c "$conf" webmail-cert >"$gw/box.pem"

# The gateway's PKI: a root (trusted), its signer, a signer it revoked, a
# rogue root and signer, and another relay recipient.
cd "$gw" || exit 1
mkdir -p ca/new && : >ca/index.txt && echo 01 >ca/crlnumber
cat >gw.cnf <<'EOC'
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = gwca
[gwca]
database = ca/index.txt
new_certs_dir = ca/new
crlnumber = ca/crlnumber
default_md = sha256
default_crl_days = 30
[v3ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC
{
	R="openssl req -config gw.cnf -nodes -newkey rsa:2048"
	S="openssl x509 -req -days 365 -extfile gw.cnf -extensions leaf"
	$R -x509 -days 3650 -extensions v3ca -keyout ca.key -out ca.pem -subj /CN=GW-Root
	$R -x509 -days 3650 -extensions v3ca -keyout rogue-ca.key -out rogue-ca.pem -subj /CN=Rogue
	$R -keyout gw.key -out gw.csr -subj "/CN=gw/emailAddress=$SENDER"
	$S -set_serial 2 -in gw.csr -CA ca.pem -CAkey ca.key -out gw.pem
	$R -keyout old.key -out old.csr -subj /CN=old
	$S -set_serial 3 -in old.csr -CA ca.pem -CAkey ca.key -out old.pem
	$R -keyout rogue.key -out rogue.csr -subj /CN=rogue
	$S -set_serial 4 -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key -out rogue.pem
	$R -x509 -days 365 -extensions leaf -keyout other.key -out other.pem -subj /CN=other-relay
	openssl ca -config gw.cnf -keyfile ca.key -cert ca.pem -revoke old.pem
	openssl ca -config gw.cnf -keyfile ca.key -cert ca.pem -gencrl -out ca.crl
} >/dev/null 2>&1
check "gateway root imported" wm-pki -c "$conf" import --root ca.pem
check "gateway CRL imported" wm-pki -c "$conf" crl-import ca.crl

printf 'From: Alice <%s>\r\nTo: bob@customer.example\r\nSubject: figures\r\nMessage-ID: <f1@corp.example>\r\n\r\nline one\r\nno final newline' \
    "$SENDER" >orig.eml

envelope() {	# envelope [HEADER LINES...]: the tunnel entity of orig.eml
	printf 'Content-Type: message/rfc822\r\n'
	for h in "$@"; do printf '%s\r\n' "$h"; done
	printf '\r\n'
	cat orig.eml
}
good_env() {
	envelope "WM-Tunnel-Version: 1" "WM-Envelope-Sender: $SENDER" \
	    "WM-Envelope-Recipient: $1" "WM-Future-Field: ignored"
}
sign() {	# sign SIGNER [-nodetach] < content
	openssl cms -sign -binary "${@:2}" -signer "$1.pem" -inkey "$1.key"
}
encrypt() {	# encrypt CERT < entity
	openssl cms -encrypt -binary -aes256 "$1"
}

# deliver NAME INPUT: runs wm-deliver, sets rc, newlines (log lines added)
# and newmail (outbox mails added).
deliver() {
	local before out_before
	before=$(wc -l <"$log" 2>/dev/null || echo 0)
	out_before=$(ls "$box/outbox" | grep -c '\.eml$')
	wm-deliver -c "$conf" --sender gateway@corp.example \
	    --recipient webmail@webmail.local <"$2" 2>"$T/stderr"
	rc=$?
	# Notices are queued with the mail; the sender submits them.
	wm-notify -c "$conf" flush --window 0 >/dev/null 2>&1
	newlines=$(tail -n +"$((before + 1))" "$log")
	newmail=$(( $(ls "$box/outbox" | grep -c '\.eml$') - out_before ))
}

stored_copies() {	# stored_copies ADDRESS: files in the maildir new/
	local name
	name=$(printf '%s' "$1" | sed 's/@/=40/')
	ls "$box/mail/$name/new" 2>/dev/null | wc -l
}

same_as_original() {	# same_as_original ADDRESS: its mail gives back orig.eml
	local name f
	name=$(printf '%s' "$1" | sed 's/@/=40/')
	f=$(ls "$box/mail/$name/new/"* 2>/dev/null | head -1)
	[ -n "$f" ] && stored_original "$box/wm.db" "$f" | cmp -s - orig.eml
}

accepted() {	# accepted NAME FILE RCPT
	deliver "$1" "$2"
	is "$rc" 0 "$1: exit 0"
	check "$1: stored byte-identical for $3" same_as_original "$3"
	like "$newlines" "recipient=$3 key=[0-9a-f]{64} stored" "$1: log line says stored"
}

refused() {	# refused NAME FILE REASON-REGEX
	deliver "$1" "$2"
	is "$rc" 0 "$1: exit 0 (handed to the postmaster)"
	is "$(printf '%s\n' "$newlines" | grep -c 'refused')" 1 "$1: one log line"
	like "$newlines" "refused: .*$3" "$1: the log says why"
	is "$newmail" 1 "$1: postmaster copy submitted"
	like "$(cat "$(ls -t "$box"/outbox/*.args | head -1)")" "$PM" "$1: copy goes to the postmaster"
}

# --- good tunnels ---
good_env bob@customer.example | sign gw -nodetach | encrypt box.pem >opaque.eml
accepted "stock openssl opaque" opaque.eml bob@customer.example
like "$(grep -l bob@customer.example "$box"/outbox/*.args | head -1)" . "recipient notified"

good_env carol@other.example | sign gw | encrypt box.pem >detached.eml
accepted "stock openssl detached" detached.eml carol@other.example

# The recipe of wm-tunnel(5), step by step through files.
good_env gina@other.example >tunnel.txt
openssl cms -sign -binary -nodetach -in tunnel.txt -signer gw.pem -inkey gw.key \
    -out signed.txt
openssl cms -encrypt -binary -aes256 -in signed.txt -from gw@corp.example \
    -to webmail@webmail.local -subject "S/MIME tunnel" -out recipe.eml box.pem
accepted "wm-tunnel(5) recipe" recipe.eml gina@other.example

wm-tunnel --sender $SENDER --recipient dave@third.example \
    --recipient erin@third.example --read-receipt --expires 2027-01-31T00:00:00Z \
    --sign-key gw.key --sign-cert gw.pem --to-cert box.pem -o wmt.eml orig.eml
accepted "wm-tunnel opaque" wmt.eml dave@third.example
check "wm-tunnel: second recipient stored" same_as_original erin@third.example
wm-tunnel --detached --sender $SENDER --recipient frank@third.example \
    --sign-key gw.key --sign-cert gw.pem --to-cert box.pem orig.eml >wmtd.eml
accepted "wm-tunnel detached" wmtd.eml frank@third.example
wm-tunnel --sender $SENDER --recipient hank@third.example --sign-key gw.key \
    --sign-cert gw.pem --to-cert box.pem --sendmail "cat >$T/submitted.eml" <orig.eml
is "$?" 0 "wm-tunnel --sendmail: exit 0"
accepted "wm-tunnel --sendmail" "$T/submitted.eml" hank@third.example
check_fails "wm-tunnel: failing --sendmail is exit 75" 75 wm-tunnel --sender $SENDER \
    --recipient hank@third.example --sign-key gw.key --sign-cert gw.pem \
    --to-cert box.pem --sendmail "exit 1" orig.eml
check_fails "wm-tunnel: a recipient with a line break is refused" 65 wm-tunnel \
    --sender $SENDER --recipient "$(printf 'a@b.example\nBcc: x@y.example')" \
    --sign-key gw.key --sign-cert gw.pem --to-cert box.pem orig.eml
check_fails "wm-tunnel: no recipient is a usage error" 64 wm-tunnel --sender $SENDER \
    --sign-key gw.key --sign-cert gw.pem --to-cert box.pem orig.eml

deliver "retry" wmt.eml
is "$rc" 0 "retry of the same tunnel: exit 0"
is "$(stored_copies dave@third.example)" 1 "retry: still one copy for dave"
is "$(stored_copies erin@third.example)" 1 "retry: still one copy for erin"
like "$newlines" "already stored; skipped" "retry: log says skipped"

# --- bad tunnels: postmaster ---
cp orig.eml plain.eml
refused "not encrypted to us" plain.eml "not encrypted to us"
good_env bob@customer.example | sign gw -nodetach >signed-only.eml
refused "signed but not encrypted" signed-only.eml "not encrypted to us"
good_env bob@customer.example | sign gw -nodetach | encrypt other.pem >other.eml
refused "encrypted to another certificate" other.eml "another certificate"
good_env bob@customer.example | encrypt box.pem >unsigned.eml
refused "unsigned" unsigned.eml "not signed"
good_env bob@customer.example | sign rogue -nodetach | encrypt box.pem >rogue.eml
refused "untrusted signer" rogue.eml "untrusted signer"
good_env bob@customer.example | sign old -nodetach | encrypt box.pem >revoked.eml
refused "signer revoked by CRL" revoked.eml "revoked"

# Tampered ciphertext: change base64 characters deep in the body.
python3 - opaque.eml tampered-c.eml <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = len(d) * 3 // 4
while d[i] in b'\r\n': i += 1
for j in range(i, i + 8):
    if d[j] not in b'\r\n':
        d[j] = ord('A') if d[j] != ord('A') else ord('B')
open(sys.argv[2], 'wb').write(d)
EOF
refused "tampered ciphertext" tampered-c.eml ""

# Tampered signed content: the detached signature no longer matches.
good_env bob@customer.example | sign gw | sed 's/line one/line ONE/' |
    encrypt box.pem >tampered-s.eml
refused "tampered signed content" tampered-s.eml "bad signature"

envelope "WM-Envelope-Recipient: bob@customer.example" | sign gw -nodetach |
    encrypt box.pem >nover.eml
refused "missing WM-Tunnel-Version" nover.eml "missing WM-Tunnel-Version"
envelope "WM-Tunnel-Version: 1" | sign gw -nodetach | encrypt box.pem >norcpt.eml
refused "no recipient" norcpt.eml "no recipient"
envelope "WM-Tunnel-Version: 1" "WM-Envelope-Recipient: bob@@customer" |
    sign gw -nodetach | encrypt box.pem >badaddr.eml
refused "malformed recipient address" badaddr.eml "malformed recipient address"
head -c $(( $(wc -c <opaque.eml) / 2 )) opaque.eml >truncated.eml
refused "truncated mail" truncated.eml "corrupt or truncated"
is "$(stored_copies bob@customer.example)" 1 "nothing of the bad tunnels was stored"

# --- input wm-deliver refuses without the postmaster ---
: >empty.eml
deliver "0-byte input" empty.eml
is "$rc" 66 "0-byte input: exit 66 (EX_NOINPUT)"
is "$(printf '%s\n' "$newlines" | grep -c 'empty input')" 1 "0-byte input: one log line"
is "$newmail" 0 "0-byte input: nothing sent"

# --- the postmaster copy cannot be submitted: it waits in the queue ---
sendmail_fails
deliver "postmaster copy fails" rogue.eml
is "$rc" 0 "postmaster copy fails: delivery still exit 0 (the copy is queued)"
like "$newlines" "not sent: .*will retry" "postmaster copy fails: log says retry"
is "$newmail" 0 "postmaster copy fails: nothing submitted"
sendmail_ok
WM_NOW=$(( $(date +%s) + 3600 )) wm-notify -c "$conf" flush --window 0 >/dev/null
is "$(ls "$box/outbox" | grep -c '\.eml$')" "$(( $(ls "$box/outbox" | grep -c '\.args$') ))" "outbox consistent"
like "$(cat "$(ls -t "$box"/outbox/*.args | head -1)")" "$PM" "postmaster copy goes out once sendmail works again"

# --- a 50 MB tunnel ---
peak_rss() {	# peak_rss FILE COMMAND...: runs COMMAND, writes its peak RSS (bytes) to FILE
	python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write("%d\n" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))
sys.exit(rc)' "$@"
}
python3 - big.eml <<'EOF'
import base64, os, sys
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: a@corp.example\r\nSubject: big\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: application/octet-stream\r\n'
            b'Content-Transfer-Encoding: base64\r\n\r\n')
    raw = os.urandom(20 * 1024 * 1024)
    b = base64.b64encode(raw)
    for i in range(0, len(b), 76):
        f.write(b[i:i + 76] + b'\r\n')
EOF
cp big.eml orig.eml
good_env big@customer.example | sign gw -nodetach | encrypt box.pem >big-tunnel.eml
size=$(wc -c <big-tunnel.eml)
check "big tunnel is about 50 MB ($size bytes)" test "$size" -gt 45000000
accepted "50 MB tunnel from a file" big-tunnel.eml big@customer.example
# Postfix hands the tunnel over a pipe: spooled, not held in memory.
good_env big2@customer.example | sign gw -nodetach | encrypt box.pem >big-tunnel.eml
cat big-tunnel.eml | peak_rss "$T/rss" wm-deliver -c "$conf" \
    --sender g@corp.example --recipient webmail@webmail.local
is "$?" 0 "50 MB tunnel through a pipe: exit 0"
check "50 MB tunnel through a pipe: stored byte-identical" same_as_original big2@customer.example
rss=$(cat "$T/rss")
echo "# peak RSS of wm-deliver on a $size-byte tunnel: $rss bytes ($(( rss * 100 / size ))% of the tunnel)"
if [ -n "${WM_SANITIZED:-}" ]; then
	# ASan's shadow memory and quarantine say nothing about the program's.
	ok "peak RSS at most 2.5 x the tunnel # skip sanitized build"
else
	check "peak RSS at most 2.5 x the tunnel" test $(( rss * 10 )) -le $(( size * 25 ))
fi

# The process that holds the relay keys parses no mail: wm-deliver does not
# even load the MIME library, and the rows it stores wait undecoded for the
# notice sender, which decodes them in a sandboxed child.
if [ -n "${WM_SANITIZED:-}" ]; then
	ok "wm-deliver loads no GMime, GLib or GIO # skip sanitized build"
else
	check "wm-deliver loads no GMime, GLib or GIO" \
	    bash -c "! ldd '$BIN/wm-deliver' | grep -qE 'libgmime|libglib|libgio|libgobject'"
fi
good_env late@customer.example | sign gw -nodetach | encrypt box.pem >late.eml
wm-deliver -c "$conf" --sender g@corp.example --recipient webmail@webmail.local <late.eml
is "$?" 0 "a tunnel for late@: exit 0"
row() { sqlite3 "$box/wm.db" "SELECT indexed, quote(subject), quote(message_id)
    FROM messages WHERE mailbox = 'late@customer.example'"; }
is "$(row)" "0|NULL|NULL" "its row is stored with the header fields still undecoded"
wm-notify -c "$conf" flush --window 0 >/dev/null
f=$box/mail/late=40customer.example/$(sqlite3 "$box/wm.db" "SELECT file FROM
    messages WHERE mailbox = 'late@customer.example'")
subj=$(sed -n 's/^Subject: \(.*\)\r\{0,1\}$/\1/p' "$f" | head -1 | tr -d '\r')
like "$subj" . "the stored mail has a Subject ($subj)"
is "$(row)" "1|'$subj'|NULL" "the notice sender's pass decoded them"

done_testing
