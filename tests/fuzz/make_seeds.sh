#!/bin/sh
# make_seeds.sh - (re)writes the seed corpora tests/fuzz/corpus/TARGET/ that
# are committed with the targets: mails from the shared MIME corpus (the
# smallest ones, so the fuzzer starts from real structure), tunnel entities
# made from them, certificates, CRLs and PKCS#12 made with openssl
# (tests/make_pki.sh), addresses, HTML and token/mail texts.  What fuzzing
# finds is kept apart, in tests/out/fuzz/TARGET (see tests/fuzz/run).
# Usage: tests/fuzz/make_seeds.sh [SHARED_CORPUS_DIR]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-${WM_CORPUS:-$top/../shared/corpus/mime}}
c=$top/tests/fuzz/corpus
[ -d "$src" ] || { echo "make_seeds: no corpus at $src" >&2; exit 1; }
rm -rf "$c"
mkdir -p "$c/fuzz_mime" "$c/fuzz_view" "$c/fuzz_tunnel" "$c/fuzz_pki" \
    "$c/fuzz_address" "$c/fuzz_sanitize" "$c/fuzz_token" "$c/fuzz_smime"

# Mails: the 16 smallest of the shared corpus (under 16 KiB).
mails=$(find "$src" -maxdepth 1 -type f -name '*.txt' -size -16k -printf '%s %p\n' |
    sort -n | head -16 | cut -d' ' -f2)
for m in $mails; do
	n=$(basename "$m" .txt)
	cp "$m" "$c/fuzz_mime/$n"
	cp "$m" "$c/fuzz_view/$n"
done

# Tunnel entities (wm-tunnel(5)): the envelope headers, then a mail.
i=0
for m in $(echo "$mails" | head -6); do
	i=$((i + 1))
	{
		printf 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n'
		printf 'WM-Envelope-Sender: alice@corp.example\r\n'
		printf 'WM-Envelope-Recipient: bob@customer.example\r\n'
		[ $((i % 2)) -eq 0 ] && printf 'WM-Envelope-Recipient: carol@other.example\r\nWM-Read-Receipt: yes\r\n'
		[ $((i % 3)) -eq 0 ] && printf 'WM-Expires: 2027-01-31T00:00:00Z\r\n'
		printf '\r\n'
		cat "$m"
	} >"$c/fuzz_tunnel/tunnel$i"
done

# Certificates, CRLs, PKCS#12.
pki=$(mktemp -d)
trap 'rm -rf "$pki"' EXIT
sh "$top/tests/make_pki.sh" "$pki"
for f in root.pem gateway.pem gateway.der signer.pem webmail.pem root.crl \
    root.crl.der relay.p12 relay-nopass.p12; do
	cp "$pki/$f" "$c/fuzz_pki/$f"
done
cat "$pki/gateway.pem" "$pki/root.pem" >"$c/fuzz_pki/chain.pem"
cat "$pki/webmail.key" "$pki/webmail.pem" >"$c/fuzz_pki/key-and-cert.pem"

# S/MIME: tunnels sealed to fuzz_smime's fixed test key (made once, kept
# beside the target), opaque and detached, LF and CRLF, and signed entities.
k=$top/tests/fuzz/fuzz_smime.pem
if [ ! -f "$k" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -keyout "$pki/fz.key" \
	    -out "$pki/fz.pem" -subj "/CN=fuzz/emailAddress=fuzz@webmail.local" \
	    -addext keyUsage=critical,digitalSignature,keyEncipherment \
	    -addext extendedKeyUsage=emailProtection 2>/dev/null
	cat "$pki/fz.key" "$pki/fz.pem" >"$k"
fi
s=$c/fuzz_smime
i=0
for m in $(echo "$mails" | head -3); do
	i=$((i + 1))
	for how in "-nodetach" "" "-nodetach -crlfeol" "-crlfeol"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		openssl cms -sign -binary $how -signer "$k" -in "$m" >"$s/signed$i"
		openssl cms -encrypt -binary -aes256 -in "$s/signed$i" "$k" >"$s/sealed$i"
	done
done

# Addresses.
a=$c/fuzz_address
printf 'bob@example.com' >"$a/plain"
printf 'Bob.Smith+tag@Sub.Example.COM' >"$a/case"
printf '"quoted local"@example.com' >"$a/quoted"
printf 'user@[127.0.0.1]' >"$a/literal"
printf 'j\303\274rgen@b\303\274cher.example' >"$a/utf8"
printf 'a/../b@example.com' >"$a/slash"

# HTML for the sanitiser.
h=$c/fuzz_sanitize
printf '<p>Hello <b>world</b> <a href="https://example.com/">link</a></p>' >"$h/simple.html"
printf '<div onclick="x()"><script>alert(1)</script><img src="cid:a" onerror="y()"></div>' >"$h/script.html"
printf '<style>p{color:red;background:url(http://x/)}</style><p style="width:expression(1)">s</p>' >"$h/style.html"
printf '<table><tr><td><form action="/x"><input name=a></form></td></tr></table><svg><a xlink:href="javascript:1">x</a></svg>' >"$h/forms.html"
printf '<html><head><meta http-equiv="refresh" content="0;url=http://x/"><base href="http://x/"></head><body><iframe src="http://x/"></iframe>\r\n<!-- c --></body></html>' >"$h/head.html"

# Tokens and mail texts for the template checker.
t=$c/fuzz_token
printf 'Ym9iQGV4YW1wbGUuY29tLjE3OTk5OTk5OTkuc2lnbnVw.aGVsbG8' >"$t/token"
printf 'AAEC_-8' >"$t/b64url"
for m in "$top"/templates/mail/*; do
	[ -f "$m" ] && cp "$m" "$t/template-$(basename "$m")"
done
printf 'From: Webmail <noreply@webmail.example>\nTo: bob@example.com\nSubject: Hi\nX-WM-System-Mail: 1.abc.def\n\nBody\n' >"$t/mail"
printf 'From: Webmail <noreply@webmail.example>\nTo: j\303\266rg@b\303\274cher.example\nSubject: Hi\n\nBody\n' >"$t/mail-utf8-address"
echo "seeds: $(find "$c" -type f | wc -l) files, $(du -sk "$c" | cut -f1) KiB"
