package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// Answerer answers one evaluation question end to end, as the chat API
// does; the composition root adapts the assistant to it, because bench
// must not import the assistant.
type Answerer interface {
	// Answer fails only when the turn cannot be recorded or the client
	// went away; weak retrieval is a handoff, not an error.
	Answer(ctx context.Context, tenant, kb, question string) (core.Answer, error)
}

// The negatives are eval's (eval.LoadNegatives), shared with tune.
type Negative = eval.Negative

// Kinds of Negative.
const (
	KindProduct     = eval.KindProduct
	KindOutOfDomain = eval.KindOutOfDomain
)

// LoadNegatives reads a JSONL file of negatives; see eval.LoadNegatives.
func LoadNegatives(path string) ([]Negative, error) { return eval.LoadNegatives(path) }

// confidentConfidence is the confidence at or above which an answer to an
// out-of-domain question counts as confidently wrong.
const confidentConfidence = 0.7

// reliabilityBins is how many equal-width confidence bins the
// reliability table has.
const reliabilityBins = 10

// AnswerRun is the end-to-end outcome of the dataset's questions and the
// negatives, through the assistant.
type AnswerRun struct {
	Modes map[core.Mode]int
	// InKB are the dataset's questions: Cited counts answers citing one of
	// the question's sections, Handoffs the questions handed off, and
	// Rouge sums ROUGE-L of every answer body against the expert answer.
	InKB, Cited, InKBHandoffs int
	Rouge                     float64
	// Product and OutOfDomain are the negatives of each kind, with the
	// number handed off (or refused) and, out of domain, answered at
	// confidence ≥ confidentConfidence.
	Product, ProductHandoffs int
	OutOfDomain, OODHandoffs int
	OODConfident             int
	Points                   []Point
	// Signals are every question's answerability signals, when Deps has
	// a Signals function.
	Signals []SignalRecord
}

// SignalFunc measures the answerability signals the extractive answerer
// computes confidence from (extract.Answerer.Signals), each in 0..1.
type SignalFunc func(question string, passages []core.Passage) (coverage, similarity, bm25 float64)

// SignalRecord is one question's answerability signals and label, a line
// of `bench quality --signals FILE`, which `supportd bench calibrate`
// fits the answerability model on.
type SignalRecord struct {
	QID  string `json:"qid"`
	Kind string `json:"kind"` // KindAnswerable, KindProduct or KindOutOfDomain
	// Answerable is whether the knowledge base answers the question.
	Answerable     bool      `json:"answerable"`
	Mode           core.Mode `json:"mode"`
	DegradedReason string    `json:"degraded_reason,omitempty"`
	Confidence     float64   `json:"confidence"`
	Coverage       float64   `json:"coverage"`
	Similarity     float64   `json:"similarity"`
	BM25           float64   `json:"bm25"`
}

// KindAnswerable is the SignalRecord kind of a dataset question.
const KindAnswerable = "answerable"

// Point is one question's confidence and whether the knowledge base
// answers it.
type Point struct {
	Confidence float64
	Answerable bool
}

// answerAll runs every question and negative through the assistant.
func (d Deps) answerAll(ctx context.Context, kb store.KB, ds Dataset, negs []Negative) (AnswerRun, error) {
	run := AnswerRun{Modes: map[core.Mode]int{}}
	ask := func(qid, kind, q string) (core.Answer, error) {
		ans, err := d.Answerer.Answer(ctx, d.Tenant, kb.Name, q)
		if err != nil {
			return ans, fmt.Errorf("answer %q: %w", q, err)
		}
		run.Modes[ans.Mode]++
		if d.Signals != nil {
			r := SignalRecord{QID: qid, Kind: kind, Answerable: kind == KindAnswerable, Mode: ans.Mode,
				DegradedReason: ans.DegradedReason, Confidence: ans.Confidence}
			r.Coverage, r.Similarity, r.BM25 = d.Signals(q, ans.Retrieved)
			run.Signals = append(run.Signals, r)
		}
		return ans, nil
	}
	for i, q := range ds.Questions {
		ans, err := ask(q.QID, KindAnswerable, q.Question)
		if err != nil {
			return run, err
		}
		run.InKB++
		run.Points = append(run.Points, Point{ans.Confidence, true})
		if declined(ans) {
			run.InKBHandoffs++
		}
		if slices.ContainsFunc(ans.Citations, func(c core.Citation) bool { return slices.Contains(q.Candidates, c.Document) }) {
			run.Cited++
		}
		run.Rouge += eval.RougeL(ans.Text, q.Answer)
		if (i+1)%100 == 0 {
			d.progress("answered %d/%d questions", i+1, len(ds.Questions))
		}
	}
	for _, n := range negs {
		ans, err := ask(n.QID, n.Kind, n.Question)
		if err != nil {
			return run, err
		}
		run.Points = append(run.Points, Point{ans.Confidence, false})
		if n.Kind == KindProduct {
			run.Product++
			run.ProductHandoffs += count(declined(ans))
			continue
		}
		run.OutOfDomain++
		run.OODHandoffs += count(declined(ans))
		run.OODConfident += count(!declined(ans) && ans.Confidence >= confidentConfidence)
	}
	return run, nil
}

// ROCPoint is the answer decision as a classifier of "the knowledge base
// answers this": the share of the dataset's questions answered (true
// positive rate) and of the negatives answered (false positive rate).
func (r AnswerRun) ROCPoint() (tpr, fpr float64) {
	negatives := r.Product + r.OutOfDomain
	answered := negatives - r.ProductHandoffs - r.OODHandoffs
	return float64(r.InKB-r.InKBHandoffs) / float64(max(r.InKB, 1)), float64(answered) / float64(max(negatives, 1))
}

func declined(a core.Answer) bool { return a.Mode == core.ModeHandoff || a.Mode == core.ModeRefused }

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ratio(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.3f (%d/%d)", float64(n)/float64(of), n, of)
}

// Bin is one row of a reliability table.
type Bin struct {
	Low, High      float64
	N              int
	MeanConfidence float64
	Accuracy       float64 // share of the bin's questions the KB answers
}

// Reliability bins the points by confidence and returns the bins with
// points and the expected calibration error: the count-weighted mean gap
// between a bin's mean confidence and its share of answerable questions.
func Reliability(points []Point, bins int) ([]Bin, float64) {
	all := make([]Bin, bins)
	for i := range all {
		all[i].Low, all[i].High = float64(i)/float64(bins), float64(i+1)/float64(bins)
	}
	for _, p := range points {
		i := min(bins-1, max(0, int(p.Confidence*float64(bins))))
		all[i].N++
		all[i].MeanConfidence += p.Confidence
		all[i].Accuracy += float64(count(p.Answerable))
	}
	var out []Bin
	ece := 0.0
	for _, b := range all {
		if b.N == 0 {
			continue
		}
		b.MeanConfidence /= float64(b.N)
		b.Accuracy /= float64(b.N)
		ece += float64(b.N) / float64(len(points)) * math.Abs(b.MeanConfidence-b.Accuracy)
		out = append(out, b)
	}
	return out, ece
}

// writeMarkdown prints the end-to-end rows and the reliability table.
func (r AnswerRun) writeMarkdown(w io.Writer, negatives string) {
	fmt.Fprintf(w, "\n### End to end through the assistant (answers: %v)\n\n", r.Modes)
	if negatives != "" {
		fmt.Fprintf(w, "negatives: %s\n\n", negatives)
	}
	t := newTable("metric", "value")
	t.add("right section cited (any citation)", ratio(r.Cited, r.InKB))
	rouge := "—"
	if r.InKB > 0 {
		rouge = fmt.Sprintf("%.3f", r.Rouge/float64(r.InKB))
	}
	t.add("ROUGE-L vs expert answers (mean, all questions)", rouge)
	t.add("in-KB false handoffs", ratio(r.InKBHandoffs, r.InKB))
	t.add("out-of-KB (same product) handed off", ratio(r.ProductHandoffs, r.Product))
	t.add("out-of-domain handed off", ratio(r.OODHandoffs, r.OutOfDomain))
	t.add(fmt.Sprintf("out-of-domain answered at confidence ≥ %.1f", confidentConfidence), ratio(r.OODConfident, r.OutOfDomain))
	tpr, fpr := r.ROCPoint()
	t.add("ROC point at the handoff threshold: answerable answered (TPR) / negatives answered (FPR)", fmt.Sprintf("%.3f / %.3f", tpr, fpr))
	t.write(w)
	bins, ece := Reliability(r.Points, reliabilityBins)
	fmt.Fprintf(w, "\nreliability of confidence as P(the KB answers this), dataset questions against negatives; ECE %.3f\n\n", ece)
	rt := newTable("confidence", "questions", "mean confidence", "answerable share")
	for _, b := range bins {
		rt.add(fmt.Sprintf("%.1f–%.1f", b.Low, b.High), fmt.Sprint(b.N), fmt.Sprintf("%.3f", b.MeanConfidence), fmt.Sprintf("%.3f", b.Accuracy))
	}
	rt.write(w)
}
