package guard

import (
	"fmt"
	"hash/fnv"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// PromptSpanWords is how many consecutive words of the system prompt an
// answer may not repeat: any run of this many words, compared after
// normalisation (case, accents, punctuation and spacing ignored), counts
// as a leak of the prompt.
const PromptSpanWords = 12

// MinCanaryLen is the fewest letters and digits a canary may have. Shorter
// canaries would match ordinary text by chance.
const MinCanaryLen = 8

// Reasons an OutputFilter blocks an answer.
const (
	// BlockCanary: the answer contains the canary token, possibly spaced
	// out, split by zero-width characters or in another case.
	BlockCanary = "canary"
	// BlockSystemPrompt: the answer repeats PromptSpanWords consecutive
	// words of the system prompt.
	BlockSystemPrompt = "system_prompt"
)

// OutputFilter stops answers that leak the prompt: the canary token planted
// in it, or a verbatim run of its words. It is immutable and safe for
// concurrent use; Stream gives each answer its own StreamFilter.
//
// Pass as systemPrompt only the fixed instructions, not the retrieved
// passages rendered into the prompt: answers quote passages on purpose.
type OutputFilter struct {
	// canary is the canary's letters and digits, folded; nil when unset.
	canary []rune
	// shingles holds the hash of every PromptSpanWords-word run of the
	// prompt; starts holds the hash of every shorter run that begins one,
	// which is what a stream must hold back.
	shingles, starts map[uint64]struct{}
	// wordStarts holds every prefix of every prompt word, to tell whether
	// a word cut off at the end of a chunk could still become one.
	wordStarts map[string]struct{}
}

// NewOutputFilter returns a filter for answers to a prompt that carries
// canary (empty: no canary check) and whose fixed instructions are
// systemPrompt (empty, or shorter than PromptSpanWords words: no span
// check). It panics if canary is set but has fewer than MinCanaryLen
// letters and digits — a configuration error to catch at start-up. Use a
// random token of 16 or more characters.
func NewOutputFilter(canary, systemPrompt string) *OutputFilter {
	f := &OutputFilter{
		shingles:   map[uint64]struct{}{},
		starts:     map[uint64]struct{}{},
		wordStarts: map[string]struct{}{},
	}
	for _, c := range skeleton(canary) {
		f.canary = append(f.canary, c.r)
	}
	if n := len(f.canary); n > 0 && n < MinCanaryLen {
		panic(fmt.Sprintf("guard: canary has %d letters and digits, want at least %d", n, MinCanaryLen))
	}
	ws, _ := words(systemPrompt, false)
	hashes := make([]uint64, len(ws))
	for i, w := range ws {
		hashes[i] = w.hash
		for j := range w.text {
			if j > 0 {
				f.wordStarts[w.text[:j]] = struct{}{}
			}
		}
		f.wordStarts[w.text] = struct{}{}
	}
	for i := 0; i+PromptSpanWords <= len(hashes); i++ {
		f.shingles[runHash(hashes[i:i+PromptSpanWords])] = struct{}{}
		for k := 1; k < PromptSpanWords; k++ {
			f.starts[runHash(hashes[i:i+k])] = struct{}{}
		}
	}
	return f
}

// Check reports whether answer must be blocked, and why (BlockCanary or
// BlockSystemPrompt); reason is "" when it is clean.
func (f *OutputFilter) Check(answer string) (blocked bool, reason string) {
	reason, _ = f.scan(answer, true, false)
	return reason != "", reason
}

// scan looks for a leak in text. final says the text is complete (its last
// word is whole); deadStart says text begins inside a word that cannot be
// part of a leak. It returns the block reason, or "" and safe: the length
// of the prefix of text that no leak completed by later text could reach
// into, which a stream may emit.
func (f *OutputFilter) scan(text string, final, deadStart bool) (reason string, safe int) {
	canarySafe, leaked := f.scanCanary(text)
	if leaked {
		return BlockCanary, 0
	}
	spanSafe, leaked := f.scanSpans(text, final, deadStart)
	if leaked {
		return BlockSystemPrompt, 0
	}
	return "", min(canarySafe, spanSafe)
}

// scanCanary finds the canary in text's skeleton. Otherwise it returns
// where the longest suffix of the skeleton that could still grow into the
// canary begins.
func (f *OutputFilter) scanCanary(text string) (safe int, leaked bool) {
	if len(f.canary) == 0 {
		return len(text), false
	}
	sk := skeleton(text)
	rs := make([]rune, len(sk))
	for i, c := range sk {
		rs[i] = c.r
	}
	for i := 0; i+len(f.canary) <= len(rs); i++ {
		if slices.Equal(rs[i:i+len(f.canary)], f.canary) {
			return 0, true
		}
	}
	for m := min(len(rs), len(f.canary)-1); m > 0; m-- {
		if slices.Equal(rs[len(rs)-m:], f.canary[:m]) {
			return sk[len(sk)-m].start, false
		}
	}
	return len(text), false
}

// scanSpans finds a PromptSpanWords-word run of the prompt in text.
// Otherwise it returns where the words that could still begin one start.
func (f *OutputFilter) scanSpans(text string, final, deadStart bool) (safe int, leaked bool) {
	if len(f.shingles) == 0 {
		return len(text), false
	}
	ws, open := words(text, deadStart)
	complete := ws
	if open && !final {
		complete = ws[:len(ws)-1]
	}
	hashes := make([]uint64, len(complete))
	for i, w := range complete {
		hashes[i] = w.hash
	}
	for i := 0; i+PromptSpanWords <= len(hashes); i++ {
		if _, ok := f.shingles[runHash(hashes[i:i+PromptSpanWords])]; ok {
			return 0, true
		}
	}
	if final {
		return len(text), false
	}
	safe = len(text)
	if open {
		last := ws[len(ws)-1]
		if _, ok := f.wordStarts[last.text]; !ok || last.dead {
			// The cut-off word can never become a prompt word, so no
			// run of prompt words can pass through it.
			return len(text), false
		}
		safe = last.start
	}
	for k := min(len(hashes), PromptSpanWords-1); k > 0; k-- {
		if _, ok := f.starts[runHash(hashes[len(hashes)-k:])]; ok {
			return complete[len(complete)-k].start, false
		}
	}
	return safe, false
}

// maxGap is the most bytes of spacing, punctuation or invisible
// characters that may separate two letters of a canary, or two words of a
// prompt span, for them still to count as one. A leak spread thinner than
// this is not one a reader would notice, and the bound is what keeps the
// text a StreamFilter holds back, and rescans, small.
const maxGap = 64

// gapRune stands in a skeleton for a gap wider than maxGap; no canary
// contains it.
const gapRune = -1

// skelRune is one folded letter or digit and the byte offset of the rune
// of the original text it came from.
type skelRune struct {
	r     rune
	start int
}

// skeleton returns the letters and digits of s, folded (compatibility
// decomposition, marks dropped, lower case), each with its source offset.
// Everything else — spaces, punctuation, zero-width characters — is
// dropped, so "C a-n_a\u200br y" reads "canary"; a gap wider than maxGap
// becomes gapRune, also at the end of s.
func skeleton(s string) []skelRune {
	var out []skelRune
	last := 0 // end of the last rune that gave a letter or digit
	for i, r := range s {
		produced := false
		foldEach(r, func(c rune) {
			if !isWordRune(c) {
				return
			}
			if !produced && len(out) > 0 && i-last > maxGap {
				out = append(out, skelRune{gapRune, i})
			}
			out = append(out, skelRune{c, i})
			produced = true
		})
		if produced {
			last = i + utf8.RuneLen(r)
		}
	}
	if len(out) > 0 && len(s)-last > maxGap {
		out = append(out, skelRune{gapRune, len(s)})
	}
	return out
}

// word is one word of a text, folded, with its byte range in the text.
type word struct {
	text       string
	hash       uint64
	start, end int
	// dead marks a word that matches nothing: the fragment of a word a
	// stream has already emitted part of, or a gap wider than maxGap.
	dead bool
}

// words splits s into folded words: runs of letters and digits, with
// ignorable characters skipped and anything else separating. A gap wider
// than maxGap between words, or a run of invisible characters that wide
// inside one, becomes a dead word. open reports that the last word runs to
// the end of s, so more text could extend it.
func words(s string, deadStart bool) (out []word, open bool) {
	var buf []rune
	start, end, hidden := -1, 0, 0
	gap := func(at int) {
		out = append(out, word{start: at, end: at, dead: true})
	}
	flush := func(at int) {
		if start >= 0 {
			w := word{text: string(buf), start: start, end: at}
			w.dead = deadStart && len(out) == 0 && leadingWord(s, start)
			w.hash = wordHash(w.text, w.dead)
			out = append(out, w)
			end = at
		}
		buf, start = buf[:0], -1
	}
	for i, r := range s {
		if ignorable(r) {
			if hidden += utf8.RuneLen(r); hidden > maxGap && start >= 0 {
				flush(i)
			}
			continue
		}
		hidden = 0
		inWord := false
		foldEach(r, func(c rune) {
			if isWordRune(c) {
				buf = append(buf, c)
				inWord = true
			}
		})
		switch {
		case inWord && start < 0:
			if len(out) > 0 && i-end > maxGap {
				gap(i)
			}
			start = i
		case !inWord:
			flush(i)
		}
	}
	open = start >= 0
	flush(len(s))
	if !open && len(out) > 0 && len(s)-end > maxGap {
		gap(len(s))
	}
	return out, open
}

// leadingWord reports whether only ignorable characters precede offset i.
func leadingWord(s string, i int) bool {
	for _, r := range s[:i] {
		if !ignorable(r) {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// ignorable reports characters that neither belong to a word nor separate
// words: invisible ones, and combining marks (a decomposed "naïve" is one
// word).
func ignorable(r rune) bool { return invisible(r) || unicode.Is(unicode.Mn, r) }

// foldEach calls fn with each rune r folds to: its compatibility
// decomposition without combining marks, lower-cased.
func foldEach(r rune, fn func(rune)) {
	if r < utf8.RuneSelf {
		fn(unicode.ToLower(r))
		return
	}
	d := norm.NFKD.PropertiesString(string(r)).Decomposition()
	if len(d) == 0 {
		fn(unicode.ToLower(r))
		return
	}
	for _, c := range string(d) {
		if !unicode.Is(unicode.Mn, c) {
			fn(unicode.ToLower(c))
		}
	}
}

func wordHash(w string, dead bool) uint64 {
	if dead {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(w))
	return h.Sum64() | 1 // never 0, which marks a dead word
}

// runHash combines word hashes in order.
func runHash(hs []uint64) uint64 {
	h := uint64(14695981039346656037)
	for _, x := range hs {
		h ^= x
		h *= 1099511628211
		h ^= h >> 29
	}
	return h
}
