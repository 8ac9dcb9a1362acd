package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/assistant"
	"supportd/internal/core"
)

// Answerer answers chat turns and searches knowledge bases
// (assistant.Assistant).
type Answerer interface {
	// Answer fails with a coded core.Error when the turn cannot be
	// served; a failing model degrades the answer instead of failing it.
	Answer(ctx context.Context, t assistant.Turn) (core.Answer, error)
	// Search returns ranked passages by the retrieval answers use; it
	// fails with a coded core.Error.
	Search(ctx context.Context, s assistant.Search) ([]core.Passage, error)
}

type chatRequest struct {
	KB             string      `json:"kb"`
	Question       string      `json:"question"`
	ConversationID string      `json:"conversation_id"`
	Filter         core.Filter `json:"filter"`
	// UserID is the caller's opaque id for the end user, used to delete
	// their data on request.
	UserID string `json:"user_id"`
}

// handleChat answers a question as JSON, or as server-sent events when the
// client accepts text/event-stream.
func handleChat(d Chat) echo.HandlerFunc {
	a := d.Answerer
	return func(c echo.Context) error {
		var req chatRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.KB == "" {
			return core.Errorf(core.CodeInvalid, "kb is required")
		}
		turn := assistant.Turn{Tenant: principal(c).Tenant, KB: req.KB, Question: req.Question,
			ConversationID: req.ConversationID, Filter: req.Filter, ClientID: clientID(c), EndUserID: req.UserID}
		if len(req.UserID) > 200 {
			return core.Errorf(core.CodeInvalid, "user_id must be at most 200 characters")
		}
		if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/event-stream") {
			return streamChat(c, d, turn)
		}
		ans, err := a.Answer(c.Request().Context(), turn)
		if err != nil {
			return abandoned(c, err)
		}
		return c.JSON(http.StatusOK, ans)
	}
}

// abandoned logs a client that went away as its own outcome (499, no
// body) rather than a server error; other errors pass through.
func abandoned(c echo.Context, err error) error {
	if c.Request().Context().Err() == nil {
		return err
	}
	c.Set(outcomeKey, "client_disconnected")
	return nil
}

// Context keys for what a handler learned that the request log reports.
const (
	outcomeKey   = "supportd.outcome"
	streamErrKey = "supportd.stream_error"
)

// sse writes server-sent events; the first event or comment commits a
// 200. Its methods may be called from the keepalive timer and the
// answer's goroutine at once.
type sse struct {
	c  echo.Context
	mu sync.Mutex
}

func (s *sse) send(event string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return s.write(fmt.Sprintf("event: %s\ndata: %s\n\n", event, b))
}

// write sends raw event-stream text and flushes it.
func (s *sse) write(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.c.Response()
	if !w.Committed {
		h := w.Header()
		h.Set(echo.HeaderContentType, "text/event-stream")
		h.Set(echo.HeaderCacheControl, "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
	}
	if _, err := w.Write([]byte(text)); err != nil {
		return err
	}
	w.Flush()
	return nil
}

// keepalive sends an SSE comment every interval until the returned stop
// is called, so that a stream waiting on a slow model is not taken for a
// dead one by a proxy or the widget. It is a timer that re-arms itself,
// not a goroutine: with 1,000 streams open, a goroutine and a ticker each
// were a thousand stacks held for nothing between comments. Once stop
// returns no comment is being written or will be.
func (s *sse) keepalive(d Chat) (stop func()) {
	after := d.AfterFunc
	if after == nil {
		after = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	every := cmp.Or(d.Keepalive, 5*time.Second)
	var (
		mu      sync.Mutex
		stopped bool
		cancel  func() bool
		fire    func()
	)
	fire = func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped && s.write(": keepalive\n\n") == nil {
			cancel = after(every, fire)
		}
	}
	mu.Lock()
	cancel = after(every, fire)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		cancel()
	}
}

// statusEvent says the answer is degraded and what the client will get.
type statusEvent struct {
	Mode           core.Mode `json:"mode"`
	DegradedReason string    `json:"degraded_reason"`
}

type doneEvent struct {
	TurnID         int64       `json:"turn_id"`
	ConversationID string      `json:"conversation_id"`
	Mode           core.Mode   `json:"mode"`
	DegradedReason string      `json:"degraded_reason,omitempty"`
	Confidence     float64     `json:"confidence"`
	Model          string      `json:"model,omitempty"`
	Usage          *core.Usage `json:"usage,omitempty"`
}

// streamFormat writes one front door's streamed answer: /v1/chat's named
// events or OpenAI's chunks. Its methods share the stream's sse.
type streamFormat interface {
	token(text string) error
	status(mode core.Mode, reason string) error
	// failed reports an error after the stream began.
	failed(err error, requestID string) error
	// finish ends the stream with the answer's details; its error means
	// the client went away.
	finish(ans core.Answer) error
}

// streamAnswer streams the turn's answer in format f, keeping a quiet
// stream alive with comments. Errors before the first byte get a real
// status; after it, the format's error event.
func streamAnswer(c echo.Context, d Chat, s *sse, turn assistant.Turn, f streamFormat) error {
	turn.OnToken = func(ctx context.Context, text string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return f.token(text)
	}
	turn.OnStatus = func(_ context.Context, mode core.Mode, reason string) {
		_ = f.status(mode, reason) // a client that went away is noticed through ctx
	}
	stop := s.keepalive(d)
	ans, err := d.Answerer.Answer(c.Request().Context(), turn)
	stop()
	if err != nil {
		if err := abandoned(c, err); err == nil {
			return nil
		}
		if !c.Response().Committed {
			return err
		}
		// The status is already sent; the request log and the error log
		// still hear about the failure.
		c.Set(streamErrKey, err)
		return f.failed(err, c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if err := f.finish(ans); err != nil {
		c.Set(outcomeKey, "client_disconnected")
		return nil //nolint:nilerr // the client left after the turn was recorded: nobody is left to tell
	}
	return nil
}

// streamChat streams the answer as "token" events, then "citations" and
// a final "done" with mode and usage; a "status" event says when it
// degrades, and an "error" event when it fails after the first event.
func streamChat(c echo.Context, d Chat, turn assistant.Turn) error {
	s := &sse{c: c}
	return streamAnswer(c, d, s, turn, chatEvents{s})
}

// chatEvents is /v1/chat's stream format.
type chatEvents struct{ s *sse }

func (e chatEvents) token(text string) error {
	return e.s.send("token", map[string]string{"text": text})
}

func (e chatEvents) status(mode core.Mode, reason string) error {
	return e.s.send("status", statusEvent{Mode: mode, DegradedReason: reason})
}

func (e chatEvents) failed(err error, requestID string) error {
	return e.s.send("error", errorDetail{Code: core.ErrorCode(err), Message: publicMessage(err), RequestID: requestID})
}

func (e chatEvents) finish(ans core.Answer) error {
	if err := e.s.send("citations", ans.Citations); err != nil {
		return err
	}
	_ = e.s.send("done", doneEvent{TurnID: ans.TurnID, ConversationID: ans.ConversationID, Mode: ans.Mode,
		DegradedReason: ans.DegradedReason, Confidence: ans.Confidence, Model: ans.Model, Usage: ans.Usage})
	return nil
}

// publicMessage hides internal errors' details.
func publicMessage(err error) string {
	if core.ErrorCode(err) == core.CodeInternal {
		return "internal error"
	}
	return core.ErrorMessage(err)
}
