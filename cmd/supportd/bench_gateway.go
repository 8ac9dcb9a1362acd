package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/app"
	"supportd/internal/bench"
	"supportd/internal/config"
	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/ingest"
	"supportd/internal/llm"
	"supportd/internal/prompt"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// gatewayBench measures what the LLM path adds on top of retrieval and the
// model: the whole pipeline against the in-repo fake LLM answering at
// once, the cache-hit path against a bare Echo handler, and answers during
// a model outage.
type gatewayBench struct {
	a      *app.App
	fake   *fakellm.Server
	fakeTS *httptest.Server
	api    *httptest.Server
	kb     store.KB
	qs     []string
	client *http.Client
}

func runBenchGateway(ctx context.Context, env *environment, args []string) error {
	var requests, concurrency int
	var duration time.Duration
	cfg, _, err := loadConfig(env, "bench gateway", "[--requests N] [--concurrency C] [--duration D]", benchSettings|config.Answer|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
		fs.IntVar(&requests, "requests", 300, "sequential requests for the overhead and outage measurements")
		fs.IntVar(&concurrency, "concurrency", 16, "clients for the cache-hit throughput")
		fs.DurationVar(&duration, "duration", 5*time.Second, "length of each throughput run")
	})
	if err != nil {
		return err
	}
	fake := fakellm.New(fakellm.Options{})
	fakeTS := httptest.NewServer(fake.Handler())
	defer fakeTS.Close()
	// The server under test: the real composition with the fake as its model.
	cfg.LLMProvider, cfg.LLMModel, cfg.LLMBaseURL, cfg.LLMAPIKey = "openai", "fake", fakeTS.URL+"/v1", "bench"
	cfg.FallbackProvider, cfg.RedisURL, cfg.ClientRPM, cfg.DailyTokenBudget = "", "", 0, 0
	cfg.BreakerFailures, cfg.BreakerCooldown = 5, time.Hour
	cfg.LogLevel = "error"
	a, err := app.Build(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer a.Close()
	b := &gatewayBench{a: a, fake: fake, fakeTS: fakeTS, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	if err := b.setup(ctx, env); err != nil {
		return err
	}
	defer b.api.Close()
	fmt.Fprintf(env.stdout, "## supportd bench gateway\n\n`supportd bench gateway --requests %d --concurrency %d --duration %s` · fake LLM in process, answering at once · %s\n\n",
		requests, concurrency, duration, machine())
	if err := b.overhead(ctx, env.stdout, requests); err != nil {
		return err
	}
	if err := b.cacheHits(ctx, env.stdout, concurrency, duration); err != nil {
		return err
	}
	return b.outage(ctx, env.stdout, requests, cfg.FirstTokenTimeout)
}

func (b *gatewayBench) setup(ctx context.Context, env *environment) error {
	kb, err := b.a.Store.EnsureKB(ctx, store.KBParams{Tenant: b.a.Config.Tenant, Name: "bench-gateway",
		Model: b.a.Embedder.Model(), Dim: b.a.Embedder.Dimension()})
	if err != nil {
		return err
	}
	files, err := ingest.Discover(b.a.Config.DemoCorpus)
	if err != nil {
		return err
	}
	if _, err := b.a.Syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: files}); err != nil {
		return err
	}
	if b.kb, err = b.a.Store.KB(ctx, b.a.Config.Tenant, "bench-gateway"); err != nil {
		return err
	}
	set, err := eval.LoadGolden(b.a.Config.EvalGolden)
	if err != nil {
		return err
	}
	for _, c := range set.Cases {
		if !c.Declines() && len(c.History) == 0 {
			b.qs = append(b.qs, c.Question)
		}
	}
	e := httpapi.New(httpapi.Deps{Log: b.a.Log, Access: httpapi.Access{Tenant: b.a.Config.Tenant}, Chat: httpapi.Chat{Answerer: b.a.Assistant},
		Documents: httpapi.Documents{Library: ingest.NewLibrary(b.a.Store, b.a.Syncer, b.a.Embedder), MaxUploadBytes: 1 << 20},
		Ops:       httpapi.Ops{Health: b.a.Store}})
	b.api = httptest.NewServer(e)
	fmt.Fprintf(env.stderr, "bench gateway: knowledge base %s ready, %d questions\n", kb.Name, len(b.qs))
	return nil
}

// chat posts one question and returns the latency and the answer's mode.
func (b *gatewayBench) chat(ctx context.Context, url, q string) (time.Duration, string, error) {
	body, _ := json.Marshal(map[string]string{"kb": b.kb.Name, "question": q})
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := b.client.Do(req)
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
// retrieval alone and a direct call to the fake LLM with the same prompt;
// what remains is the gateway's and the API's own cost.
func (b *gatewayBench) overhead(ctx context.Context, w io.Writer, n int) error {
	model, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "fake", BaseURL: b.fakeTS.URL + "/v1", APIKey: "bench"})
	if err != nil {
		return err
	}
	var total, retr, direct, over []time.Duration
	for i := range n {
		q := fmt.Sprintf("%s (case %d)", b.qs[i%len(b.qs)], i) // distinct: no cache hits
		t0 := time.Now()
		ps, err := b.a.Retriever.Retrieve(ctx, retrieve.Query{KB: b.kb, Question: q, TopK: b.a.Config.TopK})
		if err != nil {
			return err
		}
		r := time.Since(t0)
		msgs, err := b.prompt(q, ps)
		if err != nil {
			return err
		}
		t1 := time.Now()
		if _, err := model.Generate(ctx, llm.Request{Messages: msgs, MaxTokens: b.a.Config.LLMMaxTokens}); err != nil {
			return err
		}
		d := time.Since(t1)
		t, mode, err := b.chat(ctx, b.api.URL+"/v1/chat", q)
		if err != nil {
			return err
		}
		if mode != "llm" && mode != "handoff" {
			return fmt.Errorf("overhead run answered in mode %q", mode)
		}
		total, retr, direct = append(total, t), append(retr, r), append(direct, d)
		over = append(over, max(0, t-r-d))
	}
	fmt.Fprintln(w, "### Pipeline overhead (sequential, distinct questions)")
	fmt.Fprintln(w, "\n| measured | p50 ms | p99 ms |\n| --- | --- | --- |")
	for _, row := range []struct {
		name string
		xs   []time.Duration
	}{{"/v1/chat end to end", total}, {"retrieval alone", retr}, {"direct call to the fake LLM", direct}, {"added by supportd (end to end − retrieval − model)", over}} {
		fmt.Fprintf(w, "| %s | %.2f | %.2f |\n", row.name, ms(bench.Percentile(row.xs, 50)), ms(bench.Percentile(row.xs, 99)))
	}
	fmt.Fprintln(w)
	return nil
}

func (b *gatewayBench) prompt(q string, ps []core.Passage) ([]llm.Message, error) {
	sys, err := b.a.Prompts.System(prompt.SystemData{Product: b.a.Config.ProductName, Canary: "cnry-bench"})
	if err != nil {
		return nil, err
	}
	pp := make([]prompt.Passage, len(ps))
	for i, p := range ps {
		pp[i] = prompt.Passage{Title: p.Title, Source: p.SourceURI, Text: p.Text}
	}
	user, err := b.a.Prompts.Answer(prompt.AnswerData{Question: q, Passages: pp})
	return []llm.Message{{Role: "system", Content: sys}, {Role: "user", Content: user}}, err
}

// load runs concurrent clients against url for d and returns the
// latencies of the successful requests.
func (b *gatewayBench) load(ctx context.Context, url string, clients int, d time.Duration) ([]time.Duration, int, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t, _, err := b.chat(ctx, url, b.qs[0])
				if err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				mine = append(mine, t)
			}
			mu.Lock()
			lat, failed = append(lat, mine...), failed+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, failed, nil
}

// cacheHits compares the cache-hit path with a bare Echo handler that
// returns a fixed JSON body, under the same load in the same run.
func (b *gatewayBench) cacheHits(ctx context.Context, w io.Writer, clients int, d time.Duration) error {
	if _, mode, err := b.chat(ctx, b.api.URL+"/v1/chat", b.qs[0]); err != nil || mode == "" {
		return fmt.Errorf("warm the cache: %v", err)
	}
	if _, mode, err := b.chat(ctx, b.api.URL+"/v1/chat", b.qs[0]); err != nil || mode != "cache" {
		return fmt.Errorf("expected a cache hit, got mode %q (%v)", mode, err)
	}
	bare := echo.New()
	bare.POST("/v1/chat", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"answer": "fixed", "mode": "cache", "citations": []any{}})
	})
	bareTS := httptest.NewServer(bare)
	defer bareTS.Close()
	hits, failHits, _ := b.load(ctx, b.api.URL+"/v1/chat", clients, d)
	base, failBase, _ := b.load(ctx, bareTS.URL+"/v1/chat", clients, d)
	rps := func(n int) float64 { return float64(n) / d.Seconds() }
	fmt.Fprintf(w, "### Cache-hit path vs a bare Echo handler (%d clients, %s each)\n\n| server | requests/s | p50 ms | p99 ms | failed |\n| --- | --- | --- | --- | --- |\n", clients, d)
	fmt.Fprintf(w, "| supportd /v1/chat, cache hit (turn recorded in Postgres) | %.0f | %.2f | %.2f | %d |\n", rps(len(hits)),
		ms(bench.Percentile(hits, 50)), ms(bench.Percentile(hits, 99)), failHits)
	fmt.Fprintf(w, "| bare Echo handler, fixed JSON | %.0f | %.2f | %.2f | %d |\n", rps(len(base)),
		ms(bench.Percentile(base, 50)), ms(bench.Percentile(base, 99)), failBase)
	fmt.Fprintf(w, "\nratio of requests/s: %.3f\n\n", float64(len(hits))/float64(max(len(base), 1)))
	return nil
}

// outage answers while the model returns 500 on every call: the breaker
// opens after a few failures and later answers skip the model.
func (b *gatewayBench) outage(ctx context.Context, w io.Writer, n int, firstToken time.Duration) error {
	before := b.fake.Count("/chat/completions")
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500})
	defer b.fake.Reset()
	var lat []time.Duration
	modes := map[string]int{}
	for i := range n {
		q := fmt.Sprintf("%s (outage %d)", b.qs[i%len(b.qs)], i)
		t, mode, err := b.chat(ctx, b.api.URL+"/v1/chat", q)
		if err != nil {
			return err
		}
		lat, modes[mode] = append(lat, t), modes[mode]+1
	}
	keys := make([]string, 0, len(modes))
	for k := range modes {
		keys = append(keys, fmt.Sprintf("%s %d", k, modes[k]))
	}
	slices.Sort(keys)
	fmt.Fprintf(w, "### Answers during a model outage (every call fails with 500; %d sequential requests)\n\n", n)
	fmt.Fprintf(w, "| p50 ms | p99 ms | max ms | first-token timeout ms | modes | model calls |\n| --- | --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(w, "| %.2f | %.2f | %.2f | %.0f | %s | %d |\n\n", ms(bench.Percentile(lat, 50)), ms(bench.Percentile(lat, 99)),
		ms(slices.Max(lat)), ms(firstToken), strings.Join(keys, ", "), b.fake.Count("/chat/completions")-before)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// machine describes where a benchmark ran.
func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

// runBenchEval measures evaluation throughput on the demo golden set with
// the configured answerer, and how much of the run is the pipeline itself.
func runBenchEval(ctx context.Context, env *environment, args []string) error {
	var concurrency, rounds int
	cfg, _, err := loadConfig(env, "bench eval", "[--concurrency C] [--rounds R]", benchSettings|config.Answer|config.LLM|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
		fs.IntVar(&concurrency, "concurrency", 4, "cases in flight")
		fs.IntVar(&rounds, "rounds", 3, "runs of the golden set")
	})
	if err != nil {
		return err
	}
	cfg.LogLevel = "error"
	a, err := app.Build(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer a.Close()
	kb, err := a.Store.EnsureKB(ctx, store.KBParams{Tenant: cfg.Tenant, Name: "bench-eval", Model: a.Embedder.Model(), Dim: a.Embedder.Dimension()})
	if err != nil {
		return err
	}
	files, err := ingest.Discover(cfg.DemoCorpus)
	if err != nil {
		return err
	}
	if _, err := a.Syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: files}); err != nil {
		return err
	}
	if kb, err = a.Store.KB(ctx, cfg.Tenant, "bench-eval"); err != nil {
		return err
	}
	set, err := eval.LoadGolden(cfg.EvalGolden)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "## supportd bench eval\n\n`supportd bench eval --concurrency %d --rounds %d` · %d cases · answerer %s · %s\n\n",
		concurrency, rounds, len(set.Cases), a.EvalParams(kb, set, "bench").Model, machine())
	fmt.Fprintln(env.stdout, "| round | wall s | cases/s | pipeline p50 ms | pipeline p95 ms | pipeline share of wall × concurrency |\n| --- | --- | --- | --- | --- | --- |")
	for r := range rounds {
		p := a.EvalParams(kb, set, "bench")
		p.Concurrency = concurrency
		start := time.Now()
		run, err := a.EvalRunner().Run(ctx, p)
		if err != nil {
			return err
		}
		wall := time.Since(start)
		var sum time.Duration
		for _, res := range run.Results {
			sum += res.Obs.Latency
		}
		fmt.Fprintf(env.stdout, "| %d | %.2f | %.1f | %.1f | %.1f | %.2f |\n", r+1, wall.Seconds(), float64(len(run.Results))/wall.Seconds(),
			ms(run.Summary.LatencyP50), ms(run.Summary.LatencyP95), sum.Seconds()/(wall.Seconds()*float64(concurrency)))
	}
	fmt.Fprintln(env.stdout)
	return nil
}
