package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"supportd/internal/core"
)

// Metrics holds every collector.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	stageDuration *prometheus.HistogramVec
	answers       *prometheus.CounterVec
	confidence    prometheus.Histogram
	tokens        *prometheus.CounterVec
	cost          *prometheus.CounterVec
	cache         *prometheus.CounterVec
	breaker       *prometheus.GaugeVec
	configError   *prometheus.GaugeVec
	rateLimited   *prometheus.CounterVec
	ingestDocs    *prometheus.CounterVec
	ingestChunks  prometheus.Counter
	evalScore     *prometheus.GaugeVec
	feedback      *prometheus.CounterVec
	reviewItems   *prometheus.CounterVec
	guard         *prometheus.CounterVec
	drift         *prometheus.GaugeVec
	driftAlert    *prometheus.GaugeVec
	spansDropped  prometheus.Counter
	droppedCites  prometheus.Counter
	redisDown     *prometheus.GaugeVec
}

// latencyBuckets span a cache hit (sub-millisecond) to a slow model answer.
func latencyBuckets() []float64 {
	return []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30}
}

// New registers every collector, plus Go runtime and process metrics, on a
// fresh registry.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_http_requests_total",
		Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "supportd_http_request_duration_seconds",
		Help: "HTTP request latency by route, method and status.", Buckets: latencyBuckets()}, []string{"route", "method", "status"})
	m.stageDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "supportd_stage_duration_seconds",
		Help: "Latency of each answer stage: embed, retrieve, llm_first_token, llm, total.", Buckets: latencyBuckets()}, []string{"stage"})
	m.answers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_answers_total",
		Help: "Answers by mode (llm, cache, fallback, extractive, handoff, refused) and degraded reason."}, []string{"mode", "reason"})
	m.confidence = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "supportd_answer_confidence",
		Help: "Confidence of answers.", Buckets: []float64{0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_llm_tokens_total",
		Help: "Model tokens by model and kind (prompt, completion)."}, []string{"model", "kind"})
	m.cost = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_llm_cost_usd_total",
		Help: "Model cost in USD by model, from SUPPORTD_LLM_PRICES."}, []string{"model"})
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_cache_lookups_total",
		Help: "Answer-cache lookups by result (hit, miss)."}, []string{"result"})
	m.breaker = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_circuit_breaker_state",
		Help: "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open."}, []string{"provider"})
	m.configError = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_llm_config_error",
		Help: "1 while the provider refuses calls as misconfigured (HTTP 401, 403, 404: wrong key or model), else 0."},
		[]string{"provider", "model"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_rate_limited_total",
		Help: "Requests refused or rerouted by a rate limit, by limiter (key, ip, widget, provider)."}, []string{"limiter"})
	m.ingestDocs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_ingest_documents_total",
		Help: "Ingested documents by outcome (added, updated, unchanged, pruned, failed)."}, []string{"outcome"})
	m.ingestChunks = prometheus.NewCounter(prometheus.CounterOpts{Name: "supportd_ingest_chunks_total", Help: "Chunks written by ingestion."})
	m.evalScore = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_eval_score",
		Help: "Metrics of the latest complete evaluation run per knowledge base."}, []string{"kb", "metric"})
	m.feedback = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_feedback_total",
		Help: "Feedback by knowledge base and rating (up, down)."}, []string{"kb", "rating"})
	m.reviewItems = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_review_items_total",
		Help: "Items added to the review queue by reason."}, []string{"reason"})
	m.guard = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_guard_events_total",
		Help: "Guard decisions: rejected questions by reason, injection detections, blocked outputs."}, []string{"event"})
	m.drift = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_drift_value",
		Help: "Latest drift report's value per knowledge base and signal (PSI, JS divergence or rate change)."}, []string{"kb", "signal"})
	m.driftAlert = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_drift_alert",
		Help: "1 when the latest drift report of the knowledge base alerts on the signal."}, []string{"kb", "signal"})
	m.spansDropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "supportd_trace_spans_dropped_total",
		Help: "Spans the trace exporter could not deliver."})
	m.redisDown = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_redis_fallback",
		Help: "1 while a component that shares state through Redis (the answer cache, each rate limit) runs in process because Redis fails, else 0."},
		[]string{"component"})
	m.droppedCites = prometheus.NewCounter(prometheus.CounterOpts{Name: "supportd_dropped_citations_total",
		Help: "Passage ids a model cited that were not in its context."})
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.stageDuration, m.answers, m.confidence,
		m.tokens, m.cost, m.cache, m.breaker, m.configError, m.rateLimited, m.ingestDocs, m.ingestChunks, m.evalScore, m.feedback,
		m.reviewItems, m.guard, m.drift, m.driftAlert, m.spansDropped, m.droppedCites, m.redisDown,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry exposes the registry, e.g. for a custom collector.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// HTTP records one request.
func (m *Metrics) HTTP(route, method string, status int, d time.Duration) {
	s := strconv.Itoa(status)
	m.httpRequests.WithLabelValues(route, method, s).Inc()
	m.httpDuration.WithLabelValues(route, method, s).Observe(d.Seconds())
}

// Stage records how long an answer stage took.
func (m *Metrics) Stage(stage string, d time.Duration) {
	m.stageDuration.WithLabelValues(stage).Observe(d.Seconds())
}

// Answered records a finished answer: its mode, confidence, tokens, cost
// and dropped citations.
func (m *Metrics) Answered(a core.Answer, dropped int) {
	m.answers.WithLabelValues(string(a.Mode), a.DegradedReason).Inc()
	m.confidence.Observe(a.Confidence)
	if a.Usage != nil && a.Model != "" {
		m.tokens.WithLabelValues(a.Model, "prompt").Add(float64(a.Usage.PromptTokens))
		m.tokens.WithLabelValues(a.Model, "completion").Add(float64(a.Usage.CompletionTokens))
		m.cost.WithLabelValues(a.Model).Add(a.Usage.CostUSD)
	}
	m.droppedCites.Add(float64(dropped))
}

// CacheLookup records an answer-cache lookup.
func (m *Metrics) CacheLookup(hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(result).Inc()
}

// Breaker records a circuit breaker's new state.
func (m *Metrics) Breaker(provider, state string) {
	v, ok := map[string]float64{"closed": 0, "half-open": 1, "open": 2}[state]
	if !ok {
		return // an unknown state must not read as "closed"
	}
	m.breaker.WithLabelValues(provider).Set(v)
}

// LLMConfigError records whether a provider refuses calls as
// misconfigured.
func (m *Metrics) LLMConfigError(provider, model string, failing bool) {
	v := 0.0
	if failing {
		v = 1
	}
	m.configError.WithLabelValues(provider, model).Set(v)
}

// RedisFallback records whether component runs in process because Redis
// fails.
func (m *Metrics) RedisFallback(component string, down bool) {
	v := 0.0
	if down {
		v = 1
	}
	m.redisDown.WithLabelValues(component).Set(v)
}

// RateLimited records a request a limiter refused or rerouted.
func (m *Metrics) RateLimited(limiter string) { m.rateLimited.WithLabelValues(limiter).Inc() }

// Ingested records one document's ingestion outcome and its chunks.
func (m *Metrics) Ingested(outcome string, chunks int) {
	m.ingestDocs.WithLabelValues(outcome).Inc()
	m.ingestChunks.Add(float64(chunks))
}

// EvalScores sets the latest evaluation's metrics for a knowledge base.
func (m *Metrics) EvalScores(kb string, scores map[string]float64) {
	for metric, v := range scores {
		m.evalScore.WithLabelValues(kb, metric).Set(v)
	}
}

// Feedback records a rating ("up" or "down").
func (m *Metrics) Feedback(kb, rating string) { m.feedback.WithLabelValues(kb, rating).Inc() }

// ReviewItem records an item entering the review queue.
func (m *Metrics) ReviewItem(reason string) { m.reviewItems.WithLabelValues(reason).Inc() }

// Guard records a guard event, e.g. "rejected_garbled", "injection", "output_blocked".
func (m *Metrics) Guard(event string) { m.guard.WithLabelValues(event).Inc() }

// Drift sets the latest drift report's signal for a knowledge base.
func (m *Metrics) Drift(kb, signal string, value float64, alert bool) {
	m.drift.WithLabelValues(kb, signal).Set(value)
	a := 0.0
	if alert {
		a = 1
	}
	m.driftAlert.WithLabelValues(kb, signal).Set(a)
}

// SpansDropped counts spans an exporter failed to deliver.
func (m *Metrics) SpansDropped(n int) { m.spansDropped.Add(float64(n)) }

// DBReads exports how many lag-tolerant reads (retrieval) went to the read
// replica and how many to the primary, as supportd_db_reads_total{target};
// counts is read at every scrape (store.Store.ReadCounts). Metrics shared
// by several apps export the first one's counts.
func (m *Metrics) DBReads(counts func() (replica, primary uint64)) {
	for i, target := range []string{"replica", "primary"} {
		_ = m.reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "supportd_db_reads_total",
			Help:        "Reads that tolerate replication lag, by the database that served them (a replica that is down or lagging sends them to the primary).",
			ConstLabels: prometheus.Labels{"target": target}}, func() float64 {
			r, p := counts()
			return float64([]uint64{r, p}[i])
		}))
	}
}
