package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"supportd/internal/app"
	"supportd/internal/bench"
	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/ingest"
	"supportd/internal/soak"
)

// soakApp is the application_name the soaked server's connections carry.
const soakApp = "supportd-soak"

func runSoak(ctx context.Context, env *environment, args []string) error {
	var p soak.Params
	var port, clients int
	var tokenDelay, probe time.Duration
	cfg, fs, err := loadConfig(env, "soak", "[--duration D] [--interval I] [--rps R] [--port P]",
		config.General|config.Database|config.Embedding|config.Chunking|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
			fs.DurationVar(&p.Duration, "duration", 10*time.Minute, "how long the load runs")
			fs.DurationVar(&p.Interval, "interval", 0, "how often the server is sampled (default: 30s, or a quarter of a --duration under 2m)")
			fs.DurationVar(&p.Warmup, "warmup", 0, "samples before this are not judged (default: a fifth of --duration)")
			fs.Float64Var(&p.RPS, "rps", 0, "requests per second (default: half the capacity measured first)")
			fs.IntVar(&clients, "clients", 8, "clients of the capacity measurement")
			fs.DurationVar(&probe, "probe", 20*time.Second, "length of the capacity measurement")
			fs.DurationVar(&tokenDelay, "token-delay", 10*time.Millisecond, "the fake model's pause between streamed tokens")
			fs.IntVar(&port, "port", 18310, "first of the three local ports used: the fake LLM, supportd and its metrics")
		})
	if err != nil {
		return err
	}
	if p.Interval == 0 {
		p.Interval = min(30*time.Second, p.Duration/4)
	}
	if fs.NArg() > 0 || p.Duration <= 0 || p.Interval <= 0 || p.Interval > p.Duration {
		return fs.misuse("takes no arguments, and needs 0 < --interval ≤ --duration")
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	qs, err := soakKB(ctx, a, cfg)
	if err != nil {
		return err
	}
	addr := func(i int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port+i)) }
	fake, err := startFakeLLM(ctx, env, addr(0), tokenDelay, "")
	if err != nil {
		return err
	}
	defer fake.stop()
	srv, err := startServeChild(ctx, env, serveParams{addr: addr(1), metrics: addr(2), llm: "http://" + addr(0) + "/v1", db: cfg.DatabaseURL, app: soakApp})
	if err != nil {
		return err
	}
	defer srv.stop()
	t := soak.Target{URL: "http://" + addr(1), KB: "soak", IngestKB: "soak-ingest", Questions: qs,
		Client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 2 * time.Minute}}
	sampler := soak.Process{PID: srv.pid(), Metrics: "http://" + addr(2) + "/metrics",
		Conns: func(ctx context.Context) (int, error) { return a.Store.Connections(ctx, soakApp) }}
	if p.RPS == 0 {
		capacity, err := soak.Capacity(ctx, t, clients, probe)
		if err != nil {
			return err
		}
		p.RPS = capacity / 2
		fmt.Fprintf(env.stdout, "capacity: %.1f requests/s (%d clients for %s, the chat mix); soaking at half: %.1f requests/s\n\n", capacity, clients, probe, p.RPS)
	}
	fmt.Fprintf(env.stdout, "soak: supportd serve (pid %d) and the fake LLM (token every %s) as processes; %s at %.1f requests/s, sampled every %s; load average %s\n\n",
		srv.pid(), tokenDelay, p.Duration, p.RPS, p.Interval, loadAverage())
	rep, err := soak.Run(ctx, t, sampler, p, env.stdout)
	if err != nil {
		return err
	}
	rep.WriteSummary(env.stdout)
	fmt.Fprintf(env.stdout, "load average at the end: %s\n", loadAverage())
	if !rep.Verdict.Pass {
		return exitCode(1)
	}
	return nil
}

// soakKB syncs the demo corpus into the knowledge base "soak" and returns
// the golden set's answerable single-turn questions.
func soakKB(ctx context.Context, a *app.App, cfg config.Config) ([]string, error) {
	found, err := ingest.Scan(cfg.DemoCorpus)
	if err != nil {
		return nil, err
	}
	kb, err := a.Store.EnsureKB(ctx, a.Library.KBParams(cfg.Tenant, "soak"))
	if err != nil {
		return nil, err
	}
	if _, err := a.Syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: found.Files}); err != nil {
		return nil, fmt.Errorf("soak: ingest the demo corpus: %w", err)
	}
	set, err := eval.LoadGolden(cfg.EvalGolden)
	if err != nil {
		return nil, err
	}
	var qs []string
	for _, c := range set.Cases {
		if !c.Declines() && len(c.History) == 0 {
			qs = append(qs, c.Question)
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("soak: %s has no answerable single-turn question", cfg.EvalGolden)
	}
	return qs, nil
}

// loadAverage is the machine's 1, 5 and 15-minute load averages.
func loadAverage() string { return bench.ThisMachine().Load }
