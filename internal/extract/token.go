package extract

import (
	"strings"
	"unicode"
)

// maxTermRunes bounds one token so a pathological run of letters cannot
// dominate memory or time.
const maxTermRunes = 64

// tokenize returns the stemmed content terms of s in order of appearance,
// repeats included.
func tokenize(s string) []string {
	var terms []string
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		if w := b.String(); !isStopWord(w) {
			terms = append(terms, stem(w))
		}
		b.Reset()
	}
	n := 0
	for _, r := range s {
		switch {
		case isIdeograph(r):
			flush()
			terms = append(terms, string(r))
			n = 0
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if n < maxTermRunes {
				b.WriteRune(unicode.ToLower(r))
			}
			n++
		default:
			flush()
			n = 0
		}
	}
	flush()
	return terms
}

// termSet returns the distinct terms of s.
func termSet(s string) map[string]struct{} {
	set := make(map[string]struct{})
	for _, t := range tokenize(s) {
		set[t] = struct{}{}
	}
	return set
}

// isIdeograph reports whether r belongs to a script written without spaces,
// where a single character is the most useful unit we can match on.
func isIdeograph(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// stem strips common English inflections so that "refunds", "refunded" and
// "refunding" meet. It is deliberately crude: the question and the passages
// go through the same function, so consistency matters more than
// linguistic accuracy.
func stem(w string) string {
	if len(w) <= 3 || !isASCII(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) >= 6:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5:
		w = undouble(w[:len(w)-2])
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	return w
}

// undouble turns "stopp" into "stop" and "sett" into "set", leaving "ll",
// "ss" and "zz" alone ("install", "access").
func undouble(w string) string {
	n := len(w)
	if n < 3 || w[n-1] != w[n-2] {
		return w
	}
	switch w[n-1] {
	case 'l', 's', 'z', 'a', 'e', 'i', 'o', 'u':
		return w
	}
	return w[:n-1]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isStopWord reports whether w (lower-case) carries no topic: function
// words, and the filler of support questions ("please", "how", "can").
// A switch keeps the list out of package-level state.
func isStopWord(w string) bool {
	if len([]rune(w)) == 1 && !unicode.IsDigit([]rune(w)[0]) {
		return true
	}
	switch w {
	case "a", "about", "after", "again", "all", "also", "am", "an", "and",
		"any", "anyone", "are", "as", "at", "be", "been", "before", "being",
		"both", "but", "by", "can", "cannot", "could", "did", "do", "does",
		"doing", "don", "during", "each", "either", "else", "ever", "find",
		"for", "from", "get", "gets", "getting", "go", "goes", "going", "got",
		"had", "has", "have", "having", "he", "hello", "help", "her",
		"here", "hers", "hey", "hi", "him", "his", "how", "i", "if", "in",
		"into", "is", "isn", "it", "its", "itself", "just", "know", "let",
		"ll", "long", "make", "makes", "many", "me", "might", "more", "most",
		"much", "must", "my", "myself", "need", "no", "nor", "not", "now",
		"of", "off", "often", "ok", "okay", "on", "once", "only", "or",
		"other", "our", "ours", "out", "own", "please", "possible",
		"possibly", "re", "really", "same", "shall", "she", "should", "so",
		"some", "someone", "something", "such", "take", "takes", "taking",
		"tell", "than", "thank",
		"thanks", "that", "the", "their", "theirs", "them", "then", "there",
		"these", "they", "this", "those", "through", "to", "too", "under",
		"until", "up", "us", "use", "used", "uses", "using", "ve", "very", "want", "was", "way", "we", "were",
		"what", "when", "where", "which", "while", "who", "whom", "why",
		"will", "with", "without", "wonder", "wondering", "would", "yes",
		"you", "your", "yours", "yourself":
		return true
	}
	return false
}
