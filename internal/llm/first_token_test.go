package llm_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
	"supportd/internal/llm"
)

// The first-token deadline is the request's, not each attempt's: a model
// that stalls is asked once, and once the deadline has passed no other
// model is started, so the caller answers without a model right away.
func TestAStalledModelIsAskedOnce(t *testing.T) {
	t.Parallel()
	srvA, a := fake(t, "a")
	srvB, b := fake(t, "b")
	srvA.Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Minute})
	g := gateway(t, llm.GatewayParams{FirstToken: 100 * time.Millisecond, Total: time.Minute, MaxAttempts: 3},
		llm.Member{Provider: a}, llm.Member{Provider: b})
	res, err := g.Generate(context.Background(), request())
	var chain *llm.ChainError
	require.ErrorAs(t, err, &chain)
	require.Equal(t, []llm.Skip{{Provider: "openai:a", Kind: llm.KindFirstToken}, {Provider: "openai:b", Kind: llm.KindFirstToken}},
		chain.Skipped)
	require.Equal(t, 1, res.Attempts)
	require.Equal(t, 1, srvA.Count("/chat/completions"), "a first-token timeout is not retried on the same model")
	require.Zero(t, srvB.Count("/chat/completions"), "no model starts after the deadline")
}

// A model that fails fast leaves the rest of the first-token window to the
// next one.
func TestAFastFailureLeavesTheWindowToTheFallback(t *testing.T) {
	t.Parallel()
	srvA, a := fake(t, "a")
	srvB, b := fake(t, "b")
	srvA.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500})
	g := gateway(t, llm.GatewayParams{FirstToken: 5 * time.Second, MaxAttempts: 2}, llm.Member{Provider: a}, llm.Member{Provider: b})
	res, err := g.Generate(context.Background(), request())
	require.NoError(t, err)
	require.Equal(t, 1, res.Position)
	require.Equal(t, 2, srvA.Count("/chat/completions"))
	require.Equal(t, 1, srvB.Count("/chat/completions"))
}

// Retries never wait past the first-token deadline: a Retry-After beyond
// it ends the attempts at once.
func TestRetryAfterBeyondTheFirstTokenDeadlineIsNotAwaited(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "a")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, RetryAfter: 2})
	g := gateway(t, llm.GatewayParams{FirstToken: time.Second, Total: time.Minute, MaxAttempts: 3}, llm.Member{Provider: p})
	res, err := g.Generate(context.Background(), request())
	require.Equal(t, llm.KindRateLimited, llm.KindOf(err))
	require.Equal(t, 1, res.Attempts)
}

// A stream that begins but trickles is a stall too: its opening does not
// arrive by the deadline, so the caller, who was shown none of it, gets no
// model text, the model is not retried and no other model starts.
func TestATricklingStreamIsAbandonedAtTheDeadline(t *testing.T) {
	t.Parallel()
	srvA, a := fake(t, "a")
	srvB, b := fake(t, "b")
	srvA.Inject(fakellm.Fault{Kind: fakellm.KindHang}) // one token per 100 ms
	// An opening of 100 tokens takes the hang ten seconds.
	g := gateway(t, llm.GatewayParams{FirstToken: 300 * time.Millisecond, Total: time.Minute, MaxAttempts: 3, OpeningTokens: 100},
		llm.Member{Provider: a}, llm.Member{Provider: b})
	var shown atomic.Int32
	req := request()
	req.OnToken = func(context.Context, string) error { shown.Add(1); return nil }
	res, err := g.Generate(context.Background(), req)
	var chain *llm.ChainError
	require.ErrorAs(t, err, &chain)
	require.Equal(t, []llm.Skip{{Provider: "openai:a", Kind: llm.KindSlowStream}, {Provider: "openai:b", Kind: llm.KindFirstToken}},
		chain.Skipped)
	require.False(t, chain.Last.Streamed)
	require.Zero(t, shown.Load(), "the unfinished opening is never shown")
	require.Equal(t, 1, res.Attempts)
	require.Equal(t, 1, srvA.Count("/chat/completions"))
	require.Zero(t, srvB.Count("/chat/completions"))
}

// A stream cut inside its opening was never shown, so it is retried even
// for a streaming caller, who then sees one whole answer.
func TestACutInsideTheOpeningIsRetriedUnseen(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "a")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindCut, Tokens: 3, Times: 1})
	g := gateway(t, llm.GatewayParams{MaxAttempts: 2}, llm.Member{Provider: p})
	var got strings.Builder
	req := request()
	req.OnToken = func(_ context.Context, s string) error { got.WriteString(s); return nil }
	res, err := g.Generate(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, 2, res.Attempts)
	require.Equal(t, res.Text, got.String(), "the caller sees the second attempt's answer only")
}

// The deadline counts from the start of the caller's request: time spent
// before the model call is not granted again.
func TestTheFirstTokenDeadlineCountsFromTheRequestStart(t *testing.T) {
	t.Parallel()
	srv, p := fake(t, "a")
	srv.Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Minute})
	g := gateway(t, llm.GatewayParams{FirstToken: time.Minute, Total: 2 * time.Minute}, llm.Member{Provider: p})
	req := request()
	req.Elapsed = time.Minute - 200*time.Millisecond // a minute's deadline, 200 ms of it left
	_, err := g.Generate(context.Background(), req)
	require.Equal(t, llm.KindFirstToken, llm.KindOf(err), "cut when the request's minute is up, not the call's")

	req.Elapsed = time.Minute
	res, err := g.Generate(context.Background(), req)
	require.Equal(t, llm.KindFirstToken, llm.KindOf(err))
	require.Zero(t, res.Attempts, "no call starts once the deadline has passed")
	require.Equal(t, 1, srv.Count("/chat/completions"))
}
