#!/usr/bin/env bash
# Provision Node.js for TestOpenAINodeSDK, which drives the API with the
# official openai npm package, and install that package from its lock file.
#
#   scripts/node.sh      make sure node and npm run, then npm ci the script's dependencies
#
# Idempotent: when node and npm run and the locked packages are installed,
# it only checks. Otherwise, as root on Debian/Ubuntu, it installs the
# distribution's nodejs and npm with apt. The packages come from the npm
# registry, exactly as package-lock.json pins them. Unlike the browser
# tests, the Node test does not skip: where this cannot install, it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=internal/httpapi/testdata/node

say() { printf '[node] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
# shellcheck source=scripts/apt.sh
source scripts/apt.sh

main() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		[[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1 ||
			die "node and npm are missing and this is not root on a Debian-like system: install Node.js 18 or newer"
		apt_install nodejs npm || die "apt-get could not install nodejs and npm"
	fi
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	((major >= 18)) || die "node $(node --version) is too old: the script needs Node.js 18 or newer (global fetch)"
	if [[ -f $DIR/node_modules/.package-lock.json ]] && cmp -s "$DIR/package-lock.json" "$DIR/node_modules/.lock-installed"; then
		say "node $(node --version) and the locked packages are ready"
		return 0
	fi
	say "installing the locked packages of $DIR (npm ci)"
	(cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $DIR"
	cp "$DIR/package-lock.json" "$DIR/node_modules/.lock-installed"
	say "node $(node --version) and the locked packages are ready"
}

main "$@"
