#!/bin/bash
# backup.sh - wm-backup on real instances (Postfix, lighttpd, gpg):
#  1. backup, then change settings, delete a user, replace certificates and
#     keys, edit a template; restore: all as before, services restarted, a
#     delivery right after works;
#  2. an encrypted backup opens with stock gpg and tar; a wrong password, a
#     flipped byte, a truncated or a foreign file are refused and the
#     database is unchanged; a newer schema is refused, an older migrated;
#  3. a backup taken while 50 tunnels are delivered restores into a fresh
#     instance with integrity_check ok and every indexed mail of the
#     snapshot present.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

W=$(scratch)
d=$W/inst
start_instance "$d" || { not_ok "instance starts"; done_testing; exit 1; }
db=$(instance_db "$d")
smtp=$(instance_port "$d" smtp)
relay=$(wm-prefs get relay-recipient)

check "gateway certificate whitelisted" gateway_trusted "$W"

n=0
tunnel() {	# tunnel RCPT: a fresh tunnel for RCPT in $W/t.N.eml; prints its path
	n=$((n + 1))
	printf 'From: alice@corp.example\r\nTo: %s\r\nSubject: mail %d\r\nMessage-ID: <b%d.%s@corp.example>\r\n\r\nbody %d\r\n' \
	    "$1" "$n" "$n" "$$" "$n" >"$W/o.$n.eml"
	wm-tunnel --sender alice@corp.example --recipient "$1" --sign-key "$W/gw.key" \
	    --sign-cert "$W/gw.pem" --to-cert "$W/relay.pem" "$W/o.$n.eml" >"$W/t.$n.eml"
	echo "$W/t.$n.eml"
}
sq() { sqlite3 -cmd ".timeout 10000" "$@"; }
count() { sq "$1" "SELECT count(*) FROM messages${2:+ WHERE mailbox='$2'}"; }
dbsum() { sq "$1" .dump | sha256sum | cut -d' ' -f1; }

# --- 1. a restore puts every setting back -------------------------------
check "user bob" wm-user add bob@example.com
check "user carol" wm-user add carol@example.com
check "setting quota" wm-prefs set quota 2G
check "setting comment" wm-prefs set comment "before the backup"
check "domain setting" wm-prefs set --domain example.com login-allowed no
check "user setting" wm-prefs set --user bob@example.com quota 3G
sq "$db" "INSERT INTO templates (scope, owner, name, body) VALUES ('global', '', 'notification', 'Mail waits for you, <?cs var:user ?>.')"

state() {	# state: everything a restore must bring back
	wm-prefs list --json
	wm-prefs get --user bob@example.com --verbose quota
	wm-user list --json
	wm-pki list --json
	sq "$db" "SELECT * FROM templates ORDER BY name" "SELECT id, hex(sha256) FROM (SELECT rowid AS id, 1 AS sha256 FROM private_keys)"
	sq "$db" "SELECT count(*), sum(length(pem)) FROM private_keys" 2>/dev/null
	sha256sum <"$d/tls/server.pem"
	wm-pki webmail-cert
}
state >"$W/state.before"
check "backup with a password" sh -c "echo 'correct horse' | wm-backup create --password-fd 0 --to '$W/full.tar.gpg'"
check "plain backup" wm-backup create --to "$W/full.tar"

check "change quota" wm-prefs set quota 9G
check "change comment" wm-prefs set comment "after the backup"
check "change domain setting" wm-prefs unset --domain example.com login-allowed
check "change user setting" wm-prefs set --user bob@example.com quota 1G
check "change strength" wm-prefs set min-password-strength 60
check "change schedule" wm-prefs set backup-cron "0 0 4 * * ?"
check "delete carol" wm-user delete carol@example.com
check "new relay key and certificate" wm-pki webmail-cert --create
check "another certificate" wm-pki import --root "$W/gw.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/new.key" \
    -out "$W/new.crt" -days 5 -subj "/CN=replaced" 2>/dev/null
cat "$W/new.key" "$W/new.crt" >"$d/tls/server.pem"
sq "$db" "UPDATE templates SET body = 'edited' WHERE name = 'notification'"
state >"$W/state.changed"
if cmp -s "$W/state.before" "$W/state.changed"; then not_ok "the changes show"; else ok "the changes show"; fi

lpid=$(cat "$d/run/lighttpd.pid")
ppid=$(head -1 "$d/spool/pid/master.pid" | tr -d ' ')
out=$(echo 'correct horse' | wm-backup restore --password-fd 0 "$W/full.tar.gpg" 2>&1)
like "$out" "restored: schema [0-9]+; [0-9]+ files; services restarted" "restore reports what it did"
state >"$W/state.after"
if cmp -s "$W/state.before" "$W/state.after"; then ok "settings, users, certificates, keys, template and TLS file as before"
else not_ok "settings, users, certificates, keys, template and TLS file as before" "$(diff "$W/state.before" "$W/state.after" | head -20)"; fi
is "$(wm-prefs get quota)" 2147483648 "quota as before"
is "$(wm-prefs get comment)" "before the backup" "comment as before"
check "carol is back" wm-user show carol@example.com
nlpid=$(cat "$d/run/lighttpd.pid" 2>/dev/null)
nppid=$(head -1 "$d/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
[ -n "$nlpid" ] && [ "$nlpid" != "$lpid" ] && kill -0 "$nlpid" && ok "lighttpd was restarted" || not_ok "lighttpd was restarted" "$lpid -> $nlpid"
[ -n "$nppid" ] && [ "$nppid" != "$ppid" ] && kill -0 "$nppid" && ok "postfix was restarted" || not_ok "postfix was restarted" "$ppid -> $nppid"
check "a restarted cron loop" wait_for 10 test -s "$d/run/cron.pid"
like "$(sq "$db" "SELECT action FROM audit ORDER BY id DESC LIMIT 1")" "backup-restore" "the restore is audited"
t=$(tunnel bob@example.com)
check "a tunnel right after the restore is accepted" smtp_send "$smtp" gw@corp.example "$relay" "$t"
check "and delivered" wait_for 30 sh -c "[ \$(sqlite3 -cmd '.timeout 10000' '$db' \"SELECT count(*) FROM messages WHERE mailbox='bob@example.com'\") -ge 1 ]"

# --- 2. encryption, refusals ---------------------------------------------
G=$W/gnupg
mkdir -m 700 "$G"
gpg --homedir "$G" --batch --pinentry-mode loopback --passphrase-fd 3 --decrypt \
    -o "$W/stock.tar" "$W/full.tar.gpg" 3<<<"correct horse" 2>/dev/null
members=$(tar -tf "$W/stock.tar" | sort | tr '\n' ' ')
like "$members" "MANIFEST .*conf/wm.conf db/wm.db .*postfix/main.cf .*tls/server.pem" "stock gpg --decrypt gives a tar that stock tar -t lists"
like "$(tar -xOf "$W/stock.tar" MANIFEST)" "^wm-backup-format: 1" "the MANIFEST names the format"
like "$(tar -xOf "$W/stock.tar" MANIFEST)" "file: [0-9a-f]{64} [0-9]+ db/wm.db" "the MANIFEST has each member's SHA-256"
like "$(gpg --homedir "$G" --list-packets --batch --pinentry-mode loopback --passphrase-fd 3 "$W/full.tar.gpg" 3<<<"correct horse" 2>&1)" "AES256|cipher 9" "encrypted with AES256"
tar -tf "$W/full.tar" | grep -q '^mail' && not_ok "no users' mail in the backup" || ok "no users' mail in the backup"

# The instance's services write (job state every minute, notices of the
# mail just delivered): stop them so the database checksum shows only what a
# refused restore might change.
check "services stopped for the checksums" wm-ctl stop
sum=$(dbsum "$db")
refused() {	# refused DESC REGEX COMMAND...: exit 65, message, database unchanged
	local desc=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	is "$rc" 65 "$desc: refused (65)"
	like "$out" "$re" "$desc: clear message"
	is "$(dbsum "$db")" "$sum" "$desc: database checksum identical"
}
refused "wrong password" "wrong password" sh -c "echo 'wrong horse' | wm-backup restore --password-fd 0 '$W/full.tar.gpg'"
refused "no password" "encrypted: its password is needed" wm-backup restore "$W/full.tar.gpg"
size=$(stat -c %s "$W/full.tar.gpg")
cp "$W/full.tar.gpg" "$W/flip.gpg"
printf '\x55' | dd of="$W/flip.gpg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$W/full.tar.gpg" "$W/flip.gpg" && printf '\xaa' | dd of="$W/flip.gpg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refused "one flipped byte (encrypted)" "corrupt" sh -c "echo 'correct horse' | wm-backup restore --password-fd 0 '$W/flip.gpg'"
head -c $((size / 2)) "$W/full.tar.gpg" >"$W/short.gpg"
refused "truncated (encrypted)" "corrupt|truncated" sh -c "echo 'correct horse' | wm-backup restore --password-fd 0 '$W/short.gpg'"
# A flipped byte inside the database member of a plain backup.
off=$(python3 - "$W/full.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = t.getmember("db/wm.db")
    print(m.offset_data + m.size // 2)
PY
)
cp "$W/full.tar" "$W/flip.tar"
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); b=f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0]^1]))" "$W/flip.tar" "$off"
refused "one flipped byte (plain)" "checksum of db/wm.db does not match" wm-backup restore "$W/flip.tar"
head -c $(( $(stat -c %s "$W/full.tar") - 3000 )) "$W/full.tar" >"$W/short.tar"
refused "truncated (plain)" "truncated|corrupt" wm-backup restore "$W/short.tar"
mkdir -p "$W/foreign/etc" && echo hello >"$W/foreign/etc/motd"
tar -C "$W/foreign" -cf "$W/foreign.tar" etc
refused "a foreign tar" "not a wm backup" wm-backup restore "$W/foreign.tar"
echo "not a tar at all" >"$W/junk"
refused "not an archive" "not a tar|not a wm backup|corrupt" wm-backup restore "$W/junk"

check "services started again" wm-ctl start

# Schema versions: a newer one is refused, an older one migrated forward.
repack() {	# repack NAME SQL: the plain backup with SQL applied to its database
	local x=$W/x.$1
	mkdir -p "$x" && tar -C "$x" -xf "$W/full.tar"
	sq "$x/db/wm.db" "$2"
	local v sha size
	v=$(sq "$x/db/wm.db" "PRAGMA user_version")
	sha=$(sha256sum <"$x/db/wm.db" | cut -d' ' -f1)
	size=$(stat -c %s "$x/db/wm.db")
	sed -i -e "s/^schema-version: .*/schema-version: $v/" \
	    -e "s|^file: [0-9a-f]* [0-9]* db/wm.db|file: $sha $size db/wm.db|" "$x/MANIFEST"
	(cd "$x" && tar -cf "$W/$1.tar" $(tar -tf "$W/full.tar"))
}
cur=$(sq "$W/x" "SELECT 1" >/dev/null 2>&1; tar -xOf "$W/full.tar" MANIFEST | sed -n 's/^schema-version: //p')
repack newer "PRAGMA user_version = $((cur + 1))"
check "services stopped" wm-ctl stop
sum=$(dbsum "$db")
refused "a backup from a newer version" "newer version" wm-backup restore "$W/newer.tar"
check "services started" wm-ctl start
# Two schemas back: the newest migrations (lib/db.c: the trigram index of
# user search, then the rows awaiting decoding) undone.
repack older "DROP INDEX messages_unindexed; ALTER TABLE messages DROP COLUMN indexed;
    DROP TRIGGER users_search_insert; DROP TRIGGER users_search_delete;
    DROP TRIGGER users_search_update; DROP TABLE users_search;
    PRAGMA user_version = $((cur - 2))"
out=$(wm-backup restore "$W/older.tar" 2>&1)
like "$out" "schema $((cur - 2)) \(migrated\)" "an older backup is migrated forward"
check "the migrated database has the newer table" sq "$db" "SELECT count(*) FROM users_search"
is "$(sq "$db" "SELECT count(*) FROM messages WHERE indexed = 1")" \
    "$(sq "$db" "SELECT count(*) FROM messages")" "... and every restored row counts as decoded"
is "$(sq "$db" "PRAGMA user_version")" "$cur" "the database is at the current schema"
check "the migrated database has the new table" sq "$db" "SELECT count(*) FROM jobs"

# The examples of wm-backup(8) without a share, exactly as written there.
ex=$(scratch)
man_example() {	# man_example N: line N of the EXAMPLES of wm-backup(8)
	sed -n '/^\.SH EXAMPLES/,/^\.fi/p' "$TOP/man/wm-backup.8" | grep '^wm-backup\|^echo' | sed -n "$1p"
}
for i in 1 2 3 4; do
	cmd=$(man_example $i)
	check "man page: $cmd" bash -c "cd '$ex' && $cmd"
done
check "the examples made both files" test -s "$ex/box.tar" -a -s "$ex/box.tar.gpg"

# --- 3. a backup while 50 tunnels are delivered --------------------------
for i in $(seq 1 50); do tunnel "u$i@example.com" >/dev/null; done
first=$((n - 49))
before=$(count "$db")
(for i in $(seq $first $n); do smtp_send "$smtp" gw@corp.example "$relay" "$W/t.$i.eml" >/dev/null 2>&1 & done; wait) &
sender=$!
wait_for 60 sh -c "[ \$(sqlite3 -cmd '.timeout 10000' '$db' 'SELECT count(*) FROM messages') -ge $((before + 3)) ]"
check "backup during delivery" wm-backup create --to "$W/busy.tar"
wait "$sender"
check "all 50 delivered" wait_for 120 sh -c "[ \$(sqlite3 -cmd '.timeout 10000' '$db' 'SELECT count(*) FROM messages') -ge $((before + 50)) ]"
mkdir -p "$W/busy" && tar -C "$W/busy" -xf "$W/busy.tar" db/wm.db
snap=$(count "$W/busy/db/wm.db")
echo "# snapshot holds $snap of $((before + 50)) indexed mails"
is "$(sq "$W/busy/db/wm.db" "PRAGMA integrity_check")" ok "the snapshot is consistent"
f=$W/fresh
start_instance "$f" || not_ok "fresh instance starts"
out=$(wm-backup -c "$f/wm.conf" restore "$W/busy.tar" 2>&1)
like "$out" "from another home" "restored into the fresh instance (its own layout kept)"
fdb=$(instance_db "$f")
is "$(sq "$fdb" "PRAGMA integrity_check")" ok "integrity_check ok after the restore"
sq "$W/busy/db/wm.db" "SELECT delivery_key, mailbox, file FROM messages ORDER BY 1" >"$W/keys.snap"
sq "$fdb" "SELECT delivery_key, mailbox, file FROM messages ORDER BY 1" >"$W/keys.fresh"
is "$(comm -23 "$W/keys.snap" "$W/keys.fresh" | wc -l)" 0 "every index row of the snapshot is present"
is "$(wc -l <"$W/keys.fresh")" "$snap" "and nothing else"
check "the fresh instance serves again" wm-ctl -c "$f/wm.conf" status
done_testing
