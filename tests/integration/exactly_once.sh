#!/bin/bash
# exactly_once.sh - every delivery defect of issue 11 as a case: wm-deliver
# killed (strace fault injection) at every sync of a delivery and retried
# leaves one file, one index row and at least one notice; killed where the
# notice used to be submitted, the notice still goes out; a tunnel to a
# rolled-over certificate whose key is unreadable waits (75) instead of going
# to the postmaster; input cut because the writer went away waits too; a
# notice to a UTF-8 local part goes out (RFC 6532) instead of deferring for
# ever; a deleted user who gets new mail within the hour is invited again.
# No Postfix: [commands] sendmail is a script that saves argv and the mail.
source "$(dirname "$0")/../lib.sh"

command -v strace >/dev/null || { not_ok "strace is installed"; done_testing; exit 1; }
source "$TOP/tests/delivery.sh"

# --- defect 1 and 2: killed at every sync, then retried ---
bad=0
for sc in fsync fdatasync; do
	for n in 1 2 3 4 5 6; do
		r=k$sc$n@customer.example
		tunnel "$T/relay.pem" "$sc-$n" $r >"$T/t.eml"
		deliver "$T/t.eml" strace -f -o /dev/null -e trace=fsync,fdatasync \
		    -e inject=$sc:signal=KILL:when=$n
		first=$rc
		deliver "$T/t.eml"
		flush
		got="$first/$rc files=$(files $r) rows=$(rows $r) queued=$(queued $r) mails=$(mails_to $r)"
		case $got in
		*/0\ files=1\ rows=1\ queued=1\ mails=1) ;;
		*) bad=$((bad + 1)); echo "# kill at $sc #$n: $got" ;;
		esac
	done
done
is "$bad" 0 "killed at any fsync/fdatasync and retried: one file, one row, one notice queued and sent"
# The notice must survive a kill right where the old code forked sendmail.
r=fork@customer.example
tunnel "$T/relay.pem" fork $r >"$T/t.eml"
deliver "$T/t.eml" strace -f -o /dev/null -e trace=clone,clone3,fork,vfork \
    -e inject=clone,clone3,fork,vfork:signal=KILL:when=1
deliver "$T/t.eml"
flush
is "$rc/$(files $r)/$(rows $r)" "0/1/1" "killed at the first fork: retry exit 0, one file, one row"
is "$(mails_to $r)" 1 "killed at the first fork: the recipient is still told"

# An orphan from a kill after the rename is adopted, not doubled, even
# when the mailbox has since gone over quota.
r=orphan@customer.example
tunnel "$T/relay.pem" orphan $r >"$T/t.eml"
deliver "$T/t.eml" strace -f -o /dev/null -e trace=fsync -e inject=fsync:signal=KILL:when=2
is "$(files $r)/$(rows $r)" "1/0" "killed after the rename: a file without a row"
wm-prefs set --user $r quota 10 >/dev/null
deliver "$T/t.eml"
is "$rc/$(files $r)/$(rows $r)" "0/1/1" "the retry adopts the orphan (quota or not): one file, one row"
is "$(sqlite3 "$db" "SELECT bytes = (SELECT size FROM messages WHERE mailbox = '$r') FROM mailbox_totals WHERE mailbox = '$r'")" 1 \
    "mailbox_totals counts the adopted mail once"

# --- defect 3: the newest relay key unreadable after a roll-over ---
wm-pki webmail-cert --create >/dev/null
newest=$(sqlite3 "$db" "SELECT max(id) FROM private_keys")
sqlite3 "$db" "SELECT hex(der) FROM certificates WHERE id = (SELECT cert_id FROM private_keys WHERE id = $newest)" |
    xxd -r -p | openssl x509 -inform der -out "$T/new.pem"
# The PEM is in the key store beside the database (lib/keystore.c).
keydb=$(dirname "$db")/keys/keys.db
kid=$(sqlite3 "$db" "SELECT cert_id FROM private_keys WHERE id = $newest")
saved=$(sqlite3 "$keydb" "SELECT hex(pem) FROM key_pem WHERE cert_id = $kid")
sqlite3 "$keydb" "UPDATE key_pem SET pem = X'2d2d2d2d' WHERE cert_id = $kid"
r=roll@customer.example
tunnel "$T/new.pem" roll $r >"$T/t.eml"
before=$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE kind = 'postmaster'")
deliver "$T/t.eml"
is "$rc" 75 "tunnel to the new certificate, its key unreadable: exit 75"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE kind = 'postmaster'")" "$before" "no postmaster report for it"
like "$(tail -2 "$log")" "cannot be read" "the log says the key cannot be read"
tunnel "$T/relay.pem" roll-old roll-old@customer.example >"$T/t-old.eml"
deliver "$T/t-old.eml"
is "$rc/$(files roll-old@customer.example)" "0/1" "a tunnel to the older certificate is still delivered"
sqlite3 "$keydb" "UPDATE key_pem SET pem = X'$saved' WHERE cert_id = $kid"
deliver "$T/t.eml"
is "$rc/$(files $r)/$(rows $r)" "0/1/1" "key readable again: the retry delivers"

# --- defect 4: the writer goes away mid-tunnel (pipe(8) killed) ---
r=cut@customer.example
tunnel "$T/relay.pem" cut $r >"$T/t.eml"
before=$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE kind = 'postmaster'")
cut_rc=$(python3 - "$T/t.eml" <<'EOF'
import ctypes, os, sys, time
# Become the subreaper: wm-deliver, orphaned by its writer, is reaped here.
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
data = open(sys.argv[1], 'rb').read()
writer = os.fork()
if writer == 0:
    r, w = os.pipe()
    if os.fork() == 0:
        os.dup2(r, 0)
        os.close(w)
        os.execvp('wm-deliver', ['wm-deliver', '--sender', 'gw@corp.example',
                                 '--recipient', 'webmail@webmail.local'])
    os.close(r)
    os.write(w, data[:len(data) // 2])
    time.sleep(0.5)	# wm-deliver reads meanwhile, as from pipe(8)
    os._exit(0)		# the writer dies; the pipe closes mid-tunnel
codes = {}
for _ in range(2):
    pid, st = os.wait()
    codes[pid] = os.waitstatus_to_exitcode(st)
print([c for p, c in codes.items() if p != writer][0])
EOF
)
is "$cut_rc" 75 "input cut because the writer went away: exit 75"
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE kind = 'postmaster'")" "$before" "no postmaster report for the cut tunnel"
deliver "$T/t.eml"
is "$rc/$(files $r)" "0/1" "the whole tunnel later: delivered once"
head -c $(( $(wc -c <"$T/t.eml") / 2 )) "$T/t.eml" >"$T/half.eml"
deliver "$T/half.eml"
is "$rc/$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE kind = 'postmaster'")" "0/$((before + 1))" \
    "a truncated tunnel whose writer stayed still goes to the postmaster"

# --- defect 5: a notice to a UTF-8 local part ---
r='jörg@customer.example'
tunnel "$T/relay.pem" utf8 "$r" >"$T/t.eml"
deliver "$T/t.eml"
is "$rc" 0 "tunnel to $r: exit 0 (stored; the notice is queued)"
is "$(files "$r")/$(rows "$r")" "1/1" "stored and indexed for $r"
flush
flush
is "$(sqlite3 "$db" "SELECT count(*) FROM notice_queue WHERE address = '$r' AND sent IS NULL AND failed IS NULL")" 0 \
    "the notice for $r does not wait for ever"
m=$(grep -lx -- "$r" "$box"/outbox/*.args | head -1)
like "$(grep -a '^To:' "${m%.args}.eml" 2>/dev/null)" "jörg@customer.example" "the invitation goes to $r with the address as UTF-8 (RFC 6532)"

# --- defect 6: a deleted user gets a new invitation within the hour ---
r=again@customer.example
tunnel "$T/relay.pem" again1 $r >"$T/t.eml"
deliver "$T/t.eml"
flush
is "$(mails_to $r)" 1 "first tunnel: one invitation"
wm-user delete $r >/dev/null
tunnel "$T/relay.pem" again2 $r >"$T/t.eml"
deliver "$T/t.eml"
flush
is "$(mails_to $r)" 2 "deleted, then new mail within the hour: a new invitation"
tunnel "$T/relay.pem" again3 $r >"$T/t.eml"
deliver "$T/t.eml"
flush
is "$(mails_to $r)" 2 "but no third one within the hour"
is "$(pending)" 0 "nothing left in the notice queue"
done_testing
