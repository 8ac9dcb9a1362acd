package extract

import "supportd/internal/text"

// tokenize returns the stemmed content terms of s in order of appearance,
// repeats included (see text.Terms).
func tokenize(s string) []string { return text.Terms(s) }

// termSet returns the distinct terms of s.
func termSet(s string) map[string]struct{} {
	set := make(map[string]struct{})
	for _, t := range tokenize(s) {
		set[t] = struct{}{}
	}
	return set
}
