package bench

import (
	"math/rand/v2"
	"strings"
)

// Query is a generated question and the article its words came from.
type Query struct {
	Text   string
	Source string // the article's URI
}

// scaffolds open generated questions the way users do.
var scaffolds = []string{"", "", "how do i", "how can i", "why does", "what is", "where can i find", "can i", "i cannot"}

// Queries draws n questions from c deterministically from seed: three to
// six content words sampled in order from a random paragraph, then
// paraphrase-ish noise — a dropped word, a word replaced by another common
// one, two neighbours swapped, a typo — and often a question scaffold.
func Queries(c Corpus, seed uint64, n int) []Query {
	r := rand.New(rand.NewPCG(seed, 0x9e57))
	v := newVocabulary()
	var common []string
	for _, w := range v.words[:len(v.words)-tailWords] {
		if !v.function[w] {
			common = append(common, w)
		}
	}
	out := make([]Query, 0, n)
	for len(out) < n && len(c.Articles) > 0 {
		a := c.Articles[r.IntN(len(c.Articles))]
		s := a.Sections[r.IntN(len(a.Sections))]
		if len(s.Paragraphs) == 0 {
			continue
		}
		words := contentOf(s.Paragraphs[r.IntN(len(s.Paragraphs))], v)
		if len(words) < 3 {
			continue
		}
		q := sample(r, words, 3+r.IntN(4))
		q = noise(r, q, common)
		text := strings.Join(q, " ")
		if sc := scaffolds[r.IntN(len(scaffolds))]; sc != "" {
			text = sc + " " + text + "?"
		}
		out = append(out, Query{Text: text, Source: a.URI})
	}
	return out
}

// contentOf returns the lower-cased words of text that are not function
// words.
func contentOf(text string, v *vocabulary) []string {
	var out []string
	for _, w := range strings.Fields(text) {
		w = strings.ToLower(strings.TrimSuffix(w, "."))
		if !v.function[w] {
			out = append(out, w)
		}
	}
	return out
}

// sample picks k of words (all when fewer), keeping their order.
func sample(r *rand.Rand, words []string, k int) []string {
	if k >= len(words) {
		return append([]string(nil), words...)
	}
	idx := r.Perm(len(words))[:k]
	keep := make([]bool, len(words))
	for _, i := range idx {
		keep[i] = true
	}
	out := make([]string, 0, k)
	for i, w := range words {
		if keep[i] {
			out = append(out, w)
		}
	}
	return out
}

// noise applies each paraphrase-ish change with its own probability.
func noise(r *rand.Rand, q, common []string) []string {
	if len(q) > 3 && r.IntN(5) == 0 {
		i := r.IntN(len(q))
		q = append(q[:i], q[i+1:]...)
	}
	if r.IntN(4) == 0 {
		q[r.IntN(len(q))] = common[r.IntN(len(common))]
	}
	if r.IntN(3) == 0 {
		i := r.IntN(len(q) - 1)
		q[i], q[i+1] = q[i+1], q[i]
	}
	if r.IntN(4) == 0 {
		i := r.IntN(len(q))
		if w := []byte(q[i]); len(w) >= 5 {
			j := 1 + r.IntN(len(w)-3)
			w[j], w[j+1] = w[j+1], w[j]
			q[i] = string(w)
		}
	}
	return q
}
