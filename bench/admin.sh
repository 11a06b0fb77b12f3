#!/bin/bash
# bench/admin.sh - the console's status page served by the instance's own
# lighttpd (admin.cgi as FastCGI, the instance's Postfix running), measured
# with wrk over HTTPS on loopback against a hello-world C CGI on another
# listener of the same lighttpd in the same run, at 1,000, 10,000 and
# 100,000 users (each with a mailbox of one mail, so 100,000 messages at the
# end) and a year of delivery metrics.  Prints req/s, the ratio to the hello
# CGI (target >= 0.5) and the ratio of the 100,000 point to the 1,000 point
# (target: about 1, no growth).  Never fails on a figure.
#
# Environment: WM_BIN (default build/bin), BENCH_SECONDS (10 per point),
# BENCH_THREADS (2), BENCH_CONNECTIONS (8).
set -u
source "$(dirname "$0")/../tests/lib.sh"
source "$TOP/tests/instance.sh"
SECS=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-8}
PW=Bench-Quiet-Falcon-77

for t in wrk curl python3; do
	command -v $t >/dev/null || { echo "admin bench: $t is missing (sh scripts/deps)"; exit 1; }
done
[ -x "$(dirname "$BIN")/cgi/admin.cgi" ] ||
    { echo "admin bench: admin.cgi missing (make all)"; exit 1; }

T=$(scratch)
inst=$T/inst
conf=$inst/wm.conf
"$BIN/wm-init" --capture-outbound "$inst" >/dev/null || { echo "admin bench: wm-init failed"; exit 1; }
db=$(instance_db "$inst")
user=$(sed -n '/^\[instance\]/,/^\[/s/^user = //p' "$conf")

# The baseline: bench/hello.c as a CGI on its own listener, same TLS.
mkdir -p "$T/hello"
${CC:-cc} -O2 -o "$T/hello/hello.cgi" "$TOP/bench/hello.c" ||
    { echo "admin bench: cannot build bench/hello.c"; exit 1; }
chmod 755 "$T/hello" "$T/hello/hello.cgi"
hport=$(free_port)
cat >"$T/hello/bench.conf" <<EOC
\$SERVER["socket"] == "127.0.0.1:$hport" {
	ssl.engine = "enable"
	ssl.pemfile = "$inst/tls/server.pem"
	alias.url = ( "/hello.cgi" => "$T/hello/hello.cgi" )
	url.rewrite-once = ( "^/(.*)\$" => "/hello.cgi" )
}
EOC
echo "include \"$T/hello/bench.conf\"" >>"$inst/lighttpd/lighttpd.conf"
on_exit "'$BIN/wm-ctl' -c '$conf' stop"
"$BIN/wm-ctl" -c "$conf" start >/dev/null || { echo "admin bench: the instance did not start"; exit 1; }
AD=https://127.0.0.1:$(instance_port "$inst" admin)
H=https://127.0.0.1:$hport
wait_for 10 curl -skf "$H/" || { echo "admin bench: hello CGI does not answer"; exit 1; }

# The admin logs in with the default password and changes it, as at a first login.
jar=$T/jar
curl -sk -c "$jar" -o /dev/null "$AD/admin/login"
pre=$(awk '$6 == "wmadmincsrf" { print $7 }' "$jar")
curl -sk -b "$jar" -c "$jar" -o /dev/null --data "csrf=$pre&name=admin&password=admin" "$AD/admin/login"
csrf=$(curl -sk -b "$jar" "$AD/admin/password" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -sk -b "$jar" -c "$jar" -o /dev/null --data "csrf=$csrf&current=admin&password=$PW&password2=$PW" "$AD/admin/password"
sid=$(awk '$6 == "wmadmin" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "admin bench: login failed"; exit 1; }
COOKIE="Cookie: wmadmin=$sid"

# fill N: N users, each with a one-mail mailbox (index row), and a year of
# delivery metrics once; as the wm user, in one transaction.
fill() {
	runuser -u "$user" -- python3 - "$db" "$1" <<'PY'
import sqlite3, sys
db, want = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db, timeout=30)
have = c.execute("SELECT count(*) FROM users").fetchone()[0]
with c:
    c.executemany("INSERT INTO users (address, domain, created) VALUES (?, 'bench.example', 1700000000)",
        (("u%d@bench.example" % i,) for i in range(have, want)))
    c.executemany("INSERT INTO messages (mailbox, folder, file, from_addr, subject, received, size)"
        " VALUES (?, 'inbox', 'cur/x', 'a@corp.example', 'bench', 1700000000, 1000)",
        (("u%d@bench.example" % i,) for i in range(have, want)))
c.close()
PY
}
# A year of deliveries, one every 10 minutes, through the library's own
# metric upsert (wm-deliver's path), once.
year() {
	runuser -u "$user" -- python3 - "$db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time())
sql = ("INSERT INTO metrics (name, step, slot, start, value) VALUES (?1, ?3, (?2 / ?3) % ?4, ?2 / ?3 * ?3, 1)"
    " ON CONFLICT (name, step, slot) DO UPDATE SET value = CASE WHEN start <> excluded.start"
    " THEN excluded.value ELSE value + 1 END, start = excluded.start")
with c:
    for t in range(now - 365 * 86400, now, 600):
        for step, slots in ((300, 288), (3600, 168), (14400, 180)):
            c.execute(sql, ("delivered", t, step, slots))
print(c.execute("SELECT count(*) FROM metrics").fetchone()[0])
c.close()
PY
}
declare -A RPS
run() {	# run NAME URL: one wrk point
	local out bad
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s -H "$COOKIE" "$2" 2>&1)
	RPS[$1]=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
	bad=$(printf '%s\n' "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p')
	[ -n "$bad" ] && echo "# warning: $1: $bad answers were not 2xx/3xx"
	printf '%-22s %8s req/s  %s\n' "$1" "${RPS[$1]:-?}" \
	    "$(printf '%s\n' "$out" | awk '/^ +(50|99)%/ { printf "%s=%s ", $1, $2 }')"
}
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

echo "# wrk -t$THREADS -c$CONNS -d${SECS}s over HTTPS on 127.0.0.1, $(nproc) CPUs"
echo "# metrics rows after a year of deliveries: $(year)"
for n in 1000 10000 100000; do
	fill $n
	curl -sk -H "$COOKIE" "$AD/admin/status" | grep -q "id=\"users\">$n<" ||
	    echo "# warning: the status page does not show $n users"
	run "status $n users" "$AD/admin/status"
	[ $n = 1000 ] && run "graph 30d" "$AD/admin/graph/deliveries.svg?range=30d"
	[ $n = 10000 ] && run hello "$H/"
done
echo "status/hello at 10,000 users:      $(ratio "${RPS[status 10000 users]}" "${RPS[hello]}")  (target >= 0.5)"
echo "status 100,000 / 1,000 users:      $(ratio "${RPS[status 100000 users]}" "${RPS[status 1000 users]}")  (target ~1: no growth)"
