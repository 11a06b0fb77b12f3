#!/bin/bash
# instance.sh - wm-init: a complete, self-contained instance on free loopback
# ports; --port-base; refusing to overwrite; --force keeps the data; the
# private Postfix and lighttpd configurations pass their own checks.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../instance.sh"

sql() {	# sql DB QUERY
	sqlite3 -batch -noheader "$1" "$2"
}

owner() {
	stat -c %U "$1"
}

port_free() {	# port_free PORT: nothing listens and it can be bound
	python3 -c "
import socket, sys
s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$1"
}

free_range() {	# free_range N: a base port with N consecutive free ports
	python3 - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randint(20000, 60000)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base)
    sys.exit(0)
sys.exit(1)
EOF
}

check "wm-init --help" "$BIN/wm-init" --help
check "wm-init --version" "$BIN/wm-init" --version
check_fails "wm-init without a directory is a usage error" 64 "$BIN/wm-init"
for p in wm-init wm-ctl; do
	is "$(MANWIDTH=80 man -l "$TOP/man/$p.8" 2>&1 >/dev/null)" "" "man page $p(8) renders"
done

top=$(scratch)
inst=$top/one
out=$("$BIN/wm-init" "$inst" 2>&1)
is "$?" 0 "wm-init creates an instance"
is "$out" "$inst/wm.conf" "wm-init prints the path of wm.conf"

# wm.conf: every key a later program needs.
for kv in "instance name" "instance user" "instance capture-outbound" \
    "paths database" "paths mail" "paths outbox" "paths log" "paths templates" \
    "paths postfix" "paths queue" "paths lighttpd" "paths run" "paths tls-cert" \
    "paths bin" "paths cgi" "listen smtp" "listen relay" "listen portal" \
    "listen admin" "listen submit" "commands sendmail" "commands postqueue"; do
	set -- $kv
	v=$(sed -n "/^\[$1\]/,/^\[/s/^$2 = //p" "$inst/wm.conf")
	[ -n "$v" ] && ok "wm.conf sets [$1] $2" || not_ok "wm.conf sets [$1] $2"
done
is "$(sed -n 's/^bin = //p' "$inst/wm.conf")" "$(cd "$BIN" && pwd -P)" \
    "[paths] bin is the directory of the running wm-init"
like "$(sed -n 's/^templates = //p' "$inst/wm.conf")" "^$TOP/templates$" \
    "[paths] templates is the source tree's when run from a build tree"
like "$(sed -n 's/^sendmail = //p' "$inst/wm.conf")" "MAIL_CONFIG=$inst/postfix " \
    "[commands] sendmail submits to the private Postfix"
is "$(instance_listen "$inst" sink)" "" "no sink listener without --capture-outbound"
is "$(sed -n 's/^capture-outbound = //p' "$inst/wm.conf")" "no" "capture-outbound is no"
is "$(stat -c %a "$inst/wm.conf")" "640" "wm.conf is not world-readable"

# Ports: distinct, loopback, free while the instance is stopped.
ports=()
for k in smtp relay portal admin submit; do
	l=$(instance_listen "$inst" "$k")
	like "$l" '^127\.0\.0\.1:[0-9]+$' "[listen] $k is on loopback"
	ports+=("${l##*:}")
done
is "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" 5 "the five ports are distinct"
for p in "${ports[@]}"; do
	check "port $p is free" port_free "$p"
done

# Directories and who owns them: wm-deliver (user wm) writes database, mail, log.
for sub in db mail log outbox run tmp tls backup spool postfix lighttpd; do
	[ -d "$inst/$sub" ] && ok "$sub/ exists" || not_ok "$sub/ exists"
done
is "$(owner "$inst/db/wm.db")" wm "the database belongs to wm"
is "$(owner "$inst/db")" wm "the database directory belongs to wm (WAL files)"
# The web user wmweb (group wm) shares the database and the mail, nobody else.
is "$(stat -c %a "$inst/db/wm.db")" 660 "the database is mode 0660 (wm and its group, the web user)"
is "$(owner "$inst/mail")" wm "the mail directory belongs to wm"
is "$(stat -c %a "$inst/mail")" 770 "the mail directory is private to wm and the web user"
is "$(stat -c %G "$inst/mail")" wm "the mail directory's group is wm's"
is "$(sed -n 's/^web-user *= *//p' "$inst/wm.conf")" wmweb "the web programs run as wmweb by default"
is "$(owner "$inst/log/wm.log")" wm "the log file belongs to wm"
is "$(owner "$inst/outbox")" nobody "smtp-sink (nobody) can write the outbox"
is "$(stat -c %a "$inst/tls/server.pem")" 600 "the HTTPS key is mode 0600"

# Database: schema current, secrets and settings, relay certificate.
db=$inst/db/wm.db
v=$(sql "$db" "PRAGMA user_version")
like "$v" '^[1-9][0-9]*$' "the database has a schema (version $v)"
if [ -x "$BIN/wm-prefs" ]; then
	"$BIN/wm-prefs" -c "$inst/wm.conf" get relay-recipient >/dev/null 2>&1
	is "$(sql "$db" "PRAGMA user_version")" "$v" "the schema is current (another program does not migrate it)"
fi
is "$(sql "$db" "SELECT count(*) FROM properties WHERE scope='global' AND name IN ('server-secret','system-mail-secret') AND length(value) >= 16")" 2 \
    "server secret and system mail secret are generated"
portal=$(instance_port "$inst" portal)
is "$(sql "$db" "SELECT value FROM properties WHERE name='portal-base-url'")" \
    "https://127.0.0.1:$portal" "portal-base-url points at the portal listener"
is "$(sql "$db" "SELECT count(*) FROM certificates c JOIN private_keys k ON k.cert_id = c.id WHERE c.email = 'webmail@webmail.local'")" 1 \
    "the webmail relay recipient key and certificate exist"
if [ -x "$BIN/wm-pki" ]; then
	like "$("$BIN/wm-pki" -c "$inst/wm.conf" webmail-cert 2>&1)" "BEGIN CERTIFICATE" \
	    "wm-pki webmail-cert prints the relay certificate"
fi
secret=$(sql "$db" "SELECT value FROM properties WHERE name='server-secret'")

# HTTPS certificate for lighttpd.
like "$(openssl x509 -in "$inst/tls/server.pem" -noout -ext subjectAltName 2>&1)" \
    "IP Address:127.0.0.1" "the HTTPS certificate names 127.0.0.1"
check "the HTTPS certificate is valid for a year" \
    openssl x509 -in "$inst/tls/server.pem" -noout -checkend 31536000
check "the HTTPS key matches the certificate" sh -c \
    "[ \"\$(openssl x509 -in '$inst/tls/server.pem' -noout -pubkey)\" = \"\$(openssl pkey -in '$inst/tls/server.pem' -pubout)\" ]"

# Postfix and lighttpd accept their configurations.
out=$(postfix -c "$inst/postfix" check 2>&1)
is "$?:$out" "0:" "postfix -c DIR/postfix check passes without warnings"
main=$(postconf -c "$inst/postfix" -n 2>/dev/null)
like "$main" "queue_directory = $inst/spool" "Postfix has its own queue"
like "$main" "inet_interfaces = 127.0.0.1" "Postfix listens on loopback only"
like "$main" "transport_maps = inline:\{ webmail@webmail.local=wmdeliver: \}" \
    "the relay recipient goes to the wmdeliver pipe"
like "$main" "wmdeliver_destination_recipient_limit = 1" "one recipient per wm-deliver run"
like "$(postconf -c "$inst/postfix" -P "$(sed -n 's/^smtp = //p' "$inst/wm.conf")/inet/message_size_limit")" \
    "= 104857600$" "a 50 MB tunnel fits the SMTP listener (before-filter limit)"
like "$main" "relayhost = *$" "without capture, outbound mail goes to the relay hosts"
like "$(postconf -c "$inst/postfix" -M wmdeliver/unix 2>&1)" \
    "user=wm argv=$(cd "$BIN" && pwd -P)/wm-deliver -c $inst/wm.conf --sender \\\$\{sender\} --recipient \\\$\{recipient\}" \
    "the pipe runs this build's wm-deliver as wm"
like "$(postconf -c "$inst/postfix" -M 2>&1 | awk '{print $5}' | sort -u | tr '\n' ' ')" '^n $' \
    "no service is chrooted"
check "lighttpd accepts its configuration" lighttpd -tt -f "$inst/lighttpd/lighttpd.conf"

# Refusing an existing instance; --force keeps the data.
check_fails "a second wm-init on the same directory refuses (EX_CANTCREAT)" 73 "$BIN/wm-init" "$inst"
before="$(instance_listen "$inst" smtp) $(instance_listen "$inst" portal) $(instance_listen "$inst" admin)"
check "wm-init --force rewrites the instance" "$BIN/wm-init" --force --capture-outbound "$inst"
is "$(instance_listen "$inst" smtp) $(instance_listen "$inst" portal) $(instance_listen "$inst" admin)" \
    "$before" "--force keeps the ports (running services, known URLs)"
is "$(sql "$db" "SELECT value FROM properties WHERE name='server-secret'")" "$secret" \
    "--force keeps the server secret"
is "$(sql "$db" "SELECT count(*) FROM private_keys")" 1 "--force keeps the relay key (no second one)"
sql "$db" "UPDATE properties SET value='https://webmail.example.com' WHERE name='portal-base-url'"
"$BIN/wm-init" --force --capture-outbound "$inst" >/dev/null
is "$(sql "$db" "SELECT value FROM properties WHERE name='portal-base-url'")" \
    "https://webmail.example.com" "--force keeps a portal-base-url an administrator set"
like "$(instance_listen "$inst" sink)" '^127\.0\.0\.1:[0-9]+$' "--capture-outbound adds a sink listener"
like "$(postconf -c "$inst/postfix" -h relayhost)" "^\[127\.0\.0\.1\]:$(instance_port "$inst" sink)$" \
    "with capture, outbound mail goes to the sink"
# The notice sender's submission listener: loopback clients only, local
# submission semantics (header checks on, the signing milters of sendmail).
sub=$(instance_listen "$inst" submit)
like "$(postconf -c "$inst/postfix" -M "$sub/inet" 2>&1)" "^$sub +inet .* smtpd" "master.cf has the submission listener"
is "$(postconf -c "$inst/postfix" -Ph "$sub/inet/smtpd_client_restrictions" 2>&1)" "permit_mynetworks,reject" \
    "the submission listener takes loopback clients only"
is "$(postconf -c "$inst/postfix" -Ph "$sub/inet/smtpd_milters" 2>&1)" '$non_smtpd_milters' \
    "the submission listener has sendmail's milters"
is "$(postconf -c "$inst/postfix" -Ph "$sub/inet/receive_override_options" 2>/dev/null)" "" \
    "the submission listener keeps header checks"
like "$(postconf -c "$inst/postfix" -P "$(instance_listen "$inst" relay)/inet/content_filter" 2>&1)" \
    "smtp:\[127\.0\.0\.1\]:$(instance_port "$inst" sink)" "with capture, the relay listener sends to the sink"

# --port-base
base=$(free_range 6)
d2=$top/two
check "wm-init --port-base" "$BIN/wm-init" --capture-outbound --port-base "$base" "$d2"
is "$(instance_port "$d2" smtp) $(instance_port "$d2" relay) $(instance_port "$d2" sink) $(instance_port "$d2" portal) $(instance_port "$d2" admin) $(instance_port "$d2" submit)" \
    "$base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) $((base + 5))" "--port-base N hands out N..N+5"

# A taken port is an error, not a silent clash.
python3 -c "
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], 'w').close(); time.sleep(30)" "$base" "$top/held" &
holder=$!
on_exit "kill $holder"
wait_for 10 test -e "$top/held"
check_fails "--port-base with a taken port fails (EX_UNAVAILABLE)" 69 \
    "$BIN/wm-init" --port-base "$base" "$top/three"
kill "$holder" 2>/dev/null

check_fails "a directory with a blank is refused" 64 "$BIN/wm-init" "$top/with blank"

# The production samples in conf/.
like "$("$BIN/wm-ctl" -c "$TOP/conf/wm.conf" status --json 2>&1)" '"sink": "disabled"' \
    "conf/wm.conf is a valid wm.conf"
for f in postfix/main.cf.fragment postfix/master.cf.fragment \
    systemd/wm-lighttpd.service systemd/wm-instance@.service sudoers.d/wm; do
	[ -s "$TOP/conf/$f" ] && ok "conf/$f exists" || not_ok "conf/$f exists"
done
# Production's lighttpd.conf is generated from conf/wm.conf, as make install does.
like "$(cd "$TOP" && "$BIN/wm-init" -c conf/wm.conf --lighttpd-conf)" \
    'server.port = 443' "production's lighttpd.conf comes from wm-init --lighttpd-conf"
done_testing
