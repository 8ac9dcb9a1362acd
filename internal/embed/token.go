package embed

import (
	"unicode/utf8"

	"supportd/internal/text"
)

// token is one word of a text, as the hashing embedder sees it.
type token struct {
	text.Token
	stem  string  // stemmed form, used for word features
	stop  bool    // a function word (see text.IsStopWord)
	prior float64 // static rarity prior in (0, 1]
}

// tokenize appends the words of s (see text.Tokenize) to dst, with their
// stems, stop-word flags and priors, and returns it. words is scratch space
// for the tokenizer, returned for reuse.
func tokenize(dst []token, words []text.Token, s string, cfg *hashConfig) ([]token, []text.Token) {
	words = text.Tokenize(words[:0], s)
	for _, w := range words {
		dst = append(dst, newToken(w, cfg))
	}
	return dst, words
}

func newToken(w text.Token, cfg *hashConfig) token {
	t := token{Token: w, prior: 1}
	t.stop = text.IsStopWord(w.Word)
	switch {
	case t.stop:
		t.prior = cfg.stopPrior
	case text.IsDigits(w.Word):
		t.prior = cfg.digitPrior
	case utf8.RuneCountInString(w.Word) <= 2:
		t.prior = cfg.shortPrior
	}
	t.stem = w.Word
	if cfg.stemmer == stemLight {
		t.stem = text.Stem(w.Word)
	}
	return t
}

// stemmer selects how words are reduced to a common form.
type stemmer int

const (
	stemNone  stemmer = iota // words as written
	stemLight                // text.Stem: plurals, -ing and -ed
)
