package soak

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Params shape one soak run. Zero fields take the defaults Run names.
type Params struct {
	// Duration is how long the load runs (default 10 minutes); the run
	// takes Duration/Interval samples, the last when the load has
	// stopped and every request in flight has ended.
	Duration time.Duration
	// Interval is the sampling period (default 30 s).
	Interval time.Duration
	// Warmup is the time whose samples are not judged (default a fifth
	// of Duration).
	Warmup time.Duration
	// RPS is the rate requests are sent at, whatever the server's pace.
	RPS float64
	// Growth is the largest relative growth of RSS and of goroutines the
	// verdict allows after warm-up (default 0.10).
	Growth float64
	// Mix is the traffic (default DefaultMix).
	Mix Mix
	// Seed makes the sequence of requests repeatable.
	Seed uint64
	// Tick, when set, replaces the sampling ticker (tests drive it).
	Tick func(d time.Duration) (<-chan time.Time, func())
}

// Mix is what the traffic is made of.
type Mix struct {
	// Misses is the share of chat requests that ask a question never
	// asked before (the others repeat one of a few, cache hits).
	Misses float64
	// Streams is the share of chat requests that stream the answer.
	Streams float64
	// Feedback is the share of answered turns rated afterwards.
	Feedback float64
	// IngestEvery is how often a document is uploaded in the background.
	IngestEvery time.Duration
}

// DefaultMix is 80% cache misses, 30% streamed, one answer in ten rated
// and a document uploaded every 15 s.
var DefaultMix = Mix{Misses: 0.8, Streams: 0.3, Feedback: 0.1, IngestEvery: 15 * time.Second}

func (p Params) withDefaults() Params {
	p.Duration = cmp.Or(p.Duration, 10*time.Minute)
	p.Interval = cmp.Or(p.Interval, 30*time.Second)
	p.Warmup = cmp.Or(p.Warmup, p.Duration/5)
	p.Growth = cmp.Or(p.Growth, 0.10)
	if p.Mix == (Mix{}) {
		p.Mix = DefaultMix
	}
	if p.Tick == nil {
		p.Tick = func(d time.Duration) (<-chan time.Time, func()) { t := time.NewTicker(d); return t.C, t.Stop }
	}
	return p
}

// Samples is how many samples the run takes.
func (p Params) Samples() int { return max(1, int(p.Duration/p.Interval)) }

// Target is the server under load.
type Target struct {
	// URL is its base URL, e.g. http://127.0.0.1:8080.
	URL string
	// KB is the knowledge base questions are asked of; Questions are
	// questions it answers.
	KB        string
	Questions []string
	// IngestKB is the knowledge base background ingestion writes to (not
	// KB: a changed knowledge base would turn every cache hit to a miss).
	IngestKB string
	Client   *http.Client
}

// Sampler reads what the server holds.
type Sampler interface {
	Usage(ctx context.Context) (Usage, error)
}

// Sample is one row of the soak: the server's usage at At and the
// requests that ended in the window before it.
type Sample struct {
	At time.Duration
	Usage
	Requests, Errors int
	// P99 is the 99th percentile latency of the window's chat requests
	// (whole answers, streamed or not).
	P99 time.Duration
}

// Report is a soak run's accounting.
type Report struct {
	Params  Params
	Samples []Sample
	// Counts are the requests sent, by kind (KindAsk, ...).
	Counts map[string]int
	// Requests and Errors are totals over every kind; Failures counts
	// the errors by what went wrong.
	Requests, Errors int
	Failures         map[string]int
	Verdict          Verdict
}

// The kinds of request a soak sends.
const (
	KindAsk      = "chat, new question"
	KindRepeat   = "chat, repeated question (cache hit)"
	KindStream   = "chat streamed, new question"
	KindRestream = "chat streamed, repeated question"
	KindFeedback = "feedback"
	KindIngest   = "document upload"
)

// Run loads t at p.RPS for p.Duration with p.Mix, samples s every
// p.Interval, printing each sample to out as a table row, and judges the
// run. It fails only when the server cannot be sampled or ctx ends.
func Run(ctx context.Context, t Target, s Sampler, p Params, out io.Writer) (Report, error) {
	p = p.withDefaults()
	if p.RPS <= 0 || len(t.Questions) == 0 {
		return Report{}, fmt.Errorf("soak: needs a rate and questions")
	}
	l := newLoad(t, p)
	if err := l.warm(ctx); err != nil {
		return Report{}, err
	}
	rep := Report{Params: p}
	fmt.Fprintf(out, "| at | requests | errors | requests/s | p99 ms | RSS MB | goroutines | heap in use MB | Postgres connections |\n")
	fmt.Fprintf(out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	ticks, stopTicks := p.Tick(p.Interval)
	defer stopTicks()
	lctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); l.run(lctx) }()
	for i := 1; i <= p.Samples(); i++ {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-ticks:
		}
		if i == p.Samples() {
			stopLoad()
			<-loadDone
		}
		smp := l.window()
		smp.At = time.Duration(i) * p.Interval
		u, err := s.Usage(ctx)
		if err != nil {
			return rep, fmt.Errorf("soak: sample the server: %w", err)
		}
		smp.Usage = u
		rep.Samples = append(rep.Samples, smp)
		fmt.Fprintln(out, smp.row(p.Interval))
	}
	rep.Counts, rep.Failures = l.totals()
	for _, n := range rep.Counts {
		rep.Requests += n
	}
	for _, n := range rep.Failures {
		rep.Errors += n
	}
	rep.Verdict = Judge(rep.Samples, rep.Errors, p)
	return rep, nil
}

// row renders the sample as a table row.
func (s Sample) row(window time.Duration) string {
	conns := "—"
	if s.Conns >= 0 {
		conns = fmt.Sprint(s.Conns)
	}
	return fmt.Sprintf("| %s | %d | %d | %.1f | %.1f | %.1f | %d | %.1f | %s |", clock(s.At), s.Requests, s.Errors,
		float64(s.Requests)/window.Seconds(), float64(s.P99.Microseconds())/1000, MB(s.RSS), s.Goroutines, MB(s.HeapInuse), conns)
}

// clock renders d as m:ss.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// WriteSummary prints the totals and the verdict.
func (r Report) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "\n%d requests, %d errors at %.1f requests/s for %s:", r.Requests, r.Errors, r.Params.RPS, r.Params.Duration)
	for _, k := range []string{KindAsk, KindRepeat, KindStream, KindRestream, KindFeedback, KindIngest} {
		fmt.Fprintf(w, " %s %d;", k, r.Counts[k])
	}
	fmt.Fprintln(w)
	for what, n := range r.Failures {
		fmt.Fprintf(w, "failed: %s × %d\n", what, n)
	}
	v := r.Verdict
	fmt.Fprintf(w, "after warm-up (%s): RSS growth %+.1f%%, goroutine growth %+.1f%% (median of the first third of the samples against the last third; bound %.0f%%)\n",
		r.Params.Warmup, 100*v.RSSGrowth, 100*v.GoroutineGrowth, 100*r.Params.Growth)
	if v.Pass {
		fmt.Fprintln(w, "PASS")
		return
	}
	fmt.Fprintf(w, "FAIL: %s\n", joinReasons(v.Reasons))
}

// load sends the soak's requests and keeps the window's accounting.
type load struct {
	t      Target
	p      Params
	client *http.Client
	hot    []string // the repeated questions

	mu       sync.Mutex
	rng      *rand.Rand
	seq      int
	counts   map[string]int
	failures map[string]int
	win      []time.Duration // chat latencies of the window
	winReqs  int
	winErrs  int
	inflight sync.WaitGroup
}

func newLoad(t Target, p Params) *load {
	c := cmp.Or(t.Client, http.DefaultClient)
	return &load{t: t, p: p, client: c, hot: t.Questions[:min(5, len(t.Questions))],
		rng: rand.New(rand.NewPCG(p.Seed, 0x50a4)), counts: map[string]int{}, failures: map[string]int{}}
}

// Capacity measures the requests per second the server answers with
// clients asking new questions back to back (a share Mix.Streams of them
// streamed) for d: the pace a soak is run at half of.
func Capacity(ctx context.Context, t Target, clients int, d time.Duration) (float64, error) {
	l := newLoad(t, Params{Mix: DefaultMix}.withDefaults())
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var answered int
	var firstErr error
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				kind, q := l.next()
				_, err := l.ask(ctx, q, kind == KindStream || kind == KindRestream)
				mu.Lock()
				switch {
				case err == nil:
					answered++
				case ctx.Err() == nil && firstErr == nil:
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, fmt.Errorf("soak: measure capacity: %w", firstErr)
	}
	return float64(answered) / d.Seconds(), nil
}
