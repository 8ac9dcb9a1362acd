package testkit

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"supportd/internal/app"
	"supportd/internal/assistant"
	"supportd/internal/cache"
	"supportd/internal/config"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/embed"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/llm"
	"supportd/internal/metrics"
	"supportd/internal/redistest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// Tenant is the tenant every kit acts for.
const Tenant = "default"

// Kit is the wired application over a private database.
type Kit struct {
	*app.App
}

// Options add a model chain (and what comes with it) to a kit.
type Options struct {
	// Models are base URLs of OpenAI-compatible servers (the fake LLM),
	// primary first; none means extractive answers.
	Models  []string
	Gateway llm.GatewayParams
	// Cache adds an in-process answer cache, shared through Redis when set.
	Cache bool
	Redis *redis.Client
	// CachePrefix names the Redis keys; kits that share it share entries.
	// Default: unique to the kit, removed when the test ends.
	CachePrefix string
	// Assistant overrides assistant parameters (Product, budgets, ...).
	Assistant assistant.Params
	// Retrieve overrides retrieval parameters (its deadline, ...).
	Retrieve retrieve.Params
	// Metrics, TracerProvider and OnReview replace the kit's own metrics,
	// its no-op tracing and its review hook.
	Metrics        *metrics.Metrics
	TracerProvider trace.TracerProvider
	OnReview       func(ctx context.Context, q core.ReviewQueued)
}

// New wires a kit over a fresh database that is dropped when t ends.
func New(t testing.TB) *Kit {
	t.Helper()
	return Wire(t, dbtest.New(t))
}

// NewWith wires a kit with a model chain over a fresh database.
func NewWith(t testing.TB, o Options) *Kit {
	t.Helper()
	return WireWith(t, dbtest.New(t), o)
}

// Wire builds a kit over an existing store.
func Wire(t testing.TB, st *store.Store) *Kit {
	t.Helper()
	return WireWith(t, st, Options{})
}

// WireWith builds a kit with options over an existing store.
func WireWith(t testing.TB, st *store.Store, o Options) *Kit {
	t.Helper()
	a, err := wire(st, o, t)
	if err != nil {
		t.Fatalf("testkit: wire: %v", err)
	}
	t.Cleanup(a.Close)
	return &Kit{App: a}
}

// wire builds the application over st; t is only needed for a cache's
// default Redis prefix.
func wire(st *store.Store, o Options, t testing.TB) (*app.App, error) {
	cfg, err := kitConfig()
	if err != nil {
		return nil, err
	}
	return app.New(context.Background(), app.Params{Config: cfg, Store: st, Redis: o.Redis,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: o.Metrics, TracerProvider: o.TracerProvider,
		OnReview: o.OnReview, Tune: o.tune(t)})
}

// Config is the configuration kits are wired from: the defaults, with
// authentication, limits and stored-text redaction off.
func Config(t testing.TB) config.Config {
	t.Helper()
	cfg, err := kitConfig()
	if err != nil {
		t.Fatalf("testkit: configuration: %v", err)
	}
	return cfg
}

func kitConfig() (config.Config, error) {
	env := map[string]string{"SUPPORTD_AUTH": "off", "SUPPORTD_CLIENT_RPM": "0", "SUPPORTD_WIDGET_RPM": "0",
		"SUPPORTD_REDACT_STORED": "false", "SUPPORTD_MAX_UPLOAD_MB": "1"}
	return config.Load(flag.NewFlagSet("testkit", flag.ContinueOnError), nil, func(k string) string { return env[k] }, 0)
}

// tune gives the components their package defaults, then what o asks.
func (o Options) tune(t testing.TB) func(*app.Settings) {
	return func(s *app.Settings) {
		s.Embed, s.Chunker, s.Syncer = embed.Params{}, ingest.ChunkerParams{}, ingest.SyncerParams{}
		s.Retrieve, s.Extract, s.Assistant, s.Gateway = o.Retrieve, extract.Params{}, o.Assistant, o.Gateway
		s.Models, s.Cache = nil, nil
		for i, url := range o.Models {
			s.Models = append(s.Models, llm.ProviderParams{Kind: llm.OpenAI, Model: "model-" + string(rune('a'+i)),
				BaseURL: url, APIKey: "test"})
		}
		if o.Cache {
			s.Cache = &cache.Params{Prefix: o.CachePrefix}
			if s.Cache.Prefix == "" {
				s.Cache.Prefix = UniquePrefix(t)
			}
		}
	}
}

// KB creates (or returns) a knowledge base for the kit's embedder.
func (k *Kit) KB(t testing.TB, name string) store.KB {
	t.Helper()
	kb, err := ensureKB(k.App, name)
	if err != nil {
		t.Fatalf("testkit: knowledge base: %v", err)
	}
	return kb
}

// ensureKB creates (or returns) a's named knowledge base for its embedder.
func ensureKB(a *app.App, name string) (store.KB, error) {
	return a.Store.EnsureKB(context.Background(), a.Library.KBParams(Tenant, name))
}

// Ingest syncs the files under paths into the named knowledge base and
// returns it with the report.
func (k *Kit) Ingest(t testing.TB, name string, prune bool, paths ...string) (store.KB, ingest.Report) {
	t.Helper()
	kb, rep, err := ingestInto(k.App, name, prune, paths...)
	if err != nil {
		t.Fatalf("testkit: ingest: %v", err)
	}
	return kb, rep
}

// ingestInto syncs the files under paths into a's named knowledge base.
func ingestInto(a *app.App, name string, prune bool, paths ...string) (store.KB, ingest.Report, error) {
	ctx := context.Background()
	files, err := ingest.Discover(paths...)
	if err != nil {
		return store.KB{}, ingest.Report{}, fmt.Errorf("discover: %w", err)
	}
	kb, err := ensureKB(a, name)
	if err != nil {
		return store.KB{}, ingest.Report{}, fmt.Errorf("knowledge base: %w", err)
	}
	rep, err := a.Syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: files, Prune: prune})
	if err != nil {
		return store.KB{}, rep, fmt.Errorf("sync: %w", err)
	}
	kb, err = a.Store.KB(ctx, Tenant, name)
	return kb, rep, err
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// DemoCorpus is the demo knowledge base's folder.
func DemoCorpus() string { return filepath.Join(RepoRoot(), "goldenset", "corpus") }

// Redis connects to REDIS_URL (default the local Redis that scripts/redis.sh
// provisions) and fails the test when it does not answer.
func Redis(t testing.TB) *redis.Client { return redistest.Client(t) }

// UniquePrefix returns a Redis key prefix no other test uses; its keys
// (cache entries and limiter buckets) are deleted when t ends.
func UniquePrefix(t testing.TB) string { return redistest.Prefix(t, Redis(t), "kit") }
