#!/bin/bash
# admin_cli.sh - what the console does, from the shell: wm-ctl queue (list,
# hold, release, headers, delete, flush) on the instance's real Postfix with
# the next hop down, wm-testmail (fields checked one by one, the mail
# captured), wm-ctl reboot and shutdown (their configured commands), and
# wm-audit list with --since, --actor and --json, as wm-audit(8),
# wm-testmail(8) and wm-ctl(8) show them.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

T=$(scratch)
inst=$T/inst
start_instance "$inst" || { not_ok "instance starts"; done_testing; exit 1; }
export PATH=$BIN:$PATH WM_CONFIG=$inst/wm.conf

# ---- wm-testmail ----
out=$(printf 'x\n' | wm-testmail --to 'a@example.net' --from 'b@example.com' \
    --subject "$(printf 'two\nlines')" 2>&1); rc=$?
is "$rc" 65 "CR/LF in the subject: 65"
like "$out" 'subject: line breaks' "naming the field"
out=$(printf 'x\n' | wm-testmail --to 'a@example.net' --from 'b@example.com' \
    --header "$(printf 'X-A: 1\rBcc: evil@example.com')" 2>&1); rc=$?
is "$rc" 65 "CR in an additional header: 65"
check_fails "a From that is no address: 65" 65 sh -c \
    "echo x | wm-testmail --to a@example.net --from 'not an address'"
check_fails "a body over 4096 characters: 65" 65 sh -c \
    "head -c 5000 /dev/zero | tr '\\0' a | wm-testmail --to a@example.net --from b@example.com"
check "wm-testmail(8) example" sh -c \
    "echo 'Hello from the box' | wm-testmail --to 'Zoë <zoe@example.net>' \
    --from admin@example.com --subject 'Test' --header 'X-Test: 1'"
wait_outbox "$inst" 1 30
mail=$(outbox_grep "$inst" 'X-Test: 1')
[ -n "$mail" ] && ok "the test mail is captured with its header" || not_ok "the test mail is captured with its header"

# ---- the queue, with the next hop down ----
wm-ctl stop sink >/dev/null
printf 'queued\n' | wm-testmail --to q1@example.net --from admin@example.com --subject one >/dev/null
printf 'queued\n' | wm-testmail --to q2@example.net --from admin@example.com --subject two >/dev/null
deferred() { [ "$(wm-ctl queue list --json | grep -c '"queue": "deferred"')" -ge "$1" ]; }
wait_for 60 deferred 2 && ok "two mails deferred" || not_ok "two mails deferred"
json=$(wm-ctl queue list --json)
is "$(python3 -c 'import json,sys; q=json.load(sys.stdin); print(len(q), all(m["reason"] for m in q), sorted(m["recipients"] for m in q))' <<<"$json")" \
    "2 True ['q1@example.net', 'q2@example.net']" "queue list --json: ids, recipients and the reason"
id1=$(python3 -c 'import json,sys; print([m["id"] for m in json.load(sys.stdin) if m["recipients"]=="q1@example.net"][0])' <<<"$json")
id2=$(python3 -c 'import json,sys; print([m["id"] for m in json.load(sys.stdin) if m["recipients"]=="q2@example.net"][0])' <<<"$json")
like "$(wm-ctl queue list)" "$id1	[a-z]+	[0-9]+	[0-9T:Z-]+	<[^>]*>	q1@example.net" "queue list as text"
check "queue hold" wm-ctl queue hold "$id1"
like "$(wm-ctl queue list)" "$id1	hold" "the mail is on hold"
check "queue release" wm-ctl queue release "$id1"
like "$(wm-ctl queue headers "$id1")" 'Subject: one' "queue headers shows its headers"
check_fails "queue delete ALL is no queue id" 65 wm-ctl queue delete ALL
check_fails "nor a path" 65 wm-ctl queue delete ../../etc
check "queue delete" wm-ctl queue delete "$id2"
if wm-ctl queue list | grep -q "$id2"; then not_ok "the deleted mail is gone"; else ok "the deleted mail is gone"; fi
wm-ctl start sink >/dev/null
check "queue flush" wm-ctl queue flush
wait_for 60 sh -c "[ \"\$('$BIN/wm-ctl' queue list --json)\" = '[]' ]" && ok "after the flush the queue is empty" ||
    not_ok "after the flush the queue is empty"
[ -n "$(outbox_grep "$inst" 'q1@example.net')" ] && ok "the flushed mail reached the next hop" ||
    not_ok "the flushed mail reached the next hop"

# ---- reboot and shutdown run what wm.conf names ----
# (wm-init names the instance's own restart and stop there: replaced.)
sed -i -e '/^system-reboot = /d' -e '/^system-shutdown = /d' \
    -e "s|^\[commands\]|[commands]\nsystem-reboot = /usr/bin/touch $T/rebooted\nsystem-shutdown = /usr/bin/touch $T/halted|" "$inst/wm.conf"
check "wm-ctl reboot" wm-ctl reboot
check "wm-ctl shutdown" wm-ctl shutdown
[ -f "$T/rebooted" ] && [ -f "$T/halted" ] && ok "each ran its [commands] entry" || not_ok "each ran its [commands] entry"

# ---- wm-audit ----
printf 'Tulip-Harbor-Lantern-42\n' | wm-admin add alice >/dev/null
check "wm-audit(8): wm-audit list --since 2026-12-01" wm-audit list --since 2026-12-01
json=$(wm-audit list --actor "cli:$(id -un)" --json)
is "$(python3 -c 'import json,sys; a=json.load(sys.stdin); print(sorted({e["action"] for e in a}))' <<<"$json")" \
    "['admin-add', 'testmail']" "wm-audit --actor --json lists the admin and test mail changes"
like "$json" '"object": "admin alice"' "with the object"
is "$(wm-audit list --since 2099-01-01 --json)" "[]" "--since in the future: none"
is "$(wm-audit list --actor nobody --json)" "[]" "--actor of nobody: none"
check_fails "a bad --since: 64" 64 wm-audit list --since yesterday
check "wm-audit(8): wm-audit list --actor admin --json" wm-audit list --actor admin --json
done_testing
