package llm_test

import (
	"context"
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
