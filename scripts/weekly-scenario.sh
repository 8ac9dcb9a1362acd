#!/usr/bin/env bash
# The weekly loop of issue 11 on the built binary, in a minute or two: a
# scratch database, a knowledge base and an accepted baseline; last week's
# ordinary traffic (moved a week back: the clock is compressed, not waited
# for) and this week's questions about a product the help centre lacks; a
# thumbs-down; relabelling; export; growing the golden set; the scheduled
# evaluation against the pinned baseline, the scheduled drift report with
# its webhook, and the digest, each on a two-second schedule. Every step's
# output is checked: the script stops with "scenario: FAILED" otherwise.
#
#   scripts/weekly-scenario.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable}
PORT=${SCENARIO_PORT:-18080}
HOOK_PORT=${SCENARIO_HOOK_PORT:-18081}
BIN=$PWD/bin/supportd
WORK=$(mktemp -d)
DB=${SCENARIO_DB:-supportd_week_scenario}
withdb() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$DATABASE_URL" "$1"; }
SCENARIO_URL=$(withdb "$DB")
ADMIN_URL=$(withdb postgres)
# scripts/db.sh provisions <database>_test with pgvector: the scratch database copies it.
TEMPLATE=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).path.strip("/") + "_test")' "$DATABASE_URL")

fail() { echo "scenario: FAILED: $*" >&2; exit 1; }
expect() { # expect WHAT PATTERN TEXT: TEXT must match the extended regexp PATTERN
	grep -Eq -- "$2" <<<"$3" || { printf '%s\n' "$3" >&2; fail "$1: no match for /$2/"; }
}
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

scripts/db.sh
make -s build
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB TEMPLATE $TEMPLATE"
cp goldenset/demo.jsonl "$WORK/golden.jsonl"

# A webhook receiver: every event it gets is one line of $WORK/hooks.jsonl.
python3 - "$HOOK_PORT" "$WORK/hooks.jsonl" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
hooks=$!
pids=($hooks)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null || true' EXIT

export DATABASE_URL=$SCENARIO_URL SUPPORTD_AUTH=off SUPPORTD_CLIENT_RPM=0 SUPPORTD_LOG_LEVEL=warn SUPPORTD_JOBS=false \
	SUPPORTD_EVAL_KB=demo SUPPORTD_EVAL_GOLDEN=$WORK/golden.jsonl \
	SUPPORTD_DRIFT_WEBHOOK_URL=http://127.0.0.1:$HOOK_PORT SUPPORTD_DIGEST_WEBHOOK_URL=http://127.0.0.1:$HOOK_PORT
URL=http://127.0.0.1:$PORT

echo "== Monday: the knowledge base and its accepted baseline"
$BIN migrate >/dev/null
out=$($BIN ingest --kb demo goldenset/corpus | tail -1); echo "   $out"
expect ingest "^kb demo: [0-9]+ added, 0 updated, 0 unchanged, 0 pruned, 0 failed" "$out"
out=$($BIN eval run --format markdown 2>&1 >/dev/null); echo "   $out"
expect "first eval" "no baseline to compare with yet" "$out"
out=$($BIN eval accept 1); echo "   $out"
expect accept "^run 1 \(pass rate 0\.[0-9]+\) is now the baseline of knowledge base demo$" "$out"

SUPPORTD_ADDR=127.0.0.1:$PORT $BIN serve >"$WORK/serve.log" 2>&1 &
server=$!
pids+=($server)
for _ in $(seq 1 50); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.2; done

echo "== last week: 120 ordinary questions (moved 7.5 days back); this week: 120 about QuillPad"
out=$($BIN simulate --url "$URL" --kb demo --normal 120 --seed 1); echo "   $out"
expect traffic "^normal +120 questions" "$out"
# 7.5 days back: in the drift report's reference week (the 7 days before the
# last 24 h) and in the week before the digest's.
psql -q "$SCENARIO_URL" -c "UPDATE turns SET created_at = created_at - interval '180 hours'"
out=$($BIN simulate --url "$URL" --kb demo --normal 0 --shifted 120 --seed 2); echo "   $out"
expect traffic "^shifted +120 questions" "$out"

echo "== a thumbs-down"
refund=$(curl -sf "$URL/v1/chat" -H 'Content-Type: application/json' -d '{"kb":"demo","question":"How do I get a refund on an annual plan?"}')
turn=$(json 'd["turn_id"]' <<<"$refund"); conv=$(json 'd["conversation_id"]' <<<"$refund")
out=$(curl -sf "$URL/v1/turns/$turn/feedback" -H 'Content-Type: application/json' \
	-d "{\"conversation_id\":\"$conv\",\"rating\":\"down\",\"comment\":\"I was told 30 days\"}"); echo "   $out"
expect feedback '"queued_for_review":true' "$out"
weather=$(curl -sf "$URL/v1/chat" -H 'Content-Type: application/json' -d '{"kb":"demo","question":"What will the weather be in Paris tomorrow?"}')
wturn=$(json 'd["turn_id"]' <<<"$weather")

echo "== relabelling three review items"
queue=$(curl -sf "$URL/v1/review?status=pending&limit=500")
item() { json "[i['id'] for i in d['items'] if $1][0]" <<<"$queue"; }
resolve() {
	out=$(curl -s -w ' %{http_code}' "$URL/v1/review/$1/resolve" -H 'Content-Type: application/json' -d "$2")
	expect "resolve $1" ' 200$' "$out"
	echo "   item $1: $(json 'd["label"]' <<<"${out% *}")"
}
resolve "$(item "i['turn_id'] == $turn")" '{"label":"incorrect","corrected_answer":"Annual plans are refunded in full within 14 days of purchase [P1].","expected_sources":["billing/refunds.md"],"required_facts":["14 days"]}'
resolve "$(item "'QuillPad' in i['question'] and i['reason'] != 'thumbs_down'")" '{"label":"should_answer","corrected_answer":"Pair QuillPad under Settings, Devices.","missing_document":"devices/quillpad.md"}'
resolve "$(item "i['turn_id'] == $wturn")" '{"label":"should_handoff"}'
kill "$server"; wait "$server" 2>/dev/null || true

echo "== export and grow the golden set"
out=$($BIN goldenset export --since last --out "$WORK/week.jsonl" 2>&1); echo "   $out"
expect export "^export #1: 3 case\(s\) from 3 resolved review item\(s\)" "$out"
grep -q '\[P1\]' "$WORK/week.jsonl" && fail "export: a citation marker was kept"
out=$($BIN goldenset add "$WORK/week.jsonl"); echo "   ${out#"$WORK"/}"
expect add ": 3 case\(s\) added, 0 duplicate\(s\) skipped; 67 cases now$" "$out"
out=$($BIN goldenset export --since last 2>&1); echo "   $out"
expect "second export" "^nothing resolved since the last export$" "$out"

echo "== the scheduled jobs (every 2 s): evaluation, drift report, digest"
$BIN worker --eval-schedule '@every 2s' --drift-schedule '@every 2s' --digest-schedule '@every 2s' >"$WORK/worker.log" 2>&1 &
worker=$!
pids+=($worker)
digest=""
for _ in $(seq 1 120); do
	digest=$(python3 - "$WORK/hooks.jsonl" <<'PY' 2>/dev/null || true
import json, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    d = ev.get("data", {}).get("digest") or {}
    if (d.get("eval") or {}).get("trigger") == "schedule" and (d.get("drift") or {}).get("alert"):
        print(ev["data"]["markdown"]); break
PY
)
	[ -n "$digest" ] && break
	sleep 0.5
done
kill "$worker"; wait "$worker" 2>/dev/null || true
[ -n "$digest" ] || { cat "$WORK/worker.log" >&2; fail "no digest with the scheduled evaluation and drift report"; }
expect "drift webhook" '"event":"drift.alert"' "$(cat "$WORK/hooks.jsonl")"
base=$(psql -qtA "$SCENARIO_URL" -c "SELECT (comparison->>'base_id') || ' ' || (summary->>'cases') FROM eval_runs WHERE trigger = 'schedule' AND status = 'complete' ORDER BY id LIMIT 1")
echo "   scheduled evaluation: baseline run and cases: $base"
expect "scheduled eval" "^1 67$" "$base"

echo "== the digest (as the webhook received it)"
printf '%s\n' "$digest" | sed 's/^/   /'
expect digest "items relabelled: \*\*3\*\* \(incorrect 1, should_handoff 1, should_answer 1\)" "$digest"
expect digest "against pinned baseline #1: " "$digest"
expect digest "\*\*DRIFT ALERT\*\*" "$digest"
expect digest "handoff rate: \*\*[0-9.]+%\*\* \(↑ " "$digest"
out=$($BIN digest --kb demo)
expect "digest CLI" "\*\*67\*\* cases" "$out"
echo "scenario: every step checked"
