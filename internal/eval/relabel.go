package eval

import (
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"supportd/internal/store"
)

// Review labels: a reviewer's verdict on a turn.
const (
	LabelCorrect       = "correct"        // the answer was right
	LabelIncorrect     = "incorrect"      // wrong or incomplete; the corrected answer is the reference
	LabelShouldHandoff = "should_handoff" // the assistant should not have answered
	LabelShouldAnswer  = "should_answer"  // handed off, but the knowledge base (or a missing document) answers it
)

// Labels lists the review labels in the order they are documented.
func Labels() []string {
	return []string{LabelCorrect, LabelIncorrect, LabelShouldHandoff, LabelShouldAnswer}
}

// TagMissingDocument marks a case whose expected source the knowledge
// base does not have yet: the runner reports it stale until the document
// is written.
const TagMissingDocument = "missing-document"

// spacedMarkerRE is a citation marker ([P2], [P1, P3], [1]) with the
// space before it.
var spacedMarkerRE = regexp.MustCompile(`[ \t]*` + markerRE.String())

// StripMarkers removes citation markers and notice lines from an answer: a
// reference answer is compared word by word with new answers, whose
// passages are numbered differently.
func StripMarkers(s string) string {
	return strings.TrimSpace(spacedMarkerRE.ReplaceAllString(noticeRE.ReplaceAllString(s, ""), ""))
}

// CaseFromReview turns a resolved review item into a golden case; ok is
// false for an item that gives no reference (an incorrect answer without
// a correction). The case keeps the conversation's history. Its sources are
// those the reviewer named (and the missing document); only an answer
// labelled correct lends its own citations, so wrong citations never
// become expected sources.
func CaseFromReview(it store.ReviewItem) (Case, bool) {
	c := Case{ID: "review-" + strconv.FormatInt(it.ID, 10), Question: it.Question, RequiredFacts: []string{},
		ExpectedSources: []string{}, Tags: uniq([]string{"reviewed", it.Label, it.Reason, "kb:" + it.KB})}
	for _, h := range it.History {
		c.History = append(c.History, Message{Role: "user", Content: h.Question},
			Message{Role: "assistant", Content: StripMarkers(h.Answer)})
	}
	if it.Label == LabelShouldHandoff {
		c.ShouldHandoff = true
		return c, true
	}
	c.ReferenceAnswer = StripMarkers(it.CorrectedAnswer)
	c.ExpectedSources = append(c.ExpectedSources, it.ExpectedSources...)
	if it.Label == LabelCorrect {
		if c.ReferenceAnswer == "" {
			c.ReferenceAnswer = StripMarkers(it.Answer)
		}
		if len(it.ExpectedSources) == 0 && it.MissingDocument == "" {
			for _, cit := range it.Citations {
				c.ExpectedSources = append(c.ExpectedSources, cit.Document)
			}
		}
	}
	if it.MissingDocument != "" {
		c.ExpectedSources = append(c.ExpectedSources, it.MissingDocument)
		c.Tags = append(c.Tags, TagMissingDocument)
	}
	c.ExpectedSources = uniq(c.ExpectedSources)
	c.RequiredFacts = append(c.RequiredFacts, it.RequiredFacts...)
	return c, c.ReferenceAnswer != ""
}

// WriteReviewCases writes the golden cases the items make as JSON Lines
// and returns how many it wrote.
func WriteReviewCases(w io.Writer, items []store.ReviewItem) (int, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for _, it := range items {
		if c, ok := CaseFromReview(it); ok {
			if err := enc.Encode(c); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// uniq drops empty and repeated entries, keeping the first of each.
func uniq(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Problems validates one case as the golden-set loader does (its id
// included); none means a golden file accepts it.
func (c Case) Problems() []string {
	var out []string
	if !idRE.MatchString(c.ID) {
		out = append(out, "id "+strconv.Quote(c.ID)+" must match "+idRE.String())
	}
	return append(out, caseProblems(c)...)
}
