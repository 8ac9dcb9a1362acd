package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

func TestSearchFiltersBothListsInsideTheKB(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	withMeta := func(d store.DocumentWrite, meta map[string]any) store.DocumentWrite { d.Metadata = meta; return d }
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		withMeta(doc("billing/refunds.md", "Refunds", "h1", "Refunds of a charge are issued within 14 days."),
			map[string]any{"product": "a", "format": "md", "version": 2}),
		withMeta(doc("billing/invoices.md", "Invoices", "h2", "Invoices list every charge."),
			map[string]any{"product": "b", "format": "md", "version": "2"}),
		withMeta(doc("billing-archive/old.md", "Old prices", "h3", "Old plans had a setup charge."),
			map[string]any{"product": "a", "format": "md"}),
		withMeta(doc("account/sso.html", "Single sign-on", "h4", "SAML setup carries no charge."),
			map[string]any{"product": "c", "format": "html"}),
	}))
	_, err := dbtest.Owner(t, s).Exec(ctx, `INSERT INTO tenants (id, name) VALUES ('other', 'Other')`)
	require.NoError(t, err)
	other, err := s.EnsureKB(ctx, store.KBParams{Tenant: "other", Name: "help", Model: "test-4", Dim: 4})
	require.NoError(t, err)
	require.NoError(t, s.WriteDocuments(ctx, other, []store.DocumentWrite{
		withMeta(doc("billing/secret.md", "Secret", "h5", "Another tenant's charge."), map[string]any{"product": "a"}),
	}))
	ids := documentIDs(t, s, kb)
	otherIDs := documentIDs(t, s, other)

	cases := []struct {
		name   string
		filter string
		want   []string
	}{
		{"no filter", `{}`, []string{"account/sso.html", "billing-archive/old.md", "billing/invoices.md", "billing/refunds.md"}},
		{"folder prefix", `{"uri_prefix":"billing/"}`, []string{"billing/invoices.md", "billing/refunds.md"}},
		{"prefix is a plain string prefix", `{"uri_prefix":"billing"}`, []string{"billing-archive/old.md", "billing/invoices.md", "billing/refunds.md"}},
		{"prefix with LIKE wildcards is literal", `{"uri_prefix":"billing_"}`, nil},
		{"one file", `{"uri_prefix":"account/sso.html"}`, []string{"account/sso.html"}},
		{"document ids", `{"document_ids":[` + ids["billing/refunds.md"] + `,` + ids["account/sso.html"] + `]}`, []string{"account/sso.html", "billing/refunds.md"}},
		{"another tenant's document id", `{"document_ids":[` + otherIDs["billing/secret.md"] + `]}`, nil},
		{"metadata equals", `{"metadata":{"format":"html"}}`, []string{"account/sso.html"}},
		{"metadata in", `{"metadata":{"product":{"in":["b","c"]}}}`, []string{"account/sso.html", "billing/invoices.md"}},
		{"metadata number is not a string", `{"metadata":{"version":2}}`, []string{"billing/refunds.md"}},
		{"metadata string is not a number", `{"metadata":{"version":{"in":["2"]}}}`, []string{"billing/invoices.md"}},
		{"metadata key no document has", `{"metadata":{"lang":"de"}}`, nil},
		{"conditions all hold", `{"uri_prefix":"billing","metadata":{"product":"a","format":{"in":["md","html"]}}}`, []string{"billing-archive/old.md", "billing/refunds.md"}},
		{"ids and prefix", `{"uri_prefix":"billing/","document_ids":[` + ids["account/sso.html"] + `,` + ids["billing/invoices.md"] + `]}`, []string{"billing/invoices.md"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f core.Filter
			require.NoError(t, json.Unmarshal([]byte(tc.filter), &f))
			for _, list := range []struct {
				name                 string
				skipVector, skipText bool
			}{{"hybrid", false, false}, {"vector", false, true}, {"text", true, false}} {
				got, err := s.Search(ctx, store.SearchParams{KB: kb, Query: "charge", Vector: []float32{1, 0, 0, 0}, Filter: f,
					SkipVector: list.skipVector, SkipText: list.skipText})
				require.NoError(t, err)
				var uris []string
				for _, p := range got {
					uris = append(uris, p.SourceURI)
					require.Equal(t, list.skipVector, p.VectorRank == 0, "%s: %s", list.name, p.SourceURI)
					require.Equal(t, list.skipText, p.TextRank == 0, "%s: %s", list.name, p.SourceURI)
				}
				slices.Sort(uris)
				require.Equal(t, tc.want, uris, list.name)
			}
		})
	}
}

// documentIDs maps each document of kb to its id, as JSON text.
func documentIDs(t *testing.T, s *store.Store, kb store.KB) map[string]string {
	t.Helper()
	docs, err := s.Documents(context.Background(), kb)
	require.NoError(t, err)
	ids := map[string]string{}
	for _, d := range docs {
		b, err := json.Marshal(d.ID)
		require.NoError(t, err)
		ids[d.SourceURI] = string(b)
	}
	return ids
}

// A hybrid search runs its lists apart and merges them: it must return
// exactly what each list returns on its own, a chunk in both with both
// ranks, whatever the statement layout.
func TestHybridSearchIsTheUnionOfItsLists(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		doc("refunds.md", "Refunds", "h1", "Refunds of a charge are issued within 14 days.", "Ask billing for a refund.",
			"Plans renew yearly.", "A refund goes back to the card charged."),
		doc("invoices.md", "Invoices", "h2", "Invoices list every charge.", "Download a PDF.", "Change the billing address."),
		doc("sso.md", "Single sign-on", "h3", "SAML setup.", "Okta and Azure AD.", "No charge for SSO."),
	}))
	p := store.SearchParams{KB: kb, Query: "refund charge", Vector: []float32{0.2, 1, 0.1, 0}, Candidates: 3}
	hybrid, err := s.Search(ctx, p)
	require.NoError(t, err)
	p.SkipText = true
	vec, err := s.Search(ctx, p)
	require.NoError(t, err)
	p.SkipText, p.SkipVector = false, true
	text, err := s.Search(ctx, p)
	require.NoError(t, err)
	require.Len(t, vec, 3)
	require.Len(t, text, 3)

	want := map[int64]core.Passage{}
	for _, v := range vec {
		want[v.ChunkID] = v
	}
	both := 0
	for _, x := range text {
		if v, ok := want[x.ChunkID]; ok {
			both++
			require.InDelta(t, v.Similarity, x.Similarity, 1e-9)
			x.VectorRank = v.VectorRank
		}
		want[x.ChunkID] = x
	}
	require.Positive(t, both, "the query must put a chunk in both lists")
	require.Less(t, both, 3, "and a chunk in one list only")
	require.Len(t, hybrid, len(want))
	for _, h := range hybrid {
		w, ok := want[h.ChunkID]
		require.True(t, ok, "chunk %d is in neither list", h.ChunkID)
		require.Equal(t, w.VectorRank, h.VectorRank, "chunk %d", h.ChunkID)
		require.Equal(t, w.TextRank, h.TextRank, "chunk %d", h.ChunkID)
		require.InDelta(t, w.BM25, h.BM25, 1e-9, "chunk %d", h.ChunkID)
		require.InDelta(t, w.Similarity, h.Similarity, 1e-9, "chunk %d", h.ChunkID)
		require.Equal(t, w.Text, h.Text)
	}
}
