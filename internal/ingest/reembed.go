package ingest

import (
	"context"
	"fmt"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/store"
)

// ReembedStore is what Reembed needs from the store.
type ReembedStore interface {
	// ChunkTexts returns every chunk of kb with its document's title.
	ChunkTexts(ctx context.Context, kb store.KB) ([]store.ChunkText, error)
	// Reembed replaces every chunk's embedding and records model as kb's
	// embedder, in one transaction; it fails unless every chunk is given.
	Reembed(ctx context.Context, kb store.KB, model string, ids []int64, vecs [][]float32) (store.KB, error)
}

// reembedBatch is how many chunk texts go to the embedder in one call.
const reembedBatch = 256

// Reembed embeds every chunk of kb again with e and records e's model as
// kb's embedder, so a knowledge base built by another model of the same
// dimension (an older recipe of the built-in embedder, say) serves again
// without re-reading its sources. It returns the updated knowledge base
// and how many chunks were embedded; a kb already embedded by e is left
// alone. A different dimension is core.CodeEmbeddingMismatch: the vector
// index is built for the old one, so such a knowledge base must be
// re-created.
func Reembed(ctx context.Context, s ReembedStore, e embed.Embedder, kb store.KB) (store.KB, int, error) {
	if kb.EmbedModel == e.Model() && kb.EmbedDim == e.Dimension() {
		return kb, 0, nil
	}
	if kb.EmbedDim != e.Dimension() {
		return kb, 0, core.Errorf(core.CodeEmbeddingMismatch,
			"knowledge base %q holds %d-dimensional vectors and %q makes %d: re-create the knowledge base to change dimension",
			kb.Name, kb.EmbedDim, e.Model(), e.Dimension())
	}
	chunks, err := s.ChunkTexts(ctx, kb)
	if err != nil {
		return kb, 0, err
	}
	ids := make([]int64, len(chunks))
	vecs := make([][]float32, 0, len(chunks))
	for start := 0; start < len(chunks); start += reembedBatch {
		part := chunks[start:min(start+reembedBatch, len(chunks))]
		texts := make([]string, len(part))
		for i, c := range part {
			ids[start+i], texts[i] = c.ID, IndexText(c.Title, c.Heading, c.Text)
		}
		v, err := e.EmbedDocuments(ctx, texts)
		if err != nil {
			return kb, 0, fmt.Errorf("re-embed %q: %w", kb.Name, err)
		}
		vecs = append(vecs, v...)
	}
	kb, err = s.Reembed(ctx, kb, e.Model(), ids, vecs)
	return kb, len(chunks), err
}
