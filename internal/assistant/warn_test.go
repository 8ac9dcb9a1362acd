package assistant_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// logRecorder is a slog.Handler keeping every record at WARN and above.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

// named returns the attributes of each record with message msg.
func (r *logRecorder) named(msg string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, rec := range r.records {
		if rec.Message != msg {
			continue
		}
		attrs := map[string]any{"level": rec.Level.String()}
		rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.Resolve().Any(); return true })
		out = append(out, attrs)
	}
	return out
}

// Every degraded answer's reason is logged at WARN with what the provider
// said, at most once per interval and reason, counting the answers the
// limit left out; the interval runs on the injected clock.
func TestDegradedAnswersAreLoggedAtWarnRateLimited(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{MaxAttempts: 1}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 401, Message: "Incorrect API key provided: sk-test"})
	rec := &logRecorder{}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	a := assistant.New(assistant.Deps{KBs: b.kit.Store, Retriever: b.kit.Retriever, Extractor: b.kit.Extractor, Turns: b.kit.Store,
		Log: slog.New(rec), Generator: b.kit.Gateway, Prompts: b.kit.Prompts,
		Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }},
		assistant.Params{DegradedLogInterval: 10 * time.Second})
	ask := func(q string) core.Answer {
		ans, err := a.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: q})
		require.NoError(t, err)
		return ans
	}
	advance := func(d time.Duration) { clock.Lock(); defer clock.Unlock(); now = now.Add(d) }

	ans := ask(refundQuestion)
	require.Equal(t, "client_error", ans.DegradedReason)
	advance(time.Second)
	ask(refundQuestion)
	ask(refundQuestion)
	warned := rec.named("degraded answer")
	require.Len(t, warned, 1, "three failures within the interval, one line")
	require.Equal(t, "WARN", warned[0]["level"])
	require.Equal(t, "client_error", warned[0]["reason"])
	require.Equal(t, "extractive", warned[0]["mode"])
	require.Contains(t, warned[0]["error"], "HTTP 401")
	require.Contains(t, warned[0]["error"], "Incorrect API key provided")
	require.EqualValues(t, 0, warned[0]["suppressed"])

	// Another reason has its own allowance.
	ask("What will the weather be in Paris tomorrow?")
	warned = rec.named("degraded answer")
	require.Len(t, warned, 2)
	require.Equal(t, "low_confidence", warned[1]["reason"])

	advance(10 * time.Second)
	ask(refundQuestion)
	warned = rec.named("degraded answer")
	require.Len(t, warned, 3)
	require.Equal(t, "client_error", warned[2]["reason"])
	require.EqualValues(t, 2, warned[2]["suppressed"], "the two answers left out are counted")
}
