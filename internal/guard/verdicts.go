package guard

import (
	"slices"
	"sync"
)

// maxRememberedText is the longest text whose verdict Verdicts keeps, so
// that the memory is bounded by entries × this many bytes.
const maxRememberedText = 4 << 10

// Verdicts is a Detector that remembers its verdicts on the last texts it
// scored, keyed by the exact text. Score is a pure function of the text
// (the rules and the model are fixed when the Detector is built), so a
// remembered verdict is the one scoring would give again: a repeated
// question, such as one answered from the answer cache, is refused exactly
// when the screen would refuse it, without paying for the screen. The
// threshold is applied by the caller to the score, so changing it needs no
// forgetting. It is safe for concurrent use.
type Verdicts struct {
	d    *Detector
	half int // entries per generation

	mu       sync.Mutex
	cur, old map[string]Detection // two generations: at most 2×half entries
}

// NewVerdicts returns d remembering up to size verdicts (at least 2).
func NewVerdicts(d *Detector, size int) *Verdicts {
	half := max(1, size/2)
	return &Verdicts{d: d, half: half, cur: make(map[string]Detection, half)}
}

// Score returns d.Score(text), from memory when text was scored lately.
// The caller may modify the returned Signals.
func (v *Verdicts) Score(text string) Detection {
	if len(text) > maxRememberedText {
		return v.d.Score(text)
	}
	if det, ok := v.recall(text); ok {
		return det
	}
	det := v.d.Score(text)
	v.mu.Lock()
	v.put(text, det)
	v.mu.Unlock()
	det.Signals = slices.Clone(det.Signals)
	return det
}

// recall looks text up in both generations; a verdict found in the older
// one moves to the newer, so texts asked often stay.
func (v *Verdicts) recall(text string) (Detection, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	det, ok := v.cur[text]
	if !ok {
		if det, ok = v.old[text]; !ok {
			return Detection{}, false
		}
		v.put(text, det)
	}
	det.Signals = slices.Clone(det.Signals)
	return det, true
}

// put stores a verdict in the newer generation, which becomes the older
// (dropping the previous older one) when full. v.mu is held.
func (v *Verdicts) put(text string, det Detection) {
	if len(v.cur) >= v.half {
		v.old, v.cur = v.cur, make(map[string]Detection, v.half)
	}
	v.cur[text] = det
}
