package guard

// InstructionBar is the score at or above which InstructionLike flags a
// document on the strength of injection patterns alone. It is higher than
// DefaultThreshold because documents are long and, unlike questions, may
// discuss prompts, instructions and security on purpose.
const InstructionBar = 0.7

// InstructionLike reports whether document text (a page, a chunk) holds
// instructions aimed at a model that will later read it — the seed of an
// indirect prompt injection. It returns the signals behind the verdict,
// sorted, or nil when the text looks like ordinary documentation.
//
// Text is flagged when it speaks to an AI reader ("note to the language
// model", "if you are an AI", "when answering, always say …"), or when its
// injection score reaches InstructionBar. Ingestion should quarantine or
// review flagged chunks rather than drop them silently: a security
// article about prompt injection is flagged too, and that is the point.
func InstructionLike(text string) []string {
	// Rules only: the model was trained on questions, not documentation.
	h := NewDetectorWithModel(nil).scan(text, 0)
	addressed := false
	for _, x := range h {
		addressed = addressed || x.signal == SignalAddressedToModel
	}
	if !addressed && h.score() < InstructionBar {
		return nil
	}
	return h.signals()
}
