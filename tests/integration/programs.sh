#!/bin/bash
# programs.sh - every program: --help and --version exit 0, its source opens
# with its manual (NAME, SYNOPSIS, DESCRIPTION, DIAGNOSTICS, SECURITY, FILES),
# a man page exists in man/ and renders with man -l.
source "$(dirname "$0")/../lib.sh"

progs=()
for src in "$TOP"/bin/*.c; do
	progs+=("$(basename "$src" .c)")
done
[ "${#progs[@]}" -gt 0 ] || not_ok "there are programs in bin/"

for p in "${progs[@]}"; do
	check "$p --help exits 0" "$BIN/$p" --help
	check "$p --version exits 0" "$BIN/$p" --version
	like "$("$BIN/$p" --version 2>&1)" "^$p [0-9]" "$p --version names itself"
	missing=""
	for s in NAME SYNOPSIS DESCRIPTION DIAGNOSTICS SECURITY FILES; do
		head -60 "$TOP/bin/$p.c" | grep -q "^ \* $s" || missing="$missing $s"
	done
	is "$missing" "" "$p source opens with its manual"
	page=$(ls "$TOP"/man/"$p".[158] 2>/dev/null | head -1)
	if [ -n "$page" ]; then
		out=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
		is "$out" "" "man page of $p renders without warnings"
		like "$(MANWIDTH=80 man -l "$page" 2>/dev/null)" "SYNOPSIS" "man page of $p has a synopsis"
	else
		not_ok "$p has a man page in man/"
	fi
done
for page in "$TOP"/man/wm.conf.5 "$TOP"/man/wm-tunnel.5; do
	if [ -f "$page" ]; then
		is "$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)" "" "$(basename "$page") renders"
	else
		not_ok "$(basename "$page") exists"
	fi
done
done_testing
