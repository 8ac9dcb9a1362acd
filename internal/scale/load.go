package scale

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome is what a client finally got for one request, after retrying
// connection errors on the other replicas.
type Outcome string

// The outcomes. Only the last two are failures.
const (
	// Answered is a 200 with the model's answer, fresh or cached.
	Answered Outcome = "answered"
	// Degraded is a 200 that says it is degraded: the fallback model, the
	// extractive answer, a handoff or a refusal.
	Degraded Outcome = "degraded"
	// Limited is a 429 with Retry-After (rate limit or budget).
	Limited Outcome = "429"
	// Unavailable is a 503 with Retry-After.
	Unavailable Outcome = "503"
	// Failed is anything else: another 5xx or 4xx, a 503 or 429 without
	// Retry-After, an unreadable 200, or no replica reachable.
	Failed Outcome = "failed"
	// Wrong is a 200 whose answer differs from the one the same question
	// got earlier in the same mode.
	Wrong Outcome = "wrong"
)

// Reply is one request's result as the client saw it.
type Reply struct {
	Outcome Outcome
	Status  int
	// Target is the replica that answered (index into Client.Targets).
	Target int
	TurnID int64
	Mode   string
	Text   string
	Tokens int
	Code   string // the error code of a refusal
	Err    string // what made it Failed
}

// Tally counts outcomes over a phase.
type Tally struct {
	Sent     int
	Outcomes map[Outcome]int
	// Retried counts connection errors retried on another replica.
	Retried int
	// PerTarget counts 200s by replica.
	PerTarget []int
	// Modes counts 200s by answer mode.
	Modes map[string]int
	// Acked are the turn ids of every 200.
	Acked []int64
	// Failures describes the first failed requests.
	Failures []string
}

// Bad is the number of requests that failed or got a wrong answer.
func (t Tally) Bad() int { return t.Outcomes[Failed] + t.Outcomes[Wrong] }

// Client asks questions round-robin across replicas, the way a load
// balancer without health checks would, and tallies what comes back.
type Client struct {
	Targets []string
	KB      string
	http    *http.Client
	next    atomic.Uint64

	mu      sync.Mutex
	tally   Tally
	answers map[string]string
}

// NewClient returns a client over the replicas at targets (base URLs).
func NewClient(targets []string, kb string) *Client {
	c := &Client{Targets: targets, KB: kb, answers: map[string]string{},
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	c.Take()
	return c
}

// Take returns the tally so far and starts a new one.
func (c *Client) Take() Tally {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tally
	c.tally = Tally{Outcomes: map[Outcome]int{}, Modes: map[string]int{}, PerTarget: make([]int, len(c.Targets))}
	return t
}

// Ask asks question as the visitor at address ip (sent as X-Forwarded-For,
// which names the client to rate limits and budgets). A connection error
// is retried on the next replica, until every one has been tried.
func (c *Client) Ask(ctx context.Context, question, ip string) Reply {
	var r Reply
	first := int(c.next.Add(1) - 1)
	for i := range c.Targets {
		var err error
		r, err = c.askOnce(ctx, (first+i)%len(c.Targets), question, ip)
		if err == nil || !isConnError(err) || ctx.Err() != nil {
			break
		}
		c.mu.Lock()
		c.tally.Retried++
		c.mu.Unlock()
		r.Err = "no replica reachable: " + err.Error()
	}
	c.record(question, &r)
	return r
}

// AskAt asks replica target only, without retrying elsewhere.
func (c *Client) AskAt(ctx context.Context, target int, question, ip string) Reply {
	r, _ := c.askOnce(ctx, target, question, ip)
	c.record(question, &r)
	return r
}

// askOnce sends one request; its error is the transport's, also recorded
// in the reply as a failure.
func (c *Client) askOnce(ctx context.Context, target int, question, ip string) (Reply, error) {
	r := Reply{Target: target}
	body, _ := json.Marshal(map[string]string{"kb": c.KB, "question": question})
	if err := c.post(ctx, target, body, ip, &r); err != nil {
		r.Outcome, r.Err = Failed, err.Error()
		return r, err
	}
	return r, nil
}

// isConnError reports an error of the kind a killed replica causes: the
// connection refused or dropped before a response.
func isConnError(err error) bool {
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "connection reset") ||
		strings.Contains(s, "EOF") || strings.Contains(s, "broken pipe")
}

func (c *Client) post(ctx context.Context, target int, body []byte, ip string, r *Reply) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Targets[target]+"/v1/chat", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	r.Status = res.StatusCode
	classify(res, data, r)
	return nil
}

// classify sets r's outcome from a response.
func classify(res *http.Response, data []byte, r *Reply) {
	retryAfter := res.Header.Get("Retry-After") != ""
	switch {
	case res.StatusCode == http.StatusOK:
		var a struct {
			TurnID int64  `json:"turn_id"`
			Mode   string `json:"mode"`
			Text   string `json:"answer"`
			Usage  *struct {
				Prompt     int `json:"prompt_tokens"`
				Completion int `json:"completion_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal(data, &a); err != nil || a.TurnID <= 0 || a.Text == "" {
			r.Outcome, r.Err = Failed, fmt.Sprintf("unreadable answer: %.200s", data)
			return
		}
		r.TurnID, r.Mode, r.Text = a.TurnID, a.Mode, a.Text
		if a.Usage != nil {
			r.Tokens = a.Usage.Prompt + a.Usage.Completion
		}
		r.Outcome = Degraded
		if a.Mode == "llm" || a.Mode == "cache" {
			r.Outcome = Answered
		}
	case (res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable) && retryAfter:
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		r.Code = e.Error.Code
		r.Outcome = Limited
		if res.StatusCode == http.StatusServiceUnavailable {
			r.Outcome = Unavailable
		}
	default:
		r.Outcome, r.Err = Failed, fmt.Sprintf("status %d (Retry-After %q): %.200s", res.StatusCode, res.Header.Get("Retry-After"), data)
	}
}

// record tallies r, first checking that an answer matches the one its
// question got before in the same mode: the fake model and retrieval are
// deterministic, so any difference is an answer to something else.
func (c *Client) record(question string, r *Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Status == http.StatusOK && r.Outcome != Failed {
		class := r.Mode
		if class == "cache" {
			class = "llm"
		}
		key := class + "\x00" + question
		if want, ok := c.answers[key]; !ok {
			c.answers[key] = r.Text
		} else if want != r.Text {
			r.Outcome, r.Err = Wrong, fmt.Sprintf("%q answered %.80q, earlier %.80q", question, r.Text, want)
		}
		c.tally.Acked = append(c.tally.Acked, r.TurnID)
		c.tally.PerTarget[r.Target]++
		c.tally.Modes[r.Mode]++
	}
	c.tally.Sent++
	c.tally.Outcomes[r.Outcome]++
	if r.Err != "" && len(c.tally.Failures) < 10 {
		c.tally.Failures = append(c.tally.Failures, r.Err)
	}
}

// Load keeps workers asking questions until ctx ends; requests in flight
// then finish, so that every request sent is accounted for. Each worker is
// a client of its own address, changing address every perClient requests
// so that no load client reaches its rate limit or budget. A share miss of
// the questions are made new (numbered), so that no cache holds them.
func (c *Client) Load(ctx context.Context, workers, perClient int, questions []string, miss float64) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; ctx.Err() == nil; i++ {
				ip := fmt.Sprintf("10.%d.%d.%d", 1+w, (i/perClient)/250, 1+(i/perClient)%250)
				q := questions[rng.IntN(len(questions))]
				if rng.Float64() < miss {
					q = fmt.Sprintf("%s (case %d-%d)", q, w, i)
				}
				r := c.Ask(context.WithoutCancel(ctx), q, ip)
				if r.Outcome == Limited || r.Outcome == Unavailable {
					select { // a polite client waits a little before the next
					case <-ctx.Done():
					case <-time.After(50 * time.Millisecond):
					}
				}
			}
		})
	}
	wg.Wait()
}
