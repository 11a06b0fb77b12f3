#!/bin/bash
# doc_names.sh - every program README.md and the man pages name exists in
# the build: each wm-NAME in build/bin, each NAME.cgi in build/cgi.  Names
# are read from the docs and the build at test time, so programs and pages
# added later are checked without editing this file.
source "$(dirname "$0")/../lib.sh"

CGI=${WM_CGI:-$(dirname "$BIN")/cgi}
docs=("$TOP/README.md" "$TOP"/man/*.[1-8])

# The text of a doc with roff escapes of hyphens and fonts undone.
doc_text() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' "$1"
}

names=$(for doc in "${docs[@]}"; do
	# A name ends where the word does: "wm-logs-3.tar" names no program.
	doc_text "$doc" | grep -oP '(?<![A-Za-z0-9_.-])(wm-[a-z0-9]+(-[a-z0-9]+)*(?![A-Za-z0-9_-])|[a-z][a-z0-9_-]*\.cgi\b)' |
		sed "s|^|${doc#"$TOP"/} |"
done | sort -u)
[ -n "$names" ] || not_ok "the docs name programs"

built=()
for p in "$BIN"/wm-* "$CGI"/*.cgi; do
	[ -x "$p" ] && [ -f "$p" ] && built+=("$(basename "$p")")
done
[ "${#built[@]}" -gt 0 ] || not_ok "there is a build in $BIN and $CGI"

is_built() {
	local b
	for b in "${built[@]}"; do [ "$b" = "$1" ] && return 0; done
	return 1
}

while read -r doc name; do
	[ -n "$name" ] || continue
	if is_built "$name"; then
		ok "$doc names $name, which is built"
	else
		not_ok "$doc names $name, which is built" \
			"$(grep -n -- "$name" "$TOP/$doc" | head -3)"
	fi
done <<<"$names"

# Every built program is in the docs (its own man page at least).
for b in "${built[@]}"; do
	grep -q -- "$b" <<<"$names" && ok "$b is documented" || not_ok "$b is documented"
done

# The shipped master.cf fragment shows the notice sender's submission
# listener; wm-init prints the same service (postinst adds that one), so the
# two must not drift apart.
frag=$(awk '/^[^ ]/ { on = /^127\.0\.0\.1:10588 / } on' \
    "$TOP/conf/postfix/master.cf.fragment" | tr -s ' \n' ' ' | sed 's/ $//')
made=$("$BIN/wm-init" -c "$TOP/conf/wm.conf" --system --postfix-submit | tr -s ' \n' ' ' | sed 's/ $//')
is "$frag" "$made" "master.cf.fragment's submission listener is what wm-init --postfix-submit prints"
done_testing
