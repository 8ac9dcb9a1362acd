package llm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/llm"
)

// A provider that answers 401, 403 or 404 is misconfigured (a wrong key, a
// model that does not exist): the gateway reports it, with the status,
// the provider's message and since when, until a call succeeds. A 400 or
// a 5xx says nothing about the configuration.
func TestConfigErrorsAreReportedUntilACallSucceeds(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 403, 404} {
		srv, p := fake(t, "primary")
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		var told []bool
		g := gateway(t, llm.GatewayParams{MaxAttempts: 1, Now: func() time.Time { return now },
			OnConfigError: func(provider, model string, failing bool) {
				mu.Lock()
				defer mu.Unlock()
				require.Equal(t, "openai:primary", provider)
				require.Equal(t, "primary", model)
				told = append(told, failing)
			}}, llm.Member{Provider: p})
		require.Equal(t, []core.ModelState{{Provider: "openai:primary", Model: "primary", Breaker: "closed"}}, g.ModelStates())

		srv.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: status, Message: "Incorrect API key provided"})
		_, err := g.Generate(context.Background(), request())
		require.Equal(t, llm.KindClient, llm.KindOf(err))
		first := now
		now = now.Add(time.Minute)
		_, err = g.Generate(context.Background(), request())
		require.Error(t, err)
		states := g.ModelStates()
		require.Len(t, states, 1)
		require.NotNil(t, states[0].ConfigError, "HTTP %d", status)
		require.Equal(t, status, states[0].ConfigError.Status)
		require.Contains(t, states[0].ConfigError.Message, "Incorrect API key provided")
		require.Equal(t, first, states[0].ConfigError.Since, "since the first failure")

		srv.Reset()
		_, err = g.Generate(context.Background(), request())
		require.NoError(t, err)
		require.Nil(t, g.ModelStates()[0].ConfigError)
		mu.Lock()
		require.Equal(t, []bool{true, false}, told, "told once when it starts, once when it ends")
		mu.Unlock()
	}
	for _, status := range []int{400, 500} {
		srv, p := fake(t, "primary")
		g := gateway(t, llm.GatewayParams{MaxAttempts: 1}, llm.Member{Provider: p})
		srv.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: status})
		_, err := g.Generate(context.Background(), request())
		require.Error(t, err)
		require.Nil(t, g.ModelStates()[0].ConfigError, "HTTP %d", status)
	}
}
