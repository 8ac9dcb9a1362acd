package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"supportd/internal/eval"
	"supportd/internal/scenario"
)

// runSimulate sends a stream of questions to a running server, as customers
// would: a normal stream drawn from the golden set, then optionally a
// shifted one (a new product and pasted logs). It talks HTTP only, so the
// server's metrics, review queue and drift see real traffic.
func runSimulate(ctx context.Context, env *environment, args []string) error {
	fs := newCmdline(env, "simulate", "[--url URL] [--key KEY] [--kb NAME] [--normal N] [--shifted N]",
		"Sends questions to a running supportd over HTTP, as customers would: a normal\n"+
			"stream drawn from the golden set's answerable questions, then optionally a\n"+
			"shifted one (a new product, pasted logs) to exercise drift detection. Prints\n"+
			"the answers' modes per stream.")
	url := fs.String("url", "http://127.0.0.1:8080", "server to ask")
	key := fs.String("key", "", "API key (chat scope); empty when the server runs with SUPPORTD_AUTH=off")
	kb := fs.String("kb", "demo", "knowledge base")
	golden := fs.String("golden", "goldenset/demo.jsonl", "golden set whose answerable questions make the normal stream")
	normal := fs.Int("normal", 500, "normal questions")
	shifted := fs.Int("shifted", 0, "shifted questions sent after the normal ones")
	concurrency := fs.Int("concurrency", 8, "requests in flight")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.parseArgs(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse("takes no arguments, got %q", fs.Args())
	}
	set, err := eval.LoadGolden(*golden)
	if err != nil {
		return err
	}
	var base []string
	for _, c := range set.Cases {
		if !c.Declines() && len(c.History) == 0 {
			base = append(base, c.Question)
		}
	}
	if len(base) == 0 {
		return errors.New("the golden set has no answerable single-turn question")
	}
	s := scenario.New(base, *seed)
	c := &asker{url: *url, key: *key, kb: *kb, client: &http.Client{Timeout: time.Minute}}
	for _, phase := range []struct {
		name string
		qs   []string
	}{{"normal", s.Normal(*normal)}, {"shifted", s.Shifted(*shifted)}} {
		if len(phase.qs) == 0 {
			continue
		}
		start := time.Now()
		tally, err := c.askAll(ctx, phase.qs, *concurrency)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%-8s %4d questions in %5.1fs: %s\n", phase.name, len(phase.qs), time.Since(start).Seconds(), tally)
	}
	return nil
}

type asker struct {
	url, key, kb string
	client       *http.Client
}

// tally counts answers by mode (and failures by status).
type tally map[string]int

func (t tally) String() string {
	b, _ := json.Marshal(map[string]int(t))
	return string(b)
}

func (a *asker) askAll(ctx context.Context, qs []string, concurrency int) (tally, error) {
	out := tally{}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for _, q := range qs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			outcome, err := a.ask(ctx, q)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out[outcome]++
		}()
	}
	wg.Wait()
	if firstErr != nil && out["error"] == len(qs) {
		return out, fmt.Errorf("every request failed; first error: %w", firstErr)
	}
	return out, ctx.Err()
}

func (a *asker) ask(ctx context.Context, q string) (string, error) {
	body, _ := json.Marshal(map[string]string{"kb": a.kb, "question": q})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/v1/chat", bytes.NewReader(body))
	if err != nil {
		return "error", err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return "error", err
	}
	defer res.Body.Close()
	var ans struct {
		Mode string `json:"mode"`
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Sprintf("http_%d", res.StatusCode), nil
	}
	if err := json.NewDecoder(res.Body).Decode(&ans); err != nil {
		return "error", err
	}
	return ans.Mode, nil
}
