package assistant_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/extract"
	"supportd/internal/retrieve"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// slowRetriever injects a retrieval that overruns its deadline.
type slowRetriever struct{ err error }

func (s slowRetriever) Retrieve(ctx context.Context, _ retrieve.Query) ([]core.Passage, error) {
	return nil, s.err
}

type bundle struct {
	kit *testkit.Kit
	kb  store.KB
}

func setup(t *testing.T) bundle {
	t.Helper()
	kit, kb := testkit.NewDemo(t, testkit.Options{})
	return bundle{kit: kit, kb: kb}
}

func (b bundle) with(r assistant.Retriever) *assistant.Assistant {
	return assistant.New(assistant.Deps{KBs: b.kit.Store, Retriever: r, Extractor: b.kit.Extractor, Turns: b.kit.Store, Log: b.kit.Log,
		Now: func() time.Time { return time.Unix(0, 0) }}, assistant.Params{MaxQuestionChars: 50})
}

func countTurns(t *testing.T, b bundle) int {
	t.Helper()
	var n int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `SELECT count(*) FROM turns`).Scan(&n))
	return n
}

func TestAnswerCitesAndRecords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ans, err := b.kit.Assistant.Answer(ctx, assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: "  How do I get a refund on an annual plan?  "})
	require.NoError(t, err)
	require.Equal(t, core.ModeExtractive, ans.Mode)
	require.Equal(t, "billing/refunds.md", ans.Citations[0].Document)
	require.Contains(t, ans.Text, "[1]")

	turns, err := b.kit.Store.ConversationTurns(ctx, testkit.Tenant, ans.ConversationID, 10)
	require.NoError(t, err)
	require.Len(t, turns, 1)
	require.Equal(t, "How do I get a refund on an annual plan?", turns[0].Question, "stored trimmed")
	require.Equal(t, ans.TurnID, turns[0].ID)
	require.InDelta(t, ans.Confidence, turns[0].Confidence, 1e-6)

	again, err := b.kit.Assistant.Answer(ctx, assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: "and for monthly plans?", ConversationID: ans.ConversationID})
	require.NoError(t, err)
	require.Equal(t, ans.ConversationID, again.ConversationID)
}

// A new conversation's id is a time-ordered UUID (version 7): the turn
// write then inserts it at the end of the conversations' and turns'
// indexes, not on a random page of each (which, once per checkpoint, also
// writes a full copy of that page to the WAL the turn's commit waits for).
func TestNewConversationsAreNumberedInTimeOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var ids []uuid.UUID
	for range 2 {
		ans, err := b.kit.Assistant.Answer(ctx, assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: "How do I get a refund?"})
		require.NoError(t, err)
		id, err := uuid.Parse(ans.ConversationID)
		require.NoError(t, err)
		require.Equal(t, uuid.Version(7), id.Version())
		ids = append(ids, id)
	}
	require.Less(t, ids[0].String(), ids[1].String(), "a later conversation sorts after an earlier one")
}

func TestRetrievalTimeoutHandsOffHonestly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.with(slowRetriever{err: core.Wrap(core.CodeUpstreamTimeout, context.DeadlineExceeded, "retrieval took too long")})
	ans, err := a.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: "How do refunds work?"})
	require.NoError(t, err)
	require.Equal(t, core.ModeHandoff, ans.Mode)
	require.Equal(t, "retrieval_timeout", ans.DegradedReason)
	require.Equal(t, extract.HandoffText, ans.Text)
	require.Empty(t, ans.Citations)
	require.Equal(t, 1, countTurns(t, b), "a degraded turn is recorded too")
}

func TestDatabaseErrorsAreNotDisguised(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.with(slowRetriever{err: core.Errorf(core.CodeUnavailable, "the database is unavailable")})
	_, err := a.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: "How do refunds work?"})
	require.Equal(t, core.CodeUnavailable, core.ErrorCode(err))
	require.Zero(t, countTurns(t, b))
}

func TestInvalidTurnsFailBeforeRetrieval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.with(slowRetriever{err: core.Errorf(core.CodeInternal, "retrieval must not run")})
	cases := []struct {
		turn assistant.Turn
		want core.Code
	}{
		{assistant.Turn{KB: "demo", Question: ""}, core.CodeQuestionEmpty},
		{assistant.Turn{KB: "demo", Question: " \n\t "}, core.CodeQuestionEmpty},
		{assistant.Turn{KB: "demo", Question: strings.Repeat("é", 51)}, core.CodeQuestionTooLong},
		{assistant.Turn{KB: "demo", Question: strings.Repeat("!", 40)}, core.CodeInvalid},
		{assistant.Turn{KB: "demo", Question: "refund \x00 please"}, core.CodeInvalid},
		{assistant.Turn{KB: "demo", Question: "ok\xff"}, core.CodeInvalid},
		{assistant.Turn{KB: "nope", Question: "refund?"}, core.CodeKBNotFound},
		{assistant.Turn{KB: "demo", Question: "refund?", ConversationID: "42"}, core.CodeInvalid},
		{assistant.Turn{KB: "demo", Question: "refund?", ConversationID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}, core.CodeNotFound},
		{assistant.Turn{KB: "demo", Question: "refund?", ConversationID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
			History: []assistant.Exchange{{Question: "hi", Answer: "hello"}}}, core.CodeInvalid},
		{assistant.Turn{KB: "demo", Question: "refund?", Purpose: "testing"}, core.CodeInvalid},
	}
	for _, tc := range cases {
		tc.turn.Tenant = testkit.Tenant
		_, err := a.Answer(context.Background(), tc.turn)
		require.Equal(t, tc.want, core.ErrorCode(err), "%+v", tc.turn)
	}
	ok := "Où puis-je télécharger la facture détaillée de mai" // 50 runes, 57 bytes
	require.Equal(t, 50, utf8.RuneCountInString(ok))
	_, err := a.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: ok})
	require.Equal(t, core.CodeInternal, core.ErrorCode(err), "50 characters pass validation (counted in runes, not bytes)")
	require.Zero(t, countTurns(t, b))
}

// backlog is a turn log whose group commit is behind more turns than any
// deadline allows for, as when 1,000 streams end at once: a caller that
// bounds its wait gives up (unavailable) before its turn's batch is
// taken; one that leaves the bound to the log is written.
type backlog struct{ *store.Store }

func (b backlog) SaveTurn(ctx context.Context, t store.TurnWrite) (int64, error) {
	if _, bounded := ctx.Deadline(); bounded {
		<-ctx.Done()
		return 0, core.Wrap(core.CodeUnavailable, ctx.Err(), "the database is unavailable, retry shortly")
	}
	return b.Store.SaveTurn(ctx, t)
}

func TestAnswerWaitsForItsTurnBehindOtherTurns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	turns := backlog{b.kit.Store}
	a := assistant.New(assistant.Deps{KBs: b.kit.Store, Retriever: b.kit.Retriever, Extractor: b.kit.Extractor, Turns: turns,
		Log: b.kit.Log}, assistant.Params{})
	ans, err := a.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo", Question: "How do refunds work?"})
	require.NoError(t, err, "an answer that was produced is not failed by the queue in front of its write")
	require.NotZero(t, ans.TurnID)
	require.Equal(t, 1, countTurns(t, b))
}
