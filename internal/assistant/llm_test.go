package assistant_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/extract"
	"supportd/internal/fakellm"
	"supportd/internal/ingest"
	"supportd/internal/llm"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

const refundQuestion = "How do I get a refund on an annual plan?"

type llmBundle struct {
	kit   *testkit.Kit
	kb    store.KB
	fakes []*fakellm.Server
}

// setupLLM wires a kit whose model chain is n fake LLM servers.
func setupLLM(t *testing.T, n int, o testkit.Options) llmBundle {
	t.Helper()
	var b llmBundle
	for range n {
		srv := fakellm.New(fakellm.Options{TokenDelay: time.Millisecond})
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		b.fakes = append(b.fakes, srv)
		o.Models = append(o.Models, hs.URL+"/v1")
	}
	o.Gateway.BackoffBase = 5 * time.Millisecond
	b.kit, b.kb = testkit.NewDemo(t, o)
	return b
}

func (b llmBundle) ask(t *testing.T, q string) core.Answer {
	t.Helper()
	ans, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: q, ClientID: "c1"})
	require.NoError(t, err)
	return ans
}

// streamed asks with a token sink and returns the answer and what the
// client received.
func (b llmBundle) streamed(t *testing.T, q string) (core.Answer, string) {
	t.Helper()
	var mu sync.Mutex
	var got strings.Builder
	ans, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: q,
		OnToken: func(_ context.Context, s string) error { mu.Lock(); defer mu.Unlock(); got.WriteString(s); return nil }})
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	return ans, got.String()
}

func (b llmBundle) storedTurn(t *testing.T, id int64) (mode, reason, model, promptVersion string, dropped, tokens int) {
	t.Helper()
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `
		SELECT mode, degraded_reason, model, prompt_version, dropped_citations, prompt_tokens + completion_tokens
		FROM turns WHERE id = $1`, id).Scan(&mode, &reason, &model, &promptVersion, &dropped, &tokens))
	return
}

func TestModelAnswerIsCitedAndRecorded(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{})
	ans := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, ans.Mode)
	require.Empty(t, ans.DegradedReason)
	require.Equal(t, "billing/refunds.md", ans.Citations[0].Document)
	require.Equal(t, "[P1]", ans.Citations[0].Marker)
	require.True(t, strings.HasSuffix(ans.Text, "[P1]"), ans.Text)
	require.Equal(t, "openai:model-a", ans.Model)
	require.Positive(t, ans.Usage.PromptTokens)

	sent := b.fakes[0].LastRequest()
	require.Equal(t, "system", sent.Messages[0].Role)
	require.Contains(t, sent.Messages[1].Content, `<passage id="P1" title="Refund Policy" source="billing/refunds.md">`)
	require.Contains(t, sent.Messages[1].Content, "<question>"+refundQuestion+"</question>")

	mode, reason, model, version, dropped, tokens := b.storedTurn(t, ans.TurnID)
	require.Equal(t, "llm", mode)
	require.Empty(t, reason)
	require.Equal(t, "openai:model-a", model)
	require.Equal(t, b.kit.Prompts.Fingerprint(), version)
	require.Zero(t, dropped)
	require.Equal(t, ans.Usage.PromptTokens+ans.Usage.CompletionTokens, tokens)
}

// Every fault the fake server injects yields the documented degraded
// answer after the documented number of model calls (retried only when the
// failure is retryable and the deadline leaves room), and the turn is
// stored. The gateway's deadlines bound each case: a fault that were not
// cut would hang the test.
func TestFaultsDegradeHonestly(t *testing.T) {
	t.Parallel()
	// Deadlines far above what an answer takes even on a loaded machine
	// under the race detector: only the faults may reach them.
	gw := llm.GatewayParams{FirstToken: 5 * time.Second, Total: 10 * time.Second, MaxAttempts: 2}
	cases := []struct {
		name       string
		fault      fakellm.Fault
		wantMode   core.Mode
		wantReason string
		calls      int // model calls made; for a slow first token, at most
	}{
		{"server error", fakellm.Fault{Kind: fakellm.KindStatus, Status: 500}, core.ModeExtractive, "server_error", 2},
		{"429 beyond the deadline", fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, RetryAfter: 30}, core.ModeExtractive, "rate_limited", 1},
		{"slow first token", fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Minute}, core.ModeExtractive, "first_token_timeout", 2},
		{"malformed", fakellm.Fault{Kind: fakellm.KindMalformed}, core.ModeExtractive, "empty_answer", 1},
		{"empty", fakellm.Fault{Kind: fakellm.KindEmpty}, core.ModeExtractive, "empty_answer", 1},
		{"cut stream", fakellm.Fault{Kind: fakellm.KindCut, Tokens: 3}, core.ModeExtractive, "stream_interrupted", 2},
		{"never-ending stream", fakellm.Fault{Kind: fakellm.KindHang}, core.ModeExtractive, "slow_stream", 1},
		{"cites an unknown passage", fakellm.Fault{Kind: fakellm.KindCite}, core.ModeExtractive, "uncited_answer", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gw := gw
			if tc.fault.Kind == fakellm.KindHang {
				// The hang sends a token every 100 ms: an opening of 100
				// tokens cannot arrive before the first-token deadline.
				gw.OpeningTokens = 100
			}
			b := setupLLM(t, 1, testkit.Options{Gateway: gw})
			b.fakes[0].Inject(tc.fault)
			ans := b.ask(t, refundQuestion)
			require.Equal(t, tc.wantMode, ans.Mode)
			require.Equal(t, tc.wantReason, ans.DegradedReason)
			if tc.fault.Kind == fakellm.KindLatency {
				// A call cut before the server read it never arrives.
				require.LessOrEqual(t, b.fakes[0].Count("/chat/completions"), tc.calls)
			} else {
				require.Equal(t, tc.calls, b.fakes[0].Count("/chat/completions"))
			}
			require.Equal(t, "billing/refunds.md", ans.Citations[0].Document, "the extractive fallback still cites")
			require.Equal(t, "[1]", ans.Citations[0].Marker)
			mode, reason, _, _, dropped, _ := b.storedTurn(t, ans.TurnID)
			require.Equal(t, string(tc.wantMode), mode)
			require.Equal(t, tc.wantReason, reason)
			if tc.fault.Kind == fakellm.KindCite {
				require.Equal(t, 1, dropped, "the invented passage id is counted")
			}
		})
	}
}

func TestSecondModelAnswersWhenThePrimaryFails(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 2, testkit.Options{Gateway: llm.GatewayParams{MaxAttempts: 1}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 503})
	ans := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeFallback, ans.Mode)
	require.Equal(t, "server_error", ans.DegradedReason)
	require.Equal(t, "openai:model-b", ans.Model)
	require.Equal(t, "billing/refunds.md", ans.Citations[0].Document)
}

func TestOpenBreakerAnswersFastWithoutCallingTheModel(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{MaxAttempts: 1, BreakerFailures: 2, BreakerCooldown: time.Minute}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500})
	b.ask(t, refundQuestion)
	b.ask(t, refundQuestion)
	require.Equal(t, "open", b.kit.Gateway.BreakerStates()["openai:model-a"])
	calls := b.fakes[0].Count("/chat/completions")
	ans := b.ask(t, refundQuestion)
	require.Equal(t, "circuit_open", ans.DegradedReason)
	require.Equal(t, core.ModeExtractive, ans.Mode)
	require.Equal(t, calls, b.fakes[0].Count("/chat/completions"), "an open breaker makes no call")
}

func TestCutStreamEndsWithAMarkedCompletion(t *testing.T) {
	t.Parallel()
	// An opening of two tokens: the stream has been shown when it is cut.
	b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{OpeningTokens: 2}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindCut, Tokens: 4})
	ans, got := b.streamed(t, refundQuestion)
	require.Equal(t, core.ModeExtractive, ans.Mode)
	require.Equal(t, "stream_interrupted", ans.DegradedReason)
	require.True(t, strings.HasPrefix(got, "If you cancel an "), got)
	require.Contains(t, got, "[The generated answer was interrupted. Here is what our help articles say:]")
	require.Equal(t, got, ans.Text, "the stored answer is what the client saw")
	require.True(t, strings.HasSuffix(got, "[1]"), "it ends with a cited, complete answer")
}

func TestCacheServesAndInvalidatesOnDocumentChange(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Cache: true})
	first := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, first.Mode)
	calls := b.fakes[0].Count("/chat/completions")

	hit := b.ask(t, "  how do I get a REFUND on an annual plan  ")
	require.Equal(t, core.ModeCache, hit.Mode)
	require.Equal(t, first.Text, hit.Text)
	require.Equal(t, first.Citations, hit.Citations)
	require.Equal(t, calls, b.fakes[0].Count("/chat/completions"), "a hit makes no model call")
	require.NotEqual(t, first.TurnID, hit.TurnID, "a hit is still a recorded turn")

	// Any document change moves the knowledge base's content version.
	doc, err := ingest.Load("billing/new.md", strings.NewReader("# Gift cards\n\nGift cards never expire."), -1)
	require.NoError(t, err)
	_, err = b.kit.Syncer.Upsert(context.Background(), b.kb, doc)
	require.NoError(t, err)
	after := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, after.Mode)
	require.Equal(t, calls+1, b.fakes[0].Count("/chat/completions"))

	// An evaluation measures the pipeline, never the cache.
	evaluated, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: refundQuestion, Purpose: core.PurposeEvaluation})
	require.NoError(t, err)
	require.Equal(t, core.ModeLLM, evaluated.Mode)
	require.Equal(t, calls+2, b.fakes[0].Count("/chat/completions"))
}

func TestDegradedAnswersAreNeverCached(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Cache: true, Gateway: llm.GatewayParams{MaxAttempts: 1}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500, Times: 1})
	degraded := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeExtractive, degraded.Mode)
	again := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, again.Mode)
	require.Zero(t, b.kit.Cache.Stats().LocalHits)
}

func TestCacheIsSharedThroughRedis(t *testing.T) {
	t.Parallel()
	rdb := testkit.Redis(t)
	prefix := testkit.UniquePrefix(t)
	b := setupLLM(t, 1, testkit.Options{Cache: true, Redis: rdb, CachePrefix: prefix})
	first := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, first.Mode)
	// A second replica: same database and Redis, its own process cache.
	other := testkit.WireWith(t, b.kit.Store, testkit.Options{Models: []string{"http://127.0.0.1:1/v1"}, Cache: true, Redis: rdb, CachePrefix: prefix})
	ans, err := other.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: refundQuestion})
	require.NoError(t, err)
	require.Equal(t, core.ModeCache, ans.Mode, "served from the shared tier without a working model")
	require.Equal(t, uint64(1), other.Cache.Stats().RedisHits)
}

func TestDailyTokenBudget(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Assistant: assistant.Params{DailyTokenBudget: 100}})
	first := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, first.Mode)
	require.Greater(t, first.Usage.PromptTokens+first.Usage.CompletionTokens, 100)
	_, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: refundQuestion, ClientID: "c1"})
	require.Equal(t, core.CodeBudgetExhausted, core.ErrorCode(err))
	require.Positive(t, core.RetryAfter(err))
	require.LessOrEqual(t, core.RetryAfter(err), 24*time.Hour)
	other, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: refundQuestion, ClientID: "c2"})
	require.NoError(t, err, "budgets are per client")
	require.Equal(t, core.ModeLLM, other.Mode)
}

func TestFollowUpIsCondensedWithTheConversation(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{})
	first := b.ask(t, refundQuestion)
	_, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: "and what about monthly plans?", ConversationID: first.ConversationID})
	require.NoError(t, err)
	reqs := b.fakes[0].Requests()
	condense := reqs[len(reqs)-2]
	require.Contains(t, condense.Messages[0].Content, refundQuestion, "the history is in the condense prompt")
	require.True(t, strings.HasSuffix(strings.TrimSpace(condense.Messages[0].Content), "Follow-up: and what about monthly plans?"))
	answer := reqs[len(reqs)-1]
	require.Contains(t, answer.Messages[1].Content, "<question>and what about monthly plans?</question>",
		"the fake echoes the follow-up as the standalone question")
}

func TestLowRetrievalConfidenceSkipsTheModel(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{})
	ans := b.ask(t, "What will the weather be in Paris tomorrow?")
	require.Equal(t, core.ModeHandoff, ans.Mode)
	require.Equal(t, "low_confidence", ans.DegradedReason)
	require.Equal(t, extract.HandoffText, ans.Text)
	require.Zero(t, b.fakes[0].Count("/chat/completions"), "no tokens spent on a question the articles cannot answer")
}

func TestClientDisconnectCancelsTheModelAndIsNotAFailure(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{BreakerFailures: 1}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindHang})
	ctx, cancel := context.WithCancel(context.Background())
	_, err := b.kit.Assistant.Answer(ctx, assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: refundQuestion,
		OnToken: func(context.Context, string) error { cancel(); return nil }})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "closed", b.kit.Gateway.BreakerStates()["openai:model-a"])
	require.Zero(t, countTurns(t, bundle{kit: b.kit}))
}

// A model that stalls costs one first-token deadline: it is asked once,
// and the help centre answers as soon as the deadline passes.
func TestStalledModelIsAskedOnceThenTheHelpCentreAnswers(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 2, testkit.Options{Gateway: llm.GatewayParams{FirstToken: 200 * time.Millisecond, Total: time.Minute, MaxAttempts: 3}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Minute})
	ans := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeExtractive, ans.Mode)
	require.Equal(t, "first_token_timeout", ans.DegradedReason)
	// Asked at most once: on a loaded machine retrieval may spend the
	// whole deadline, and then no model starts.
	require.LessOrEqual(t, b.fakes[0].Count("/chat/completions"), 1, "not retried on the same model")
	require.Zero(t, b.fakes[1].Count("/chat/completions"), "no model starts after the deadline")
}

// The first-token deadline is the turn's, not each model call's: when the
// call that condenses a follow-up stalls, it spends the whole deadline, and
// the answer is the help centre's without a second call.
func TestAStalledFollowUpCostsOneDeadline(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{FirstToken: 3 * time.Second, Total: time.Minute}})
	first := b.ask(t, refundQuestion)
	calls := b.fakes[0].Count("/chat/completions")
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Minute})
	ans, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: refundQuestion, ConversationID: first.ConversationID})
	require.NoError(t, err)
	require.Equal(t, "first_token_timeout", ans.DegradedReason, ans.Mode)
	require.Equal(t, core.ModeExtractive, ans.Mode)
	require.Equal(t, calls+1, b.fakes[0].Count("/chat/completions"), "only the condense call was made")
}

// A model that streams a trickle is abandoned at the first-token deadline
// before any of its text reaches a streaming client, who gets the help
// centre's answer whole, with no notice of an interruption.
func TestATricklingModelIsNeverShown(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Gateway: llm.GatewayParams{FirstToken: time.Second, Total: time.Minute, OpeningTokens: 100}})
	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindHang})
	ans, got := b.streamed(t, refundQuestion)
	require.Equal(t, core.ModeExtractive, ans.Mode)
	require.Equal(t, "slow_stream", ans.DegradedReason)
	require.Equal(t, ans.Text, got, "the client saw the help centre's answer only")
	require.NotContains(t, got, "interrupted")
	require.Equal(t, 1, b.fakes[0].Count("/chat/completions"))
}

// A model answer may draw on several passages: it stands when every
// paragraph cites a passage it was given, and each cited passage's
// document becomes a citation in order of first use. An id it was not
// given, or a paragraph citing nothing, sends the turn to the extractive
// answer (uncited_answer), the model's text unused.
func TestModelAnswersCiteEachPassageTheyUse(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{})
	asked := 0
	ask := func(reply string) core.Answer {
		t.Helper()
		b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindReply, Message: reply, Times: 1})
		asked++ // a question of its own each time: a cached answer would not ask the model
		return b.ask(t, strings.Repeat("Hello, ", asked)+refundQuestion)
	}

	multi := "Annual plans are refunded pro rata [P1].\n\nTo stop renewing, cancel the plan [P3]."
	ans := ask(multi)
	require.Equal(t, core.ModeLLM, ans.Mode, ans.DegradedReason)
	require.Equal(t, multi, ans.Text)
	var want []string
	for _, p := range []core.Passage{ans.Retrieved[0], ans.Retrieved[2]} {
		if !slices.Contains(want, p.SourceURI) {
			want = append(want, p.SourceURI)
		}
	}
	var got, markers []string
	for _, c := range ans.Citations {
		got, markers = append(got, c.Document), append(markers, c.Marker)
	}
	require.Equal(t, want, got)
	require.Equal(t, []string{"[P1]", "[P3]"}[:len(want)], markers)

	for name, reply := range map[string]string{
		"an id it was not given":     "Annual plans are refunded pro rata [P1]. Gift cards are refunded too [P9].",
		"a paragraph citing nothing": "Annual plans are refunded pro rata [P1].\n\nRefunds also come with a free month.",
	} {
		ans := ask(reply)
		require.Equal(t, core.ModeExtractive, ans.Mode, name)
		require.Equal(t, "uncited_answer", ans.DegradedReason, name)
		require.NotContains(t, ans.Text, "[P", name)
		_, _, _, _, dropped, _ := b.storedTurn(t, ans.TurnID)
		require.Equal(t, strings.Count(reply, "[P9]"), dropped, name)
	}
}
