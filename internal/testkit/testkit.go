package testkit

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"supportd/internal/assistant"
	"supportd/internal/cache"
	"supportd/internal/dbtest"
	"supportd/internal/embed"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/llm"
	"supportd/internal/prompt"
	"supportd/internal/redistest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
	"supportd/prompts"
)

// Tenant is the tenant every kit acts for.
const Tenant = "default"

// Kit is a wired set of real components over a private database.
type Kit struct {
	Store     *store.Store
	Embedder  embed.Embedder
	Chunker   *ingest.Chunker
	Retriever *retrieve.Retriever
	Extractor *extract.Answerer
	Assistant *assistant.Assistant
	Syncer    *ingest.Syncer
	Log       *slog.Logger
	// Set when Options asked for them.
	Gateway *llm.Gateway
	Prompts *prompt.Set
	Cache   *cache.Cache
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
	// Observer, Tracer and OnReview become the assistant's Deps of the
	// same names (metrics, spans, the review hook); nil keeps its no-ops.
	Observer assistant.Observer
	Tracer   trace.Tracer
	OnReview func(ctx context.Context, turnID int64, reason string)
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
	emb, err := embed.New(embed.Params{})
	if err != nil {
		t.Fatalf("testkit: embedder: %v", err)
	}
	chunker, err := ingest.NewChunker(ingest.ChunkerParams{})
	if err != nil {
		t.Fatalf("testkit: chunker: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ret := retrieve.New(st, emb, retrieve.Params{})
	ext := extract.New(extract.Params{})
	k := &Kit{Store: st, Embedder: emb, Chunker: chunker, Retriever: ret, Extractor: ext, Log: log,
		Syncer: ingest.NewSyncer(st, emb, chunker, ingest.SyncerParams{})}
	deps := assistant.Deps{KBs: st, Retriever: ret, Extractor: ext, Turns: st, Log: log,
		Observer: o.Observer, Tracer: o.Tracer, OnReview: o.OnReview}
	if len(o.Models) > 0 {
		k.Gateway = gateway(t, o, chunker.CountTokens)
		set, err := prompt.Load(prompts.FS)
		if err != nil {
			t.Fatalf("testkit: prompts: %v", err)
		}
		deps.Generator, deps.Prompts, k.Prompts = k.Gateway, set, set
	}
	if o.Cache {
		prefix := o.CachePrefix
		if prefix == "" {
			prefix = UniquePrefix(t)
		}
		c, err := cache.New(cache.Params{Redis: o.Redis, Prefix: prefix})
		if err != nil {
			t.Fatalf("testkit: cache: %v", err)
		}
		t.Cleanup(c.Close)
		deps.Cache, k.Cache = c, c
	}
	k.Assistant = assistant.New(deps, o.Assistant)
	return k
}

func gateway(t testing.TB, o Options, count func(string) int) *llm.Gateway {
	t.Helper()
	var chain []llm.Member
	for i, url := range o.Models {
		p, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "model-" + string(rune('a'+i)),
			BaseURL: url, APIKey: "test", CountTokens: count})
		if err != nil {
			t.Fatalf("testkit: provider: %v", err)
		}
		chain = append(chain, llm.Member{Provider: p})
	}
	g, err := llm.NewGateway(chain, o.Gateway)
	if err != nil {
		t.Fatalf("testkit: gateway: %v", err)
	}
	return g
}

// KB creates (or returns) a knowledge base for the kit's embedder.
func (k *Kit) KB(t testing.TB, name string) store.KB {
	t.Helper()
	kb, err := k.Store.EnsureKB(context.Background(), store.KBParams{
		Tenant: Tenant, Name: name, Model: k.Embedder.Model(), Dim: k.Embedder.Dimension()})
	if err != nil {
		t.Fatalf("testkit: knowledge base: %v", err)
	}
	return kb
}

// Ingest syncs the files under paths into the named knowledge base and
// returns it with the report.
func (k *Kit) Ingest(t testing.TB, name string, prune bool, paths ...string) (store.KB, ingest.Report) {
	t.Helper()
	files, err := ingest.Discover(paths...)
	if err != nil {
		t.Fatalf("testkit: discover: %v", err)
	}
	kb := k.KB(t, name)
	rep, err := k.Syncer.Sync(context.Background(), ingest.SyncParams{KB: kb, Files: files, Prune: prune})
	if err != nil {
		t.Fatalf("testkit: sync: %v", err)
	}
	kb, err = k.Store.KB(context.Background(), Tenant, name)
	if err != nil {
		t.Fatalf("testkit: reload knowledge base: %v", err)
	}
	return kb, rep
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
