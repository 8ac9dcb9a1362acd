package eval

import (
	"fmt"
	"strings"
)

// Duplicate is a new case skipped because the golden set already asks the
// same question of the same knowledge base.
type Duplicate struct {
	Case Case
	// Of is the id of the case it repeats.
	Of string
}

// Grow returns the cases of add that set lacks, in add's order, and the
// ones it skipped as duplicates: the same question (compared without
// case and extra white space) for the same knowledge base. A case's
// knowledge base is its "kb:NAME" tag, else defaultKB. A new case whose id
// the set already uses for another question is an error, as is a case
// with problems.
func Grow(set GoldenSet, add []Case, defaultKB string) (added []Case, dups []Duplicate, err error) {
	seen := map[string]string{} // question key → case id
	ids := map[string]bool{}
	for _, c := range set.Cases {
		seen[questionKey(c, defaultKB)] = c.ID
		ids[c.ID] = true
	}
	var problems []string
	for _, c := range add {
		key := questionKey(c, defaultKB)
		if of, dup := seen[key]; dup {
			dups = append(dups, Duplicate{Case: c, Of: of})
			continue
		}
		if ids[c.ID] {
			problems = append(problems, fmt.Sprintf("case %s: the golden set already has a case with this id for another question", c.ID))
			continue
		}
		for _, p := range c.Problems() {
			problems = append(problems, fmt.Sprintf("case %s: %s", c.ID, p))
		}
		seen[key], ids[c.ID] = c.ID, true
		added = append(added, c)
	}
	if len(problems) > 0 {
		return nil, nil, &ValidationError{Problems: problems}
	}
	return added, dups, nil
}

// questionKey identifies a question within a knowledge base.
func questionKey(c Case, defaultKB string) string {
	kb := defaultKB
	for _, t := range c.Tags {
		if name, ok := strings.CutPrefix(t, "kb:"); ok {
			kb = name
		}
	}
	return kb + "\x00" + strings.Join(strings.Fields(strings.ToLower(c.Question)), " ")
}
