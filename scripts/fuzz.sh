#!/usr/bin/env bash
# Run every fuzz target for FUZZTIME (default 10s). A failure that saved a
# new crashing input under testdata/fuzz fails at once; a failure without
# one (the fuzzing engine's own worker hiccups on a busy machine) is shown
# and retried once, and fails if it happens again.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in $(git ls-files '*_test.go'); do
	pkg=./$(dirname "$f")
	for t in $(grep -o '^func Fuzz[A-Za-z0-9]*' "$f" | sed 's/func //'); do
		for attempt in 1 2; do
			[[ $attempt == 1 ]] && echo "fuzz $t ($pkg)"
			if go test -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s "$pkg" >"$log" 2>&1; then
				break
			fi
			tail -30 "$log"
			if [[ -n $(git status --porcelain -- "$(dirname "$f")/testdata/fuzz") ]]; then
				echo "fuzz $t found a failing input (saved under $(dirname "$f")/testdata/fuzz)"; exit 1
			fi
			[[ $attempt == 2 ]] && { echo "fuzz $t failed twice"; exit 1; }
			echo "fuzz $t failed without a failing input; retrying once"
		done
	done
done
