#!/bin/bash
# web_fuzz.sh - acceptance 3: a bounded random-request fuzzer over the real
# lighttpd + FastCGI path (request line, headers, cookies, urlencoded and
# multipart bodies, the H1 and H2 shapes among them) for WM_FUZZ_SECONDS
# (default 40): no worker crash, every answer within 1 s, and a normal GET of
# a logged-in user answered within 1 s all along (tests/tools/http_fuzz.py).
# Acceptance 4: a bounded slowloris, 2,000 slow TLS connections for 20 s
# from loopback, leaves a normal client served (tests/tools/slowloris.py).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"
source "$TOP/tests/portal.sh"

for t in curl python3 pgrep; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done
T=$(scratch)
portal_up "$T/inst" || { not_ok "portal starts"; done_testing; exit 1; }
portal_user alice@example.com
sid=$(portal_login alice@example.com "$PW" "$T/a")
like "$sid" '^[0-9a-f]{64}$' "alice is logged in"
before=$(portal_workers)
like "$before" '[0-9]+ [0-9]+' "two FastCGI workers run"

out=$(python3 "$TOP/tests/tools/http_fuzz.py" 127.0.0.1 "$(instance_port "$inst" portal)" \
    "$sid" "${WM_FUZZ_SECONDS:-40}" ${WM_FUZZ_SEED:-})
printf '%s\n' "$out" | grep '^#'
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done <<<"$out"
is "$(portal_workers)" "$before" "no FastCGI worker crashed or was replaced"
log=$(find "$inst" -name lighttpd.log | head -n 1)
if grep -Eq 'died|signal|terminated' "$log"; then
	not_ok "lighttpd saw no backend die" "$(grep -E 'died|signal|terminated' "$log" | head -n 3)"
else
	ok "lighttpd saw no backend die"
fi
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/inbox")" 200 "alice is still served"

out=$(python3 "$TOP/tests/tools/slowloris.py" 127.0.0.1 "$(instance_port "$inst" portal)" \
    "$sid" 2000 20)
printf '%s\n' "$out" | grep '^#'
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done <<<"$out"
is "$(portal_status -H "Cookie: wmsession=$sid" "$P/portal/inbox")" 200 "alice is served after the slowloris"
done_testing
