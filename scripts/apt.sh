# shellcheck shell=bash
# Installing Debian packages for scripts/db.sh and scripts/redis.sh, which
# source this file after defining say and die. The package lists are
# refreshed once per run, and only when something is installed.

apt_ready=""
apt_update() {
	[[ -n $apt_ready ]] && return 0
	say "refreshing the package lists (apt-get update)"
	apt-get update -qq >/dev/null || die "apt-get update failed: cannot install packages"
	apt_ready=1
}
apt_install() {
	apt_update
	say "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
