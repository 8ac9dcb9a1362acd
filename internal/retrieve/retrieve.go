package retrieve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/store"
)

// Searcher is the store query retrieval needs.
type Searcher interface {
	// Search returns vector and full-text candidates with their ranks; it
	// fails with a coded core.Error.
	Search(ctx context.Context, p store.SearchParams) ([]core.Passage, error)
}

// Retriever runs hybrid retrieval.
type Retriever struct {
	search     Searcher
	embedder   embed.Embedder
	candidates int
	timeout    time.Duration
	fusion     Fusion
	observe    func(stage string, d time.Duration)
}

// Params configures a Retriever.
type Params struct {
	Candidates int           // per list before fusion; default 50
	Timeout    time.Duration // embedding plus search; default 3 s
	Fusion     Fusion        // default RRF with k = 60 and equal weights
	// Observe, when set, is told how long embedding ("embed") and the
	// database search ("search") took.
	Observe func(stage string, d time.Duration)
}

// New returns a Retriever over the given store and embedder.
func New(s Searcher, e embed.Embedder, p Params) *Retriever {
	if s == nil || e == nil {
		panic("retrieve.New: nil searcher or embedder")
	}
	if p.Observe == nil {
		p.Observe = func(string, time.Duration) {}
	}
	return &Retriever{
		search:     s,
		embedder:   e,
		candidates: cmp.Or(p.Candidates, 50),
		timeout:    cmp.Or(p.Timeout, 3*time.Second),
		fusion:     cmp.Or(p.Fusion, DefaultFusion()),
		observe:    p.Observe,
	}
}

// Query is one retrieval request.
type Query struct {
	KB       store.KB
	Question string
	TopK     int
	Filter   core.Filter // the zero Filter searches every document
	// Method is "hybrid" (default), "vector" or "text"; the last two exist
	// to measure each list alone.
	Method string
}

// Retrieve returns up to q.TopK passages, best first, with Score set to the
// fused score. It fails with core.CodeInvalid for an invalid filter and
// core.CodeUpstreamTimeout when embedding and search together overrun the
// retrieval deadline.
func (r *Retriever) Retrieve(ctx context.Context, q Query) ([]core.Passage, error) {
	if err := q.Filter.Validate(); err != nil {
		return nil, err
	}
	if err := store.CheckEmbedder(q.KB, r.embedder.Model(), r.embedder.Dimension()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	began := time.Now()
	vec, err := r.embedder.EmbedQuery(ctx, q.Question)
	r.observe("embed", time.Since(began))
	if err != nil {
		return nil, deadline(ctx, err, "embed the question")
	}
	began = time.Now()
	found, err := r.search.Search(ctx, store.SearchParams{
		KB: q.KB, Query: q.Question, Vector: vec, Candidates: r.candidates, Filter: q.Filter,
		SkipVector: q.Method == "text", SkipText: q.Method == "vector",
	})
	r.observe("search", time.Since(began))
	if err != nil {
		return nil, deadline(ctx, err, "search")
	}
	r.fusion.Score(found)
	slices.SortStableFunc(found, func(a, b core.Passage) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ChunkID, b.ChunkID))
	})
	found = Dedupe(found, 0.8)
	return found[:min(len(found), cmp.Or(q.TopK, 5))], nil
}

// deadline reports an overrun retrieval deadline as a coded timeout, and
// passes other errors through with what was being done.
func deadline(ctx context.Context, err error, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return core.Wrap(core.CodeUpstreamTimeout, err, "retrieval took too long: "+what)
	}
	if core.ErrorCode(err) != core.CodeInternal {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
