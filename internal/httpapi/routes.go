package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"
)

// Deps are the services behind the API, grouped by area. A nil service
// leaves its routes out, except Chat.Answerer, Documents.Library and
// Ops.Health, which every server has.
type Deps struct {
	Log       *slog.Logger
	Access    Access
	Chat      Chat
	Documents Documents
	// Eval serves stored evaluation runs and their reports.
	Eval EvalRuns
	// EvalJobs queues evaluation runs for the workers.
	EvalJobs EvalJobs
	// Review takes feedback and serves the review queue.
	Review Reviews
	// Drift serves drift reports.
	Drift DriftReports
	// Digest writes weekly digests.
	Digest Digests
	// Privacy deletes conversations and end users on request.
	Privacy Privacy
	// Handoffs takes visitors' requests for a person.
	Handoffs Handoffs
	// Demo serves the /demo help-centre page; nil leaves it out.
	Demo *Demo
	// Admin manages keys and reads the audit log and conversations.
	Admin Admin
	// Console serves the agent console at /console.
	Console Console
	// Idempotency makes uploads, feedback, handoffs, key creation and
	// evaluation runs safe to retry with an Idempotency-Key.
	Idempotency Idempotency
	// OpenAI configures /v1/chat/completions and /v1/models.
	OpenAI OpenAI
	Ops    Ops
}

// Admin is the management API; each nil service leaves its routes out.
type Admin struct {
	Keys          Keys
	Audit         AuditLog
	Conversations Conversations
}

// Access decides who may call: API keys, widget origins, and the tenant
// of development mode.
type Access struct {
	// Auth verifies API keys; nil is development mode, where every request
	// acts for Tenant with every scope.
	Auth    Authenticator
	Origins OriginChecker
	Tenant  string
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed; empty: the peer is the client.
	TrustedProxies []netip.Prefix
}

// Chat is the assistant and the rate limits in front of it.
type Chat struct {
	Answerer Answerer
	// ClientLimit rate-limits chat per client, WidgetLimit per visitor of
	// a widget key; nil is unlimited.
	ClientLimit RateLimiter
	WidgetLimit RateLimiter
	// Keepalive is how often a stream that has nothing to send sends an
	// SSE comment, so proxies and the widget know it is alive; default 5 s.
	// AfterFunc arms its timer (default time.AfterFunc, returning the
	// timer's Stop), for tests.
	Keepalive time.Duration
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
}

// Documents are the knowledge bases and their documents.
type Documents struct {
	Library Library
	// MaxUploadBytes bounds document uploads; other bodies are bounded at
	// 64 KiB.
	MaxUploadBytes int64
}

// Ops are the operator's endpoints and instruments.
type Ops struct {
	Health Health
	// Models, when set, puts the model chain's state in /readyz.
	Models Models
	// Metrics records HTTP metrics, MetricsHandler serves /metrics and
	// TracerProvider traces requests; each is optional.
	Metrics        HTTPObserver
	MetricsHandler http.Handler
	TracerProvider trace.TracerProvider
}

// openAPIJSON is the contract as served; the document is embedded, so a
// failure to read it fails every test and build of the package.
var openAPIJSON = func() []byte {
	doc, err := OpenAPI()
	if err != nil {
		panic(err)
	}
	return doc
}()

// New builds the Echo instance with every route and middleware.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.IPExtractor = clientIP(d.Access.TrustedProxies)
	e.Use(middlewares(d)...)

	// What a browser or a load balancer fetches answers HEAD too: GET's
	// status and headers, no body (net/http drops it).
	get := func(path string, h echo.HandlerFunc) { e.Match(getHead, path, h) }
	get("/healthz", handleHealthz())
	if d.Ops.MetricsHandler != nil {
		// On the public port, metrics name tenants' knowledge bases: admin
		// only (Prometheus sends the key as a bearer token). A private
		// port (SUPPORTD_METRICS_ADDR) needs no key.
		e.GET("/metrics", echo.WrapHandler(d.Ops.MetricsHandler), requireScope(d.Access, "admin"))
	}
	get("/readyz", handleReadyz(d.Ops.Health, d.Ops.Models))
	get("/widget.js", handleStatic(loadAsset("widget.js"), "text/javascript; charset=utf-8"))
	if d.Demo != nil {
		get("/demo", handleDemo(*d.Demo, d.Documents.Library, d.Access.Tenant))
		get("/demo.css", handleStatic(loadAsset("demo.css"), "text/css; charset=utf-8"))
	}
	get("/openapi.json", handleOpenAPI(openAPIJSON))
	get("/docs", handleDocs())

	chat, ingest, eval, admin := requireScope(d.Access, "chat"), requireScope(d.Access, "ingest"), requireScope(d.Access, "eval"), requireScope(d.Access, "admin")
	agent := requireScope(d.Access, "agent")
	small, upload := limitBody(smallBodyBytes), limitBody(d.Documents.MaxUploadBytes)
	idem := idempotent(d.Idempotency)
	v1 := e.Group("/v1")
	v1.OPTIONS("/chat", preflight(d.Access.Origins))
	v1.POST("/chat", handleChat(d.Chat), chat, limitClients(d.Chat, d.Log, d.Ops.Metrics), small)
	v1.POST("/retrieve", handleRetrieve(d.Chat.Answerer), chat, limitClients(d.Chat, d.Log, d.Ops.Metrics), small)
	// The OpenAI-compatible routes answer errors in OpenAI's shape.
	oai := openAIErrors(d.Log)
	v1.POST("/chat/completions", handleCompletions(d.Chat, d.OpenAI), oai, chat, limitClients(d.Chat, d.Log, d.Ops.Metrics), small)
	v1.GET("/models", handleModels(d.Documents.Library, d.OpenAI), oai, chat)
	// MCP for agents: the key is checked per HTTP request, the rate per
	// tool call.
	e.POST("/mcp", handleMCP(d), chat, small)
	v1.GET("/kbs", handleListKBs(d.Documents.Library), ingest)
	v1.GET("/kbs/:kb/documents", handleListDocuments(d.Documents.Library), ingest)
	v1.POST("/kbs/:kb/documents", handleUpload(d.Documents.Library), ingest, upload, idem)
	v1.DELETE("/kbs/:kb/documents", handleDeleteDocuments(d.Documents.Library), ingest)
	v1.POST("/kbs", handleCreateKB(d.Documents.Library), ingest, small)
	v1.GET("/kbs/:kb/stats", handleKBStats(d.Documents.Library), ingest)
	v1.DELETE("/kbs/:kb", handleDeleteKB(d.Documents.Library), admin)
	v1.GET("/kbs/:kb/quarantine", handleListQuarantined(d.Documents.Library), admin)
	v1.POST("/kbs/:kb/quarantine/:id/release", handleRelease(d.Documents.Library), admin)
	if d.Eval != nil {
		v1.GET("/eval/runs", handleListEvalRuns(d.Eval), eval)
		v1.GET("/eval/runs/:id", handleGetEvalRun(d.Eval), eval)
		v1.POST("/eval/runs/:id/accept", handleAcceptEvalRun(d.Eval), admin)
	}
	if d.EvalJobs != nil {
		v1.POST("/eval/runs", handleStartEval(d.EvalJobs), eval, small, idem)
		v1.GET("/eval/jobs/:id", handleGetEvalJob(d.EvalJobs), eval)
	}
	if d.Review != nil {
		v1.OPTIONS("/turns/:id/feedback", preflight(d.Access.Origins))
		v1.POST("/turns/:id/feedback", handleFeedback(d.Review), chat, small, idem)
		v1.GET("/feedback", handleFeedbackSummary(d.Review), agent)
		v1.GET("/review", handleReviewQueue(d.Review), agent)
		v1.POST("/review/:id/resolve", handleResolveReview(d.Review), agent, small)
		v1.GET("/review/export", handleReviewExport(d.Review), agent)
	}
	if d.Handoffs != nil {
		v1.OPTIONS("/conversations/:id/handoff", preflight(d.Access.Origins))
		v1.POST("/conversations/:id/handoff", handleHandoff(d.Handoffs), chat, small, idem)
	}
	if d.Drift != nil {
		v1.GET("/drift", handleDrift(d.Drift), admin)
	}
	if d.Digest != nil {
		v1.GET("/digest", handleDigest(d.Digest), admin)
	}
	if d.Privacy != nil {
		v1.DELETE("/conversations/:id", handleDeleteConversation(d.Privacy), admin)
		v1.DELETE("/end-users/:id", handleDeleteEndUser(d.Privacy), admin)
	}
	if d.Admin.Keys != nil {
		v1.POST("/keys", handleCreateKey(d.Admin.Keys), admin, small, idem)
		v1.GET("/keys", handleListKeys(d.Admin.Keys), admin)
		v1.DELETE("/keys/:id", handleRevokeKey(d.Admin.Keys), admin)
	}
	if d.Admin.Audit != nil {
		v1.GET("/audit", handleAuditLog(d.Admin.Audit), admin)
	}
	if d.Admin.Conversations != nil {
		v1.GET("/conversations", handleListConversations(d.Admin.Conversations), agent)
		v1.GET("/conversations/:id", handleGetConversation(d.Admin.Conversations), agent)
	}
	if d.Console.Sessions != nil {
		consoleRoutes(e, d)
	}
	return e
}

// getHead are the methods of a page or file: HEAD is GET without the body.
var getHead = []string{http.MethodGet, http.MethodHead}

// consoleRoutes are the agent console's pages: every one but sign-in
// needs a session, and those that change keys, knowledge bases or data
// need an admin's.
func consoleRoutes(e *echo.Echo, d Deps) {
	v, cs := newView(d.Log), d.Console
	con := e.Group(consolePath, consoleHeaders, v.consoleErrors)
	con.Match(getHead, "/static/*", consoleStatic())
	con.GET("/signin", handleSigninPage(v))
	con.POST("/signin", handleSignin(v, cs.Sessions), limitBody(smallBodyBytes))
	// Bodies are bounded before the session reads the form's CSRF token.
	s := con.Group("", limitBody(smallBodyBytes), withSession(cs.Sessions))
	s.POST("/signout", handleSignout(cs.Sessions))
	s.GET("", handleConsoleInbox(v, cs.Conversations))
	s.GET("/", handleConsoleInbox(v, cs.Conversations))
	s.GET("/conversations/:id", handleConsoleConversation(v, cs.Conversations))
	s.POST("/conversations/:id/handled", handleConsoleMarkHandled(cs.Conversations))
	s.GET("/kbs", handleConsoleKBs(v, d.Documents.Library), adminOnly)
	s.GET("/kbs/:kb", handleConsoleKB(v, d.Documents.Library), adminOnly)
	s.POST("/kbs/:kb/delete", handleConsoleDeleteDocument(d.Documents.Library), adminOnly)
	up := con.Group("", limitBody(d.Documents.MaxUploadBytes), withSession(cs.Sessions))
	up.POST("/kbs/:kb/upload", handleConsoleUpload(v, d.Documents.Library), adminOnly)
	if d.Eval != nil {
		s.GET("/eval", handleConsoleEval(v, d.Eval, d.Documents.Library, cs.EvalQueue), adminOnly)
		s.GET("/eval/runs/:id/report", handleConsoleEvalReport(d.Eval), adminOnly)
		if cs.EvalQueue != nil {
			s.POST("/eval/run", handleConsoleRunEval(cs.EvalQueue), adminOnly)
		}
	}
	if d.Drift != nil {
		s.GET("/drift", handleConsoleDrift(v, d.Drift), adminOnly)
	}
	if cs.Keys != nil {
		s.GET("/keys", handleConsoleKeys(v, cs.Keys, cs.clock()), adminOnly)
		s.POST("/keys", handleConsoleCreateKey(v, cs.Keys, cs.clock()), adminOnly)
		s.POST("/keys/:id/revoke", handleConsoleRevokeKey(cs.Keys), adminOnly)
	}
	if d.Review != nil {
		s.GET("/review", handleConsoleReview(v, d.Review, d.Documents.Library, cs.Golden))
		s.POST("/review/:id", handleConsoleResolve(d.Review))
		s.GET("/review/export", handleConsoleWeekExport(d.Review, cs.clock()))
		if cs.Golden != nil {
			s.POST("/review/golden", handleConsoleAddGolden(d.Review, cs.Golden))
		}
	}
}
