package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/notify"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// TestWeeklyLoop runs the week of issue 11 end to end through the real
// commands and HTTP API, with the scheduled jobs on a short schedule and
// last week's traffic moved a week back (the clock is compressed, never
// slept on): traffic, a thumbs-down, relabelling, export, growing the
// golden set, the scheduled evaluation against the pinned baseline, the
// scheduled drift report with its webhook, and the digest.
// scripts/weekly-scenario.sh (make scenario) runs the same week on the
// built binary.
func TestWeeklyLoop(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.NewURL(t)
	root := testkit.RepoRoot()
	dir := t.TempDir()
	golden := filepath.Join(dir, "golden.jsonl")
	demo, err := os.ReadFile(filepath.Join(root, "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(golden, demo, 0o644))
	hooks := newHookSink(t)
	env := []string{"DATABASE_URL=" + dbURL, "SUPPORTD_AUTH=off", "SUPPORTD_CLIENT_RPM=0", "SUPPORTD_JOBS=false",
		"SUPPORTD_EVAL_KB=demo", "SUPPORTD_EVAL_GOLDEN=" + golden,
		"SUPPORTD_EVAL_THRESHOLDS=" + filepath.Join(root, "goldenset", "thresholds.json"),
		"SUPPORTD_DRIFT_WEBHOOK_URL=" + hooks.URL, "SUPPORTD_DIGEST_WEBHOOK_URL=" + hooks.URL, "SUPPORTD_EVAL_WEBHOOK_URL=" + hooks.URL}
	getenv := environ(env...)
	must := func(args ...string) result {
		t.Helper()
		r := runCmd(t, getenv, args...)
		require.NoError(t, r.err, "supportd %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.stdout, r.stderr)
		return r
	}

	// Monday: the knowledge base and the accepted baseline.
	must("ingest", "--kb", "demo", testkit.DemoCorpus())
	r := must("eval", "run", "--format", "markdown")
	require.Contains(t, r.stderr, "no baseline to compare with yet")
	r = must("eval", "accept", "1")
	require.Contains(t, r.stdout, "run 1 (pass rate")

	// Last week's ordinary traffic, then this week's: a new product.
	s := startServe(t, getenv)
	url := "http://" + s.addr
	simulate := filepath.Join(root, "goldenset", "demo.jsonl")
	r = must("simulate", "--url", url, "--kb", "demo", "--golden", simulate, "--normal", "120", "--seed", "1")
	require.Contains(t, r.stdout, "normal    120 questions")
	// Seven and a half days back: inside the drift report's reference week
	// (the 7 days before the last 24 h) and in the digest's week before.
	moveBack(t, dbURL, 180*time.Hour)
	r = must("simulate", "--url", url, "--kb", "demo", "--golden", simulate, "--normal", "0", "--shifted", "120", "--seed", "2")
	require.Contains(t, r.stdout, "shifted   120 questions")

	// A customer rates an answer down and says why.
	refund := askHTTP(t, url, "How do I get a refund on an annual plan?")
	postJSON(t, url+fmt.Sprintf("/v1/turns/%d/feedback", refund.TurnID), map[string]string{
		"conversation_id": refund.ConversationID, "rating": "down", "comment": "I was told 30 days"}, http.StatusCreated)

	// The reviewer relabels three items.
	pending := func() []store.ReviewItem {
		var queue struct {
			Items []store.ReviewItem `json:"items"`
		}
		getJSON(t, url+"/v1/review?status=pending&limit=500", &queue)
		return queue.Items
	}
	weatherAns := askHTTP(t, url, "What will the weather be in Paris tomorrow?")
	var thumbs, quillpad, weather store.ReviewItem
	for _, it := range pending() {
		switch {
		case it.TurnID == refund.TurnID:
			thumbs = it
		case it.TurnID == weatherAns.TurnID:
			weather = it
		case quillpad.ID == 0 && it.Reason != "thumbs_down" && strings.Contains(it.Question, "QuillPad"):
			quillpad = it
		}
	}
	require.NotZero(t, thumbs.ID, "the thumbs-down is queued")
	require.Equal(t, "I was told 30 days", thumbs.FeedbackComment)
	require.NotZero(t, quillpad.ID, "a QuillPad question is queued")
	require.NotZero(t, weather.ID, "the handoff is queued")
	resolve := func(id int64, body map[string]any) {
		postJSON(t, fmt.Sprintf("%s/v1/review/%d/resolve", url, id), body, http.StatusOK)
	}
	resolve(thumbs.ID, map[string]any{"label": "incorrect", "corrected_answer": "Annual plans are refunded in full within 14 days of purchase [P1].",
		"expected_sources": []string{"billing/refunds.md"}, "required_facts": []string{"14 days"}})
	resolve(quillpad.ID, map[string]any{"label": "should_answer", "corrected_answer": "Pair QuillPad under Settings, Devices.",
		"missing_document": "devices/quillpad.md"})
	resolve(weather.ID, map[string]any{"label": "should_handoff"})
	require.NoError(t, s.stop(t))

	// Export what was relabelled, and grow the golden set with it.
	week := filepath.Join(dir, "week.jsonl")
	r = must("goldenset", "export", "--since", "last", "--out", week)
	require.Contains(t, r.stderr, "export #1: 3 case(s) from 3 resolved review item(s)")
	data, err := os.ReadFile(week)
	require.NoError(t, err)
	require.Equal(t, 3, testkit.RequireGoldenLines(t, data))
	require.NotContains(t, string(data), "[P1]")
	r = must("goldenset", "add", week)
	require.Equal(t, golden+": 3 case(s) added, 0 duplicate(s) skipped; 67 cases now\n", r.stdout)
	r = must("goldenset", "export", "--since", "last")
	require.Contains(t, r.stderr, "nothing resolved since the last export")

	// The scheduled jobs: evaluation, drift report and digest.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	worker := &syncBuffer{}
	go func() {
		done <- run(ctx, []string{"worker", "--eval-schedule", "@every 2s", "--drift-schedule", "@every 2s",
			"--digest-schedule", "@every 2s"}, getenv, io.Discard, worker)
	}()
	var digest notify.Event
	require.Eventually(t, func() bool {
		for _, e := range hooks.all() {
			data, _ := e.Data.(map[string]any)
			d, _ := data["digest"].(map[string]any)
			run, _ := d["eval"].(map[string]any)
			dr, _ := d["drift"].(map[string]any)
			if run != nil && dr != nil && run["trigger"] == "schedule" && dr["alert"] == true {
				digest = e
				return true
			}
		}
		return false
	}, 45*time.Second, 100*time.Millisecond, "no digest with the scheduled evaluation and drift; worker: %s", worker)
	cancel()
	require.NoError(t, <-done)
	require.Contains(t, hooks.kinds(), "drift.alert", "the scheduled drift report called its webhook")

	// The scheduled evaluation was gated against the pinned baseline (run
	// 1), on the grown golden set.
	st, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	var baseID int64
	var cases int
	require.NoError(t, dbtest.Owner(t, st).QueryRow(context.Background(), `SELECT (comparison->>'base_id')::bigint, (summary->>'cases')::int
		FROM eval_runs WHERE trigger = 'schedule' AND status = 'complete' ORDER BY id LIMIT 1`).Scan(&baseID, &cases))
	require.EqualValues(t, 1, baseID)
	require.Equal(t, 67, cases)

	// The digest, as the webhook received it and as the CLI prints it.
	md, _ := digest.Data.(map[string]any)["markdown"].(string)
	r = must("digest", "--kb", "demo")
	for _, text := range []string{md, r.stdout} {
		require.Contains(t, text, "# Weekly digest: demo\n")
		require.Contains(t, text, "- questions answered: **")
		require.Regexp(t, `- handoff rate: \*\*\d+\.\d%\*\* \(↑ \d+\.\d pts from \d+\.\d%\)`, text)
		require.Contains(t, text, "- items relabelled: **3** (incorrect 1, should_handoff 1, should_answer 1)\n")
		require.Contains(t, text, "cases against pinned baseline #1: ")
		require.Contains(t, text, "**DRIFT ALERT**")
		require.Contains(t, text, "quillpad")
	}
	require.Contains(t, r.stdout, "`"+golden+"`: **67** cases\n")
}

// moveBack moves every turn recorded so far d into the past: the week
// passes without waiting for it.
func moveBack(t *testing.T, dbURL string, d time.Duration) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	_, err = dbtest.Owner(t, st).Exec(context.Background(), `UPDATE turns SET created_at = created_at - $1::interval`, d.String())
	require.NoError(t, err)
}

type answer struct {
	TurnID         int64  `json:"turn_id"`
	ConversationID string `json:"conversation_id"`
	Mode           string `json:"mode"`
}

func askHTTP(t *testing.T, url, question string) answer {
	t.Helper()
	var a answer
	decode(t, postJSON(t, url+"/v1/chat", map[string]string{"kb": "demo", "question": question}, http.StatusOK), &a)
	return a
}

func postJSON(t *testing.T, url string, body any, want int) []byte {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	res, err := http.Post(url, "application/json", bytes.NewReader(data))
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, want, res.StatusCode, "POST %s: %s", url, out)
	return out
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s: %s", url, out)
	decode(t, out, v)
}

func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(data, v), "%s", data)
}
