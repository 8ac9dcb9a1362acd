package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// selfTail is how much of a stream's normalised answer the
// self-description check keeps: longer than any selfRE match.
const selfTail = 256

// leakScan runs the paraphrased-leak checks (scanLeak) over a streamed
// answer incrementally, with the verdicts scanLeak gives on the whole
// answer so far after each chunk. It keeps no copy of the answer: the
// words up to the last separator are settled (nothing later changes
// them) and only the ones windows still to be judged need are kept, with
// a short normalised tail for selfRE. Re-scanning the whole answer on
// every token made each stream's garbage grow with the square of its
// length, and the word lists in flight were the largest live entry of a
// 1,000-stream heap profile.
type leakScan struct {
	rest  string   // text after the last separator: its words may grow
	stems []string // content words of the settled text, from index base
	base  int
	low   string // the settled text normalised (normalize), its last selfTail bytes or so
}

// add takes the next chunk and returns a leak reason or "".
func (l *leakScan) add(f *OutputFilter, chunk string) string {
	text := l.rest + chunk
	cut := settled(text)
	l.rest = text[cut:]
	l.low = normalize(l.low, text[:cut])
	if selfDescribed(normalize(l.low, l.rest)) {
		return BlockSelfDescription
	}
	if len(f.terms) >= restateTerms {
		from := l.base + len(l.stems) // windows ending before it were judged on these words
		l.stems = append(l.stems, contentWords(text[:cut])...)
		ws := append(l.stems[:len(l.stems):len(l.stems)], contentWords(l.rest)...)
		if f.restatedWindow(ws, l.base, from) {
			return BlockRestated
		}
	}
	l.trim()
	return ""
}

// trim drops the words no window still to be judged starts at or after,
// and the normalised text selfRE no longer needs.
func (l *leakScan) trim() {
	n := l.base + len(l.stems)
	if keep := max(0, (n-restateWindow)/(restateWindow/4)*(restateWindow/4)); keep-l.base > restateWindow {
		l.stems = append([]string(nil), l.stems[keep-l.base:]...)
		l.base = keep
	}
	if len(l.low) > 2*selfTail {
		tail := l.low[len(l.low)-selfTail:]
		if i := strings.IndexByte(tail, ' '); i >= 0 {
			l.low = strings.Clone(tail[i+1:])
		}
	}
}

// settled returns the length of text's prefix that ends with a separator:
// a character that neither belongs to a word nor is ignorable, after which
// words restart, so no later text changes the words before it.
func settled(text string) int {
	for i := len(text); i > 0; {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if r != utf8.RuneError && !ignorable(r) && !isWordRuneFolded(r) {
			return i
		}
		i -= size
	}
	return 0
}

// normalize appends text to low as selfDescription reads an answer:
// lower-cased, each run of white space one space.
func normalize(low, text string) string {
	var b strings.Builder
	b.Grow(len(low) + len(text))
	b.WriteString(low)
	space := low == "" || strings.HasSuffix(low, " ")
	for _, r := range text {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
