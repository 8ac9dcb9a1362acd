package drift

import "supportd/internal/core"

// Question is one answered question as drift sees it: what was asked and
// how the assistant fared.
type Question struct {
	Text string `json:"text"`
	// TopDoc is the source URI of the document retrieved first, "" when
	// nothing was retrieved. It stands for the question's topic.
	TopDoc     string    `json:"top_doc"`
	Mode       core.Mode `json:"mode"`
	Confidence float64   `json:"confidence"`
}

// Signal names, one per aspect of the stream.
const (
	SignalTopics        = "topics"
	SignalTerms         = "terms"
	SignalLanguage      = "language"
	SignalPastedLogs    = "pasted_logs"
	SignalLowConfidence = "low_confidence"
	SignalHandoff       = "handoff"
)

// Signal metrics.
const (
	MetricPSI       = "psi"
	MetricJS        = "js"
	MetricRateDelta = "rate_delta"
)

// Signal is one measured aspect of the shift. Name and Metric together
// identify it; Compare always returns the same eight in the same order.
type Signal struct {
	Name   string `json:"name"`
	Metric string `json:"metric"`
	// Value is the PSI, the JS divergence or the rise of the rate
	// (recent − reference, negative for a fall).
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	// Z is the evidence that Value is not noise: the permutation z for
	// distributions, the two-proportion z for rates.
	Z float64 `json:"z"`
	// Alert is Value ≥ Threshold and Z ≥ Params.MinZ, and never set for an
	// Insufficient report.
	Alert bool `json:"alert"`
	// Reference and Recent are the two rates for rate signals and zero for
	// distributions.
	Reference float64 `json:"reference"`
	Recent    float64 `json:"recent"`
	// Detail says what moved in words, e.g. "share of pasted logs 3% → 41%".
	Detail string `json:"detail"`
}

// Term is a term that is frequent in the recent window and absent or rare
// in the reference window.
type Term struct {
	Term string `json:"term"`
	// RecentCount and ReferenceCount count questions containing the term.
	RecentCount    int     `json:"recent_count"`
	ReferenceCount int     `json:"reference_count"`
	Lift           float64 `json:"lift"`
}

// Topic is a group of recent questions and how often the assistant failed
// them.
type Topic struct {
	// Topic is the TopDoc the questions retrieved, or, when NoDocument, the
	// term that groups questions that retrieved nothing.
	Topic      string `json:"topic"`
	NoDocument bool   `json:"no_document"`
	// RecentCount questions in the group, UnansweredCount of them handed
	// off or answered with low confidence.
	RecentCount     int     `json:"recent_count"`
	UnansweredCount int     `json:"unanswered_count"`
	UnansweredShare float64 `json:"unanswered_share"`
	// ReferenceCount and ReferenceUnansweredShare describe the same group in
	// the reference window, for comparison.
	ReferenceCount           int     `json:"reference_count"`
	ReferenceUnansweredShare float64 `json:"reference_unanswered_share"`
	// Examples are up to three recent questions of the group, unanswered
	// ones first, shortened to one line.
	Examples []string `json:"examples"`
}

// LanguageShare is one language's share of the questions that are not
// pasted logs, in each window. "und" is the share whose language could not
// be determined.
type LanguageShare struct {
	Language  string  `json:"language"`
	Reference float64 `json:"reference"`
	Recent    float64 `json:"recent"`
}

// Report is the outcome of Compare.
type Report struct {
	ReferenceN int `json:"reference_n"`
	RecentN    int `json:"recent_n"`
	// Insufficient is set when either window has fewer than
	// Params.MinQuestions questions: values are still computed, nothing
	// alerts.
	Insufficient bool     `json:"insufficient"`
	Signals      []Signal `json:"signals"`
	// NewTerms are ranked by RecentCount, at most Params.TopTerms.
	NewTerms []Term `json:"new_terms"`
	// UnansweredTopics are ranked by UnansweredCount, at most
	// Params.TopTopics.
	UnansweredTopics []Topic `json:"unanswered_topics"`
	// Languages are ranked by recent share.
	Languages []LanguageShare `json:"languages"`
	// Alert is set when any signal alerted.
	Alert bool `json:"alert"`
	// Params are the parameters used, defaults applied.
	Params Params `json:"params"`
}

// Signal returns the signal with the given name and metric, and whether
// there is one.
func (r Report) Signal(name, metric string) (Signal, bool) {
	for _, s := range r.Signals {
		if s.Name == name && s.Metric == metric {
			return s, true
		}
	}
	return Signal{}, false
}
