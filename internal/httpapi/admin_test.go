package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

func TestKeysAreCreatedListedAndRevokedOverHTTP(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	b := serve(t, kit, secured(kit))
	admin, _ := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeAdmin}})

	res := b.call(t, http.MethodPost, "/v1/keys", map[string]any{"name": "ci", "scopes": []string{"ingest", "ingest"}, "ttl_seconds": 3600}, bearer(admin)...)
	require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
	require.Equal(t, "no-store", res.header.Get("Cache-Control"))
	var created struct {
		Key    store.APIKey `json:"key"`
		Secret string       `json:"secret"`
	}
	decodeStrict(t, res.body, &created)
	require.True(t, strings.HasPrefix(created.Secret, "sk_"+created.Key.ID+"_"), created.Secret)
	require.Equal(t, []string{"ingest"}, created.Key.Scopes)
	require.NotNil(t, created.Key.ExpiresAt)

	// The new key works for its scope and only for it.
	require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, "/v1/kbs", nil, bearer(created.Secret)...).status)
	requireError(t, b.call(t, http.MethodGet, "/v1/keys", nil, bearer(created.Secret)...), http.StatusForbidden, core.CodeForbidden)

	res = b.call(t, http.MethodGet, "/v1/keys", nil, bearer(admin)...)
	require.Equal(t, http.StatusOK, res.status)
	require.NotContains(t, string(res.body), created.Secret, "the secret is shown once")
	var list struct {
		Keys []store.APIKey `json:"keys"`
	}
	decodeStrict(t, res.body, &list)
	require.Len(t, list.Keys, 2)
	require.Equal(t, created.Key.ID, list.Keys[0].ID, "newest first")

	res = b.call(t, http.MethodDelete, "/v1/keys/"+created.Key.ID, nil, bearer(admin)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.JSONEq(t, `{"revoked":"`+created.Key.ID+`"}`, string(res.body))
	requireError(t, b.call(t, http.MethodGet, "/v1/kbs", nil, bearer(created.Secret)...), http.StatusUnauthorized, core.CodeUnauthorized)
	requireError(t, b.call(t, http.MethodDelete, "/v1/keys/nope", nil, bearer(admin)...), http.StatusNotFound, core.CodeNotFound)

	for body, msg := range map[string]string{
		`{"name":"x","scopes":["root"]}`:                  `unknown scope "root" (want chat, ingest, eval, agent, admin)`,
		`{"name":"x","scopes":[]}`:                        "a key needs at least one scope (chat, ingest, eval, agent, admin)",
		`{"name":"x","scopes":["chat"],"ttl_seconds":-1}`: "name is limited to 200 characters and ttl_seconds to 0 (never expires) .. 10 years",
		`{"name":"x","scopes":["chat"],"widget":true}`:    "a widget key needs its allowed origins",
	} {
		res := b.do(t, http.MethodPost, "/v1/keys", "application/json", strings.NewReader(body), bearer(admin)...)
		require.Equal(t, msg, requireError(t, res, http.StatusBadRequest, core.CodeInvalid).Error.Message, body)
	}
}

func TestKnowledgeBasesAreCreatedCountedAndDeletedWithAnAuditTrail(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	b := serve(t, kit, openAll(kit))

	res := b.call(t, http.MethodPost, "/v1/kbs", map[string]string{"name": "billing"})
	require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
	var kb store.KB
	decodeStrict(t, res.body, &kb)
	require.Equal(t, "billing", kb.Name)
	require.Equal(t, kit.Embedder.Model(), kb.EmbedModel)
	requireError(t, b.call(t, http.MethodPost, "/v1/kbs", map[string]string{"name": "billing"}), http.StatusConflict, core.CodeConflict)
	requireError(t, b.call(t, http.MethodPost, "/v1/kbs", map[string]string{"name": "Bad Name"}), http.StatusBadRequest, core.CodeInvalid)

	res = b.call(t, http.MethodPost, "/v1/kbs/billing/documents", map[string]any{"documents": []map[string]string{
		{"uri": "refunds.md", "text": "# Refunds\n\nAnnual plans are refunded pro rata within 30 days.\n"}}})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	b.chat(t, "billing", "How are annual plans refunded?", "")

	res = b.call(t, http.MethodGet, "/v1/kbs/billing/stats", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var st store.KBStats
	decodeStrict(t, res.body, &st)
	require.Equal(t, int64(1), st.Documents)
	require.Positive(t, st.Chunks)
	require.Equal(t, int64(1), st.Conversations)
	require.Equal(t, int64(1), st.Turns)
	require.NotNil(t, st.LastTurnAt)

	res = b.call(t, http.MethodDelete, "/v1/kbs/billing", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	requireError(t, b.call(t, http.MethodGet, "/v1/kbs/billing/stats", nil), http.StatusNotFound, core.CodeKBNotFound)
	requireError(t, b.call(t, http.MethodDelete, "/v1/kbs/billing", nil), http.StatusNotFound, core.CodeKBNotFound)
	require.Zero(t, b.count(t, `SELECT count(*) FROM chunks WHERE kb_id = $1`, kb.ID))

	// The audit log pages newest first.
	var actions []string
	before := ""
	for range 10 {
		res := b.call(t, http.MethodGet, "/v1/audit?limit=1"+before, nil)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		var page struct {
			Entries    []store.AuditEntry `json:"entries"`
			NextBefore int64              `json:"next_before"`
		}
		decodeStrict(t, res.body, &page)
		for _, e := range page.Entries {
			actions = append(actions, e.Action+" "+e.Target+" "+e.Actor)
		}
		if page.NextBefore == 0 {
			break
		}
		before = "&before=" + strconv.FormatInt(page.NextBefore, 10)
	}
	require.Equal(t, []string{"kb.delete billing key:dev", "documents.upload billing key:dev", "kb.create billing key:dev"}, actions)

	res = b.call(t, http.MethodGet, "/v1/audit?action=kb.create", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, string(res.body), `"action":"kb.create"`)
	require.NotContains(t, string(res.body), `"action":"kb.delete"`)
	requireError(t, b.call(t, http.MethodGet, "/v1/audit?limit=0", nil), http.StatusBadRequest, core.CodeInvalid)
}

func TestConversationsAreListedWithFiltersAndReadWithTheirTurns(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	b := serve(t, kit, openAll(kit))
	first := b.chat(t, "demo", "How do I reset my password?", "")
	b.chat(t, "demo", "And if I lost my email?", first.ConversationID)
	res := b.call(t, http.MethodPost, "/v1/chat", map[string]string{"kb": "demo", "question": "How do I get a refund?", "user_id": "u-1"})
	require.Equal(t, http.StatusOK, res.status)
	var second chatAnswer
	decodeStrict(t, res.body, &second)

	type listed struct {
		Conversations []store.Conversation `json:"conversations"`
		NextBefore    string               `json:"next_before"`
	}
	list := func(query string) listed {
		t.Helper()
		res := b.call(t, http.MethodGet, "/v1/conversations"+query, nil)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		var l listed
		decodeStrict(t, res.body, &l)
		return l
	}
	all := list("")
	require.Len(t, all.Conversations, 2)
	require.Equal(t, second.ConversationID, all.Conversations[0].ID, "newest first")
	require.Equal(t, 2, all.Conversations[1].Turns)
	require.Equal(t, "How do I reset my password?", all.Conversations[1].FirstPrompt)
	require.Equal(t, "demo", *all.Conversations[1].KB)

	byUser := list("?end_user=u-1")
	require.Len(t, byUser.Conversations, 1)
	require.Equal(t, second.ConversationID, byUser.Conversations[0].ID)
	require.Empty(t, list("?kb=other").Conversations)
	page := list("?limit=1")
	require.Equal(t, second.ConversationID, page.NextBefore)
	require.Equal(t, first.ConversationID, list("?limit=1&before=" + page.NextBefore).Conversations[0].ID)
	require.Empty(t, list("?since=2999-01-01T00:00:00Z").Conversations)

	res = b.call(t, http.MethodGet, "/v1/conversations/"+first.ConversationID, nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var conv struct {
		ID    string       `json:"id"`
		Turns []store.Turn `json:"turns"`
	}
	decodeStrict(t, res.body, &conv)
	require.Len(t, conv.Turns, 2)
	require.Equal(t, "And if I lost my email?", conv.Turns[1].Question)

	requireError(t, b.call(t, http.MethodGet, "/v1/conversations/not-a-uuid", nil), http.StatusBadRequest, core.CodeInvalid)
	requireError(t, b.call(t, http.MethodGet, "/v1/conversations/00000000-0000-0000-0000-000000000000", nil), http.StatusNotFound, core.CodeNotFound)
	requireError(t, b.call(t, http.MethodGet, "/v1/conversations?since=yesterday", nil), http.StatusBadRequest, core.CodeInvalid)
}
