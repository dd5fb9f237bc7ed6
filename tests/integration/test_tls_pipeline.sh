#!/bin/bash
# test_tls_pipeline.sh -- the whole system on the production broker (TLS
# only, passwords, ACL): a grid worker's agent reports, the collector stores
# and routes it as its own broker user, the township dispatcher's console
# sees and accepts the case, and the worker's agent learns of it; all over
# TLS with the CA pinned, nothing in plain text.
. "$(dirname "$0")/lib.sh"

SECRETS=$T_DIR/secrets
mkdir -p "$SECRETS" && chmod 700 "$SECRETS"
COUNTY=$T_DIR/county
trap 'gr_broker_stop_prod "$COUNTY"; finish' EXIT

gr_pg_start "$T_DIR" || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/schema/demo/530322.sql" >/dev/null || exit 1
G=$(grid_of gw001)
T=${G:0:9}
gr_broker_prepare_prod "$COUNTY" || exit 1
for u in gw001 collector "disp-$T"; do
	openssl rand -hex 16 >"$SECRETS/$u.pw"
	"$GR_TOP/scripts/broker-user.sh" -a "$COUNTY/broker/acl" \
		"$COUNTY/broker/passwd" "$u" "$SECRETS/$u.pw" >/dev/null 2>&1 ||
		{ not_ok "add broker user $u"; exit 1; }
done
gr_broker_start_prod "$COUNTY" || exit 1
case $GR_BROKER in ssl://*) ok "the broker listens with TLS only ($GR_BROKER)" ;; *) not_ok "TLS broker" ;; esac

gr_collector_start "$T_DIR" "$BUILD" -o username=collector \
	-o "password_file=$SECRETS/collector.pw" -o "cafile=$GR_CAFILE" || exit 1
ok "the collector connects over TLS as its broker user"

cat >"$T_DIR/gw001.conf" <<-EOF2
	worker gw001
	device dev-gw001
	broker $GR_BROKER
	username gw001
	password_file $SECRETS/gw001.pw
	cafile $GR_CAFILE
	outbox $T_DIR/agents/gw001.db
EOF2
cat >"$T_DIR/console.conf" <<-EOF2
	unit $T
	actor zhang.wei
	broker $GR_BROKER
	username disp-$T
	password_file $SECRETS/disp-$T.pw
	cafile $GR_CAFILE
	cache $T_DIR/console.db
EOF2
console() { "$BUILD/dispatch-console" -c "$T_DIR/console.conf" -W 20 "$@"; }

is "$(console sync >/dev/null 2>&1; echo $?)" 0 "the dispatcher's console connects over TLS as disp-$T"
out=$("$BUILD/field-agent" -c "$T_DIR/gw001.conf" -W 20 report --grid "$G" \
	--category 10 --colour green --people 2 --summary "TLS 全程测试" \
	--party "petitioner:李某:13900001234" 2>&1)
is "$?" 0 "the agent's report is stored and acknowledged over TLS"
C=$(sql "SELECT case_no FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.summary = 'TLS 全程测试'")
check "its Ack names the case" grep -q "$C" <<<"$out"
is "$(sql "SELECT unit_code FROM \"case\" WHERE case_no = '$C'")" "$T" "the case is routed to the township"

check "the township's console has the case in its inbox" sh -c "'$BUILD/dispatch-console' -c '$T_DIR/console.conf' inbox | grep -q '$C'"
is "$(console accept "$C" >/dev/null 2>&1; echo $?)" 0 "the dispatcher accepts it over TLS"
is "$(sql "SELECT state FROM \"case\" WHERE case_no = '$C'")" accepted "... and the case is accepted"
"$BUILD/field-agent" -c "$T_DIR/gw001.conf" -W 5 sync >/dev/null 2>&1
is "$(sqlite3 "$T_DIR/agents/gw001.db" "SELECT case_state FROM outbox WHERE case_no = '$C'")" accepted \
	"the worker's agent learns of the acceptance over TLS"
for u in collector "disp-$T" gw001; do
	check "the broker logged $u's connection with MQTT v5 under its own user" \
		grep -q "New client connected from 127.0.0.1:[0-9]* as .* (p5, .*u'$u')" "$COUNTY/broker/mosquitto.log"
done
