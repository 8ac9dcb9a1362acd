package assistant_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/fakellm"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// billed is what the store holds about a turn's model spending, and the
// client's tokens for the day.
type billed struct {
	model     string
	tokens    int
	cost      float64
	estimated bool
	daily     int64
}

func (b llmBundle) billed(t *testing.T, id int64, client string) billed {
	t.Helper()
	var r billed
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `
		SELECT model, prompt_tokens + completion_tokens, cost_usd::float8, usage_estimated FROM turns WHERE id = $1`, id).
		Scan(&r.model, &r.tokens, &r.cost, &r.estimated))
	daily, err := b.kit.Store.TokensToday(context.Background(), testkit.Tenant, client)
	require.NoError(t, err)
	r.daily = daily
	return r
}

// A generation that fails still cost what the provider billed: on every
// path (streamed or not, blocked, cut or retried) the turn stores the
// model and its tokens, estimated when the provider could not report
// them, and they count toward the client's budget and cost.
func TestFailedGenerationsAreBilled(t *testing.T) {
	t.Parallel()
	prices := llm.Prices{"model-a": {Prompt: 1, Completion: 2}}
	cases := []struct {
		name       string
		fault      fakellm.Fault
		stream     bool
		attempts   int
		wantReason string
		estimated  bool
	}{
		{"streamed leak", fakellm.Fault{Kind: fakellm.KindLeak}, true, 1, "output_blocked", true},
		{"streamed cut", fakellm.Fault{Kind: fakellm.KindCut, Tokens: 4}, true, 1, "stream_interrupted", true},
		{"cut, retried", fakellm.Fault{Kind: fakellm.KindCut, Tokens: 4}, false, 2, "stream_interrupted", true},
		{"leak, not streamed", fakellm.Fault{Kind: fakellm.KindLeak}, false, 1, "output_blocked", false},
		{"answered", fakellm.Fault{}, true, 1, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{MaxAttempts: tc.attempts},
				Assistant: assistant.Params{Prices: prices}})
			if tc.fault.Kind != "" {
				b.fakes[0].Inject(tc.fault)
			}
			turn := assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: refundQuestion, ClientID: "c1"}
			if tc.stream {
				turn.OnToken = func(context.Context, string) error { return nil }
			}
			ans, err := b.kit.Assistant.Answer(context.Background(), turn)
			require.NoError(t, err)
			require.Equal(t, tc.wantReason, ans.DegradedReason)
			require.Equal(t, tc.attempts, b.fakes[0].Count("/chat/completions"))

			got := b.billed(t, ans.TurnID, "c1")
			require.Equal(t, "openai:model-a", got.model)
			require.Equal(t, tc.estimated, got.estimated)
			prompt := len(b.fakes[0].LastRequest().Messages[0].Content) / 8 // far below any tokenizer's count
			require.Greater(t, got.tokens, tc.attempts*prompt, "every attempt's prompt is billed")
			require.Equal(t, int64(got.tokens), got.daily, "the tokens count toward the daily budget")
			require.Positive(t, got.cost)
			require.NotNil(t, ans.Usage)
			require.Equal(t, got.tokens, ans.Usage.PromptTokens+ans.Usage.CompletionTokens)
			require.Equal(t, tc.estimated, ans.Usage.Estimated)
		})
	}
}

// A streamed failure spends the budget like any other answer.
func TestStreamedFailureSpendsTheBudget(t *testing.T) {
	t.Parallel()
	// An opening of one token: the cut stream had been shown.
	b := setupLLM(t, 1, testkit.Options{Assistant: assistant.Params{DailyTokenBudget: 100}, Gateway: llm.GatewayParams{OpeningTokens: 1}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindCut, Tokens: 2, Times: 1})
	ans, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: refundQuestion, ClientID: "c1", OnToken: func(context.Context, string) error { return nil }})
	require.NoError(t, err)
	require.Equal(t, "stream_interrupted", ans.DegradedReason)
	_, err = b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: refundQuestion, ClientID: "c1"})
	require.Equal(t, core.CodeBudgetExhausted, core.ErrorCode(err))
}
