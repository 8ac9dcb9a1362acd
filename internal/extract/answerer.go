package extract

import "supportd/internal/core"

// Defaults for the zero values of Params.
const (
	// DefaultMaxSentences is the default for Params.MaxSentences.
	DefaultMaxSentences = 3
	// DefaultMinConfidence is the default for Params.MinConfidence; the
	// package documentation says how it was chosen.
	DefaultMinConfidence = 0.40
	// DefaultMaxPassages is the default for Params.MaxPassages.
	DefaultMaxPassages = 3
)

// Answerer builds short, cited, extractive answers from retrieved passages.
// It holds no mutable state and is safe for concurrent use.
type Answerer struct {
	p Params
}

// Params configures an Answerer. A zero or negative field takes its
// default.
type Params struct {
	// MaxSentences is the most sentences quoted; a numbered procedure
	// counts as one. Default DefaultMaxSentences.
	MaxSentences int
	// MinConfidence is the confidence below which the answerer hands off
	// instead of answering. Default DefaultMinConfidence.
	MinConfidence float64
	// MaxPassages is how many of the top passages sentences are drawn
	// from and confidence is computed over. Default DefaultMaxPassages.
	MaxPassages int
}

// New returns an Answerer with p's zero fields set to their defaults.
func New(p Params) *Answerer {
	if p.MaxSentences <= 0 {
		p.MaxSentences = DefaultMaxSentences
	}
	if !(p.MinConfidence > 0) {
		p.MinConfidence = DefaultMinConfidence
	}
	if p.MaxPassages <= 0 {
		p.MaxPassages = DefaultMaxPassages
	}
	return &Answerer{p: p}
}

// Result is an extractive answer, or a handoff.
type Result struct {
	// Text is the answer, each quoted sentence followed by " [n]" where n
	// is the 1-based index of its citation; for a handoff, a polite message
	// that we do not know and that a person will follow up.
	Text string
	// Citations are the documents quoted, in order of first use, one per
	// document; empty for a handoff.
	Citations []core.Citation
	// Confidence is in 0..1; see the package documentation.
	Confidence float64
	// Handoff is true when the answerer declined to answer.
	Handoff bool
}

// HandoffText is the answer given when the passages do not answer the
// question.
const HandoffText = "I'm sorry, I couldn't find an answer to that in our help articles, " +
	"and I'd rather not guess. I've passed your question to our support team, " +
	"and a person will follow up with you."

// Answer answers question from passages, which must be in retrieval order,
// best first. It hands off when confidence is below MinConfidence.
func (a *Answerer) Answer(question string, passages []core.Passage) Result {
	return a.AnswerAt(question, passages, a.p.MinConfidence)
}

// AnswerAt is Answer with another handoff threshold, such as a knowledge
// base's tuned one.
func (a *Answerer) AnswerAt(question string, passages []core.Passage, minConfidence float64) Result {
	an, chosen := a.decide(question, passages)
	conf := an.confidence(chosen)
	if len(chosen) == 0 || conf < minConfidence {
		return Result{Text: HandoffText, Citations: []core.Citation{}, Confidence: conf, Handoff: true}
	}
	text, cites := an.render(chosen)
	return Result{Text: text, Citations: cites, Confidence: conf}
}

// Confidence returns the confidence Answer would report for the same
// input, so the LLM path can gate its answers the same way.
func (a *Answerer) Confidence(question string, passages []core.Passage) float64 {
	an, chosen := a.decide(question, passages)
	return an.confidence(chosen)
}

// decide analyses the top passages and chooses the sentences to quote.
func (a *Answerer) decide(question string, passages []core.Passage) (*analysis, []int) {
	if len(passages) > a.p.MaxPassages {
		passages = passages[:a.p.MaxPassages]
	}
	an := analyze(question, passages)
	return an, an.choose(a.p.MaxSentences)
}
