package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/notify"
)

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
	w := notify.New(srv.URL, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	require.True(t, w.Send("review.queued", map[string]any{"turn_id": 7}))
	select {
	case ev := <-got:
		require.Equal(t, "review.queued", ev.Event)
		require.Equal(t, map[string]any{"turn_id": float64(7)}, ev.Data)
	case <-time.After(5 * time.Second):
		t.Fatal("not delivered")
	}
	require.EqualValues(t, 2, calls.Load())
}

func TestWebhookNeverBlocks(t *testing.T) {
	t.Parallel()
	w := notify.New("http://127.0.0.1:1/unused", nil, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	start := time.Now()
	sent := 0
	for range 1000 { // nobody is running: the queue fills, then events drop
		if w.Send("x", nil) {
			sent++
		}
	}
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, 256, sent)
	require.EqualValues(t, 1000-256, w.Dropped())
	require.False(t, notify.New("", nil, nil).Send("x", nil), "no URL: discarded")
}
