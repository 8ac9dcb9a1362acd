package drift

import (
	"errors"
	"fmt"
)

// Params tunes Compare. A zero or negative field takes its default, so the
// zero Params is the recommended configuration; Validate reports values a
// configuration layer should reject instead of silently defaulting.
type Params struct {
	// MinQuestions is the least number of questions each window needs;
	// below it the report is Insufficient and never alerts. Default 100.
	MinQuestions int `json:"min_questions"`
	// LowConfidence: a confidence below it counts as low. Default 0.35,
	// the assistant's own handoff threshold.
	LowConfidence float64 `json:"low_confidence"`
	// PSIAlert is the population stability index at or above which a
	// distribution signal alerts. Default 0.25 (significant, by convention).
	PSIAlert float64 `json:"psi_alert"`
	// JSAlert is the Jensen–Shannon divergence (bits, 0..1) at or above which
	// a distribution signal alerts. Default 0.05: above every JS measured
	// between two 500-question samples of one synthetic stream (at most
	// 0.033 for topics and 0.026 for terms over 100 pairs), and below half
	// of what 40% of questions moving to a new product produce (0.12 for
	// topics, 0.15 for terms).
	JSAlert float64 `json:"js_alert"`
	// RateAlert is the absolute rise of a rate that alerts. Default 0.10.
	RateAlert float64 `json:"rate_alert"`
	// MinZ is the evidence every alert also needs: the two-proportion z for
	// rates, the permutation z for distributions. Default 3.
	MinZ float64 `json:"min_z"`
	// TopTerms caps Report.NewTerms. Default 20.
	TopTerms int `json:"top_terms"`
	// MinTermCount: a new term occurs in at least this many recent
	// questions... Default 5.
	MinTermCount int `json:"min_term_count"`
	// MinTermShare: ...and in at least this share of them. Default 0.02.
	MinTermShare float64 `json:"min_term_share"`
	// MinTermLift: ...and is at least this many times more frequent than in
	// the reference window (see the lift formula in the package comment).
	// Default 5.
	MinTermLift float64 `json:"min_term_lift"`
	// TopTopics caps Report.UnansweredTopics. Default 10.
	TopTopics int `json:"top_topics"`
	// Permutations is how many label shuffles estimate the no-change
	// distribution of PSI and JS. Default 100.
	Permutations int `json:"permutations"`
}

// Defaults of Params, applied by WithDefaults.
const (
	DefaultMinQuestions  = 100
	DefaultLowConfidence = 0.35
	DefaultPSIAlert      = 0.25
	DefaultJSAlert       = 0.05
	DefaultRateAlert     = 0.10
	DefaultMinZ          = 3
	DefaultTopTerms      = 20
	DefaultMinTermCount  = 5
	DefaultMinTermShare  = 0.02
	DefaultMinTermLift   = 5
	DefaultTopTopics     = 10
	DefaultPermutations  = 100
)

// WithDefaults returns p with every zero or negative field replaced by its
// default.
func (p Params) WithDefaults() Params {
	p.MinQuestions = positive(p.MinQuestions, DefaultMinQuestions)
	p.LowConfidence = positive(p.LowConfidence, DefaultLowConfidence)
	p.PSIAlert = positive(p.PSIAlert, DefaultPSIAlert)
	p.JSAlert = positive(p.JSAlert, DefaultJSAlert)
	p.RateAlert = positive(p.RateAlert, DefaultRateAlert)
	p.MinZ = positive(p.MinZ, DefaultMinZ)
	p.TopTerms = positive(p.TopTerms, DefaultTopTerms)
	p.MinTermCount = positive(p.MinTermCount, DefaultMinTermCount)
	p.MinTermShare = positive(p.MinTermShare, DefaultMinTermShare)
	p.MinTermLift = positive(p.MinTermLift, DefaultMinTermLift)
	p.TopTopics = positive(p.TopTopics, DefaultTopTopics)
	p.Permutations = positive(p.Permutations, DefaultPermutations)
	return p
}

func positive[T int | float64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Validate reports every field outside its meaningful range, naming the
// field by its JSON name. Zero means "default" and is always valid.
func (p Params) Validate() error {
	var errs []error
	check := func(ok bool, field string, v any, want string) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %v is outside %s", field, v, want))
		}
	}
	check(p.MinQuestions >= 0, "min_questions", p.MinQuestions, "[0, ∞)")
	check(p.LowConfidence >= 0 && p.LowConfidence <= 1, "low_confidence", p.LowConfidence, "[0, 1]")
	check(p.PSIAlert >= 0, "psi_alert", p.PSIAlert, "[0, ∞)")
	check(p.JSAlert >= 0 && p.JSAlert <= 1, "js_alert", p.JSAlert, "[0, 1]")
	check(p.RateAlert >= 0 && p.RateAlert <= 1, "rate_alert", p.RateAlert, "[0, 1]")
	check(p.MinZ >= 0, "min_z", p.MinZ, "[0, ∞)")
	check(p.TopTerms >= 0, "top_terms", p.TopTerms, "[0, ∞)")
	check(p.MinTermCount >= 0, "min_term_count", p.MinTermCount, "[0, ∞)")
	check(p.MinTermShare >= 0 && p.MinTermShare <= 1, "min_term_share", p.MinTermShare, "[0, 1]")
	check(p.MinTermLift >= 0, "min_term_lift", p.MinTermLift, "[0, ∞)")
	check(p.TopTopics >= 0, "top_topics", p.TopTopics, "[0, ∞)")
	check(p.Permutations >= 0 && p.Permutations <= maxPermutations, "permutations", p.Permutations, "[0, 10000]")
	return errors.Join(errs...)
}

// maxPermutations bounds the cost of one Compare: 10,000 shuffles of two
// 5,000-question windows take about two seconds.
const maxPermutations = 10000
