#!/bin/bash
# bench/admin_users.sh - the console's Users page (admin.cgi under the
# instance's lighttpd) with wrk over HTTPS on loopback, against the
# hello-world CGI of bench/hello.sh in the same lighttpd and run:
#   - the first page, a page from the middle (keyset ?after=) and a search
#     by part of the address, at 1,000, 10,000 and 100,000 users;
#   - req/s of each, its ratio to hello (target >= 0.5), and whether the
#     cost grows with the number of users (it should not: keyset paging on
#     the address index, no COUNT(*)).
# Users are added directly (one SQLite transaction), as the wm user.
# Prints figures; never fails on a figure.
#
# Environment: WM_BIN (default build/bin), BENCH_SECONDS (10 per point),
# BENCH_THREADS (2), BENCH_CONNECTIONS (8).
set -u
source "$(dirname "$0")/../tests/lib.sh"
source "$TOP/tests/instance.sh"
source "$TOP/bench/hello.sh"
SECS=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-8}
PW=Bench-Console-Lantern-73

for t in wrk curl python3 sqlite3; do
	command -v $t >/dev/null || { echo "admin bench: $t is missing (sh scripts/deps)"; exit 1; }
done
T=$(scratch)
inst=$T/inst
conf=$inst/wm.conf
"$BIN/wm-init" "$inst" >/dev/null || { echo "admin bench: wm-init failed"; exit 1; }
db=$(instance_db "$inst")
user=$(sed -n '/^\[instance\]/,/^\[/s/^user = //p' "$conf")
port=$(instance_port "$inst" admin)
H=$(hello_listener "$T" "$conf" "$inst") || { echo "admin bench: no hello CGI"; exit 1; }
on_exit "'$BIN/wm-ctl' -c '$conf' stop lighttpd"
"$BIN/wm-ctl" -c "$conf" start lighttpd >/dev/null ||
    { echo "admin bench: lighttpd did not start"; exit 1; }
A=https://127.0.0.1:$port/admin
wait_for 10 curl -skf "$H/" || { echo "admin bench: hello CGI does not answer"; exit 1; }

# Log in as admin/admin and choose a password, as a browser would.
jar=$T/cookies
token() { curl -sk -b "$jar" -c "$jar" "$1" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | cut -d'"' -f4; }
t=$(token "$A/login")
curl -sk -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$t" \
    --data "name=admin&password=admin" "$A/login"
t=$(token "$A/password")
curl -sk -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$t" \
    --data "current=admin&password=$PW&password2=$PW" "$A/password"
sid=$(awk '$6 == "wmadmin" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "admin bench: login failed"; exit 1; }
COOKIE="Cookie: wmadmin=$sid"

fill() {	# fill N: the box has N bench users
	runuser -u "$user" -- sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT
	  (SELECT count(*) FROM users WHERE domain = 'bench.example') + 1 UNION ALL
	  SELECT i + 1 FROM n WHERE i < $1) INSERT INTO users (address, domain, created)
	  SELECT printf('user%06d@bench.example', i), 'bench.example', 1600000000 FROM n;"
}

declare -A RPS
run() {	# run NAME URL: one wrk point
	local out bad
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s -H "$COOKIE" "$2" 2>&1)
	RPS[$1]=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
	bad=$(printf '%s\n' "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p')
	[ -n "$bad" ] && echo "# warning: $1: $bad answers were not 2xx/3xx"
	printf '%-22s %8s req/s\n' "$1" "${RPS[$1]:-?}"
}
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

echo "# wrk -t$THREADS -c$CONNS -d${SECS}s over HTTPS on 127.0.0.1, $(nproc) CPUs"
run hello "$H/"
for n in 1000 10000 100000; do
	fill "$n"
	curl -sk -H "$COOKIE" "$A/users" | grep -q 'user000001@bench.example' ||
	    echo "# warning: the users page does not list the bench users"
	mid=$(printf 'user%06d@bench.example' $((n / 2)))
	run "first-$n" "$A/users"
	run "middle-$n" "$A/users?after=$mid"
	run "search-$n" "$A/users?q=$(printf '%06d' $((n - 1)))"
done
echo "# ratio to hello (target >= 0.5):"
for n in 1000 10000 100000; do
	printf '#   %6d users: first %s, middle %s, search %s\n' "$n" \
	    "$(ratio "${RPS[first-$n]}" "${RPS[hello]}")" \
	    "$(ratio "${RPS[middle-$n]}" "${RPS[hello]}")" \
	    "$(ratio "${RPS[search-$n]}" "${RPS[hello]}")"
done
echo "# growth 1,000 -> 100,000 users (1.00: none): first $(ratio "${RPS[first-1000]}" "${RPS[first-100000]}"), middle $(ratio "${RPS[middle-1000]}" "${RPS[middle-100000]}"), search $(ratio "${RPS[search-1000]}" "${RPS[search-100000]}")"
