package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"time"

	"supportd/internal/app"
	"supportd/internal/assistant"
	"supportd/internal/auth"
	"supportd/internal/bench"
	"supportd/internal/config"
	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/llm"
)

// benchmarks are the subcommands of bench; each prints a Markdown report
// to stdout and its progress to stderr.
func benchmarks() []command {
	return []command{
		{"ingest", "sync a synthetic corpus of about N chunks, then again unchanged", runBenchIngest},
		{"retrieval", "retrieval latency per method and HNSW recall@10 over N chunks", runBenchRetrieval},
		{"quality", "hit@k and MRR@10 of each retrieval method and fusion variant on a question set", runBenchQuality},
		{"gateway", "LLM path overhead, cache-hit throughput against a bare handler, answers during a model outage", runBenchGateway},
		{"eval", "evaluation throughput on the demo golden set", runBenchEval},
		{"faults", "answer latency under each injected model fault against the first-token budget", runBenchFaults},
		{"streams", "RSS, goroutines and heap of supportd serve holding N concurrent SSE streams, against a bare Echo SSE handler", runBenchStreams},
		{"load", "the load generator of bench gateway: N clients POSTing a body to a URL for D, JSON {rps,p50,p99,errors} out", runBenchLoad},
		{"bare-sse", "serve the bare Echo SSE handler that bench streams measures supportd against", runBenchBareSSE},
		{"calibrate", "refit the answerability model on signals that bench quality --signals recorded", runBenchCalibrate},
		{"table", "print the one table of supportd against its bare baselines from the rows of --table runs", runBenchTable},
	}
}

func runBench(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		benchUsage(env.stderr)
		if len(args) == 0 {
			return errors.New("bench needs one of ingest, retrieval, quality")
		}
		return flag.ErrHelp
	}
	for _, b := range benchmarks() {
		if b.name == args[0] {
			return b.run(ctx, env, args[1:])
		}
	}
	benchUsage(env.stderr)
	return fmt.Errorf("unknown benchmark %q", args[0])
}

func benchUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: supportd bench <benchmark> [flags]\n\nbenchmarks:")
	for _, b := range benchmarks() {
		fmt.Fprintf(w, "  %-10s %s\n", b.name, b.summary)
	}
}

func runBenchIngest(ctx context.Context, env *environment, args []string) error {
	var p bench.IngestParams
	var table string
	cfg, err := benchConfig(env, "ingest", "[--chunks N] [--seed S] [--table FILE]", args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.IntVar(&p.Chunks, "chunks", 10000, "target chunk count of the synthetic corpus")
		fs.Uint64Var(&p.Seed, "seed", 1, "seed of the synthetic corpus")
	})
	if err != nil {
		return err
	}
	return runReport(ctx, env, cfg, table, func(_ *app.App, d bench.Deps) (report, error) { return bench.Ingest(ctx, d, p) })
}

func runBenchRetrieval(ctx context.Context, env *environment, args []string) error {
	var p bench.RetrievalParams
	var table string
	cfg, err := benchConfig(env, "retrieval", "[--chunks N] [--queries Q] [--recall-queries R] [--seed S] [--reseed] [--table FILE]", args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.IntVar(&p.Chunks, "chunks", 100000, "target chunk count of the synthetic corpus")
		fs.IntVar(&p.Queries, "queries", 500, "generated questions to time")
		fs.IntVar(&p.RecallQueries, "recall-queries", 100, "of those, how many also measure HNSW recall against an exact scan")
		fs.Uint64Var(&p.Seed, "seed", 1, "seed of the synthetic corpus and queries")
		fs.BoolVar(&p.Reseed, "reseed", false, "rebuild the knowledge base even when it already holds this corpus")
	})
	if err != nil {
		return err
	}
	return runReport(ctx, env, cfg, table, func(_ *app.App, d bench.Deps) (report, error) { return bench.Retrieval(ctx, d, p) })
}

func runBenchQuality(ctx context.Context, env *environment, args []string) error {
	p := bench.QualityParams{Split: eval.SplitAll}
	var table string
	cfg, err := benchConfig(env, "quality", "[--dataset DIR] [--negatives FILE] [--split all|tune|holdout] [--append WORD] [--signals FILE] [--table FILE]", args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.StringVar(&p.Dataset, "dataset", bench.DefaultDataset, "folder holding corpus.jsonl and qa.jsonl (or s10_corpus.jsonl and s10_qa.jsonl)")
		fs.StringVar(&p.Negatives, "negatives", "", "JSONL file of questions the dataset does not answer (qid, question, kind product|out-of-domain)")
		fs.Var(&p.Split, "split", "questions and negatives of one half only, by a hash of their id: tune, holdout or all")
		fs.StringVar(&p.Append, "append", "", "append this word to every dataset question (a perturbation: how an off-topic word moves the figures)")
		fs.StringVar(&p.Signals, "signals", "", "write every answered question's answerability signals to this JSON-lines file (for bench calibrate)")
	})
	if err != nil {
		return err
	}
	// Checked before connecting: the dataset is optional, and skipping
	// must not need a database.
	if _, err := bench.LoadDataset(p.Dataset); errors.Is(err, bench.ErrNoDataset) {
		fmt.Fprintf(env.stdout, "skipped: %v\n", err)
		return nil
	}
	return runReport(ctx, env, cfg, table, func(a *app.App, d bench.Deps) (report, error) {
		d.Answerer = benchAnswerer{a.Assistant}
		d.Signals = func(question string, ps []core.Passage) (float64, float64, float64) {
			s := a.Extractor.Signals(question, ps)
			return s.Coverage, s.Similarity, s.BM25
		}
		return bench.Quality(ctx, d, p)
	})
}

// benchAnswerer asks the assistant an evaluation question for the quality
// benchmark, which may not import the assistant.
type benchAnswerer struct{ a *assistant.Assistant }

func (b benchAnswerer) Answer(ctx context.Context, tenant, kb, question string) (core.Answer, error) {
	return b.a.Answer(ctx, assistant.Turn{Tenant: tenant, KB: kb, Question: question, Purpose: core.PurposeEvaluation})
}

// benchSettings are the configuration areas every benchmark reads.
const benchSettings = config.General | config.Database | config.Embedding | config.Chunking | config.Retrieval

// benchConfig parses a benchmark's own flags with the configuration's.
func benchConfig(env *environment, name, synopsis string, args []string, own func(fs *flag.FlagSet)) (config.Config, error) {
	cfg, fs, err := loadConfig(env, "bench "+name, synopsis, benchSettings, args, own)
	if err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fs.misuse("takes no arguments, got %q", fs.Args())
	}
	return cfg, nil
}

// report is what every benchmark returns.
type report interface{ WriteMarkdown(w io.Writer) }

// tableFlag registers --table, the file a benchmark appends its rows of
// the benchmark table to (see `supportd bench table`).
func tableFlag(fs *flag.FlagSet, path *string) {
	fs.StringVar(path, "table", "", "append this run's rows of the benchmark table (ours, bare baseline, ratio) to FILE as JSON lines")
}

// runReport wires the application, runs one benchmark over it and prints
// the report; with a table file it appends the report's ratio rows to it.
func runReport(ctx context.Context, env *environment, cfg config.Config, table string, measure func(*app.App, bench.Deps) (report, error)) error {
	a, err := app.Build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.CheckSchema(ctx); err != nil {
		return err
	}
	rep, err := measure(a, bench.Deps{
		Store: a.Store, Embedder: a.Embedder, Chunker: a.Chunker, Retriever: a.Retriever, Tenant: cfg.Tenant,
		Settings: bench.Settings{
			ChunkTokens: cfg.ChunkTokens, ChunkOverlap: cfg.ChunkOverlap, Candidates: cfg.Candidates, EfSearch: cfg.HNSWEfSearch,
		},
		Progress: env.stderr,
	})
	if err != nil {
		return err
	}
	rep.WriteMarkdown(env.stdout)
	if r, ok := rep.(bench.RatioReporter); ok && table != "" {
		return bench.AppendRatioRows(table, r.RatioRows())
	}
	return nil
}

// runBenchTable prints the one benchmark table from the rows the other
// benchmarks appended with --table.
func runBenchTable(_ context.Context, env *environment, args []string) error {
	c := newCmdline(env, "bench table", "--rows FILE", "")
	rows := c.String("rows", "", "the JSON-lines file the benchmarks appended their rows to with --table")
	if err := c.parseArgs(args); err != nil {
		return err
	}
	if *rows == "" || c.NArg() > 0 {
		return c.misuse("needs --rows FILE and no arguments")
	}
	rs, err := bench.ReadRatioRows(*rows)
	if err != nil {
		return err
	}
	bench.WriteRatioTable(env.stdout, bench.ThisMachine(), rs)
	return nil
}

func runBenchGateway(ctx context.Context, env *environment, args []string) error {
	var p bench.GatewayParams
	var table string
	cfg, _, err := loadConfig(env, "bench gateway", "[--requests N] [--concurrency C] [--duration D] [--table FILE]", benchSettings|config.Answer|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.IntVar(&p.Requests, "requests", 300, "sequential requests for the overhead and outage measurements")
		fs.IntVar(&p.Concurrency, "concurrency", 16, "clients for the cache-hit throughput")
		fs.DurationVar(&p.Duration, "duration", 5*time.Second, "length of each throughput run")
	})
	if err != nil {
		return err
	}
	p.Corpus, p.Golden = cfg.DemoCorpus, cfg.EvalGolden
	fake, stop := withFakeModel(&cfg)
	defer stop()
	cfg.BreakerFailures, cfg.BreakerCooldown = 5, time.Hour
	model, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "fake", BaseURL: cfg.LLMBaseURL, APIKey: "bench"})
	if err != nil {
		return err
	}
	// Keys required, as in production: the cache-hit path authenticates
	// every request.
	cfg.Auth = "required"
	return runReport(ctx, env, cfg, table, func(a *app.App, d bench.Deps) (report, error) {
		key, _, err := auth.New(a.Store, nil).Create(ctx, auth.CreateParams{Tenant: d.Tenant, Name: "bench-gateway",
			Scopes: []string{auth.ScopeChat}, TTL: time.Hour, Actor: "bench"})
		if err != nil {
			return nil, err
		}
		return bench.Gateway(ctx, bench.GatewayDeps{Deps: d, API: httpapi.New(a.API()), Model: model, Outage: outage{fake},
			Key: key, Load: loadProcess, Prompts: a.Prompts, Product: cfg.ProductName, TopK: cfg.TopK, MaxTokens: cfg.LLMMaxTokens,
			FirstToken: cfg.FirstTokenTimeout}, p)
	})
}

func runBenchFaults(ctx context.Context, env *environment, args []string) error {
	var p bench.FaultsParams
	var table string
	cfg, _, err := loadConfig(env, "bench faults", "[--n N] [--first-token D] [--total D] [--table FILE]", benchSettings|config.Answer|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.IntVar(&p.N, "n", 20, "questions asked under each fault")
		fs.DurationVar(&p.FirstToken, "first-token", time.Second, "the server's first-token deadline")
		fs.DurationVar(&p.Total, "total", 3*time.Second, "the server's whole-answer deadline (bounds the hanging model)")
	})
	if err != nil {
		return err
	}
	p.Corpus, p.Golden = cfg.DemoCorpus, cfg.EvalGolden
	fake, stop := withFakeModel(&cfg)
	defer stop()
	// No cache and a breaker that never opens, so that every question
	// meets the fault.
	cfg.BreakerFailures, cfg.BreakerCooldown = 1<<30, time.Second
	cfg.FirstTokenTimeout, cfg.LLMTimeout, cfg.RequestTimeout, cfg.CacheSize = p.FirstToken, p.Total, p.Total+10*time.Second, 0
	inject := func(f fakellm.Fault) func() { return func() { fake.Reset(); fake.Inject(f) } }
	faults := []bench.Fault{
		{Name: "none", Inject: fake.Reset},
		{Name: "first-token stall", Inject: inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Hour})},
		{Name: "hang (tokens trickle forever)", Inject: inject(fakellm.Fault{Kind: fakellm.KindHang})},
		{Name: "mid-stream cut", Inject: inject(fakellm.Fault{Kind: fakellm.KindCut})},
		{Name: "HTTP 500", Inject: inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500})},
		{Name: "HTTP 429, Retry-After 1 s", Inject: inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, RetryAfter: 1})},
	}
	return runReport(ctx, env, cfg, table, func(a *app.App, d bench.Deps) (report, error) {
		return bench.Faults(ctx, bench.FaultsDeps{Deps: d, API: httpapi.New(a.API()), Faults: faults, Calls: outage{fake}.Calls}, p)
	})
}

// withFakeModel starts the fake LLM and points cfg at it as the only
// model of the server under test, with no shared tier, no limits and no
// keys; stop shuts the fake down.
func withFakeModel(cfg *config.Config) (fake *fakellm.Server, stop func()) {
	fake = fakellm.New(fakellm.Options{})
	ts := httptest.NewServer(fake.Handler())
	cfg.LLMProvider, cfg.LLMModel, cfg.LLMBaseURL, cfg.LLMAPIKey = "openai", "fake", ts.URL+"/v1", "bench"
	cfg.FallbackProvider, cfg.RedisURL, cfg.ClientRPM, cfg.WidgetRPM, cfg.DailyTokenBudget = "", "", 0, 0, 0
	cfg.Auth, cfg.LogLevel = "off", "error"
	return fake, ts.Close
}

// outage fails the fake model on demand.
type outage struct{ *fakellm.Server }

func (o outage) Fail()      { o.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500}) }
func (o outage) Calls() int { return o.Count("/chat/completions") }

func runBenchEval(ctx context.Context, env *environment, args []string) error {
	var p bench.EvalParams
	var table string
	cfg, _, err := loadConfig(env, "bench eval", "[--concurrency C] [--rounds R] [--table FILE]", benchSettings|config.Answer|config.LLM|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.IntVar(&p.Concurrency, "concurrency", 4, "cases in flight")
		fs.IntVar(&p.Rounds, "rounds", 3, "runs of the golden set")
	})
	if err != nil {
		return err
	}
	p.Corpus, p.Golden, cfg.LogLevel = cfg.DemoCorpus, cfg.EvalGolden, "error"
	return runReport(ctx, env, cfg, table, func(a *app.App, d bench.Deps) (report, error) {
		return bench.Eval(ctx, bench.EvalDeps{Deps: d, Runner: a.EvalRunner(), Runs: a}, p)
	})
}
