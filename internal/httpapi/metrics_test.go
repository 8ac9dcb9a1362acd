package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/metrics"
	"supportd/internal/testkit"
)

// scrape is one parsed /metrics page.
type scrape map[string]*dto.MetricFamily

// scrapeMetrics GETs /metrics and parses it as Prometheus text.
func (b *bundle) scrapeMetrics(t *testing.T) scrape {
	t.Helper()
	res := b.do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "text/plain; version=0.0.4"),
		"content type %q", res.header.Get("Content-Type"))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(res.body))
	require.NoError(t, err)
	return fams
}

// series returns each sample of family name, keyed by its labels rendered
// as `a="x",b="y"` in name order: a counter's or gauge's value, a
// histogram's sample count. An absent family is an empty map.
func (s scrape) series(name string) map[string]float64 {
	out := map[string]float64{}
	f, ok := s[name]
	if !ok {
		return out
	}
	for _, m := range f.GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+`"`+l.GetValue()+`"`)
		}
		slices.Sort(labels)
		key := strings.Join(labels, ",")
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			out[key] = m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			out[key] = m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			out[key] = float64(m.GetHistogram().GetSampleCount())
		default:
			out[key] = m.GetUntyped().GetValue()
		}
	}
	return out
}

// llmAnswer is the wire form of a chat answer that came from a model.
type llmAnswer struct {
	chatAnswer
	Model string      `json:"model"`
	Usage *core.Usage `json:"usage"`
}

// One server, one metrics.Metrics as the assistant's observer, the
// gateway's stage observer and the HTTP observer, as cmd/supportd wires it.
// Every kind of request leaves exactly the series it should.
func TestMetricsCountRealTraffic(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	fake := newFakeModel(t, fakellm.Options{TokenDelay: time.Millisecond})
	// Four chats an hour: the traffic below spends them, the fifth is
	// refused (an hour is far longer than the test).
	// The review hook stays out: this test counts the HTTP path's series.
	b := setupWith(t, testkit.Options{Models: []string{fake.url}, Cache: true, Metrics: m,
		OnReview: func(context.Context, core.ReviewQueued) {},
		Gateway:  llm.GatewayParams{BackoffBase: 5 * time.Millisecond, Observe: m.Stage}},
		withClientLimit(limit.NewLocal(limit.Rate{Limit: 4, Period: time.Hour}, limit.LocalParams{})),
		func(d *httpapi.Deps) { d.Ops.Metrics, d.Ops.MetricsHandler = m, m.Handler() })

	// Before any traffic the page already serves the Go runtime.
	require.Contains(t, b.scrapeMetrics(t), "go_goroutines")

	ask := func(q string) llmAnswer {
		t.Helper()
		res := b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": q})
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		var a llmAnswer
		decodeStrict(t, res.body, &a)
		return a
	}
	first := ask(refundQuestion)
	require.Equal(t, "llm", first.Mode)
	require.Equal(t, "openai:model-a", first.Model)
	require.NotNil(t, first.Usage)
	require.Positive(t, first.Usage.PromptTokens)
	require.Positive(t, first.Usage.CompletionTokens)
	again := ask(refundQuestion)
	require.Equal(t, "cache", again.Mode)
	require.Nil(t, again.Usage, "a cache hit spends no tokens")
	out := ask("What will the weather be in Paris tomorrow?")
	require.Equal(t, "handoff", out.Mode)
	require.Equal(t, "low_confidence", out.DegradedReason)

	requireError(t, b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": ""}),
		http.StatusBadRequest, core.CodeQuestionEmpty)
	requireError(t, b.do(t, http.MethodGet, "/v1/nope/12345", "", nil), http.StatusNotFound, core.CodeNotFound)
	requireRateLimited(t, b.chatAs(t, ""), 3600)

	s := b.scrapeMetrics(t)
	require.Equal(t, map[string]float64{
		`method="POST",route="/v1/chat",status="200"`: 3,
		`method="POST",route="/v1/chat",status="400"`: 1,
		`method="POST",route="/v1/chat",status="429"`: 1,
		`method="GET",route="unmatched",status="404"`: 1,
		// The first scrape; this one is counted after it is served.
		`method="GET",route="/metrics",status="200"`: 1,
	}, s.series("supportd_http_requests_total"))
	require.Equal(t, s.series("supportd_http_requests_total"), s.series("supportd_http_request_duration_seconds"),
		"every request has a latency observation under the same labels")
	require.Equal(t, map[string]float64{
		`mode="llm",reason=""`:                   1,
		`mode="cache",reason=""`:                 1,
		`mode="handoff",reason="low_confidence"`: 1,
	}, s.series("supportd_answers_total"))
	require.Equal(t, map[string]float64{"": 3}, s.series("supportd_answer_confidence"))
	// The empty question fails before the cache is asked.
	require.Equal(t, map[string]float64{`result="hit"`: 1, `result="miss"`: 2}, s.series("supportd_cache_lookups_total"))
	require.Equal(t, map[string]float64{
		`stage="retrieve"`:        2, // the cache hit retrieves nothing
		`stage="embed"`:           2, // retrieval's own stages, as the binary wires them
		`stage="search"`:          2,
		`stage="llm_first_token"`: 1,
		`stage="llm"`:             1,
		`stage="total"`:           3,
	}, s.series("supportd_stage_duration_seconds"))
	require.Equal(t, map[string]float64{
		`kind="prompt",model="openai:model-a"`:     float64(first.Usage.PromptTokens),
		`kind="completion",model="openai:model-a"`: float64(first.Usage.CompletionTokens),
	}, s.series("supportd_llm_tokens_total"))
	require.Equal(t, map[string]float64{`model="openai:model-a"`: 0}, s.series("supportd_llm_cost_usd_total"),
		"no prices are configured")
	// Without API keys the client is its address: clientID is "ip:<addr>".
	require.Equal(t, map[string]float64{`limiter="ip"`: 1}, s.series("supportd_rate_limited_total"))
	require.Equal(t, map[string]float64{"": 0}, s.series("supportd_dropped_citations_total"))
	for _, unused := range []string{"supportd_circuit_breaker_state", "supportd_feedback_total",
		"supportd_review_items_total", "supportd_eval_score", "supportd_drift_value"} {
		require.Empty(t, s.series(unused), "%s has no series until something records one", unused)
	}

	// A second scrape counts the first.
	s = b.scrapeMetrics(t)
	require.Equal(t, 2.0, s.series("supportd_http_requests_total")[`method="GET",route="/metrics",status="200"`])
	require.Len(t, s.series("supportd_http_requests_total"), 5)
}

// Without MetricsHandler there is no /metrics route, and a nil HTTP
// observer records nothing and breaks nothing.
func TestMetricsRouteIsOptional(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))
	requireError(t, b.do(t, http.MethodGet, "/metrics", "", nil), http.StatusNotFound, core.CodeNotFound)

	// A handler alone serves the page; requests are not counted without
	// Deps.Metrics.
	m := metrics.New()
	b = serve(t, b.kit, func(d *httpapi.Deps) { d.Ops.MetricsHandler = m.Handler() })
	requireError(t, b.do(t, http.MethodGet, "/v1/nope", "", nil), http.StatusNotFound, core.CodeNotFound)
	s := b.scrapeMetrics(t)
	require.Empty(t, s.series("supportd_http_requests_total"))
	require.Equal(t, map[string]float64{"": 0}, s.series("supportd_ingest_chunks_total"))
}
