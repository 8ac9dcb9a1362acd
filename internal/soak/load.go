package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// warm asks each repeated question once, so that asking it again is a
// cache hit.
func (l *load) warm(ctx context.Context) error {
	for _, q := range l.hot {
		if _, err := l.ask(ctx, q, false); err != nil {
			return fmt.Errorf("soak: warm the cache: %w", err)
		}
	}
	return nil
}

// run sends requests at the rate until ctx ends, then waits for those in
// flight; a document is uploaded every IngestEvery meanwhile.
func (l *load) run(ctx context.Context) {
	defer l.inflight.Wait()
	pace := time.NewTicker(time.Duration(float64(time.Second) / l.p.RPS))
	defer pace.Stop()
	ingest := time.NewTicker(l.p.Mix.IngestEvery)
	defer ingest.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ingest.C:
			l.send(context.WithoutCancel(ctx), KindIngest, l.upload)
		case <-pace.C:
			kind, q := l.next()
			l.send(context.WithoutCancel(ctx), kind, func(ctx context.Context) error {
				start := time.Now()
				d, err := l.ask(ctx, q, kind == KindStream || kind == KindRestream)
				if err != nil {
					return err
				}
				l.took(time.Since(start))
				if l.chance(l.p.Mix.Feedback) {
					l.send(ctx, KindFeedback, func(ctx context.Context) error { return l.rate(ctx, d) })
				}
				return nil
			})
		}
	}
}

// next draws the next chat request from the mix.
func (l *load) next() (kind, question string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	stream := l.rng.Float64() < l.p.Mix.Streams
	if l.rng.Float64() < l.p.Mix.Misses {
		q := fmt.Sprintf("%s (soak %d)", l.t.Questions[l.rng.IntN(len(l.t.Questions))], l.seq)
		return map[bool]string{false: KindAsk, true: KindStream}[stream], q
	}
	return map[bool]string{false: KindRepeat, true: KindRestream}[stream], l.hot[l.rng.IntN(len(l.hot))]
}

func (l *load) chance(p float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rng.Float64() < p
}

// send runs do in the background and accounts for it as kind. The
// requests in flight finish even after the load stops: nothing sent goes
// unaccounted.
func (l *load) send(ctx context.Context, kind string, do func(ctx context.Context) error) {
	l.inflight.Add(1)
	go func() {
		defer l.inflight.Done()
		err := do(ctx)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.counts[kind]++
		l.winReqs++
		if err != nil {
			l.failures[kind+": "+Failure(err)]++
			l.winErrs++
		}
	}()
}

// took records a chat latency in the window.
func (l *load) took(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.win = append(l.win, d)
}

// window returns the window's accounting and starts the next one.
func (l *load) window() Sample {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Sample{Requests: l.winReqs, Errors: l.winErrs, P99: percentile(l.win, 0.99)}
	l.win, l.winReqs, l.winErrs = nil, 0, 0
	return s
}

// totals are the requests by kind and the failures by what went wrong.
func (l *load) totals() (map[string]int, map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.counts), maps.Clone(l.failures)
}

// ask posts a question, as JSON or streamed, and returns what the answer
// says of its turn.
func (l *load) ask(ctx context.Context, q string, stream bool) (Done, error) {
	body, _ := json.Marshal(map[string]string{"kb": l.t.KB, "question": q})
	res, err := l.post(ctx, "/v1/chat", body, stream)
	if err != nil {
		return Done{}, err
	}
	defer res.Body.Close()
	if stream {
		d, _, err := ReadStream(res.Body)
		return d, err
	}
	var d Done
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
		return d, fmt.Errorf("decode the answer: %w", err)
	}
	return d, nil
}

// rate gives the turn a thumbs up.
func (l *load) rate(ctx context.Context, d Done) error {
	if d.TurnID == 0 {
		return nil
	}
	body, _ := json.Marshal(map[string]string{"conversation_id": d.ConversationID, "rating": "up", "reason": "soak"})
	res, err := l.post(ctx, fmt.Sprintf("/v1/turns/%d/feedback", d.TurnID), body, false)
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// upload writes one of twenty documents to the ingestion knowledge base,
// each time with new text: the documents are updated, not piled up.
func (l *load) upload(ctx context.Context) error {
	l.mu.Lock()
	l.seq++
	n := l.seq
	l.mu.Unlock()
	text := fmt.Sprintf("# Soak note %d\n\nThis note was written by the soak test at step %d. %s\n", n%20, n,
		strings.Repeat("It describes how the product behaves under a steady load. ", 20))
	body, _ := json.Marshal(map[string]any{"documents": []map[string]string{{"uri": fmt.Sprintf("soak/note-%02d.md", n%20), "text": text}}})
	res, err := l.post(ctx, "/v1/kbs/"+url.PathEscape(l.t.IngestKB)+"/documents", body, false)
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// post sends a JSON body; any status but 2xx is an error.
func (l *load) post(ctx context.Context, path string, body []byte, stream bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.t.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	res, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 200))
		res.Body.Close()
		return nil, fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	return res, nil
}

// Failure is what went wrong, without what differs between requests
// (the URL, the request id), at most 100 characters: failures counted by
// it group by cause.
func Failure(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, `"request_id"`); i >= 0 {
		msg = msg[:i]
	}
	if _, after, ok := strings.Cut(msg, `": `); ok && strings.HasPrefix(msg, "Post ") {
		msg = after
	}
	return msg[:min(len(msg), 100)]
}

// percentile is the q-quantile of xs by the nearest-rank method, 0 for
// none.
func percentile(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
