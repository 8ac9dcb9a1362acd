package llm_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
	"supportd/internal/llm"
	"supportd/internal/testclock"
)

const userPrompt = `<passage id="P1" title="Refunds" source="billing/refunds.md">
Annual plans are refunded within 14 days. Monthly plans are not refunded.
</passage>

<question>Are annual plans refunded?</question>`

func request() llm.Request {
	return llm.Request{Messages: []llm.Message{{Role: "system", Content: "Answer from the passages."}, {Role: "user", Content: userPrompt}}, MaxTokens: 64}
}

// fake starts a fake LLM server and a provider pointed at it.
func fake(t *testing.T, model string) (*fakellm.Server, llm.Provider) {
	t.Helper()
	srv := fakellm.New(fakellm.Options{TokenDelay: time.Millisecond})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	p, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: model, BaseURL: hs.URL + "/v1", APIKey: "test"})
	require.NoError(t, err)
	return srv, p
}

func gateway(t *testing.T, p llm.GatewayParams, members ...llm.Member) *llm.Gateway {
	t.Helper()
	p.BackoffBase = max(p.BackoffBase, 5*time.Millisecond)
	g, err := llm.NewGateway(members, p)
	require.NoError(t, err)
	return g
}

func TestAnswersAndCountsUsage(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "primary")
	g := gateway(t, llm.GatewayParams{}, llm.Member{Provider: p})
	var streamed strings.Builder
	req := request()
	req.OnToken = func(_ context.Context, s string) error { streamed.WriteString(s); return nil }
	res, err := g.Generate(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, "Annual plans are refunded within 14 days. Monthly plans are not refunded. [P1]", res.Text)
	require.Equal(t, res.Text, streamed.String())
	require.Equal(t, 0, res.Position)
	require.Equal(t, "openai:primary", res.Provider)
	require.Positive(t, res.Usage.PromptTokens)
	require.Equal(t, 13, res.Usage.CompletionTokens, "the fake counts words")
	last := srv.LastRequest()
	require.Equal(t, "primary", last.Model)
	require.True(t, last.Stream, "the gateway always streams upstream to watch the first token")
	require.Equal(t, userPrompt, last.Messages[1].Content, "the exact prompt reaches the model")
}

func TestRetriesServerErrorsThenFallsBack(t *testing.T) {
	t.Parallel()
	srvA, a := fake(t, "a")
	srvB, b := fake(t, "b")
	srvA.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500})
	g := gateway(t, llm.GatewayParams{MaxAttempts: 3}, llm.Member{Provider: a}, llm.Member{Provider: b})
	res, err := g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, 1, res.Position)
	require.Equal(t, []llm.Skip{{Provider: "openai:a", Kind: llm.KindServer}}, res.Skipped)
	require.Equal(t, 3, srvA.Count("/chat/completions"), "three attempts at the primary")
	require.Equal(t, 1, srvB.Count("/chat/completions"))
	require.Equal(t, 4, res.Attempts)
}

func TestTransientErrorIsRetried(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "a")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 503, Times: 1})
	g := gateway(t, llm.GatewayParams{}, llm.Member{Provider: p})
	res, err := g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, 2, res.Attempts)
	require.Equal(t, 0, res.Position)
}

func TestRetryAfterIsHonouredWithinTheDeadline(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "a")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, RetryAfter: 1, Times: 1})
	var waits []time.Duration
	onRetry := func(_ string, d time.Duration) { waits = append(waits, d) }
	g := gateway(t, llm.GatewayParams{Total: 3 * time.Second, OnRetry: onRetry}, llm.Member{Provider: p})
	res, err := g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, []time.Duration{time.Second}, waits, "waited for Retry-After, not the backoff")
	require.Equal(t, 2, res.Attempts)

	// A Retry-After past the deadline is not waited for: the chain moves on.
	srv.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, RetryAfter: 30, Times: 1})
	waits = nil
	g = gateway(t, llm.GatewayParams{Total: 2 * time.Second, OnRetry: onRetry}, llm.Member{Provider: p})
	before := srv.Count("/chat/completions")
	res, err = g.Generate(context.Background(), request())
	require.Equal(t, llm.KindRateLimited, llm.KindOf(err))
	require.Equal(t, 1, res.Attempts, "no second attempt after a Retry-After past the deadline")
	require.Empty(t, waits)
	require.Equal(t, before+1, srv.Count("/chat/completions"))
}

func TestFirstTokenTimeout(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "slow")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: 2 * time.Second})
	g := gateway(t, llm.GatewayParams{FirstToken: 100 * time.Millisecond, Total: 5 * time.Second, MaxAttempts: 2}, llm.Member{Provider: p})
	res, err := g.Generate(context.Background(), request())
	require.Equal(t, llm.KindFirstToken, llm.KindOf(err), "cut at 100 ms rather than answered after the 2 s delay")
	require.Equal(t, 1, res.Attempts, "a first-token timeout is not retried")
}

func TestNeverEndingStreamIsCutAtTheDeadline(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "hang")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindHang})
	// An opening of two tokens: the stream has begun for the caller when
	// the total deadline ends it.
	g := gateway(t, llm.GatewayParams{FirstToken: time.Second, Total: 400 * time.Millisecond, OpeningTokens: 2}, llm.Member{Provider: p})
	var mu sync.Mutex
	var got strings.Builder
	req := request()
	req.OnToken = func(_ context.Context, s string) error { mu.Lock(); defer mu.Unlock(); got.WriteString(s); return nil }
	res, err := g.Generate(context.Background(), req)
	var chain *llm.ChainError
	require.ErrorAs(t, err, &chain)
	require.Equal(t, llm.KindTimeout, chain.Last.Kind)
	require.True(t, chain.Last.Streamed)
	mu.Lock()
	require.Equal(t, got.String(), chain.Last.Partial)
	mu.Unlock()
	require.NotEmpty(t, chain.Last.Partial)
	require.Equal(t, 1, res.Attempts, "streamed text is not retried")
}

func TestCutStream(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "cut")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindCut, Tokens: 3})
	g := gateway(t, llm.GatewayParams{MaxAttempts: 2, OpeningTokens: 2}, llm.Member{Provider: p})

	// Streaming to a caller: the cut text was shown (the opening is two
	// tokens), so no silent retry.
	req := request()
	req.OnToken = func(context.Context, string) error { return nil }
	_, err := g.Generate(context.Background(), req)
	var chain *llm.ChainError
	require.ErrorAs(t, err, &chain)
	require.Equal(t, llm.KindInterrupted, chain.Last.Kind)
	require.True(t, chain.Last.Streamed)
	require.Equal(t, "Annual plans are ", chain.Last.Partial)
	require.Equal(t, 1, srv.Count("/chat/completions"))

	// Not streaming: nothing was shown, so it is retried.
	_, err = g.Generate(context.Background(), request())
	require.Equal(t, llm.KindInterrupted, llm.KindOf(err))
	require.Equal(t, 3, srv.Count("/chat/completions"))
}

func TestMalformedAndEmptyMoveDownTheChain(t *testing.T) {
	t.Parallel()
	for _, kind := range []fakellm.Kind{fakellm.KindMalformed, fakellm.KindEmpty} {
		srvA, a := fake(t, "a")
		_, b := fake(t, "b")
		srvA.Inject(fakellm.Fault{Kind: kind})
		g := gateway(t, llm.GatewayParams{}, llm.Member{Provider: a}, llm.Member{Provider: b})
		res, err := g.Generate(context.Background(), request())
		require.NoError(t, err, kind)
		require.Equal(t, 1, res.Position, kind)
		require.Equal(t, llm.KindEmpty, res.Skipped[0].Kind, "%s: langchaingo skips undecodable stream lines, leaving no text", kind)
	}
}

func TestBreakerOpensAndSkipsTheProvider(t *testing.T) {
	t.Parallel()
	srvA, a := fake(t, "a")
	_, b := fake(t, "b")
	srvA.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500})
	clock := testclock.New()
	var mu sync.Mutex
	var changes []string
	g := gateway(t, llm.GatewayParams{MaxAttempts: 1, BreakerFailures: 3, BreakerCooldown: 30 * time.Second, Now: clock.Now,
		OnBreakerChange: func(p, from, to string) { mu.Lock(); defer mu.Unlock(); changes = append(changes, p+" "+from+"→"+to) }},
		llm.Member{Provider: a}, llm.Member{Provider: b})
	for range 3 {
		res, err := g.Generate(context.Background(), request())
		require.NoError(t, err)
		require.Equal(t, llm.KindServer, res.Skipped[0].Kind)
	}
	require.Equal(t, "open", g.BreakerStates()["openai:a"])
	before := srvA.Count("/chat/completions")
	res, err := g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, llm.KindCircuitOpen, res.Skipped[0].Kind)
	require.Equal(t, 1, res.Attempts, "only the secondary was called")
	require.Equal(t, before, srvA.Count("/chat/completions"), "an open breaker makes no call")

	// One moment short of the cool-down it still skips the provider.
	clock.Advance(30*time.Second - time.Nanosecond)
	require.Equal(t, "open", g.BreakerStates()["openai:a"])

	// A failed trial call after the cool-down opens it again for another
	// full cool-down.
	clock.Advance(time.Nanosecond)
	require.Equal(t, "half-open", g.BreakerStates()["openai:a"])
	res, err = g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, llm.KindServer, res.Skipped[0].Kind)
	require.Equal(t, before+1, srvA.Count("/chat/completions"), "one trial call")
	require.Equal(t, "open", g.BreakerStates()["openai:a"])

	// After the next cool-down one trial call goes through; success closes it.
	srvA.Reset()
	clock.Advance(30 * time.Second)
	res, err = g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, 0, res.Position)
	require.Equal(t, "closed", g.BreakerStates()["openai:a"])
	mu.Lock()
	require.Equal(t, []string{"openai:a closed→open", "openai:a open→half-open", "openai:a half-open→open",
		"openai:a open→half-open", "openai:a half-open→closed"}, changes)
	mu.Unlock()
}

func TestCallerCancellationIsNotAProviderFailure(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "a")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindHang})
	g := gateway(t, llm.GatewayParams{BreakerFailures: 1}, llm.Member{Provider: p})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel) // the client hangs up
	req := request()
	req.OnToken = func(context.Context, string) error { return nil }
	_, err := g.Generate(ctx, req)
	require.Equal(t, llm.KindCanceled, llm.KindOf(err))
	require.Equal(t, "closed", g.BreakerStates()["openai:a"])
}

type denyAll struct{}

func (denyAll) Allow(context.Context, string, int) (bool, time.Duration, error) {
	return false, time.Second, nil
}

type brokenLimiter struct{}

func (brokenLimiter) Allow(context.Context, string, int) (bool, time.Duration, error) {
	return false, 0, errors.New("redis down")
}

func TestProviderLimitsMoveDownTheChain(t *testing.T) {
	t.Parallel()
	srvA, a := fake(t, "a")
	_, b := fake(t, "b")
	g := gateway(t, llm.GatewayParams{}, llm.Member{Provider: a, Tokens: denyAll{}}, llm.Member{Provider: b, Requests: brokenLimiter{}})
	res, err := g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, 1, res.Position, "a broken limiter admits (fail-open)")
	require.Equal(t, []llm.Skip{{Provider: "openai:a", Kind: llm.KindProviderLimited}}, res.Skipped)
	require.Zero(t, srvA.Count("/chat/completions"))
}

func TestPrices(t *testing.T) {
	t.Parallel()
	ps, err := llm.ParsePrices("gpt-4o-mini=0.15/0.60, claude=3/15")
	require.NoError(t, err)
	require.InDelta(t, (1000*0.15+500*0.60)/1e6, ps.Cost("gpt-4o-mini", llm.Usage{PromptTokens: 1000, CompletionTokens: 500}), 1e-12)
	require.Zero(t, ps.Cost("unknown", llm.Usage{PromptTokens: 1000}))
	for _, bad := range []string{"x", "x=1", "x=a/b", "=1/2", "x=-1/2"} {
		_, err := llm.ParsePrices(bad)
		require.Error(t, err, bad)
	}
}
