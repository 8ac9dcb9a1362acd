package guard

import (
	"math"
	"slices"
)

// DefaultThreshold is the score at or above which text should be treated
// as a prompt-injection attempt. TestInjectionCorpus measures detection and
// false positives at this value.
const DefaultThreshold = 0.5

// Signals: the named families of patterns a Detection reports.
const (
	// SignalOverride: an attempt to cancel or replace the instructions the
	// model was given ("ignore all previous instructions", "you are now
	// DAN", "developer mode enabled").
	SignalOverride = "override_instructions"
	// SignalRevealPrompt: an attempt to make the model print its system
	// prompt or instructions.
	SignalRevealPrompt = "reveal_prompt"
	// SignalRolePlay: a persona or game meant to lift restrictions
	// ("pretend you have no rules", the "grandma" exploit).
	SignalRolePlay = "role_play"
	// SignalDelimiter: chat-template tokens, closing tags of the prompt's
	// own sections, fake role headers or transcripts.
	SignalDelimiter = "delimiter_injection"
	// SignalEncoded: base64, hex, rot13, reversed, percent- or
	// entity-encoded text, or invisible Unicode tag characters, that decode
	// to an attack.
	SignalEncoded = "encoded_payload"
	// SignalExfiltration: a markdown/HTML image or link whose URL carries a
	// placeholder for data, or an instruction to put data into a URL.
	SignalExfiltration = "exfiltration_link"
	// SignalAddressedToModel: text speaking to an AI that reads it ("note to
	// the language model", "if you are an AI", "when answering, always
	// say"). Weak in a question; what InstructionLike looks for in
	// documents.
	SignalAddressedToModel = "addressed_to_model"
	// SignalClassifier: the statistical layer (Model) scored the text at
	// or above its operating point; no rule needs to have fired.
	SignalClassifier = "classifier"
)

// modelHintFloor is the least model score that adds to the rules' score.
// The model's probability is shifted so that 0.5 is its operating point; a
// score far below it says "benign", and adding it by noisy-OR would let a
// rule just under the threshold cross it on the model's doubt alone.
const modelHintFloor = 0.2

// Detection is the verdict on one text.
type Detection struct {
	// Score is in [0, 1]: the noisy-OR of the rule score and the model
	// score, 1 − (1 − Rules)(1 − Model), or Rules alone when Model is under
	// modelHintFloor. Compare it with DefaultThreshold.
	Score float64
	// Rules is the noisy-OR of the weights of the patterns that fired,
	// 1 − ∏(1 − wᵢ), counting each group of equivalent patterns once.
	Rules float64
	// Model is the statistical layer's probability, calibrated so that 0.5
	// is its operating point (see Model); 0 for a Detector without one.
	Model float64
	// Signals names the families that fired (the Signal constants), sorted;
	// nil when none did.
	Signals []string
}

// Detector scores text for prompt injection with layered heuristics:
// normalisation (see views), weighted patterns in English and twelve
// other languages, structural probes (fake transcripts, exfiltration URLs,
// hidden characters) and decoding of encoded payloads, which are scanned
// again. It is safe for concurrent use.
//
// Weights, by design: one unambiguous attack phrase ("ignore all previous
// instructions", "<|im_start|>system", a base64 blob that decodes to an
// attack) is 0.6–0.8 and crosses DefaultThreshold alone; phrases that also
// occur in ordinary support talk ("system prompt", "developer mode",
// "jailbreak", "you are now a …", "System:" at the start of a line) are
// 0.2–0.45 and cross it only together.
//
// A statistical layer (Model) trained on public attack and support data
// scores the whole text as well, window by window, and catches phrasings
// no rule names; the two scores are combined by noisy-OR, so either layer
// alone can flag a text and two weak hints add up.
type Detector struct {
	rules []rule
	// pre skips the rules whose regexps cannot match; nil runs them all.
	pre   *prefilter
	model *Model // nil: rules only
	// maxDepth bounds how many times decoded text is decoded again.
	maxDepth int
}

// NewDetector returns a Detector with the built-in rules and the embedded
// model. It panics if the embedded model does not decode, which a test
// rules out.
func NewDetector() *Detector {
	m, err := LoadModel(detectorModel)
	if err != nil {
		panic(err)
	}
	return NewDetectorWithModel(m)
}

// NewDetectorWithModel returns a Detector with the built-in rules and m as
// its statistical layer; a nil m gives the rules alone.
func NewDetectorWithModel(m *Model) *Detector {
	return &Detector{rules: allRules, pre: allRulesPrefilter, model: m, maxDepth: 2}
}

// Score returns the injection score of text and the signals behind it.
func (d *Detector) Score(text string) Detection {
	det := d.scan(text, 0).detection()
	det.Rules = det.Score
	if d.model != nil {
		det.Model = d.model.Score(text)
		det.Score = det.Rules
		if det.Model >= modelHintFloor {
			det.Score = 1 - (1-det.Rules)*(1-det.Model)
		}
		if det.Model >= DefaultThreshold {
			det.Signals = append(det.Signals, SignalClassifier)
			slices.Sort(det.Signals)
		}
	}
	return det
}

// hit is the strongest firing within one group of rules.
type hit struct {
	signal string
	weight float64
}

// hits maps a rule group to its strongest firing.
type hits map[string]hit

func (h hits) add(group, signal string, weight float64) {
	if cur, ok := h[group]; !ok || weight > cur.weight {
		h[group] = hit{signal, weight}
	}
}

func (h hits) merge(other hits) {
	for g, x := range other {
		h.add(g, x.signal, x.weight)
	}
}

// score combines the weights by noisy-OR, in a fixed order so the same
// text always gets the same float.
func (h hits) score() float64 {
	ws := make([]float64, 0, len(h))
	for _, x := range h {
		ws = append(ws, x.weight)
	}
	slices.Sort(ws)
	miss := 1.0
	for _, w := range ws {
		miss *= 1 - w
	}
	return math.Min(1, math.Max(0, 1-miss))
}

// signals returns the distinct signal names, sorted.
func (h hits) signals() []string {
	var out []string
	for _, x := range h {
		if !slices.Contains(out, x.signal) {
			out = append(out, x.signal)
		}
	}
	slices.Sort(out)
	return out
}

func (h hits) detection() Detection {
	return Detection{Score: h.score(), Signals: h.signals()}
}

// scan runs every rule and probe over text; depth counts the decodings
// that produced text.
func (d *Detector) scan(text string, depth int) hits {
	v := makeViews(text)
	h := hits{}
	tokens, scripts := tokensOf(v.plain, v.folded), scriptsOf(v.raw)
	c := candidates{p: d.pre, v: &v}
	for i := range d.rules {
		if r := &d.rules[i]; r.open(tokens, scripts) && c.may(i, r.view) && r.fires(&v) {
			h.add(r.groupKey(), r.signal, r.weight)
		}
	}
	probeTranscript(v, h)
	probeLinks(v, h)
	if v.hidden >= 8 {
		h.add("hidden_tag_characters", SignalEncoded, 0.6)
	}
	if depth < d.maxDepth {
		d.probeEncoded(v, h, depth)
	}
	return h
}
