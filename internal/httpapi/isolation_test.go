package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/fakellm"
	"supportd/internal/testkit"
)

// The documents of the isolation tests: both tenants hold the refund
// policy word for word; only tenant B holds the partner discount code.
const (
	refundsText  = "# Refund policy\n\nAnnual plans can be refunded in full within 30 days of purchase. To request a refund, open Billing, choose Invoices and press Request refund. Monthly plans are not refundable.\n"
	partnersText = "# Partner programme\n\nMembers of the Zephyr partner programme get 35% off every renewal with the partner discount code ZEPHYR-7741.\n"
	partnerCode  = "ZEPHYR-7741"
	refundAsked  = "How do I request a refund for an annual plan?"
	partnerAsked = "What is the Zephyr partner discount code?"
	otherKBOfB   = "internal"
	sharedKBName = "help"
)

// tenantKeys are one tenant's secret keys.
type tenantKeys struct {
	tenant, chat, ingest, admin string
}

func issueTenantKeys(t *testing.T, b *bundle, tenant string) tenantKeys {
	t.Helper()
	key := func(scope string) string {
		k, _ := issueKey(t, b.kit.Store, nil, auth.CreateParams{Tenant: tenant, Scopes: []string{scope}})
		return k
	}
	return tenantKeys{tenant: tenant, chat: key(auth.ScopeChat), ingest: key(auth.ScopeIngest), admin: key(auth.ScopeAdmin)}
}

// uploadAs uploads uri/text pairs into kb with key and requires a 200.
func (b *bundle) uploadAs(t *testing.T, key, kb string, docs ...string) upload {
	t.Helper()
	var list []map[string]string
	for i := 0; i+1 < len(docs); i += 2 {
		list = append(list, map[string]string{"uri": docs[i], "text": docs[i+1]})
	}
	res := b.call(t, http.MethodPost, "/v1/kbs/"+kb+"/documents", map[string]any{"documents": list}, bearer(key)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var u upload
	decodeStrict(t, res.body, &u)
	return u
}

// modelAnswer is the wire form of a chat answer, model fields included.
type modelAnswer struct {
	chatAnswer
	Model string      `json:"model"`
	Usage *core.Usage `json:"usage"`
}

// askAs sends a chat request with key and requires a 200.
func (b *bundle) askAs(t *testing.T, key string, req map[string]string) modelAnswer {
	t.Helper()
	res := b.call(t, http.MethodPost, "/v1/chat", req, bearer(key)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ans modelAnswer
	decodeStrict(t, res.body, &ans)
	return ans
}

// documentURIs lists a knowledge base's documents through the API.
func (b *bundle) documentURIs(t *testing.T, key, kb string) []string {
	t.Helper()
	res := b.call(t, http.MethodGet, "/v1/kbs/"+kb+"/documents", nil, bearer(key)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var list struct {
		Documents []struct {
			URI string `json:"uri"`
		} `json:"documents"`
	}
	require.NoError(t, json.Unmarshal(res.body, &list))
	var uris []string
	for _, d := range list.Documents {
		uris = append(uris, d.URI)
	}
	return uris
}

// citedTenants returns the owning tenant of each cited document, read from
// the database rather than from anything the answer claims.
func (b *bundle) citedTenants(t *testing.T, cites []core.Citation) []string {
	t.Helper()
	var owners []string
	for _, c := range cites {
		var owner, uri string
		require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `SELECT k.tenant_id, d.source_uri
			FROM documents d JOIN knowledge_bases k ON k.id = d.kb_id WHERE d.id = $1`, c.DocumentID).Scan(&owner, &uri))
		require.Equal(t, c.Document, uri, "a citation names another document than its id")
		owners = append(owners, owner)
	}
	return owners
}

// setupTenants serves the API with keys required, the fake model and the
// answer cache, and gives tenants A and B a "help" knowledge base with
// the same refund policy; B's also holds the partner code, as does B's
// "internal".
func setupTenants(t *testing.T) (*bundle, *fakeModel, tenantKeys, tenantKeys) {
	t.Helper()
	m := newFakeModel(t, fakellm.Options{})
	kit := testkit.NewWith(t, testkit.Options{Models: []string{m.url}, Cache: true})
	b := serve(t, kit, secured(kit))
	a, bk := issueTenantKeys(t, b, tenantA), issueTenantKeys(t, b, tenantB)
	require.Equal(t, map[string]string{"refunds.md": "added"},
		b.uploadAs(t, a.ingest, sharedKBName, "refunds.md", refundsText).outcomes())
	require.Equal(t, map[string]string{"refunds.md": "added", "partners.md": "added"},
		b.uploadAs(t, bk.ingest, sharedKBName, "refunds.md", refundsText, "partners.md", partnersText).outcomes())
	b.uploadAs(t, bk.ingest, otherKBOfB, "partners.md", partnersText)
	return b, m, a, bk
}

func TestTenantsSeeOnlyTheirOwnDocuments(t *testing.T) {
	t.Parallel()
	b, m, a, bk := setupTenants(t)

	require.Equal(t, []string{"refunds.md"}, b.documentURIs(t, a.ingest, sharedKBName))
	require.ElementsMatch(t, []string{"refunds.md", "partners.md"}, b.documentURIs(t, bk.ingest, sharedKBName))

	// The same question over the same text cites each tenant's own copy.
	for _, k := range []tenantKeys{a, bk} {
		ans := b.askAs(t, k.chat, map[string]string{"kb": sharedKBName, "question": refundAsked})
		require.Equal(t, "llm", ans.Mode, "tenant %s", k.tenant)
		require.NotEmpty(t, ans.Citations)
		require.Equal(t, "refunds.md", ans.Citations[0].Document)
		for _, owner := range b.citedTenants(t, ans.Citations) {
			require.Equal(t, k.tenant, owner, "tenant %s cited another tenant's document", k.tenant)
		}
	}

	// Only B's knowledge reaches B's fact: B is answered from it...
	ofB := b.askAs(t, bk.chat, map[string]string{"kb": sharedKBName, "question": partnerAsked})
	require.Contains(t, ofB.Answer, partnerCode)
	require.Equal(t, "partners.md", ofB.Citations[0].Document)
	require.Equal(t, []string{tenantB}, b.citedTenants(t, ofB.Citations[:1]))

	// ...while A's identical question never sees it, in the answer or in
	// anything sent to the model.
	before := len(m.Requests())
	ofA := b.askAs(t, a.chat, map[string]string{"kb": sharedKBName, "question": partnerAsked})
	require.NotContains(t, ofA.Answer, partnerCode)
	for _, owner := range b.citedTenants(t, ofA.Citations) {
		require.Equal(t, tenantA, owner)
	}
	for _, req := range m.Requests()[before:] {
		for _, msg := range req.Messages {
			require.NotContains(t, msg.Content, partnerCode, "tenant B's document reached the model for tenant A")
		}
	}

	// B's other knowledge base does not exist for A, whatever A does with it.
	requireError(t, b.call(t, http.MethodGet, "/v1/kbs/"+otherKBOfB+"/documents", nil, bearer(a.ingest)...),
		http.StatusNotFound, core.CodeKBNotFound)
	requireError(t, b.call(t, http.MethodDelete, "/v1/kbs/"+otherKBOfB+"/documents?uri=partners.md", nil, bearer(a.ingest)...),
		http.StatusNotFound, core.CodeKBNotFound)
	requireError(t, b.call(t, http.MethodPost, "/v1/chat", map[string]string{"kb": otherKBOfB, "question": partnerAsked}, bearer(a.chat)...),
		http.StatusNotFound, core.CodeKBNotFound)
	// Uploading under the same name makes A's own knowledge base of it.
	b.uploadAs(t, a.ingest, otherKBOfB, "notes.md", "# Notes\n\nTenant A's own notes.\n")
	require.Equal(t, []string{"notes.md"}, b.documentURIs(t, a.ingest, otherKBOfB))
	require.Equal(t, []string{"partners.md"}, b.documentURIs(t, bk.ingest, otherKBOfB))
	for _, k := range []tenantKeys{a, bk} {
		res := b.call(t, http.MethodGet, "/v1/kbs", nil, bearer(k.ingest)...)
		require.Equal(t, http.StatusOK, res.status)
		var list struct {
			KBs []struct {
				Tenant string `json:"tenant"`
				Name   string `json:"name"`
			} `json:"kbs"`
		}
		require.NoError(t, json.Unmarshal(res.body, &list))
		require.Len(t, list.KBs, 2)
		for i, name := range []string{sharedKBName, otherKBOfB} {
			require.Equal(t, k.tenant, list.KBs[i].Tenant)
			require.Equal(t, name, list.KBs[i].Name)
		}
	}
}

// reviewTurns lists the turns in a tenant's review queue.
func (b *bundle) reviewTurns(t *testing.T, adminKey string) []int64 {
	t.Helper()
	res := b.call(t, http.MethodGet, "/v1/review", nil, bearer(adminKey)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var queue struct {
		Items []struct {
			TurnID int64 `json:"turn_id"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(res.body, &queue))
	turns := []int64{}
	for _, it := range queue.Items {
		turns = append(turns, it.TurnID)
	}
	return turns
}

func TestTenantsCannotReachEachOthersConversations(t *testing.T) {
	t.Parallel()
	b, _, a, bk := setupTenants(t)
	ofB := b.askAs(t, bk.chat, map[string]string{"kb": sharedKBName, "question": refundAsked})
	turnB := strconv.FormatInt(ofB.TurnID, 10)
	countB := func() (turns, feedback int) {
		return b.count(t, `SELECT count(*) FROM turns WHERE conversation_id = $1`, ofB.ConversationID),
			b.count(t, `SELECT count(*) FROM feedback WHERE turn_id = $1`, ofB.TurnID)
	}

	// Continuing B's conversation would read its history into A's prompt.
	res := b.call(t, http.MethodPost, "/v1/chat", map[string]string{"kb": sharedKBName, "question": "And monthly plans?",
		"conversation_id": ofB.ConversationID}, bearer(a.admin)...)
	requireError(t, res, http.StatusNotFound, core.CodeNotFound)
	requireError(t, b.call(t, http.MethodDelete, "/v1/conversations/"+ofB.ConversationID, nil, bearer(a.admin)...),
		http.StatusNotFound, core.CodeNotFound)
	// Rating B's turn fails whether A names B's conversation (say it
	// leaked) or one of its own.
	ofA := b.askAs(t, a.chat, map[string]string{"kb": sharedKBName, "question": refundAsked})
	for _, conv := range []string{ofB.ConversationID, ofA.ConversationID} {
		requireError(t, b.call(t, http.MethodPost, "/v1/turns/"+turnB+"/feedback",
			map[string]string{"conversation_id": conv, "rating": "down"}, bearer(a.admin)...),
			http.StatusNotFound, core.CodeNotFound)
	}
	turns, feedback := countB()
	require.Equal(t, 1, turns)
	require.Zero(t, feedback)
	require.Zero(t, b.count(t, `SELECT count(*) FROM review_items WHERE turn_id = $1`, ofB.TurnID))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM turns WHERE tenant_id = $1`, tenantA), "A stored only its own question")
	require.Zero(t, b.count(t, `SELECT count(*) FROM feedback`))

	// The same requests from B succeed, so the 404s above were about the tenant.
	res = b.call(t, http.MethodPost, "/v1/turns/"+turnB+"/feedback",
		map[string]string{"conversation_id": ofB.ConversationID, "rating": "down"}, bearer(bk.chat)...)
	require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
	require.Equal(t, []int64{ofB.TurnID}, b.reviewTurns(t, bk.admin))
	require.NotContains(t, b.reviewTurns(t, a.admin), ofB.TurnID, "B's review item is in A's queue")
	res = b.call(t, http.MethodDelete, "/v1/conversations/"+ofB.ConversationID, nil, bearer(bk.admin)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	turns, feedback = countB()
	require.Zero(t, turns)
	require.Zero(t, feedback)
}

func TestAnswerCacheIsPerTenant(t *testing.T) {
	t.Parallel()
	b, m, a, bk := setupTenants(t)
	calls := func() int { return m.Count("/chat/completions") }
	ask := func(k tenantKeys) modelAnswer {
		return b.askAs(t, k.chat, map[string]string{"kb": sharedKBName, "question": refundAsked})
	}

	first := ask(a)
	require.Equal(t, "llm", first.Mode)
	n := calls()
	ofB := ask(bk)
	require.Equal(t, "llm", ofB.Mode, "tenant B was served tenant A's cached answer")
	require.Equal(t, n+1, calls())
	require.Equal(t, []string{tenantB}, b.citedTenants(t, ofB.Citations))

	again := ask(a)
	require.Equal(t, "cache", again.Mode)
	require.Equal(t, first.Answer, again.Answer)
	require.Equal(t, []string{tenantA}, b.citedTenants(t, again.Citations))
	require.Equal(t, "cache", ask(bk).Mode)
	require.Equal(t, n+1, calls(), "cache hits call no model")
	var keyA, keyB string
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(),
		`SELECT cache_key FROM turns WHERE id = $1`, first.TurnID).Scan(&keyA))
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(),
		`SELECT cache_key FROM turns WHERE id = $1`, ofB.TurnID).Scan(&keyB))
	require.True(t, strings.HasPrefix(keyA, tenantA+"/"), keyA)
	require.True(t, strings.HasPrefix(keyB, tenantB+"/"), keyB)
}
