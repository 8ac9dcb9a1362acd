package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/soak"
)

// StreamsParams is one run of the streams benchmark.
type StreamsParams struct {
	N          int           // concurrent streams
	TokenDelay time.Duration // the fake model's pause between tokens
	Words      int           // words of the model's scripted answer
	Every      time.Duration // how often the servers are sampled
	Corpus     string        // folder of the demo corpus
	Golden     string        // golden set whose answerable questions are asked
}

// Command is the command line that repeats the run.
func (p StreamsParams) Command() string {
	return fmt.Sprintf("supportd bench streams --n %d --token-delay %s --words %d", p.N, p.TokenDelay, p.Words)
}

// StreamServer is one server under test: where the streams are opened,
// what each one asks and how the server process is sampled.
type StreamServer struct {
	Name string
	URL  string
	// Body is the JSON body of stream i.
	Body    func(i int) []byte
	Process soak.Process
}

// StreamRun is what one server held.
type StreamRun struct {
	Name string
	// Idle is the server before the streams, Peak the largest figures
	// sampled while they ran (each its own maximum) and PeakRSS its
	// VmHWM at the end.
	Idle, Peak soak.Usage
	PeakRSS    uint64
	// MaxOpen is the most streams open at once, counted by the client
	// (response headers received, last event not yet).
	MaxOpen   int
	Completed int // streams that ended with a done event
	Failed    int
	Tokens    int // token events received in all
	Modes     map[string]int
	// Errors counts the failed streams by what went wrong.
	Errors map[string]int
	Took   time.Duration
}

// TokensPerStream is the mean number of token events of a completed
// stream.
func (r StreamRun) TokensPerStream() int {
	return r.Tokens / max(r.Completed, 1)
}

// StreamsSetup fills the benchmark's knowledge base with the demo corpus
// and returns its name and the questions to ask.
func StreamsSetup(ctx context.Context, d Deps, p StreamsParams) (string, []string, error) {
	if err := d.check(); err != nil {
		return "", nil, err
	}
	g := &gateway{d: GatewayDeps{Deps: d}, p: GatewayParams{Corpus: p.Corpus, Golden: p.Golden}}
	if err := g.setup(ctx, "bench-streams"); err != nil {
		return "", nil, err
	}
	return g.kb.Name, g.qs, nil
}

// HoldStreams opens p.N streams at once against s and reads each to its
// end, sampling the server every p.Every; the load generator is this
// process, the server another.
func HoldStreams(ctx context.Context, s StreamServer, p StreamsParams) (StreamRun, error) {
	run := StreamRun{Name: s.Name, Modes: map[string]int{}, Errors: map[string]int{}}
	var err error
	if run.Idle, err = s.Process.Usage(ctx); err != nil {
		return run, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: p.N, DisableCompression: true}}
	defer client.CloseIdleConnections()
	var open, maxOpen atomic.Int64
	stopSampling, sampled := watch(ctx, s.Process, p.Every)
	start := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range p.N {
		wg.Go(func() {
			res, err := stream(ctx, client, s.URL, s.Body(i), func(delta int64) {
				n := open.Add(delta)
				for m := maxOpen.Load(); n > m && !maxOpen.CompareAndSwap(m, n); m = maxOpen.Load() {
				}
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				run.Failed++
				run.Errors[soak.Failure(err)]++
				return
			}
			run.Completed++
			run.Tokens += res.tokens
			run.Modes[res.mode]++
		})
	}
	wg.Wait()
	run.Took = time.Since(start)
	stopSampling()
	run.Peak, err = sampled()
	run.MaxOpen = int(maxOpen.Load())
	if err == nil {
		_, run.PeakRSS, err = soak.ReadMemory(s.Process.PID)
	}
	return run, err
}

// watch reads the process's usage every interval until stop, keeping
// the largest of each figure.
func watch(ctx context.Context, p soak.Process, every time.Duration) (stop func(), peak func() (soak.Usage, error)) {
	done := make(chan struct{})
	var out soak.Usage
	var firstErr error
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			u, err := p.Usage(ctx)
			if err != nil {
				firstErr = err
				return
			}
			out.RSS, out.HeapInuse = max(out.RSS, u.RSS), max(out.HeapInuse, u.HeapInuse)
			out.Goroutines, out.Conns = max(out.Goroutines, u.Goroutines), max(out.Conns, u.Conns)
		}
	}()
	return func() { close(done); <-finished }, func() (soak.Usage, error) { return out, firstErr }
}

// streamResult is what one stream delivered.
type streamResult struct {
	tokens int
	mode   string
}

// stream posts body as an event-stream request and reads it to its done
// event, calling opened(+1) when the response headers arrive and
// opened(-1) when it ends.
func stream(ctx context.Context, c *http.Client, url string, body []byte, opened func(int64)) (streamResult, error) {
	var res streamResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("status %d", resp.StatusCode)
	}
	opened(1)
	defer opened(-1)
	return readEvents(resp.Body)
}

// readEvents counts the token events of an event stream and returns the
// mode of its done event.
func readEvents(r io.Reader) (streamResult, error) {
	done, tokens, err := soak.ReadStream(r)
	return streamResult{tokens: tokens, mode: done.Mode}, err
}

// StreamsReport is the outcome of the streams benchmark: supportd and a
// bare Echo SSE handler holding the same streams in the same run.
type StreamsReport struct {
	Params StreamsParams
	KB     string
	// Settings names the server's settings that shape the run.
	Settings   string
	Ours, Bare StreamRun
}

// WriteMarkdown prints the report.
func (r StreamsReport) WriteMarkdown(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "## supportd bench streams\n\n`%s` · %s · load average %s\n\n", p.Command(), machine(), cmpLoad())
	fmt.Fprintf(w, "%d concurrent `POST /v1/chat` streams (Accept: text/event-stream), distinct questions on knowledge base `%s`; "+
		"the fake LLM (its own process) streams a %d-word answer, one token every %s; the load generator is this process, "+
		"each server its own process, sampled every %s (RSS from /proc/PID/status, goroutines and heap from its /metrics). %s\n\n",
		p.N, r.KB, p.Words, p.TokenDelay, p.Every, r.Settings)
	fmt.Fprintln(w, "| server | streams open at once (max) | completed | failed | tokens per stream | RSS idle MB | RSS at peak MB | VmHWM MB | goroutines idle → peak | heap in use at peak MB | took s | modes |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, run := range []StreamRun{r.Ours, r.Bare} {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %.1f | %.1f | %.1f | %d → %d | %.1f | %.1f | %s |\n", run.Name, run.MaxOpen, run.Completed,
			run.Failed, run.TokensPerStream(), soak.MB(run.Idle.RSS), soak.MB(run.Peak.RSS), soak.MB(run.PeakRSS),
			run.Idle.Goroutines, run.Peak.Goroutines, soak.MB(run.Peak.HeapInuse), run.Took.Seconds(), modes(run.Modes))
	}
	for _, run := range []StreamRun{r.Ours, r.Bare} {
		if len(run.Errors) > 0 {
			fmt.Fprintf(w, "\n%s failures: %s\n", run.Name, modes(run.Errors))
		}
	}
	fmt.Fprintf(w, "\nratio of RSS at peak: %.2f · of goroutines at peak: %.2f · of heap in use at peak: %.2f\n\n",
		times(float64(r.Ours.Peak.RSS), float64(r.Bare.Peak.RSS)), times(float64(r.Ours.Peak.Goroutines), float64(r.Bare.Peak.Goroutines)),
		times(float64(r.Ours.Peak.HeapInuse), float64(r.Bare.Peak.HeapInuse)))
}

func times(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// cmpLoad is the load average now, or "unknown".
func cmpLoad() string {
	if l := loadNow(); l != "" {
		return l
	}
	return "unknown"
}

// RatioRows are the benchmark table's row: supportd's RSS at peak with N
// streams against the bare handler's under the same streams.
func (r StreamsReport) RatioRows() []RatioRow {
	row := NewRatioRow(fmt.Sprintf("RSS with %d concurrent SSE streams", r.Params.N), "MB", soak.MB(r.Ours.Peak.RSS),
		"bare Echo SSE handler, same tokens and rate", soak.MB(r.Bare.Peak.RSS), AtMost(150))
	row.Note = fmt.Sprintf("at peak supportd held %d streams open at once with %d goroutines and %.1f MB of heap in use (bare: %d open, %d goroutines, %.1f MB); %d and %d streams failed",
		r.Ours.MaxOpen, r.Ours.Peak.Goroutines, soak.MB(r.Ours.Peak.HeapInuse), r.Bare.MaxOpen, r.Bare.Peak.Goroutines,
		soak.MB(r.Bare.Peak.HeapInuse), r.Ours.Failed, r.Bare.Failed)
	return []RatioRow{row}
}

// BareSSE is the baseline server: an Echo handler that streams words
// token events, one every delay, then a done event, the way /v1/chat
// streams an answer, and serves the Go runtime's metrics at /metrics.
func BareSSE(words int, delay time.Duration, metrics http.Handler) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/metrics", echo.WrapHandler(metrics))
	e.POST("/v1/chat", func(c echo.Context) error {
		if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
			return err
		}
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, "text/event-stream")
		w.Header().Set(echo.HeaderCacheControl, "no-cache")
		w.WriteHeader(http.StatusOK)
		ctx := c.Request().Context()
		for i := range words {
			if i > 0 && pause(ctx, delay) != nil {
				return nil //nolint:nilerr // the client left
			}
			if _, err := fmt.Fprintf(w, "event: token\ndata: {\"text\":\"word%d \"}\n\n", i); err != nil {
				return nil //nolint:nilerr // the client left
			}
			w.Flush()
		}
		_, _ = io.WriteString(w, "event: done\ndata: {\"mode\":\"bare\"}\n\n")
		w.Flush()
		return nil
	})
	return e
}

// pause waits d, as the fake model does between tokens, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
