package drift

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on Topic.Examples.
const (
	maxExamples     = 3
	maxExampleRunes = 160
)

// noTerms groups questions that retrieved nothing and have no term either.
const noTerms = "(no terms)"

// unansweredTopics groups the recent questions by TopDoc, or by their most
// common term when they retrieved nothing, and ranks the groups by how
// many of their questions went unanswered.
func unansweredTopics(ref, rec []sample, p Params) []Topic {
	keyOf := groupKeys(rec)
	keys := make([]groupKey, len(rec))
	groups := make(map[groupKey]*Topic)
	for i, s := range rec {
		k := keyOf(s)
		keys[i] = k
		g := groups[k]
		if g == nil {
			g = &Topic{Topic: k.key, NoDocument: k.noDoc, Examples: []string{}}
			groups[k] = g
		}
		g.RecentCount++
		if s.unanswered {
			g.UnansweredCount++
		}
	}
	out := []Topic{}
	for _, g := range groups {
		if g.UnansweredCount > 0 {
			g.UnansweredShare = share(g.UnansweredCount, g.RecentCount)
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b Topic) int {
		return cmp.Or(cmp.Compare(b.UnansweredCount, a.UnansweredCount),
			cmp.Compare(b.UnansweredShare, a.UnansweredShare), cmp.Compare(a.Topic, b.Topic),
			boolCompare(a.NoDocument, b.NoDocument))
	})
	out = out[:min(p.TopTopics, len(out))]
	for i := range out {
		g := &out[i]
		g.ReferenceCount, g.ReferenceUnansweredShare = referenceStats(ref, g)
		g.Examples = examples(rec, keys, groupKey{g.Topic, g.NoDocument})
	}
	return out
}

// groupKey names a group of questions: a document, or a term when noDoc.
type groupKey struct {
	key   string
	noDoc bool
}

// groupKeys returns the function that names a recent question's group: its
// TopDoc, or, when it retrieved nothing, its term that is most common among
// the recent questions that retrieved nothing, the earliest in the question
// on a tie (the subject tends to come first).
func groupKeys(rec []sample) func(sample) groupKey {
	df := docFreq(filter(rec, func(s sample) bool { return s.TopDoc == "" }))
	return func(s sample) groupKey {
		if s.TopDoc != "" {
			return groupKey{s.TopDoc, false}
		}
		best := ""
		for _, t := range s.terms {
			if best == "" || df[t] > df[best] {
				best = t
			}
		}
		return groupKey{cmp.Or(best, noTerms), true}
	}
}

// referenceStats describes a recent group in the reference window: the
// questions with the same TopDoc, or that retrieved nothing and contain the
// group's term.
func referenceStats(ref []sample, g *Topic) (n int, unansweredShare float64) {
	unanswered := 0
	for _, s := range ref {
		var in bool
		switch {
		case !g.NoDocument:
			in = s.TopDoc == g.Topic
		case s.TopDoc == "":
			in = slices.Contains(s.terms, g.Topic) || g.Topic == noTerms && len(s.terms) == 0
		}
		if in {
			n++
			if s.unanswered {
				unanswered++
			}
		}
	}
	return n, share(unanswered, n)
}

// examples picks up to maxExamples distinct recent questions of the group,
// unanswered ones first, each in order of appearance.
func examples(rec []sample, keys []groupKey, group groupKey) []string {
	out := []string{}
	for _, unanswered := range []bool{true, false} {
		for i, s := range rec {
			if len(out) == maxExamples {
				return out
			}
			if s.unanswered != unanswered || keys[i] != group {
				continue
			}
			if text := oneLine(s.Text); !slices.Contains(out, text) {
				out = append(out, text)
			}
		}
	}
	return out
}

// oneLine collapses whitespace and shortens text to maxExampleRunes.
func oneLine(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= maxExampleRunes {
		return text
	}
	runes := []rune(text)
	return string(runes[:maxExampleRunes-1]) + "…"
}

// boolCompare orders false before true.
func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
