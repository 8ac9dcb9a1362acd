package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"supportd/internal/assistant"
	"supportd/internal/cache"
	"supportd/internal/config"
	"supportd/internal/embed"
	"supportd/internal/eval"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/jobs"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/metrics"
	"supportd/internal/notify"
	"supportd/internal/prompt"
	"supportd/internal/retrieve"
	"supportd/internal/store"
	"supportd/internal/tracing"
)

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// app is the object graph shared by the subcommands.
type app struct {
	cfg         config.Config
	log         *slog.Logger
	store       *store.Store
	redis       *redis.Client
	embedder    embed.Embedder
	chunker     *ingest.Chunker
	retriever   *retrieve.Retriever
	gateway     *llm.Gateway
	prompts     *prompt.Set
	judge       *eval.Judge
	cache       *cache.Cache
	metrics     *metrics.Metrics
	reviewHook  *notify.Webhook
	driftHook   *notify.Webhook
	tracer      trace.TracerProvider
	stopTracing func(context.Context) error
	assistant   *assistant.Assistant
	syncer      *ingest.Syncer
	clientLimit limit.Limiter
}

// build connects to the database and wires every component.
func build(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: int32(cfg.DBMaxConns), EfSearch: cfg.HNSWEfSearch})
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	emb, err := embed.New(embed.Params{
		Provider: cfg.Embedder, Model: cfg.EmbedModel, Dimension: cfg.EmbedDim, BaseURL: cfg.EmbedBaseURL,
		APIKey: cfg.EmbedAPIKey, BatchSize: cfg.EmbedBatchSize, Timeout: cfg.EmbedTimeout,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	chunker, err := ingest.NewChunker(ingest.ChunkerParams{Size: cfg.ChunkTokens, Overlap: cfg.ChunkOverlap})
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: st, embedder: emb, chunker: chunker, metrics: metrics.New(),
		reviewHook: notify.New(notify.Params{URL: cfg.ReviewWebhookURL, Log: log}),
		driftHook:  notify.New(notify.Params{URL: cfg.DriftWebhookURL, Log: log})}
	a.tracer, a.stopTracing, err = tracing.Setup(ctx, tracing.Params{Endpoint: cfg.OTLPEndpoint, Service: "supportd",
		SampleRatio: cfg.TraceSample, OnDropped: a.metrics.SpansDropped})
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := a.wireAnswers(ctx); err != nil {
		a.close()
		return nil, err
	}
	a.syncer = ingest.NewSyncer(st, emb, chunker, ingest.SyncerParams{
		Observe: func(r ingest.Result) {
			a.metrics.Ingested(string(r.Outcome), r.Chunks)
			if len(r.Flags) > 0 {
				a.metrics.Guard("document_flagged")
			}
		}})
	return a, nil
}

// wireAnswers builds retrieval, the optional model chain with its cache
// and limits, and the assistant on top.
func (a *app) wireAnswers(ctx context.Context) error {
	cfg := a.cfg
	a.retriever = retrieve.New(a.store, a.embedder, retrieve.Params{Candidates: cfg.Candidates, Timeout: cfg.RetrieveTimeout,
		Observe: a.metrics.Stage, Fusion: retrieve.Fusion{K: cfg.RRFK, TextWeight: cfg.TextWeight, VectorWeight: cfg.VectorWeight}})
	var err error
	if a.redis, err = openRedis(ctx, cfg, a.log); err != nil {
		return err
	}
	a.clientLimit = limit.New(limit.Rate{Limit: cfg.ClientRPM, Period: time.Minute}, a.redis, "supportd:rl:client:")
	prices, err := llm.ParsePrices(cfg.LLMPrices)
	if err != nil {
		return fmt.Errorf("SUPPORTD_LLM_PRICES: %w", err)
	}
	deps := assistant.Deps{KBs: a.store, Retriever: a.retriever, Turns: a.store, Log: a.log,
		Observer: a.metrics, Tracer: a.tracer.Tracer("supportd"), OnReview: a.reviewed().Queued,
		Extractor: extract.New(extract.Params{MaxSentences: cfg.ExtractSentences, MinConfidence: cfg.MinConfidence})}
	if a.gateway, err = newGateway(cfg, a.redis, a.chunker.CountTokens, a.log, a.metrics); err != nil {
		return err
	}
	if a.gateway != nil {
		deps.Generator = a.gateway
		if a.prompts, err = loadPrompts(cfg); err != nil {
			return err
		}
		deps.Prompts = a.prompts
		if a.cache, err = newCache(cfg, a.redis); err != nil {
			return err
		}
		if a.cache != nil {
			deps.Cache = a.cache
		}
	}
	if a.judge, err = newJudge(cfg, a.chunker.CountTokens, a.log); err != nil {
		return err
	}
	a.assistant = assistant.New(deps, assistant.Params{
		TopK: cfg.TopK, MaxQuestionChars: cfg.MaxQuestionChars, MinConfidence: cfg.MinConfidence,
		HistoryTurns: cfg.HistoryTurns, MaxTokens: cfg.LLMMaxTokens, Temperature: cfg.LLMTemperature,
		DailyTokenBudget: int64(cfg.DailyTokenBudget), Product: cfg.ProductName, Canary: newCanary(), Prices: prices,
		ReviewConfidence: cfg.ReviewConfidence, InjectionAction: cfg.InjectionAction,
		InjectionThreshold: cfg.InjectionThreshold, RedactStored: cfg.RedactStored,
	})
	return nil
}

func (a *app) close() {
	if a.stopTracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.stopTracing(ctx)
		cancel()
	}
	if a.cache != nil {
		a.cache.Close()
	}
	if a.redis != nil {
		_ = a.redis.Close()
	}
	a.store.Close()
}

// openApp builds the app for a command that needs the current schema: it
// logs to stderr and refuses a database that is not migrated.
func openApp(ctx context.Context, env *environment, cfg config.Config) (*app, error) {
	a, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return nil, err
	}
	if err := a.checkSchema(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// checkSchema refuses to run against a database whose schema is not the
// one this binary was built for.
func (a *app) checkSchema(ctx context.Context) error {
	current, target, err := a.store.MigrationState(ctx)
	if err != nil {
		return err
	}
	if current != target {
		return fmt.Errorf("database schema is at version %d; this binary needs %d: run 'supportd migrate'", current, target)
	}
	pending, err := jobs.Pending(ctx, a.store.Pool())
	if err != nil {
		return fmt.Errorf("check job queue migrations: %w", err)
	}
	if pending {
		return fmt.Errorf("the job queue's tables are not migrated: run 'supportd migrate'")
	}
	return nil
}

// reviewObserver counts feedback and review items and tells the helpdesk
// webhook about new items.
type reviewObserver struct{ a *app }

func (a *app) reviewed() reviewObserver { return reviewObserver{a} }

func (r reviewObserver) Feedback(kb, rating string) { r.a.metrics.Feedback(kb, rating) }

func (r reviewObserver) Queued(_ context.Context, turnID int64, reason string) {
	r.a.metrics.ReviewItem(reason)
	r.a.reviewHook.Send("review.queued", map[string]any{"turn_id": turnID, "reason": reason})
}
