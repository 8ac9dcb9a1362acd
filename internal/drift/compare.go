package drift

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"supportd/internal/core"
)

// sample is a Question with everything Compare derives from its text.
type sample struct {
	Question
	terms      []string // distinct, in order of appearance
	lang       string   // DetectLanguage, "" for pasted logs
	pasted     bool
	low        bool // confidence below LowConfidence, refusals excluded
	handoff    bool
	unanswered bool // handoff or low
}

// analyse derives the features of each question once.
func analyse(qs []Question, p Params) []sample {
	out := make([]sample, len(qs))
	seen := make(map[string]struct{})
	for i, q := range qs {
		s := sample{Question: q, pasted: IsPastedLog(q.Text)}
		clear(seen)
		for _, t := range Terms(q.Text) {
			if _, dup := seen[t]; !dup {
				seen[t] = struct{}{}
				s.terms = append(s.terms, t)
			}
		}
		if !s.pasted {
			s.lang = DetectLanguage(q.Text)
		}
		s.low = q.Mode != core.ModeRefused && q.Confidence < p.LowConfidence
		s.handoff = q.Mode == core.ModeHandoff
		s.unanswered = s.low || s.handoff
		out[i] = s
	}
	return out
}

// Compare measures how the recent window of questions differs from the
// reference window; see the package comment for every formula. Params are
// defaulted with WithDefaults. It is deterministic and safe for concurrent
// use. Its cost is linear in the number of questions and in
// Params.Permutations: about 60 ms for two windows of 5,000 questions, 45
// of them reading the text, plus 0.2 ms per extra permutation.
func Compare(reference, recent []Question, p Params) Report {
	p = p.WithDefaults()
	all := append(analyse(reference, p), analyse(recent, p)...)
	n1 := len(reference)
	r := Report{
		ReferenceN:   n1,
		RecentN:      len(recent),
		Insufficient: len(reference) < p.MinQuestions || len(recent) < p.MinQuestions,
		Params:       p,
	}
	hs := []*histogram{topicHistogram(all), termHistogram(all), languageHistogram(all)}
	sh := permute(hs, len(all), n1, p.Permutations)
	r.Signals = []Signal{
		distributionSignal(SignalTopics, MetricPSI, "topic mix", hs[0], sh[0], p),
		distributionSignal(SignalTopics, MetricJS, "topic mix", hs[0], sh[0], p),
		distributionSignal(SignalTerms, MetricJS, "term mix", hs[1], sh[1], p),
		distributionSignal(SignalLanguage, MetricPSI, "language mix", hs[2], sh[2], p),
		languageRate(all[:n1], all[n1:], p),
		rateSignal(SignalPastedLogs, "share of pasted logs", all[:n1], all[n1:], func(s sample) bool { return s.pasted }, p),
		rateSignal(SignalLowConfidence, "share of low-confidence answers", all[:n1], all[n1:], func(s sample) bool { return s.low }, p),
		rateSignal(SignalHandoff, "share of handoffs", all[:n1], all[n1:], func(s sample) bool { return s.handoff }, p),
	}
	for i := range r.Signals {
		s := &r.Signals[i]
		if r.Insufficient {
			s.Alert = false
			s.Detail = fmt.Sprintf("insufficient data (%d reference, %d recent questions, need %d each): %s",
				r.ReferenceN, r.RecentN, p.MinQuestions, s.Detail)
		}
		r.Alert = r.Alert || s.Alert
	}
	r.NewTerms = newTerms(all[:n1], all[n1:], p)
	r.UnansweredTopics = unansweredTopics(all[:n1], all[n1:], p)
	r.Languages = languageShares(all[:n1], all[n1:])
	return r
}

// distributionSignal reports PSI or JS of one histogram, with the bins that
// gained the most share as its detail.
func distributionSignal(name, metric, what string, h *histogram, s shift, p Params) Signal {
	sig := Signal{Name: name, Metric: metric, Value: s.psi, Threshold: p.PSIAlert, Z: s.psiZ}
	if metric == MetricJS {
		sig.Value, sig.Threshold, sig.Z = s.js, p.JSAlert, s.jsZ
	}
	sig.Alert = sig.Value >= sig.Threshold && sig.Z >= p.MinZ
	sig.Detail = fmt.Sprintf("%s %s %.3f (z %.1f)", what, strings.ToUpper(metric), sig.Value, sig.Z)
	if rises := largestRises(h.labels, s.ref, s.rec, 3); rises != "" {
		sig.Detail += "; largest rises: " + rises
	}
	return sig
}

// largestRises lists up to n bins whose share rose the most, as
// "label ref% → rec%".
func largestRises(labels []string, ref, rec []float64, n int) string {
	nRef, nRec := sum(ref), sum(rec)
	if nRef == 0 || nRec == 0 {
		return ""
	}
	type rise struct {
		i     int
		delta float64
	}
	var rs []rise
	for i := range labels {
		if d := rec[i]/nRec - ref[i]/nRef; d > 0.005 {
			rs = append(rs, rise{i, d})
		}
	}
	slices.SortFunc(rs, func(a, b rise) int { return cmp.Or(cmp.Compare(b.delta, a.delta), cmp.Compare(a.i, b.i)) })
	parts := make([]string, 0, n)
	for _, r := range rs[:min(n, len(rs))] {
		parts = append(parts, fmt.Sprintf("%s %s → %s", labels[r.i], pct(ref[r.i]/nRef), pct(rec[r.i]/nRec)))
	}
	return strings.Join(parts, ", ")
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// pct formats a share as a percentage, with a decimal below 10%.
func pct(x float64) string {
	if x < 0.1 {
		return fmt.Sprintf("%.1f%%", 100*x)
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}
