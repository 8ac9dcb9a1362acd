package tune

import (
	"slices"
	"strconv"
	"strings"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/retrieve"
)

// rankDepth is how many fused passages are deduplicated and read for the
// top ten documents; deduplication keeps a prefix's order, so a prefix
// deep enough gives the same top ten as the whole list.
const rankDepth = 60

// retrieval is one (fusion, candidates) pair's outcome per question.
type retrieval struct {
	rr, hit5, confidence []float64
}

// evaluation is one setting's per-question objective and figures.
type evaluation struct {
	utility   []float64
	retrieval retrieval
	declined  []bool
	cases     []eval.Case
}

// evaluator caches each retrieval setting's outcome, since every
// threshold shares it, and below that what settings share with each other:
// passages' near-duplicate checks, and the confidence of a question's top
// passages (many settings put the same passages on top).
type evaluator struct {
	d          Deps
	p          Params
	searches   []searched
	seen       map[retrievalKey]retrieval
	dedupe     []*retrieve.Deduper // per question
	confidence map[confidenceKey]float64
}

// confidenceKey is a question (its index) and the chunk ids of the top
// passages its confidence is scored on, in order.
type confidenceKey struct {
	question int
	top      string
}

type retrievalKey struct {
	fusion     retrieve.Fusion
	candidates int
}

func newEvaluator(d Deps, p Params, searches []searched) *evaluator {
	e := &evaluator{d: d, p: p, searches: searches, seen: map[retrievalKey]retrieval{},
		dedupe: make([]*retrieve.Deduper, len(searches)), confidence: map[confidenceKey]float64{}}
	for i := range e.dedupe {
		e.dedupe[i] = retrieve.NewDeduper(retrieve.DedupeThreshold)
	}
	return e
}

// evaluate scores setting s on every question.
func (e *evaluator) evaluate(s Setting) evaluation {
	r := e.retrieve(retrievalKey{s.Fusion, s.Candidates})
	ev := evaluation{retrieval: r, utility: make([]float64, len(e.searches)), declined: make([]bool, len(e.searches))}
	for i, q := range e.searches {
		ev.cases = append(ev.cases, q.c)
		declined := r.confidence[i] < s.MinConfidence
		ev.declined[i] = declined
		switch {
		case q.c.Declines():
			ev.utility[i] = indicator(declined)
		case declined:
		case len(q.c.ExpectedSources) == 0:
			ev.utility[i] = 1
		default:
			ev.utility[i] = r.rr[i]
		}
	}
	return ev
}

func (e *evaluator) retrieve(k retrievalKey) retrieval {
	if r, ok := e.seen[k]; ok {
		return r
	}
	n := len(e.searches)
	r := retrieval{rr: make([]float64, n), hit5: make([]float64, n), confidence: make([]float64, n)}
	for i, q := range e.searches {
		ps := cut(q.found, k.candidates)
		k.fusion.Rank(ps)
		ps = e.dedupe[i].Dedupe(ps[:min(len(ps), rankDepth)])
		docs := documents(ps)
		if len(q.c.ExpectedSources) > 0 {
			r.rr[i] = eval.ReciprocalRank(q.c.ExpectedSources, docs[:min(len(docs), 10)])
			r.hit5[i] = indicator(eval.RecallAtK(q.c.ExpectedSources, docs, 5) > 0)
		}
		r.confidence[i] = e.confidenceOf(i, q.focus, ps[:min(len(ps), e.p.TopK)])
	}
	e.seen[k] = r
	return r
}

// confidenceOf is Deps.Confidence of question i's top passages, scored
// once per distinct top.
func (e *evaluator) confidenceOf(i int, focus string, top []core.Passage) float64 {
	var b strings.Builder
	for _, p := range top {
		b.WriteString(strconv.FormatInt(p.ChunkID, 10))
		b.WriteByte(' ')
	}
	key := confidenceKey{question: i, top: b.String()}
	c, ok := e.confidence[key]
	if !ok {
		c = e.d.Confidence(focus, top)
		e.confidence[key] = c
	}
	return c
}

// cut returns a copy of the candidates a search of n per list would have
// returned: those ranked at most n in either list, with ranks beyond n
// cleared.
func cut(found []core.Passage, n int) []core.Passage {
	out := make([]core.Passage, 0, len(found))
	for _, p := range found {
		if p.VectorRank > n {
			p.VectorRank = 0
		}
		if p.TextRank > n {
			p.TextRank = 0
		}
		if p.VectorRank > 0 || p.TextRank > 0 {
			out = append(out, p)
		}
	}
	return out
}

// documents are the distinct source URIs in rank order.
func documents(ps []core.Passage) []string {
	var out []string
	for _, p := range ps {
		if !slices.Contains(out, p.SourceURI) {
			out = append(out, p.SourceURI)
		}
	}
	return out
}

// scores summarises an evaluation.
func (ev evaluation) scores(seed uint64) Scores {
	s := Scores{Utility: eval.Stat{Mean: mean(ev.utility), N: len(ev.utility), CI: eval.Bootstrap(ev.utility, eval.BootstrapIters, seed)}}
	var rr, hit5 []float64
	right := 0
	for i, c := range ev.cases {
		if len(c.ExpectedSources) > 0 {
			rr, hit5 = append(rr, ev.retrieval.rr[i]), append(hit5, ev.retrieval.hit5[i])
		}
		if ev.declined[i] == c.Declines() {
			right++
		}
	}
	s.MRR, s.HitAt5 = mean(rr), mean(hit5)
	s.DeclineAccuracy = float64(right) / float64(max(len(ev.cases), 1))
	return s
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
