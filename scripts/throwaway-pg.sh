#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the fault scenarios (`make faults`),
# which restart it under load: never the shared one tests use.
#
#   scripts/throwaway-pg.sh start DIR PORT     create (first time) and start
#   scripts/throwaway-pg.sh restart DIR PORT   restart it (fast shutdown)
#   scripts/throwaway-pg.sh stop DIR PORT      stop it
#   scripts/throwaway-pg.sh destroy DIR PORT   stop it and remove DIR
#
# As root on a machine where scripts/db.sh installed PostgreSQL and
# pgvector. The cluster listens on 127.0.0.1:PORT (socket in DIR) and holds
# what scripts/db.sh provisions: the owner role supportd (password
# supportd, may create databases), the application role supportd_app, and
# the databases supportd and supportd_test with the vector extension.
set -euo pipefail

say() { printf '[throwaway-pg] %s\n' "$*" >&2; }
die() { printf '[throwaway-pg] error: %s\n' "$*" >&2; exit 1; }

[[ $# == 3 ]] || die "usage: $0 start|restart|stop|destroy DIR PORT"
cmd=$1 dir=$2 port=$3
[[ $(id -u) == 0 ]] || die "run as root (the cluster runs as the postgres user)"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $bin/initdb ]] || die "PostgreSQL is not installed: run scripts/db.sh (make db) first"

as_pg() { runuser -u postgres -- "$@"; }
ctl() { as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 "$@"; }
sql() { PGOPTIONS="-c client_min_messages=warning" as_pg psql -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -Atq "$@"; }

create() {
	say "creating a cluster in $dir on port $port"
	mkdir -p "$dir"
	chown postgres "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
	cat >>"$dir/data/postgresql.conf" <<-CONF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir'
		fsync = off
		max_connections = 200
	CONF
	ctl start >/dev/null
	sql -d postgres -c "create role supportd login createdb password 'supportd'" \
		-c "create role supportd_app login password 'supportd_app' nosuperuser nobypassrls nocreatedb nocreaterole" \
		-c "grant supportd_app to supportd" \
		-c "create database supportd owner supportd" -c "create database supportd_test owner supportd"
	for db in supportd supportd_test; do sql -d "$db" -c "create extension if not exists vector"; done
}

case $cmd in
start)
	[[ -f $dir/data/PG_VERSION ]] || { create; exit 0; }
	as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || ctl start >/dev/null
	;;
restart) ctl -m fast restart >/dev/null ;;
stop) ctl -m fast stop >/dev/null ;;
destroy)
	[[ -f $dir/data/PG_VERSION ]] && { as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; }
	rm -rf "$dir"
	;;
*) die "unknown command $cmd" ;;
esac
