#!/bin/sh
# broker-pki.sh -- certificates for the production broker (TLS listener,
# bridges) and, optionally, for clients, made with openssl.
#
#   scripts/broker-pki.sh DIR [CLIENT...]
#
# In DIR:
#   ca.key ca.crt          a certificate authority (made once; kept if present)
#   server.key server.crt  the broker's certificate, signed by the CA, for
#                          DNS:localhost and IP:127.0.0.1 plus $GR_PKI_SAN
#                          (e.g. GR_PKI_SAN="DNS:mqtt.county.example,IP:10.1.2.3"),
#                          common name $GR_PKI_CN (default localhost)
#   clients/NAME.key NAME.crt   one per CLIENT argument, CN=NAME, for
#                          `require_certificate true` set-ups (see
#                          broker-config/mosquitto-prod.conf) or a bridge's
#                          bridge_certfile/bridge_keyfile
#
# Keys are EC P-256 (small, fast, supported by OpenSSL, Mosquitto and Paho).
# Existing files are kept, so running it again only adds what is missing;
# delete a file to make it again.
#
# Permissions: ca.key is 0600 and stays with whoever ran the script -- in
# production keep the CA key off the broker altogether (make the CA on an
# offline machine and copy only ca.crt, server.crt and server.key).
# server.key is 0640; run as root with a `mosquitto` group present, it is
# given to group mosquitto so that the broker, which drops to that user,
# can read it.  Client keys are 0600: hand each to its owner only.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 DIR [CLIENT...]" >&2; exit 2; }
dir=$1
shift
days_ca=${GR_PKI_DAYS_CA:-3650}
days=${GR_PKI_DAYS:-825}	# what browsers and most TLS stacks accept at most
san="DNS:localhost,IP:127.0.0.1${GR_PKI_SAN:+,$GR_PKI_SAN}"

umask 077
mkdir -p "$dir" "$dir/clients"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

newkey() {	# newkey FILE: an EC P-256 private key
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
}

# sign NAME KEY CSR-SUBJECT EXTFILE OUT
sign() {
	openssl req -new -key "$2" -subj "$3" -out "$tmp/$1.csr"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-set_serial "0x$(openssl rand -hex 16)" \
		-days "$days" -sha256 -extfile "$4" -out "$5" 2>/dev/null
}

if [ ! -f "$dir/ca.key" ] || [ ! -f "$dir/ca.crt" ]; then
	newkey "$dir/ca.key"
	openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$days_ca" \
		-subj "/O=gridreport/CN=gridreport broker CA" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.crt"
	rm -f "$dir/server.crt"	# a new CA needs a new server certificate
fi

if [ ! -f "$dir/server.key" ] || [ ! -f "$dir/server.crt" ]; then
	[ -f "$dir/server.key" ] || newkey "$dir/server.key"
	cat >"$tmp/server.ext" <<-EOF
		basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature,keyEncipherment
		extendedKeyUsage=serverAuth,clientAuth
		subjectAltName=$san
	EOF
	# clientAuth too: a township broker may present the same kind of
	# certificate to the county broker when it bridges.
	sign server "$dir/server.key" "/O=gridreport/CN=${GR_PKI_CN:-localhost}" \
		"$tmp/server.ext" "$dir/server.crt"
fi

for name in "$@"; do
	case $name in
	*[!A-Za-z0-9_.-]* | "") echo "broker-pki: bad client name '$name'" >&2; exit 2 ;;
	esac
	key=$dir/clients/$name.key
	crt=$dir/clients/$name.crt
	[ -f "$key" ] && [ -f "$crt" ] && continue
	[ -f "$key" ] || newkey "$key"
	cat >"$tmp/client.ext" <<-EOF
		basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature
		extendedKeyUsage=clientAuth
	EOF
	sign "$name" "$key" "/O=gridreport/CN=$name" "$tmp/client.ext" "$crt"
done

# Certificates are public; keys are not.
chmod 0644 "$dir/ca.crt" "$dir/server.crt"
chmod 0600 "$dir/ca.key"
chmod 0640 "$dir/server.key"
chmod 0755 "$dir" "$dir/clients"
for f in "$dir"/clients/*.crt; do [ -f "$f" ] && chmod 0644 "$f"; done
for f in "$dir"/clients/*.key; do [ -f "$f" ] && chmod 0600 "$f"; done
if [ "$(id -u)" -eq 0 ] && getent group mosquitto >/dev/null 2>&1; then
	chgrp mosquitto "$dir/server.key"
fi
exit 0
