#!/bin/sh
# Installs the Debian packages given as arguments that are not installed.
# Runs apt-get only when something is missing (as root, or via sudo).
# "pkg=cmd" means: pkg, unless the command cmd is already on PATH (Node.js
# may come from elsewhere, and Debian's npm conflicts with NodeSource's).
set -eu

missing=""
for arg in "$@"; do
	p=${arg%%=*}
	if [ "$p" != "$arg" ] && command -v "${arg#*=}" >/dev/null; then
		continue
	fi
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
