package digest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"supportd/internal/core"
	"supportd/internal/drift"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// Source is the store's side of a digest (store.Store).
type Source interface {
	// KB is core.CodeKBNotFound for a knowledge base the tenant lacks.
	KB(ctx context.Context, tenant, name string) (store.KB, error)
	DriftQuestions(ctx context.Context, w store.DriftWindow) ([]store.DriftQuestion, error)
	ReviewLabels(ctx context.Context, tenant, kb string, from, to time.Time) (map[string]int, error)
	DriftReports(ctx context.Context, tenant, kb string, limit int) ([]store.DriftReportRow, error)
}

// Evals reads evaluation runs (eval.Runner).
type Evals interface {
	Latest(ctx context.Context, tenant, kb string) (eval.Run, bool, error)
	Load(ctx context.Context, tenant string, id int64) (eval.Run, *eval.Comparison, error)
}

// Params configures a Builder.
type Params struct {
	// Period is how far back a digest looks; the period before it gives
	// the trend. Default 7 days.
	Period time.Duration
	// LowConfidence: answers below it count as low-confidence (the
	// assistant's handoff threshold).
	LowConfidence float64
	// GoldenPath is the golden set of knowledge base GoldenKB, whose size
	// the digest of that knowledge base reports.
	GoldenPath, GoldenKB string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Builder builds digests.
type Builder struct {
	src   Source
	evals Evals
	p     Params
}

// NewBuilder returns a Builder; src and evals are required.
func NewBuilder(src Source, evals Evals, p Params) *Builder {
	if src == nil || evals == nil {
		panic("digest.NewBuilder: missing dependency")
	}
	p.Period = cmp.Or(p.Period, 7*24*time.Hour)
	if p.Now == nil {
		p.Now = time.Now
	}
	return &Builder{src: src, evals: evals, p: p}
}

// Digest is one knowledge base's period.
type Digest struct {
	KB   string    `json:"kb"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// This is the period, Before the one before it.
	This   drift.Window `json:"this"`
	Before drift.Window `json:"before"`
	// Relabelled counts review items resolved in the period, per label.
	Relabelled map[string]int `json:"relabelled"`
	// Golden is the golden set's size, when the knowledge base has one.
	Golden *Golden       `json:"golden,omitempty"`
	Eval   *EvalResult   `json:"eval,omitempty"`
	Drift  *DriftSignals `json:"drift,omitempty"`
}

// Golden is the size of a golden set, or why it could not be read, and
// how many cases it had when the knowledge base was last tuned on it.
type Golden struct {
	Path  string `json:"path"`
	Cases int    `json:"cases"`
	Error string `json:"error,omitempty"`
	// TunedCases is the size at the last `supportd tune` that recorded
	// settings (0: never tuned); Retune is set once the set has grown by
	// RetuneGrowth since.
	TunedCases int  `json:"tuned_cases,omitempty"`
	Retune     bool `json:"retune,omitempty"`
}

// RetuneGrowth is the growth of the golden set since the last tune at
// which the digest suggests tuning again: new cases can move the best
// settings, fewer would stay within the bootstrap interval.
const RetuneGrowth = 0.2

// EvalResult is the latest complete evaluation and its comparison with
// the pinned baseline.
type EvalResult struct {
	RunID      int64       `json:"run_id"`
	StartedAt  time.Time   `json:"started_at"`
	Trigger    string      `json:"trigger"`
	Cases      int         `json:"cases"`
	PassRate   float64     `json:"pass_rate"`
	BaselineID int64       `json:"baseline_id,omitempty"` // 0: compared with nothing
	Regressed  bool        `json:"regressed"`
	Flipped    []string    `json:"flipped"`
	Moves      []eval.Move `json:"regressed_metrics"`
}

// DriftSignals is the latest drift report's verdict.
type DriftSignals struct {
	ReportID     int64          `json:"report_id"`
	CreatedAt    time.Time      `json:"created_at"`
	Alert        bool           `json:"alert"`
	Insufficient bool           `json:"insufficient"`
	Alerted      []drift.Signal `json:"alerted"`
	NewTerms     []string       `json:"new_terms"`
}

// Build writes the digest of kb for the period ending now.
func (b *Builder) Build(ctx context.Context, tenant, kb string) (Digest, error) {
	to := b.p.Now().UTC()
	d := Digest{KB: kb, From: to.Add(-b.p.Period), To: to}
	kbRow, err := b.src.KB(ctx, tenant, kb)
	if err != nil {
		return d, err
	}
	p := drift.Params{LowConfidence: b.p.LowConfidence}
	this, err := b.questions(ctx, tenant, kb, d.From, d.To)
	if err != nil {
		return d, err
	}
	before, err := b.questions(ctx, tenant, kb, d.From.Add(-b.p.Period), d.From)
	if err != nil {
		return d, err
	}
	d.This, d.Before = drift.Summarize(before, this, p), drift.Summarize(nil, before, p)
	if d.Relabelled, err = b.src.ReviewLabels(ctx, tenant, kb, d.From, d.To); err != nil {
		return d, err
	}
	if kb == b.p.GoldenKB && b.p.GoldenPath != "" {
		d.Golden = &Golden{Path: b.p.GoldenPath}
		if set, err := eval.LoadGolden(b.p.GoldenPath); err != nil {
			d.Golden.Error = err.Error()
		} else {
			d.Golden.Cases = len(set.Cases)
		}
		if t := kbRow.Retrieval; t != nil && t.GoldenCases > 0 {
			d.Golden.TunedCases = t.GoldenCases
			d.Golden.Retune = float64(d.Golden.Cases) >= float64(t.GoldenCases)*(1+RetuneGrowth)
		}
	}
	if d.Eval, err = b.evalResult(ctx, tenant, kb); err != nil {
		return d, err
	}
	d.Drift, err = b.driftSignals(ctx, tenant, kb)
	return d, err
}

// Write builds the digest of kb and writes it in format (FormatMarkdown
// or FormatJSON).
func (b *Builder) Write(ctx context.Context, tenant, kb, format string, w io.Writer) error {
	d, err := b.Build(ctx, tenant, kb)
	if err != nil {
		return err
	}
	return d.Write(w, format)
}

func (b *Builder) questions(ctx context.Context, tenant, kb string, from, to time.Time) ([]drift.Question, error) {
	qs, err := b.src.DriftQuestions(ctx, store.DriftWindow{Tenant: tenant, KB: kb, From: from, To: to})
	return Questions(qs), err
}

// Questions converts stored questions into what drift measures.
func Questions(qs []store.DriftQuestion) []drift.Question {
	out := make([]drift.Question, len(qs))
	for i, q := range qs {
		out[i] = drift.Question{Text: q.Text, TopDoc: q.TopDoc, Mode: core.Mode(q.Mode), Confidence: q.Confidence}
	}
	return out
}

func (b *Builder) evalResult(ctx context.Context, tenant, kb string) (*EvalResult, error) {
	latest, ok, err := b.evals.Latest(ctx, tenant, kb)
	if err != nil || !ok {
		return nil, err
	}
	run, c, err := b.evals.Load(ctx, tenant, latest.Meta.ID)
	if err != nil {
		return nil, err
	}
	r := &EvalResult{RunID: run.Meta.ID, StartedAt: run.Meta.StartedAt, Trigger: run.Meta.Trigger, Cases: run.Summary.Cases,
		PassRate: run.Summary.PassRate.Mean, Flipped: []string{}, Moves: []eval.Move{}}
	if c != nil {
		r.BaselineID, r.Regressed, r.Flipped = c.BaseID, c.Regressed, append(r.Flipped, c.Flipped...)
		for _, m := range c.Moves {
			if m.Regressed {
				r.Moves = append(r.Moves, m)
			}
		}
	}
	return r, nil
}

func (b *Builder) driftSignals(ctx context.Context, tenant, kb string) (*DriftSignals, error) {
	rows, err := b.src.DriftReports(ctx, tenant, kb, 1)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var rep drift.Report
	if err := json.Unmarshal(rows[0].Report, &rep); err != nil {
		return nil, fmt.Errorf("decode drift report %d: %w", rows[0].ID, err)
	}
	s := &DriftSignals{ReportID: rows[0].ID, CreatedAt: rows[0].CreatedAt, Alert: rep.Alert, Insufficient: rep.Insufficient,
		Alerted: []drift.Signal{}, NewTerms: []string{}}
	for _, sig := range rep.Signals {
		if sig.Alert {
			s.Alerted = append(s.Alerted, sig)
		}
	}
	for _, t := range rep.NewTerms {
		s.NewTerms = append(s.NewTerms, t.Term)
	}
	return s, nil
}
