package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/drift"
	"supportd/internal/fakellm"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// Questions of the deletion tests, each answered by the model from the
// demo corpus and so cached.
const (
	askRefund   = "How do I get a refund on an annual plan?"
	askCard     = "How long does a card refund take to appear?"
	askPassword = "How do I reset my password?"
	askTwoFA    = "How do I turn on two-factor authentication?"
)

// privacyBundle is a server over the demo corpus in tenant A with the fake
// model and the answer cache, and the keys of both tenants.
type privacyBundle struct {
	*bundle
	model    *fakeModel
	chat     string // tenant A's chat key
	admin    string // tenant A's admin key
	adminKey store.APIKey
	adminB   string // tenant B's admin key
}

func setupPrivacy(t *testing.T) *privacyBundle {
	t.Helper()
	m := newFakeModel(t, fakellm.Options{})
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{m.url}, Cache: true})
	p := &privacyBundle{bundle: serve(t, kit, secured(kit)), model: m}
	p.chat, _ = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeChat}})
	p.admin, p.adminKey = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeAdmin}})
	p.adminB, _ = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantB, Scopes: []string{auth.ScopeAdmin}})
	return p
}

// ask asks as end user (none when "") in conversation (a new one when "")
// and requires an answer of mode wantMode; a "cache" answer must call no
// model.
func (p *privacyBundle) ask(t *testing.T, user, conversation, question, wantMode string) modelAnswer {
	t.Helper()
	req := map[string]string{"kb": "demo", "question": question}
	if user != "" {
		req["user_id"] = user
	}
	if conversation != "" {
		req["conversation_id"] = conversation
	}
	calls := p.model.Count("/chat/completions")
	ans := p.askAs(t, p.chat, req)
	require.Equal(t, wantMode, ans.Mode, "%q", question)
	if wantMode == "cache" {
		require.Equal(t, calls, p.model.Count("/chat/completions"), "a cache hit calls no model")
	}
	return ans
}

// rate gives feedback on an answer with tenant A's chat key.
func (p *privacyBundle) rate(t *testing.T, ans modelAnswer, rating string) {
	t.Helper()
	res := p.call(t, http.MethodPost, "/v1/turns/"+strconv.FormatInt(ans.TurnID, 10)+"/feedback",
		map[string]string{"conversation_id": ans.ConversationID, "rating": rating}, bearer(p.chat)...)
	require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
}

// userRows counts, per table holding user content, the rows that belong to
// the given turns and conversations.
func (p *privacyBundle) userRows(t *testing.T, turns []int64, conversations []string) map[string]int {
	t.Helper()
	return map[string]int{
		"turns":         p.count(t, `SELECT count(*) FROM turns WHERE id = ANY($1)`, turns),
		"conversations": p.count(t, `SELECT count(*) FROM conversations WHERE id::text = ANY($1)`, conversations),
		"feedback":      p.count(t, `SELECT count(*) FROM feedback WHERE turn_id = ANY($1)`, turns),
		"review_items":  p.count(t, `SELECT count(*) FROM review_items WHERE turn_id = ANY($1)`, turns),
	}
}

// tablesContaining names every table of the schema with a row whose text
// contains s: the sweep that finds copies nobody thought of.
func (p *privacyBundle) tablesContaining(t *testing.T, s string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := dbtest.Owner(t, p.kit.Store).Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	var found []string
	for _, table := range tables {
		if p.count(t, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()+` r WHERE strpos(r::text, $1) > 0`, s) > 0 {
			found = append(found, table)
		}
	}
	return found
}

// deleted decodes a deletion response.
func deleted(t *testing.T, res response) map[string]int {
	t.Helper()
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var body struct {
		Deleted map[string]int `json:"deleted"`
	}
	decodeStrict(t, res.body, &body)
	return body.Deleted
}

// deletions are the tenant's audited deletions, newest first.
func (p *privacyBundle) deletions(t *testing.T, tenant string) []store.AuditEntry {
	t.Helper()
	log, err := p.kit.Store.AuditLog(context.Background(), tenant, 100)
	require.NoError(t, err)
	var out []store.AuditEntry
	for _, e := range log {
		if e.Action == "conversation.delete" || e.Action == "end_user.delete" {
			require.NotZero(t, e.ID)
			require.WithinDuration(t, time.Now(), e.CreatedAt, time.Minute)
			e.ID, e.CreatedAt = 0, time.Time{}
			out = append(out, e)
		}
	}
	return out
}

func TestDeletingConversationsAndEndUsersLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	p := setupPrivacy(t)

	// u-1: two conversations, one with a follow-up; u-2: one conversation.
	refund := p.ask(t, "u-1", "", askRefund, "llm")
	card := p.ask(t, "u-1", refund.ConversationID, askCard, "llm")
	password := p.ask(t, "u-1", "", askPassword, "llm")
	twoFA := p.ask(t, "u-2", "", askTwoFA, "llm")
	p.rate(t, refund, "down")
	p.rate(t, password, "up")
	p.rate(t, twoFA, "down")

	u1Turns := []int64{refund.TurnID, card.TurnID, password.TurnID}
	u1Convs := []string{refund.ConversationID, password.ConversationID}
	u2Turns, u2Convs := []int64{twoFA.TurnID}, []string{twoFA.ConversationID}
	require.Equal(t, map[string]int{"turns": 3, "conversations": 2, "feedback": 2, "review_items": 1}, p.userRows(t, u1Turns, u1Convs))
	u2Rows := map[string]int{"turns": 1, "conversations": 1, "feedback": 1, "review_items": 1}
	require.Equal(t, u2Rows, p.userRows(t, u2Turns, u2Convs))
	for _, q := range []string{askRefund, askPassword, askTwoFA} {
		require.Equal(t, []string{"turns"}, p.tablesContaining(t, q), "before deletion %q is only in turns", q)
	}

	// Another tenant's admin, unknown and malformed ids change nothing.
	requireError(t, p.call(t, http.MethodDelete, "/v1/conversations/"+refund.ConversationID, nil, bearer(p.adminB)...),
		http.StatusNotFound, core.CodeNotFound)
	requireError(t, p.call(t, http.MethodDelete, "/v1/conversations/"+uuid.NewString(), nil, bearer(p.admin)...),
		http.StatusNotFound, core.CodeNotFound)
	requireError(t, p.call(t, http.MethodDelete, "/v1/conversations/not-a-uuid", nil, bearer(p.admin)...),
		http.StatusBadRequest, core.CodeInvalid)
	require.Equal(t, map[string]int{"turns": 3, "conversations": 2, "feedback": 2, "review_items": 1}, p.userRows(t, u1Turns, u1Convs))
	require.Empty(t, p.deletions(t, tenantA))
	require.Empty(t, p.deletions(t, tenantB))

	// One conversation, then the rest of the end user.
	got := deleted(t, p.call(t, http.MethodDelete, "/v1/conversations/"+refund.ConversationID, nil, bearer(p.admin)...))
	require.Equal(t, map[string]int{"conversations": 1, "turns": 2, "feedback": 1, "cache_entries": 2}, got)
	require.Equal(t, map[string]int{"turns": 1, "conversations": 1, "feedback": 1, "review_items": 0}, p.userRows(t, u1Turns, u1Convs))
	got = deleted(t, p.call(t, http.MethodDelete, "/v1/end-users/u-1", nil, bearer(p.admin)...))
	require.Equal(t, map[string]int{"conversations": 1, "turns": 1, "feedback": 1, "cache_entries": 1}, got)
	got = deleted(t, p.call(t, http.MethodDelete, "/v1/end-users/u-1", nil, bearer(p.admin)...))
	require.Equal(t, map[string]int{"conversations": 0, "turns": 0, "feedback": 0, "cache_entries": 0}, got, "deleting again finds nothing")

	require.Equal(t, map[string]int{"turns": 0, "conversations": 0, "feedback": 0, "review_items": 0}, p.userRows(t, u1Turns, u1Convs))
	require.Zero(t, p.count(t, `SELECT count(*) FROM conversations WHERE end_user_id = 'u-1'`))
	for _, q := range []string{askRefund, askCard, askPassword} {
		require.Empty(t, p.tablesContaining(t, q), "%q survived the deletion", q)
	}
	require.Equal(t, u2Rows, p.userRows(t, u2Turns, u2Convs), "u-2's data is intact")
	require.Equal(t, []string{"turns"}, p.tablesContaining(t, askTwoFA))

	// usage_daily keeps token totals per client and day, never content.
	rows, err := dbtest.Owner(t, p.kit.Store).Query(context.Background(), `SELECT column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = 'usage_daily' ORDER BY ordinal_position`)
	require.NoError(t, err)
	columns, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"tenant_id", "client_id", "day", "tokens", "cost_usd"}, columns)

	// The answers u-1's turns cached are gone with them; u-2's is not.
	p.ask(t, "", "", askRefund, "llm")
	p.ask(t, "", "", askPassword, "llm")
	p.ask(t, "", "", askTwoFA, "cache")

	actor := "key:" + p.adminKey.ID
	require.Equal(t, []store.AuditEntry{
		{Tenant: tenantA, Actor: actor, Action: "end_user.delete", Target: "u-1",
			Details: map[string]any{"conversations": 1.0, "turns": 1.0, "feedback": 1.0}},
		{Tenant: tenantA, Actor: actor, Action: "conversation.delete", Target: refund.ConversationID,
			Details: map[string]any{"conversations": 1.0, "turns": 2.0, "feedback": 1.0}},
	}, p.deletions(t, tenantA))
	require.Empty(t, p.deletions(t, tenantB))
}

// age moves turns (and, when conversation is set, their conversation)
// days into the past.
func (p *privacyBundle) age(t *testing.T, days int, conversation string, turns ...int64) {
	t.Helper()
	ctx := context.Background()
	_, err := dbtest.Owner(t, p.kit.Store).Exec(ctx, `UPDATE turns SET created_at = now() - make_interval(days => $1) WHERE id = ANY($2)`, days, turns)
	require.NoError(t, err)
	if conversation != "" {
		_, err = dbtest.Owner(t, p.kit.Store).Exec(ctx, `UPDATE conversations SET created_at = now() - make_interval(days => $1) WHERE id = $2`,
			days, conversation)
		require.NoError(t, err)
	}
}

func TestRetentionPurgeDeletesExactlyTheOldTurns(t *testing.T) {
	t.Parallel()
	p := setupPrivacy(t)

	// old: both turns and the conversation; mixed: an old first turn and a
	// recent follow-up; recent: one turn just inside the retention period.
	old1 := p.ask(t, "u-1", "", askRefund, "llm")
	old2 := p.ask(t, "u-1", old1.ConversationID, askCard, "llm")
	mixedOld := p.ask(t, "u-2", "", askPassword, "llm")
	mixedNew := p.ask(t, "u-2", mixedOld.ConversationID, "And how long is the reset link valid?", "llm")
	recent := p.ask(t, "u-3", "", askTwoFA, "llm")
	p.rate(t, old1, "down")
	p.rate(t, mixedOld, "down")
	p.rate(t, mixedNew, "up")
	p.rate(t, recent, "down")
	p.age(t, 200, old1.ConversationID, old1.TurnID, old2.TurnID)
	p.age(t, 120, mixedOld.ConversationID, mixedOld.TurnID)
	p.age(t, 89, recent.ConversationID, recent.TurnID)

	purged := []int64{old1.TurnID, old2.TurnID, mixedOld.TurnID}
	kept := []int64{mixedNew.TurnID, recent.TurnID}
	var wantKeys []string
	require.NoError(t, dbtest.Owner(t, p.kit.Store).QueryRow(context.Background(),
		`SELECT array_agg(DISTINCT cache_key) FROM turns WHERE id = ANY($1) AND cache_key <> ''`, purged).Scan(&wantKeys))
	require.Len(t, wantKeys, 3)
	keptConvs := []string{mixedOld.ConversationID, recent.ConversationID}
	keptRows := p.userRows(t, kept, keptConvs)
	require.Equal(t, 2, keptRows["feedback"])
	require.Positive(t, keptRows["review_items"])

	d, err := p.kit.Store.PurgeTurnsOlderThan(context.Background(), 90)
	require.NoError(t, err)
	require.ElementsMatch(t, wantKeys, d.CacheKeys)
	require.ElementsMatch(t, []string{askRefund, askCard, askPassword}, d.Questions)
	d.CacheKeys, d.Questions = nil, nil
	require.Equal(t, store.Deleted{Conversations: 1, Turns: 3, Feedback: 2}, d)

	require.Equal(t, map[string]int{"turns": 0, "conversations": 0, "feedback": 0, "review_items": 0},
		p.userRows(t, purged, []string{old1.ConversationID}))
	require.Equal(t, keptRows, p.userRows(t, kept, keptConvs), "what is newer stays whole")
	require.Equal(t, 2, p.count(t, `SELECT count(*) FROM turns`))
	for _, q := range []string{askRefund, askCard, askPassword} {
		require.Empty(t, p.tablesContaining(t, q), "%q outlived the retention period", q)
	}

	// Each tenant is purged under its own tenant, and audited in its log.
	log, err := p.kit.Store.AuditLog(context.Background(), tenantA, 10)
	require.NoError(t, err)
	log = slices.DeleteFunc(log, func(e store.AuditEntry) bool { return e.Action != "retention.purge" })
	require.Len(t, log, 1)
	require.Equal(t, "system", log[0].Actor)
	require.Equal(t, "retention.purge", log[0].Action)
	require.Equal(t, map[string]any{"days": 90.0, "turns": 3.0, "conversations": 1.0}, log[0].Details)

	// Nothing is left to purge.
	d, err = p.kit.Store.PurgeTurnsOlderThan(context.Background(), 90)
	require.NoError(t, err)
	require.Equal(t, store.Deleted{CacheKeys: []string{}, Questions: []string{}}, d)
}

// The API takes user_id on every chat request, but a conversation keeps
// the end user of its first turn: a turn asked as u-9 must still go when
// u-9 is deleted.
func TestEndUserDeletionCoversEveryTurnAskedAsThem(t *testing.T) {
	t.Parallel()
	p := setupPrivacy(t)

	// A visitor asks anonymously, signs in, and asks on as u-9.
	anonymous := p.ask(t, "", "", askRefund, "llm")
	signedIn := p.ask(t, "u-9", anonymous.ConversationID, askCard, "llm")

	deleted(t, p.call(t, http.MethodDelete, "/v1/end-users/u-9", nil, bearer(p.admin)...))
	require.Zero(t, p.count(t, `SELECT count(*) FROM turns WHERE id = $1`, signedIn.TurnID),
		"the turn asked as u-9 outlived the deletion of u-9")
	require.Empty(t, p.tablesContaining(t, askCard))
}

// Drift reports quote unanswered questions as examples; deleting the end
// user who asked one must not leave it quoted there, or served by GET
// /v1/drift.
func TestEndUserDeletionReachesDriftReports(t *testing.T) {
	t.Parallel()
	p := setupPrivacy(t)
	const personal = "My parcel ZX-4471 never reached 12 Elm Street, ring me on 07700 900123"
	p.ask(t, "u-1", "", personal, "handoff")

	// What the scheduled drift job does: compare the last hour with the
	// day before it and store the report.
	ctx, now := context.Background(), time.Now()
	window := func(from, to time.Time) []drift.Question {
		qs, err := p.kit.Store.DriftQuestions(ctx, store.DriftWindow{Tenant: tenantA, KB: "demo", From: from, To: to})
		require.NoError(t, err)
		out := make([]drift.Question, len(qs))
		for i, q := range qs {
			out[i] = drift.Question{Text: q.Text, TopDoc: q.TopDoc, Mode: core.Mode(q.Mode), Confidence: q.Confidence}
		}
		return out
	}
	rep := drift.Compare(window(now.Add(-25*time.Hour), now.Add(-time.Hour)), window(now.Add(-time.Hour), now.Add(time.Second)), drift.Params{})
	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	_, err = p.kit.Store.SaveDriftReport(ctx, tenantA, "demo", rep.Alert, raw)
	require.NoError(t, err)
	require.Equal(t, []string{"drift_reports", "turns"}, p.tablesContaining(t, personal), "the report quotes the question")

	got := deleted(t, p.call(t, http.MethodDelete, "/v1/end-users/u-1", nil, bearer(p.admin)...))
	require.Equal(t, map[string]int{"conversations": 1, "turns": 1, "feedback": 0, "cache_entries": 0}, got)
	res := p.call(t, http.MethodGet, "/v1/drift", nil, bearer(p.admin)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.NotContains(t, string(res.body), "ZX-4471", "GET /v1/drift still quotes the deleted user's question")
	require.Empty(t, p.tablesContaining(t, personal), "the deleted user's question survives")
}
