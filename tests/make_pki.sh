#!/bin/sh
# make_pki.sh DIR - writes a small test PKI with stock openssl into DIR:
#   root.key root.pem        a CA (CA:TRUE, keyCertSign, cRLSign)
#   root.crl root.crl.der    its CRL (PEM, DER) revoking revoked.pem
#   gateway.key gateway.pem  an S/MIME signing certificate of gw@corp.example
#                            issued by root (digitalSignature, emailProtection)
#   revoked.key revoked.pem  another one of root's, revoked
#   signer.key signer.pem    a self-signed S/MIME signing certificate
#   webmail.key webmail.pem  a relay recipient certificate (webmail@webmail.local)
#   relay.p12 password-file  webmail's key and certificate as PKCS#12, and its
#                            password; relay-nopass.p12 without one
#   gateway.der              gateway.pem in DER
# Used by the doc-commands test (the files the examples name) and for the
# fuzzing seed corpora (tests/fuzz/make_seeds.sh).
set -eu
d=$1
mkdir -p "$d/ca/newcerts"
cd "$d"
: >ca/index.txt
echo 1000 >ca/serial
echo 01 >ca/crlnumber
cat >ca/ca.cnf <<'EOC'
[ca]
default_ca = testca
[testca]
dir = ca
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = root.pem
private_key = root.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = loose
unique_subject = no
[loose]
commonName = supplied
emailAddress = optional
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[smime]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
EOC
q="-batch -config ca/ca.cnf"
openssl req $q -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout root.key -out root.pem -days 365 -subj "/CN=Test Root" \
    -extensions v3_ca 2>/dev/null
leaf() {	# leaf NAME EMAIL
	openssl req $q -new -newkey rsa:2048 -nodes -keyout "$1.key" \
	    -out "ca/$1.csr" -subj "/CN=$1/emailAddress=$2" 2>/dev/null
	openssl ca $q -in "ca/$1.csr" -out "$1.pem" -extensions smime \
	    -notext 2>/dev/null
}
leaf gateway gw@corp.example
leaf revoked old@corp.example
openssl ca $q -revoke revoked.pem 2>/dev/null
openssl ca $q -gencrl -out root.crl 2>/dev/null
openssl crl -in root.crl -outform DER -out root.crl.der
openssl x509 -in gateway.pem -outform DER -out gateway.der
selfsigned() {	# selfsigned NAME EMAIL
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" \
	    -days 365 -subj "/CN=$1/emailAddress=$2" \
	    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
	    -addext "extendedKeyUsage=emailProtection" \
	    -addext "subjectAltName=email:$2" 2>/dev/null
}
selfsigned signer signer@corp.example
selfsigned webmail webmail@webmail.local
echo "p12 test password" >password-file
openssl pkcs12 -export -inkey webmail.key -in webmail.pem -out relay.p12 \
    -passout file:password-file
openssl pkcs12 -export -inkey webmail.key -in webmail.pem -out relay-nopass.p12 \
    -passout pass:
