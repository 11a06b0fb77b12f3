# bench/hello.sh - sourced by benchmarks: the baseline, a hello-world C CGI
# (bench/hello.c) on a listener of its own in the instance's lighttpd, with
# the same TLS setup as the instance's listeners.
# hello_listener DIR CONF INST: configures it under DIR and prints its URL
# (call before lighttpd starts).
hello_listener() {
	local T=$1 conf=$2 inst=$3 hello hport lconf pem
	mkdir -p "$T/hello"
	hello=$(dirname "$BIN")/bench/hello
	if [ -x "$hello" ]; then
		cp "$hello" "$T/hello/hello.cgi"
	else
		${CC:-cc} -O2 -o "$T/hello/hello.cgi" "$TOP/bench/hello.c" || return 1
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
	echo "https://127.0.0.1:$hport"
}
