#!/usr/bin/env bash
# Provision the Chromium that the browser tests (internal/browsertest)
# drive with chromedp.
#
#   scripts/chromium.sh      make sure a headless-capable Chromium is installed
#
# Idempotent: when $CHROMIUM (default /usr/bin/chromium) runs, it does
# nothing but that check. Otherwise, as root on Debian/Ubuntu, it installs
# the distribution's `chromium` package with apt. It never downloads a
# browser build of its own. Where it cannot install, it says so and exits 0:
# the browser tests then skip with one line naming the reason, and the rest
# of `make test` still runs.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

say() { printf '[chromium] %s\n' "$*" >&2; }

works() { [[ -x $CHROMIUM ]] && "$CHROMIUM" --headless --no-sandbox --version >/dev/null 2>&1; }

main() {
	if works; then
		say "Chromium is ready: $("$CHROMIUM" --version 2>/dev/null | head -1)"
		return 0
	fi
	if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		say "Chromium is not installed at $CHROMIUM and this is not root on a Debian-like system: the browser tests will skip (install the distribution's chromium, or set CHROMIUM)"
		return 0
	fi
	say "Chromium is not installed: installing the distribution's chromium package"
	if ! apt-get update -qq >/dev/null || ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; then
		say "apt-get could not install chromium: the browser tests will skip"
		return 0
	fi
	works || { say "chromium installed but $CHROMIUM does not start headless: the browser tests will skip"; return 0; }
	say "Chromium is ready: $("$CHROMIUM" --version 2>/dev/null | head -1)"
}

main "$@"
