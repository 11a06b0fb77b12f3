#!/bin/bash
# bench/portal.sh - the webmail portal served by the instance's own lighttpd,
# measured with wrk over HTTPS on loopback against a hello-world C CGI served
# by the same lighttpd in the same run:
#   - the inbox page (first page) of a mailbox of 10,000 mails against the
#     hello CGI: req/s of both and their ratio (target >= 0.5);
#   - the inbox page at 1,000, 10,000 and 100,000 mails: its cost must not
#     grow with the mailbox (and, for reference, the last page at 100,000);
#   - the message view of a 1 MB mail (text body; attachment): p50 and p99
#     latency of one client.
# The mailbox is filled directly: index rows in one SQLite transaction and a
# small maildir file per row (the message view reads it).
# Prints figures; never fails on a figure.
#
# Environment: WM_BIN (default build/bin), BENCH_SECONDS (10 per point),
# BENCH_THREADS (2), BENCH_CONNECTIONS (8), BENCH_KEEP=1 keeps the instance.
set -u
source "$(dirname "$0")/../tests/lib.sh"
source "$TOP/tests/instance.sh"
SECS=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-8}
ADDR=bob@bench.example
PASS=Bench-Horse-Battery-9

for t in wrk curl python3 sqlite3; do
	command -v $t >/dev/null || { echo "portal bench: $t is missing (sh scripts/deps)"; exit 1; }
done
for p in wm-init wm-ctl wm-user; do
	[ -x "$BIN/$p" ] || { echo "portal bench: $BIN/$p missing (make all)"; exit 1; }
done
[ -x "$(dirname "$BIN")/cgi/portal.cgi" ] ||
    { echo "portal bench: $(dirname "$BIN")/cgi/portal.cgi missing (make all)"; exit 1; }

if [ "${BENCH_KEEP:-0}" = 1 ]; then
	T=$(mktemp -d /tmp/wmbench.XXXXXX)
	chmod 755 "$T"
	echo "# instance kept in $T"
else
	T=$(scratch)
fi
inst=$T/inst
conf=$inst/wm.conf
"$BIN/wm-init" "$inst" >/dev/null || { echo "portal bench: wm-init failed"; exit 1; }
db=$(instance_db "$inst")
user=$(sed -n '/^\[instance\]/,/^\[/s/^user = //p' "$conf")
port=$(instance_port "$inst" portal)

# The baseline: hello.cgi on a listener of its own in the same lighttpd, with
# the same TLS setup as the portal's.  Built with `make bench`; compiled here
# when only `make all` ran.
mkdir -p "$T/hello"
hello=$(dirname "$BIN")/bench/hello
if [ -x "$hello" ]; then
	cp "$hello" "$T/hello/hello.cgi"
else
	${CC:-cc} -O2 -o "$T/hello/hello.cgi" "$TOP/bench/hello.c" ||
	    { echo "portal bench: cannot build bench/hello.c"; exit 1; }
fi
chmod 755 "$T/hello" "$T/hello/hello.cgi"
hport=$(free_port)
lconf=$(sed -n '/^\[paths\]/,/^\[/s/^lighttpd = //p' "$conf")
case "$lconf" in /*) ;; *) lconf=$inst/$lconf ;; esac
pem=$(sed -n '/^\[paths\]/,/^\[/s/^tls-cert = //p' "$conf")
case "$pem" in /*) ;; *) pem=$inst/$pem ;; esac
cat >"$T/hello/bench.conf" <<EOC
\$SERVER["socket"] == "127.0.0.1:$hport" {
	ssl.engine = "enable"
	ssl.pemfile = "$pem"
	alias.url = ( "/hello.cgi" => "$T/hello/hello.cgi" )
	url.rewrite-once = ( "^/(.*)\$" => "/hello.cgi" )
}
EOC
echo "include \"$T/hello/bench.conf\"" >>"$lconf"

on_exit "'$BIN/wm-ctl' -c '$conf' stop lighttpd"
"$BIN/wm-ctl" -c "$conf" start lighttpd >/dev/null ||
    { echo "portal bench: lighttpd did not start"; cat "$inst"/log/lighttpd.log; exit 1; }
P=https://127.0.0.1:$port
H=https://127.0.0.1:$hport
wait_for 10 curl -skf "$H/" || { echo "portal bench: hello CGI does not answer"; exit 1; }

# A user, logged in once through the form: the CSRF cookie, then the POST.
"$BIN/wm-user" -c "$conf" add "$ADDR" >/dev/null &&
    printf '%s\n' "$PASS" | "$BIN/wm-user" -c "$conf" set-password --force "$ADDR" >/dev/null ||
    { echo "portal bench: cannot create $ADDR"; exit 1; }
jar=$T/cookies
curl -sk -c "$jar" -o /dev/null "$P/portal/login"
pre=$(awk '$6 == "wmcsrf" { print $7 }' "$jar")
curl -sk -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$pre" \
    --data-urlencode "address=$ADDR" --data-urlencode "password=$PASS" "$P/portal/login"
sid=$(awk '$6 == "wmsession" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "portal bench: login failed"; exit 1; }
# Both cookies, as a browser sends them after logging in.
COOKIE="Cookie: wmcsrf=$pre; wmsession=$sid"
box=$(ls -d "$inst"/mail/*/ | head -1)
# The portal runs as the instance user (older wm-user left root's maildirs).
chown -R "$user:" "$box"

# fill N: the mailbox grows to N mails (rows and files), as the wm user.
fill() {
	runuser -u "$user" -- python3 - "$db" "$box" "$ADDR" "$1" <<'EOF'
import os, sqlite3, sys
db, box, addr, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = sqlite3.connect(db, timeout=30)
have = c.execute("SELECT count(*) FROM messages WHERE mailbox = ? AND file LIKE 'cur/bench.%'",
    (addr,)).fetchone()[0]
rows = []
for i in range(have + 1, want + 1):
    name = "cur/bench.%d:2,S" % i
    data = ("From: Alice <alice@corp.example>\r\nTo: %s\r\nSubject: Bench message %d\r\n"
        "Message-ID: <bench.%d@corp.example>\r\n\r\nbody %d\r\n" % (addr, i, i, i)).encode()
    with open(os.path.join(box, name), "wb") as f:
        f.write(data)
    rows.append((addr, name, "%064x" % i, "Alice <alice@corp.example>", addr,
        "Bench message %d" % i, "<bench.%d@corp.example>" % i, 1600000000 + i,
        1600000000 + i, len(data), i % 7 == 0, i % 10 != 0))
with c:
    c.executemany("INSERT INTO messages (mailbox, folder, file, delivery_key, from_addr,"
        " to_addr, subject, message_id, date, received, size, has_attachments, seen)"
        " VALUES (?, 'inbox', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
c.close()
EOF
}

# big KIND: a 1 MB mail (text: the body; attach: a short body and a 1 MB
# attachment) in the mailbox, older than every bench message; prints its id.
big() {
	runuser -u "$user" -- python3 - "$db" "$box" "$ADDR" "$1" <<'EOF'
import base64, os, random, sqlite3, sys
db, box, addr, kind = sys.argv[1:5]
head = ("From: Carol <carol@corp.example>\r\nTo: %s\r\nSubject: Big %s mail\r\n"
    "Date: Tue, 01 Sep 2020 10:00:00 +0000\r\nMessage-ID: <big.%s@corp.example>\r\n"
    "MIME-Version: 1.0\r\n" % (addr, kind, kind))
random.seed(1)
words = ["alpha", "beta", "gamma", "delta", "report", "figures", "quarter", "<b>&amp;"]
if kind == "text":
    lines = []
    n = 0
    while n < 1 << 20:
        l = " ".join(random.choice(words) for _ in range(12))
        lines.append(l)
        n += len(l) + 2
    mail = head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + "\r\n".join(lines) + "\r\n"
else:
    b = base64.encodebytes(os.urandom(786432)).decode().replace("\n", "\r\n")
    mail = (head + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nThe figures are attached.\r\n--b1\r\n"
        "Content-Type: application/pdf; name=\"figures.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"figures.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b + "--b1--\r\n")
data = mail.encode()
name = "cur/big.%s:2,S" % kind
with open(os.path.join(box, name), "wb") as f:
    f.write(data)
c = sqlite3.connect(db, timeout=30)
with c:
    cur = c.execute("INSERT INTO messages (mailbox, folder, file, from_addr, to_addr, subject,"
        " message_id, date, received, size, has_attachments, seen) VALUES (?, 'inbox', ?,"
        " 'Carol <carol@corp.example>', ?, ?, ?, 1598954400, 1500000000, ?, ?, 1)",
        (addr, name, addr, "Big %s mail" % kind, "<big.%s@corp.example>" % kind, len(data),
        kind != "text"))
print(cur.lastrowid)
c.close()
EOF
}

declare -A RPS LAT
# run NAME URL [wrk options]: one wrk point; req/s in RPS[NAME], the latency
# distribution line in LAT[NAME]; warns when answers were not 2xx.
run() {
	local name=$1 url=$2 out bad
	shift 2
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s -H "$COOKIE" "$@" "$url" 2>&1)
	RPS[$name]=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
	LAT[$name]=$(printf '%s\n' "$out" | awk '/^ +(50|99)%/ { printf "%s=%s ", $1, $2 }')
	bad=$(printf '%s\n' "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p')
	[ -n "$bad" ] && echo "# warning: $name: $bad answers were not 2xx/3xx"
	printf '%s\n' "$out" | grep -q 'Socket errors' &&
	    echo "# warning: $name: $(printf '%s\n' "$out" | grep 'Socket errors')"
	printf '%-22s %8s req/s  %s\n' "$name" "${RPS[$name]:-?}" "${LAT[$name]}"
}

# page_ok URL TEXT: the page answers 200 and shows TEXT (not a login form).
page_ok() {
	local body code
	body=$(curl -sk -H "$COOKIE" -w '\n%{http_code}' "$1")
	code=${body##*$'\n'}
	[ "$code" = 200 ] && printf '%s' "$body" | grep -qF -- "$2"
}

ratio() {	# ratio A B: A/B with two decimals
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'
}

echo "# wrk -t$THREADS -c$CONNS -d${SECS}s over HTTPS on 127.0.0.1, lighttpd $(lighttpd -v 2>/dev/null | sed 's/ .*//;s/.*\///'), $(nproc) CPUs"
text_id=$(big text)
attach_id=$(big attach)
for n in 1000 10000 100000; do
	s=$(date +%s%N)
	fill $n
	printf '# mailbox filled to %d mails in %.1f s\n' "$n" "$(( ($(date +%s%N) - s) / 1000000 ))e-3"
	page_ok "$P/portal/inbox" "Bench message $n" ||
	    echo "# warning: the inbox page does not show the newest message at $n"
	run "inbox $n" "$P/portal/inbox"
	[ $n = 10000 ] && run hello "$H/"
done
last=$(( (100000 + 2 + 24) / 25 ))
page_ok "$P/portal/inbox?p=$last" "Big text mail" ||
    echo "# warning: the last inbox page does not show the oldest mail"
run "inbox 100000 last page" "$P/portal/inbox?p=$last"

view=yes
for k in text attach; do
	id=${k}_id
	code=$(curl -sk -H "$COOKIE" -o /dev/null -w '%{http_code}' "$P/portal/msg/${!id}")
	if [ "$code" != 200 ]; then
		echo "# message view: HTTP $code for /portal/msg/${!id}; not measured"
		view=no
		continue
	fi
	THREADS=1 CONNS=1 run "view 1MB $k" "$P/portal/msg/${!id}" --latency
done

echo "== summary (portal)"
printf 'hello CGI:                  %s req/s\n' "${RPS[hello]:-?}"
printf 'inbox, 10,000 mails:        %s req/s  ratio to hello %s (target >= 0.5)\n' \
    "${RPS[inbox 10000]:-?}" "$(ratio "${RPS[inbox 10000]:-}" "${RPS[hello]:-}")"
printf 'inbox, 1,000 mails:         %s req/s\n' "${RPS[inbox 1000]:-?}"
printf 'inbox, 100,000 mails:       %s req/s  (100k/1k: %s, flat = 1.00)\n' \
    "${RPS[inbox 100000]:-?}" "$(ratio "${RPS[inbox 100000]:-}" "${RPS[inbox 1000]:-}")"
printf 'inbox last page, 100,000:   %s req/s\n' "${RPS[inbox 100000 last page]:-?}"
if [ $view = yes ]; then
	printf 'view 1 MB text mail:        %s\n' "${LAT[view 1MB text]:-?}"
	printf 'view 1 MB attachment mail:  %s\n' "${LAT[view 1MB attach]:-?}"
else
	echo "view 1 MB mail:             not available (message view not wired)"
fi
exit 0
