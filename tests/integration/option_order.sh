#!/bin/bash
# option_order.sh - every program takes options before and after operands
# (GNU style) and "--" ends options.  The generic part runs over whatever is
# in build/bin, so programs added later are covered without editing this file.
source "$(dirname "$0")/../lib.sh"

progs=()
for p in "$BIN"/wm-*; do
	[ -x "$p" ] && progs+=("$(basename "$p")")
done
[ "${#progs[@]}" -gt 0 ] || not_ok "there are programs in $BIN"

# Under POSIXLY_CORRECT too: glibc then stops at the first operand unless
# the program asks for in-order parsing (wm_cli_getopt does).
for p in "${progs[@]}"; do
	want=$("$BIN/$p" --help 2>&1)
	for env in "" "POSIXLY_CORRECT=1"; do
		got=$(env $env "$BIN/$p" some-operand --help 2>&1)
		rc=$?
		if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
			ok "$p OPERAND --help prints the help ${env:+($env)}"
		else
			not_ok "$p OPERAND --help prints the help ${env:+($env)}" "exit $rc" "$got"
		fi
	done
	# In a scratch directory: for wm-init "--help" is now a directory name.
	got=$(cd "$(scratch)" && "$BIN/$p" -- --help 2>/dev/null)
	if [ "$got" != "$want" ]; then
		ok "$p -- --help takes --help as an operand"
	else
		not_ok "$p -- --help takes --help as an operand"
	fi
done

# The examples of the issue, with options after the operands.
d=$(scratch)/box
check "wm-init DIR --capture-outbound" wm-init "$d" --capture-outbound
like "$(sed -n '/^\[instance\]/,/^\[/p' "$d/wm.conf")" "capture-outbound = yes" \
	"the option after the directory took effect"
export WM_CONFIG=$d/wm.conf
out=$(wm-user list --json)
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(type(json.load(sys.stdin)).__name__)' 2>&1)" \
	"list" "wm-user list --json gives JSON"
like "$(wm-prefs get quota --verbose)" "^quota = [0-9]+ \(from " "wm-prefs get quota --verbose"
check "wm-prefs set quota 2G --domain example.com" wm-prefs set quota 2G --domain example.com
is "$(wm-prefs get quota --user bob@example.com)" "2147483648" "the scope option after operands applies"
check "wm-prefs -c FILE after the operands" wm-prefs get quota -c "$WM_CONFIG"
is "$(WM_CONFIG=/nonexistent wm-prefs get quota -c "$d/wm.conf")" "1073741824" \
	"-c after the operands selects the instance"
check_fails "wm-prefs get -- --verbose: an unknown setting, not an option" 64 \
	wm-prefs get -- --verbose
check_fails "wm-user show -- --json: an address, not an option" 65 \
	wm-user show -- --json
# -c once only: sudoers entries fix "-c /etc/wm/wm.conf" and some end in a
# wildcard, where a second -c would pick root's configuration.
for p in "${progs[@]}"; do
	out=$("$BIN/$p" -c /nonexistent/a.conf show -c /nonexistent/b.conf 2>&1)
	rc=$?
	if [ "$rc" -eq 64 ] && [[ "$out" == *"-c given twice"* ]]; then
		ok "$p refuses a second -c (64)"
	else
		not_ok "$p refuses a second -c (64)" "exit $rc" "$out"
	fi
done
done_testing
