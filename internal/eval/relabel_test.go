package eval_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

func TestStripMarkers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Refunds take 14 days [P2].":                            "Refunds take 14 days.",
		"Annual plans [P1, P3] are refunded [1] within 30 days": "Annual plans are refunded within 30 days",
		"No markers here.":                                      "No markers here.",
		"Read this.\n[The generated answer was interrupted.]\n": "Read this.",
		"Keep [brackets] that are words.":                       "Keep [brackets] that are words.",
	} {
		require.Equal(t, want, eval.StripMarkers(in), in)
	}
}

func TestCaseFromReview(t *testing.T) {
	t.Parallel()
	base := store.ReviewItem{ID: 7, KB: "demo", Reason: "thumbs_down", Question: "How long do refunds take?",
		Answer: "Refunds take 14 days [P1].", Citations: []core.Citation{{Document: "billing/plans.md"}, {Document: "billing/plans.md"}},
		History: []store.Exchange{{Question: "Hi, I bought the annual plan.", Answer: "Thanks, how can I help [P1]?"}}}
	history := []eval.Message{{Role: "user", Content: "Hi, I bought the annual plan."}, {Role: "assistant", Content: "Thanks, how can I help?"}}
	with := func(f func(*store.ReviewItem)) store.ReviewItem {
		it := base
		f(&it)
		return it
	}
	for _, tc := range []struct {
		name string
		item store.ReviewItem
		want eval.Case
		ok   bool
	}{
		{"correct keeps the answer and its citations", with(func(it *store.ReviewItem) { it.Label = "correct" }),
			eval.Case{ID: "review-7", Question: base.Question, History: history, ReferenceAnswer: "Refunds take 14 days.",
				RequiredFacts: []string{}, ExpectedSources: []string{"billing/plans.md"}, Tags: []string{"reviewed", "correct", "thumbs_down", "kb:demo"}}, true},
		{"incorrect never lends its wrong citations", with(func(it *store.ReviewItem) {
			it.Label, it.CorrectedAnswer, it.RequiredFacts = "incorrect", "Refunds take 30 days [P2].", []string{"30 days"}
		}), eval.Case{ID: "review-7", Question: base.Question, History: history, ReferenceAnswer: "Refunds take 30 days.",
			RequiredFacts: []string{"30 days"}, ExpectedSources: []string{}, Tags: []string{"reviewed", "incorrect", "thumbs_down", "kb:demo"}}, true},
		{"incorrect with the right sources", with(func(it *store.ReviewItem) {
			it.Label, it.CorrectedAnswer, it.ExpectedSources = "incorrect", "Thirty days.", []string{"billing/refunds.md"}
		}), eval.Case{ID: "review-7", Question: base.Question, History: history, ReferenceAnswer: "Thirty days.",
			RequiredFacts: []string{}, ExpectedSources: []string{"billing/refunds.md"}, Tags: []string{"reviewed", "incorrect", "thumbs_down", "kb:demo"}}, true},
		{"incorrect without a correction gives nothing", with(func(it *store.ReviewItem) { it.Label = "incorrect" }), eval.Case{}, false},
		{"should answer from a missing document", with(func(it *store.ReviewItem) {
			it.Label, it.Reason, it.CorrectedAnswer, it.MissingDocument = "should_answer", "handoff", "QuillPad pairs over Bluetooth.", "devices/quillpad.md"
		}), eval.Case{ID: "review-7", Question: base.Question, History: history, ReferenceAnswer: "QuillPad pairs over Bluetooth.",
			RequiredFacts: []string{}, ExpectedSources: []string{"devices/quillpad.md"},
			Tags: []string{"reviewed", "should_answer", "handoff", "kb:demo", "missing-document"}}, true},
		{"should hand off", with(func(it *store.ReviewItem) { it.Label = "should_handoff" }),
			eval.Case{ID: "review-7", Question: base.Question, History: history, RequiredFacts: []string{}, ExpectedSources: []string{},
				ShouldHandoff: true, Tags: []string{"reviewed", "should_handoff", "thumbs_down", "kb:demo"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := eval.CaseFromReview(tc.item)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			require.Equal(t, tc.want, got)
			require.Empty(t, got.Problems())
			line, err := json.Marshal(got)
			require.NoError(t, err)
			require.Equal(t, 1, testkit.RequireGoldenLines(t, line))
		})
	}
}

func TestCaseProblems(t *testing.T) {
	t.Parallel()
	c := eval.Case{ID: "bad id", Question: "q", RequiredFacts: []string{"re:("}, ExpectedSources: []string{"a", "a"}, Tags: []string{}}
	require.Equal(t, []string{
		`id "bad id" must match ^[A-Za-z0-9._-]+$`,
		"reference_answer is empty (allowed only when should_handoff or should_refuse is true)",
		"required_facts[0]: invalid regexp: missing closing ): `(`",
		`expected_sources[1]: duplicate of expected_sources[0] "a"`,
	}, c.Problems())
}
