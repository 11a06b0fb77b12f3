#!/bin/bash
# mta.sh - wm-mtacfg against the instance's real Postfix: every check is an
# SMTP conversation (python smtplib from 127.0.0.x) or a mail arriving at an
# smtp-sink playing the internal, external or webmail relay host; refused
# values and raw configurations leave database and files byte-identical;
# relay-recipient changed by wm-prefs reaches Postfix; OpenDKIM signs what
# the box sends (verified with python3-dkim given the public key).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../instance.sh"
PY=/usr/bin/python3	# Debian's, which has python3-dkim

for p in wm-init wm-ctl wm-mtacfg wm-prefs; do
	[ -x "$BIN/$p" ] || { not_ok "$p is built"; done_testing; exit 1; }
done

top=$(scratch)
inst=$top/box
if start_instance "$inst"; then ok "instance started"; else not_ok "instance started"; done_testing; exit 1; fi
conf=$inst/wm.conf
M=("$BIN/wm-mtacfg" -c "$conf")
SMTP=$(instance_port "$inst" smtp)
sendmail=$(sed -n 's/^sendmail = //p' "$conf")

start_sink() {	# start_sink DIR PORT: an smtp-sink capturing into DIR
	mkdir -p "$1" && chown nobody "$1"
	smtp-sink -u nobody -d "$1/%Y%m%d%H%M%S." "127.0.0.1:$2" 10 >/dev/null 2>&1 &
	on_exit "kill $!"
	wait_for 10 $PY -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$2"
}

subject_in() { grep -lq "^Subject: $2" "$1"/* 2>/dev/null; }
count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
has() { [ "$(count "$1")" -ge "$2" ]; }

# smtp_try SOURCE FROM TO FILE: one transaction from address SOURCE; prints
# 250 when the mail was accepted, else the first refusing code and text.
smtp_try() {
	$PY - "$SMTP" "$@" <<'EOF'
import smtplib, sys
port, src, sender, to, path = sys.argv[1:6]
data = open(path, "rb").read()
s = smtplib.SMTP("127.0.0.1", int(port), source_address=(src, 0), timeout=60)
try:
    s.sendmail(sender, [to], data)
    print(250)
except smtplib.SMTPRecipientsRefused as e:
    code, msg = list(e.recipients.values())[0]
    print(code, msg.decode(errors="replace"))
except smtplib.SMTPResponseException as e:
    print(e.smtp_code, e.smtp_error.decode(errors="replace"))
finally:
    try:
        s.quit()
    except Exception:
        pass
EOF
}

mail() {	# mail FILE SUBJECT [TO]: a small test message
	printf 'From: Alice <alice@corp.example>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@corp.example>\r\n\r\nHello.\r\n' \
	    "${3:-someone@external.example}" "$2" "$2" >"$1"
}

code() { printf '%s' "$1" | cut -d' ' -f1; }

# --- 1. Not an open relay; a network added is trusted after apply.
is "$("${M[@]}" show | sed -n 's/^my-networks = //p')" "127.0.0.1/32 ::1/128" \
    "a new box trusts only itself"
like "$(postconf -c "$inst/postfix" -h mynetworks)" '^127\.0\.0\.1/32, \[::1\]/128$' \
    "main.cf of a new box: mynetworks is the box itself"
mail "$top/m1.eml" relay-test
r=$(smtp_try 127.0.0.2 alice@corp.example bob@external.example "$top/m1.eml")
is "$(code "$r")" 554 "from 127.0.0.2 a foreign domain is refused at RCPT (554)"
like "$r" "Relay access denied" "the refusal is relay access denied"
check "add mynetwork 127.0.0.2/32" "${M[@]}" add mynetwork 127.0.0.2/32
r=$(smtp_try 127.0.0.2 alice@corp.example bob@external.example "$top/m1.eml")
is "$(code "$r")" 554 "set alone changes nothing in Postfix"
check "apply" "${M[@]}" apply
n=$(outbox_count "$inst")
r=$(smtp_try 127.0.0.2 alice@corp.example bob@external.example "$top/m1.eml")
is "$r" 250 "after apply 127.0.0.2 may relay"
wait_outbox "$inst" $((n + 1))
like "$(outbox_grep "$inst" '^Subject: relay-test')" outbox "the relayed mail leaves the box"
check_fails "add mynetwork 0.0.0.0/0 is refused (open relay)" 65 "${M[@]}" add mynetwork 0.0.0.0/0
check_fails "a /7 is refused too" 65 "${M[@]}" set my-networks "127.0.0.1/32 10.0.0.0/7"
check_fails "::/0 is refused" 65 "${M[@]}" add mynetwork ::/0
check "--force allows a wide network" "${M[@]}" add --force mynetwork 10.0.0.0/7
check "remove mynetwork" "${M[@]}" remove mynetwork 10.0.0.0/7
check "an IPv6 network is accepted" "${M[@]}" add mynetwork 2001:db8::/32
check "apply with IPv6" "${M[@]}" apply
like "$(postconf -c "$inst/postfix" -h mynetworks)" '\[2001:db8::\]/32' "IPv6 networks reach mynetworks in brackets"

# --- 2. Relay domains to the internal relay host; match subdomains.
INT=$(free_port)
start_sink "$top/int" "$INT"
check "add relay-domain example.com" "${M[@]}" add relay-domain example.com
check "set internal-relay-host" "${M[@]}" set internal-relay-host 127.0.0.1
check "set internal-relay-port" "${M[@]}" set internal-relay-port "$INT"
check "apply relay domains" "${M[@]}" apply
mail "$top/m2.eml" relay-domain user@example.com
is "$(smtp_try 127.0.0.3 gw@corp.example user@example.com "$top/m2.eml")" 250 \
    "a stranger's mail to a relay domain is accepted"
wait_for 30 has "$top/int" 1
like "$(grep -l 'X-Rcpt-Args: <user@example.com>' "$top/int"/* 2>/dev/null)" int \
    "it arrives at the internal relay host"
mail "$top/m3.eml" subdomain user@sub.example.com
r=$(smtp_try 127.0.0.3 gw@corp.example user@sub.example.com "$top/m3.eml")
is "$(code "$r")" 554 "match-subdomains off: sub.example.com is refused"
check "set match-subdomains yes" "${M[@]}" set match-subdomains yes
check "apply match subdomains" "${M[@]}" apply
is "$(smtp_try 127.0.0.3 gw@corp.example user@sub.example.com "$top/m3.eml")" 250 \
    "match-subdomains on: sub.example.com is accepted"
wait_for 30 has "$top/int" 2
like "$(grep -l 'X-Rcpt-Args: <user@sub.example.com>' "$top/int"/* 2>/dev/null)" int \
    "and arrives at the internal relay host"
r=$(smtp_try 127.0.0.3 gw@corp.example other@webmail.local "$top/m3.eml")
like "$(code "$r")" '^5' "other addresses of the box's own domain stay refused"

# --- 3. External relay host and webmail relay host.
EXT=$(free_port)
WEB=$(free_port)
start_sink "$top/ext" "$EXT"
start_sink "$top/web" "$WEB"
check "set external-relay-host" "${M[@]}" set external-relay-host 127.0.0.1
check "set external-relay-port" "${M[@]}" set external-relay-port "$EXT"
check "set webmail-relay-host" "${M[@]}" set webmail-relay-host 127.0.0.1
check "set webmail-relay-port" "${M[@]}" set webmail-relay-port "$WEB"
check "set smtp-helo-name" "${M[@]}" set smtp-helo-name helo.box.example
check "apply relay hosts" "${M[@]}" apply
is "$(postconf -c "$inst/postfix" -h relayhost)" "[127.0.0.1]:$EXT" "relayhost is [host]:port"
mail "$top/m4.eml" external
is "$(smtp_try 127.0.0.1 alice@corp.example carol@external.example "$top/m4.eml")" 250 \
    "mail from my networks to a foreign domain is accepted"
wait_for 30 has "$top/ext" 1
f=$(grep -l 'X-Rcpt-Args: <carol@external.example>' "$top/ext"/* 2>/dev/null)
like "$f" ext "it arrives at the external relay host"
# --- 6. HELO name.
like "$(grep '^X-Helo-Args:' $f)" 'helo\.box\.example' "the relay host sees the configured HELO"
printf 'From: bob@customer.example\r\nTo: alice@corp.example\r\nSubject: portal-reply\r\nX-WM-Relay: webmail\r\n\r\nA reply.\r\n' >"$top/reply.eml"
check "a portal reply is submitted" sh -c "$sendmail -f bob@customer.example alice@corp.example <'$top/reply.eml'"
wait_for 30 has "$top/web" 1
like "$(grep -l '^Subject: portal-reply' "$top/web"/* 2>/dev/null)" web "a portal reply arrives at the webmail relay host"
is "$(grep -l '^Subject: portal-reply' "$top/ext"/* 2>/dev/null)" "" "and not at the external relay host"
check "set external-relay-mx yes" "${M[@]}" set external-relay-mx yes
check "apply mx" "${M[@]}" apply
is "$(postconf -c "$inst/postfix" -h relayhost)" "127.0.0.1:$EXT" "with mx relayhost is host:port"
"${M[@]}" set external-relay-mx no >/dev/null && "${M[@]}" apply >/dev/null

# --- 4. Size limits.
check "set before-filter-size-limit 3000" "${M[@]}" set before-filter-size-limit 3000
check "set after-filter-size-limit 6000" "${M[@]}" set after-filter-size-limit 6000
check "apply sizes" "${M[@]}" apply
$PY - "$top" <<'EOF'
import sys
top = sys.argv[1]
head = b"From: alice@corp.example\r\nTo: dave@external.example\r\nSubject: size\r\n\r\n"
for name, n in (("at", 3000), ("over", 3001)):
    body = b"x" * (n - len(head) - 2) + b"\r\n"
    open(f"{top}/{name}.eml", "wb").write(head + body)
EOF
# SIZE declared at MAIL: the limit itself passes, one byte more is 552.
mail_size() {
	$PY - "$SMTP" "$1" <<'EOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo("client.example")
print(s.mail("alice@corp.example", ["SIZE=" + sys.argv[2]])[0])
s.quit()
EOF
}
is "$(mail_size 3000)" 250 "MAIL with SIZE equal to the before-filter limit is accepted"
is "$(mail_size 3001)" 552 "MAIL with SIZE one byte over is refused with 552"
mail "$top/small.eml" small dave@external.example
is "$(smtp_try 127.0.0.1 alice@corp.example dave@external.example "$top/small.eml")" 250 \
    "a mail below the before-filter limit is accepted"
r=$(smtp_try 127.0.0.1 alice@corp.example dave@external.example "$top/over.eml")
is "$(code "$r")" 552 "one byte over the before-filter limit: 552"
r=$("${M[@]}" set after-filter-size-limit 2999 2>&1)
is "$?" 65 "after-filter below before-filter is refused (65)"
like "$r" "^wm-mtacfg: after-filter-size-limit: " "the error names after-filter-size-limit"
check_fails "mailbox below after-filter is refused" 65 "${M[@]}" set mailbox-size-limit 5999

# --- 5. Reject unverified recipient (450 then 550).
VER=$(free_port)
$PY - "$VER" >"$top/verifier.log" 2>&1 <<'EOF' &
import socketserver, sys
class H(socketserver.StreamRequestHandler):
    def reply(self, s):
        self.wfile.write(s.encode() + b"\r\n")
    def handle(self):
        self.reply("220 verifier ESMTP")
        data = False
        for raw in self.rfile:
            line = raw.decode(errors="replace").rstrip("\r\n")
            if data:
                if line == ".":
                    data = False
                    self.reply("250 ok")
                continue
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                self.reply("250 verifier")
            elif cmd == "RCPT":
                print(line, flush=True)
                self.reply("550 5.1.1 no such user" if "nobody@" in line else "250 ok")
            elif cmd == "DATA":
                data = True
                self.reply("354 go")
            elif cmd == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
on_exit "kill $!"
wait_for 10 $PY -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$VER"
"${M[@]}" set internal-relay-port "$VER" >/dev/null
check "set reject-unverified-recipient yes" "${M[@]}" set reject-unverified-recipient yes
check "set reject-unverified-code 450" "${M[@]}" set reject-unverified-code 450
check "apply verification" "${M[@]}" apply
mail "$top/m5.eml" verify nobody@example.com
rcpt_until_verified() {	# the probe's answer, not "verification in progress"
	local r i
	for i in $(seq 1 20); do
		r=$(smtp_try 127.0.0.3 gw@corp.example "$1" "$top/m5.eml")
		case "$r" in *"in progress"*) sleep 1 ;; *) break ;; esac
	done
	printf '%s' "$r"
}
r=$(rcpt_until_verified nobody@example.com)
is "$(code "$r")" 450 "a recipient the internal relay host refuses gets 450"
like "$r" "unverified address: .*550 5.1.1 no such user" "because the internal relay host refused it"
like "$(cat "$top/verifier.log")" "nobody@example.com" "the internal relay host was asked"
is "$(rcpt_until_verified alice@example.com)" 250 "a recipient it accepts is accepted"
check "set reject-unverified-code 550" "${M[@]}" set reject-unverified-code 550
check "apply code 550" "${M[@]}" apply
r=$(rcpt_until_verified nobody@example.com)
is "$(code "$r")" 550 "with code 550 the same recipient gets 550"
check_fails "reject code 451 is refused" 65 "${M[@]}" set reject-unverified-code 451
"${M[@]}" set reject-unverified-recipient no >/dev/null
"${M[@]}" set internal-relay-port "$INT" >/dev/null
"${M[@]}" apply >/dev/null

# --- 7. Raw config.
sums() { sha256sum "$inst/postfix/main.cf" "$inst/postfix/master.cf"; }
master_pid() { tr -d ' \n' <"$inst/spool/pid/master.pid"; }
"${M[@]}" raw show >"$top/raw.cf"
cmp -s "$top/raw.cf" "$inst/postfix/main.cf" && ok "raw show prints main.cf" || not_ok "raw show prints main.cf"
before=$(sums)
pid=$(master_pid)
{ cat "$top/raw.cf"; echo "mail_owner = no_such_user_wm"; } >"$top/bad.cf"
r=$("${M[@]}" raw set <"$top/bad.cf" 2>&1)
is "$?" 65 "a raw config postfix check refuses: 65"
like "$r" "postfix check refused" "the error says postfix check refused it"
is "$(sums)" "$before" "main.cf and master.cf are byte-identical afterwards"
is "$(master_pid)" "$pid" "Postfix keeps running (same master)"
kill -0 "$pid" 2>/dev/null && ok "the master process is alive" || not_ok "the master process is alive"
mail "$top/m7.eml" after-raw
is "$(smtp_try 127.0.0.1 alice@corp.example erin@external.example "$top/m7.eml")" 250 "mail is still accepted"
wait_for 30 subject_in "$top/ext" after-raw && ok "and still flows to the relay host" ||
    not_ok "and still flows to the relay host"
sed 's/^transport_maps = .*/transport_maps = inline:{ x@y=smtp: }/' "$top/raw.cf" >"$top/owned.cf"
r=$("${M[@]}" raw set <"$top/owned.cf" 2>&1)
is "$?" 65 "changing a line the box owns is refused"
like "$r" "transport_maps" "the error names the parameter"
grep -v '^header_checks' "$top/raw.cf" >"$top/removed.cf"
check_fails "removing a line the box owns is refused" 65 sh -c "'$BIN/wm-mtacfg' -c '$conf' raw set <'$top/removed.cf'"
is "$(sums)" "$before" "refused raw configs change nothing"
{ cat "$top/raw.cf"; echo "delay_warning_time = 4h"; } >"$top/good.cf"
check "an accepted raw config is saved" sh -c "'$BIN/wm-mtacfg' -c '$conf' raw set <'$top/good.cf'"
cmp -s "$top/good.cf" "$inst/postfix/main.cf" && ok "main.cf is the text given" || not_ok "main.cf is the text given"
check "apply after a raw edit" "${M[@]}" apply
is "$(postconf -c "$inst/postfix" -h delay_warning_time)" 4h "apply keeps what the raw config added"
check "check" "${M[@]}" check

# --- 9. Every bad value of every field: one line naming it, 65, nothing changed.
state() {
	sqlite3 "$(instance_db "$inst")" .dump | sha256sum
	sums
}
bad_values=(
	"relay-domains|exa_mple.com" "relay-domains|-bad.example" "relay-domains|a..b"
	"my-networks|10.0.0.0" "my-networks|10.0.0.1/24" "my-networks|300.1.1.0/24"
	"my-networks|10.0.0.0/33" "my-networks|0.0.0.0/0" "my-networks|2001:db8::/129"
	"my-hostname|bad_host" "my-hostname|-x.example"
	"external-relay-host|bad host" "external-relay-mx|maybe" "external-relay-port|0"
	"external-relay-port|65536" "external-relay-port|25x"
	"webmail-relay-host|bad/host" "webmail-relay-mx|2" "webmail-relay-port|-1"
	"internal-relay-host|a..b" "internal-relay-mx|yess" "internal-relay-port|99999"
	"match-subdomains|sometimes" "before-filter-size-limit|big"
	"before-filter-size-limit|99999999" "after-filter-size-limit|10x"
	"after-filter-size-limit|1" "mailbox-size-limit|1"
	"mailbox-size-limit|-5" "smtp-helo-name|helo_name" "reject-unverified-recipient|perhaps"
	"reject-unverified-code|500" "reject-unverified-code|abc"
	"dkim-signing|yes" "dkim-selector|a.b" "dkim-domain|x_y"
)
want=$(state)
for bv in "${bad_values[@]}"; do
	field=${bv%%|*}
	value=${bv#*|}
	out=$("${M[@]}" set -- "$field" "$value" 2>&1)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ "$rc" -eq 65 ] && [ "$lines" -eq 1 ] && printf '%s' "$out" | grep -q "^wm-mtacfg: $field: "; then
		ok "$field '$value': 65, one line naming the field"
	else
		not_ok "$field '$value': 65, one line naming the field" "rc=$rc" "$out"
	fi
done
is "$(state)" "$want" "database, main.cf and master.cf unchanged by every refused value"
check_fails "an unknown field is a usage error" 64 "${M[@]}" set no-such-field 1

# The EXAMPLES of wm-mtacfg(8), exactly as written (WM_CONFIG names the instance).
"${M[@]}" set after-filter-size-limit 20M >/dev/null
check "man example: add mynetwork (already there: once)" wm-mtacfg add mynetwork 127.0.0.2/32
is "$(wm-mtacfg show | grep -o '127\.0\.0\.2/32' | wc -l)" 1 "a network is listed once"
check "man example: set before-filter-size-limit 10M" wm-mtacfg set before-filter-size-limit 10M
is "$(wm-mtacfg show | sed -n 's/^before-filter-size-limit = //p')" 10485760 "10M is stored as bytes"
check "man example: apply" wm-mtacfg apply
is "$(postconf -c "$inst/postfix" -P "$(instance_listen "$inst" smtp)/inet/message_size_limit" | sed 's/.*= //')" \
    10485760 "the SMTP listener's message_size_limit follows"
like "$(wm-mtacfg show --json | $PY -c 'import json, sys; print(json.load(sys.stdin)["my-networks"]["value"])')" \
    "127.0.0.2/32" "man example: show --json"

# --- 10. relay-recipient changed with wm-prefs reaches Postfix.
old=$("$BIN/wm-prefs" -c "$conf" get relay-recipient)
check "wm-prefs set relay-recipient" "$BIN/wm-prefs" -c "$conf" set relay-recipient tunnels@box.example
mail "$top/t.eml" new-recipient tunnels@box.example
is "$(smtp_try 127.0.0.3 gw@corp.example tunnels@box.example "$top/t.eml")" 250 "the new relay recipient is accepted"
wait_for 30 grep -q "to=<tunnels@box.example>, relay=wmdeliver" "$inst/log/postfix.log" &&
    ok "it is delivered through the wm-deliver pipe" || not_ok "it is delivered through the wm-deliver pipe"
r=$(smtp_try 127.0.0.3 gw@corp.example "$old" "$top/t.eml")
like "$(code "$r")" '^5' "the old relay recipient is refused"

# --- DKIM: OpenDKIM signs what the box sends.
check "dkim create" "${M[@]}" dkim create --selector wm1 --domain box.example
like "$("${M[@]}" dkim show)" '^wm1\._domainkey\.box\.example\. IN TXT "v=DKIM1; .*p=' "dkim show prints the TXT record"
check "dkim enable" "${M[@]}" dkim enable
is "$("$BIN/wm-ctl" -c "$conf" status >/dev/null; [ -S "$inst/run/opendkim/opendkim.sock" ] && echo yes)" yes \
    "OpenDKIM runs with the instance"
printf 'From: Notices <notices@box.example>\r\nTo: frank@external.example\r\nSubject: signed\r\nMessage-ID: <signed@box.example>\r\n\r\nYou have a new message.\r\n' >"$top/dkim.eml"
check "the box sends a mail" sh -c "$sendmail -f notices@box.example frank@external.example <'$top/dkim.eml'"
wait_for 30 subject_in "$top/ext" signed
f=$(grep -l '^Subject: signed' "$top/ext"/* 2>/dev/null | head -1)
like "$(cat "$f" 2>/dev/null)" 'DKIM-Signature: .*d=box\.example' "it carries a DKIM signature"
"${M[@]}" dkim show --json >"$top/dkim.json"
verify() {	# verify FILE [tamper]
	$PY - "$1" "$top/dkim.json" "${2:-}" <<'EOF'
import dkim, json, re, sys
path, rec, tamper = sys.argv[1:4]
txt = json.load(open(rec))["txt"].encode()
raw = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
if tamper:
    raw = raw.replace(b"You have a new message.", b"You have a new messages.")
def dns(name, timeout=5):
    return txt if name == b"wm1._domainkey.box.example." else None
sys.exit(0 if dkim.verify(raw, dnsfunc=dns) else 1)
EOF
}
check "the signature verifies with the published key" verify "$f"
check_fails "a changed body fails verification" 1 verify "$f" tamper
# The notice sender's mail comes in over SMTP (the submission listener),
# not through sendmail: it is signed all the same.
check "notices come from the signing domain" "$BIN/wm-prefs" -c "$conf" set notification-sender notices@box.example
"$BIN/wm-user" -c "$conf" add grace@external.example >/dev/null
sqlite3 "$(instance_db "$inst")" "INSERT INTO notice_queue (kind, address, created) VALUES ('signup', 'grace@external.example', strftime('%s', 'now'))"
like "$("$BIN/wm-notify" -c "$conf" flush --window 0 --json)" '"mails":[1-9]' "the notice sender submits the queued invitation"
is "$(sqlite3 "$(instance_db "$inst")" "SELECT count(*) FROM notice_queue WHERE address = 'grace@external.example' AND sent IS NOT NULL")" 1 \
    "it is marked sent"
wait_for 30 sh -c "grep -lq '^To: .*grace@external.example' '$top/ext'/*"
f=$(grep -l '^To: .*grace@external.example' "$top/ext"/* 2>/dev/null | head -1)
like "$(grep -c 'submit/smtpd.*client=localhost' "$inst/log/postfix.log")" '^[1-9]' "it came in through the submission listener"
like "$(cat "$f" 2>/dev/null)" 'DKIM-Signature: .*d=box\.example' "the invitation carries a DKIM signature"
check "its signature verifies" verify "$f"
check "dkim disable" "${M[@]}" dkim disable
is "$(postconf -c "$inst/postfix" -h non_smtpd_milters)" "" "signing off: no milter"
wait_for 10 sh -c "! [ -S '$inst/run/opendkim/opendkim.sock' ] || ! $PY -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('$inst/run/opendkim/opendkim.sock')\""
ok "OpenDKIM is stopped"
check "wm-ctl stop" "$BIN/wm-ctl" -c "$conf" stop
done_testing
