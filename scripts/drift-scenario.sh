#!/usr/bin/env bash
# The drift scenario: a fresh knowledge base, 500 ordinary questions, then
# 500 questions about a product the help centre has never heard of, half
# of them with pasted logs. Shows the drift alert, the metrics a dashboard
# would plot and the review queue filling up.
#
#   scripts/drift-scenario.sh            (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable}
PORT=${SCENARIO_PORT:-18080}
KB=scenario-$(date +%s)
BIN=bin/supportd

scripts/db.sh
make -s build
$BIN migrate >/dev/null
$BIN ingest --kb "$KB" goldenset/corpus | tail -1

# A private server for the scenario: auth off (local only), no schedules.
SUPPORTD_AUTH=off SUPPORTD_ADDR=127.0.0.1:$PORT SUPPORTD_CLIENT_RPM=0 SUPPORTD_JOBS=false \
	SUPPORTD_LOG_LEVEL=warn $BIN serve >/tmp/supportd-scenario.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

metric() { # the dashboard's view: handed-off and low-confidence answers so far
	curl -s "http://127.0.0.1:$PORT/metrics" | awk '
		/^supportd_answers_total\{mode="handoff"/ {h += $NF}
		/^supportd_answers_total\{/ {a += $NF}
		/^supportd_answer_confidence_bucket\{le="0.5"\}/ {low = $NF}
		END {printf "answers %d, handed off %d (%.0f%%), confidence < 0.5: %d (%.0f%%)\n", a, h, 100*h/a, low, 100*low/a}'
}
pending() { curl -s "http://127.0.0.1:$PORT/v1/review?status=pending&limit=500" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))'; }

echo "== 500 ordinary questions"
$BIN simulate --url "http://127.0.0.1:$PORT" --kb "$KB" --normal 500 --seed 1
echo "   $(metric)"
echo "   review queue: $(pending) pending (first 500 shown)"

echo "== 500 questions after the shift (QuillPad, pasted logs)"
$BIN simulate --url "http://127.0.0.1:$PORT" --kb "$KB" --normal 0 --shifted 500 --seed 2
echo "   $(metric)"
echo "   review queue: $(pending) pending (first 500 shown)"

echo "== drift report: the newest 500 questions against the 500 before them"
# drift report exits 1 on an alert (so cron or CI can act); here one is expected.
rc=0
$BIN drift report --kb "$KB" --recent-n 500 --reference-n 500 2>/dev/null || rc=$?
if [ "$rc" -ne 1 ]; then echo "scenario: expected a drift alert (exit 1), got exit $rc" >&2; exit 1; fi
