package drift

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"supportd/internal/text"
)

// Limits on the length of a term, in runes. Longer tokens are hashes,
// base64 or minified code, never something a person would search for.
const (
	minTermRunes = 2
	maxTermRunes = 40
)

// Terms returns the normalised terms of text in order of appearance,
// repeats included: the text is NFKC-normalised (full-width letters become
// ASCII) and lower-cased, and split into tokens of letters, digits, combining
// marks, '-' and '_'. Leading and trailing '-' and '_' are trimmed. A token
// is dropped when it is shorter than 2 or longer than 40 runes, has no
// letter (numbers, dates, versions like "2024-05-01") or is a stop word of
// English, German, French, Spanish, Portuguese, Italian or Dutch. Code-like
// tokens ("qs-sync-409", "oauth2", "x_api_key") and product names are kept.
//
// Han, Hiragana and Katakana are written without spaces, so their runs
// become overlapping character bigrams ("请求书" → "请求", "求书"), the
// usual cheap substitute for word segmentation.
func Terms(text string) []string {
	var out []string
	words(text, func(w string, spaceless bool) {
		if spaceless {
			out = appendBigrams(out, w)
			return
		}
		if w = strings.Trim(w, "-_"); keepTerm(w) {
			out = append(out, w)
		}
	})
	return out
}

func keepTerm(w string) bool {
	n := utf8.RuneCountInString(w)
	if n < minTermRunes || n > maxTermRunes {
		return false
	}
	if _, stop := stopWords[w]; stop {
		return false
	}
	return strings.IndexFunc(w, unicode.IsLetter) >= 0
}

func appendBigrams(out []string, w string) []string {
	prev := -1 // byte offset of the previous rune
	for i := range w {
		if prev >= 0 {
			_, size := utf8.DecodeRuneInString(w[i:])
			out = append(out, w[prev:i+size])
		}
		prev = i
	}
	return out
}

// words calls yield with each token of the NFKC-normalised, lower-cased
// text: maximal runs of letters, digits, marks, '-' and '_', split where
// text switches between spaceless scripts (Han, Hiragana, Katakana) and the
// rest. spaceless says which kind the token is.
func words(text string, yield func(w string, spaceless bool)) {
	text = strings.ToLower(norm.NFKC.String(text))
	start, kind := -1, 0 // kind: 1 spaced, 2 spaceless
	for i, r := range text {
		k := runeKind(r, kind)
		if k == kind {
			continue
		}
		if kind != 0 {
			yield(text[start:i], kind == 2)
		}
		start, kind = i, k
	}
	if kind != 0 {
		yield(text[start:], kind == 2)
	}
}

// runeKind classifies r as 0 (separator), 1 (part of a spaced token) or 2
// (part of a spaceless run); a combining mark continues the current kind.
func runeKind(r rune, current int) int {
	if r < utf8.RuneSelf {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return 1
		}
		return 0
	}
	switch {
	case unicode.IsMark(r) && current != 0:
		return current
	case text.IsSpaceless(r):
		return 2
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return 1
	}
	return 0
}
