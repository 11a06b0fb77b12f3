#!/bin/bash
# mta_import.sh - wm-mtacfg import, for a box that joins a Postfix already
# in use: the relay host, host name and HELO name the configuration sets are
# stored as fields once (never over a stored value), forms the fields cannot
# hold are left out, and apply then writes back what was there; params lists
# what the box writes (what the Debian package restores on purge).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../instance.sh"

top=$(scratch)
inst=$top/box
if start_instance "$inst"; then ok "instance started"; else not_ok "instance started"; done_testing; exit 1; fi
conf=$inst/wm.conf
pc=$inst/postfix
M=("$BIN/wm-mtacfg" -c "$conf")
field() { "${M[@]}" show --json | python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]]['value'])" "$1"; }

postconf -c "$pc" -e 'relayhost = [127.0.0.1]:2526' 'myhostname = mx.admin.example' \
    'smtp_helo_name = helo.admin.example'
is "$("${M[@]}" import)" "5 fields imported from Postfix" "import stores host, port, mx, host name and HELO name"
is "$(field external-relay-host)" 127.0.0.1 "[host]:port gives the host"
is "$(field external-relay-port)" 2526 "its port"
is "$(field external-relay-mx)" no "and no MX lookup"
is "$(field my-hostname)" mx.admin.example "myhostname becomes my-hostname"
is "$(field smtp-helo-name)" helo.admin.example "smtp_helo_name becomes smtp-helo-name"
check "apply" "${M[@]}" apply
is "$(postconf -c "$pc" -h relayhost)" "[127.0.0.1]:2526" "apply writes the relay host back as it was"
is "$(postconf -c "$pc" -h myhostname)" mx.admin.example "and the host name"

# A stored value wins: import never overrides the console.
"${M[@]}" set external-relay-port 2600 >/dev/null
postconf -c "$pc" -e 'relayhost = relay.admin.example'
is "$("${M[@]}" import)" "0 fields imported from Postfix" "import again stores nothing over stored fields"
is "$(field external-relay-port)" 2600 "the stored port stays"

# host:port and host mean an MX lookup; a list is no form a field holds.
try_relay() {	# try_relay RELAYHOST: import into a fresh box, print host/port/mx
	local b=$top/$1
	"$BIN/wm-init" --capture-outbound "$b" >/dev/null 2>&1 || { echo "init failed"; return; }
	postconf -c "$b/postfix" -e "relayhost = $2"
	"$BIN/wm-mtacfg" -c "$b/wm.conf" import >/dev/null 2>"$b.err"
	"$BIN/wm-mtacfg" -c "$b/wm.conf" show | grep '^external-relay' | tr '\n' ' '
}
like "$(try_relay b1 mail.admin.example:2525)" "host = mail.admin.example external-relay-mx = yes external-relay-port = 2525" \
    "host:port is an MX lookup with that port"
like "$(try_relay b2 mail.admin.example)" "host = mail.admin.example external-relay-mx = yes external-relay-port = 25" \
    "a bare host is an MX lookup on port 25"
like "$(try_relay b3 'a.example, b.example')" "host =  external-relay-mx = no external-relay-port = 25" \
    "a list is left out"
like "$(cat "$top/b3.err")" "not imported from Postfix: relayhost" "and the log says why"
like "$(try_relay b4 '[mail.admin.example]:99999')" "host =  external-relay-mx = no external-relay-port = 25" \
    "a port the field refuses leaves host, port and mx all out"

params=$("${M[@]}" params)
like "$params" "^relayhost$" "params lists relayhost"
like "$params" "^header_checks$" "and the parameters the box owns"
is "$("${M[@]}" params --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
    "$(printf '%s\n' "$params" | wc -l)" "params --json lists the same"
done_testing
