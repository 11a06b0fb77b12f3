# tests/lib.sh - sourced by the integration tests: TAP output, the programs
# under test, throwaway instances and polling instead of sleeping.
# Every helper that starts something registers its cleanup with on_exit.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${WM_BIN:-$TOP/build/bin}
CORPUS=${WM_CORPUS:-$TOP/../shared/corpus/mime}
export PATH="$BIN:$PATH"
_tap_n=0
_tap_failed=0
_cleanup=()

ok() {		# ok DESCRIPTION: a passed check
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

not_ok() {	# not_ok DESCRIPTION [DETAIL...]
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	local d
	for d in "$@"; do printf '%s\n' "$d" | sed 's/^/# /'; done
}

check() {	# check DESCRIPTION COMMAND...: ok when the command succeeds
	local desc=$1
	shift
	local outp
	if outp=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "command: $*" "$outp"; fi
}

check_fails() {	# check_fails DESCRIPTION STATUS COMMAND...: the command exits with STATUS
	local desc=$1 want=$2
	shift 2
	local outp rc
	outp=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc"; else not_ok "$desc" "want exit $want, got $rc: $*" "$outp"; fi
}

is() {		# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:  $1" "want: $2"; fi
}

like() {	# like GOT REGEX DESCRIPTION
	if printf '%s' "$1" | grep -qE -- "$2"; then ok "$3"; else not_ok "$3" "got: $1" "want match: $2"; fi
}

on_exit() {	# on_exit COMMAND: run at exit, last registered first
	_cleanup=("$*" "${_cleanup[@]}")
}

_run_cleanup() {
	local c
	for c in "${_cleanup[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

trap _run_cleanup EXIT

free_port() {	# free_port: a TCP port on 127.0.0.1 that nobody holds (tests/tools/free_port.py)
	python3 "$TOP/tests/tools/free_port.py"
}

wait_for() {	# wait_for SECONDS COMMAND...: poll until the command succeeds
	local limit=$1
	shift
	local end=$(( $(date +%s) + limit ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# Scratch directories live under one root made here, in the test's own shell:
# scratch() runs inside $(...), where registering a cleanup would be lost.
# The root is under $TMPDIR (else /tmp); instances in it run Postfix and
# lighttpd as other users, so every directory above it must be searchable by
# others (wm-init refuses otherwise); a TMPDIR that is not gets a warning and
# /tmp instead.
_searchable() {	# _searchable DIR: DIR and every parent have o+x
	local d
	d=$(cd "$1" 2>/dev/null && pwd -P) || return 1
	while :; do
		[ "$(( 0$(stat -c %a "$d") & 1 ))" -eq 1 ] || return 1
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}
_tmp=${TMPDIR:-/tmp}
if ! _searchable "$_tmp"; then
	echo "# TMPDIR=$_tmp is not searchable by other users (postfix, wm); using /tmp" >&2
	_tmp=/tmp
fi
_scratch_root=$(mktemp -d "$_tmp/wmit.XXXXXX")
chmod 755 "$_scratch_root"
on_exit "rm -rf '$_scratch_root'"

scratch() {	# scratch: a fresh temporary directory, removed at exit
	local d
	d=$(mktemp -d "$_scratch_root/s.XXXXXX")
	chmod 755 "$d"
	echo "$d"
}

mini_instance() {	# mini_instance DIR: a bare wm.conf + empty database (no services)
	local d=$1
	mkdir -p "$d/mail" "$d/log" "$d/outbox"
	cat >"$d/wm.conf" <<EOC
[paths]
database = wm.db
mail = mail
log = log/wm.log
outbox = outbox
EOC
	: >"$d/wm.db"
	echo "$d/wm.conf"
}

stored_original() {	# stored_original DB FILE: the original of a stored maildir file
	# (what the portal's .eml gives): CR back before each LF where the index
	# says the mail was stored with Unix line ends.
	local u lf
	u=$(basename "$2" | sed 's/:.*//')
	lf=$(sqlite3 "$1" "SELECT stored_lf FROM messages WHERE file LIKE '%/$u' OR file LIKE '%/$u:%' LIMIT 1")
	if [ "$lf" = 1 ]; then
		python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b"\n", b"\r\n"))' <"$2"
	else
		cat "$2"
	fi
}
