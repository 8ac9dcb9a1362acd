#!/usr/bin/env bash
# Provision the Redis that supportd's shared cache tier, its global rate
# limits and their tests use.
#
#   scripts/redis.sh         make sure the Redis at REDIS_URL answers PING
#
# Idempotent: every step checks before it acts, so a second run does nothing
# but the check. What it does, in order:
#   1. If REDIS_URL answers PING, use it as it is.
#   2. Otherwise, on a local address: install redis-server and redis-tools
#      from the distribution when absent (as root, on Debian/Ubuntu), and
#      start a throw-away server (no persistence, loopback only) on the port.
#   3. Otherwise: stop and say what to do.
set -euo pipefail

REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
START_TIMEOUT=${REDIS_START_TIMEOUT:-30}

say() { printf '[redis] %s\n' "$*" >&2; }
die() { printf '[redis] error: %s\n' "$*" >&2; exit 1; }

# Split REDIS_URL (redis://[user[:password]@]host[:port][/db]) into its parts
# with a tiny, dependency-free parser.
parse_url() {
	local rest=${REDIS_URL#*://} auth=""
	if [[ $rest == *@* ]]; then auth=${rest%@*}; rest=${rest##*@}; fi
	R_PASS=""
	[[ $auth == *:* ]] && R_PASS=${auth#*:}
	local hostport=${rest%%/*}
	hostport=${hostport%%\?*}
	if [[ $hostport == \[*\]* ]]; then # [::1]:6379
		R_HOST=${hostport#\[}
		R_HOST=${R_HOST%%\]*}
		R_PORT=${hostport##*\]}
		R_PORT=${R_PORT#:}
	else
		R_HOST=${hostport%%:*}
		R_PORT=""
		[[ $hostport == *:* ]] && R_PORT=${hostport##*:}
	fi
	R_HOST=${R_HOST:-127.0.0.1}
	R_PORT=${R_PORT:-6379}
	[[ $R_PORT =~ ^[0-9]+$ ]] || die "cannot read a port from REDIS_URL=$REDIS_URL"
}

is_local() { [[ $R_HOST == 127.0.0.1 || $R_HOST == localhost || $R_HOST == ::1 ]]; }
is_root() { [[ $(id -u) == 0 ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

# True when the server answers PING: through redis-cli when it is installed
# (it handles passwords and TLS in the URL), else over bash's /dev/tcp.
# redis-cli -u cannot read a bracketed IPv6 host, so that one gets -h/-p.
answers() {
	if have redis-cli; then
		local target=(-u "$REDIS_URL")
		[[ $R_HOST == *:* ]] && target=(-h "$R_HOST" -p "$R_PORT")
		[[ $(REDISCLI_AUTH=$R_PASS timeout 3 redis-cli "${target[@]}" --no-auth-warning ping 2>/dev/null) == PONG ]]
		return
	fi
	local reply=""
	# shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
	reply=$(timeout 3 bash -c '
		exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf "PING\r\n" >&3
		IFS= read -r line <&3 && printf "%s" "$line"
	' _ "$R_HOST" "$R_PORT" 2>/dev/null) || return 1
	[[ $reply == "+PONG"* ]]
}

# True when something accepts TCP connections on the port, PONG or not.
# shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$R_HOST" "$R_PORT" 2>/dev/null; }

# shellcheck source=scripts/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

install_redis() {
	have redis-server && return 0
	have apt-get || die "Redis is not installed and this is not a Debian-like system: set REDIS_URL to a reachable Redis"
	say "Redis is not installed: installing it from the distribution's packages"
	apt_install redis-server redis-tools
	# The package may start its own service on 6379 through systemd; that is
	# harmless, and where systemd is absent nothing starts, so we start ours.
}

# A throw-away instance: loopback only, nothing saved to disk, so a restart
# begins empty, which is what a cache and rate limits can afford.
start_redis() {
	if port_open; then
		die "something listens on $R_HOST:$R_PORT but does not answer PING (a password missing from REDIS_URL, or not Redis): fix REDIS_URL or free the port"
	fi
	local dir=/var/lib/redis logdir=/var/log/redis
	if ! mkdir -p "$dir" 2>/dev/null || [[ ! -w $dir ]]; then dir=/tmp/supportd-redis && mkdir -p "$dir"; fi
	if ! mkdir -p "$logdir" 2>/dev/null || [[ ! -w $logdir ]]; then logdir=/tmp; fi
	local logfile=$logdir/redis-supportd-$R_PORT.log
	say "Redis is not answering on $R_HOST:$R_PORT: starting redis-server (log: $logfile)"
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$R_PORT" \
		--save "" --appendonly no --dir "$dir" --logfile "$logfile" \
		--pidfile "$dir/redis-supportd-$R_PORT.pid" >/dev/null ||
		die "redis-server failed to start on port $R_PORT (see $logfile)"
	for _ in $(seq 1 $((START_TIMEOUT * 5))); do answers && return 0; sleep 0.2; done
	die "redis-server did not answer PING on $R_HOST:$R_PORT within ${START_TIMEOUT} s (see $logfile)"
}

main() {
	parse_url
	if answers; then
		say "Redis is ready at $R_HOST:$R_PORT"
		return 0
	fi
	if ! is_local; then
		die "no Redis answers at $R_HOST:$R_PORT, which is not a local address: set REDIS_URL to a reachable Redis"
	fi
	if ! have redis-server; then
		is_root || die "no Redis answers at $R_HOST:$R_PORT, redis-server is not installed and this is not root: set REDIS_URL to a reachable Redis, or run as root"
		install_redis
	fi
	start_redis
	answers || die "redis-server started but $REDIS_URL still does not answer PING: set REDIS_URL to a reachable Redis"
	say "Redis is ready at $R_HOST:$R_PORT"
}

main "$@"
