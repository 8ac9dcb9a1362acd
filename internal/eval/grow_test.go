package eval_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/eval"
)

func TestGrowSkipsTheSameQuestionOfTheSameKB(t *testing.T) {
	t.Parallel()
	answer := func(id, q string, tags ...string) eval.Case {
		return eval.Case{ID: id, Question: q, ReferenceAnswer: "a", RequiredFacts: []string{}, ExpectedSources: []string{},
			Tags: append([]string{"reviewed"}, tags...)}
	}
	set := eval.GoldenSet{Cases: []eval.Case{answer("billing-001", "How much is the Team plan?"),
		answer("other-001", "How do I reset my password?", "kb:other")}}
	add := []eval.Case{
		answer("review-1", "  how much is the TEAM plan? ", "kb:demo"), // demo is the default KB: a duplicate
		answer("review-2", "How do I reset my password?"),              // asked of demo, not of other: new
		answer("review-3", "How do I reset my password?", "kb:other"),  // the same as other-001
		answer("review-4", "Can I pay by invoice?"),
		answer("review-5", "can i pay by invoice?"), // repeats review-4 within the file
	}
	added, dups, err := eval.Grow(set, add, "demo")
	require.NoError(t, err)
	require.Equal(t, []eval.Case{add[1], add[3]}, added)
	require.Equal(t, []eval.Duplicate{{Case: add[0], Of: "billing-001"}, {Case: add[2], Of: "other-001"}, {Case: add[4], Of: "review-4"}}, dups)

	_, _, err = eval.Grow(set, []eval.Case{answer("billing-001", "Another question?"), {ID: "bad", Question: "Why?"}}, "demo")
	var verr *eval.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, []string{
		"case billing-001: the golden set already has a case with this id for another question",
		"case bad: reference_answer is empty (allowed only when should_handoff or should_refuse is true)",
	}, verr.Problems)
}
