package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"supportd/internal/assistant"
	"supportd/internal/cache"
	"supportd/internal/config"
	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/eval"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/jobs"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/lookup"
	"supportd/internal/metrics"
	"supportd/internal/notify"
	"supportd/internal/prompt"
	"supportd/internal/retrieve"
	"supportd/internal/store"
	"supportd/internal/tracing"
)

// App is supportd's object graph, wired from one configuration.
type App struct {
	Config config.Config
	Log    *slog.Logger
	Store  *store.Store
	// Lookups holds in-process copies of API keys and knowledge bases,
	// kept fresh by the store's change notifications.
	Lookups   *lookup.Lookups
	Redis     *redis.Client // nil without REDIS_URL
	Embedder  embed.Embedder
	Chunker   *ingest.Chunker
	Retriever *retrieve.Retriever
	Extractor *extract.Answerer
	// Gateway is the model chain; nil answers extractively, and then
	// Prompts and Cache are nil too.
	Gateway   *llm.Gateway
	Prompts   *prompt.Set
	Cache     *cache.Cache
	Judge     *eval.Judge // nil without a judge model
	Assistant *assistant.Assistant
	Syncer    *ingest.Syncer
	Library   *ingest.Library
	// ClientLimit rate-limits chat per client.
	ClientLimit limit.Limiter
	Metrics     *metrics.Metrics
	Tracer      trace.TracerProvider
	// ReviewHook, DriftHook and DigestHook deliver webhooks once their
	// Run is started.
	ReviewHook *notify.Webhook
	DriftHook  *notify.Webhook
	DigestHook *notify.Webhook
	// Now is the clock of the drift windows.
	Now func() time.Time

	closers []func()
}

// Params is what the wiring takes besides the configuration. Tests set the
// optional fields; the binary sets only Config and Log.
type Params struct {
	Config config.Config
	Log    *slog.Logger
	// Store, when set, is used instead of connecting to
	// Config.DatabaseURL, and stays open on Close.
	Store *store.Store
	// Redis, when set, is used instead of connecting to Config.RedisURL,
	// and stays open on Close.
	Redis *redis.Client
	// Metrics and TracerProvider, when set, replace the ones built from
	// the configuration.
	Metrics        *metrics.Metrics
	TracerProvider trace.TracerProvider
	// OnReview, when set, replaces the review hook (metrics and webhook)
	// the assistant calls for new review items.
	OnReview func(ctx context.Context, q core.ReviewQueued)
	// Tune adjusts the settings derived from Config before anything is
	// built.
	Tune func(*Settings)
	// Now, when set, replaces time.Now as the clock of the drift windows.
	Now func() time.Time
}

// Build connects to the configured database and wires every component.
func Build(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	return New(ctx, Params{Config: cfg, Log: log})
}

// New wires every component from p.
func New(ctx context.Context, p Params) (a *App, err error) {
	s, err := SettingsFrom(p.Config)
	if err != nil {
		return nil, err
	}
	if p.Tune != nil {
		p.Tune(&s)
	}
	a = &App{Config: p.Config, Log: p.Log, Store: p.Store, Redis: p.Redis, Metrics: p.Metrics, Tracer: p.TracerProvider,
		Now: p.Now}
	if a.Now == nil {
		a.Now = time.Now
	}
	defer func() {
		if err != nil {
			a.Close()
			a = nil
		}
	}()
	if err := a.connect(ctx, s); err != nil {
		return a, err
	}
	if err := a.listen(); err != nil {
		return a, err
	}
	if err := a.wireIngest(s); err != nil {
		return a, err
	}
	return a, a.wireAnswers(s, p.OnReview)
}

// connect opens the database, Redis and tracing unless the caller gave them.
func (a *App) connect(ctx context.Context, s Settings) error {
	cfg := a.Config
	if a.Store == nil {
		st, err := store.Open(ctx, s.Store)
		if err != nil {
			return fmt.Errorf("connect to the database: %w", err)
		}
		a.Store = st
		a.closers = append(a.closers, st.Close)
		a.warnRowSecurity(ctx)
	}
	if a.Redis == nil && cfg.RedisURL != "" {
		rdb, err := openRedis(ctx, cfg.RedisURL, a.Log)
		if err != nil {
			return err
		}
		a.Redis = rdb
		a.closers = append(a.closers, func() { _ = rdb.Close() })
	}
	if a.Metrics == nil {
		a.Metrics = metrics.New()
	}
	a.Metrics.DBReads(a.Store.ReadCounts)
	a.ReviewHook = notify.New(notify.Params{URL: cfg.ReviewWebhookURL, Log: a.Log})
	a.DriftHook = notify.New(notify.Params{URL: cfg.DriftWebhookURL, Log: a.Log})
	a.DigestHook = notify.New(notify.Params{URL: cfg.DigestWebhookURL, Log: a.Log})
	if a.Tracer != nil {
		return nil
	}
	tp, stop, err := tracing.Setup(ctx, tracing.Params{Endpoint: cfg.OTLPEndpoint, Service: "supportd",
		SampleRatio: cfg.TraceSample, OnDropped: a.Metrics.SpansDropped})
	if err != nil {
		return err
	}
	a.Tracer = tp
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stop(ctx)
	})
	return nil
}

// listen starts the lookups' listener, which runs until Close (before the
// store closes, since closers run last first).
func (a *App) listen() error {
	l, err := lookup.New(a.Store, lookup.Params{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = l.Listen(ctx, a.Store, store.ListenParams{})
	}()
	a.Lookups = l
	a.closers = append(a.closers, func() { cancel(); <-done; l.Close() })
	return nil
}

// wireIngest builds the embedder, the chunker and what writes through them.
func (a *App) wireIngest(s Settings) error {
	var err error
	if a.Embedder, err = embed.New(s.Embed); err != nil {
		return err
	}
	if a.Chunker, err = ingest.NewChunker(s.Chunker); err != nil {
		return err
	}
	s.Syncer.Observe = func(r ingest.Result) {
		a.Metrics.Ingested(string(r.Outcome), r.Chunks)
		if len(r.Flags) > 0 {
			a.Metrics.Guard("document_flagged")
		}
	}
	a.Syncer = ingest.NewSyncer(a.Store, a.Embedder, a.Chunker, s.Syncer)
	a.Library = ingest.NewLibrary(a.Store, a.Syncer, a.Embedder, s.Retrieve.Defaults(a.Embedder.Model()))
	return nil
}

// wireAnswers builds retrieval, the optional model chain with its cache
// and limits, the judge, and the assistant on top.
func (a *App) wireAnswers(s Settings, onReview func(context.Context, core.ReviewQueued)) error {
	s.Retrieve.Observe = a.Metrics.Stage
	a.Retriever = retrieve.New(a.Store, a.Embedder, s.Retrieve)
	a.Extractor = extract.New(s.Extract)
	a.ClientLimit = a.limiter(s.ClientRate, "client")
	// Closed before the store (closers run last first): queued turns are
	// written before the pool goes.
	writer := store.NewTurnWriter(a.Store, store.TurnWriterParams{})
	a.closers = append(a.closers, writer.Close)
	deps := assistant.Deps{KBs: a.Lookups, Retriever: a.Retriever, Extractor: a.Extractor, Turns: turnLog{a.Store, writer}, Log: a.Log,
		Observer: a.Metrics, Tracer: a.Tracer.Tracer("supportd"), OnReview: a.ReviewObserver().Queued}
	if onReview != nil {
		deps.OnReview = onReview
	}
	var err error
	if a.Gateway, err = a.newGateway(s); err != nil {
		return err
	}
	if a.Gateway != nil {
		deps.Generator = a.Gateway
		if a.Prompts, err = loadPrompts(a.Config.PromptsDir); err != nil {
			return err
		}
		deps.Prompts = a.Prompts
		if s.Cache != nil {
			s.Cache.Redis = a.Redis
			if a.Redis != nil {
				// A miss is followed by a model call of seconds: waiting
				// longer than the cache's default for a busy Redis (or host)
				// costs little, and a replica that gives up misses what
				// another cached.
				s.Cache.RedisTimeout = cmp.Or(s.Cache.RedisTimeout, cacheRedisTimeout)
				s.Cache.OnRedisChange = a.redisFallback("cache")
			}
			if a.Cache, err = cache.New(*s.Cache); err != nil {
				return err
			}
			a.closers = append(a.closers, a.Cache.Close)
			deps.Cache = a.Cache
		}
	}
	if a.Judge, err = a.newJudge(s); err != nil {
		return err
	}
	a.Assistant = assistant.New(deps, s.Assistant)
	return nil
}

// cacheRedisTimeout bounds each call of the answer cache to Redis.
const cacheRedisTimeout = 250 * time.Millisecond

// turnLog reads turns from the store and records them through the
// group-committing writer.
type turnLog struct {
	*store.Store
	writer *store.TurnWriter
}

// SaveTurn returns once the turn's batch has committed.
func (t turnLog) SaveTurn(ctx context.Context, w store.TurnWrite) (int64, error) {
	return t.writer.SaveTurn(ctx, w)
}

// Close releases what New opened (not what the caller handed in), last
// opened first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// CheckSchema refuses a database whose schema is not the one this binary
// was built for.
func (a *App) CheckSchema(ctx context.Context) error {
	current, target, err := a.Store.MigrationState(ctx)
	if err != nil {
		return err
	}
	if current != target {
		return fmt.Errorf("database schema is at version %d; this binary needs %d: run 'supportd migrate'", current, target)
	}
	pending, err := jobs.Pending(ctx, a.Store.Pool())
	if err != nil {
		return fmt.Errorf("check job queue migrations: %w", err)
	}
	if pending {
		return fmt.Errorf("the job queue's tables are not migrated: run 'supportd migrate'")
	}
	return nil
}

// WarnMismatchedKBs logs knowledge bases that the configured embedder
// cannot serve; requests to them fail with embedding_mismatch.
func (a *App) WarnMismatchedKBs(ctx context.Context) {
	kbs, err := a.Store.KBs(ctx, a.Config.Tenant)
	if err != nil {
		a.Log.Warn("cannot list knowledge bases", "err", err)
		return
	}
	for _, kb := range kbs {
		if err := store.CheckEmbedder(kb, a.Embedder.Model(), a.Embedder.Dimension()); err != nil {
			a.Log.Error("knowledge base unusable with this embedder", "kb", kb.Name, "err", err)
		}
	}
}

// ModelNames names the answering models, primary first ("extractive"
// without a model chain).
func (a *App) ModelNames() []string {
	if a.Gateway == nil {
		return []string{"extractive"}
	}
	return a.Gateway.Providers()
}

// reviewObserver counts feedback and review items and tells the helpdesk
// webhook about new items.
type reviewObserver struct {
	m         *metrics.Metrics
	hook      *notify.Webhook
	publicURL string
}

// ReviewObserver is the observer of feedback and new review items.
func (a *App) ReviewObserver() ReviewObserver {
	return NewReviewObserver(a.Metrics, a.ReviewHook, a.Config.PublicURL)
}

// NewReviewObserver counts feedback and review items on m and sends each
// new item to hook, with a link to its conversation in the console at
// publicURL.
func NewReviewObserver(m *metrics.Metrics, hook *notify.Webhook, publicURL string) ReviewObserver {
	return reviewObserver{m: m, hook: hook, publicURL: publicURL}
}

func (r reviewObserver) Feedback(kb, rating string) { r.m.Feedback(kb, rating) }

// Queued counts the item and sends the webhook: the turn, conversation,
// end user and reason, and the console page of the conversation.
func (r reviewObserver) Queued(_ context.Context, q core.ReviewQueued) {
	r.m.ReviewItem(q.Reason)
	r.hook.Send("review.queued", map[string]any{"turn_id": q.TurnID, "conversation_id": q.ConversationID,
		"user_id": q.EndUserID, "reason": q.Reason, "console_url": r.publicURL + "/console/conversations/" + q.ConversationID})
}

// warnRowSecurity says so when the database role bypasses row-level
// security (a superuser, BYPASSRLS or the tables' owner): the tenant
// filters in the store's queries are then the only wall.
func (a *App) warnRowSecurity(ctx context.Context) {
	on, role, err := a.Store.RowSecurity(ctx)
	switch {
	case err != nil:
		a.Log.Warn("could not check row-level security", "err", err)
	case !on:
		a.Log.Warn("row-level security does not bind this database role: set DATABASE_URL to the application role and SUPPORTD_DATABASE_OWNER_URL to the owner", "role", role)
	}
}
