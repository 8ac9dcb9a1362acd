package drift

// Window summarises one window of questions with the definitions Compare
// uses: how many were asked, handed off, answered with low confidence
// (refusals excluded), and the topics that went unanswered most.
type Window struct {
	N             int     `json:"n"`
	Handoffs      int     `json:"handoffs"`
	LowConfidence int     `json:"low_confidence"`
	HandoffRate   float64 `json:"handoff_rate"`
	LowRate       float64 `json:"low_confidence_rate"`
	// Topics are ranked by unanswered questions (at most Params.TopTopics);
	// their reference figures come from the window before.
	Topics []Topic `json:"topics"`
}

// Summarize describes the recent window, comparing its topics with the
// reference window's. Params are defaulted as for Compare; nothing is
// permuted, so it is cheap.
func Summarize(reference, recent []Question, p Params) Window {
	p = p.WithDefaults()
	ref, rec := analyse(reference, p), analyse(recent, p)
	w := Window{N: len(rec), Topics: unansweredTopics(ref, rec, p)}
	for _, s := range rec {
		if s.handoff {
			w.Handoffs++
		}
		if s.low {
			w.LowConfidence++
		}
	}
	w.HandoffRate, w.LowRate = share(w.Handoffs, w.N), share(w.LowConfidence, w.N)
	return w
}
