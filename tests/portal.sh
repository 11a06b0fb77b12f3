# tests/portal.sh - sourced after tests/lib.sh and tests/instance.sh by tests
# of the portal behind the instance's real lighttpd and FastCGI workers.
#
#   portal_up "$T/inst" || exit 1      # wm-init, lighttpd started, $P set
#   portal_user alice@example.com      # account with $PW
#   sid=$(portal_login alice@example.com "$PW" "$T/jar")

PW=Correct-Horse-Battery-9

portal_up() {	# portal_up DIR: instance with lighttpd only; sets P, conf, db, user
	inst=$1
	conf=$inst/wm.conf
	"$BIN/wm-init" "$inst" >/dev/null || return 1
	db=$(instance_db "$inst")
	user=$(sed -n '/^\[instance\]/,/^\[/s/^user = //p' "$conf")
	on_exit "'$BIN/wm-ctl' -c '$conf' stop lighttpd"
	"$BIN/wm-ctl" -c "$conf" start lighttpd >/dev/null || return 1
	P=https://127.0.0.1:$(instance_port "$inst" portal)
	wait_for 10 curl -sk -o /dev/null "$P/portal/login"
}

portal_user() {	# portal_user ADDRESS [PASSWORD]: an enabled account
	"$BIN/wm-user" -c "$conf" add "$1" >/dev/null
	printf '%s\n' "${2:-$PW}" |
	    "$BIN/wm-user" -c "$conf" set-password --force "$1" >/dev/null
}

portal_pre() {	# portal_pre JAR: the pre-login CSRF token (cookie kept in JAR)
	curl -sk -c "$1" -o /dev/null "$P/portal/login"
	awk '$6 == "wmcsrf" { print $7 }' "$1"
}

portal_login() {	# portal_login ADDRESS PASSWORD JAR: the session id ("" if none)
	local pre
	pre=$(portal_pre "$3")
	curl -sk -b "$3" -c "$3" -o /dev/null --data-urlencode "csrf=$pre" \
	    --data-urlencode "address=$1" --data-urlencode "password=$2" \
	    "$P/portal/login"
	awk '$6 == "wmsession" { print $7 }' "$3"
}

portal_csrf() {	# portal_csrf SESSION: the CSRF token of a session, from a page
	curl -sk -H "Cookie: wmsession=$1" "$P/portal/settings" |
	    sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1
}

portal_status() {	# portal_status CURL-ARGS...: the HTTP status of one request
	curl -sk -o /dev/null -w '%{http_code}' "$@"
}

portal_workers() {	# portal_workers: pids of this instance's FastCGI workers
	local pidf
	pidf=$(find "$inst" -name lighttpd.pid | head -n 1)
	pgrep -P "$(cat "$pidf")" -x portal.cgi | sort | tr '\n' ' '
}
