package retrieve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	// RRFK, VectorWeight and TextWeight, when set, override FusionFor the
	// embedder's model; the result applies to knowledge bases without
	// tuned settings.
	RRFK, VectorWeight, TextWeight *float64
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
		candidates: cmp.Or(p.Candidates, defaultCandidates),
		timeout:    cmp.Or(p.Timeout, 3*time.Second),
		fusion:     p.fusion(e.Model()),
		observe:    p.Observe,
	}
}

// defaultCandidates is Params.Candidates' default.
const defaultCandidates = 50

// Defaults are the settings a knowledge base filled by model starts with,
// recorded when it is created: FusionFor model with p's overrides, and
// p's candidates per list. The handoff threshold is left to the
// configuration (0).
func (p Params) Defaults(model string) store.Retrieval {
	f := p.fusion(model)
	return store.Retrieval{RRFK: f.K, VectorWeight: f.VectorWeight, TextWeight: f.TextWeight,
		Candidates: cmp.Or(p.Candidates, defaultCandidates)}
}

// fusion is FusionFor model with the parameters set in p.
func (p Params) fusion(model string) Fusion {
	f := FusionFor(model)
	for dst, v := range map[*float64]*float64{&f.K: p.RRFK, &f.VectorWeight: p.VectorWeight, &f.TextWeight: p.TextWeight} {
		if v != nil {
			*dst = *v
		}
	}
	return f
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
	fusion, candidates := r.Settings(q.KB)
	if err != nil {
		return nil, deadline(ctx, err, "embed the question")
	}
	began = time.Now()
	found, err := r.search.Search(ctx, store.SearchParams{
		KB: q.KB, Query: q.Question, Vector: vec, Candidates: candidates, Filter: q.Filter,
		SkipVector: q.Method == "text", SkipText: q.Method == "vector",
	})
	r.observe("search", time.Since(began))
	if err != nil {
		return nil, deadline(ctx, err, "search")
	}
	fusion.Rank(found)
	return DedupeTop(found, DedupeThreshold, cmp.Or(q.TopK, 5)), nil
}

// DedupeThreshold is the word-trigram similarity at which Retrieve drops a
// passage as a near-duplicate of a better one.
const DedupeThreshold = 0.8

// Settings returns the fusion and the candidates per list that Retrieve
// uses for kb: those tuned for it when recorded, else the configured ones.
func (r *Retriever) Settings(kb store.KB) (Fusion, int) {
	t := kb.Retrieval
	if t == nil {
		return r.fusion, r.candidates
	}
	return Fusion{K: t.RRFK, VectorWeight: t.VectorWeight, TextWeight: t.TextWeight}, cmp.Or(t.Candidates, r.candidates)
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
