package assistant

import (
	"cmp"
	"context"

	"supportd/internal/core"
	"supportd/internal/retrieve"
)

// MaxSearchTopK bounds how many passages one search returns.
const MaxSearchTopK = 50

// Search is a retrieval request from a caller that writes its own prompt.
type Search struct {
	Tenant string
	KB     string
	Query  string
	// TopK is how many passages to return; zero means the assistant's own
	// TopK, at most MaxSearchTopK.
	TopK   int
	Filter core.Filter
}

// Search returns the passages an answer to s.Query would be drawn from,
// best first, by the same validation and retrieval as Answer. It records
// nothing. It fails with core.CodeInvalid (or a question code) for bad
// input, core.CodeKBNotFound for a knowledge base the tenant lacks, and as
// retrieval fails.
func (a *Assistant) Search(ctx context.Context, s Search) ([]core.Passage, error) {
	if s.TopK < 0 || s.TopK > MaxSearchTopK {
		return nil, core.Errorf(core.CodeInvalid, "top_k must be between 1 and %d", MaxSearchTopK)
	}
	query, err := a.validate(Turn{Question: s.Query})
	if err != nil {
		return nil, err
	}
	if err := s.Filter.Validate(); err != nil {
		return nil, err
	}
	kb, err := a.d.KBs.KB(ctx, s.Tenant, s.KB)
	if err != nil {
		return nil, err
	}
	ctx, span := a.d.Tracer.Start(ctx, "assistant.search")
	defer span.End()
	began := a.d.Now()
	passages, err := a.d.Retriever.Retrieve(ctx, retrieve.Query{KB: kb, Question: query, TopK: cmp.Or(s.TopK, a.p.TopK), Filter: s.Filter})
	a.d.Observer.Stage("retrieve", a.d.Now().Sub(began))
	return passages, err
}

// Snippet is a passage's text on one line, shortened to about 240
// characters at a word boundary: what a citation quotes.
func Snippet(text string) string { return snippet(text) }
