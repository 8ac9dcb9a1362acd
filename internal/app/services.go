package app

import (
	"bytes"
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/limit"
	"supportd/internal/store"
)

// Limiter adapts limit.Limiter to the small interface the model gateway
// and the HTTP layer declare.
type Limiter struct{ limit.Limiter }

// Allow admits n units for key, or says how long to wait.
func (l Limiter) Allow(ctx context.Context, key string, n int) (bool, time.Duration, error) {
	d, err := l.Limiter.Allow(ctx, key, n)
	return d.Allowed, d.RetryAfter, err
}

// Eraser deletes conversations and end users (store.Store).
type Eraser interface {
	DeleteConversation(ctx context.Context, tenant, id, actor string) (store.Deleted, error)
	DeleteEndUser(ctx context.Context, tenant, endUser, actor string) (store.Deleted, error)
}

// CacheDeleter drops answer-cache entries (cache.Cache).
type CacheDeleter interface {
	Delete(ctx context.Context, keys ...string)
}

// Privacy deletes what the service holds about a conversation or an end
// user: the stored turns, then the cached answers they filled.
type Privacy struct {
	Store Eraser
	// Cache is nil when answers are not cached.
	Cache CacheDeleter
}

// DeleteConversation deletes one conversation; an unknown one is
// core.CodeNotFound.
func (p Privacy) DeleteConversation(ctx context.Context, tenant, id, actor string) (store.Deleted, error) {
	d, err := p.Store.DeleteConversation(ctx, tenant, id, actor)
	p.dropCached(ctx, d)
	return d, err
}

// DeleteEndUser deletes every conversation of an end user.
func (p Privacy) DeleteEndUser(ctx context.Context, tenant, endUser, actor string) (store.Deleted, error) {
	d, err := p.Store.DeleteEndUser(ctx, tenant, endUser, actor)
	p.dropCached(ctx, d)
	return d, err
}

func (p Privacy) dropCached(ctx context.Context, d store.Deleted) {
	if p.Cache != nil && len(d.CacheKeys) > 0 {
		p.Cache.Delete(ctx, d.CacheKeys...)
	}
}

// ReviewObserver is told about feedback and new review items (metrics and
// the helpdesk webhook); it must not block.
type ReviewObserver interface {
	Feedback(kb, rating string)
	Queued(ctx context.Context, q core.ReviewQueued)
}

// Reviews is the review queue the API serves: feedback is redacted before
// it is stored and observed after.
type Reviews struct {
	httpapi.Reviews
	// Observer and Redact are optional.
	Observer ReviewObserver
	Redact   func(string) string
}

// AddFeedback records feedback on a turn and says whether it queued the
// turn for review.
func (r Reviews) AddFeedback(ctx context.Context, tenant string, f store.Feedback) (store.FeedbackAdded, error) {
	if r.Redact != nil {
		f.Reason, f.Comment = r.Redact(f.Reason), r.Redact(f.Comment)
	}
	added, err := r.Reviews.AddFeedback(ctx, tenant, f)
	if err != nil || r.Observer == nil {
		return added, err
	}
	rating := "down"
	if f.Rating > 0 {
		rating = "up"
	}
	r.Observer.Feedback(added.KB, rating)
	if added.Queued {
		r.Observer.Queued(ctx, core.ReviewQueued{TurnID: f.TurnID, ConversationID: f.ConversationID, EndUserID: added.EndUser,
			Reason: "thumbs_down"})
	}
	return added, nil
}

// EvalRuns serves stored evaluation runs and renders their reports.
type EvalRuns struct{ *eval.Runner }

// Report renders run id with its comparison and recent history in format.
func (e EvalRuns) Report(ctx context.Context, tenant string, id int64, format string) (httpapi.Rendered, error) {
	run, cmpn, err := e.Load(ctx, tenant, id)
	if err != nil {
		return httpapi.Rendered{}, err
	}
	rep, err := e.Runner.Report(ctx, tenant, run, cmpn)
	if err != nil {
		return httpapi.Rendered{}, err
	}
	var buf bytes.Buffer
	if err := eval.Render(&buf, format, rep); err != nil {
		return httpapi.Rendered{}, err
	}
	return httpapi.Rendered{ContentType: reportContentType(format), Body: buf.Bytes()}, nil
}

func reportContentType(format string) string {
	switch format {
	case "html":
		return echo.MIMETextHTMLCharsetUTF8
	case "junit":
		return echo.MIMEApplicationXMLCharsetUTF8
	}
	return echo.MIMETextPlainCharsetUTF8
}

// HandoffStore keeps visitors' requests for a person (store.Store).
type HandoffStore interface {
	AddHandoffRequest(ctx context.Context, tenant string, h store.HandoffRequest) (store.HandoffTurn, error)
}

// Handoffs takes a visitor's request for a person: stored with the email
// redacted when the policy says so, counted when it queues the turn for
// review, and sent to the review webhook ("handoff.requested") with the
// email as the visitor gave it, so the helpdesk can reply.
type Handoffs struct {
	Store HandoffStore
	// Redact, Metrics and Hook are optional.
	Redact  func(string) string
	Metrics interface{ ReviewItem(reason string) }
	Hook    interface {
		Send(event string, data any) bool
	}
	// ConsoleURL is the agent console (SUPPORTD_PUBLIC_URL + /console);
	// the webhook links the conversation's page under it.
	ConsoleURL string
}

// RequestHandoff records the request and tells the helpdesk.
func (h Handoffs) RequestHandoff(ctx context.Context, tenant string, r store.HandoffRequest) (store.HandoffTurn, error) {
	stored := r
	if h.Redact != nil {
		stored.Email = h.Redact(r.Email)
	}
	ht, err := h.Store.AddHandoffRequest(ctx, tenant, stored)
	if err != nil {
		return ht, err
	}
	if ht.Queued && h.Metrics != nil {
		h.Metrics.ReviewItem("handoff_requested")
	}
	if h.Hook != nil {
		h.Hook.Send("handoff.requested", map[string]any{"tenant": tenant, "kb": ht.KB, "conversation_id": r.ConversationID,
			"turn_id": r.TurnID, "user_id": ht.EndUser, "email": r.Email, "reason": "visitor_request",
			"console_url": h.ConsoleURL + "/conversations/" + r.ConversationID})
	}
	return ht, nil
}
