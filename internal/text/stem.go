package text

import "github.com/kljensen/snowball/english"

// Stem reduces an English word to its Snowball (Porter2) stem, so
// "refunds", "refunded" and "refunding" all become "refund". Only words of
// four or more lower-case ASCII letters are stemmed; anything else (short
// words, numbers, codes such as "mp3", words of other languages) is
// returned as it is, because an English suffix rule would only mangle it.
// Stop words are stemmed like any word: callers filter them with
// IsStopWord first.
func Stem(w string) string {
	if len(w) < 4 || !isLowerASCII(w) {
		return w
	}
	return english.Stem(w, true)
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
