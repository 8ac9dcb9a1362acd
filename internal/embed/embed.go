package embed

import "context"

// Embedder turns text into vectors of a fixed dimension.
//
// EmbedDocuments returns one vector per input, in order, each of length
// Dimension(); it fails as a whole (no partial results). EmbedQuery embeds a
// search question; an embedder may treat queries and documents differently.
// Both honour ctx cancellation and deadlines.
type Embedder interface {
	EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error)
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
	Dimension() int
	// Model names the model; together with Dimension it is part of a
	// knowledge base's identity.
	Model() string
}
