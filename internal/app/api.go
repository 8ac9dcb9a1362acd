package app

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"supportd/internal/auth"
	"supportd/internal/guard"
	"supportd/internal/httpapi"
	"supportd/internal/limit"
	"supportd/internal/lookup"
	"supportd/internal/store"
)

// API returns the HTTP API's services as the configuration asks: keys
// required or development mode, limits, redaction of feedback, /metrics on
// the API's port unless SUPPORTD_METRICS_ADDR moves it.
func (a *App) API() httpapi.Deps {
	cfg := a.Config
	d := httpapi.Deps{
		Log:    a.Log,
		Access: httpapi.Access{Origins: a.Store, Tenant: cfg.Tenant, TrustedProxies: cfg.TrustedProxies},
		Chat: httpapi.Chat{Answerer: a.Assistant, ClientLimit: Limiter{a.ClientLimit}, Keepalive: cfg.SSEKeepalive,
			WidgetLimit: Limiter{a.limiter(limit.Rate{Limit: cfg.WidgetRPM, Period: time.Minute}, "widget")}},
		Documents: httpapi.Documents{Library: a.Library, MaxUploadBytes: int64(cfg.MaxUploadMB) << 20},
		Eval:      EvalRuns{a.EvalRunner()},
		EvalJobs:  EvalJobs{Store: a.Store, Golden: cfg.EvalGolden},
		Review:    Reviews{Reviews: a.Store, Observer: a.ReviewObserver()},
		Drift:     a.Store,
		Digest:    a.Digests(),
		Privacy:   Privacy{Store: a.Store},
		Handoffs:  Handoffs{Store: a.Store, Metrics: a.Metrics, Hook: a.ReviewHook, ConsoleURL: cfg.PublicURL + "/console"},
		Demo: &httpapi.Demo{KB: cfg.DemoKB, Key: cfg.DemoKey, Product: cmp.Or(cfg.ProductName, "Quillstack"),
			PublicURL: cfg.PublicURL},
		Admin:       httpapi.Admin{Keys: auth.New(a.Store, nil), Audit: a.Store, Conversations: a.Store},
		OpenAI:      httpapi.OpenAI{Aliases: cfg.ModelAliases},
		Ops:         httpapi.Ops{Health: a.Store, Metrics: a.Metrics, TracerProvider: a.Tracer},
		Idempotency: httpapi.Idempotency{Keys: a.Store},
	}
	sessions := auth.New(a.Store, nil)
	d.Console = httpapi.Console{Sessions: sessions, Conversations: a.Store, Keys: sessions,
		Golden: &GoldenFile{Path: cfg.EvalGolden, KB: cfg.EvalKB}, EvalQueue: a}
	if cfg.RedactStored {
		redact := guard.NewRedactor(guard.DefaultRedactOptions()).Redact
		d.Review = Reviews{Reviews: a.Store, Observer: a.ReviewObserver(), Redact: redact}
		d.Handoffs = Handoffs{Store: a.Store, Redact: redact, Metrics: a.Metrics, Hook: a.ReviewHook, ConsoleURL: cfg.PublicURL + "/console"}
	}
	if a.Cache != nil {
		d.Privacy = Privacy{Store: a.Store, Cache: a.Cache}
	}
	if a.Gateway != nil {
		d.Ops.Models = a.Gateway
	}
	if cfg.MetricsAddr == "" {
		d.Ops.MetricsHandler = a.Metrics.Handler()
	}
	if cfg.Auth == "required" {
		d.Access.Auth = a.Authenticator()
	}
	return d
}

// Authenticator is the key service that authenticates requests: it reads
// keys through the lookups, so a request pays no round trip for its key.
func (a *App) Authenticator() *auth.Service {
	return auth.New(cachedKeys{a.Store, a.Lookups}, nil)
}

// cachedKeys is the store with API keys read through the lookups, so that
// authenticating a request costs no round trip.
type cachedKeys struct {
	*store.Store
	lookups *lookup.Lookups
}

// APIKeyByID reads the key from the lookups.
func (k cachedKeys) APIKeyByID(ctx context.Context, id string) (store.APIKey, error) {
	return k.lookups.APIKeyByID(ctx, id)
}

// ServeMetrics exposes /metrics on SUPPORTD_METRICS_ADDR (when set) until
// ctx ends, so Prometheus can scrape a port the public never reaches.
func (a *App) ServeMetrics(ctx context.Context) error {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return a.serveAside(ctx, "metrics", a.Config.MetricsAddr, mux)
}

// ServeDebug exposes Go's profiler (net/http/pprof) on SUPPORTD_DEBUG_ADDR
// (when set) until ctx ends. It is never mounted on the API's port: a
// profile shows code paths and memory, so only an operator's network
// should reach it.
func (a *App) ServeDebug(ctx context.Context) error {
	if a.Config.DebugAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return a.serveAside(ctx, "profiler", a.Config.DebugAddr, mux)
}

// serveAside serves h on its own listener at addr until ctx ends.
func (a *App) serveAside(ctx context.Context, what, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for %s on %s: %w", what, addr, err)
	}
	// No WriteTimeout: a CPU profile or trace streams for as long as asked.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	a.Log.Info("serving "+what, "addr", ln.Addr().String())
	return nil
}
