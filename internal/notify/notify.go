package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// Webhook delivers events to one URL. A Webhook with an empty URL accepts
// and discards events.
type Webhook struct {
	p       Params
	queue   chan []byte
	dropped atomic.Int64
}

// Params configures a Webhook. Log is required.
type Params struct {
	URL    string       // where events go; empty discards them
	Client *http.Client // default: a client with a 5 s timeout
	Log    *slog.Logger
	// Now stamps events (default time.Now).
	Now func() time.Time
	// After is how the webhook waits before its retry (default time.After);
	// tests inject one that does not sleep.
	After func(time.Duration) <-chan time.Time
}

// retryDelay is the pause before a failed delivery's one retry.
const retryDelay = time.Second

// New returns a webhook; call Run to deliver.
func New(p Params) *Webhook {
	if p.Log == nil {
		panic("notify.New: nil logger")
	}
	if p.Client == nil {
		p.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.After == nil {
		p.After = time.After
	}
	return &Webhook{p: p, queue: make(chan []byte, 256)}
}

// Event is what a webhook receives.
type Event struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
	Data  any       `json:"data"`
}

// Send queues an event without blocking; it reports false when the event
// was dropped (queue full or no URL).
func (w *Webhook) Send(event string, data any) bool {
	if w == nil || w.p.URL == "" {
		return false
	}
	body, err := json.Marshal(Event{Event: event, At: w.p.Now().UTC(), Data: data})
	if err != nil {
		w.p.Log.Error("webhook event does not encode", "event", event, "err", err)
		return false
	}
	select {
	case w.queue <- body:
		return true
	default:
		w.dropped.Add(1)
		return false
	}
}

// Dropped counts events lost to a full queue.
func (w *Webhook) Dropped() int64 { return w.dropped.Load() }

// Run delivers queued events until ctx ends. A failed delivery is retried
// once after a second, then logged and dropped.
func (w *Webhook) Run(ctx context.Context) {
	if w == nil || w.p.URL == "" {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case body := <-w.queue:
			w.deliver(ctx, body)
		}
	}
}

// Drain delivers the events queued so far, then returns: one-shot
// commands call it before they exit, where no Run goroutine outlives them.
func (w *Webhook) Drain(ctx context.Context) {
	if w == nil || w.p.URL == "" {
		return
	}
	for {
		select {
		case body := <-w.queue:
			w.deliver(ctx, body)
		default:
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// deliver posts one event, retrying once after a second.
func (w *Webhook) deliver(ctx context.Context, body []byte) {
	if err := w.post(ctx, body); err == nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-w.p.After(retryDelay):
	}
	if err := w.post(ctx, body); err != nil {
		w.dropped.Add(1)
		w.p.Log.Warn("webhook delivery failed", "err", err)
	}
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.p.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.p.Client.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close() // the answer's body is not read: only its status counts
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
