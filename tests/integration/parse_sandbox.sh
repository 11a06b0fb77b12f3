#!/bin/bash
# parse_sandbox.sh - acceptance 2: the portal parses a mail in a sandboxed
# child.  With the test-only fault hook on (WM_TEST_PARSE_FAULTS=1 in the
# FastCGI environment, and a header X-WM-Test-Fault in the mail) a mail whose
# parse crashes, loops or exhausts memory gives an error page for that mail,
# the FastCGI workers go on serving, the same user's other mail and another
# user's inbox are unaffected.  The filter itself (no file, no socket, no
# exec) is tested in tests/unit/test_sandbox.c.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"
source "$TOP/tests/portal.sh"

for t in curl sqlite3 runuser; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 0; }
done
T=$(scratch)
portal_up "$T/inst" || { not_ok "portal starts"; done_testing; exit 1; }
lconf=$inst/lighttpd/lighttpd.conf
sed -i 's/"bin-environment" => ( /&"WM_TEST_PARSE_FAULTS" => "1", /' "$lconf"
"$BIN/wm-ctl" -c "$conf" stop lighttpd >/dev/null
"$BIN/wm-ctl" -c "$conf" start lighttpd >/dev/null
wait_for 10 curl -sk -o /dev/null "$P/portal/login"
for who in alice bob; do portal_user "$who@example.com"; done

# mail ADDRESS NAME FAULT: a mail in the maildir and the index; its id
mail() {
	local box=$inst/mail/${1/@/=40}
	mkdir -p "$box/new" "$box/cur" "$box/tmp"
	{
		printf 'From: Carol <carol@corp.example>\nTo: %s\nSubject: %s\n' "$1" "$2"
		[ -n "$3" ] && printf 'X-WM-Test-Fault: %s\n' "$3"
		printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\n'
		printf 'Content-Type: text/html\n\n<p>Hello from %s</p>\n--b\n' "$2"
		printf 'Content-Type: text/plain; name=notes.txt\n'
		printf 'Content-Disposition: attachment; filename=notes.txt\n\nnotes of %s\n--b--\n' "$2"
	} >"$box/new/$2"
	chown -R "$user" "$inst/mail"
	runuser -u "$user" -- sqlite3 "$db" "INSERT INTO messages (mailbox, folder, file,
	    from_addr, subject, received, size) VALUES ('$1', 'inbox', 'new/$2',
	    'carol@corp.example', '$2', $(date +%s), 100); SELECT last_insert_rowid()"
}
ok_id=$(mail alice@example.com fine "")
crash_id=$(mail alice@example.com crashing crash)
loop_id=$(mail alice@example.com looping loop)
mem_id=$(mail alice@example.com greedy memory)
bob_id=$(mail bob@example.com bobs "")
sa=$(portal_login alice@example.com "$PW" "$T/a")
sb=$(portal_login bob@example.com "$PW" "$T/b")
get() { curl -sk -m 20 -H "Cookie: wmsession=$1" -o "$T/page" -w '%{http_code} %{time_total}' "$P/portal$2"; }

a=$(get "$sa" "/msg/$ok_id")
like "$a" '^200' "a sound mail is shown"
like "$(cat "$T/page")" 'notes\.txt' "... with its attachment list from the child"
part=$(grep -o "msg/$ok_id/part/[0-9]*" "$T/page" | head -n 1)
like "$(get "$sa" "/msg/$ok_id/body")" '^200' "its HTML body comes from the child"
like "$(cat "$T/page")" 'Hello from fine' "... sanitised"
like "$(get "$sa" "/${part:-msg/$ok_id/part/0}")" '^200' "its attachment comes from the child"
like "$(cat "$T/page")" 'notes of fine' "... with its bytes"
before=$(portal_workers)
for f in "$crash_id crashes" "$loop_id loops" "$mem_id exhausts its memory"; do
	id=${f%% *}
	a=$(get "$sa" "/msg/$id")
	like "$a" '^500' "a mail whose parse ${f#* } gives an error page ($a s)"
	like "$(cat "$T/page")" 'This message cannot be shown' "... that says so"
	like "$(get "$sb" /inbox)" '^200' "bob's inbox is served meanwhile"
	like "$(get "$sa" "/msg/$ok_id")" '^200' "alice's other mail is still shown"
done
case $(get "$sa" "/msg/$loop_id") in 500\ [0-6].*) ok "the looping parse is cut off within the time limit" ;;
*) not_ok "the looping parse is cut off within the time limit" ;; esac
is "$(portal_workers)" "$before" "the FastCGI workers survived every one"
like "$(grep -h "message $crash_id of alice" "$inst/log/wm.log")" 'parser crashed' \
    "the log says the parser crashed"
like "$(get "$sb" "/msg/$bob_id")" '^200' "bob's mail is shown"
case $(cat "$T/page") in *crashing*|*looping*|*alice@example.com*) not_ok "bob sees nothing of alice's" ;;
*) ok "bob sees nothing of alice's" ;; esac

# Rows delivery stored undecoded (messages.indexed = 0): with the notice
# sender stopped, the portal decodes them itself before it lists the inbox,
# in the sandboxed child; a mail that crashes the parser is listed all the
# same, with empty fields, and the others beside it are decoded.
"$BIN/wm-ctl" -c "$conf" stop notify >/dev/null 2>&1
undecoded() {	# undecoded NAME SUBJECT-LINE FAULT: a row without its fields; its id
	local box=$inst/mail/alice=40example.com
	{
		printf 'From: =?UTF-8?B?SsO2cmc=?= <joerg@corp.example>\nTo: alice@example.com\n'
		printf 'Subject: %s\nMessage-ID: <%s@corp.example>\n' "$2" "$1"
		[ -n "$3" ] && printf 'X-WM-Test-Fault: %s\n' "$3"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n'
		printf '\nHello, Gr\374\337e from the body\n'
	} >"$box/new/$1"
	chown -R "$user" "$inst/mail"
	runuser -u "$user" -- sqlite3 "$db" "INSERT INTO messages (mailbox, folder, file,
	    received, size, indexed) VALUES ('alice@example.com', 'inbox', 'new/$1',
	    $(date +%s), 100, 0); SELECT last_insert_rowid()"
}
latin_id=$(undecoded latin1 '=?ISO-8859-1?Q?Gr=FC=DFe_aus_Bern?=' "")
bad_id=$(undecoded hostile 'never read' crash)
like "$(get "$sa" /inbox)" '^200' "an inbox with undecoded rows is served"
like "$(cat "$T/page")" 'Grüße aus Bern' "... with the Latin-1 subject decoded by the portal"
like "$(cat "$T/page")" 'Jörg' "... and the sender's name"
is "$(sqlite3 "$db" "SELECT indexed, subject, message_id FROM messages WHERE id = $latin_id")" \
    "1|Grüße aus Bern|latin1@corp.example" "the index row is complete now"
like "$(sqlite3 "$db" "SELECT indexed || ' ' || header_error FROM messages WHERE id = $bad_id")" \
    '^1 .*crashed' "the mail that crashed the parser is indexed with the reason"
like "$(get "$sa" "/msg/$latin_id")" '^200' "the decoded mail is shown"
# The child can open no file, so iconv cannot load a converter there: the
# parent loads them first, or a Latin-1 body comes out as "Gr??e".
like "$(cat "$T/page")" 'Hello, Grüße from the body' "... its Latin-1 body converted in the child"
is "$(portal_workers)" "$before" "the FastCGI workers survived the indexing crash"

done_testing
