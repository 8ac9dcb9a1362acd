package text

import (
	"unicode/utf8"
)

// MaxTermRunes bounds one term, so a pathological run of letters (a hash,
// base64, minified code) cannot dominate memory or time.
const MaxTermRunes = 64

// Terms returns the content terms of s in order of appearance, repeats
// included: the stems (see Stem) of its words that are not stop words and
// not single letters, each cut to MaxTermRunes runes. A run of a spaceless
// script yields each of its characters as a term, the most useful unit that
// can be matched without word segmentation.
func Terms(s string) []string {
	var out []string
	for _, t := range Tokenize(nil, s) {
		if t.Spaceless {
			for _, r := range t.Word {
				out = append(out, string(r))
			}
			continue
		}
		w := t.Word
		if IsStopWord(w) || isSingleLetter(w) {
			continue
		}
		out = append(out, truncate(Stem(w), MaxTermRunes))
	}
	return out
}

func isSingleLetter(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && !IsDigits(string(r))
}

func truncate(w string, n int) string {
	i := 0
	for j := range w {
		if i == n {
			return w[:j]
		}
		i++
	}
	return w
}
