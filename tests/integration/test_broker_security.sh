#!/bin/bash
# gr-test: once (starts no program of ours: the sanitizer and valgrind passes skip it)
# test_broker_security.sh -- the production broker configuration
# (broker-config/mosquitto-prod.conf, broker-config/acl) on a real Mosquitto:
# TLS only, no anonymous clients, a password per user, and an ACL that lets a
# worker write only its own report topic and read only its own Acks, a
# dispatcher read only its unit's feed and write only its unit's actions, and
# the collector what it needs.  Then a township broker bridged to the county
# broker (broker-config/bridge-township.conf) carries reports up and Acks and
# its dispatch feed down, also across a restart of the township broker.
#
# Only brokers are started (no PostgreSQL, no collector).  Non-delivery is
# shown without timing: every subscriber's last expected message is a marker
# published after all the others, and the broker queues a message for every
# matching subscriber before it answers the publisher, so once the marker has
# arrived, anything forbidden would have arrived before it.
. "$(dirname "$0")/lib.sh"

CL=$T_DIR/clients	# per-user mosquitto_pub/mosquitto_sub option files
SECRETS=$T_DIR/secrets
mkdir -p "$CL" "$SECRETS"
chmod 700 "$CL" "$SECRETS"
COUNTY=$T_DIR/county
TOWNSHIP=$T_DIR/township
MY_SUBS=""
MARK=end-$$

subscribers_stop() {	# the subscribers started by sub(), by pid
	local p
	for p in $MY_SUBS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	MY_SUBS=""
}

cleanup() {
	subscribers_stop
	gr_broker_stop_prod "$TOWNSHIP"
	gr_broker_stop_prod "$COUNTY"
}
trap 'cleanup; finish' EXIT

# client USER: USER's options for mosquitto_pub and mosquitto_sub, kept in
# files ($XDG_CONFIG_HOME/mosquitto_pub) so that no password is on a
# command line.  MQTT v5, so that denials come back as reason codes.
client() {
	local d=$CL/$1 f
	mkdir -p "$d"
	for f in mosquitto_pub mosquitto_sub; do
		{
			echo "--cafile $COUNTY/pki/ca.crt"
			echo "-V mqttv5"
			if [ "$1" != anonymous ]; then
				echo "-u $1"
				echo "-P $(cat "$SECRETS/$1.pw")"
			fi
		} >"$d/$f"
	done
	chmod 600 "$d"/*
}

# pub PORT USER TOPIC MESSAGE [ARGS]: publish at QoS 1; prints the client's
# debug output (CONNACK and PUBACK with their reason codes)
N_PUB=0
pub() {
	local port=$1 user=$2 topic=$3 msg=$4
	shift 4
	N_PUB=$((N_PUB + 1))
	XDG_CONFIG_HOME=$CL/$user mosquitto_pub -h 127.0.0.1 -p "$port" \
		-i "pub-$N_PUB-$$" -q 1 -d -t "$topic" -m "$msg" "$@" 2>&1
}

# sub NAME PORT USER [ARGS] -t TOPIC...: a subscriber in the background that
# writes "topic payload" lines to $T_DIR/NAME.sub; returns after its SUBACK
sub() {
	local name=$1 port=$2 user=$3 f=$T_DIR/$1.sub
	shift 3
	XDG_CONFIG_HOME=$CL/$user stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" \
		-i "sub-$name-$$" -q 1 -d -F '%t %p' -W 120 "$@" >"$f" 2>&1 &
	MY_SUBS="$MY_SUBS $!"
	gr_wait_for 20 "subscription $name" grep -q "^Subscribed (mid" "$f"
}

# got NAME: the messages a subscriber received, in order
got() { grep '^gr/v1/' "$T_DIR/$1.sub" || true; }

# until_marker NAME: wait for the end marker in NAME's messages
until_marker() {
	gr_wait_for 20 "the end marker at $1" grep -q " $MARK\$" "$T_DIR/$1.sub" ||
		sed 's/^/# /' "$T_DIR/$1.sub"
}

# refused DESCRIPTION OUTPUT: PUBACK reason 135 (not authorized)
refused() {
	case $2 in
	*"received PUBACK (Mid: 1, RC:135)"*) ok "$1 (PUBACK 135 not authorized)" ;;
	*) not_ok "$1"; echo "$2" | sed 's/^/# /' ;;
	esac
}

# accepted DESCRIPTION OUTPUT: CONNACK 0 and a PUBACK without error
accepted() {
	case $2 in
	*"received CONNACK (0)"*"received PUBACK (Mid: 1, RC:0)"*) ok "$1" ;;
	*) not_ok "$1"; echo "$2" | sed 's/^/# /' ;;
	esac
}

# has TEXT REGEX / lacks TEXT REGEX
has() { grep -q -- "$2" <<<"$1"; }
lacks() { ! grep -q -- "$2" <<<"$1"; }

# ---- The county broker ------------------------------------------------------
users="gw001 gw002 disp-530322001 disp-530322002 collector bridge-530322001"
gr_broker_prepare_prod "$COUNTY" || exit 1
for u in $users; do
	openssl rand -hex 16 >"$SECRETS/$u.pw"
	out=$("$GR_TOP/scripts/broker-user.sh" -a "$COUNTY/broker/acl" \
		"$COUNTY/broker/passwd" "$u" "$SECRETS/$u.pw" 2>&1) ||
		{ not_ok "broker-user.sh adds $u: $out"; exit 1; }
	client "$u"
done
client anonymous
pwf=$(<"$COUNTY/broker/passwd")
has "$pwf" '^gw001:\$7\$' && lacks "$pwf" "$(cat "$SECRETS/gw001.pw")"
check "the password file holds salted PBKDF2 hashes, not the passwords" [ $? = 0 ]
check "broker-user.sh gave the dispatcher its unit's block" \
	grep -qx "topic read gr/v1/dispatch/530322001" "$COUNTY/broker/acl"
gr_broker_start_prod "$COUNTY" || exit 1
CP=$GR_MQTT_PORT
is "$GR_BROKER" "ssl://127.0.0.1:$CP" "the county broker listens with TLS on loopback"
is "$(stat -c '%U %a' "$COUNTY/broker/passwd" "$COUNTY/broker/server.key" "$COUNTY/broker/acl" | sort -u)" \
	"$( [ "$(id -u)" -eq 0 ] && echo mosquitto || id -un) 600" \
	"passwd, server.key and acl belong to the broker's user, mode 0600"
check "the CA key is not in the broker's folder" [ ! -e "$COUNTY/broker/ca.key" ]

# ---- Refused connections ------------------------------------------------
out=$(pub "$CP" anonymous gr/v1/report/gw001 x)
check "an anonymous client is refused (CONNACK 135)" has "$out" "received CONNACK (135)"
mkdir -p "$CL/wrongpw"
sed "s/^-P .*/-P not-$(cat "$SECRETS/gw001.pw")/" "$CL/gw001/mosquitto_pub" >"$CL/wrongpw/mosquitto_pub"
out=$(pub "$CP" wrongpw gr/v1/report/gw001 x)
check "gw001 with a wrong password is refused (CONNACK 135)" has "$out" "received CONNACK (135)"
check "the broker logs the refused logins" \
	sh -c "[ \$(grep -c 'disconnected, not authorised' '$COUNTY/broker/mosquitto.log') -ge 2 ]"

# Plain MQTT over TCP, with valid credentials, to the TLS listener.
mkdir -p "$CL/plain"
grep -v -- --cafile "$CL/gw001/mosquitto_pub" >"$CL/plain/mosquitto_pub"
out=$(pub "$CP" plain gr/v1/report/gw001 x)
rc=$?
[ $rc -ne 0 ] && lacks "$out" CONNACK
check "plain TCP to the TLS listener gets no CONNACK (exit $rc)" [ $? = 0 ]
check "the broker logs the failed TLS handshake" \
	grep -q "wrong version number" "$COUNTY/broker/mosquitto.log"

# A client that does not trust the broker's CA refuses the broker.
"$GR_TOP/scripts/broker-pki.sh" "$T_DIR/other-ca" >/dev/null
mkdir -p "$CL/otherca"
sed "s|^--cafile .*|--cafile $T_DIR/other-ca/ca.crt|" "$CL/gw001/mosquitto_pub" >"$CL/otherca/mosquitto_pub"
out=$(pub "$CP" otherca gr/v1/report/gw001 x)
check "a client trusting another CA does not connect" lacks "$out" CONNACK

# TLS below 1.2 (the client allows it explicitly; OpenSSL 3 would not).
out=$(openssl s_client -connect "127.0.0.1:$CP" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
	-CAfile "$COUNTY/pki/ca.crt" </dev/null 2>&1)
has "$out" 'alert protocol version' && has "$out" 'Cipher is (NONE)'
check "TLS 1.1 is refused (alert protocol version)" [ $? = 0 ]
out=$(openssl s_client -connect "127.0.0.1:$CP" -tls1_2 -verify_return_error \
	-verify_ip 127.0.0.1 -CAfile "$COUNTY/pki/ca.crt" </dev/null 2>&1)
has "$out" 'Protocol  *: TLSv1.2' && has "$out" 'Verify return code: 0 (ok)'
check "TLS 1.2 is accepted and the certificate verifies for IP 127.0.0.1" [ $? = 0 ]

# ---- Who reads and writes what ---------------------------------------------
# Forbidden subscriptions are in the same SUBSCRIBE as allowed ones.
sub col "$CP" collector -t '$share/collectors/gr/v1/report/+' -t '$share/collectors/gr/v1/action/+'
sub g1 "$CP" gw001 -t gr/v1/ack/gw001 -t gr/v1/ack/gw002 -t gr/v1/dispatch/530322001
sub g1all "$CP" gw001 -t 'gr/v1/#'
sub g2 "$CP" gw002 -t gr/v1/ack/gw002
sub d1 "$CP" disp-530322001 -t gr/v1/dispatch/530322001 -t gr/v1/dispatch/530322002 \
	-t gr/v1/ack/gw001 -t 'gr/v1/report/+'
sub d2 "$CP" disp-530322002 -t gr/v1/dispatch/530322002
echo "# Mosquitto 2.0.11's acl_file does not check SUBSCRIBE; gw001's SUBACK: $(grep '^Subscribed' "$T_DIR/g1.sub")"

refused "gw001 cannot publish a report as gw002" \
	"$(pub "$CP" gw001 gr/v1/report/gw002 forged-report)"
refused "gw001 cannot forge its own Ack" \
	"$(pub "$CP" gw001 gr/v1/ack/gw001 forged-ack)"
refused "gw001 cannot publish on a township's dispatch feed" \
	"$(pub "$CP" gw001 gr/v1/dispatch/530322001 forged-dispatch)"
refused "dispatcher 530322001 cannot act for township 530322002" \
	"$(pub "$CP" disp-530322001 gr/v1/action/530322002 forged-action)"
refused "dispatcher 530322001 cannot publish a report under its own name" \
	"$(pub "$CP" disp-530322001 gr/v1/report/disp-530322001 disp-report)"
refused "the collector cannot publish reports" \
	"$(pub "$CP" collector gr/v1/report/gw002 collector-report)"
out=$(pub "$CP" gw001 gr/v1/report/gw002 forged-v311 -V mqttv311)
check "an MQTT 3.1.1 publisher gets a plain PUBACK for a denied message (why agents speak v5)" \
	has "$out" "received PUBACK (Mid: 1, RC:0)"

accepted "gw001 publishes its own report" "$(pub "$CP" gw001 gr/v1/report/gw001 report-gw001)"
accepted "the collector publishes an Ack for gw002" "$(pub "$CP" collector gr/v1/ack/gw002 ack-gw002)"
accepted "the collector publishes township 530322002's feed" \
	"$(pub "$CP" collector gr/v1/dispatch/530322002 dispatch-530322002)"
accepted "the collector publishes township 530322001's feed" \
	"$(pub "$CP" collector gr/v1/dispatch/530322001 dispatch-530322001)"
accepted "the collector publishes an Ack for gw001" "$(pub "$CP" collector gr/v1/ack/gw001 ack-gw001)"
accepted "dispatcher 530322001 publishes an action for its unit" \
	"$(pub "$CP" disp-530322001 gr/v1/action/530322001 action-530322001)"

# End markers, after everything else.
pub "$CP" collector gr/v1/dispatch/530322001 "$MARK" >/dev/null
pub "$CP" collector gr/v1/dispatch/530322002 "$MARK" >/dev/null
pub "$CP" collector gr/v1/ack/gw002 "$MARK" >/dev/null
pub "$CP" disp-530322001 gr/v1/action/530322001 "$MARK" >/dev/null
pub "$CP" collector gr/v1/ack/gw001 "$MARK" >/dev/null
for s in col g1 g1all g2 d1 d2; do until_marker "$s"; done

is "$(got col)" "gr/v1/report/gw001 report-gw001
gr/v1/action/530322001 action-530322001
gr/v1/action/530322001 $MARK" \
	"the collector's shared subscription gets gw001's report and the dispatcher's action, nothing forged"
is "$(got g1)" "gr/v1/ack/gw001 ack-gw001
gr/v1/ack/gw001 $MARK" \
	"gw001 gets its Ack; its subscriptions to gw002's Acks and to a dispatch feed get nothing"
is "$(got g1all)" "$(got g1)" "gw001 subscribed to gr/v1/# still gets only its own Acks"
is "$(got g2)" "gr/v1/ack/gw002 ack-gw002
gr/v1/ack/gw002 $MARK" "gw002 gets its own Ack"
is "$(got d1)" "gr/v1/dispatch/530322001 dispatch-530322001
gr/v1/dispatch/530322001 $MARK" \
	"dispatcher 530322001 gets its feed only: not 530322002's, not Acks, not reports"
is "$(got d2)" "gr/v1/dispatch/530322002 dispatch-530322002
gr/v1/dispatch/530322002 $MARK" "dispatcher 530322002 gets its own feed"
subscribers_stop

# ---- The project's own agent over TLS with a password file --------------
if [ -x "$BUILD/field-agent" ]; then
	sub colx "$CP" collector -t 'gr/v1/report/+' -F '%t %x'
	cat >"$T_DIR/agent-gw001.conf" <<-EOF
		worker gw001
		device dev-gw001
		broker ssl://127.0.0.1:$CP
		username gw001
		password_file $SECRETS/gw001.pw
		cafile $COUNTY/pki/ca.crt
		outbox $T_DIR/agents/gw001.db
	EOF
	nowait "$BUILD/field-agent" -c "$T_DIR/agent-gw001.conf" -W 1 report --grid 530322001001001 \
		--category 02 --colour yellow --people 2 --summary "TLS 测试" >"$T_DIR/agent.out" 2>&1
	rc=$?
	is "$rc" 5 "field-agent reports over TLS as gw001; with no collector it keeps the report (exit 5)"
	gr_wait_for 20 "the agent's report" grep -q '^gr/v1/report/gw001 ' "$T_DIR/colx.sub"
	check "the agent's report reaches the collector user over TLS" \
		grep -q '^gr/v1/report/gw001 ' "$T_DIR/colx.sub"
	subscribers_stop
else
	ok "# skip field-agent over TLS: no $BUILD/field-agent"
fi

# ---- Users change while the broker runs (SIGHUP) ----------------------------
openssl rand -hex 16 >"$SECRETS/disp-530322003.pw"
"$GR_TOP/scripts/broker-user.sh" -a "$COUNTY/broker/acl" "$COUNTY/broker/passwd" \
	disp-530322003 <"$SECRETS/disp-530322003.pw"
client disp-530322003
gr_broker_reload "$COUNTY"
gr_wait_for 20 "the new user" sh -c "XDG_CONFIG_HOME='$CL/disp-530322003' mosquitto_pub -h 127.0.0.1 -p $CP -i new-$$ -q 1 -d -t gr/v1/action/530322003 -m new 2>&1 | grep -q 'RC:16\\|RC:0)'"
check "a dispatcher added while the broker runs (password on stdin) can act for its unit after SIGHUP" \
	has "$(pub "$CP" disp-530322003 gr/v1/action/530322003 new)" "PUBACK (Mid: 1, RC:\(0\|16\))"
refused "... and for no other unit" "$(pub "$CP" disp-530322003 gr/v1/action/530322001 x)"
"$GR_TOP/scripts/broker-user.sh" -a "$COUNTY/broker/acl" -D "$COUNTY/broker/passwd" disp-530322003
gr_broker_reload "$COUNTY"
gr_wait_for 20 "the removed user to be refused" sh -c "XDG_CONFIG_HOME='$CL/disp-530322003' mosquitto_pub -h 127.0.0.1 -p $CP -i old-$$ -q 1 -d -t gr/v1/action/530322003 -m old 2>&1 | grep -q 'CONNACK (135)'"
has "$(pub "$CP" disp-530322003 gr/v1/action/530322003 old)" "CONNACK (135)" &&
	! grep -q "user disp-530322003" "$COUNTY/broker/acl"
check "a removed user is refused after SIGHUP, and its ACL block is gone" [ $? = 0 ]

# ---- A township broker bridged to the county broker -------------------------
# The township broker has its own users (its workers and dispatchers) and
# the same CA; the bridge logs in to the county as bridge-530322001.
gr_broker_prepare_prod "$TOWNSHIP" || exit 1
for u in gw001 disp-530322001; do
	"$GR_TOP/scripts/broker-user.sh" -a "$TOWNSHIP/broker/acl" "$TOWNSHIP/broker/passwd" \
		"$u" "$SECRETS/$u.pw"
done
bridge=$(<"$GR_TOP/broker-config/bridge-township.conf")
bridge=${bridge//@UNIT@/530322001}
bridge=${bridge//@COUNTY_HOST@/127.0.0.1}
bridge=${bridge//@COUNTY_PORT@/$CP}
bridge=${bridge//@DIR@/$TOWNSHIP/broker}
bridge=${bridge//@BRIDGE_PASSWORD@/$(cat "$SECRETS/bridge-530322001.pw")}
(umask 077; echo "$bridge" >"$T_DIR/bridge.conf")
GR_PKI=$COUNTY/pki gr_broker_start_prod "$TOWNSHIP" "" "$T_DIR/bridge.conf" || exit 1
TP=$GR_MQTT_PORT
gr_wait_for 20 "the bridge's subscriptions at the county" \
	grep -q "^[^ ]* bridge-530322001 1 gr/v1/dispatch/530322001$" "$COUNTY/broker/mosquitto.log"
check "the township broker connects to the county over TLS as bridge-530322001 (MQTT 3.1.1 bridge, persistent session)" \
	grep -q "New bridge connected from .* as bridge-530322001 (p2, c0, .*u'bridge-530322001')" \
	"$COUNTY/broker/mosquitto.log"

sub ccol "$CP" collector -t '$share/collectors/gr/v1/report/+' -t '$share/collectors/gr/v1/action/+'
# A persistent session (clean start off, a day's expiry) survives the
# township broker's restart below.
sub tg1 "$TP" gw001 -c -x 86400 -t gr/v1/ack/gw001
sub td1 "$TP" disp-530322001 -t gr/v1/dispatch/530322001

refused "on the township broker too, gw001 cannot publish as gw002" \
	"$(pub "$TP" gw001 gr/v1/report/gw002 forged-township)"
accepted "gw001 reports to the township broker" "$(pub "$TP" gw001 gr/v1/report/gw001 via-township)"
accepted "the township dispatcher acts on the township broker" \
	"$(pub "$TP" disp-530322001 gr/v1/action/530322001 action-via-township)"
pub "$TP" disp-530322001 gr/v1/action/530322001 "$MARK" >/dev/null
until_marker ccol
is "$(got ccol)" "gr/v1/report/gw001 via-township
gr/v1/action/530322001 action-via-township
gr/v1/action/530322001 $MARK" \
	"the report and the action cross the bridge to the county's collectors; the forged report does not"

check "the bridge takes no other township's feed from the county (PUBACK 16, no matching subscribers)" \
	has "$(pub "$CP" collector gr/v1/dispatch/530322002 other-township)" "received PUBACK (Mid: 1, RC:16)"
accepted "the collector publishes township 530322001's feed at the county" \
	"$(pub "$CP" collector gr/v1/dispatch/530322001 dispatch-via-county)"
pub "$CP" collector gr/v1/dispatch/530322001 "$MARK" >/dev/null
accepted "the collector publishes gw001's Ack at the county" \
	"$(pub "$CP" collector gr/v1/ack/gw001 ack-via-county)"
gr_wait_for 20 "the Ack at the township" grep -q "^gr/v1/ack/gw001 ack-via-county$" "$T_DIR/tg1.sub"
until_marker td1
is "$(got td1)" "gr/v1/dispatch/530322001 dispatch-via-county
gr/v1/dispatch/530322001 $MARK" \
	"the township's dispatcher gets its feed across the bridge, not another township's"
is "$(got tg1)" "gr/v1/ack/gw001 ack-via-county" "gw001 on the township broker gets its Ack from the county"

# The township broker goes down; an Ack published at the county meanwhile
# waits in the bridge's session there and arrives after the restart.
gr_broker_stop_prod "$TOWNSHIP"
gr_wait_for 20 "the county to see the bridge go" \
	grep -q "Client bridge-530322001 \(disconnected\|closed its connection\)" "$COUNTY/broker/mosquitto.log"
out=$(pub "$CP" collector gr/v1/ack/gw001 ack-while-down)
check "with the township down, the county accepts an Ack for the bridge's session (PUBACK 0)" \
	has "$out" "received PUBACK (Mid: 1, RC:0)"
GR_PKI=$COUNTY/pki gr_broker_start_prod "$TOWNSHIP" "$TP" "$T_DIR/bridge.conf" || exit 1
gr_wait_for 30 "the Ack sent while the township was down" \
	grep -q "^gr/v1/ack/gw001 ack-while-down$" "$T_DIR/tg1.sub"
is "$(got tg1)" "gr/v1/ack/gw001 ack-via-county
gr/v1/ack/gw001 ack-while-down" \
	"after the township broker restarts, the Ack queued at the county reaches gw001 (cleansession false)"

# The county broker goes down; a report published at the township meanwhile
# waits in the bridge's local session and reaches the county's collectors
# after the county restarts (a persistent collector session here, so that
# the check does not depend on when the subscriber reconnects).
sub ccol2 "$CP" collector -c -x 86400 -t 'gr/v1/report/+'
gr_broker_stop_prod "$COUNTY"
accepted "with the county down, gw001 still reports to the township broker" \
	"$(pub "$TP" gw001 gr/v1/report/gw001 report-while-county-down)"
gr_broker_start_prod "$COUNTY" "$CP" || exit 1
gr_wait_for 40 "the report sent while the county was down" \
	grep -q "^gr/v1/report/gw001 report-while-county-down$" "$T_DIR/ccol2.sub"
is "$(got ccol2)" "gr/v1/report/gw001 report-while-county-down" \
	"after the county broker restarts, the report queued at the township reaches its collectors"
