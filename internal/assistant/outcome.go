package assistant

import (
	"cmp"

	"supportd/internal/core"
	"supportd/internal/extract"
)

// outcome is how a stage settled a turn. Stages return one and never touch
// the answer themselves; Assistant.answer alone streams what the client has
// not seen, builds the core.Answer and records it.
type outcome struct {
	text       string
	citations  []core.Citation
	confidence float64
	mode       core.Mode
	reason     string // the degraded_reason; "" for an undegraded answer
	detail     string // what the model's provider said when it failed
	// unsent are the pieces of text a streaming client has not received
	// yet, in order. Model text that streamed as it was generated is part
	// of text but not of unsent.
	unsent        []string
	model         string // the model that answered (or whose answer the cache holds)
	promptVersion string
	cacheKey      string // the answer-cache entry read or written
	dropped       int    // passage ids the model cited that were not in its context
}

// after puts text the client already saw and a notice in front of o, so
// the stored answer is what the client read: the start of a model answer
// that could not stand, the notice saying so, then o.
func (o outcome) after(shown, notice string) outcome {
	o.text = shown + notice + o.text
	o.unsent = append([]string{notice}, o.unsent...)
	return o
}

// handoff hands the turn to a person.
func handoff(reason string, confidence float64) outcome {
	return outcome{text: extract.HandoffText, citations: []core.Citation{}, confidence: confidence, mode: core.ModeHandoff,
		reason: reason, unsent: []string{extract.HandoffText}}
}

// refusal declines a question taken for an attack on the assistant.
func refusal(reason string) outcome {
	return outcome{text: RefusalText, citations: []core.Citation{}, mode: core.ModeRefused, reason: reason,
		unsent: []string{RefusalText}}
}

// extractive answers from the passages alone; reason says why no model
// answered ("" when none is configured). When the passages cannot answer
// either, the extractive answerer hands off.
func (a *Assistant) extractive(w *work, passages []core.Passage, reason string) outcome {
	return extractiveFrom(a.d.Extractor.AnswerAt(w.focus, passages, a.minConfidence(w.kb)), reason)
}

// extractiveFrom is the outcome of an extractive result already computed.
func extractiveFrom(res extract.Result, reason string) outcome {
	o := outcome{text: res.Text, citations: res.Citations, confidence: res.Confidence, mode: core.ModeExtractive,
		reason: reason, unsent: []string{res.Text}}
	if res.Handoff {
		o.mode, o.reason = core.ModeHandoff, cmp.Or(reason, "low_confidence")
	}
	return o
}
