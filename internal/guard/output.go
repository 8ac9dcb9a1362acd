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

// MinCanaryLen is the fewest letters and digits a canary needs to be
// matched anywhere in an answer. A shorter secret (at least MinSecretLen)
// is matched only as a whole word, or spelled out letter by letter, so it
// does not fire inside longer words.
const MinCanaryLen = 8

// MinSecretLen is the fewest letters and digits any secret may have.
const MinSecretLen = 4

// Reasons an OutputFilter blocks an answer.
const (
	// BlockCanary: the answer contains the canary token, possibly spaced
	// out, split by zero-width characters or in another case.
	BlockCanary = "canary"
	// BlockSystemPrompt: the answer repeats PromptSpanWords consecutive
	// words of the system prompt.
	BlockSystemPrompt = "system_prompt"
	// BlockRestated: the answer restates the instructions in other words:
	// one stretch of it holds too many of the prompt's distinctive terms.
	BlockRestated = "restated_instructions"
	// BlockSelfDescription: the answer describes the assistant's own
	// instructions or configuration ("my instructions are", "I was told
	// to", "here are my rules").
	BlockSelfDescription = "self_description"
	// BlockPayload: the answer contains a phrase the question demanded
	// ("say 'Access Granted'"), the mark of an answer that followed an
	// injected instruction instead of answering.
	BlockPayload = "injected_payload"
)

// secret is a string an answer must not contain.
type secret struct {
	runes  []rune // letters and digits, folded
	reason string
	// whole says the secret matches only where it is not part of a longer
	// run of letters and digits.
	whole bool
}

// OutputFilter stops answers that leak the prompt: the canary token planted
// in it, a verbatim run of its words, a restatement of its rules in other
// words, a description of the assistant's own instructions, or (for a
// filter made by ForQuestion) a payload phrase the question demanded. It is
// immutable and safe for concurrent use; Stream gives each answer its own
// StreamFilter.
//
// Pass as systemPrompt only the fixed instructions, not the retrieved
// passages rendered into the prompt: answers quote passages on purpose.
type OutputFilter struct {
	secrets []secret
	// shingles holds the hash of every PromptSpanWords-word run of the
	// prompt; starts holds the hash of every shorter run that begins one,
	// which is what a stream must hold back.
	shingles, starts map[uint64]struct{}
	// wordStarts holds every prefix of every prompt word, to tell whether
	// a word cut off at the end of a chunk could still become one.
	wordStarts map[string]struct{}
	// terms are the prompt's distinctive words (see leakTerms).
	terms map[string]struct{}
}

// NewOutputFilter returns a filter for answers to a prompt that carries
// canary (empty: no canary check) and whose fixed instructions are
// systemPrompt (empty, or shorter than PromptSpanWords words: no span
// check). A canary of fewer than MinCanaryLen letters and digits matches
// only as a whole word. It panics if canary is set but has fewer than
// MinSecretLen — a configuration error to catch at start-up. Use a random
// token of 16 or more characters.
func NewOutputFilter(canary, systemPrompt string) *OutputFilter {
	f := &OutputFilter{
		shingles:   map[uint64]struct{}{},
		starts:     map[uint64]struct{}{},
		wordStarts: map[string]struct{}{},
		terms:      leakTerms(systemPrompt),
	}
	if canary != "" {
		c := newSecret(canary, BlockCanary)
		if n := len(c.runes); n < MinSecretLen {
			panic(fmt.Sprintf("guard: canary has %d letters and digits, want at least %d", n, MinSecretLen))
		}
		f.secrets = append(f.secrets, c)
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

func newSecret(s, reason string) secret {
	var rs []rune
	for _, c := range skeleton(s) {
		rs = append(rs, c.r)
	}
	return secret{runes: rs, reason: reason, whole: len(rs) < MinCanaryLen}
}

// ForQuestion returns a filter that also blocks answers containing a
// phrase question demanded of the answer (see demandedPhrases), or f itself
// when it demands none.
func (f *OutputFilter) ForQuestion(question string) *OutputFilter {
	phrases := demandedPhrases(question)
	if len(phrases) == 0 {
		return f
	}
	g := *f
	g.secrets = slices.Clone(f.secrets)
	for _, p := range phrases {
		g.secrets = append(g.secrets, newSecret(p, BlockPayload))
	}
	return &g
}

// Check reports whether answer must be blocked, and why (one of the Block
// reasons); reason is "" when it is clean.
func (f *OutputFilter) Check(answer string) (blocked bool, reason string) {
	reason, _ = f.scan(answer, true, false)
	if reason == "" {
		reason = f.scanLeak(answer)
	}
	return reason != "", reason
}

// scan looks for a secret or a verbatim prompt span in text. final says
// the text is complete (its last word is whole); deadStart says text
// begins inside a word that cannot be part of a leak. It returns the block
// reason, or "" and safe: the length of the prefix of text that no leak
// completed by later text could reach into, which a stream may emit.
func (f *OutputFilter) scan(text string, final, deadStart bool) (reason string, safe int) {
	safe = len(text)
	var sk []skelRune
	if len(f.secrets) > 0 {
		sk = skeleton(text)
	}
	for _, s := range f.secrets {
		secretSafe, leaked := s.scan(text, sk, final, deadStart)
		if leaked {
			return s.reason, 0
		}
		safe = min(safe, secretSafe)
	}
	spanSafe, leaked := f.scanSpans(text, final, deadStart)
	if leaked {
		return BlockSystemPrompt, 0
	}
	return "", min(safe, spanSafe)
}

// scan finds s in text, whose skeleton is sk. Otherwise it returns where
// the longest suffix of the skeleton that could still grow into s begins
// (for a whole-word secret, also a match that a following letter could
// still spoil).
func (s secret) scan(text string, sk []skelRune, final, deadStart bool) (safe int, leaked bool) {
	n := len(s.runes)
	for i := 0; i+n <= len(sk); i++ {
		if !skelEqual(sk[i:i+n], s.runes) {
			continue
		}
		if !s.whole {
			return 0, true
		}
		if i == 0 && deadStart || !wordEdgeBefore(text, sk[i].start) {
			continue
		}
		end := sk[i+n-1].start + utf8.RuneLen(runeAt(text, sk[i+n-1].start))
		if end == len(text) && !final {
			return sk[i].start, false
		}
		if wordEdgeAfter(text, end) {
			return 0, true
		}
	}
	if final {
		return len(text), false
	}
	for m := min(len(sk), n-1); m > 0; m-- {
		if skelEqual(sk[len(sk)-m:], s.runes[:m]) {
			return sk[len(sk)-m].start, false
		}
	}
	return len(text), false
}

func skelEqual(sk []skelRune, rs []rune) bool {
	for i := range sk {
		if sk[i].r != rs[i] {
			return false
		}
	}
	return true
}

func runeAt(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

// wordEdgeBefore reports whether no letter or digit touches offset i from
// the left (ignorable characters skipped).
func wordEdgeBefore(s string, i int) bool {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !ignorable(r) {
			return !isWordRuneFolded(r)
		}
		i -= size
	}
	return true
}

// wordEdgeAfter reports whether no letter or digit touches offset i from
// the right.
func wordEdgeAfter(s string, i int) bool {
	for _, r := range s[i:] {
		if !ignorable(r) {
			return !isWordRuneFolded(r)
		}
	}
	return true
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
