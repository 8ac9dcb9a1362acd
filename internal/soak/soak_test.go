package soak_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/retrieve"
	"supportd/internal/soak"
	"supportd/internal/testkit"
)

// usage is a sampler whose figures grow by a share of the first at every
// sample.
type usage struct {
	mu     sync.Mutex
	n      int
	growth float64
}

func (u *usage) Usage(context.Context) (soak.Usage, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f := 1 + u.growth*float64(u.n)
	u.n++
	return soak.Usage{RSS: uint64(f * (100 << 20)), Goroutines: int(f * 50), HeapInuse: 40 << 20, Conns: 3}, nil
}

// server is the whole API over a demo knowledge base and the fake model,
// counting the requests it has answered.
type server struct {
	url    string
	kb     string
	served atomic.Int64
}

func newServer(t *testing.T) *server {
	t.Helper()
	fake := httptest.NewServer(fakellm.New(fakellm.Options{}).Handler())
	t.Cleanup(fake.Close)
	// Deadlines that a slow machine (the race detector, other tests)
	// cannot overrun: the soak's accounting is under test, not the pace.
	kit, kb := testkit.NewDemo(t, testkit.Options{Models: []string{fake.URL + "/v1"}, Cache: true,
		Retrieve: retrieve.Params{Timeout: time.Minute}})
	s := &server{kb: kb.Name}
	api := httpapi.New(kit.API())
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(w, r)
		s.served.Add(1)
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// soakFor runs a soak of n samples against s; the test sends each tick
// once the server has answered another five requests, so every window has
// traffic however slow the machine.
func (s *server) soakFor(t *testing.T, n int, sampler soak.Sampler) (soak.Report, string) {
	t.Helper()
	ticks := make(chan time.Time)
	p := soak.Params{Duration: time.Duration(n) * time.Second, Interval: time.Second, Warmup: time.Second, RPS: 5,
		Mix:  soak.Mix{Misses: 0.8, Streams: 0.3, Feedback: 0.5, IngestEvery: 500 * time.Millisecond},
		Tick: func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }}
	go func() {
		for i := range n {
			for s.served.Load() < int64(5+5*(i+1)) {
				time.Sleep(5 * time.Millisecond) // polls a condition; the test asserts no timing
			}
			ticks <- time.Now()
		}
	}()
	var out bytes.Buffer
	rep, err := soak.Run(t.Context(), soak.Target{URL: s.url, KB: s.kb, IngestKB: "soak-ingest", Questions: []string{
		"How do I get a refund on an annual plan?", "How do I invite a teammate?", "Where can I download our invoices as PDFs?"}}, sampler, p, &out)
	require.NoError(t, err)
	rep.WriteSummary(&out)
	return rep, out.String()
}

func TestSoakAccountsForEveryRequestAndPassesWhenFlat(t *testing.T) {
	t.Parallel()
	s := newServer(t)

	rep, out := s.soakFor(t, 3, &usage{})

	require.Len(t, rep.Samples, 3)
	windows := 0
	for i, smp := range rep.Samples {
		require.Equal(t, time.Duration(i+1)*time.Second, smp.At)
		require.Positive(t, smp.Requests, "every window has traffic")
		require.Equal(t, 3, smp.Conns)
		windows += smp.Requests
	}
	require.Equal(t, rep.Requests, windows, "every request ends in one window: the load stops and drains before the last sample")
	require.Zero(t, rep.Errors, "failures: %v", rep.Failures)
	total := 0
	for _, n := range rep.Counts {
		total += n
	}
	require.Equal(t, rep.Requests, total)
	require.Positive(t, rep.Counts[soak.KindAsk]+rep.Counts[soak.KindStream], "new questions")
	require.Positive(t, rep.Counts[soak.KindFeedback], "answers are rated")
	require.Positive(t, rep.Counts[soak.KindIngest], "documents are uploaded")
	require.True(t, rep.Verdict.Pass, out)
	require.Zero(t, rep.Verdict.RSSGrowth)
	require.Contains(t, out, "| 0:03 | ")
	require.True(t, strings.HasSuffix(strings.TrimSpace(out), "PASS"), out)
}

func TestSoakFailsOnGrowth(t *testing.T) {
	t.Parallel()
	s := newServer(t)

	rep, out := s.soakFor(t, 3, &usage{growth: 0.2})

	require.False(t, rep.Verdict.Pass)
	require.InDelta(t, 0.4, rep.Verdict.RSSGrowth, 1e-9, "from 1 to 1.4 times the first sample's")
	require.Contains(t, rep.Verdict.Reasons, "RSS grew 40.0% after warm-up")
	require.Contains(t, rep.Verdict.Reasons, "goroutines grew 40.0% after warm-up")
	require.Contains(t, out, "FAIL: RSS grew 40.0% after warm-up; goroutines grew 40.0% after warm-up")
}
