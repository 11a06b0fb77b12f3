#!/bin/bash
# init_parents.sh - wm-init refuses, in one line naming the directory and the
# chmod that fixes it, an instance under a parent that postfix, wm or the
# web user cannot search (a mktemp -d: mode 0700, root); once fixed the
# instance starts.  And tests/lib.sh keeps its scratch space under $TMPDIR.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

p=$(mktemp -d)
on_exit "rm -rf '$p'"
is "$(stat -c %a "$p")" "700" "mktemp -d makes a 0700 parent"
out=$("$BIN/wm-init" --capture-outbound "$p/box" 2>&1 >/dev/null)
rc=$?
is "$rc" "77" "wm-init under it exits 77 (EX_NOPERM)"
is "$(printf '%s\n' "$out" | wc -l)" "1" "with one line"
like "$out" "^wm-init: $p \(mode 0700\) is not searchable by user [a-z-]+.*: chmod o\+x $p" \
	"naming the directory, the user and the fix"
[ ! -e "$p/box" ]
is "$?" "0" "and creates nothing"

# Deeper: the refusal names the outermost directory at fault.
mkdir -p "$p/a/b"
chmod 711 "$p"
chmod 700 "$p/a"
like "$("$BIN/wm-init" "$p/a/b/box" 2>&1)" "^wm-init: $p/a \(mode 0700\)" \
	"a deeper parent at fault is named"
chmod 711 "$p/a"
chmod 700 "$p/a/b"
like "$("$BIN/wm-init" "$p/a/b/box" 2>&1)" "^wm-init: $p/a/b \(mode 0700\)" \
	"the direct parent is checked too"

# Group permission: a parent of group wm with g+x but not o+x lets wm in but
# not postfix.
chmod 710 "$p/a/b"
chgrp wm "$p/a/b"
like "$("$BIN/wm-init" "$p/a/b/box" 2>&1)" "not searchable by user postfix" \
	"group bits count for the group's members only"

# The fix the message gives works: the instance starts.
chmod o+x "$p/a/b"
if start_instance "$p/a/b/box"; then
	ok "after chmod o+x the instance is created and starts"
else
	not_ok "after chmod o+x the instance is created and starts" \
		"$(tail -5 "$p/a/b/box/log/postfix.log" 2>/dev/null)"
fi
"$BIN/wm-ctl" -c "$p/a/b/box/wm.conf" stop >/dev/null 2>&1

# tests/lib.sh honours TMPDIR, and falls back to /tmp from one others
# cannot search.
t=$(scratch)/tmpdir
mkdir -p "$t"
root=$(TMPDIR=$t bash -c 'source "$1/tests/lib.sh"; echo "$_scratch_root"' _ "$TOP" 2>/dev/null)
like "$root" "^$t/wmit\." "the scratch root is under \$TMPDIR"
chmod 700 "$t"
out=$(TMPDIR=$t bash -c 'source "$1/tests/lib.sh"; echo "$_scratch_root"' _ "$TOP" 2>&1)
like "$out" "not searchable" "an unsearchable TMPDIR is reported"
like "$(printf '%s' "$out" | tail -1)" "^/tmp/wmit\." "and /tmp is used instead"
chmod 755 "$t"
done_testing
