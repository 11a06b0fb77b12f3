#!/bin/bash
# pki.sh - wm-pki on certificates made with the openssl command line
# (req, ca, x509, pkcs12): a trusted chain and a whitelisted self-signed
# signer are accepted; an unknown self-signed, a revoked, an expired and a
# server-only certificate are refused with the reason; PKCS#12 with its
# password on a descriptor; CRLs; the relay certificate; JSON and exit codes.
source "$(dirname "$0")/../lib.sh"

T=$(scratch)
export WM_CONFIG
WM_CONFIG=$(mini_instance "$T/inst")
W=$T/pki
mkdir -p "$W"
cd "$W" || exit 1

source "$TOP/tests/pkica.sh"

mkca "$W/root" "IT Root CA"
issue "$W/root" inter v3_ca
issue "$W/root" alice smime
issue "$W/root" bob smime
issue "$W/root" mallory smime
issue "$W/root" oldie smime -startdate 20200101000000Z -enddate 20210101000000Z
issue "$W/root" web server
# A leaf under the intermediate, and the file a gateway would send: leaf + chain.
csr carol carol@corp.example
openssl x509 -req -in carol.csr -CA inter.pem -CAkey inter.key -CAcreateserial \
    -days 365 -extfile "$W/root/ca.cnf" -extensions smime -out carol.pem 2>/dev/null
cat carol.pem inter.pem >carol-chain.pem
selfsigned gateway
selfsigned stranger
for f in root/ca.pem inter.pem alice.pem oldie.pem web.pem carol.pem gateway.pem; do
	[ -s "$f" ] || not_ok "openssl made $f"
done

# verify NAME FILE WANT_EXIT WANT_REGEX
verify() {
	local out rc
	out=$(wm-pki verify "$2" 2>&1)
	rc=$?
	is "$rc" "$3" "$1: exit $3"
	like "$out" "$4" "$1: says why"
}

check "--help exits 0" wm-pki --help
like "$(wm-pki --version)" "^wm-pki [0-9]" "--version names the program"
check_fails "unknown command is a usage error" 64 wm-pki frobnicate
check_fails "--root and --whitelist together are a usage error" 64 \
    wm-pki import --root --whitelist alice.pem
check_fails "an id must be a number" 64 wm-pki show abc
check_fails "--email needs --create" 64 wm-pki webmail-cert --email a@b.example

check_fails "no relay certificate yet" 69 wm-pki webmail-cert
verify "before any root, a CA-issued signer" alice.pem 65 "untrusted signer"
check_fails "a leaf is refused as a root" 65 wm-pki import --root alice.pem
like "$(wm-pki import --root alice.pem 2>&1)" "not a CA certificate" \
    "refusing a non-CA root says why"
root_id=$(wm-pki import --root root/ca.pem)
like "$root_id" "^[0-9]+$" "import --root prints the id"

verify "trusted chain" alice.pem 0 "^ok$"
verify "trusted chain through an intermediate" carol-chain.pem 0 "^ok$"
verify "intermediate missing from the file" carol.pem 65 "untrusted signer"

verify "unknown self-signed" stranger.pem 65 \
    "untrusted signer \(unknown self-signed certificate\)"
verify "self-signed before whitelisting" gateway.pem 65 "unknown self-signed"
check "import --whitelist" wm-pki import --whitelist gateway.pem
verify "whitelisted self-signed" gateway.pem 0 "^ok$"

verify "expired" oldie.pem 65 "certificate expired"
like "$(WM_NOW=$(( $(date +%s) + 800 * 86400 )) wm-pki verify alice.pem 2>&1)" \
    "certificate expired" "a moved clock (WM_NOW) expires a good certificate"
verify "server-only EKU" web.pem 65 "certificate not valid for S/MIME signing"

verify "before the CRL, the soon revoked one" mallory.pem 0 "^ok$"
openssl ca -config root/ca.cnf -revoke mallory.pem 2>/dev/null
openssl ca -config root/ca.cnf -gencrl -out root.crl 2>/dev/null
check "crl-import (PEM)" wm-pki crl-import root.crl
verify "revoked via imported CRL" mallory.pem 65 "certificate revoked"
verify "same CA, not revoked" alice.pem 0 "^ok$"
like "$(WM_NOW=$(( $(date +%s) + 40 * 86400 )) wm-pki verify alice.pem 2>&1)" \
    "CRL expired" "a CRL past its next update is reported"
openssl crl -in root.crl -outform DER -out root.crl.der
check "crl-import (DER) of the same CRL" wm-pki crl-import root.crl.der
crls=$(wm-pki crl-list --json)
is "$(printf '%s' "$crls" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["revoked"], d[0]["issuer"])')" \
    "1 1 CN=IT Root CA" "crl-list --json: one CRL with one entry"

mkca "$W/evil" "IT Root CA"
openssl ca -config evil/ca.cnf -gencrl -out evil.crl 2>/dev/null
check_fails "a CRL not signed by its issuer's key is refused" 65 wm-pki crl-import evil.crl
check_fails "a certificate is not a CRL" 65 wm-pki crl-import alice.pem

# PKCS#12: password on a descriptor, on standard input, wrong, legacy ciphers.
echo "p12 secret" >pw
openssl pkcs12 -export -in bob.pem -inkey bob.key -passout file:pw -out bob.p12
check_fails "wrong PKCS#12 password" 65 wm-pki import --password-fd 3 bob.p12 3<<<"wrong"
like "$(wm-pki import --password-fd 3 bob.p12 3<<<"wrong" 2>&1)" \
    "wrong PKCS#12 password" "wrong password is named"
bob_id=$(wm-pki import --password-fd 3 bob.p12 3<pw)
like "$bob_id" "^[0-9]+$" "PKCS#12 import with --password-fd"
is "$(wm-pki show "$bob_id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["has_key"])')" \
    "True" "PKCS#12 import stores the key"
is "$(wm-pki import --password-stdin bob.p12 <pw)" "$bob_id" \
    "--password-stdin; the same certificate keeps its id"
openssl pkcs12 -export -legacy -in web.pem -inkey web.key -passout file:pw \
    -out web-legacy.p12 2>/dev/null
check "PKCS#12 with legacy (RC2/3DES) ciphers" wm-pki import --password-fd 3 web-legacy.p12 3<pw
check_fails "there is no option that takes the password on argv" 64 \
    wm-pki import --password "p12 secret" bob.p12

# A PEM file with the certificate and its encrypted PKCS#8 key.
openssl pkcs8 -topk8 -v2 aes256 -in carol.key -passout file:pw -out carol-enc.key
cat carol.pem carol-enc.key >carol-with-key.pem
check_fails "encrypted key without its password is refused" 65 wm-pki import carol-with-key.pem
carol_id=$(wm-pki import --password-fd 3 carol-with-key.pem 3<pw)
is "$(wm-pki show "$carol_id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["has_key"])')" \
    "True" "PEM with an encrypted key: the key is stored"
check "delete it again" wm-pki delete "$carol_id"

openssl x509 -in alice.pem -outform DER -out alice.der
alice_id=$(wm-pki import alice.der)
like "$alice_id" "^[0-9]+$" "DER import"
is "$(wm-pki export "$alice_id" | openssl x509 -noout -fingerprint -sha256)" \
    "$(openssl x509 -in alice.pem -noout -fingerprint -sha256)" "export gives the same certificate"
is "$(wm-pki import alice.pem)" "$alice_id" "PEM import of the same certificate: same id"
echo "not a certificate" >junk
check_fails "garbage is refused" 65 wm-pki import junk
is "$(wm-pki import junk 2>&1 | wc -l)" "1" "the refusal is one line"
check_fails "a missing file" 66 wm-pki import "$W/nope.pem"
check_fails "show of a missing id" 66 wm-pki show 9999

json=$(wm-pki list --json)
is "$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(c["root"] for c in d), sum(c["whitelisted"] for c in d), sum(c["has_key"] for c in d))')" \
    "1 1 2" "list --json parses: one root, one whitelisted, two keys"
like "$(wm-pki list)" "root.*CN=IT Root CA" "list shows the root"
check "show --json parses" sh -c "wm-pki show $root_id --json | python3 -m json.tool"

check "delete" wm-pki delete "$bob_id"
check_fails "deleted certificate is gone" 66 wm-pki show "$bob_id"
check_fails "deleting it again" 66 wm-pki delete "$bob_id"

# The relay recipient certificate (guide 6.4).
wm-pki webmail-cert --create >relay.pem
is "$?" "0" "webmail-cert --create"
like "$(openssl x509 -in relay.pem -noout -text)" "Public-Key: \(3072 bit\)" "relay key is RSA 3072"
like "$(openssl x509 -in relay.pem -noout -ext subjectAltName)" "email:webmail@webmail.local" \
    "relay certificate defaults to the relay recipient address"
like "$(openssl x509 -in relay.pem -noout -subject)" "CN = Webmail relay recipient certificate" \
    "relay certificate has the guide's subject"
wm-pki webmail-cert --create --email relay@box.example --subject "Box relay" >relay2.pem
like "$(openssl x509 -in relay2.pem -noout -ext subjectAltName)" "email:relay@box.example" \
    "--email sets the address"
is "$(wm-pki webmail-cert)" "$(cat relay2.pem)" "webmail-cert prints the newest"
if grep -rq "PRIVATE" relay.pem relay2.pem <(wm-pki list) <(wm-pki export "$root_id"); then
	not_ok "no private key is ever printed"
else
	ok "no private key is ever printed"
fi
like "$(sqlite3 "$T/inst/wm.db" "SELECT COUNT(*) FROM private_keys WHERE purpose = 'relay'")" \
    "^3$" "relay keys stored (two created, one imported)"

page=$TOP/man/wm-pki.8
is "$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)" "" "man -l man/wm-pki.8 renders without warnings"
like "$(MANWIDTH=80 man -l "$page" 2>/dev/null)" "webmail-cert" "the man page documents webmail-cert"
done_testing
