# tests/smbd.sh - sourced after tests/lib.sh by tests that need a real SMB
# share: smbd as root in the foreground on 127.0.0.1 and a free port, with
# its own smb.conf and every state directory under a scratch directory
# (DESIGN.md), one share "backups" writable by the wm user, password
# $SMB_PASSWORD.  Stopped at exit.
#
#   start_smbd || exit 1
#   ls "$SMB_DIR/share"        # what landed on the share

SMB_PASSWORD=smb-test-pw-1

start_smbd() {	# start_smbd: sets SMB_PORT, SMB_DIR, SMB_PID
	SMB_DIR=$(scratch)
	SMB_PORT=$(free_port)
	local x
	for x in share lock state cache private pid ncalrpc log; do mkdir -p "$SMB_DIR/$x"; done
	chown wm "$SMB_DIR/share"
	cat >"$SMB_DIR/smb.conf" <<EOC
[global]
  smb ports = $SMB_PORT
  interfaces = 127.0.0.1
  bind interfaces only = yes
  server role = standalone server
  map to guest = never
  disable netbios = yes
  load printers = no
  disable spoolss = yes
  printcap name = /dev/null
  lock directory = $SMB_DIR/lock
  state directory = $SMB_DIR/state
  cache directory = $SMB_DIR/cache
  private dir = $SMB_DIR/private
  pid directory = $SMB_DIR/pid
  ncalrpc dir = $SMB_DIR/ncalrpc
  log file = $SMB_DIR/log/smbd.log
  passdb backend = tdbsam:$SMB_DIR/private/passdb.tdb
[backups]
  path = $SMB_DIR/share
  read only = no
  valid users = wm
EOC
	printf '%s\n%s\n' "$SMB_PASSWORD" "$SMB_PASSWORD" |
	    smbpasswd -c "$SMB_DIR/smb.conf" -a -s wm >/dev/null || return 1
	# Its own session: smbd signals its whole process group when it stops.
	setsid smbd -F --no-process-group -s "$SMB_DIR/smb.conf" >"$SMB_DIR/log/fg.log" 2>&1 &
	SMB_PID=$!
	on_exit "kill $SMB_PID; wait $SMB_PID"
	wait_for 20 python3 -c "import socket; socket.create_connection(('127.0.0.1', $SMB_PORT), 1)"
}

smb_settings() {	# smb_settings PREFIX DIRECTORY: point PREFIX-smb-* at the share
	wm-prefs set "$1-smb-server" 127.0.0.1 &&
	wm-prefs set "$1-smb-port" "$SMB_PORT" &&
	wm-prefs set "$1-smb-share" backups &&
	wm-prefs set "$1-smb-user" wm &&
	wm-prefs set "$1-smb-domain" WORKGROUP &&
	wm-prefs set "$1-smb-directory" "$2" &&
	echo "$SMB_PASSWORD" | wm-prefs set "$1-smb-password" -
}
