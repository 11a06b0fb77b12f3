#!/bin/bash
# interop.sh - the box with stock tools nobody here wrote: tunnels made by
# GnuPG's gpgsm (which leaves a self-signed signer out by default), EC relay
# keys with openssl cms, AES-GCM tampering, legacy content ciphers, and the
# commands of wm-tunnel(5) run as written.  No Postfix: [commands] sendmail
# saves what the box sends in outbox/, and the page's own sendmail line hands
# the tunnel to wm-deliver.
source "$(dirname "$0")/../lib.sh"

for p in wm-deliver wm-pki wm-prefs gpgsm openssl; do
	command -v "$p" >/dev/null || { not_ok "$p is there"; done_testing; exit 1; }
done

T=$(scratch)
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
cat >"$box/sendmail" <<EOS
#!/bin/sh
n=$box/outbox/\$(date +%s%N).\$\$
printf '%s\n' "\$@" >\$n.args
cat >\$n.eml
EOS
chmod 755 "$box/sendmail"
log=$box/log/wm.log
PM=postmaster@box.example
wm-prefs -c "$conf" set postmaster $PM >/dev/null
wm-prefs -c "$conf" set notification-sender webmail@box.example >/dev/null
wm-prefs -c "$conf" set portal-base-url https://box.example >/dev/null
for s in system-mail-secret server-secret; do
	echo "$s-for-tests-0123456789abcdef" | wm-prefs -c "$conf" set $s - >/dev/null
done
cd "$gw" || exit 1

# The relay key is made with openssl and imported with its key, so the
# commands of wm-tunnel(5) can use webmail.key.
openssl req -x509 -newkey rsa:3072 -nodes -keyout webmail.key -out webmail.pem \
    -days 365 -subj "/CN=Webmail relay/emailAddress=webmail@webmail.local" \
    -addext "keyUsage=critical,keyEncipherment,digitalSignature" \
    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
cat webmail.pem webmail.key | wm-pki -c "$conf" import - >/dev/null
like "$(wm-pki -c "$conf" webmail-cert | openssl x509 -noout -fingerprint)" \
    "$(openssl x509 -noout -fingerprint -in webmail.pem | sed 's/.*=//')" \
    "the imported relay key is the current one"

# The gateway: a self-signed signer, whitelisted, and a stranger nobody imported.
selfsigned() {	# selfsigned NAME: NAME.key / NAME.pem fit for S/MIME signing
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" \
	    -days 30 -subj "/CN=$1 gateway/emailAddress=$1@corp.example" \
	    -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
	    -addext "extendedKeyUsage=emailProtection" \
	    -addext "subjectAltName=email:$1@corp.example" 2>/dev/null
}
selfsigned gateway
selfsigned stranger
wm-pki -c "$conf" import --whitelist gateway.pem >/dev/null

# gpgsm with a private home and no agent prompts: the PKCS#12 made by
# openssl (legacy PBE, which gpgsm reads) is imported through loopback
# pinentry; its certificates are trusted through trustlist.txt.
export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
echo allow-loopback-pinentry >"$GNUPGHOME/gpg-agent.conf"
on_exit "gpgconf --homedir '$GNUPGHOME' --kill gpg-agent"
PASS=p12-passphrase
G="gpgsm --batch --pinentry-mode loopback --passphrase-fd 3 --disable-crl-checks --disable-policy-checks"
for n in gateway stranger; do
	openssl pkcs12 -export -legacy -inkey $n.key -in $n.pem -passout pass:$PASS -out $n.p12
	$G --import $n.p12 3<<<"$PASS" 2>/dev/null
	fpr=$(openssl x509 -noout -fingerprint -sha1 -in $n.pem | sed 's/.*=//; s/://g')
	echo "$fpr S relax" >>"$GNUPGHOME/trustlist.txt"
done
$G --import webmail.pem 3</dev/null 2>/dev/null
echo "$(openssl x509 -noout -fingerprint -sha1 -in webmail.pem | sed 's/.*=//; s/://g') S relax" \
    >>"$GNUPGHOME/trustlist.txt"
check "gpgsm holds the gateway's secret key" sh -c "gpgsm --list-secret-keys gateway@corp.example | grep -q gateway"

printf 'From: Alice <alice@corp.example>\r\nTo: bob@customer.example\r\nSubject: interop\r\nMessage-ID: <io-1@corp.example>\r\n\r\nHello from a stock gateway.\r\n' >original.eml

envelope() {	# envelope RCPT: the tunnel entity of original.eml
	printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
	printf 'WM-Envelope-Sender: alice@corp.example\r\nWM-Envelope-Recipient: %s\r\n\r\n' "$1"
	cat original.eml
}
crlf_b64() { base64 -w 64 | sed 's/$/\r/'; }
# gpgsm_tunnel SIGNER MODE INCLUDE RCPT: a tunnel signed and encrypted by gpgsm
gpgsm_tunnel() {
	local who=$1 mode=$2 inc=$3 rcpt=$4 b=gpgsm-boundary-42
	envelope "$rcpt" >entity.txt
	if [ "$mode" = detached ]; then
		$G -u "$who@corp.example" --include-certs "$inc" --digest-algo SHA512 \
		    --detach-sign -o sig.der entity.txt 3<<<"$PASS" 2>/dev/null
		{
			printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-512; boundary="%s"\r\n\r\n' $b
			printf -- '--%s\r\n' $b
			cat entity.txt
			printf '\r\n--%s\r\n' $b
			printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
			crlf_b64 <sig.der
			printf -- '--%s--\r\n' $b
		} >signed.txt
	else
		$G -u "$who@corp.example" --include-certs "$inc" --digest-algo SHA512 \
		    --sign -o sig.der entity.txt 3<<<"$PASS" 2>/dev/null
		{
			printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
			crlf_b64 <sig.der
		} >signed.txt
	fi
	gpgsm --batch --disable-crl-checks --disable-policy-checks --cipher-algo AES256 \
	    -r webmail@webmail.local --encrypt -o env.der signed.txt 2>/dev/null
	printf 'From: gw@corp.example\r\nTo: webmail@webmail.local\r\nSubject: tunnel\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	crlf_b64 <env.der
}

# deliver FILE: runs wm-deliver, sets rc, newlines (log lines added), newmail
deliver() {
	local before out_before
	before=$(wc -l <"$log" 2>/dev/null || echo 0)
	out_before=$(ls "$box/outbox" | grep -c '\.eml$')
	wm-deliver -c "$conf" --sender gw@corp.example \
	    --recipient webmail@webmail.local <"$1" 2>"$T/stderr"
	rc=$?
	# Notices wait in the database for the sender: hand them over now.
	wm-notify -c "$conf" flush --window 0 >/dev/null 2>&1
	newlines=$(tail -n +"$((before + 1))" "$log")
	newmail=$(( $(ls "$box/outbox" | grep -c '\.eml$') - out_before ))
}
stored() {	# stored ADDRESS: how many messages the index holds for ADDRESS
	sqlite3 "$box/wm.db" "SELECT count(*) FROM messages WHERE mailbox = '$1'"
}
accepted() {	# accepted NAME FILE RCPT
	deliver "$2"
	is "$rc" 0 "$1: exit 0"
	like "$newlines" "recipient=$3 key=[0-9a-f]{64} stored" "$1: stored"
	is "$(stored "$3")" 1 "$1: indexed once"
}
refused() {	# refused NAME FILE REASON-REGEX: postmaster copy with the reason
	deliver "$2"
	is "$rc" 0 "$1: exit 0 (handed to the postmaster)"
	like "$newlines" "refused: .*$3" "$1: the log says why"
	is "$newmail" 1 "$1: postmaster copy submitted"
	last_report=$(ls -t "$box"/outbox/*.eml | head -1)
}
certs_in() {	# certs_in DER: how many certificates a signature carries
	openssl cms -cmsout -print -inform DER -in "$1" 2>/dev/null |
	    grep -c 'cert_info:'
}

# --- 1. gpgsm tunnels, the signer left out or included ---
n=0
for inc in -2 1; do
	for mode in opaque detached; do
		n=$((n + 1))
		gpgsm_tunnel gateway $mode $inc u$n@customer.example >g$n.eml
		want=0
		[ "$inc" = 1 ] && want=1
		is "$(certs_in sig.der)" $want "gpgsm --include-certs $inc $mode: $want certificates in the signature"
		accepted "gpgsm --include-certs $inc $mode" g$n.eml u$n@customer.example
	done
done
gpgsm_tunnel stranger opaque -2 nobody@customer.example >stranger.eml
refused "gpgsm signer found nowhere" stranger.eml \
    "signer certificate neither in the message nor among the box's certificates \(issuer .*stranger gateway"
is "$(stored nobody@customer.example)" 0 "the stranger's tunnel is not stored"
gpgsm_tunnel stranger opaque 1 nobody@customer.example >stranger1.eml
refused "gpgsm stranger with its certificate" stranger1.eml "untrusted signer"

# --- 2. EC relay keys, made by wm-pki and imported ---
seal() {	# seal RECIPIENT_CERT [cipher] < entity: stock openssl cms
	openssl cms -sign -binary -nodetach -signer gateway.pem -inkey gateway.key |
	    openssl cms -encrypt -binary "${2:--aes256}" -from gw@corp.example \
		-to webmail@webmail.local -subject tunnel "$1"
}
for kind in ec-p256 ec-p384; do
	check "wm-pki webmail-cert --create --key $kind" wm-pki -c "$conf" webmail-cert --create --key $kind
	wm-pki -c "$conf" webmail-cert >relay-$kind.pem
	like "$(openssl x509 -noout -text -in relay-$kind.pem)" "${kind#ec-p}.*bit|NIST CURVE: P-${kind#ec-p}" "$kind: the current relay certificate has an EC key"
	like "$(openssl x509 -noout -ext keyUsage -in relay-$kind.pem)" "Key Agreement" "$kind: key usage keyAgreement"
	envelope ec-$kind@customer.example | seal relay-$kind.pem >ec-$kind.eml
	like "$(openssl cms -cmsout -print -in ec-$kind.eml)" "d.kari" "$kind: openssl made a key-agreement recipient"
	accepted "openssl tunnel to the $kind relay key" ec-$kind.eml ec-$kind@customer.example
done
check_fails "wm-pki webmail-cert --key without --create is a usage error" 64 \
    wm-pki -c "$conf" webmail-cert --key ec-p256
check_fails "wm-pki webmail-cert --create --key dsa is a usage error" 64 \
    wm-pki -c "$conf" webmail-cert --create --key dsa
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecimp.key \
    -out ecimp.pem -days 365 -subj "/CN=imported EC relay" \
    -addext "keyUsage=critical,keyAgreement" 2>/dev/null
openssl pkcs12 -export -inkey ecimp.key -in ecimp.pem -passout pass:$PASS -out ecimp.p12
printf '%s' "$PASS" | wm-pki -c "$conf" import --password-stdin ecimp.p12 >/dev/null
is "$(wm-pki -c "$conf" webmail-cert | openssl x509 -noout -fingerprint)" \
    "$(openssl x509 -noout -fingerprint -in ecimp.pem)" "an imported EC relay key (PKCS#12) is handed out"
envelope ecimp@customer.example | seal ecimp.pem >ecimp.eml
accepted "openssl tunnel to the imported EC relay key" ecimp.eml ecimp@customer.example
envelope gcmec@customer.example | seal ecimp.pem -aes-128-gcm >gcmec.eml
accepted "AES-128-GCM tunnel to the EC relay key" gcmec.eml gcmec@customer.example
# A key delivery could not use is never accepted as a relay key.
for kt in ed25519 rsa-pss; do
	openssl req -x509 -newkey $kt -nodes -keyout bad-$kt.key -out bad-$kt.pem -days 30 \
	    -subj "/CN=$kt relay" 2>/dev/null
	out=$(cat bad-$kt.pem bad-$kt.key | wm-pki -c "$conf" import - 2>&1)
	is "$?" 65 "an $kt relay key is refused at import"
	like "$out" "key refused: it cannot open tunnels" "the refusal says why ($kt)"
done
is "$(wm-pki -c "$conf" webmail-cert | openssl x509 -noout -fingerprint)" \
    "$(openssl x509 -noout -fingerprint -in ecimp.pem)" "the refused keys changed nothing"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecother.key \
    -out ecother.pem -days 365 -subj "/CN=someone elses EC" 2>/dev/null
envelope ecother@customer.example | seal ecother.pem >ecother.eml
refused "tunnel to another EC certificate" ecother.eml \
    "encrypted to another certificate \(key-agreement recipient, issuer .*someone elses EC"
envelope rsaother@customer.example | seal stranger.pem >rsaother.eml
refused "tunnel to another RSA certificate" rsaother.eml \
    "encrypted to another certificate \(key-transport recipient, issuer .*stranger gateway"

# --- 3. AES-GCM: a tampered tunnel fails authentication ---
envelope gcm@customer.example | seal webmail.pem -aes-256-gcm >gcm.eml
like "$(openssl cms -cmsout -print -in gcm.eml)" "authEnvelopedData|id-smime-ct-authEnvelopedData" "openssl made AuthEnvelopedData"
python3 - gcm.eml gcm-bad.eml <<'PY'
import base64, sys
raw = open(sys.argv[1], 'rb').read()
head, body = raw.split(b'\n\n', 1) if b'\n\n' in raw else raw.split(b'\r\n\r\n', 1)
der = bytearray(base64.b64decode(body))
der[len(der) * 2 // 3] ^= 0x01	# inside the encrypted content
b = base64.encodebytes(bytes(der))
open(sys.argv[2], 'wb').write(head + b'\n\n' + b)
PY
refused "tampered AES-GCM tunnel" gcm-bad.eml "authentication of the content failed \\(AES-256-GCM tag mismatch"
accepted "untampered AES-GCM tunnel" gcm.eml gcm@customer.example

# --- 4. content ciphers weaker than AES ---
envelope des3@customer.example | seal webmail.pem -des3 >des3.eml
refused "3DES tunnel by default" des3.eml "weak content cipher DES-EDE3-CBC refused"
like "$(cat "$last_report")" "DES-EDE3-CBC" "the postmaster report names the cipher"
is "$(stored des3@customer.example)" 0 "the 3DES tunnel is not stored"
envelope des@customer.example |
    openssl cms -sign -binary -nodetach -signer gateway.pem -inkey gateway.key |
    openssl cms -encrypt -binary -des -provider legacy -provider default webmail.pem >des.eml
refused "DES tunnel by default" des.eml "weak content cipher DES-CBC refused"
check "wm-prefs set legacy-content-ciphers yes" wm-prefs -c "$conf" set legacy-content-ciphers yes
accepted "3DES tunnel with legacy-content-ciphers" des3.eml des3@customer.example
accepted "DES tunnel with legacy-content-ciphers" des.eml des@customer.example
wm-prefs -c "$conf" set legacy-content-ciphers no >/dev/null

# --- 5. the commands of wm-tunnel(5), exactly as the page shows them ---
# The EXAMPLES section's .EX blocks, unescaped, one file each.
awk '/^\.SH EXAMPLES/{on=1} /^\.SH NOTES/{on=0} on&&/^\.EE/{n++; p=0} on&&p{print > ("block" n ".sh")} on&&/^\.EX/{p=1}' \
    n=1 "$TOP/man/wm-tunnel.5"
for f in block*.sh; do sed -i 's/\\e/\\/g; s/\\-/-/g' "$f"; done
is "$(ls block*.sh | wc -l)" 4 "wm-tunnel(5) shows four command blocks"
# The page's sendmail line hands the tunnel to the box.
mkdir -p bin
printf '#!/bin/sh\n[ "$1" = -f ] || exit 64\nexec wm-deliver -c %s --sender "$2" --recipient "$3"\n' "$conf" >bin/sendmail
chmod 755 bin/sendmail
# A gateway PKI with a root, for the -CAfile root.pem form.
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 365 \
    -subj "/CN=Gateway Root" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
mkdir -p ca && cd ca || exit 1
openssl req -newkey rsa:2048 -nodes -keyout gateway.key -out gw.csr \
    -subj "/CN=gw/emailAddress=gw@corp.example" 2>/dev/null
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n' >ext.cnf
openssl x509 -req -days 30 -in gw.csr -CA ../root.pem -CAkey ../root.key -set_serial 7 \
    -extfile ext.cnf -out gateway.pem 2>/dev/null
cp ../webmail.pem ../webmail.key ../root.pem .
wm-pki -c "$conf" import --root root.pem >/dev/null
printf 'From: alice@corp.example\r\nTo: bob@customer.example\r\nSubject: recipe\r\n\r\nrecipe body\r\n' >original.eml
PATH=$gw/bin:$PATH bash ../block1.sh
is "$?" 0 "wm-tunnel(5) block 1 (the recipe, ending in sendmail) runs"
like "$(tail -1 "$log")" "recipient=bob@customer.example key=[0-9a-f]{64} stored" "the recipe's tunnel was delivered"
check "wm-tunnel(5) block 2 (look inside) verifies the recipe's tunnel" bash ../block2.sh
# A gpgsm detached tunnel: CRLF multipart/signed needs -crlfeol.
cd "$gw" || exit 1
mkdir -p look && cp webmail.pem webmail.key gateway.pem original.eml look/
cp root.pem look/
gpgsm_tunnel gateway detached 1 look@customer.example >look/tunnel.eml
cd look || exit 1
openssl cms -decrypt -binary -recip webmail.pem -inkey webmail.key -in tunnel.eml -out signed.eml
sed 's/-CAfile root.pem/-CAfile gateway.pem -partial_chain/' ../block2.sh | tail -1 >plain-verify.sh
check_fails "without -crlfeol openssl cannot verify gpgsm's CRLF multipart/signed" 4 bash plain-verify.sh
# block 3 names root.pem: the whitelisted self-signed gateway is its own root here.
cp gateway.pem root.pem
check "wm-tunnel(5) block 3 (-crlfeol) verifies gpgsm's detached tunnel" bash ../block3.sh
gpgsm_tunnel gateway detached -2 look2@customer.example >tunnel.eml
openssl cms -decrypt -binary -recip webmail.pem -inkey webmail.key -in tunnel.eml -out signed.eml
check "wm-tunnel(5) block 4 (-certfile) verifies gpgsm's tunnel without the signer" bash ../block4.sh
cd "$gw" || exit 1

done_testing
