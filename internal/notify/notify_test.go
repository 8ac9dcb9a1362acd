package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"supportd/internal/notify"
)

// TestMain fails the package when a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var discard = slog.New(slog.DiscardHandler)

// pauses records the waits a webhook asks for and ends each at once.
type pauses struct {
	mu  sync.Mutex
	got []time.Duration
}

func (p *pauses) after(d time.Duration) <-chan time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, d)
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func (p *pauses) list() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.got...)
}

// deliver runs w until the test ends.
func deliver(t *testing.T, w *notify.Webhook) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { w.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
}

func TestWebhookDeliversAndRetriesOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	got := make(chan notify.Event, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway) // the first try fails
			return
		}
		var ev notify.Event
		_ = json.NewDecoder(r.Body).Decode(&ev)
		got <- ev
	}))
	defer srv.Close()
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600))
	var p pauses
	w := notify.New(notify.Params{URL: srv.URL, Client: srv.Client(), Log: discard,
		Now: func() time.Time { return at }, After: p.after})
	deliver(t, w)
	require.True(t, w.Send("review.queued", map[string]any{"turn_id": 7}))
	ev := <-got
	require.Equal(t, "review.queued", ev.Event)
	require.Equal(t, map[string]any{"turn_id": float64(7)}, ev.Data)
	require.Equal(t, at.UTC(), ev.At, "stamped by the clock, in UTC")
	require.EqualValues(t, 2, calls.Load())
	require.Equal(t, []time.Duration{time.Second}, p.list(), "one retry, a second after the failure")
	require.Zero(t, w.Dropped())
}

func TestWebhookDropsAfterTheRetryFails(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	var p pauses
	w := notify.New(notify.Params{URL: srv.URL, Client: srv.Client(), Log: discard, After: p.after})
	deliver(t, w)
	require.True(t, w.Send("a", nil))
	require.True(t, w.Send("b", nil))
	require.Eventually(t, func() bool { return w.Dropped() == 2 }, 10*time.Second, time.Millisecond)
	require.EqualValues(t, 4, calls.Load(), "two tries each")
	require.Equal(t, []time.Duration{time.Second, time.Second}, p.list())
}

func TestWebhookNeverBlocks(t *testing.T) {
	t.Parallel()
	w := notify.New(notify.Params{URL: "http://127.0.0.1:1/unused", Log: discard})
	sent := 0
	for range 1000 { // nobody is running: the queue fills, then events drop
		if w.Send("x", nil) {
			sent++
		}
	}
	require.Equal(t, 256, sent)
	require.EqualValues(t, 1000-256, w.Dropped())
	require.False(t, notify.New(notify.Params{Log: discard}).Send("x", nil), "no URL: discarded")
}

// A one-shot command drains the queue before it exits.
func TestDrainDeliversWhatIsQueued(t *testing.T) {
	t.Parallel()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev notify.Event
		_ = json.NewDecoder(r.Body).Decode(&ev)
		got = append(got, ev.Event)
	}))
	defer srv.Close()
	w := notify.New(notify.Params{URL: srv.URL, Client: srv.Client(), Log: discard})
	require.True(t, w.Send("drift.alert", nil))
	require.True(t, w.Send("digest.weekly", nil))
	w.Drain(context.Background())
	require.Equal(t, []string{"drift.alert", "digest.weekly"}, got)
	w.Drain(context.Background()) // nothing left: returns at once
	require.Len(t, got, 2)
}
