package retrieve

import (
	"strings"
	"unicode"

	"supportd/internal/core"
)

// Dedupe drops passages whose text is a near-duplicate (word-trigram
// Jaccard similarity of at least threshold) of a better-ranked one. Help
// centres often repeat the same paragraph across articles; showing it twice
// wastes the answer's context.
func Dedupe(ps []core.Passage, threshold float64) []core.Passage {
	kept := ps[:0:0]
	var shingles []map[string]struct{}
	for _, p := range ps {
		sh := trigrams(p.Text)
		dup := false
		for _, other := range shingles {
			if jaccard(sh, other) >= threshold {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, p)
			shingles = append(shingles, sh)
		}
	}
	return kept
}

func trigrams(text string) map[string]struct{} {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	set := make(map[string]struct{}, len(words))
	if len(words) < 3 {
		set[strings.Join(words, " ")] = struct{}{}
		return set
	}
	for i := 0; i+3 <= len(words); i++ {
		set[words[i]+" "+words[i+1]+" "+words[i+2]] = struct{}{}
	}
	return set
}

func jaccard(a, b map[string]struct{}) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for k := range a {
		if _, ok := b[k]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
