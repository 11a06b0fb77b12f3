#!/bin/bash
# doc_commands.sh - every command README.md and the man pages show is run as
# written, in document order, on a scratch instance, and must exit 0.
# tests/doc/extract.py says which lines are commands (README: indented code
# blocks; man pages: .EX displays).  Nothing is substituted but the
# instance: /tmp/box, the path the docs use for it, becomes a scratch
# directory, and WM_CONFIG / MAIL_CONFIG (its Postfix, for sendmail) point
# at it.  A doc that does not run wm-init itself gets a started instance
# whose relay key is relay.p12.  The files the examples name are made with
# openssl (tests/make_pki.sh) in the working directory, beside a copy of the
# source tree's conf/.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/instance.sh"

pki=$(scratch)
sh "$TOP/tests/make_pki.sh" "$pki" || not_ok "tests/make_pki.sh makes the test PKI"
original=$(ls "$CORPUS"/*.txt 2>/dev/null | head -1)

fixtures() {	# fixtures DIR: the files the examples name
	local w=$1 f
	for f in root.pem root.key gateway.pem gateway.key webmail.pem webmail.key \
	    relay.p12 password-file; do
		cp "$pki/$f" "$w/$f"
	done
	cp "$pki/root.pem" "$w/corp-root.pem"
	cp "$pki/root.pem" "$w/ca.pem"
	cp "$pki/root.crl" "$w/corp-root.crl"
	cp "$pki/root.crl" "$w/ca.crl"
	cp "$pki/gateway.pem" "$w/gw.pem"
	cp "$pki/gateway.key" "$w/gw.key"
	cp "$pki/signer.pem" "$w/gateway-signer.pem"
	cp "$original" "$w/original.eml"
	# Examples of how the source tree uses a program (make install).
	cp -R "$TOP/conf" "$w/conf"
}

ready_instance() {	# ready_instance DIR: started, relay key from relay.p12
	"$BIN/wm-init" --capture-outbound "$1" >/dev/null || return 1
	on_exit "'$BIN/wm-ctl' -c '$1/wm.conf' stop"
	"$BIN/wm-ctl" -c "$1/wm.conf" start >/dev/null || return 1
	"$BIN/wm-pki" -c "$1/wm.conf" import --password-fd 3 "$pki/relay.p12" \
	    3<"$pki/password-file" >/dev/null
}

run_doc() {	# run_doc DOC: run its commands, one TAP line each
	local doc=$1 name cmds list box work n line cmd rc
	name=${doc#"$TOP"/}
	cmds=$(scratch)
	if ! list=$(python3 "$TOP/tests/doc/extract.py" "$doc" "$cmds" 2>&1); then
		not_ok "$name: its commands can be extracted" "$list"
		return
	fi
	[ -n "$list" ] || return 0
	box=$(scratch)/box
	work=$(scratch)
	fixtures "$work"
	if ! grep -qs "wm-init" "$cmds"/*.sh; then
		# Not in a subshell: its on_exit must stop the instance.
		if ! ready_instance "$box" 2>"$work/.ready"; then
			not_ok "$name: scratch instance" "$(cat "$work/.ready")"
			return
		fi
	else
		on_exit "'$BIN/wm-ctl' -c '$box/wm.conf' stop"
	fi
	export WM_CONFIG=$box/wm.conf MAIL_CONFIG=$box/postfix
	while read -r n line rest; do
		if [ "$n" = skip ]; then
			ok "$name:$line # skip $rest"
			continue
		fi
		cmd=$(cat "$cmds/$n.sh")
		cmd=${cmd//\/tmp\/box/$box}
		(cd "$work" && eval "$cmd") >"$work/.out" 2>&1 </dev/null
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok "$name:$line ${cmd%%$'\n'*}"
		else
			not_ok "$name:$line ${cmd%%$'\n'*}" "exit $rc" "$(tail -20 "$work/.out")"
		fi
		# export in a command (README: export WM_CONFIG=...) holds for the rest.
		case "$cmd" in export\ *) eval "$cmd" ;; esac
	done <<<"$list"
	"$BIN/wm-ctl" -c "$box/wm.conf" stop >/dev/null 2>&1
}

for doc in "$TOP/README.md" "$TOP"/man/*.[1-8]; do
	run_doc "$doc"
done
done_testing
