#!/bin/sh
# ssehub's host setup: setup [CONFDIR]  (default /etc/ssehub)
#
# Run as root by `make install` (installed as PREFIX/lib/ssehub/setup, so
# a package's postinst can run it too). Safe to run again: it creates
# only what is missing, and never replaces the admin's files.
#   - the system user ssehub (the workers and the key manager run as it)
#   - /var/empty, kore.conf's chroot (Debian has none)
#   - CONFDIR/cert/server.pem and key.pem, self-signed, when there is no
#     key yet (replace them with your own); the key always ends up owned
#     by ssehub, mode 0600, as the key manager needs
#   - CONFDIR/env, mode 0600, with a fresh SSEHUB_TOKEN, created once
set -eu

conf=${1:-/etc/ssehub}
user=ssehub

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: run as root (user, key owner, /var/empty)" >&2
	exit 1
fi

if ! getent passwd "$user" >/dev/null; then
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
	echo "setup: created system user $user"
fi

install -d -m 0755 -o root -g root /var/empty
install -d -m 0755 "$conf" "$conf/cert"

if [ ! -e "$conf/cert/key.pem" ]; then
	host=$(hostname)
	(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
	    -subj "/CN=$host" \
	    -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
	    -keyout "$conf/cert/key.pem" -out "$conf/cert/server.pem" \
	    2>/dev/null)
	chmod 0644 "$conf/cert/server.pem"
	echo "setup: made a self-signed certificate for $host in $conf/cert"
fi
chown "$user:$user" "$conf/cert/key.pem"
chmod 0600 "$conf/cert/key.pem"

if [ ! -e "$conf/env" ]; then
	(umask 077 && cat >"$conf/env" <<EOF
# ssehub's secrets and settings (README, "Configuration"), read by the
# unit; quote values that contain spaces. Kept across upgrades.
SSEHUB_TOKEN=$(openssl rand -hex 32)
#SSEHUB_DB="host=127.0.0.1 port=5432 dbname=ssehub user=ssehub password=... gssencmode=disable"
EOF
	)
	echo "setup: wrote $conf/env (publish token; set SSEHUB_DB there)"
fi
