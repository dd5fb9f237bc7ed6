#!/bin/sh
# deps.sh -- install the Debian packages the project needs, when missing.
# As root it runs apt-get; otherwise it prints the exact command to run.
set -eu

PACKAGES="build-essential pkg-config protobuf-c-compiler libprotobuf-c-dev
libpaho-mqtt-dev mosquitto mosquitto-clients postgresql libpq-dev
libsqlite3-dev sqlite3 libcmocka-dev valgrind clang libclang-rt-14-dev openssl
gnuplot-nox chromium libmicrohttpd-dev curl iproute2 time"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# The packaged services are not used: the project starts its own.
	for s in mosquitto postgresql; do
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable --now "$s" >/dev/null 2>&1 || true
		fi
	done
else
	echo "deps: missing packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
