# pkica.sh - test CAs made with the openssl command line (req, ca): sourced
# by the tests that need certificates, CRLs and S/MIME signers.

# mkca DIR CN: a CA directory for `openssl ca` with a self-signed root.
mkca() {
	local d=$1 cn=$2
	mkdir -p "$d/newcerts"
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	echo 01 >"$d/crlnumber"
	cat >"$d/ca.cnf" <<EOF
[ca]
default_ca = testca
[testca]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = loose
unique_subject = no
[loose]
commonName = supplied
emailAddress = optional
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[smime]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.pem" -subj "/CN=$cn" -days 3650 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# csr NAME EMAIL: a key and a certificate request
csr() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$1/emailAddress=$2" 2>/dev/null
}

# issue CADIR NAME EXTENSIONS [openssl ca options...]
issue() {
	local d=$1 name=$2 ext=$3
	shift 3
	csr "$name" "$name@corp.example"
	openssl ca -batch -notext -config "$d/ca.cnf" -extensions "$ext" \
	    -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
}

# selfsigned NAME: what `openssl req -x509` makes for an S/MIME signer
selfsigned() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.pem" -subj "/CN=$1/emailAddress=$1@corp.example" \
	    -days 365 -addext "extendedKeyUsage=emailProtection" 2>/dev/null
}

