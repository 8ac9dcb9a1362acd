package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentences cuts a paragraph of prose into sentences. A sentence ends
// at ".", "!", "?" or "…" (with any closing quotes or brackets) followed by
// a space and then a capital, a digit, an opening quote or bracket, or the
// end of the text, unless the word before a "." is a known abbreviation or
// an initial. CJK full stops always end a sentence. Decimals ("1.5"),
// versions ("v2.3.1"), file names and URLs never split because their dots
// are not followed by a space.
func Sentences(p string) []string {
	var out []string
	start := 0
	for i, r := range p {
		if i < start {
			continue
		}
		end := sentenceEnd(p, i, r)
		if end < 0 {
			continue
		}
		if s := strings.TrimSpace(p[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// sentenceEnd returns the byte offset just past the sentence that the
// terminator r at p[i] closes, or -1 when r does not close one.
func sentenceEnd(p string, i int, r rune) int {
	switch r {
	case '。', '！', '？':
		return skipClosers(p, i+utf8.RuneLen(r))
	case '.', '!', '?', '…':
	default:
		return -1
	}
	j := skipClosers(p, i+utf8.RuneLen(r))
	if j >= len(p) {
		return j
	}
	next, _ := utf8.DecodeRuneInString(p[j:])
	if !unicode.IsSpace(next) {
		return -1
	}
	k := j
	for k < len(p) {
		c, n := utf8.DecodeRuneInString(p[k:])
		if !unicode.IsSpace(c) {
			break
		}
		k += n
	}
	if k >= len(p) {
		return j
	}
	first, _ := utf8.DecodeRuneInString(p[k:])
	if !opensSentence(first) || (r == '.' && isAbbreviation(lastWord(p[:i]), first)) {
		return -1
	}
	return j
}

// skipClosers moves past repeated terminators and closing quotes or
// brackets ("?!", ".)", ".”").
func skipClosers(p string, j int) int {
	for j < len(p) {
		c, n := utf8.DecodeRuneInString(p[j:])
		if !strings.ContainsRune(".!?…)]}\"'”’»。！？", c) {
			break
		}
		j += n
	}
	return j
}

func opensSentence(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsDigit(r) || unicode.Is(unicode.Lo, r) ||
		strings.ContainsRune("\"'“‘«([¿¡`*_", r)
}

// lastWord returns the word that ends s, without leading punctuation.
func lastWord(s string) string {
	i := strings.LastIndexFunc(s, unicode.IsSpace)
	w := s[i+1:]
	return strings.TrimLeft(w, "(\"'“‘[")
}

// isAbbreviation reports whether a "." after w is part of an abbreviation
// rather than the end of a sentence that next begins.
func isAbbreviation(w string, next rune) bool {
	if w == "" {
		return false
	}
	if r, n := utf8.DecodeRuneInString(w); n == len(w) && unicode.IsUpper(r) {
		return true // an initial, as in "J. Smith"
	}
	if isDottedAbbreviation(w) {
		return true // "e.g", "i.e", "U.S", "a.m"
	}
	switch strings.ToLower(w) {
	case "no", "nos", "nr", "vol", "pp", "p", "ch", "art", "sec", "ver", "v":
		return unicode.IsDigit(next)
	case "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs",
		"approx", "fig", "figs", "inc", "ltd", "corp", "dept",
		"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
		"nov", "dec", "cf", "al", "ca", "eg", "ie", "viz", "resp", "incl",
		"excl", "tel", "ext", "ref", "gen", "gov", "rev":
		return true
	}
	return false
}

// isDottedAbbreviation reports whether w is short letter groups joined by
// dots, such as "e.g" or "U.S", as opposed to a host name like
// "example.com".
func isDottedAbbreviation(w string) bool {
	parts := strings.Split(w, ".")
	if len(parts) < 2 {
		return false
	}
	for _, part := range parts {
		if n := utf8.RuneCountInString(part); n == 0 || n > 2 {
			return false
		}
		for _, r := range part {
			if !unicode.IsLetter(r) {
				return false
			}
		}
	}
	return true
}
