# env.sh -- (bash) start and stop the project's private servers: a PostgreSQL
# cluster and a Mosquitto broker under a folder of the project, on free
# loopback ports.  Sourced by scripts/demo.sh and the integration tests.
#
#   gr_pg_start DIR [PORT]  cluster in DIR/pg (on PORT, e.g. to restart it
#                        where its clients expect it); sets GR_PG_PORT, GR_DB;
#                        $GR_PG_OPTIONS adds server settings, e.g.
#                        GR_PG_OPTIONS="-c shared_buffers=2GB" for a benchmark
#   gr_pg_stop DIR
#   gr_broker_start DIR  broker in DIR/broker; sets GR_MQTT_PORT, GR_BROKER
#   gr_broker_stop DIR
#   gr_collector_start DIR BUILD [args]   sets GR_COLLECTOR_PID; logs to
#                        DIR/collector.log, or $GR_COLLECTOR_LOG (a second
#                        collector: keep the first one's pid aside)
#   gr_collector_stop [SIGNAL]
#
# PostgreSQL refuses to run as root, so as root both servers run as
# unprivileged system users (postgres, mosquitto) owning their folders.

GR_TOP=${GR_TOP:-$(cd "$(dirname "${BASH_SOURCE:-$0}")/.." && pwd)}
GR_PGBIN=${GR_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
# psql and the other clients straight from the server's version: Debian's
# /usr/bin/psql is a Perl wrapper that chooses a version on each call
# (about 50 ms of CPU a call, and the tests make thousands).
case $PATH in
"$GR_PGBIN":*) ;;
*) [ -n "$GR_PGBIN" ] && PATH=$GR_PGBIN:$PATH && export PATH ;;
esac

gr_as() {	# gr_as USER CMD...: run as USER when we are root
	local u=$1; shift
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$u" -- "$@"; else "$@"; fi
}

gr_own() {	# gr_own USER DIR: hand DIR to USER when we are root
	if [ "$(id -u)" -eq 0 ]; then chown -R "$1" "$2"; fi
}

gr_broker_up() {	# gr_broker_up BROKER-DIR PID SKIP: running, or gone;
			# SKIP: log lines of earlier starts
	if ! kill -0 "$2" 2>/dev/null; then
		return 0	# exited: the caller sees it and tries again
	fi
	tail -n +$(($3 + 1)) "$1/mosquitto.log" 2>/dev/null |
		grep -q "mosquitto version .* running" && gr_port_busy "$GR_MQTT_PORT"
}

gr_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

gr_free_port() {	# a loopback TCP port nobody listens on
	local p _ low
	# Below the kernel's range for outgoing connections: a port in it may
	# be taken by any client's socket between this check and the bind.
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 11000 ] 2>/dev/null || low=32768
	for _ in $(seq 1 200); do
		p=$(( (RANDOM * 32768 + RANDOM) % (low - 10000) + 10000 ))
		if ! gr_port_busy "$p"; then echo "$p"; return 0; fi
	done
	echo "env: no free port found" >&2
	return 1
}

gr_wait_for() {	# gr_wait_for SECONDS DESCRIPTION CMD...: poll until CMD succeeds
	local limit=$1 what=$2 end
	shift 2
	end=$(( $(date +%s) + limit ))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "env: timed out after ${limit}s waiting for $what" >&2
			return 1
		fi
		sleep 0.05
	done
}

gr_pg_start() {
	local dir=$1/pg attempt
	mkdir -p "$dir"
	# A cluster left running by a killed run is stopped first.
	if [ -f "$dir/data/postmaster.pid" ]; then
		gr_as postgres "$GR_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	gr_own postgres "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		# Text sorts by byte (LC_COLLATE C): for UTF-8 the same order
		# as C.UTF-8's, by code point, without strcoll() in every
		# comparison of the codes and ids the indexes hold.
		gr_as postgres "$GR_PGBIN/initdb" -D "$dir/data" -U postgres \
			-A trust -E UTF8 --locale=C.UTF-8 --lc-collate=C \
			>"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; return 1; }
	fi
	for attempt in 1 2 3; do
		GR_PG_PORT=${2:-$(gr_free_port)} || return 1
		if gr_as postgres "$GR_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
			-w -t 60 -o "-p $GR_PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200 ${GR_PG_OPTIONS:-}" \
			start >/dev/null; then
			break
		fi
		[ "$attempt" = 3 ] || [ -n "${2:-}" ] && { tail -n 20 "$dir/server.log" >&2; return 1; }
	done
	GR_DB="host=127.0.0.1 port=$GR_PG_PORT user=postgres dbname=gridreport"
	export GR_PG_PORT GR_DB
	if ! psql "host=127.0.0.1 port=$GR_PG_PORT user=postgres dbname=postgres" -XAtq \
		-c "SELECT 1 FROM pg_database WHERE datname = 'gridreport'" | grep -q 1; then
		psql "host=127.0.0.1 port=$GR_PG_PORT user=postgres dbname=postgres" -Xq \
			-c "CREATE DATABASE gridreport" || return 1
	fi
	"$GR_TOP/schema/migrate.sh" "$GR_DB" >/dev/null
}

gr_pg_stop() {
	local dir=$1/pg
	[ -f "$dir/data/postmaster.pid" ] || return 0
	gr_as postgres "$GR_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

gr_broker_start() {
	local dir=$1/broker attempt log_lines
	mkdir -p "$dir"
	for attempt in 1 2 3; do
		GR_MQTT_PORT=${2:-$(gr_free_port)} || return 1
		sed -e "s|@PORT@|$GR_MQTT_PORT|g" -e "s|@DIR@|$dir|g" \
			"$GR_TOP/broker-config/mosquitto-dev.conf" >"$dir/mosquitto.conf"
		gr_own mosquitto "$dir"
		# Started as root, mosquitto itself switches to its own user.
		log_lines=$(cat "$dir/mosquitto.log" 2>/dev/null | wc -l)
		mosquitto -c "$dir/mosquitto.conf" >>"$dir/stderr.log" 2>&1 </dev/null &
		echo $! >"$dir/pid"
		# Ours when it says so and listens: a port taken meanwhile by
		# another program makes mosquitto exit.
		if gr_wait_for 20 "mosquitto on port $GR_MQTT_PORT" gr_broker_up "$dir" $! "$log_lines" &&
			kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			break
		fi
		gr_broker_stop "$1"
		[ "$attempt" = 3 ] && { cat "$dir/stderr.log" >&2; return 1; }
	done
	GR_BROKER="tcp://127.0.0.1:$GR_MQTT_PORT"
	export GR_MQTT_PORT GR_BROKER
}

gr_broker_stop() {
	local dir=$1/broker pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	# Only a mosquitto of this folder: the pid may have been reused.
	if grep -q "$dir/mosquitto.conf" "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
	fi
	gr_wait_for 20 "mosquitto to stop" sh -c "! kill -0 $pid 2>/dev/null" || true
	[ -n "${GR_MQTT_PORT:-}" ] && gr_wait_for 20 "port $GR_MQTT_PORT to close" \
		sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$GR_MQTT_PORT) 2>/dev/null" || true
	rm -f "$dir/pid"
}

gr_collector_start() {	# gr_collector_start DIR BUILD [extra args]
	local dir=$1 build=$2 log before
	shift 2
	log=${GR_COLLECTOR_LOG:-$dir/collector.log}
	touch "$log"
	before=$(wc -l <"$log")
	${GR_WRAP:-} "$build/collector" -b "$GR_BROKER" -d "$GR_DB" "$@" >>"$log" 2>&1 </dev/null &
	GR_COLLECTOR_PID=$!
	export GR_COLLECTOR_PID
	gr_wait_for 30 "the collector to start" \
		sh -c "tail -n +$((before + 1)) '$log' | grep -q event=started" || {
		tail -n 20 "$log" >&2; return 1; }
}

gr_collector_stop() {	# gr_collector_stop [SIGNAL]
	[ -n "${GR_COLLECTOR_PID:-}" ] || return 0
	kill "-${1:-TERM}" "$GR_COLLECTOR_PID" 2>/dev/null || true
	GR_COLLECTOR_RC=0
	wait "$GR_COLLECTOR_PID" 2>/dev/null || GR_COLLECTOR_RC=$?
	GR_COLLECTOR_PID=
	return 0
}

# ---- The production broker configuration (TLS, passwords, ACL) ----------
#
#   gr_broker_start_prod DIR [PORT] [EXTRA-CONF]
#       a broker in DIR/broker made from broker-config/mosquitto-prod.conf
#       on 127.0.0.1, with EXTRA-CONF (e.g. a filled-in bridge-township.conf)
#       appended.  Certificates come from $GR_PKI (default DIR/pki, made by
#       scripts/broker-pki.sh when missing; only ca.crt, server.crt and
#       server.key are copied next to the broker, the CA key stays out).
#       DIR/broker/acl starts as a copy of broker-config/acl and
#       DIR/broker/passwd empty, unless they exist: add users first with
#       scripts/broker-user.sh -a DIR/broker/acl DIR/broker/passwd USER PWFILE
#       (or later, then gr_broker_reload DIR).  Sets GR_MQTT_PORT,
#       GR_BROKER (ssl://127.0.0.1:PORT) and GR_CAFILE.
#   gr_broker_reload DIR     SIGHUP: read passwd and acl again
#   gr_broker_stop_prod DIR

gr_broker_prepare_prod() {	# gr_broker_prepare_prod DIR: the files, no broker
	local dir=$1/broker pki=${GR_PKI:-$1/pki}
	mkdir -p "$dir"
	if [ ! -f "$pki/server.crt" ]; then
		"$GR_TOP/scripts/broker-pki.sh" "$pki" || return 1
	fi
	cp "$pki/ca.crt" "$pki/server.crt" "$dir/" &&
		install -m 0600 "$pki/server.key" "$dir/server.key" || return 1
	[ -f "$dir/acl" ] || install -m 0600 "$GR_TOP/broker-config/acl" "$dir/acl" || return 1
	[ -f "$dir/passwd" ] || install -m 0600 /dev/null "$dir/passwd" || return 1
}

gr_broker_start_prod() {
	local top=$1 dir=$1/broker extra=${3:-} attempt pid
	gr_broker_prepare_prod "$top" || return 1
	for attempt in 1 2 3; do
		GR_MQTT_PORT=${2:-$(gr_free_port)} || return 1
		(
			umask 077	# a bridge's password may be in it
			sed -e "s|@PORT@|$GR_MQTT_PORT|g" -e "s|@ADDRESS@|127.0.0.1|g" \
				-e "s|@DIR@|$dir|g" "$GR_TOP/broker-config/mosquitto-prod.conf"
			if [ -n "$extra" ]; then echo; cat "$extra"; fi
		) >"$dir/mosquitto.conf" || return 1
		# Mosquitto 2.0 drops to its user before it reads keys, passwd and acl.
		gr_own mosquitto "$dir"
		chmod 0600 "$dir/server.key" "$dir/passwd" "$dir/acl" "$dir/mosquitto.conf"
		mosquitto -c "$dir/mosquitto.conf" >>"$dir/stderr.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$dir/pid"
		echo "$GR_MQTT_PORT" >"$dir/port"
		gr_wait_for 20 "mosquitto on port $GR_MQTT_PORT" \
			bash -c "(exec 3<>/dev/tcp/127.0.0.1/$GR_MQTT_PORT) 2>/dev/null || ! kill -0 $pid 2>/dev/null"
		if kill -0 "$pid" 2>/dev/null && gr_port_busy "$GR_MQTT_PORT"; then
			break
		fi
		GR_MQTT_PORT=$GR_MQTT_PORT gr_broker_stop "$top"
		if [ "$attempt" = 3 ] || [ -n "${2:-}" ]; then
			cat "$dir/stderr.log" >&2
			tail -n 20 "$dir/mosquitto.log" >&2 2>/dev/null
			return 1
		fi
	done
	GR_BROKER="ssl://127.0.0.1:$GR_MQTT_PORT"
	GR_CAFILE=$dir/ca.crt
	export GR_MQTT_PORT GR_BROKER GR_CAFILE
}

gr_broker_reload() {
	local dir=$1/broker pid
	pid=$(cat "$dir/pid" 2>/dev/null) || return 1
	grep -q "$dir/mosquitto.conf" "/proc/$pid/cmdline" 2>/dev/null || return 1
	kill -HUP "$pid"
}

gr_broker_stop_prod() {
	local port
	port=$(cat "$1/broker/port" 2>/dev/null) || port=
	GR_MQTT_PORT=$port gr_broker_stop "$1"
}
