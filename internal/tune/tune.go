package tune

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/eval"
	"supportd/internal/guard"
	"supportd/internal/paste"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// Store is what tuning needs from the database.
type Store interface {
	retrieve.Searcher
	// SetRetrieval records a knowledge base's retrieval settings, or
	// fails with core.CodeKBNotFound.
	SetRetrieval(ctx context.Context, tenant, kb string, r store.Retrieval) error
}

// Deps are the components tuning measures with, wired as the server wires
// them.
type Deps struct {
	Store    Store
	Embedder embed.Embedder
	// Confidence is the answerer's confidence in passages for a question
	// (extract.Answerer.Confidence): the handoff threshold applies to it.
	Confidence func(question string, passages []core.Passage) float64
	Now        func() time.Time
}

// Setting is one combination of the tuned parameters.
type Setting struct {
	Fusion        retrieve.Fusion `json:"fusion"`
	Candidates    int             `json:"candidates"`
	MinConfidence float64         `json:"min_confidence"`
}

// String is the setting in one line.
func (s Setting) String() string {
	return fmt.Sprintf("RRF k=%g, text ×%g, vector ×%g, %d candidates, handoff below %.2f",
		s.Fusion.K, s.Fusion.TextWeight, s.Fusion.VectorWeight, s.Candidates, s.MinConfidence)
}

// Params is one tuning run.
type Params struct {
	KB      store.KB
	Golden  eval.GoldenSet
	Current Setting // the settings in use
	TopK    int     // passages the answer reads; default 5
	// DryRun only reports; nothing is recorded.
	DryRun bool
	Seed   uint64 // of the bootstrap; 0 is a fixed default
}

// Scores are one setting's figures over the golden set.
type Scores struct {
	// Utility is the mean per-question objective (see Tune) with its
	// bootstrap 95% interval.
	Utility eval.Stat `json:"utility"`
	// MRR and HitAt5 are over the questions with expected sources,
	// ranking documents regardless of the threshold.
	MRR    float64 `json:"mrr"`
	HitAt5 float64 `json:"hit_at_5"`
	// DeclineAccuracy is the share of questions whose handoff decision
	// (confidence below the threshold) matches should_handoff or
	// should_refuse.
	DeclineAccuracy float64 `json:"decline_accuracy"`
}

// Result is the outcome of Tune.
type Result struct {
	Cases        int     `json:"cases"`
	Before       Setting `json:"before"`
	After        Setting `json:"after"`
	BeforeScores Scores  `json:"before_scores"`
	AfterScores  Scores  `json:"after_scores"`
	// Delta is the mean per-question held-out gain over Before (each
	// question scored by the setting chosen on the other half) with the
	// paired bootstrap's 95% interval.
	Delta  eval.Stat `json:"delta"`
	Stored bool      `json:"stored"`
	// Reason says why the result was or was not recorded.
	Reason string `json:"reason"`
}

// Grid of the search; the current setting is always a candidate too.
var (
	gridK          = []float64{10, 30, 60, 100}
	gridVector     = []float64{0, 0.25, 0.5, 1}
	gridCandidates = []int{20, 50, 100}
	gridThreshold  = []float64{0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6}
)

// Tune evaluates every setting of the grid on the golden set and returns
// the best against the current one. Each question is searched once, with
// the largest candidate count; smaller counts and every fusion are
// re-scored from that one search, as retrieve.Retriever would rank them.
//
// The handoff threshold is searched only when the golden set has questions
// both to answer and to decline.
//
// The objective per question: for a question that expects an answer, the
// reciprocal rank (at 10) of its first expected source among the retrieved
// documents, or 1 when it expects no particular source — and 0 either way
// when the confidence falls below the threshold, since a handoff answers
// nothing; for a question that should be handed off or refused, 1 when the
// confidence falls below the threshold, else 0. The best setting has the
// highest mean; ties keep the current setting, then the earlier in the
// grid.
//
// Unless p.DryRun, the best is recorded with the knowledge base when the
// paired bootstrap interval of the held-out gain over the current setting
// lies above zero (see heldOutGain: two-fold, each half scored by the
// setting chosen on the other). A search failure stops the run with the error.
func Tune(ctx context.Context, d Deps, p Params) (Result, error) {
	if d.Store == nil || d.Embedder == nil || d.Confidence == nil || d.Now == nil {
		return Result{}, errors.New("tune: missing dependency")
	}
	if len(p.Golden.Cases) == 0 {
		return Result{}, core.Errorf(core.CodeInvalid, "golden set %s has no cases", p.Golden.Path)
	}
	p.TopK = cmp.Or(p.TopK, 5)
	res := Result{Cases: len(p.Golden.Cases), Before: p.Current}
	searches, err := searchAll(ctx, d, p)
	if err != nil {
		return res, err
	}
	grid := append([]Setting{p.Current}, settings(thresholds(p))...)
	e := newEvaluator(d, p, searches)
	evals := make([]evaluation, len(grid))
	for i, s := range grid {
		evals[i] = e.evaluate(s)
	}
	best := bestOf(evals, func(int) bool { return true })
	res.After = grid[best]
	seed := cmp.Or(p.Seed, 1)
	res.BeforeScores, res.AfterScores = evals[0].scores(seed), evals[best].scores(seed)
	gain := heldOutGain(evals)
	res.Delta = eval.Stat{Mean: mean(gain), N: len(gain), CI: eval.Bootstrap(gain, eval.BootstrapIters, seed)}
	switch {
	case best == 0:
		res.Reason = "the current setting is the best of the grid"
	case res.Delta.CI.Lo <= 0:
		res.Reason = fmt.Sprintf("the held-out gain %+.3f is within the bootstrap interval [%+.3f, %+.3f]: not recorded",
			res.Delta.Mean, res.Delta.CI.Lo, res.Delta.CI.Hi)
	case p.DryRun:
		res.Reason = "better beyond the interval; --dry-run: not recorded"
	default:
		err = d.Store.SetRetrieval(ctx, p.KB.TenantID, p.KB.Name, store.Retrieval{
			RRFK: res.After.Fusion.K, VectorWeight: res.After.Fusion.VectorWeight, TextWeight: res.After.Fusion.TextWeight,
			Candidates: res.After.Candidates, MinConfidence: res.After.MinConfidence,
			GoldenHash: p.Golden.Hash, GoldenCases: len(p.Golden.Cases),
			Before: res.BeforeScores.Utility.Mean, After: res.AfterScores.Utility.Mean, TunedAt: d.Now().UTC(),
		})
		res.Stored = err == nil
		res.Reason = "better beyond the interval: recorded for knowledge base " + p.KB.Name
	}
	return res, err
}

// bestOf is the index of the evaluation with the highest mean utility over
// the questions in; ties keep the earlier (the current setting is first).
func bestOf(evals []evaluation, in func(i int) bool) int {
	best, bestMean := 0, -1.0
	for k, ev := range evals {
		var sum float64
		for i, u := range ev.utility {
			if in(i) {
				sum += u
			}
		}
		if sum > bestMean+1e-9 {
			best, bestMean = k, sum
		}
	}
	return best
}

// heldOutGain is each question's gain over the current setting (evals[0])
// of the setting chosen without it: the questions are split in two
// (alternately), the best setting of each half is scored on the other.
// Choosing the best of hundreds of settings and scoring it on the same
// questions would overstate the gain.
func heldOutGain(evals []evaluation) []float64 {
	n := len(evals[0].utility)
	gain := make([]float64, n)
	for fold := range 2 {
		chosen := evals[bestOf(evals, func(i int) bool { return i%2 != fold })]
		for i := fold; i < n; i += 2 {
			gain[i] = chosen.utility[i] - evals[0].utility[i]
		}
	}
	return gain
}

// thresholds are the handoff thresholds to try: the grid when the golden
// set has questions both to answer and to decline, else only the current
// one — with one side alone, the best threshold is an extreme that says
// nothing about the other.
func thresholds(p Params) []float64 {
	declines := 0
	for _, c := range p.Golden.Cases {
		if c.Declines() {
			declines++
		}
	}
	if declines == 0 || declines == len(p.Golden.Cases) {
		return []float64{p.Current.MinConfidence}
	}
	return gridThreshold
}

// settings is the grid, text weight fixed at 1 (only the ratio matters).
func settings(thresholds []float64) []Setting {
	var out []Setting
	for _, c := range gridCandidates {
		for _, v := range gridVector {
			for _, k := range gridK {
				if v == 0 && k != gridK[0] {
					continue // without the vector list's weight, k does not change the order
				}
				for _, th := range thresholds {
					out = append(out, Setting{Fusion: retrieve.Fusion{K: k, VectorWeight: v, TextWeight: 1}, Candidates: c, MinConfidence: th})
				}
			}
		}
	}
	return out
}

// searched is one question's search at the largest candidate count.
type searched struct {
	c eval.Case
	// focus is what confidence scores the passages against: the
	// assistant's focus question (paste.Message.Focus), not the raw
	// message, so the tuned threshold applies to the figure the assistant
	// compares with it.
	focus string
	found []core.Passage
}

func searchAll(ctx context.Context, d Deps, p Params) ([]searched, error) {
	most := max(slices.Max(gridCandidates), p.Current.Candidates)
	out := make([]searched, len(p.Golden.Cases))
	for i, c := range p.Golden.Cases {
		// The assistant retrieves on the question and the salient lines
		// of anything pasted, and scores against its focus (assistant.settle).
		m := paste.Split(c.Question)
		asked, _ := guard.NormalizeQuestion(m.Question)
		query := m.Query(asked)
		vec, err := d.Embedder.EmbedQuery(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("case %s: embed the question: %w", c.ID, err)
		}
		found, err := d.Store.Search(ctx, store.SearchParams{KB: p.KB, Query: query, Vector: vec, Candidates: most})
		if err != nil {
			return nil, fmt.Errorf("case %s: search: %w", c.ID, err)
		}
		out[i] = searched{c: c, focus: m.Focus(asked), found: found}
	}
	return out, nil
}
