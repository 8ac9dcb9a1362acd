package guard

import (
	"slices"
	"sync"
)

// maxRememberedText is the longest text whose result a memory keeps, so
// that the memory is bounded by entries × this many bytes.
const maxRememberedText = 4 << 10

// memo remembers the results of a pure function of text for the last texts
// it was given, in two generations: when the newer is full it becomes the
// older and the previous older one is dropped, and a result found in the
// older one moves to the newer, so texts asked often stay. It is safe for
// concurrent use.
type memo[V any] struct {
	half int // entries per generation

	mu       sync.Mutex
	cur, old map[string]V
}

func newMemo[V any](size int) *memo[V] {
	half := max(1, size/2)
	return &memo[V]{half: half, cur: make(map[string]V, half)}
}

// of returns f(text), from memory when text was seen lately.
func (m *memo[V]) of(text string, f func(string) V) V {
	if len(text) > maxRememberedText {
		return f(text)
	}
	m.mu.Lock()
	v, ok := m.cur[text]
	if !ok {
		if v, ok = m.old[text]; ok {
			m.put(text, v)
		}
	}
	m.mu.Unlock()
	if ok {
		return v
	}
	v = f(text)
	m.mu.Lock()
	m.put(text, v)
	m.mu.Unlock()
	return v
}

// put stores a result in the newer generation; m.mu is held.
func (m *memo[V]) put(text string, v V) {
	if len(m.cur) >= m.half {
		m.old, m.cur = m.cur, make(map[string]V, m.half)
	}
	m.cur[text] = v
}

// len is how many results are remembered.
func (m *memo[V]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.old)
}

// Verdicts is a Detector that remembers its verdicts on the last texts it
// scored, keyed by the exact text. Score is a pure function of the text
// (the rules and the model are fixed when the Detector is built), so a
// remembered verdict is the one scoring would give again: a repeated
// question, such as one answered from the answer cache, is refused exactly
// when the screen would refuse it, without paying for the screen. The
// threshold is applied by the caller to the score, so changing it needs no
// forgetting. It is safe for concurrent use.
type Verdicts struct {
	d *Detector
	m *memo[Detection]
}

// NewVerdicts returns d remembering up to size verdicts (at least 2) of
// texts up to 4 KiB.
func NewVerdicts(d *Detector, size int) *Verdicts {
	return &Verdicts{d: d, m: newMemo[Detection](size)}
}

// Score returns d.Score(text), from memory when text was scored lately.
// The caller may modify the returned Signals.
func (v *Verdicts) Score(text string) Detection {
	det := v.m.of(text, v.d.Score)
	det.Signals = slices.Clone(det.Signals)
	return det
}

// Redactions is a Redactor that remembers its results for the last texts
// it redacted, keyed by the exact text; Redact is a pure function of the
// text, so a remembered result is the one redacting would give again. A
// repeated question, and a cached answer, are stored redacted without
// being scanned again. It is safe for concurrent use.
type Redactions struct {
	r *Redactor
	m *memo[string]
}

// NewRedactions returns r remembering up to size results (at least 2) of
// texts up to 4 KiB.
func NewRedactions(r *Redactor, size int) *Redactions {
	return &Redactions{r: r, m: newMemo[string](size)}
}

// Redact returns r.Redact(s), from memory when s was redacted lately.
func (x *Redactions) Redact(s string) string { return x.m.of(s, x.r.Redact) }
