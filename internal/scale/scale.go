package scale

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Params configures a `supportd scale-test` run.
type Params struct {
	Cluster ClusterParams
	// Golden is the golden set whose questions are asked.
	Golden string
	// Workers is how many load clients ask at once (default 6).
	Workers int
	// Load is how long the load runs after the limit checks (default 20s);
	// the kill comes a third of the way in.
	Load time.Duration
	// RPM is the per-client rate configured (default 120 a minute); the
	// rate check hammers one client for RateFor (default 10s).
	RPM     int
	RateFor time.Duration
	// Budget is the daily token budget per client (default 25000).
	Budget int
	// JobEvery is the period of the scheduled drift report (default 2s).
	JobEvery time.Duration
	// Kill, when set, SIGKILLs the last replica under load.
	Kill bool

	// clients ends the addresses of the checks' clients (a.b), unique to
	// the run.
	clients string
}

func (p *Params) defaults() {
	p.Workers = cmp.Or(p.Workers, 6)
	p.Load = cmp.Or(p.Load, 20*time.Second)
	p.RPM = cmp.Or(p.RPM, 120)
	p.RateFor = cmp.Or(p.RateFor, 10*time.Second)
	p.Budget = cmp.Or(p.Budget, 25000)
	p.JobEvery = cmp.Or(p.JobEvery, 2*time.Second)
	p.Cluster.Replicas = cmp.Or(p.Cluster.Replicas, 3)
}

// Run starts the cluster, checks what replicas must share, and kills one
// under load. The cluster is stopped before it returns.
func Run(ctx context.Context, p Params) (*Report, error) {
	p.defaults()
	questions, err := Questions(p.Golden)
	if err != nil {
		return nil, err
	}
	cp := p.Cluster
	cp.ServeEnv = append(cp.ServeEnv, fmt.Sprintf("SUPPORTD_CLIENT_RPM=%d", p.RPM),
		fmt.Sprintf("SUPPORTD_DAILY_TOKEN_BUDGET=%d", p.Budget),
		"SUPPORTD_DRIFT_SCHEDULE=@every "+p.JobEvery.String())
	started := time.Now()
	c, err := StartCluster(ctx, cp)
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	rep := &Report{}
	client := NewClient(c.URLs(), KB)
	// Redis outlives a run: what one run leaves there (cached answers,
	// rate-limit state) must not be what the next run's checks find.
	run := started.Unix()
	p.clients = fmt.Sprintf("%d.%d", run/250%250, run%250)
	if cp.RedisURL != "" {
		checkCache(ctx, rep, client, questions, run)
		rep.Phases = append(rep.Phases, Phase{Name: "cache check", Tally: client.Take()})
	}

	loadCtx, stopLoad := context.WithCancel(ctx)
	var load sync.WaitGroup
	load.Go(func() { client.Load(loadCtx, p.Workers, 20, questions, 0) })
	if cp.RedisURL != "" {
		var checks sync.WaitGroup
		var rate, budget Report
		checks.Go(func() { checkRate(ctx, &rate, client, p, questions[0]) })
		checks.Go(func() { checkBudget(ctx, &budget, client, p, questions) })
		checks.Wait()
		rep.Checks = append(append(rep.Checks, rate.Checks...), budget.Checks...)
	}
	time.Sleep(p.Load / 3)
	if p.Kill {
		// The tally is taken once the victim has exited: a response it had
		// written before the signal may still be read from the socket
		// afterwards, at most one per client in flight.
		victim := len(c.Replicas) - 1
		c.Replicas[victim].Kill()
		before := client.Take()
		rep.Phases = append(rep.Phases, Phase{Name: "load", Tally: before})
		time.Sleep(p.Load * 2 / 3)
		stopLoad()
		load.Wait()
		after := client.Take()
		rep.Phases = append(rep.Phases, Phase{Name: "after SIGKILL", Tally: after})
		others := 0
		for i, n := range after.PerTarget {
			if i != victim {
				others += n
			}
		}
		rep.check(after.PerTarget[victim] <= p.Workers && others > 0 && after.Bad() == 0, "replica killed",
			"after SIGKILL of replica%d the others answered %d, it answered %d (responses written before it died, at most one per client: %d); %d connection errors retried on another replica; %d failed, %d wrong",
			victim, others, after.PerTarget[victim], p.Workers, after.Retried, after.Outcomes[Failed], after.Outcomes[Wrong])
	} else {
		time.Sleep(p.Load * 2 / 3)
		stopLoad()
		load.Wait()
		rep.Phases = append(rep.Phases, Phase{Name: "load", Tally: client.Take()})
	}
	if cp.RedisURL != "" {
		checkJobs(ctx, rep, cp.DB, p.JobEvery, time.Since(started))
	}
	return rep, account(ctx, rep, cp.DB, cp.LogDir)
}

// checkCache asks one question of each replica in turn: the first answers
// from the model, the others from the shared cache. The question is new to
// the run; the first of the golden questions that the model answers (and
// does not hand off) is used.
func checkCache(ctx context.Context, rep *Report, c *Client, questions []string, run int64) {
	var modes []string
	for _, q := range questions[:min(10, len(questions))] {
		q = fmt.Sprintf("%s (run %d)", q, run)
		if first := c.AskAt(ctx, 0, q, "10.249.0.1").Mode; first != "llm" {
			continue
		}
		modes = []string{"llm"}
		for i := range c.Targets[1:] {
			modes = append(modes, c.AskAt(ctx, 1+i, q, "10.249.0.1").Mode)
		}
		break
	}
	ok := len(modes) == len(c.Targets)
	for _, m := range modes[min(1, len(modes)):] {
		ok = ok && m == "cache"
	}
	rep.check(ok, "shared cache", "one question asked of replica0, 1, 2 in turn was answered as %s", strings.Join(modes, ", "))
}

// checkRate hammers one client across every replica for RateFor: a
// global limit of RPM a minute with bursts of RPM admits RPM plus RPM/60
// a second, whatever replica each request reaches.
func checkRate(ctx context.Context, rep *Report, c *Client, p Params, q string) {
	var mu sync.Mutex
	allowed, refused := 0, 0
	start := time.Now()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for time.Since(start) < p.RateFor {
				r := c.Ask(ctx, q, "10.250."+p.clients)
				mu.Lock()
				if r.Status == http.StatusOK {
					allowed++
				} else if r.Outcome == Limited {
					refused++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	want := float64(p.RPM) + float64(p.RPM)*elapsed.Minutes()
	dev := (float64(allowed) - want) / want
	rep.check(math.Abs(dev) <= 0.05, "global rate limit",
		"one client at %d/min over %d replicas for %.1fs: %d admitted (configured %.0f, %+.1f%%), %d refused with 429",
		p.RPM, len(c.Targets), elapsed.Seconds(), allowed, want, 100*dev, refused)
}

// checkBudget spends one client's daily budget with questions no cache
// holds, one at a time round-robin (waiting out the client's rate limit),
// until it is refused; the usage table then holds the budget plus at most
// the last answer.
func checkBudget(ctx context.Context, rep *Report, c *Client, p Params, questions []string) {
	ip := "10.251." + p.clients
	answers, biggest := 0, 0
	for i := 0; i < 500; i++ {
		r := c.Ask(ctx, fmt.Sprintf("%s (ticket %d)", questions[i%len(questions)], i), ip)
		if r.Code == "budget_exhausted" {
			break
		}
		if r.Outcome == Limited {
			time.Sleep(time.Second)
		}
		if r.Tokens > 0 {
			answers++
			biggest = max(biggest, r.Tokens)
		}
	}
	spent, err := p.Cluster.DB.TokensToday(ctx, "ip:"+ip)
	if err != nil {
		rep.check(false, "global daily budget", "read usage: %v", err)
		return
	}
	dev := float64(spent-int64(p.Budget)) / float64(p.Budget)
	rep.check(dev >= 0 && dev <= 0.05, "global daily budget",
		"budget %d tokens, %d model answers round-robin over %d replicas before 429 budget_exhausted: %d spent (%+.1f%%; largest answer %d tokens)",
		p.Budget, answers, len(c.Targets), spent, 100*dev, biggest)
}

// checkJobs reads the scheduled drift reports: one per period (no two
// closer than half a period), none missing for long, each worked once.
func checkJobs(ctx context.Context, rep *Report, db Database, every, ran time.Duration) {
	runs, err := db.JobRuns(ctx, "drift_report")
	if err != nil {
		rep.check(false, "jobs once per period", "read jobs: %v", err)
		return
	}
	purges, err := db.JobRuns(ctx, "retention_purge")
	if err != nil {
		rep.check(false, "jobs once per period", "read jobs: %v", err)
		return
	}
	closest, widest, retried := time.Duration(math.MaxInt64), time.Duration(0), 0
	for i, r := range runs {
		if r.Attempt > 1 || r.State != "completed" && r.State != "running" && r.State != "available" {
			retried++
		}
		if i > 0 {
			gap := r.Created.Sub(runs[i-1].Created)
			closest, widest = min(closest, gap), max(widest, gap)
		}
	}
	want := int(ran / every)
	ok := len(runs) >= 2 && closest >= every/2 && retried == 0 && len(purges) == 1 && len(runs) >= want/3
	rep.check(ok, "jobs once per period",
		"drift report @every %s over %.0fs of %d replicas (one killed): %d runs, closest two %.1fs apart, widest gap %.1fs, %d not completed first time; the start-up retention purge ran %d time(s)",
		every, ran.Seconds(), 3, len(runs), closest.Seconds(), widest.Seconds(), retried, len(purges))
}

// account checks every phase's acknowledged turns against the database
// and the logs for panics.
func account(ctx context.Context, rep *Report, db Database, logDir string) error {
	var all []int64
	for i := range rep.Phases {
		ids := rep.Phases[i].Tally.Acked
		_, matched, err := db.StoredTurns(ctx, ids)
		if err != nil {
			return err
		}
		rep.Phases[i].Stored, rep.Phases[i].Lost = matched, len(ids)-matched
		all = append(all, ids...)
	}
	stored, matched, err := db.StoredTurns(ctx, all)
	if err != nil {
		return err
	}
	bad := 0
	for _, p := range rep.Phases {
		bad += p.Tally.Bad()
	}
	rep.check(matched == len(all), "no lost turn", "%d answers acknowledged with 200, %d of their turns stored (%d turns in all)",
		len(all), matched, stored)
	rep.check(bad == 0, "only retriable errors", "%d requests failed (a 5xx other than 503 with Retry-After, another error, no replica reachable) or got a wrong answer", bad)
	panics, err := Panics(logDir)
	if err != nil {
		return err
	}
	rep.check(len(panics) == 0, "no panic", "%d panics in the process logs %s", len(panics), strings.Join(panics, "; "))
	return nil
}
