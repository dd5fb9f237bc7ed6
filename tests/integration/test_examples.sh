#!/bin/bash
# gr-test: once
# test_examples.sh -- the example configuration files shipped with the
# programs are valid and say what they mean: each program reads its
# example and shows the settings it took from it.
. "$(dirname "$0")/lib.sh"

out=$("$BUILD/collector" -n -c "$GR_TOP/collector/collector.conf.example" \
	-o password_file=/dev/null 2>&1)
is "$?/$out" "0/configuration OK" "the collector accepts collector.conf.example"

out=$("$BUILD/field-agent" -c "$GR_TOP/field-agent/field-agent.conf.example" config 2>&1)
is "$?" 0 "field-agent reads field-agent.conf.example"
for kv in "worker gw001" "device phone-0001" "broker ssl://127.0.0.1:8883" "grids 530322001001001" "outbox /home/gw001/.field-agent-outbox.db"; do
	check "... and takes '$kv' from it" grep -qx "$kv" <<<"$out"
done

out=$("$BUILD/dispatch-console" -c "$GR_TOP/console/dispatch-console.conf.example" config 2>&1)
is "$?" 0 "dispatch-console reads dispatch-console.conf.example"
for kv in "unit 530322001" "actor zhang.wei" "username disp-530322001" "client_id dc-530322001-zhang.wei"; do
	check "... and takes '$kv' from it" grep -qx "$kv" <<<"$out"
done
