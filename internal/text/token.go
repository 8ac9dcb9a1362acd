package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word of a text.
type Token struct {
	// Word is the lower-cased surface form, with apostrophes between two
	// letters removed ("phone's" → "phones", "don't" → "dont").
	Word string
	// Break reports that a sentence, clause or line boundary (see
	// IsBoundary) lies between this token and the one before it.
	Break bool
	// Join reports that a hyphen joins this token to the one before it, as
	// in "Wi-Fi", so the compound can also be matched whole.
	Join bool
	// Spaceless reports a run of a script written without spaces (Han,
	// Hiragana, Katakana), where the run is not one word: see Terms.
	Spaceless bool
}

// Tokenize appends the words of s to dst and returns it. A word is a
// maximal run of letters, digits and non-spacing marks, cut where the text
// switches between a spaceless script (Han, Hiragana, Katakana and the
// prolonged sound mark "ー") and any other; an apostrophe (' or ’) between
// two letters is dropped and keeps the word whole. Everything else
// separates words. Words are substrings of the lower-cased s, so only words
// that lose an apostrophe allocate.
func Tokenize(dst []Token, s string) []Token {
	s = strings.ToLower(s)
	start := -1        // byte offset where the current word began, or -1
	spaceless := false // the current word is of a spaceless script
	apos := false      // the current word holds an apostrophe to drop
	brk, join := false, false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		if apos {
			w = strings.Map(dropApostrophe, w)
		}
		dst = append(dst, Token{Word: w, Break: brk, Join: join, Spaceless: spaceless})
		start, apos, brk, join = -1, false, false, false
	}
	prev := rune(0)
	for i, r := range s {
		next := s[i+utf8.RuneLen(r):]
		switch {
		case isWordRune(r):
			sl := IsSpaceless(r) || (unicode.Is(unicode.Mn, r) && start >= 0 && spaceless)
			if start >= 0 && sl != spaceless {
				flush(i)
			}
			if start < 0 {
				start, spaceless = i, sl
			}
		case (r == '\'' || r == '\u2019') && start >= 0 && unicode.IsLetter(prev) && nextIsLetter(next):
			apos = true
		case (r == '-' || r == '\u2010' || r == '\u2011') && start >= 0 && nextIsLetter(next):
			flush(i)
			join = true
		default:
			flush(i)
			if IsBoundary(r) {
				brk = true
			}
		}
		prev = r
	}
	flush(len(s))
	return dst
}

func dropApostrophe(r rune) rune {
	if r == '\'' || r == '\u2019' {
		return -1
	}
	return r
}

// Words returns the Word of each token of s, in order, repeats included.
func Words(s string) []string {
	var out []string
	for _, t := range Tokenize(nil, s) {
		out = append(out, t.Word)
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// IsSpaceless reports whether r belongs to a script written without spaces
// (Han, Hiragana, Katakana and the prolonged sound mark "ー"), whose runs
// are not one word.
func IsSpaceless(r rune) bool {
	return r == 'ー' || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// IsBoundary reports whether r ends a sentence, clause or line: word pairs
// are not formed across it.
func IsBoundary(r rune) bool {
	switch r {
	case '.', '!', '?', ';', ':', '\n', '\r', '\u2022', '|', '。', '！', '？':
		return true
	}
	return false
}

// IsDigits reports whether w is non-empty and all digits.
func IsDigits(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}
