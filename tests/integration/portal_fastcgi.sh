#!/bin/bash
# portal_fastcgi.sh - the portal as a persistent FastCGI application under the
# instance's lighttpd: the processes outlive requests, and nothing of one
# request reaches the next: user A's inbox, then user B's, then requests
# without a cookie, alternating many times over both worker processes, never
# show one user's mail, session or CSRF token to another.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

for t in curl sqlite3 runuser; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done

T=$(scratch)
chmod 755 "$T"
inst=$T/inst
conf=$inst/wm.conf
check "wm-init" "$BIN/wm-init" "$inst"
db=$(instance_db "$inst")
user=$(sed -n '/^\[instance\]/,/^\[/s/^user = //p' "$conf")
like "$(cat "$inst"/lighttpd/*.conf)" 'fastcgi.server = \( "/portal.cgi"' \
    "the portal listener hands requests to a FastCGI application"
# Processes start afresh after 5 requests here (10,000 by default).
lconf=$(ls "$inst"/lighttpd/*.conf)
sed -i 's/"bin-environment" => ( /&"WM_PORTAL_REQUESTS" => "5", /' "$lconf"
like "$(cat "$lconf")" '"WM_PORTAL_REQUESTS" => "5"' "test setting: a restart every 5 requests"
on_exit "'$BIN/wm-ctl' -c '$conf' stop lighttpd"
check "lighttpd starts" "$BIN/wm-ctl" -c "$conf" start lighttpd
P=https://127.0.0.1:$(instance_port "$inst" portal)
wait_for 10 curl -sk -o /dev/null "$P/portal/login"

# login ADDRESS PASSWORD JAR: the form's CSRF cookie, then the POST.
login() {
	local pre
	curl -sk -c "$3" -o /dev/null "$P/portal/login"
	pre=$(awk '$6 == "wmcsrf" { print $7 }' "$3")
	curl -sk -b "$3" -c "$3" -o /dev/null --data-urlencode "csrf=$pre" \
	    --data-urlencode "address=$1" --data-urlencode "password=$2" \
	    "$P/portal/login"
	awk '$6 == "wmsession" { print $7 }' "$3"
}

for who in alice bob; do
	"$BIN/wm-user" -c "$conf" add "$who@example.com" >/dev/null
	printf 'Correct-Horse-Battery-9\n' |
	    "$BIN/wm-user" -c "$conf" set-password --force "$who@example.com" >/dev/null
	runuser -u "$user" -- sqlite3 "$db" "INSERT INTO messages (mailbox, folder,
	    file, from_addr, subject, received, size) VALUES ('$who@example.com',
	    'inbox', 'cur/x', 'someone@corp.example', 'Secret of $who', 1700000000, 10)"
done
sa=$(login alice@example.com Correct-Horse-Battery-9 "$T/a")
sb=$(login bob@example.com Correct-Horse-Battery-9 "$T/b")
like "$sa" '^[0-9a-f]{64}$' "alice is logged in"
like "$sb" '^[0-9a-f]{64}$' "bob is logged in"

# The workers are lighttpd's children; the parse sandbox's short-lived
# children of a worker are not workers.
pids() { pgrep -P "$(cat "$inst/run/lighttpd.pid")" -f "portal.cgi" | sort | tr '\n' ' '; }
before=$(pids)
like "$before" '[0-9]' "the FastCGI processes run between requests"

leaks=0 anon=0 fresh=0 seen_a=0 seen_b=0
csrf_a=$(runuser -u "$user" -- sqlite3 "$db" "SELECT csrf FROM sessions WHERE principal = 'alice@example.com'")
for i in $(seq 1 12); do
	a=$(curl -sk -H "Cookie: wmsession=$sa" "$P/portal/inbox")
	b=$(curl -sk -H "Cookie: wmsession=$sb" "$P/portal/inbox")
	n=$(curl -sk -D - "$P/portal/inbox")
	l=$(curl -sk -D - "$P/portal/login")
	case $a in *"Secret of alice"*) seen_a=$((seen_a + 1)) ;; esac
	case $b in *"Secret of bob"*) seen_b=$((seen_b + 1)) ;; esac
	case $b in *"Secret of alice"*|*alice@example.com*|*"$csrf_a"*) leaks=$((leaks + 1)) ;; esac
	case $a in *"Secret of bob"*|*bob@example.com*) leaks=$((leaks + 1)) ;; esac
	# Without a cookie: sent to the login form, with nobody's data.
	case $n in *"HTTP/"*" 303"*/portal/login*) ;; *) anon=$((anon + 1)) ;; esac
	case $n$l in *Secret*|*@example.com*|*"$csrf_a"*) leaks=$((leaks + 1)) ;; esac
	# A new visitor gets a CSRF token of its own, not the last one minted.
	tok=$(printf '%s\n' "$l" | sed -n 's/^set-cookie: wmcsrf=\([0-9a-f]*\);.*/\1/ip')
	case " $toks " in *" $tok "*) fresh=$((fresh + 1)) ;; esac
	[ -z "$tok" ] && fresh=$((fresh + 1))
	toks="${toks:-} $tok"
done
is "$seen_a/$seen_b" "12/12" "each user sees their own mail every time"
is "$leaks" 0 "no page shows another user's mail, address or token"
is "$anon" 0 "a request without a cookie after logged-in ones is not logged in"
is "$fresh" 0 "every new visitor gets a fresh pre-login token"
is "$(pids)" "$before" "the same processes served every request"

like "$(cat "$inst"/log/wm.log)" "restarting after 5 requests" "the processes restarted meanwhile"

# Restarts in place lose no request queued on the socket, even under load.
codes=$(seq 1 200 | xargs -P 8 -I{} curl -sk -o /dev/null -w '%{http_code}\n' \
    -H "Cookie: wmsession=$sa" "$P/portal/inbox" | sort | uniq -c | tr -s ' ')
is "$codes" " 200 200" "200 concurrent requests over 40 restarts all answered 200"

# A POST of bob's with alice's token (the previous request's) is refused.
out=$(curl -sk -D - -H "Cookie: wmsession=$sb" --data "csrf=$csrf_a&id=1" "$P/portal/inbox/delete")
like "$out" 'HTTP/[0-9.]+ 403' "a token of the previous request's user does not pass"

# Plain CGI of the same binary still works (stdin not a socket).
out=$(env -i PATH="$PATH" WM_CONFIG="$conf" REQUEST_METHOD=GET PATH_INFO=/login \
    QUERY_STRING= runuser -u "$user" -- "$(dirname "$BIN")/cgi/portal.cgi" </dev/null | tr -d '\r')
like "$out" "Content-Security-Policy: default-src" "the same binary still answers as a plain CGI"

done_testing
