package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/llm"
	"supportd/internal/metrics"
	"supportd/internal/testclock"
)

// TestMain fails the package when a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// series gathers family name from m's registry: each sample keyed by its
// labels rendered as `a="x",b="y"` in name order, valued as a counter's or
// gauge's value or a histogram's sample count.
func series(t *testing.T, m *metrics.Metrics, name string) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			slices.Sort(labels)
			key := strings.Join(labels, ",")
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = s.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = s.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key] = float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestBreakerStatesAreGaugeValues(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.Breaker("openai:a", "open")
	m.Breaker("openai:b", "half-open")
	m.Breaker("openai:c", "closed")
	require.Equal(t, map[string]float64{`provider="openai:a"`: 2, `provider="openai:b"`: 1, `provider="openai:c"`: 0},
		series(t, m, "supportd_circuit_breaker_state"))

	// A provider has one series that follows its latest state.
	m.Breaker("openai:a", "half-open")
	m.Breaker("openai:a", "closed")
	require.Equal(t, 0.0, series(t, m, "supportd_circuit_breaker_state")[`provider="openai:a"`])
}

// The gateway's breaker callback wired to Breaker, as cmd/supportd wires
// it: a failing provider shows as open, a recovered one as closed again.
func TestBreakerFollowsTheGateway(t *testing.T) {
	t.Parallel()
	fake := fakellm.New(fakellm.Options{})
	hs := httptest.NewServer(fake.Handler())
	t.Cleanup(hs.Close)
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	p, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "model-a", BaseURL: hs.URL + "/v1", APIKey: "test",
		HTTPClient: client})
	require.NoError(t, err)
	m := metrics.New()
	var changes []string
	var mu sync.Mutex
	clock := testclock.New()
	g, err := llm.NewGateway([]llm.Member{{Provider: p}}, llm.GatewayParams{MaxAttempts: 1, BreakerFailures: 1,
		BreakerCooldown: time.Minute, BackoffBase: time.Millisecond, Now: clock.Now,
		OnBreakerChange: func(p, from, to string) {
			mu.Lock()
			changes = append(changes, from+">"+to)
			mu.Unlock()
			m.Breaker(p, to)
		}})
	require.NoError(t, err)
	req := llm.Request{Messages: []llm.Message{{Role: "user", Content: "hello"}}, MaxTokens: 16}
	ctx := context.Background()

	fake.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500, Times: 1})
	_, err = g.Generate(ctx, req)
	require.Error(t, err)
	require.Equal(t, map[string]float64{`provider="openai:model-a"`: 2}, series(t, m, "supportd_circuit_breaker_state"))

	// After the cooldown one trial request goes through and closes it.
	clock.Advance(time.Minute)
	_, err = g.Generate(ctx, req)
	require.NoError(t, err)
	require.Equal(t, map[string]float64{`provider="openai:model-a"`: 0}, series(t, m, "supportd_circuit_breaker_state"))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, changes)
}

func TestEvalScoresAndDriftOverwrite(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.EvalScores("demo", map[string]float64{"pass_rate": 0.9, "recall_at_5": 0.8})
	m.EvalScores("other", map[string]float64{"pass_rate": 0.5})
	m.EvalScores("demo", map[string]float64{"pass_rate": 0.75}) // a newer run
	require.Equal(t, map[string]float64{
		`kb="demo",metric="pass_rate"`:   0.75,
		`kb="demo",metric="recall_at_5"`: 0.8, // not in the newer run: kept
		`kb="other",metric="pass_rate"`:  0.5,
	}, series(t, m, "supportd_eval_score"))

	m.Drift("demo", "question_topics", 0.31, true)
	m.Drift("demo", "confidence", 0.02, false)
	m.Drift("other", "confidence", 0.2, true)
	m.Drift("demo", "question_topics", 0.05, false) // a newer report
	require.Equal(t, map[string]float64{`kb="demo",signal="question_topics"`: 0.05, `kb="demo",signal="confidence"`: 0.02,
		`kb="other",signal="confidence"`: 0.2}, series(t, m, "supportd_drift_value"))
	require.Equal(t, map[string]float64{`kb="demo",signal="question_topics"`: 0, `kb="demo",signal="confidence"`: 0,
		`kb="other",signal="confidence"`: 1}, series(t, m, "supportd_drift_alert"))
	m.Drift("demo", "confidence", 0.4, true)
	require.Equal(t, 1.0, series(t, m, "supportd_drift_alert")[`kb="demo",signal="confidence"`])
}

func TestAnsweredCountsTokensOnlyForModelAnswers(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.Answered(core.Answer{Mode: core.ModeLLM, Confidence: 0.9, Model: "openai:a",
		Usage: &core.Usage{PromptTokens: 100, CompletionTokens: 20, CostUSD: 0.5}}, 2)
	m.Answered(core.Answer{Mode: core.ModeExtractive, DegradedReason: "timeout", Confidence: 0.4}, 0)
	m.Answered(core.Answer{Mode: core.ModeCache, Confidence: 0.9, Model: "openai:a"}, 0)
	require.Equal(t, map[string]float64{`mode="llm",reason=""`: 1, `mode="extractive",reason="timeout"`: 1,
		`mode="cache",reason=""`: 1}, series(t, m, "supportd_answers_total"))
	require.Equal(t, map[string]float64{`kind="prompt",model="openai:a"`: 100, `kind="completion",model="openai:a"`: 20},
		series(t, m, "supportd_llm_tokens_total"))
	require.Equal(t, map[string]float64{`model="openai:a"`: 0.5}, series(t, m, "supportd_llm_cost_usd_total"))
	require.Equal(t, map[string]float64{"": 3}, series(t, m, "supportd_answer_confidence"))
	require.Equal(t, map[string]float64{"": 2}, series(t, m, "supportd_dropped_citations_total"))
}

// Every recording method is safe to call from many goroutines at once,
// while the registry is being scraped, and none of them waits: the
// request path calls them inline.
func TestRecordingIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	const workers, rounds = 16, 200
	record := func() {
		m.HTTP("/v1/chat", "POST", 200, time.Millisecond)
		m.Stage("retrieve", time.Millisecond)
		m.Answered(core.Answer{Mode: core.ModeLLM, Confidence: 0.8, Model: "openai:a",
			Usage: &core.Usage{PromptTokens: 3, CompletionTokens: 1, CostUSD: 0.25}}, 1)
		m.CacheLookup(true)
		m.CacheLookup(false)
		m.Breaker("openai:a", "open")
		m.RateLimited("ip")
		m.Ingested("added", 2)
		m.EvalScores("demo", map[string]float64{"pass_rate": 1})
		m.Feedback("demo", "down")
		m.ReviewItem("handoff")
		m.Guard("injection")
		m.Drift("demo", "confidence", 0.1, true)
		m.SpansDropped(4)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				record()
			}
		})
	}
	// Scrapes run alongside, over HTTP as Prometheus would.
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	wg.Go(func() {
		for range 20 {
			res, err := srv.Client().Get(srv.URL)
			if err == nil {
				res.Body.Close()
			}
		}
	})
	wg.Wait() // a blocked recording never gets here: the test binary's timeout names it

	const n = workers * rounds
	require.Equal(t, map[string]float64{`method="POST",route="/v1/chat",status="200"`: n},
		series(t, m, "supportd_http_requests_total"))
	require.Equal(t, map[string]float64{`stage="retrieve"`: n}, series(t, m, "supportd_stage_duration_seconds"))
	require.Equal(t, map[string]float64{`mode="llm",reason=""`: n}, series(t, m, "supportd_answers_total"))
	require.Equal(t, map[string]float64{`kind="prompt",model="openai:a"`: 3 * n, `kind="completion",model="openai:a"`: n},
		series(t, m, "supportd_llm_tokens_total"))
	require.Equal(t, map[string]float64{`model="openai:a"`: 0.25 * n}, series(t, m, "supportd_llm_cost_usd_total"))
	require.Equal(t, map[string]float64{`result="hit"`: n, `result="miss"`: n}, series(t, m, "supportd_cache_lookups_total"))
	require.Equal(t, map[string]float64{`provider="openai:a"`: 2}, series(t, m, "supportd_circuit_breaker_state"))
	require.Equal(t, map[string]float64{`limiter="ip"`: n}, series(t, m, "supportd_rate_limited_total"))
	require.Equal(t, map[string]float64{`outcome="added"`: n}, series(t, m, "supportd_ingest_documents_total"))
	require.Equal(t, map[string]float64{"": 2 * n}, series(t, m, "supportd_ingest_chunks_total"))
	require.Equal(t, map[string]float64{`kb="demo",metric="pass_rate"`: 1}, series(t, m, "supportd_eval_score"))
	require.Equal(t, map[string]float64{`kb="demo",rating="down"`: n}, series(t, m, "supportd_feedback_total"))
	require.Equal(t, map[string]float64{`reason="handoff"`: n}, series(t, m, "supportd_review_items_total"))
	require.Equal(t, map[string]float64{`event="injection"`: n}, series(t, m, "supportd_guard_events_total"))
	require.Equal(t, map[string]float64{`kb="demo",signal="confidence"`: 0.1}, series(t, m, "supportd_drift_value"))
	require.Equal(t, map[string]float64{`kb="demo",signal="confidence"`: 1}, series(t, m, "supportd_drift_alert"))
	require.Equal(t, map[string]float64{"": 4 * n}, series(t, m, "supportd_trace_spans_dropped_total"))
	require.Equal(t, map[string]float64{"": n}, series(t, m, "supportd_dropped_citations_total"))
}

// Each Metrics has its own registry: two instances (two test servers, or
// a server and a benchmark in one process) never collide or share counts.
func TestRegistriesArePrivate(t *testing.T) {
	t.Parallel()
	a, b := metrics.New(), metrics.New()
	a.Feedback("demo", "up")
	require.Equal(t, map[string]float64{`kb="demo",rating="up"`: 1}, series(t, a, "supportd_feedback_total"))
	require.Empty(t, series(t, b, "supportd_feedback_total"))
}

func TestRedisFallbackIsOneWhileAComponentRunsInProcess(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.RedisFallback("cache", false)
	m.RedisFallback("limit:client", true)
	require.Equal(t, map[string]float64{`component="cache"`: 0, `component="limit:client"`: 1},
		series(t, m, "supportd_redis_fallback"))
	m.RedisFallback("limit:client", false)
	require.Equal(t, 0.0, series(t, m, "supportd_redis_fallback")[`component="limit:client"`])
}
