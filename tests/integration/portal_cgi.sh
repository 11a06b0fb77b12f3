#!/bin/bash
# portal_cgi.sh - portal.cgi run directly as a CGI program (no web server):
# login through the CSRF double-submit cookie, the mailbox listing from the
# index (newest first, paged, marks, escaping, quota), deleting selected
# messages with and without the CSRF token, one message and its .eml,
# another user's message ids, and compose-allowed.
source "$(dirname "$0")/../lib.sh"

CGIBIN=${WM_CGI:-$(dirname "$BIN")/cgi}/portal.cgi
D=$(scratch)
CONF=$(mini_instance "$D")
echo "templates = $TOP/templates" >>"$CONF"
export WM_CONFIG=$CONF
COOKIE=""
QS=""

# cgi METHOD PATH [BODY]: one request; the response (headers and body) on stdout.
cgi() {
	local body=${3-}
	printf '%s' "$body" | env -i PATH="$PATH" WM_CONFIG="$CONF" \
	    REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING="$QS" \
	    HTTP_COOKIE="$COOKIE" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=${#body} "$CGIBIN" | tr -d '\r'
}
header() { sed -n "/^\$/q;s/^$1: //p"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//'; }
rows() { grep -c 'name="id"'; }

check "wm-user add" wm-user add bob@example.com
printf 'Correct-Horse-Battery-9\n' | wm-user set-password --force bob@example.com >/dev/null

out=$(cgi GET /portal/login)
pre=$(printf '%s\n' "$out" | header Set-Cookie | sed -n 's/^wmcsrf=\([0-9a-f]*\);.*/\1/p')
like "$pre" '^[0-9a-f]{64}$' "the login form sets a CSRF cookie"
is "$(printf '%s\n' "$out" | csrf_of)" "$pre" "the form carries the same token"

COOKIE="wmcsrf=$pre"
out=$(cgi POST /portal/login "address=bob%40example.com&password=Correct-Horse-Battery-9")
like "$(printf '%s\n' "$out" | header Status)" '^403' "login without the CSRF field is refused"
out=$(cgi POST /portal/login "csrf=$pre&address=bob%40example.com&password=Correct-Horse-Battery-9")
is "$(printf '%s\n' "$out" | header Location)" "/portal/inbox" "login redirects to the inbox"
sid=$(printf '%s\n' "$out" | header Set-Cookie | sed -n 's/^wmsession=\([0-9a-f]*\);.*/\1/p')
like "$sid" '^[0-9a-f]{64}$' "login sets a session cookie"
is "$(sqlite3 "$D/wm.db" "SELECT count(*) FROM sessions WHERE id_hash = '$sid'")" 0 \
    "the cookie value is not stored"
COOKIE="wmsession=$sid"
out=$(cgi GET /portal/inbox)
is "$(printf '%s\n' "$out" | grep -c '^Set-Cookie: wmcsrf')" 0 \
    "a logged-in page mints no pre-login CSRF token"
is "$(printf '%s\n' "$out" | csrf_of)" \
    "$(sqlite3 "$D/wm.db" "SELECT csrf FROM sessions WHERE principal = 'bob@example.com'")" \
    "its forms carry the session's token"

# Thirty messages in the index and the maildir, received one second apart.
box="$D/mail/bob=40example.com"
mkdir -p "$box/new" "$box/cur" "$box/tmp"
for i in $(seq 1 30); do
	printf 'Subject: Message %d\n\nbody %d\n' "$i" "$i" >"$box/new/m$i"
	subj="Message $i"
	[ "$i" = 30 ] && subj='<script>alert(1)</script> Zürich'
	sqlite3 "$D/wm.db" "INSERT INTO messages (mailbox, folder, file, from_addr,
	    subject, date, received, size, has_attachments, seen) VALUES
	    ('bob@example.com', 'inbox', 'new/m$i', 'Alice <alice@corp.example>',
	    '$subj', 0, $((1700000000 + i)), $((i * 1000)), $((i % 2 == 0)),
	    $((i <= 10)))"
done

out=$(cgi GET /portal/inbox)
like "$(printf '%s\n' "$out" | header Content-Security-Policy)" "default-src 'none'" "the inbox has a CSP"
is "$(printf '%s\n' "$out" | header Cache-Control)" "no-store" "the inbox is not cached"
is "$(printf '%s\n' "$out" | rows)" 25 "a page lists 25 messages"
like "$(printf '%s\n' "$out" | grep -m1 'class="subject"')" '&lt;script&gt;alert\(1\)&lt;/script&gt; Zürich' \
    "the newest message comes first, its subject escaped, UTF-8 intact"
is "$(printf '%s\n' "$out" | grep -c '<script>')" 0 "no markup from a subject reaches the page"
like "$out" "30 messages, 20 unread" "counts of messages and unread ones"
is "$(printf '%s\n' "$out" | grep -c 'class="unread"')" 20 "unread rows are marked"
is "$(printf '%s\n' "$out" | grep -c '\[attachment\]')" 13 "messages with attachments are marked"
like "$out" "Page 1 of 2" "the pages are counted"
like "$out" 'href="/portal/inbox\?p=2&amp;before=1700000006:[0-9]+"' \
    "a link leads to the older page, keyed by the last row shown"
next=$(printf '%s\n' "$out" | sed -n 's/.*rel="next" href="\/portal\/inbox?\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
like "$out" "of 1.0 GB" "the quota is shown"
like "$out" '<td class="size">30 KB</td>' "sizes are readable"

QS="p=2"
out=$(cgi GET /portal/inbox)
is "$(printf '%s\n' "$out" | rows)" 5 "the second page has the rest"
like "$out" '>Message 1<' "the oldest message is on the last page"
QS=$next
keyed=$(cgi GET /portal/inbox)
is "$(printf '%s\n' "$keyed" | rows)" 5 "the keyed link shows the rest"
is "$(printf '%s\n' "$keyed" | grep 'class="subject"')" "$(printf '%s\n' "$out" | grep 'class="subject"')" \
    "the same rows as the numbered page"
like "$keyed" "Page 2 of 2" "and counts the page"
like "$keyed" 'href="/portal/inbox\?p=1"' "the newer link leads to the first page"
QS="p=2&before=1:1"
is "$(cgi GET /portal/inbox | rows)" 5 "a stale key falls back to the page number"
QS=""

token=$(cgi GET /portal/inbox | csrf_of)
out=$(cgi POST /portal/inbox/delete "id=30&id=29")
like "$(printf '%s\n' "$out" | header Status)" '^403' "deleting without the CSRF token is refused"
is "$(sqlite3 "$D/wm.db" "SELECT count(*) FROM messages")" 30 "and deletes nothing"
out=$(cgi POST /portal/inbox/delete "csrf=$token&id=30&id=29&p=1")
is "$(printf '%s\n' "$out" | header Location)" "/portal/inbox" "deleting returns to the folder"
is "$(sqlite3 "$D/wm.db" "SELECT count(*) FROM messages")" 28 "the selected rows are gone"
check "the files of deleted messages are gone" test ! -e "$box/new/m30" -a ! -e "$box/new/m29"
check "other files stay" test -e "$box/new/m28"

sqlite3 "$D/wm.db" "INSERT INTO users (address, domain, created) VALUES ('eve@example.com', 'example.com', 1)"
sqlite3 "$D/wm.db" "INSERT INTO messages (mailbox, folder, file, subject, received, size)
    VALUES ('eve@example.com', 'inbox', 'new/e1', 'secret of eve', 1, 1)"
eid=$(sqlite3 "$D/wm.db" "SELECT id FROM messages WHERE mailbox = 'eve@example.com'")
cgi POST /portal/inbox/delete "csrf=$token&id=$eid" >/dev/null
is "$(sqlite3 "$D/wm.db" "SELECT count(*) FROM messages WHERE id = $eid")" 1 \
    "another user's message cannot be deleted"
is "$(cgi GET /portal/inbox | grep -c 'secret of eve')" 0 "nor listed"

out=$(cgi GET /portal/sent)
like "$out" "There are no messages" "the sent folder lists its own messages"

# One message: the page, the whole mail, and nothing of another user's.
mid=$(sqlite3 "$D/wm.db" "SELECT id FROM messages WHERE file = 'new/m5'")
out=$(cgi GET "/portal/msg/$mid")
is "$(printf '%s\n' "$out" | header Status)" "" "a message opens (200)"
like "$out" '<pre class="body">body 5' "its text is shown"
like "$out" '<title>Message 5 - Webmail' "its subject is the title"
is "$(printf '%s\n' "$out" | header Cache-Control)" "no-store" "the message page is not cached"
is "$(sqlite3 "$D/wm.db" "SELECT seen FROM messages WHERE id = $mid")" 1 "opening marks it read"
cgi_raw() {
	env -i PATH="$PATH" WM_CONFIG="$CONF" REQUEST_METHOD=GET PATH_INFO="$1" \
	    HTTP_COOKIE="$COOKIE" REMOTE_ADDR=127.0.0.1 "$CGIBIN" </dev/null
}
cgi_raw "/portal/msg/$mid/eml" | python3 -c 'import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[d.index(b"\r\n\r\n") + 4:])' >"$D/got.eml"
# Opening marked it read the maildir way: the file is cur/m5:2,S now.
is "$(sqlite3 "$D/wm.db" "SELECT file FROM messages WHERE id = $mid")" "cur/m5:2,S" \
    "the read mark is the standard maildir flag"
check "the .eml download is the original byte for byte" cmp "$D/got.eml" "$box/cur/m5:2,S"
out=$(cgi GET "/portal/msg/$mid/eml")
like "$(printf '%s\n' "$out" | header Content-Disposition)" "^attachment; filename=\"Message 5\.eml\"; filename\*=UTF-8''Message%205\.eml" \
    "the .eml has a download name, spaces kept"
like "$(printf '%s\n' "$out" | header Content-Security-Policy)" "sandbox" "downloads are sandboxed"
like "$(cgi GET "/portal/msg/$mid/part/9" | header Status)" '^404' "a part that does not exist is 404"
like "$(cgi GET "/portal/msg/$mid/body" | header Status)" '^404' "a mail without HTML has no HTML body"
for path in "/portal/msg/$eid" "/portal/msg/$eid/eml" "/portal/msg/$eid/part/1" \
    "/portal/msg/$eid/body" "/portal/reply/$eid"; do
	out=$(cgi GET "$path")
	like "$(printf '%s\n' "$out" | header Status)" '^404' "another user's message is 404: $path"
	is "$(printf '%s\n' "$out" | grep -c 'secret of eve')" 0 "and shows nothing of it: $path"
done
like "$(cgi GET /portal/msg/999999 | header Status)" '^404' "a message that does not exist is 404"
gone=$(sqlite3 "$D/wm.db" "SELECT id FROM messages WHERE file = 'new/m7'")
rm "$box/new/m7"
like "$(cgi GET "/portal/msg/$gone" | header Status)" '^404' "a message whose file went meanwhile is 404"
like "$(cgi GET /portal/compose | header Status)" '^403' "new mail is refused while compose-allowed is off"
is "$(cgi GET /portal/inbox | grep -c '/portal/compose')" 0 "and the inbox does not offer it"
wm-prefs set --user bob@example.com compose-allowed yes >/dev/null
is "$(cgi GET /portal/inbox | grep -c '/portal/compose')" 1 "with compose-allowed on, the inbox offers new mail"
like "$(cgi GET /portal/compose)" 'name="attachment1"' "and the form opens"

out=$(cgi POST /portal/logout "csrf=$token")
is "$(printf '%s\n' "$out" | header Location)" "/portal/login?out=1" "logout returns to the login page"
is "$(sqlite3 "$D/wm.db" "SELECT count(*) FROM sessions")" 0 "logout deletes the session"
out=$(cgi GET /portal/inbox)
is "$(printf '%s\n' "$out" | header Location)" "/portal/login?expired=1" \
    "the old cookie leads to the login page"
like "$(cgi GET /portal/msg/5 | header Location)" '^/portal/login' "pages behind the login need one"
like "$(cgi GET /portal/../../etc/passwd | header Status)" '^404' "unknown paths are 404"
# alt:, evar: and lvar: print without Config.VarEscapeMode: only var: escapes.
is "$(grep -l '<?cs *\(alt\|evar\|lvar\|uvar\):' "$TOP"/templates/html/*.cs)" "" \
    "page templates print variables only through the escaping var:"

done_testing
