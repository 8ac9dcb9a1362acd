#!/usr/bin/env bash
# Provision the PostgreSQL + pgvector that supportd and its tests need.
#
#   scripts/db.sh            make sure the database is usable by both roles
#
# Two roles: the owner (SUPPORTD_DATABASE_OWNER_URL, else DATABASE_URL, else
# supportd) owns the schema, runs migrations and creates the test databases;
# the application role (DATABASE_URL when the owner is named separately,
# else supportd_app) is what serve connects as: LOGIN, no superuser, no
# BYPASSRLS, owner of nothing, so row-level security binds it.
#
# Idempotent: every step checks before it acts, so a second run does nothing
# but the checks. What it does, in order:
#   1. If DATABASE_URL answers and has pgvector, use it as it is.
#   2. Otherwise, on a local address, as root on Debian/Ubuntu: install
#      PostgreSQL from the distribution when absent, start its cluster, build
#      pgvector from the newer Debian release's source package when the
#      extension is missing, and create both roles and the databases.
#   3. Otherwise, with a Docker engine: run the pgvector/pgvector image.
#   4. Otherwise: stop and say what to do.
set -euo pipefail

# The rest of this script provisions DATABASE_URL as the owner's URL.
if [[ -n ${SUPPORTD_DATABASE_OWNER_URL:-} ]]; then
	APP_URL=${DATABASE_URL:?DATABASE_URL names the application role when SUPPORTD_DATABASE_OWNER_URL is set}
	DATABASE_URL=$SUPPORTD_DATABASE_OWNER_URL
else
	DATABASE_URL=${DATABASE_URL:-postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable}
	APP_URL=""
fi
# The Debian release whose pgvector source package is built when this
# machine's release has none. Overridable for releases after it.
PGVECTOR_SUITE=${PGVECTOR_SUITE:-trixie}
STATE_DIR=${SUPPORTD_STATE_DIR:-/var/tmp/supportd-provision}

say() { printf '[db] %s\n' "$*" >&2; }
die() { printf '[db] error: %s\n' "$*" >&2; exit 1; }

# Split DATABASE_URL into its parts with a tiny, dependency-free parser.
parse_url() {
	local rest=${DATABASE_URL#*://}
	local auth=""
	if [[ $rest == *@* ]]; then auth=${rest%%@*}; rest=${rest#*@}; fi
	DB_USER=${auth%%:*}
	DB_PASS=""
	[[ $auth == *:* ]] && DB_PASS=${auth#*:}
	local hostport=${rest%%/*}
	rest=${rest#*/}
	DB_NAME=${rest%%\?*}
	DB_HOST=${hostport%%:*}
	DB_PORT=5432
	[[ $hostport == *:* ]] && DB_PORT=${hostport##*:}
	DB_USER=${DB_USER:-postgres}
	DB_NAME=${DB_NAME:-supportd}
	DB_HOST=${DB_HOST:-127.0.0.1}
	# The application role: DATABASE_URL's when the owner is named apart.
	APP_USER=supportd_app APP_PASS=supportd_app
	if [[ -n $APP_URL ]]; then
		local app=${APP_URL#*://}
		app=${app%%@*}
		APP_USER=${app%%:*}
		APP_PASS=""
		[[ $app == *:* ]] && APP_PASS=${app#*:}
	fi
	APP_URL="postgres://$APP_USER:$APP_PASS@$DB_HOST:$DB_PORT/$DB_NAME?sslmode=disable"
}

is_local() { [[ $DB_HOST == 127.0.0.1 || $DB_HOST == localhost || $DB_HOST == ::1 ]]; }
is_root() { [[ $(id -u) == 0 ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

server_up() { have pg_isready && pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2; }

# True when the target database answers and already has the extension.
target_ready() {
	have psql || return 1
	psql "$DATABASE_URL" -Atqc "select 1 from pg_extension where extname = 'vector'" 2>/dev/null | grep -q 1 &&
		psql "$DATABASE_URL" -Atqc "select 1 from pg_database where datname = '${DB_NAME}_test'" 2>/dev/null | grep -q 1 &&
		app_ready
}

# True when the application role logs in, row-level security binds it, and
# the owner is a member of it (tests cut its connections, as the owner).
app_ready() {
	psql "$APP_URL" -Atqc "select not (rolsuper or rolbypassrls) from pg_roles where rolname = current_user" 2>/dev/null | grep -q t &&
		psql "$DATABASE_URL" -Atqc "select pg_has_role(current_user, '$APP_USER', 'MEMBER')" 2>/dev/null | grep -q t
}

# The SQL that creates the application role when it is missing: it may log
# in and nothing else (NOBYPASSRLS is the point; migrations grant it rows).
# The owner becomes a member, so it may end the role's sessions; that
# gives the application role nothing.
app_role_sql() {
	cat <<-EOF
		DO \$\$ BEGIN
		  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER') THEN
		    CREATE ROLE "$APP_USER" LOGIN PASSWORD '${APP_PASS:-$APP_USER}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
		  END IF;
		END \$\$;
		GRANT "$APP_USER" TO "$DB_USER";
	EOF
}

# Run SQL as the cluster's superuser over the local socket.
as_super() { PGOPTIONS="-c client_min_messages=warning" runuser -u postgres -- psql -v ON_ERROR_STOP=1 -p "$DB_PORT" -Atq "$@"; }

# shellcheck source=scripts/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

pg_major() { pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1}'; }

install_postgres() {
	have pg_lsclusters && [[ -n $(pg_lsclusters -h 2>/dev/null) ]] && return 0
	have apt-get || die "PostgreSQL is not installed and this is not a Debian-like system: set DATABASE_URL to a PostgreSQL with pgvector"
	say "PostgreSQL is not installed: installing it from the distribution's packages"
	apt_install postgresql postgresql-client
	local major cluster port
	if [[ -z $(pg_lsclusters -h 2>/dev/null) ]]; then
		major=$(ls /usr/lib/postgresql | sort -n | tail -1)
		say "creating cluster $major/main on port $DB_PORT"
		pg_createcluster --port "$DB_PORT" "$major" main >/dev/null
		return 0
	fi
	# The package created its cluster on the first free port, which need not
	# be DB_PORT; the cluster is new and empty, so move it there.
	read -r major cluster port _ < <(pg_lsclusters -h | head -1)
	if [[ $port != "$DB_PORT" ]]; then
		say "moving the new cluster $major/$cluster from port $port to $DB_PORT"
		if pg_ctlcluster "$major" "$cluster" status >/dev/null 2>&1; then pg_ctlcluster "$major" "$cluster" stop; fi
		pg_conftool "$major" "$cluster" set port "$DB_PORT"
	fi
}

start_postgres() {
	server_up && return 0
	local major cluster
	read -r major cluster _ < <(pg_lsclusters -h | awk -v p="$DB_PORT" '$3 == p {print $1, $2; exit}') || true
	[[ -n ${major:-} ]] || die "no PostgreSQL cluster is configured for port $DB_PORT (see pg_lsclusters)"
	say "PostgreSQL $major/$cluster is not running: starting it"
	pg_ctlcluster --skip-systemctl-redirect "$major" "$cluster" start
	for _ in $(seq 1 30); do server_up && return 0; sleep 1; done
	die "PostgreSQL $major/$cluster did not accept connections within 30 s (see /var/log/postgresql/)"
}

vector_available() {
	as_super -d postgres -c "select 1 from pg_available_extensions where name = 'vector'" | grep -q 1
}

# The mirror this machine already uses for Debian packages, read from its
# APT configuration so that no host name is written into this repository.
debian_mirror() {
	local f uri=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' "$f")
		[[ -n $uri ]] && break
	done
	if [[ -z $uri && -f /etc/apt/sources.list ]]; then
		uri=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list)
	fi
	[[ -n $uri ]] || die "cannot find a Debian mirror in /etc/apt: install pgvector for PostgreSQL $(pg_major) by hand"
	echo "$uri"
}

build_pgvector() {
	local major
	major=$(pg_major)
	say "pgvector is missing for PostgreSQL $major"
	apt_update
	if apt-cache show "postgresql-$major-pgvector" >/dev/null 2>&1; then
		apt_install "postgresql-$major-pgvector"
		return 0
	fi
	say "no pgvector package in this release: building it from Debian $PGVECTOR_SUITE's source package"
	apt_install "postgresql-server-dev-$major" build-essential dpkg-dev
	local dir=$STATE_DIR/pgvector mirror
	mirror=$(debian_mirror)
	rm -rf "$dir" && mkdir -p "$dir/lists/partial"
	# A private source list: the system's own APT sources stay untouched.
	cat >"$dir/src.sources" <<-EOF
		Types: deb-src
		URIs: $mirror
		Suites: $PGVECTOR_SUITE
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	local apt_opts=(-o "Dir::Etc::SourceList=$dir/src.sources" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$dir/lists")
	apt-get "${apt_opts[@]}" update -qq >/dev/null || die "could not read Debian $PGVECTOR_SUITE's source index from $mirror"
	(cd "$dir" && apt-get "${apt_opts[@]}" source --download-only -qq pgvector >/dev/null 2>&1) ||
		die "could not download the pgvector source package from Debian $PGVECTOR_SUITE"
	local tarball
	tarball=$(ls "$dir"/pgvector_*.orig.tar.* | head -1)
	tar -C "$dir" -xf "$tarball"
	local src
	src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -1)
	say "compiling $(basename "$src") against PostgreSQL $major (about a minute)"
	make -C "$src" -s PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" >/dev/null 2>&1 || die "pgvector failed to compile (run make in $src to see why)"
	make -C "$src" -s PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" install >/dev/null
	vector_available || die "pgvector was built but PostgreSQL does not list it"
	say "pgvector installed"
}

# The role, the application database and the pristine test database that
# test runs clone their templates from. The role may create databases (tests
# do) but is not a superuser, so the extension is created here.
create_databases() {
	[[ -n $DB_PASS ]] || DB_PASS=$DB_USER
	if ! as_super -d postgres -c "select 1 from pg_roles where rolname = '$DB_USER'" | grep -q 1; then
		say "creating role $DB_USER"
		as_super -d postgres -c "create role \"$DB_USER\" login createdb password '$DB_PASS'"
	fi
	local db
	for db in "$DB_NAME" "${DB_NAME}_test"; do
		if ! as_super -d postgres -c "select 1 from pg_database where datname = '$db'" | grep -q 1; then
			say "creating database $db"
			as_super -d postgres -c "create database \"$db\" owner \"$DB_USER\""
		fi
		as_super -d "$db" -c "create extension if not exists vector"
	done
	app_ready || { say "creating role $APP_USER (the application role)"; app_role_sql | as_super -d postgres; }
}

provision_local() {
	is_root || die "PostgreSQL with pgvector is not reachable at $DB_HOST:$DB_PORT and this is not root (nor is Docker available): set DATABASE_URL to a PostgreSQL with pgvector, or run as root"
	install_postgres
	start_postgres
	vector_available || build_pgvector
	create_databases
}

provision_docker() {
	say "starting pgvector/pgvector in Docker on port $DB_PORT"
	docker run -d --name supportd-postgres -p "$DB_PORT:5432" \
		-e POSTGRES_USER="$DB_USER" -e POSTGRES_PASSWORD="${DB_PASS:-$DB_USER}" -e POSTGRES_DB="$DB_NAME" \
		pgvector/pgvector:pg16 >/dev/null
	for _ in $(seq 1 60); do psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
	psql "$DATABASE_URL" -qc "create extension if not exists vector" -c "create database \"${DB_NAME}_test\"" >/dev/null
	psql "${DATABASE_URL/\/$DB_NAME/\/${DB_NAME}_test}" -qc "create extension if not exists vector" >/dev/null
	app_role_sql | psql "$DATABASE_URL" -q >/dev/null
}

# The databases are there but the application role is not (a machine
# provisioned before it existed): create it as the cluster's superuser, or
# as the owner when the owner may create roles (the Docker image's user).
provision_app_role() {
	if is_local && is_root && have runuser && id postgres >/dev/null 2>&1; then
		say "creating role $APP_USER (the application role)"
		app_role_sql | as_super -d postgres
	elif app_role_sql | psql "$DATABASE_URL" -q >/dev/null 2>&1; then
		say "created role $APP_USER (the application role)"
	else
		die "the application role $APP_USER cannot log in at $DB_HOST:$DB_PORT: create it (LOGIN NOBYPASSRLS, not a superuser) or set DATABASE_URL to one"
	fi
}

main() {
	parse_url
	if ! target_ready && psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1 && ! app_ready; then
		provision_app_role
	fi
	if target_ready; then
		say "PostgreSQL with pgvector is ready at $DB_HOST:$DB_PORT/$DB_NAME"
		return 0
	fi
	if is_local && { is_root || ! have docker || ! docker info >/dev/null 2>&1; }; then
		provision_local
	elif have docker && docker info >/dev/null 2>&1; then
		provision_docker
	else
		die "no database with pgvector at $DB_HOST:$DB_PORT, not a local address, and no Docker: set DATABASE_URL to a PostgreSQL with pgvector"
	fi
	target_ready || die "provisioning finished but $DATABASE_URL is still not usable"
	say "PostgreSQL with pgvector is ready at $DB_HOST:$DB_PORT/$DB_NAME"
}

main "$@"
