package embed

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a text, as the hashing embedder sees it.
type token struct {
	word  string  // lower-cased surface form, apostrophes removed
	stem  string  // stemmed form, used for word features
	stop  bool    // a function word (see isStopWord)
	brk   bool    // a sentence or line boundary precedes it
	join  bool    // a hyphen joins it to the previous token ("Wi-Fi")
	prior float64 // static rarity prior in (0, 1]
}

// tokenize splits text into lower-cased words: maximal runs of letters,
// digits and combining marks, with an apostrophe between two letters dropped
// ("phone's" → "phones", "don't" → "dont"). A hyphen between two words is
// remembered so the compound can also be matched whole. Words are substrings
// of the lower-cased text, so only words that lose an apostrophe allocate.
// It appends to dst and returns it.
func tokenize(dst []token, text string, cfg *hashConfig, buf *strings.Builder) []token {
	text = strings.ToLower(text)
	start := -1     // byte offset where the current word began, or -1
	joined := false // the current word is being built in buf
	brk, join := false, false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		if joined {
			w = buf.String()
			buf.Reset()
		}
		t := newToken(w, brk, cfg)
		t.join = join
		dst = append(dst, t)
		start, joined, brk, join = -1, false, false, false
	}
	prev := rune(0)
	for i, r := range text {
		next := text[i+utf8.RuneLen(r):]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if start < 0 {
				start = i
			}
			if joined {
				buf.WriteRune(r)
			}
		case (r == '\'' || r == '\u2019') && start >= 0 && unicode.IsLetter(prev) && nextIsLetter(next):
			// Inside a word: drop it and keep the word whole.
			if !joined {
				buf.Reset()
				buf.WriteString(text[start:i])
				joined = true
			}
		case (r == '-' || r == '\u2010' || r == '\u2011') && start >= 0 && nextIsLetter(next):
			flush(i)
			join = true
		default:
			flush(i)
			if isBoundary(r) {
				brk = true
			}
		}
		prev = r
	}
	flush(len(text))
	return dst
}

func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// isBoundary reports whether r ends a sentence, clause or line, across which
// word pairs are not formed.
func isBoundary(r rune) bool {
	switch r {
	case '.', '!', '?', ';', ':', '\n', '\r', '\u2022', '|':
		return true
	}
	return false
}

func newToken(word string, brk bool, cfg *hashConfig) token {
	t := token{word: word, brk: brk, prior: 1}
	t.stop = isStopWord(word)
	n := utf8.RuneCountInString(word)
	switch {
	case t.stop:
		t.prior = cfg.stopPrior
	case isDigits(word):
		t.prior = cfg.digitPrior
	case n <= 2:
		t.prior = cfg.shortPrior
	}
	t.stem = stem(word, cfg.stemmer)
	return t
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// stemmer selects how words are reduced to a common form.
type stemmer int

const (
	stemNone  stemmer = iota // words as written
	stemLight                // plural and -ing/-ed stripping
)

func stem(w string, s stemmer) string {
	switch s {
	case stemLight:
		return lightStem(w)
	}
	return w
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// lightStem strips the commonest English inflections: plurals, -ing and -ed.
func lightStem(w string) string {
	if len(w) <= 3 || !isASCIILetters(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		return undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		return undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

func undouble(w string) string {
	n := len(w)
	if n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}
