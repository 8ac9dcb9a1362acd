package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sethvargo/go-retry"
)

// errFirstToken is the cancellation cause when no token arrived in time.
var errFirstToken = errors.New("no token before the first-token deadline")

// Limiter admits calls to a provider; n is requests or tokens. It never
// blocks. A limiter that fails is treated as admitting (fail-open): a
// broken Redis must not take answers down.
type Limiter interface {
	Allow(ctx context.Context, key string, n int) (allowed bool, retryAfter time.Duration, err error)
}

// Member is one provider in the fallback chain with its own limits.
type Member struct {
	Provider Provider
	// Requests and Tokens limit calls per period; nil means unlimited.
	Requests Limiter
	Tokens   Limiter
}

// GatewayParams tunes a Gateway.
type GatewayParams struct {
	// FirstToken is the request's first-token deadline, default 5 s,
	// counted from the request's start (Request.Elapsed): an attempt, a
	// retry or the next model starts only before it, and a model whose
	// opening has not arrived by then is abandoned, not retried.
	FirstToken time.Duration
	// OpeningTokens is how many streamed chunks make the answer's opening,
	// which must arrive by the first-token deadline and is held back from
	// the caller until it has; default DefaultOpeningTokens. A stream that
	// has begun but trickles slower than this is abandoned like a stall.
	OpeningTokens int
	Total         time.Duration // whole generation across attempts; default 20 s
	MaxAttempts   int           // per provider; default 3
	BackoffBase   time.Duration // default 100 ms, doubling, ±50% jitter
	// BreakerFailures consecutive failures open a provider's breaker for
	// BreakerCooldown. Defaults 5 and 30 s.
	BreakerFailures int
	BreakerCooldown time.Duration
	// OnBreakerChange is told about state changes, e.g. for metrics.
	OnBreakerChange func(provider string, from, to string)
	// CountTokens estimates a prompt's tokens for the token limit.
	CountTokens func(string) int
	// Observe, when set, is told each attempt's time to first token
	// ("llm_first_token") and each successful generation's time ("llm").
	Observe func(stage string, d time.Duration)
	// OnSkip, when set, is told why a provider was passed over.
	OnSkip func(provider string, kind Kind)
	// OnRetry, when set, is told how long the gateway waits before it
	// retries a provider: the backoff, or the provider's Retry-After.
	OnRetry func(provider string, delay time.Duration)
	// OnConfigError, when set, is told when a provider starts refusing
	// calls as misconfigured (401, 403, 404) and when a call succeeds
	// again, e.g. for a metric.
	OnConfigError func(provider, model string, failing bool)
	// Now is the gateway's clock (breaker cool-downs, config errors);
	// default time.Now.
	Now func() time.Time
}

// Gateway runs a request down a chain of providers.
type Gateway struct {
	chain []gatewayMember
	p     GatewayParams
}

type gatewayMember struct {
	Member
	breaker *breaker
	config  *configWatch
}

// NewGateway builds a gateway over chain (primary first).
func NewGateway(chain []Member, p GatewayParams) (*Gateway, error) {
	if len(chain) == 0 {
		return nil, errors.New("llm gateway: no provider")
	}
	p.FirstToken = cmp.Or(p.FirstToken, 5*time.Second)
	p.OpeningTokens = cmp.Or(p.OpeningTokens, DefaultOpeningTokens)
	p.Total = cmp.Or(p.Total, 20*time.Second)
	p.MaxAttempts = cmp.Or(p.MaxAttempts, 3)
	p.BackoffBase = cmp.Or(p.BackoffBase, 100*time.Millisecond)
	p.BreakerFailures = cmp.Or(p.BreakerFailures, 5)
	p.BreakerCooldown = cmp.Or(p.BreakerCooldown, 30*time.Second)
	if p.CountTokens == nil {
		p.CountTokens = func(s string) int { return len(s) / 4 }
	}
	if p.Observe == nil {
		p.Observe = func(string, time.Duration) {}
	}
	if p.OnSkip == nil {
		p.OnSkip = func(string, Kind) {}
	}
	if p.OnRetry == nil {
		p.OnRetry = func(string, time.Duration) {}
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	g := &Gateway{p: p}
	for _, m := range chain {
		if m.Provider == nil {
			return nil, errors.New("llm gateway: nil provider")
		}
		name := m.Provider.Name()
		g.chain = append(g.chain, gatewayMember{Member: m, breaker: g.newBreaker(name),
			config: &configWatch{provider: name, model: m.Provider.Model(), now: p.Now, onChange: p.OnConfigError}})
	}
	return g, nil
}

func (g *Gateway) newBreaker(name string) *breaker {
	return &breaker{name: name, failures: g.p.BreakerFailures, cooldown: g.p.BreakerCooldown, now: g.p.Now,
		state: stateClosed, onChange: g.p.OnBreakerChange,
		// A client that hung up says nothing about the provider's health.
		excluded: func(err error) bool { return KindOf(err) == KindCanceled }}
}

// Providers names the chain, primary first.
func (g *Gateway) Providers() []string {
	out := make([]string, len(g.chain))
	for i, m := range g.chain {
		out[i] = m.Provider.Name()
	}
	return out
}

// BreakerStates reports each provider's breaker state ("closed", "open",
// "half-open").
func (g *Gateway) BreakerStates() map[string]string {
	out := make(map[string]string, len(g.chain))
	for _, m := range g.chain {
		out[m.Provider.Name()] = m.breaker.State()
	}
	return out
}

// Result is a generation with how it was obtained.
type Result struct {
	Response
	// Position is the chain index that answered: 0 the primary.
	Position int
	// Skipped lists why earlier providers did not answer.
	Skipped []Skip
	// Attempts counts upstream calls across the chain.
	Attempts int
	// Charges are what the calls billed, failed and retried ones
	// included, in order; set on failure too.
	Charges []Charge
}

// Skip is why one provider did not answer.
type Skip struct {
	Provider string
	Kind     Kind
}

func (s Skip) String() string { return s.Provider + ": " + string(s.Kind) }

// ChainError says why no provider answered.
type ChainError struct {
	Skipped []Skip
	// Last is the final provider's failure; when it had streamed text,
	// Last.Streamed is true and Last.Partial holds it.
	Last *Error
}

func (e *ChainError) Error() string { return fmt.Sprintf("no model answered: %v", e.Skipped) }

// Unwrap exposes the last failure.
func (e *ChainError) Unwrap() error { return e.Last }

// Generate asks each provider in turn until one answers within the total
// deadline. A provider is skipped when its breaker is open or its limits
// are spent. Once text has streamed to req.OnToken the chain stops: the
// caller must finish the answer honestly rather than switch voices silently.
func (g *Gateway) Generate(ctx context.Context, req Request) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, g.p.Total)
	defer cancel()
	firstBy := time.Now().Add(g.p.FirstToken - req.Elapsed)
	res := Result{}
	var last *Error
	for i, m := range g.chain {
		name := m.Provider.Name()
		kind, ok := g.admit(ctx, m, req)
		if ok && !time.Now().Before(firstBy) {
			kind, ok = KindFirstToken, false
		}
		if !ok {
			last = &Error{Provider: name, Kind: kind}
			res.Skipped = append(res.Skipped, Skip{name, kind})
			g.p.OnSkip(name, kind)
			continue
		}
		began := time.Now()
		resp, attempts, err := g.tryProvider(ctx, m, req, firstBy, &res.Charges)
		res.Attempts += attempts
		if err == nil {
			g.p.Observe("llm", time.Since(began))
			res.Response, res.Position = resp, i
			return res, nil
		}
		last = asError(name, err)
		res.Skipped = append(res.Skipped, Skip{name, last.Kind})
		g.p.OnSkip(name, last.Kind)
		if last.Streamed || last.Kind == KindCanceled || ctx.Err() != nil {
			break
		}
	}
	return res, &ChainError{Skipped: res.Skipped, Last: last}
}

// admit checks the provider's breaker and limits before any call.
func (g *Gateway) admit(ctx context.Context, m gatewayMember, req Request) (Kind, bool) {
	if m.breaker.State() == stateOpen {
		return KindCircuitOpen, false
	}
	name := m.Provider.Name()
	if m.Requests != nil {
		if ok, _, err := m.Requests.Allow(ctx, name, 1); err == nil && !ok {
			return KindProviderLimited, false
		}
	}
	if m.Tokens != nil {
		n := 0
		for _, msg := range req.Messages {
			n += g.p.CountTokens(msg.Content)
		}
		n += req.MaxTokens
		if ok, _, err := m.Tokens.Allow(ctx, name, n); err == nil && !ok {
			return KindProviderLimited, false
		}
	}
	return "", true
}

// tryProvider makes up to MaxAttempts attempts at one provider, backing off
// between retryable failures and never sleeping past the deadline or the
// first-token deadline firstBy. What each call billed is appended to
// charges.
func (g *Gateway) tryProvider(ctx context.Context, m gatewayMember, req Request, firstBy time.Time, charges *[]Charge) (Response, int, error) {
	attempts := 0
	var override time.Duration
	backoff := retry.WithMaxRetries(uint64(g.p.MaxAttempts-1),
		retry.WithJitterPercent(50, retry.NewExponential(g.p.BackoffBase)))
	bounded := deadlineBackoff(ctx, firstBy, backoff, &override)
	backoff = retry.BackoffFunc(func() (time.Duration, bool) {
		d, stop := bounded.Next()
		if !stop {
			g.p.OnRetry(m.Provider.Name(), d)
		}
		return d, stop
	})
	resp, err := retry.DoValue(ctx, backoff, func(ctx context.Context) (Response, error) {
		attempts++
		resp, err := m.breaker.Execute(func() (Response, error) { return g.attempt(ctx, m.Provider, req, firstBy) })
		if err == nil {
			*charges = append(*charges, Charge{Provider: m.Provider.Name(), Model: m.Provider.Model(), Usage: resp.Usage})
			m.config.observe(nil)
			return resp, nil
		}
		e := asError(m.Provider.Name(), err)
		m.config.observe(e)
		if e.Usage.Total() > 0 {
			*charges = append(*charges, Charge{Provider: m.Provider.Name(), Model: m.Provider.Model(), Usage: e.Usage})
		}
		if e.retryable() {
			override = e.RetryAfter
			return Response{}, retry.RetryableError(e)
		}
		return Response{}, e
	})
	return resp, attempts, err
}

// deadlineBackoff lets a Retry-After replace the computed delay and stops
// retrying when the delay would end past ctx's deadline or firstBy.
func deadlineBackoff(ctx context.Context, firstBy time.Time, next retry.Backoff, override *time.Duration) retry.Backoff {
	return retry.BackoffFunc(func() (time.Duration, bool) {
		d, stop := next.Next()
		if stop {
			return 0, true
		}
		if *override > 0 {
			d, *override = *override, 0
		}
		if dl, has := ctx.Deadline(); has && time.Until(dl) <= d {
			return 0, true
		}
		if time.Until(firstBy) <= d {
			return 0, true
		}
		return d, false
	})
}

// attempt is one upstream call with the first-token deadline firstBy: a
// timer cancels the call unless the answer's opening (see opening) arrives
// first. The opening is held back from the caller until it is whole.
func (g *Gateway) attempt(ctx context.Context, p Provider, req Request, firstBy time.Time) (Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	o := &opening{need: g.p.OpeningTokens}
	timer := time.AfterFunc(time.Until(firstBy), func() {
		if cause := o.expire(); cause != nil {
			cancel(cause)
		}
	})
	defer timer.Stop()
	inner := req
	shown := false // whether the caller has seen text of this attempt
	began, first := time.Now(), true
	pass := func(ctx context.Context, text string) error {
		if text == "" || req.OnToken == nil {
			return nil
		}
		shown = true
		return req.OnToken(ctx, text)
	}
	inner.OnToken = func(ctx context.Context, text string) error {
		if first {
			first = false
			g.p.Observe("llm_first_token", time.Since(began))
		}
		release, ok := o.add(text)
		if !ok {
			return context.Cause(ctx)
		}
		return pass(ctx, release)
	}
	resp, err := p.Generate(ctx, inner)
	if err == nil {
		timer.Stop()
		err = pass(ctx, o.finish())
	}
	var e *Error
	if errors.As(err, &e) {
		// Text the caller never saw can be discarded and retried.
		e.Streamed = shown
		if !shown {
			e.Partial = ""
		}
	}
	return resp, err
}

// asError normalises what the breaker or a provider returned.
func asError(provider string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, errBreakerOpen) {
		return &Error{Provider: provider, Kind: KindCircuitOpen, Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Provider: provider, Kind: KindTimeout, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Provider: provider, Kind: KindCanceled, Err: err}
	}
	return &Error{Provider: provider, Kind: KindNetwork, Err: err}
}
