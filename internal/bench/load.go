package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// LoadParams is one run of the load generator: Clients clients posting
// Body to URL back to back for Duration, with Key as a bearer token when
// set.
type LoadParams struct {
	URL      string
	Body     []byte
	Key      string
	Clients  int
	Duration time.Duration
}

// LoadResult is what a load run measured: requests per second and the
// latency percentiles (milliseconds) of the successful requests, and the
// requests that failed (transport errors and statuses other than 200).
type LoadResult struct {
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50"`
	P99      float64 `json:"p99"`
	Errors   int     `json:"errors"`
	Requests int     `json:"requests"`
}

// Load drives p.Clients clients against p.URL for p.Duration. It is the
// body of `supportd bench load`, which the gateway benchmark runs as a
// process of its own so that the load is not generated inside the server
// it measures. When the time is up no client starts another request, but
// each finishes the one in flight (every client sends at least one), and
// the rate is over the time the run really took: on a busy machine a short
// run still measures something instead of cancelling every request.
func Load(ctx context.Context, p LoadParams) (LoadResult, error) {
	if p.URL == "" || p.Clients < 1 || p.Duration <= 0 {
		return LoadResult{}, fmt.Errorf("bench load: needs a URL, at least one client and a positive duration")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: p.Clients}}
	defer client.CloseIdleConnections()
	// A request in flight at the end may take a minute more, no longer.
	ctx, cancel := context.WithTimeout(ctx, p.Duration+time.Minute)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range p.Clients {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for first := true; ctx.Err() == nil && (first || time.Since(start) < p.Duration); first = false {
				t, err := post(ctx, client, p)
				switch {
				case err == nil:
					mine = append(mine, t)
				case ctx.Err() == nil:
					bad++
				}
			}
			mu.Lock()
			lat, errs = append(lat, mine...), errs+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	return LoadResult{RPS: float64(len(lat)) / took.Seconds(), P50: ms(Percentile(lat, 50)), P99: ms(Percentile(lat, 99)),
		Errors: errs, Requests: len(lat)}, nil
}

// post sends one request and reads the whole response.
func post(ctx context.Context, client *http.Client, p LoadParams) (time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(p.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.Key != "" {
		req.Header.Set("Authorization", "Bearer "+p.Key)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", res.StatusCode)
	}
	return time.Since(start), nil
}
