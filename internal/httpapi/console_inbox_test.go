package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// chatAs asks as an end user, with a user id, and requires a 200.
func (b *bundle) chatUser(t *testing.T, question, conversationID, user string) chatAnswer {
	t.Helper()
	req := map[string]string{"kb": "demo", "question": question, "user_id": user}
	if conversationID != "" {
		req["conversation_id"] = conversationID
	}
	res := b.postJSON(t, "/v1/chat", req)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ans chatAnswer
	decodeStrict(t, res.body, &ans)
	return ans
}

func TestConsoleInboxAndMarkHandled(t *testing.T) {
	t.Parallel()
	b := setupConsole(t)
	answered := b.chatUser(t, refundQuestion, "", "user-7")
	require.Equal(t, "extractive", answered.Mode)
	handoff := b.chatUser(t, weatherQuestion, answered.ConversationID, "user-7")
	require.Equal(t, "handoff", handoff.Mode)
	fb := b.postJSON(t, fmt.Sprintf("/v1/turns/%d/feedback", handoff.TurnID), map[string]string{
		"conversation_id": handoff.ConversationID, "rating": "down", "reason": "no_answer", "comment": "<b>I need a person</b>"})
	require.Equal(t, http.StatusCreated, fb.status, "%s", fb.body)
	// The visitor asked for a person twice, the second time leaving an
	// email (stored as the policy has it; the wiring redacts).
	for _, email := range []string{"", "[email]"} {
		_, err := b.kit.Store.AddHandoffRequest(context.Background(), testkit.Tenant,
			store.HandoffRequest{TurnID: handoff.TurnID, ConversationID: handoff.ConversationID, Email: email})
		require.NoError(t, err)
	}
	fine := b.chatUser(t, refundQuestion, "", "user-8")
	require.Equal(t, "extractive", fine.Mode)
	// An evaluation's handoff is no one's to answer.
	_, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: weatherQuestion, ClientID: "eval", Purpose: core.PurposeEvaluation})
	require.NoError(t, err)

	br := b.browser(t)
	br.signIn(b.agent)
	p := br.get("/console")
	require.Equal(t, http.StatusOK, p.status)
	links := regexp.MustCompile(`href="/console/conversations/([0-9a-f-]+)"`).FindAllStringSubmatch(p.body, -1)
	require.Len(t, links, 1, "only the handed-off conversation:\n%s", p.body)
	require.Equal(t, handoff.ConversationID, links[0][1])
	require.Contains(t, p.body, weatherQuestion)
	require.Contains(t, p.body, "user-7")
	require.Contains(t, p.body, `<td>2</td>`, "its two turns")
	require.Contains(t, p.body, `<td class="contact">[email]</td>`, "the contact the visitor left")

	p = br.get("/console/conversations/" + handoff.ConversationID)
	require.Equal(t, http.StatusOK, p.status)
	requireStrictPage(t, p)
	for _, want := range []string{refundQuestion, weatherQuestion, "user-7", "demo", `class="mode mode-extractive">extractive`,
		`class="mode mode-handoff">handoff`, "confidence " + fmt.Sprintf("%.3f", answered.Confidence),
		answered.Citations[0].Document, "no_answer", "&lt;b&gt;I need a person&lt;/b&gt;", "Mark handled",
		fmt.Sprintf(`no email</span> <span class="muted">· asked for a person about <a href="#turn-%d">turn %d</a>`, handoff.TurnID, handoff.TurnID),
		fmt.Sprintf(`<br>[email] <span class="muted">· asked for a person about <a href="#turn-%d">`, handoff.TurnID)} {
		require.Contains(t, p.body, want)
	}
	require.NotContains(t, p.body, "<b>I need a person</b>", "visitors' text is escaped")

	require.Equal(t, http.StatusForbidden, br.post("/console/conversations/"+handoff.ConversationID+"/handled",
		url.Values{"csrf": {"forged"}}).status)
	p = br.post("/console/conversations/"+handoff.ConversationID+"/handled", nil)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, "/console/conversations/"+handoff.ConversationID+"?done=handled", p.location())
	p = br.get(p.location())
	require.Contains(t, p.body, "Marked handled.")
	require.Contains(t, p.body, "by key:"+b.agentKey)
	require.NotContains(t, p.body, "Mark handled</button>")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'conversation.handled' AND target = $1`, handoff.ConversationID))

	require.NotContains(t, br.get("/console").body, handoff.ConversationID)
	require.Contains(t, br.get("/console?status=handled").body, handoff.ConversationID)

	// The visitor asks again and is handed off again: the conversation is
	// open once more.
	b.chatUser(t, weatherQuestion, handoff.ConversationID, "user-7")
	require.Contains(t, br.get("/console").body, handoff.ConversationID)

	for path, status := range map[string]int{
		"/console/conversations/not-a-uuid":                           http.StatusBadRequest,
		"/console/conversations/00000000-0000-4000-8000-000000000000": http.StatusNotFound,
		"/console?before=-1":                                          http.StatusBadRequest,
	} {
		p := br.get(path)
		require.Equal(t, status, p.status, path)
		requireStrictPage(t, p)
	}
	require.Equal(t, http.StatusNotFound, br.post("/console/conversations/00000000-0000-4000-8000-000000000000/handled", nil).status)
}

// queryCounter counts the queries a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	q.n.Add(1)
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A batch (a statement behind its tenant's set_config) is one round trip.
func (q *queryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	q.n.Add(1)
	return ctx
}

func (q *queryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (q *queryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// The inbox reads a page in a bounded number of queries however many
// conversations there are: 10,000 handed off, each page two queries (the
// session and the page), every page.
func TestConsoleInboxQueriesAreBounded(t *testing.T) {
	t.Parallel()
	counter := &queryCounter{}
	st, err := store.Open(context.Background(), store.Params{URL: dbtest.NewURL(t), Tracer: counter})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	kit := testkit.Wire(t, st)
	b := &consoleBundle{bundle: serve(t, kit, withConsole(kit))}
	b.agent, _ = issueKey(t, st, nil, authAgent())
	_, err = dbtest.Owner(t, st).Exec(context.Background(), `
		WITH c AS (INSERT INTO conversations (id, tenant_id, end_user_id)
		           SELECT gen_random_uuid(), 'default', 'user-' || g FROM generate_series(1, 10000) g RETURNING id)
		INSERT INTO turns (tenant_id, conversation_id, question, answer, confidence, mode, latency_ms)
		SELECT 'default', c.id, q, 'Let me hand you to a person.', 0.1, m, 5
		FROM c, LATERAL (VALUES ('Where is my parcel?', 'extractive'), ('Can a person call me?', 'handoff')) v(q, m);
		-- Seeded around the store's turn write, which keeps each conversation's last turn.
		UPDATE conversations c SET last_turn_id = l.id, last_mode = l.mode
		FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, mode FROM turns ORDER BY conversation_id, id DESC) l
		WHERE l.conversation_id = c.id`)
	require.NoError(t, err)

	br := b.browser(t)
	br.signIn(b.agent)
	next, pages := "/console", 0
	for next != "" && pages < 3 {
		before := counter.n.Load()
		p := br.get(next)
		require.Equal(t, http.StatusOK, p.status)
		require.Equal(t, int64(2), counter.n.Load()-before, "queries for %s", next)
		require.Equal(t, 50, strings.Count(p.body, `href="/console/conversations/`))
		m := regexp.MustCompile(`href="(/console\?before=\d+)" rel="next"`).FindStringSubmatch(p.body)
		require.NotNil(t, m, "a next page")
		next, pages = strings.ReplaceAll(m[1], "&amp;", "&"), pages+1
	}
	var id string
	require.NoError(t, dbtest.Owner(t, st).QueryRow(context.Background(), `SELECT id::text FROM conversations LIMIT 1`).Scan(&id))
	before := counter.n.Load()
	require.Equal(t, http.StatusOK, br.get("/console/conversations/"+id).status)
	require.Equal(t, int64(4), counter.n.Load()-before, "session, conversation, turns, feedback")
}

// A visitor who asks for a person after an answered turn is in the inbox
// until an agent marks the conversation handled; an answered follow-up
// before that keeps it there, one after it does not bring it back.
func TestConsoleInboxListsHandoffRequests(t *testing.T) {
	t.Parallel()
	b := setupConsole(t)
	answered := b.chatUser(t, refundQuestion, "", "user-9")
	require.Equal(t, "extractive", answered.Mode)
	br := b.browser(t)
	br.signIn(b.agent)
	require.NotContains(t, br.get("/console").body, answered.ConversationID)

	res := b.postJSON(t, "/v1/conversations/"+answered.ConversationID+"/handoff", map[string]any{"turn_id": answered.TurnID})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	require.Contains(t, br.get("/console").body, answered.ConversationID)
	require.Equal(t, "extractive", b.chatUser(t, refundQuestion, answered.ConversationID, "user-9").Mode)
	require.Contains(t, br.get("/console").body, answered.ConversationID, "still waiting for a person")

	require.Equal(t, http.StatusSeeOther, br.post("/console/conversations/"+answered.ConversationID+"/handled", nil).status)
	require.NotContains(t, br.get("/console").body, answered.ConversationID)
	require.Contains(t, br.get("/console?status=handled").body, answered.ConversationID)
	require.Equal(t, "extractive", b.chatUser(t, refundQuestion, answered.ConversationID, "user-9").Mode)
	require.NotContains(t, br.get("/console").body, answered.ConversationID, "the request was handled")
	require.NotContains(t, br.get("/console?status=handled").body, answered.ConversationID)
}
