package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// recordTenantSetting makes every turn insert note the app.tenant_id the
// transaction had set, as row-level security will read it.
func recordTenantSetting(t *testing.T, s *store.Store) {
	t.Helper()
	_, err := dbtest.Owner(t, s).Exec(context.Background(), `
		CREATE TABLE turn_tenant_seen (turn_id bigint, tenant_id text, setting text);
		CREATE FUNCTION note_turn_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO turn_tenant_seen VALUES (NEW.id, NEW.tenant_id, current_setting('app.tenant_id', true));
			RETURN NEW;
		END $$;
		CREATE TRIGGER note_turn_tenant AFTER INSERT ON turns FOR EACH ROW EXECUTE FUNCTION note_turn_tenant();
		GRANT INSERT ON turn_tenant_seen TO PUBLIC;`)
	require.NoError(t, err)
}

func TestSaveTurnsWritesATenantGroupPerStatement(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	_, err := dbtest.Owner(t, s).Exec(ctx, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`)
	require.NoError(t, err)
	recordTenantSetting(t, s)
	taken := uuid.NewString()
	_, err = s.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: taken, KBID: kb.ID, Question: "first", Mode: core.ModeLLM})
	require.NoError(t, err)

	shared := uuid.NewString()
	turns := []store.TurnWrite{
		{Tenant: "default", ConversationID: shared, KBID: kb.ID, Question: "q0", Answer: "a0", Mode: core.ModeLLM,
			ClientID: "c1", PromptTokens: 10, CompletionTokens: 5, CostUSD: 0.5, EndUserID: "u1",
			Citations: []core.Citation{{DocumentID: 1, Document: "refunds.md"}}},
		{Tenant: "acme", ConversationID: uuid.NewString(), KBID: kb.ID, Question: "q1", Mode: core.ModeHandoff, Review: "handoff"},
		{Tenant: "default", ConversationID: shared, KBID: kb.ID, Question: "q2", Mode: core.ModeCache, ClientID: "c1",
			PromptTokens: 1, CompletionTokens: 1, CostUSD: 0.25},
		{Tenant: "acme", ConversationID: taken, KBID: kb.ID, Question: "not yours", Mode: core.ModeLLM},
	}
	ids, err := s.SaveTurns(ctx, turns)
	require.NoError(t, err)
	require.Len(t, ids, 4)
	require.Zero(t, ids[3], "another tenant's conversation takes no turn")
	for i, id := range ids[:3] {
		var q, tenant string
		require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT question, tenant_id FROM turns WHERE id = $1`, id).Scan(&q, &tenant))
		require.Equal(t, turns[i].Question, q, "turn %d came back with its own id", i)
		require.Equal(t, turns[i].Tenant, tenant)
	}

	got, err := s.ConversationTurns(ctx, "default", shared, 10)
	require.NoError(t, err)
	require.Len(t, got, 2, "both turns joined one conversation")
	require.Equal(t, "refunds.md", got[0].Citations[0].Document)
	var endUser string
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT end_user_id FROM conversations WHERE id = $1`, shared).Scan(&endUser))
	require.Equal(t, "u1", endUser)
	var tokens int64
	var cost float64
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT tokens, cost_usd::float8 FROM usage_daily WHERE tenant_id = 'default' AND client_id = 'c1'`).Scan(&tokens, &cost))
	require.Equal(t, int64(17), tokens)
	require.InDelta(t, 0.75, cost, 1e-9)
	var reason string
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT reason FROM review_items WHERE turn_id = $1`, ids[1]).Scan(&reason))
	require.Equal(t, "handoff", reason)

	var mismatched, seen int
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT count(*) FILTER (WHERE setting IS DISTINCT FROM tenant_id), count(*)
		FROM turn_tenant_seen WHERE turn_id = ANY ($1)`, ids[:3]).Scan(&mismatched, &seen))
	require.Equal(t, 3, seen)
	require.Zero(t, mismatched, "each group ran with its own tenant set")
}

func TestTurnWriterAcknowledgesEveryTurnAfterCommit(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	w := store.NewTurnWriter(s, store.TurnWriterParams{MaxBatch: 8})
	const n = 40
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := w.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID,
				Question: fmt.Sprintf("q%d", i), Mode: core.ModeCache})
			require.NoError(t, err)
			ids[i] = id
		})
	}
	wg.Wait()
	w.Close()
	for i, id := range ids {
		var q string
		require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT question FROM turns WHERE id = $1`, id).Scan(&q))
		require.Equal(t, fmt.Sprintf("q%d", i), q, "an acknowledged turn is stored under its id")
	}
	_, err := w.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID, Mode: core.ModeCache})
	require.Equal(t, core.CodeUnavailable, core.ErrorCode(err), "a closed writer takes no turn")
	w.Close()
}

// newWriter is a store on its own database with a knowledge base and a
// turn writer with the default settings, closed when t ends.
func newWriter(t *testing.T) (*store.Store, store.KB, *store.TurnWriter) {
	t.Helper()
	s := dbtest.New(t)
	kb := newKB(t, s, "help")
	w := store.NewTurnWriter(s, store.TurnWriterParams{})
	t.Cleanup(w.Close)
	return s, kb, w
}

func TestTurnWriterIsolatesABadTurn(t *testing.T) {
	t.Parallel()
	s, kb, w := newWriter(t)
	ctx := context.Background()
	// A batch whose one turn breaks a constraint fails as a whole; the
	// writer then writes each alone.
	ids, err := s.SaveTurns(ctx, []store.TurnWrite{
		{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID, Mode: core.ModeCache},
		{Tenant: "nobody", ConversationID: uuid.NewString(), KBID: kb.ID, Mode: core.ModeCache},
	})
	require.Error(t, err)
	require.Nil(t, ids)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			tenant := "default"
			if i == 3 {
				tenant = "nobody" // no such tenant: a foreign-key violation
			}
			_, errs[i] = w.SaveTurn(ctx, store.TurnWrite{Tenant: tenant, ConversationID: uuid.NewString(), KBID: kb.ID, Mode: core.ModeCache})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i == 3 {
			require.Error(t, err)
			continue
		}
		require.NoError(t, err, "turn %d", i)
	}
}

func TestTurnWriterDoesNotQueueBehindThePool(t *testing.T) {
	t.Parallel()
	s, kb, w := newWriter(t)
	ctx := context.Background()
	// Every connection of the shared pool is borrowed, as by 1,000
	// retrievals waiting their turn: the answered turn is written all the
	// same, on the writer's own connection.
	for range s.Pool().Config().MaxConns {
		c, err := s.Pool().Acquire(ctx)
		require.NoError(t, err)
		t.Cleanup(c.Release)
	}
	id, err := w.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID,
		Question: "queued behind retrievals", Mode: core.ModeLLM})
	require.NoError(t, err)
	require.NotZero(t, id)
}

func TestTurnWriterRecoversFromACutConnection(t *testing.T) {
	t.Parallel()
	s, kb, w := newWriter(t)
	ctx := context.Background()
	turn := func(q string) store.TurnWrite {
		return store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID, Question: q, Mode: core.ModeLLM}
	}
	_, err := w.SaveTurn(ctx, turn("before"))
	require.NoError(t, err)
	// The server ends the writer's idle connection, as a restart of
	// Postgres does; pg_terminate_backend with a timeout returns once the
	// backend is gone. The next turn is written on a new connection.
	var cut int
	require.NoError(t, s.Pool().QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
		WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()`).Scan(&cut))
	require.Positive(t, cut)
	id, err := w.SaveTurn(ctx, turn("after"))
	require.NoError(t, err)
	var q string
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT question FROM turns WHERE id = $1`, id).Scan(&q))
	require.Equal(t, "after", q)
	var n int
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT count(*) FROM turns`).Scan(&n))
	require.Equal(t, 2, n, "the retried batch is stored once")
}

// conversationState is what the handoff inbox reads from a conversation.
type conversationState struct {
	LastTurnID      *int64
	LastMode        *string
	Handled         bool
	HandledBy       string
	PersonRequested bool
}

func readConversation(t *testing.T, s *store.Store, id string) conversationState {
	t.Helper()
	var c conversationState
	require.NoError(t, dbtest.Owner(t, s).QueryRow(context.Background(), `
		SELECT last_turn_id, last_mode, handled_at IS NOT NULL, handled_by, person_requested_at IS NOT NULL
		FROM conversations WHERE id = $1`, id).Scan(&c.LastTurnID, &c.LastMode, &c.Handled, &c.HandledBy, &c.PersonRequested))
	return c
}

func TestSaveTurnsKeepsEachConversationsLastSupportTurn(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
	turn := func(conv string, mode core.Mode, purpose core.Purpose) store.TurnWrite {
		return store.TurnWrite{Tenant: "default", ConversationID: conv, KBID: kb.ID, Question: "q", Mode: mode, Purpose: purpose}
	}
	ptr := func(m core.Mode) *string { s := string(m); return &s }

	// New conversations take their last support turn of the batch;
	// evaluation turns never count.
	ids, err := s.SaveTurns(ctx, []store.TurnWrite{turn(a, core.ModeLLM, ""), turn(b, core.ModeLLM, core.PurposeEvaluation),
		turn(a, core.ModeHandoff, core.PurposeSupport), turn(a, core.ModeLLM, core.PurposeEvaluation)})
	require.NoError(t, err)
	require.Equal(t, conversationState{LastTurnID: &ids[2], LastMode: ptr(core.ModeHandoff)}, readConversation(t, s, a))
	require.Equal(t, conversationState{}, readConversation(t, s, b), "an evaluation turn is no conversation's last turn")
	cID, err := s.SaveTurn(ctx, turn(c, core.ModeRefused, ""))
	require.NoError(t, err)
	require.Equal(t, conversationState{LastTurnID: &cID, LastMode: ptr(core.ModeRefused)}, readConversation(t, s, c))

	// A handled conversation is reopened by its next support turn, which
	// closes the request for a person it had; one not yet handled keeps
	// its request.
	_, err = dbtest.Owner(t, s).Exec(ctx, `UPDATE conversations SET person_requested_at = now(),
		handled_at = CASE WHEN id = $1 THEN now() END, handled_by = CASE WHEN id = $1 THEN 'agent' ELSE '' END
		WHERE id = ANY ($2::uuid[])`, a, []string{a, c})
	require.NoError(t, err)
	ids, err = s.SaveTurns(ctx, []store.TurnWrite{turn(a, core.ModeRefused, ""), turn(c, core.ModeLLM, ""),
		turn(a, core.ModeExtractive, ""), turn(b, core.ModeLLM, ""), turn(a, core.ModeLLM, core.PurposeEvaluation)})
	require.NoError(t, err)
	require.Equal(t, conversationState{LastTurnID: &ids[2], LastMode: ptr(core.ModeExtractive)}, readConversation(t, s, a))
	require.Equal(t, conversationState{LastTurnID: &ids[1], LastMode: ptr(core.ModeLLM), PersonRequested: true}, readConversation(t, s, c))
	require.Equal(t, conversationState{LastTurnID: &ids[3], LastMode: ptr(core.ModeLLM)}, readConversation(t, s, b))

	// Evaluation turns leave a handled conversation handled.
	_, err = dbtest.Owner(t, s).Exec(ctx, `UPDATE conversations SET handled_at = now(), handled_by = 'agent' WHERE id = $1`, a)
	require.NoError(t, err)
	_, err = s.SaveTurns(ctx, []store.TurnWrite{turn(a, core.ModeLLM, core.PurposeEvaluation)})
	require.NoError(t, err)
	require.Equal(t, conversationState{LastTurnID: &ids[2], LastMode: ptr(core.ModeExtractive), Handled: true, HandledBy: "agent"},
		readConversation(t, s, a))
}
