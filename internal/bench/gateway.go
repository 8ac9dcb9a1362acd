package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/ingest"
	"supportd/internal/llm"
	"supportd/internal/prompt"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// GatewayParams is one run of the gateway benchmark.
type GatewayParams struct {
	Requests    int           // sequential requests of the overhead and outage runs
	Concurrency int           // clients of the cache-hit throughput run
	Duration    time.Duration // length of each throughput run
	Corpus      string        // folder of the demo corpus
	Golden      string        // golden set whose answerable questions are asked
}

// Command is the command line that repeats the run.
func (p GatewayParams) Command() string {
	return fmt.Sprintf("supportd bench gateway --requests %d --concurrency %d --duration %s", p.Requests, p.Concurrency, p.Duration)
}

// Outage makes the model under test fail on demand.
type Outage interface {
	// Fail makes every model call fail with status 500 until Reset.
	Fail()
	Reset()
	// Calls counts the chat completions the model has served so far.
	Calls() int
}

// GatewayDeps are what the gateway benchmark drives: the full API over the
// wiring whose only model is a fake that answers at once, a direct client
// of that model, and the prompts the assistant renders.
type GatewayDeps struct {
	Deps
	API     http.Handler
	Model   llm.Provider
	Outage  Outage
	Prompts *prompt.Set
	// Key, when set, is presented as a bearer token on every request.
	Key string
	// Load runs the cache-hit and bare-handler loads; `supportd bench
	// gateway` runs each in a process of its own (`supportd bench load`).
	// Default: Load, in this process.
	Load func(ctx context.Context, p LoadParams) (LoadResult, error)
	// Product, TopK, MaxTokens and FirstToken are the configured values
	// the assistant uses.
	Product    string
	TopK       int
	MaxTokens  int
	FirstToken time.Duration
}

// GatewayReport is the outcome of Gateway.
type GatewayReport struct {
	Params   GatewayParams
	Overhead []LatencyRow
	// Hits and Bare are the cache-hit path and a bare Echo handler under
	// the same load.
	Hits, Bare LoadResult
	Outage     OutageRun
	FirstToken time.Duration
}

// LatencyRow is one measured quantity's percentiles.
type LatencyRow struct {
	Name     string
	P50, P99 time.Duration
}

// OutageRun is the answers during a model outage.
type OutageRun struct {
	Latencies  []time.Duration
	Modes      map[string]int
	ModelCalls int
}

// gateway is one run's state.
type gateway struct {
	d      GatewayDeps
	p      GatewayParams
	api    *httptest.Server
	kb     store.KB
	qs     []string
	client *http.Client
}

// Gateway measures what the LLM path adds on top of retrieval and the
// model: the whole pipeline against a fake model answering at once, the
// cache-hit path against a bare Echo handler, and answers during a model
// outage.
func Gateway(ctx context.Context, d GatewayDeps, p GatewayParams) (GatewayReport, error) {
	rep := GatewayReport{Params: p, FirstToken: d.FirstToken}
	if err := d.check(); err != nil {
		return rep, err
	}
	if d.API == nil || d.Model == nil || d.Outage == nil || d.Prompts == nil {
		return rep, fmt.Errorf("bench gateway: missing dependency")
	}
	if d.Load == nil {
		d.Load = Load
	}
	g := &gateway{d: d, p: p, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	if err := g.setup(ctx, "bench-gateway"); err != nil {
		return rep, err
	}
	g.api = httptest.NewServer(d.API)
	defer g.api.Close()
	var err error
	if rep.Overhead, err = g.overhead(ctx); err != nil {
		return rep, err
	}
	if rep.Hits, rep.Bare, err = g.cacheHits(ctx); err != nil {
		return rep, err
	}
	rep.Outage, err = g.outage(ctx)
	return rep, err
}

// setup fills the benchmark's knowledge base, named name, with the demo
// corpus and picks the golden questions that should be answered.
func (g *gateway) setup(ctx context.Context, name string) error {
	kb, err := g.d.freshKB(ctx, name)
	if err != nil {
		return err
	}
	files, err := ingest.Discover(g.p.Corpus)
	if err != nil {
		return err
	}
	if _, err := g.d.sync(ctx, kb, files, "demo corpus"); err != nil {
		return err
	}
	if g.kb, err = g.d.Store.KB(ctx, g.d.Tenant, kb.Name); err != nil {
		return err
	}
	set, err := eval.LoadGolden(g.p.Golden)
	if err != nil {
		return err
	}
	for _, c := range set.Cases {
		if !c.Declines() && len(c.History) == 0 {
			g.qs = append(g.qs, c.Question)
		}
	}
	if len(g.qs) == 0 {
		return fmt.Errorf("bench gateway: %s has no answerable single-turn question", g.p.Golden)
	}
	g.d.progress("bench gateway: knowledge base %s ready, %d questions", kb.Name, len(g.qs))
	return nil
}

// chat posts one question and returns the latency and the answer's mode.
func (g *gateway) chat(ctx context.Context, url, q string) (time.Duration, string, error) {
	body, _ := json.Marshal(map[string]string{"kb": g.kb.Name, "question": q})
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if g.d.Key != "" {
		req.Header.Set("Authorization", "Bearer "+g.d.Key)
	}
	res, err := g.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var ans struct {
		Mode string `json:"mode"`
	}
	err = json.NewDecoder(res.Body).Decode(&ans)
	if res.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", res.StatusCode)
	}
	return time.Since(start), ans.Mode, err
}

// overhead times, for each question, the whole /v1/chat request, the
// retrieval alone and a direct call to the model with the same prompt;
// what remains is the gateway's and the API's own cost.
func (g *gateway) overhead(ctx context.Context) ([]LatencyRow, error) {
	var total, retr, direct, over []time.Duration
	for i := range g.p.Requests {
		q := fmt.Sprintf("%s (case %d)", g.qs[i%len(g.qs)], i) // distinct: no cache hits
		t0 := time.Now()
		ps, err := g.d.Retriever.Retrieve(ctx, retrieve.Query{KB: g.kb, Question: q, TopK: g.d.TopK})
		if err != nil {
			return nil, err
		}
		r := time.Since(t0)
		msgs, err := g.prompt(q, ps)
		if err != nil {
			return nil, err
		}
		t1 := time.Now()
		if _, err := g.d.Model.Generate(ctx, llm.Request{Messages: msgs, MaxTokens: g.d.MaxTokens}); err != nil {
			return nil, err
		}
		m := time.Since(t1)
		t, mode, err := g.chat(ctx, g.api.URL+"/v1/chat", q)
		if err != nil {
			return nil, err
		}
		if mode != "llm" && mode != "handoff" {
			return nil, fmt.Errorf("overhead run answered in mode %q", mode)
		}
		total, retr, direct = append(total, t), append(retr, r), append(direct, m)
		over = append(over, max(0, t-r-m))
	}
	row := func(name string, xs []time.Duration) LatencyRow {
		return LatencyRow{Name: name, P50: Percentile(xs, 50), P99: Percentile(xs, 99)}
	}
	return []LatencyRow{row("/v1/chat end to end", total), row("retrieval alone", retr),
		row("direct call to the fake LLM", direct), row(addedRow, over)}, nil
}

// addedRow names the overhead row of what supportd adds.
const addedRow = "added by supportd (end to end − retrieval − model)"

// prompt renders the messages the assistant would send for q.
func (g *gateway) prompt(q string, ps []core.Passage) ([]llm.Message, error) {
	sys, err := g.d.Prompts.System(prompt.SystemData{Product: g.d.Product, Canary: "cnry-bench"})
	if err != nil {
		return nil, err
	}
	pp := make([]prompt.Passage, len(ps))
	for i, p := range ps {
		pp[i] = prompt.Passage{Title: p.Title, Source: p.SourceURI, Text: p.Text}
	}
	user, err := g.d.Prompts.Answer(prompt.AnswerData{Question: q, Passages: pp})
	return []llm.Message{{Role: "system", Content: sys}, {Role: "user", Content: user}}, err
}

// cacheHits compares the cache-hit path with a bare Echo handler that
// returns a fixed JSON body, under the same load in the same run.
func (g *gateway) cacheHits(ctx context.Context) (hits, bare LoadResult, err error) {
	if _, mode, err := g.chat(ctx, g.api.URL+"/v1/chat", g.qs[0]); err != nil || mode == "" {
		return hits, bare, fmt.Errorf("warm the cache: %w", err)
	}
	if _, mode, err := g.chat(ctx, g.api.URL+"/v1/chat", g.qs[0]); err != nil || mode != "cache" {
		return hits, bare, fmt.Errorf("expected a cache hit, got mode %q (%w)", mode, err)
	}
	e := echo.New()
	e.POST("/v1/chat", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"answer": "fixed", "mode": "cache", "citations": []any{}})
	})
	bareTS := httptest.NewServer(e)
	defer bareTS.Close()
	body, _ := json.Marshal(map[string]string{"kb": g.kb.Name, "question": g.qs[0]})
	p := LoadParams{URL: g.api.URL + "/v1/chat", Body: body, Key: g.d.Key, Clients: g.p.Concurrency, Duration: g.p.Duration}
	if hits, err = g.d.Load(ctx, p); err != nil {
		return hits, bare, fmt.Errorf("load the cache-hit path: %w", err)
	}
	p.URL = bareTS.URL + "/v1/chat"
	if bare, err = g.d.Load(ctx, p); err != nil {
		return hits, bare, fmt.Errorf("load the bare handler: %w", err)
	}
	return hits, bare, nil
}

// outage answers while the model returns 500 on every call: the breaker
// opens after a few failures and later answers skip the model.
func (g *gateway) outage(ctx context.Context) (OutageRun, error) {
	run := OutageRun{Modes: map[string]int{}}
	before := g.d.Outage.Calls()
	g.d.Outage.Fail()
	defer g.d.Outage.Reset()
	for i := range g.p.Requests {
		q := fmt.Sprintf("%s (#%d)", g.qs[i%len(g.qs)], i+1000)
		t, mode, err := g.chat(ctx, g.api.URL+"/v1/chat", q)
		if err != nil {
			return run, err
		}
		run.Latencies, run.Modes[mode] = append(run.Latencies, t), run.Modes[mode]+1
	}
	run.ModelCalls = g.d.Outage.Calls() - before
	return run, nil
}

// WriteMarkdown prints the report.
func (r GatewayReport) WriteMarkdown(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "## supportd bench gateway\n\n`%s` · fake LLM in process, answering at once · %s\n\n", p.Command(), machine())
	fmt.Fprintln(w, "### Pipeline overhead (sequential, distinct questions)")
	fmt.Fprintln(w, "\n| measured | p50 ms | p99 ms |\n| --- | --- | --- |")
	for _, row := range r.Overhead {
		fmt.Fprintf(w, "| %s | %.2f | %.2f |\n", row.Name, ms(row.P50), ms(row.P99))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "### Cache-hit path vs a bare Echo handler (%d clients, %s each, load from a separate process)\n\n| server | requests/s | p50 ms | p99 ms | failed |\n| --- | --- | --- | --- | --- |\n", p.Concurrency, p.Duration)
	fmt.Fprintf(w, "| supportd /v1/chat, cache hit (turn recorded in Postgres) | %.0f | %.2f | %.2f | %d |\n", r.Hits.RPS,
		r.Hits.P50, r.Hits.P99, r.Hits.Errors)
	fmt.Fprintf(w, "| bare Echo handler, fixed JSON | %.0f | %.2f | %.2f | %d |\n", r.Bare.RPS, r.Bare.P50, r.Bare.P99, r.Bare.Errors)
	fmt.Fprintf(w, "\nratio of requests/s: %.3f\n\n", r.Hits.RPS/max(r.Bare.RPS, 1e-9))
	modes := make([]string, 0, len(r.Outage.Modes))
	for k, n := range r.Outage.Modes {
		modes = append(modes, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(modes)
	lat := r.Outage.Latencies
	fmt.Fprintf(w, "### Answers during a model outage (every call fails with 500; %d sequential requests)\n\n", p.Requests)
	fmt.Fprintf(w, "| p50 ms | p99 ms | max ms | first-token timeout ms | modes | model calls |\n| --- | --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(w, "| %.2f | %.2f | %.2f | %.0f | %s | %d |\n\n", ms(Percentile(lat, 50)), ms(Percentile(lat, 99)),
		ms(slices.Max(lat)), ms(r.FirstToken), strings.Join(modes, ", "), r.Outage.ModelCalls)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// machine describes where a benchmark ran.
func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

// RatioRows are the gateway's rows of the benchmark table: the cache-hit
// throughput against a bare Echo handler under the same load, and the
// p99 that supportd adds beyond retrieval and the model.
func (r GatewayReport) RatioRows() []RatioRow {
	rows := []RatioRow{NewRatioRow("/v1/chat cache hit, throughput", "requests/s", r.Hits.RPS,
		"bare Echo handler, fixed JSON", r.Bare.RPS, RatioAtLeast(0.5))}
	for _, o := range r.Overhead {
		if o.Name == addedRow {
			rows = append(rows, NewRatioRow("added by supportd beyond retrieval and model, p99", "ms", ms(o.P99), "", 0, AtMost(1)))
		}
	}
	return rows
}
