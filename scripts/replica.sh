#!/usr/bin/env bash
# Provision a streaming read replica of the local PostgreSQL cluster, for
# SUPPORTD_DATABASE_READ_URL and the tests of read routing.
#
#   scripts/replica.sh       make sure a hot standby of the cluster on
#                            PRIMARY_PORT (5432) streams on REPLICA_PORT (5433)
#
# Idempotent: every step checks before it acts, so a second run does nothing
# but the checks. As root on a Debian-like machine whose primary cluster
# scripts/db.sh set up, in order:
#   1. The primary: wal_level replica (or logical) and max_wal_senders of at
#      least 2 (a restart when ALTER SYSTEM had to change them), pg_hba
#      entries admitting replication connections from the local socket and
#      127.0.0.1 (a reload when added), and a physical replication slot, so
#      the primary keeps the WAL a stopped replica still needs.
#   2. The replica: a cluster "replica" of the same major version
#      (pg_createcluster), its data directory replaced by a pg_basebackup of
#      the primary with -R (standby.signal and primary_conninfo), started.
#   3. The primary's pg_hba.conf for the replica too, then a check that it
#      answers on REPLICA_PORT, is in recovery and streams.
# A replica that exists but does not stream is rebuilt from a new base
# backup. The slot holds WAL while the replica is stopped: running this
# script starts it again; `pg_dropcluster --stop <major> replica` and
# `select pg_drop_replication_slot('supportd_replica')` remove both.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
CLUSTER=replica
SLOT=supportd_replica

say() { printf '[replica] %s\n' "$*" >&2; }
die() { printf '[replica] error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root: the replica is a cluster of the local PostgreSQL installation"
command -v pg_lsclusters >/dev/null || die "PostgreSQL is not installed: run scripts/db.sh (make db) first"

read -r MAJOR PRIMARY _ < <(pg_lsclusters -h | awk -v p="$PRIMARY_PORT" '$3 == p {print $1, $2; exit}') || true
[[ -n ${MAJOR:-} ]] || die "no PostgreSQL cluster on port $PRIMARY_PORT: run scripts/db.sh (make db) first"
[[ $PRIMARY != "$CLUSTER" ]] || die "the cluster on port $PRIMARY_PORT is itself named $CLUSTER"

sql() { PGOPTIONS="-c client_min_messages=warning" runuser -u postgres -- psql -v ON_ERROR_STOP=1 -p "$1" -d postgres -Atqc "$2"; }
primary() { sql "$PRIMARY_PORT" "$1"; }
replica_up() { runuser -u postgres -- pg_isready -q -p "$REPLICA_PORT" -t 2; }

configure_primary() {
	local restart="" wal senders hba
	wal=$(primary "show wal_level")
	senders=$(primary "show max_wal_senders")
	if [[ $wal == minimal ]]; then
		say "setting wal_level = replica on the primary"
		primary "alter system set wal_level = replica"
		restart=1
	fi
	if ((senders < 2)); then
		say "setting max_wal_senders = 10 on the primary"
		primary "alter system set max_wal_senders = 10"
		restart=1
	fi
	if [[ -n $restart ]]; then
		say "restarting the primary for the new WAL settings"
		pg_ctlcluster --skip-systemctl-redirect "$MAJOR" "$PRIMARY" restart
	fi
	hba=$(primary "show hba_file")
	if ! grep -Eq '^local[[:space:]]+replication[[:space:]]' "$hba"; then
		say "admitting local replication connections in $hba"
		# Before any other line, so that no earlier reject entry wins.
		sed -i '1i local   replication   postgres   peer\nhost    replication   postgres   127.0.0.1/32   trust' "$hba"
		primary "select pg_reload_conf()" >/dev/null
	fi
	if [[ -z $(primary "select 1 from pg_replication_slots where slot_name = '$SLOT'") ]]; then
		say "creating the physical replication slot $SLOT"
		primary "select pg_create_physical_replication_slot('$SLOT')" >/dev/null
	fi
}

# streaming is true when the replica answers, is in recovery and the
# primary sees its WAL receiver.
streaming() {
	replica_up || return 1
	[[ $(sql "$REPLICA_PORT" "select pg_is_in_recovery()") == t ]] || return 1
	[[ -n $(primary "select 1 from pg_stat_replication where application_name = '$CLUSTER' and state = 'streaming'") ]]
}

cluster_exists() { pg_lsclusters -h | awk -v c="$CLUSTER" -v m="$MAJOR" '$1 == m && $2 == c {found=1} END {exit !found}'; }

build_replica() {
	if cluster_exists; then
		say "rebuilding the replica cluster $MAJOR/$CLUSTER from a new base backup"
		pg_dropcluster --stop "$MAJOR" "$CLUSTER"
	fi
	say "creating cluster $MAJOR/$CLUSTER on port $REPLICA_PORT"
	pg_createcluster --port "$REPLICA_PORT" "$MAJOR" "$CLUSTER" >/dev/null
	local data
	data=$(pg_lsclusters -h | awk -v c="$CLUSTER" -v m="$MAJOR" '$1 == m && $2 == c {print $6}')
	[[ -n $data && -d $data ]] || die "cannot find the data directory of $MAJOR/$CLUSTER"
	rm -rf "${data:?}"/*
	say "copying the primary with pg_basebackup (it streams from then on)"
	runuser -u postgres -- pg_basebackup -p "$PRIMARY_PORT" -U postgres -D "$data" -X stream -S "$SLOT" -R \
		-d "application_name=$CLUSTER" -c fast
	# pg_basebackup -R writes primary_conninfo without the application
	# name unless it comes with the connection string; make sure it is
	# there, so the primary names this standby in pg_stat_replication.
	grep -q "application_name=$CLUSTER" "$data/postgresql.auto.conf" ||
		die "primary_conninfo in $data/postgresql.auto.conf does not name the replica"
	# A hot standby refuses to start with less of the max_* settings than
	# its primary has.
	local conf=/etc/postgresql/$MAJOR/$CLUSTER/conf.d/90-replica.conf name
	{
		echo "# written by supportd's scripts/replica.sh"
		echo "listen_addresses = '127.0.0.1'"
		echo "hot_standby = on"
		for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
			echo "$name = $(primary "show $name")"
		done
	} >"$conf"
}

# same_access gives the replica the primary's pg_hba.conf: it serves the
# same clients the same way (the tests pause its replay as postgres).
same_access() {
	local from to
	from=$(primary "show hba_file")
	to=/etc/postgresql/$MAJOR/$CLUSTER/pg_hba.conf
	cmp -s "$from" "$to" && return 0
	say "giving the replica the primary's client authentication ($from)"
	install -o postgres -g postgres -m 640 "$from" "$to"
	if replica_up; then sql "$REPLICA_PORT" "select pg_reload_conf()" >/dev/null; fi
}

start_replica() {
	replica_up && return 0
	say "starting $MAJOR/$CLUSTER"
	pg_ctlcluster --skip-systemctl-redirect "$MAJOR" "$CLUSTER" start
}

wait_streaming() {
	for _ in $(seq 1 60); do streaming && return 0; sleep 1; done
	return 1
}

main() {
	configure_primary
	if cluster_exists; then same_access; fi
	if streaming; then
		say "a streaming replica of $MAJOR/$PRIMARY answers on port $REPLICA_PORT"
		return 0
	fi
	if cluster_exists; then
		start_replica || true
		if wait_streaming; then
			say "a streaming replica of $MAJOR/$PRIMARY answers on port $REPLICA_PORT"
			return 0
		fi
	fi
	build_replica
	same_access
	start_replica
	wait_streaming || die "the replica on port $REPLICA_PORT does not stream (see /var/log/postgresql/postgresql-$MAJOR-$CLUSTER.log)"
	say "a streaming replica of $MAJOR/$PRIMARY answers on port $REPLICA_PORT"
}

main "$@"
