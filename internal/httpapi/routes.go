package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

// Answerer answers one chat turn.
type Answerer interface {
	Answer(ctx context.Context, t assistant.Turn) (core.Answer, error)
}

// Library is the knowledge-base side of the store the API reads and writes.
type Library interface {
	KB(ctx context.Context, tenant, name string) (store.KB, error)
	KBs(ctx context.Context, tenant string) ([]store.KB, error)
	EnsureKB(ctx context.Context, p store.KBParams) (store.KB, error)
	Documents(ctx context.Context, kb store.KB) ([]store.Document, error)
	DeleteDocuments(ctx context.Context, kb store.KB, uris []string) (int, error)
}

// Uploader stores one loaded document in a knowledge base.
type Uploader interface {
	Upsert(ctx context.Context, kb store.KB, doc ingest.Document) (ingest.Result, error)
}

// Health reports whether the database answers and its schema is current.
type Health interface {
	Ping(ctx context.Context) error
	MigrationState(ctx context.Context) (current, target int64, err error)
}

// Deps are the services behind the API.
type Deps struct {
	Assistant Answerer
	Library   Library
	Uploader  Uploader
	Health    Health
	Log       *slog.Logger
	// Tenant is who unauthenticated requests act for, until API keys map
	// requests to tenants.
	Tenant string
	// Embedder identifies the configured embedder, for knowledge bases
	// created through the API.
	EmbedModel string
	EmbedDim   int
	// MaxUploadBytes bounds document uploads; other bodies are bounded at
	// 64 KiB.
	MaxUploadBytes int64
	// ClientLimit rate-limits chat per client, WidgetLimit per visitor of a
	// widget key; nil is unlimited.
	ClientLimit RateLimiter
	WidgetLimit RateLimiter
	// EvalRuns serves stored evaluation runs; nil leaves the routes out.
	EvalRuns EvalRuns
	// Auth verifies API keys; nil is development mode, where every
	// request acts for Tenant with every scope.
	Auth    Authenticator
	Origins OriginChecker
	// Privacy and Cache serve deletion; nil Privacy leaves the routes out.
	Privacy Privacy
	Cache   CacheDeleter
	// Metrics records HTTP metrics, MetricsHandler serves /metrics (nil
	// leaves it out) and TracerProvider traces requests; all optional.
	Metrics        HTTPObserver
	MetricsHandler http.Handler
	TracerProvider trace.TracerProvider
	// Reviews serves feedback and the review queue; nil leaves them out.
	Reviews        Reviews
	ReviewObserver ReviewObserver
	// Drift serves drift reports; nil leaves the route out.
	Drift DriftReports
	// Audit records document changes; nil skips it.
	Audit Auditor
	// Redact, when set, scrubs personal data from free text stored for
	// analytics (feedback comments).
	Redact func(string) string
}

// Auditor writes the audit log (store.Store).
type Auditor interface {
	Audit(ctx context.Context, e store.AuditEntry) error
}

// HTTPObserver records requests and rate-limit refusals (metrics.Metrics).
type HTTPObserver interface {
	HTTP(route, method string, status int, d time.Duration)
	RateLimited(limiter string)
}

// New builds the Echo instance with every route and middleware.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	// The peer address is the client; X-Forwarded-For is not trusted.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(middlewares(d)...)

	e.GET("/healthz", handleHealthz())
	if d.MetricsHandler != nil {
		// On the public port, metrics name tenants' knowledge bases: admin
		// only (Prometheus sends the key as a bearer token). A private
		// port (SUPPORTD_METRICS_ADDR) needs no key.
		e.GET("/metrics", echo.WrapHandler(d.MetricsHandler), requireScope(d, "admin"))
	}
	e.GET("/readyz", handleReadyz(d.Health))

	chat, ingest, eval, admin := requireScope(d, "chat"), requireScope(d, "ingest"), requireScope(d, "eval"), requireScope(d, "admin")
	v1 := e.Group("/v1")
	v1.OPTIONS("/chat", preflight(d.Origins))
	v1.POST("/chat", handleChat(d.Assistant), chat, limitClients(d.ClientLimit, d.WidgetLimit, d.Log, d.Metrics), limitBody(smallBodyBytes))
	v1.GET("/kbs", handleListKBs(d.Library), ingest)
	v1.GET("/kbs/:kb/documents", handleListDocuments(d.Library), ingest)
	v1.POST("/kbs/:kb/documents", handleUpload(d), ingest, limitBody(d.MaxUploadBytes))
	v1.DELETE("/kbs/:kb/documents", handleDeleteDocuments(d.Library, d.Audit), ingest)
	if d.EvalRuns != nil {
		v1.GET("/eval/runs", handleListEvalRuns(d.EvalRuns), eval)
		v1.GET("/eval/runs/:id", handleGetEvalRun(d.EvalRuns), eval)
	}
	if d.Reviews != nil {
		v1.OPTIONS("/turns/:id/feedback", preflight(d.Origins))
		v1.POST("/turns/:id/feedback", handleFeedback(d.Reviews, d.ReviewObserver, d.Redact), chat, limitBody(smallBodyBytes))
		v1.GET("/feedback", handleFeedbackSummary(d.Reviews), admin)
		v1.GET("/review", handleReviewQueue(d.Reviews), admin)
		v1.POST("/review/:id/resolve", handleResolveReview(d.Reviews), admin, limitBody(smallBodyBytes))
		v1.GET("/review/export", handleReviewExport(d.Reviews), admin)
	}
	if d.Drift != nil {
		v1.GET("/drift", handleDrift(d.Drift), admin)
	}
	if d.Privacy != nil {
		v1.DELETE("/conversations/:id", handleDeleteConversation(d.Privacy, d.Cache), admin)
		v1.DELETE("/end-users/:id", handleDeleteEndUser(d.Privacy, d.Cache), admin)
	}
	return e
}
