package scale

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultsParams configures a `supportd faults` run.
type FaultsParams struct {
	Cluster ClusterParams
	Golden  string
	// Workers is how many load clients ask at once (default 6); Miss is
	// the share of their questions no cache holds (default 0.8).
	Workers int
	Miss    float64
	// Phase is how long each fault lasts under load (default 8s).
	Phase time.Duration
	// RestartPostgres restarts the database server the cluster uses;
	// StopRedis and StartRedis stop and start its Redis.
	RestartPostgres, StopRedis, StartRedis func(ctx context.Context) error
}

// Script returns a function that runs a command and fails with its output.
func Script(name string, args ...string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
}

// faultRun is one run's cluster, load and report.
type faultRun struct {
	p      FaultsParams
	c      *Cluster
	client *Client
	rep    *Report
	http   *http.Client
}

// Faults starts the cluster and injects each fault in turn while the load
// runs throughout, accounting for every request after each.
func Faults(ctx context.Context, p FaultsParams) (*Report, error) {
	p.Workers = cmp.Or(p.Workers, 6)
	p.Miss = cmp.Or(p.Miss, 0.8)
	p.Phase = cmp.Or(p.Phase, 8*time.Second)
	p.Cluster.Replicas = cmp.Or(p.Cluster.Replicas, 3)
	questions, err := Questions(p.Golden)
	if err != nil {
		return nil, err
	}
	// A first-token deadline of 1 s keeps a hanging model's cost to each
	// answer short, and a breaker that cools down in 2 s lets the model
	// back soon after each model fault.
	p.Cluster.ServeEnv = append(p.Cluster.ServeEnv, "SUPPORTD_LLM_FIRST_TOKEN_TIMEOUT=1s", "SUPPORTD_BREAKER_COOLDOWN=2s")
	c, err := StartCluster(ctx, p.Cluster)
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	f := &faultRun{p: p, c: c, client: NewClient(c.URLs(), KB), rep: &Report{}, http: &http.Client{Timeout: 5 * time.Second}}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var load sync.WaitGroup
	load.Go(func() { f.client.Load(loadCtx, p.Workers, 20, questions, p.Miss) })
	defer func() { stopLoad(); load.Wait() }()

	f.phase("steady", func() error { time.Sleep(p.Phase); return nil })
	f.phase("model 500s", func() error { return f.modelFault(ctx, `{"kind":"status","status":500}`) })
	f.phase("model hangs", func() error { return f.modelFault(ctx, `{"kind":"hang"}`) })
	f.phase("postgres restart", func() error { return f.restartPostgres(ctx) })
	f.phase("redis stopped", func() error { return f.stopRedis(ctx) })
	f.phase("replica killed", func() error {
		c.Replicas[len(c.Replicas)-1].Kill()
		time.Sleep(p.Phase)
		return nil
	})
	stopLoad()
	load.Wait()
	last := f.client.Take()
	f.rep.Phases[len(f.rep.Phases)-1].Tally = merge(f.rep.Phases[len(f.rep.Phases)-1].Tally, last)
	for _, ph := range f.rep.Phases {
		f.rep.check(ph.Tally.Bad() == 0, ph.Name+": only answers, degraded answers and retriable refusals",
			"%d sent: %d answered, %d degraded, %d 429, %d 503 with Retry-After, %d failed, %d wrong",
			ph.Tally.Sent, ph.Tally.Outcomes[Answered], ph.Tally.Outcomes[Degraded], ph.Tally.Outcomes[Limited],
			ph.Tally.Outcomes[Unavailable], ph.Tally.Outcomes[Failed], ph.Tally.Outcomes[Wrong])
	}
	return f.rep, account(ctx, f.rep, p.Cluster.DB, p.Cluster.LogDir)
}

// phase runs one fault and closes its tally: what the load got from the
// start of the fault to the start of the next.
func (f *faultRun) phase(name string, run func() error) {
	if n := len(f.rep.Phases); n > 0 {
		f.rep.Phases[n-1].Tally = f.client.Take()
	} else {
		f.client.Take()
	}
	f.rep.Phases = append(f.rep.Phases, Phase{Name: name})
	if err := run(); err != nil {
		f.rep.check(false, name, "%v", err)
	}
}

// merge adds b's counts to a.
func merge(a, b Tally) Tally {
	if a.Outcomes == nil {
		return b
	}
	a.Sent += b.Sent
	a.Retried += b.Retried
	for k, v := range b.Outcomes {
		a.Outcomes[k] += v
	}
	for i, v := range b.PerTarget {
		a.PerTarget[i] += v
	}
	for k, v := range b.Modes {
		a.Modes[k] += v
	}
	a.Acked = append(a.Acked, b.Acked...)
	a.Failures = append(a.Failures, b.Failures...)
	return a
}

// modelFault makes the fake model misbehave for a phase, then heals it.
func (f *faultRun) modelFault(ctx context.Context, fault string) error {
	if err := f.send(ctx, http.MethodPost, f.c.Model.URL+"/v1/_fault", fault); err != nil {
		return err
	}
	time.Sleep(f.p.Phase)
	return f.send(ctx, http.MethodDelete, f.c.Model.URL+"/v1/_fault", "")
}

func (f *faultRun) send(ctx context.Context, method, url, body string) error {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := f.http.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: status %d", method, url, res.StatusCode)
	}
	return nil
}

// restartPostgres restarts the database under load while watching every
// replica's /readyz: each must turn false and back to true by itself.
func (f *faultRun) restartPostgres(ctx context.Context) error {
	watch, stop := context.WithCancel(ctx)
	seen := make([]map[bool]bool, len(f.c.Replicas))
	var wg sync.WaitGroup
	for i, r := range f.c.Replicas {
		seen[i] = map[bool]bool{}
		wg.Go(func() {
			for watch.Err() == nil {
				ready := f.get(watch, r.URL+"/readyz") == http.StatusOK
				if watch.Err() == nil {
					seen[i][ready] = true
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	start := time.Now()
	err := f.p.RestartPostgres(ctx)
	restarted := time.Since(start)
	back := f.waitReady(ctx, 30*time.Second)
	time.Sleep(f.p.Phase / 2)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	ok := back >= 0
	var states []string
	for i, s := range seen {
		ok = ok && s[false] && s[true]
		states = append(states, fmt.Sprintf("replica%d false:%v true:%v", i, s[false], s[true]))
	}
	f.rep.check(ok, "postgres restart: /readyz false then true", "restart took %.1fs, every replica ready %.1fs after it; %s",
		restarted.Seconds(), back.Seconds(), strings.Join(states, ", "))
	return nil
}

// waitReady waits until every replica's /readyz says ready and returns how
// long that took, or -1 when it did not happen within limit.
func (f *faultRun) waitReady(ctx context.Context, limit time.Duration) time.Duration {
	start := time.Now()
	for time.Since(start) < limit {
		all := true
		for _, r := range f.c.Replicas {
			all = all && f.get(ctx, r.URL+"/readyz") == http.StatusOK
		}
		if all {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return -1
}

func (f *faultRun) get(ctx context.Context, url string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	res, err := f.http.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// stopRedis stops Redis for a phase under load: every replica's limits and
// cache must say they run in process (metric and warning), then shared
// again once Redis is back.
func (f *faultRun) stopRedis(ctx context.Context) error {
	if err := f.p.StopRedis(ctx); err != nil {
		return err
	}
	time.Sleep(f.p.Phase)
	during := f.fallbacks(ctx)
	if err := f.p.StartRedis(ctx); err != nil {
		return err
	}
	var after map[string]float64
	for range 100 { // the load makes every component try Redis again
		if after = f.fallbacks(ctx); after["limit:client"] == 0 && after["cache"] == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	warned := 0
	for _, r := range f.c.Replicas {
		warned += countLines(r.LogPath, `"msg":"redis fails: running in process until it answers"`)
	}
	n := float64(len(f.c.Replicas))
	ok := during["limit:client"] == n && during["cache"] == n && after["limit:client"] == 0 && after["cache"] == 0 && warned > 0
	f.rep.check(ok, "redis stopped: in process, then shared again",
		"replicas with supportd_redis_fallback=1 while down: limit:client %.0f, cache %.0f of %.0f; after Redis returned: %.0f, %.0f; %d warnings logged",
		during["limit:client"], during["cache"], n, after["limit:client"], after["cache"], warned)
	return nil
}

// fallbacks sums supportd_redis_fallback by component over the replicas.
func (f *faultRun) fallbacks(ctx context.Context) map[string]float64 {
	sum := map[string]float64{}
	for _, r := range f.c.Replicas {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+"/metrics", nil)
		if err != nil {
			continue
		}
		res, err := f.http.Do(req)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line := sc.Text()
			rest, ok := strings.CutPrefix(line, `supportd_redis_fallback{component="`)
			if !ok {
				continue
			}
			comp, val, _ := strings.Cut(rest, `"} `)
			if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				sum[comp] += v
			}
		}
		res.Body.Close()
	}
	return sum
}
