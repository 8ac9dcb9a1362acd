// Package notify posts JSON events to a webhook (a helpdesk, a chat
// channel) in the background: sending never blocks the caller, a full
// queue drops the event and counts it, and each delivery has a deadline.
// It imports only the standard library.
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
	url     string
	client  *http.Client
	log     *slog.Logger
	queue   chan []byte
	dropped atomic.Int64
}

// New returns a webhook for url; call Run to deliver.
func New(url string, client *http.Client, log *slog.Logger) *Webhook {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &Webhook{url: url, client: client, log: log, queue: make(chan []byte, 256)}
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
	if w == nil || w.url == "" {
		return false
	}
	body, err := json.Marshal(Event{Event: event, At: time.Now().UTC(), Data: data})
	if err != nil {
		w.log.Error("webhook event does not encode", "event", event, "err", err)
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
	if w == nil || w.url == "" {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case body := <-w.queue:
			if err := w.post(ctx, body); err != nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if err := w.post(ctx, body); err != nil {
					w.dropped.Add(1)
					w.log.Warn("webhook delivery failed", "err", err)
				}
			}
		}
	}
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
