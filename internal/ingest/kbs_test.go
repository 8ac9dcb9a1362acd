package ingest_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// A new knowledge base has the retrieval settings in force on record from
// the start (the embedder's fusion and the candidates per list), whether
// created empty or by its first upload; one that exists keeps its own.
func TestNewKnowledgeBasesRecordTheDefaultRetrievalSettings(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	ctx := context.Background()
	want := retrieve.Params{}.Defaults(kit.Embedder.Model())
	require.Equal(t, 60.0, want.RRFK)
	require.Equal(t, 50, want.Candidates)

	created, err := kit.Library.CreateKB(ctx, testkit.Tenant, "empty", "admin")
	require.NoError(t, err)
	require.NotNil(t, created.Retrieval)
	require.Equal(t, want, *created.Retrieval)
	stored, err := kit.Store.KB(ctx, testkit.Tenant, "empty")
	require.NoError(t, err)
	require.Equal(t, &want, stored.Retrieval)

	upload := func(uri string) store.KB {
		t.Helper()
		_, err := kit.Library.Upload(ctx, ingest.UploadParams{Tenant: testkit.Tenant, KB: "uploaded", Actor: "admin",
			Sources: []ingest.Source{{Name: uri, Size: -1, Open: func() (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader("# Refunds\n\nAnnual plans are refunded within 14 days of " + uri + ".\n")), nil
			}}}})
		require.NoError(t, err)
		kb, err := kit.Store.KB(ctx, testkit.Tenant, "uploaded")
		require.NoError(t, err)
		return kb
	}
	require.Equal(t, &want, upload("refunds.md").Retrieval)

	tuned := store.Retrieval{RRFK: 10, VectorWeight: 0.5, TextWeight: 1, Candidates: 20, MinConfidence: 0.4}
	require.NoError(t, kit.Store.SetRetrieval(ctx, testkit.Tenant, "uploaded", tuned))
	require.Equal(t, &tuned, upload("more.md").Retrieval, "a later upload keeps the tuned settings")
}
