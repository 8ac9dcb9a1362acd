package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/notify"
	"supportd/internal/scenario"
	"supportd/internal/store"
)

// seedDrift records, in kb, n ordinary questions two days ago (the
// reference window) and n questions about an unknown product today, all
// handed off: a stream that drifted. Turns are backdated rather than
// waited for.
func seedDrift(t *testing.T, dbURL, kb string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 2})
	require.NoError(t, err)
	defer st.Close()
	k, err := st.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: kb, Model: "hash-384", Dim: 384})
	require.NoError(t, err)
	s := scenario.New([]string{"How do I get a refund on an annual plan?", "How do I reset my password?",
		"Where can I download our invoices?", "How do I invite a teammate?"}, 1)
	save := func(q, top string, mode core.Mode, conf float64) int64 {
		id, err := st.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: k.ID,
			Question: q, Answer: "a", Confidence: conf, Mode: mode, ClientID: "test", TopDocument: top})
		require.NoError(t, err)
		return id
	}
	var old []int64
	for i, q := range s.Normal(n) {
		old = append(old, save(q, fmt.Sprintf("doc-%d.md", i%4), core.ModeExtractive, 0.8))
	}
	_, err = dbtest.Owner(t, st).Exec(ctx, `UPDATE turns SET created_at = now() - interval '48 hours' WHERE id = ANY($1)`, old)
	require.NoError(t, err)
	for _, q := range s.Shifted(n) {
		save(q, "", core.ModeHandoff, 0.05)
	}
}

// hookSink collects webhook events.
type hookSink struct {
	*httptest.Server
	mu     sync.Mutex
	events []notify.Event
}

func newHookSink(t *testing.T) *hookSink {
	t.Helper()
	h := &hookSink{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev notify.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// all returns the events received so far.
func (h *hookSink) all() []notify.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]notify.Event(nil), h.events...)
}

// kinds lists the events received so far.
func (h *hookSink) kinds() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.events {
		out = append(out, ev.Event)
	}
	return out
}

// The drift report exits 1 on an alert, as the eval gate does, so cron or
// CI can act; the minimum sample size is configuration.
func TestDriftReportExitsOneOnAlert(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.NewURL(t)
	seedDrift(t, dbURL, "demo", 30)
	hook := newHookSink(t)
	getenv := environ("DATABASE_URL="+dbURL, "SUPPORTD_DRIFT_WEBHOOK_URL="+hook.URL)

	// 30 questions a window are too few for the default minimum (100).
	r := runCmd(t, getenv, "drift", "report", "--kb", "demo")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "insufficient data: each window needs at least 100 questions; no alert")
	require.Contains(t, r.stdout, "\nno drift alert\n")
	require.Empty(t, hook.kinds())

	r = runCmd(t, environ("DATABASE_URL="+dbURL, "SUPPORTD_DRIFT_WEBHOOK_URL="+hook.URL, "SUPPORTD_DRIFT_MIN_QUESTIONS=20"),
		"drift", "report", "--kb", "demo")
	requireExit(t, r.err, 1)
	require.Contains(t, r.stdout, "drift report #2: 30 recent vs 30 reference questions")
	require.Contains(t, r.stdout, "\nDRIFT ALERT\n")
	require.Equal(t, []string{"drift.alert"}, hook.kinds(), "the alert reached the webhook before the command exited")

	r = runCmd(t, getenv, "drift", "report", "--kb", "demo", "--drift-min-questions", "20", "--format", "json")
	requireExit(t, r.err, 1)
	var rep struct {
		Alert  bool `json:"alert"`
		Params struct {
			MinQuestions int `json:"min_questions"`
		} `json:"params"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.True(t, rep.Alert)
	require.Equal(t, 20, rep.Params.MinQuestions)
}

// The scheduled drift report runs in the worker: a report row, the
// webhook and the supportd_drift_* gauges all come from the schedule.
func TestWorkerRunsTheScheduledDriftReport(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.NewURL(t)
	seedDrift(t, dbURL, "demo", 30)
	hook := newHookSink(t)
	getenv := environ("DATABASE_URL="+dbURL, "SUPPORTD_DRIFT_WEBHOOK_URL="+hook.URL, "SUPPORTD_DRIFT_MIN_QUESTIONS=20",
		"SUPPORTD_DRIFT_SCHEDULE=@every 1s", "SUPPORTD_METRICS_ADDR=127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"worker", "--eval-schedule="}, getenv, io.Discard, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("worker: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("worker did not stop")
		}
	})
	require.Eventually(t, func() bool { return len(hook.kinds()) > 0 }, 30*time.Second, 50*time.Millisecond,
		"no drift alert from the schedule; stderr: %s", stderr)
	require.Equal(t, "drift.alert", hook.kinds()[0])

	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	reports, err := st.DriftReports(ctx, "default", "demo", 10)
	require.NoError(t, err)
	require.NotEmpty(t, reports)
	require.True(t, reports[len(reports)-1].Alert)

	addr := regexp.MustCompile(`"msg":"serving metrics","addr":"([^"]+)"`).FindStringSubmatch(stderr.String())
	require.NotNil(t, addr, "stderr: %s", stderr)
	res, err := http.Get("http://" + addr[1] + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), `supportd_drift_alert{kb="demo",signal="handoff_rate_delta"} 1`)
	require.True(t, strings.Contains(string(body), `supportd_drift_value{kb="demo",signal="handoff_rate_delta"}`))
}
