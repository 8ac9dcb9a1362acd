package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"supportd/internal/app"
	"supportd/internal/bench"
	"supportd/internal/config"
	"supportd/internal/metrics"
	"supportd/internal/soak"
)

// streamsSettings are what the server under `bench streams` runs with
// beyond its configuration: deadlines long enough that a slow, steady
// model is never abandoned, and no handoff, so that every question
// streams from the model.
var streamsSettings = []string{"SUPPORTD_LLM_FIRST_TOKEN_TIMEOUT=2m", "SUPPORTD_LLM_TIMEOUT=5m", "SUPPORTD_REQUEST_TIMEOUT=5m",
	"SUPPORTD_RETRIEVE_TIMEOUT=1m", "SUPPORTD_MIN_CONFIDENCE=0.01", "SUPPORTD_JOBS=false", "SUPPORTD_CACHE_SIZE=0"}

func runBenchStreams(ctx context.Context, env *environment, args []string) error {
	var p bench.StreamsParams
	var table string
	var port int
	cfg, _, err := loadConfig(env, "bench streams", "[--n N] [--token-delay D] [--words W] [--port P] [--table FILE]", benchSettings|config.Answer|config.Eval|config.Demo, args, func(fs *flag.FlagSet) {
		tableFlag(fs, &table)
		fs.IntVar(&p.N, "n", 1000, "concurrent streams")
		fs.DurationVar(&p.TokenDelay, "token-delay", 100*time.Millisecond, "the fake model's pause between streamed tokens")
		fs.IntVar(&p.Words, "words", 300, "words of the fake model's answer")
		fs.DurationVar(&p.Every, "every", 250*time.Millisecond, "how often the servers are sampled")
		fs.IntVar(&port, "port", 18300, "first of the four local ports used: the fake LLM, supportd, its metrics and the bare handler")
	})
	if err != nil {
		return err
	}
	if p.N < 1 || p.Words < 1 || p.TokenDelay < 0 || p.Every <= 0 {
		return fmt.Errorf("bench streams: --n, --words and --every must be positive")
	}
	p.Corpus, p.Golden = cfg.DemoCorpus, cfg.EvalGolden
	return runReport(ctx, env, cfg, table, func(_ *app.App, d bench.Deps) (report, error) {
		kb, qs, err := bench.StreamsSetup(ctx, d, p)
		if err != nil {
			return nil, err
		}
		s := streamsRun{env: env, p: p, port: port, db: cfg.DatabaseURL}
		rep := bench.StreamsReport{Params: p, KB: kb, Settings: "supportd runs with " + strings.Join(streamsSettings, " ") + " (auth off, no rate limits)."}
		if rep.Ours, err = s.supportd(ctx, kb, qs); err != nil {
			return nil, err
		}
		rep.Bare, err = s.bare(ctx, rep.Ours.TokensPerStream())
		return rep, err
	})
}

// streamsRun starts the servers of one streams benchmark.
type streamsRun struct {
	env  *environment
	p    bench.StreamsParams
	port int
	db   string
}

func (s streamsRun) addr(i int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port+i)) }

// supportd holds the streams against `supportd serve` answering from a
// fake LLM that streams a scripted answer at the token rate.
func (s streamsRun) supportd(ctx context.Context, kb string, qs []string) (bench.StreamRun, error) {
	fake, err := startFakeLLM(ctx, s.env, s.addr(0), s.p.TokenDelay, scriptedAnswer(s.p.Words))
	if err != nil {
		return bench.StreamRun{}, err
	}
	defer fake.stop()
	srv, err := startServeChild(ctx, s.env, serveParams{addr: s.addr(1), metrics: s.addr(2), llm: "http://" + s.addr(0) + "/v1",
		db: s.db, app: "supportd-bench-streams", extra: streamsSettings})
	if err != nil {
		return bench.StreamRun{}, err
	}
	defer srv.stop()
	fmt.Fprintf(s.env.stderr, "bench streams: %d streams against supportd (pid %d)\n", s.p.N, srv.pid())
	return bench.HoldStreams(ctx, bench.StreamServer{Name: "supportd /v1/chat", URL: "http://" + s.addr(1) + "/v1/chat",
		Body: func(i int) []byte {
			b, _ := json.Marshal(map[string]string{"kb": kb, "question": fmt.Sprintf("%s (stream %d)", qs[i%len(qs)], i)})
			return b
		},
		Process: soak.Process{PID: srv.pid(), Metrics: "http://" + s.addr(2) + "/metrics"}}, s.p)
}

// bare holds the same streams against the bare Echo handler streaming
// tokens per stream at the same rate.
func (s streamsRun) bare(ctx context.Context, tokens int) (bench.StreamRun, error) {
	c, err := startChild("bare SSE handler", nil, s.env.stderr, "bench", "bare-sse", "--addr", s.addr(3),
		"--tokens", strconv.Itoa(max(tokens, 1)), "--token-delay", s.p.TokenDelay.String())
	if err != nil {
		return bench.StreamRun{}, err
	}
	defer c.stop()
	if err := c.waitReady(ctx, "http://"+s.addr(3)+"/metrics"); err != nil {
		return bench.StreamRun{}, err
	}
	fmt.Fprintf(s.env.stderr, "bench streams: %d streams against the bare handler (pid %d, %d tokens each)\n", s.p.N, c.pid(), tokens)
	return bench.HoldStreams(ctx, bench.StreamServer{Name: "bare Echo SSE handler", URL: "http://" + s.addr(3) + "/v1/chat",
		Body:    func(int) []byte { return []byte(`{}`) },
		Process: soak.Process{PID: c.pid(), Metrics: "http://" + s.addr(3) + "/metrics"}}, s.p)
}

// scriptedAnswer is a model answer of about words words in paragraphs
// that each cite the first passage, so that the assistant accepts it.
func scriptedAnswer(words int) string {
	const sentence = "The help centre explains this step by step in the article cited here."
	per := len(strings.Fields(sentence))
	var b strings.Builder
	for i := 0; i < words; i += per {
		if i > 0 && i%(4*per) == 0 {
			b.WriteString(" [P1]\n\n")
		} else if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(sentence)
	}
	b.WriteString(" [P1]")
	return b.String()
}

// startFakeLLM runs `supportd fake-llm` streaming at the token rate and,
// when reply is set, answering every chat request with it.
func startFakeLLM(ctx context.Context, env *environment, addr string, delay time.Duration, reply string) (*child, error) {
	c, err := startChild("fake LLM", nil, env.stderr, "fake-llm", "--addr", addr, "--token-delay", delay.String())
	if err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx, "http://"+addr+"/v1/models"); err != nil {
		c.stop()
		return nil, err
	}
	if reply == "" {
		return c, nil
	}
	body, _ := json.Marshal(map[string]string{"kind": "reply", "message": reply})
	res, err := http.Post("http://"+addr+"/_fault", "application/json", bytes.NewReader(body))
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", res.StatusCode)
		}
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("script the fake LLM's answer: %w", err)
	}
	return c, nil
}

// serveParams are what a `supportd serve` child runs with.
type serveParams struct {
	addr, metrics string
	llm           string // the fake LLM's base URL
	db            string // DATABASE_URL
	// app is the application_name its database connections carry, by
	// which they are counted.
	app   string
	extra []string
}

// startServeChild runs `supportd serve` against the fake LLM, with auth off and
// no rate limits, and waits until it is ready.
func startServeChild(ctx context.Context, env *environment, p serveParams) (*child, error) {
	db, err := url.Parse(p.db)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	q := db.Query()
	q.Set("application_name", p.app)
	db.RawQuery = q.Encode()
	vars := append([]string{"DATABASE_URL=" + db.String(), "SUPPORTD_ADDR=" + p.addr, "SUPPORTD_METRICS_ADDR=" + p.metrics,
		"SUPPORTD_LLM_PROVIDER=openai", "SUPPORTD_LLM_MODEL=fake", "SUPPORTD_LLM_BASE_URL=" + p.llm, "SUPPORTD_LLM_API_KEY=bench",
		"SUPPORTD_AUTH=off", "SUPPORTD_LOG_LEVEL=error", "SUPPORTD_CLIENT_RPM=0", "SUPPORTD_WIDGET_RPM=0"}, p.extra...)
	c, err := startChild("supportd serve", vars, env.stderr, "serve")
	if err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx, "http://"+p.addr+"/readyz"); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// runBenchBareSSE serves the streams benchmark's baseline until ctx ends.
func runBenchBareSSE(ctx context.Context, env *environment, args []string) error {
	c := newCmdline(env, "bench bare-sse", "[--addr A] [--tokens T] [--token-delay D]",
		"Serves POST /v1/chat as a bare Echo handler streaming T token events, one every D, and /metrics:\nthe baseline `supportd bench streams` measures supportd against.")
	addr := c.String("addr", "127.0.0.1:18303", "listen address")
	tokens := c.Int("tokens", 300, "token events per stream")
	delay := c.Duration("token-delay", 100*time.Millisecond, "pause between token events")
	if err := c.parseArgs(args); err != nil {
		return err
	}
	if c.NArg() > 0 || *tokens < 1 || *delay < 0 {
		return c.misuse("takes no arguments, a positive --tokens and a --token-delay not negative")
	}
	return serveUntil(ctx, *addr, bench.BareSSE(*tokens, *delay, metrics.New().Handler()))
}

// serveUntil serves h on addr until ctx ends, cancelling the requests in
// flight then.
func serveUntil(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return base }}
	go func() {
		<-ctx.Done()
		cancel()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
