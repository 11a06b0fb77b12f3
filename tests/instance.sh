# tests/instance.sh - sourced after tests/lib.sh by integration tests that
# need a running instance: its private Postfix on loopback, smtp-sink writing
# every outbound mail to DIR/outbox, and lighttpd.  Everything started here is
# stopped at exit through on_exit.
#
#   d=$(scratch)/inst
#   start_instance "$d" || exit 1
#   smtp_send "$(instance_port "$d" smtp)" gw@corp.example webmail@webmail.local tunnel.eml
#   wait_outbox "$d" 1 && cat "$d"/outbox/*

start_instance() {	# start_instance DIR [wm-init options]: capture instance, started, stopped at exit
	local d=$1
	shift
	"$BIN/wm-init" --capture-outbound "$@" "$d" >/dev/null || return 1
	on_exit "'$BIN/wm-ctl' -c '$d/wm.conf' stop"
	"$BIN/wm-ctl" -c "$d/wm.conf" start || return 1
	export WM_CONFIG="$d/wm.conf"
}

instance_listen() {	# instance_listen DIR KEY: "127.0.0.1:PORT" of [listen] KEY
	sed -n "/^\[listen\]/,/^\[/s/^$2 = //p" "$1/wm.conf"
}

instance_port() {	# instance_port DIR KEY: the port of [listen] KEY
	instance_listen "$1" "$2" | sed 's/.*://'
}

smtp_send() {	# smtp_send PORT FROM TO[,TO...] FILE: one SMTP transaction to 127.0.0.1
	python3 - "$@" <<'EOF'
import smtplib, sys
port, sender, to, path = sys.argv[1:5]
with open(path, "rb") as f:
    data = f.read()
s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
s.sendmail(sender, to.split(","), data)
s.quit()
EOF
}

outbox_count() {	# outbox_count DIR: captured outbound mails
	find "$1/outbox" -maxdepth 1 -type f | wc -l
}

_outbox_has() {
	[ "$(outbox_count "$1")" -ge "$2" ]
}

wait_outbox() {	# wait_outbox DIR N [SECONDS]: until at least N mails were captured
	wait_for "${3:-30}" _outbox_has "$1" "$2"
}

outbox_grep() {	# outbox_grep DIR REGEX: names of captured mails matching REGEX
	grep -lE -- "$2" "$1"/outbox/* 2>/dev/null
}

instance_queue() {	# instance_queue DIR: postqueue -j of the instance (one JSON line per mail)
	"$1/postfix/bin/postqueue" -c "$1/postfix" -j 2>/dev/null
}

instance_flush() {	# instance_flush DIR: retry deferred mail now
	"$1/postfix/bin/postqueue" -c "$1/postfix" -f
}

instance_maillog() {	# instance_maillog DIR: the Postfix log of the instance
	cat "$1/log/postfix.log" 2>/dev/null
}

instance_db() {	# instance_db DIR: the SQLite database of the instance (DIR/db/wm.db)
	local p
	p=$(sed -n '/^\[paths\]/,/^\[/s/^database = //p' "$1/wm.conf")
	case "$p" in /*) echo "$p" ;; *) echo "$1/$p" ;; esac
}

gateway_trusted() {	# gateway_trusted DIR: DIR/gw.key, gw.pem (whitelisted signer) and relay.pem
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/gw.key" -out "$1/gw.pem" \
	    -days 30 -subj "/CN=gw/emailAddress=gw@corp.example" \
	    -addext "keyUsage=critical,digitalSignature" \
	    -addext "extendedKeyUsage=emailProtection" 2>/dev/null &&
	    wm-pki import --whitelist "$1/gw.pem" >/dev/null &&
	    wm-pki webmail-cert >"$1/relay.pem"
}
