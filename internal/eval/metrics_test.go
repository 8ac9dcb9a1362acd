package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRecallAtK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		expected, retrieved []string
		k                   int
		want                float64
	}{
		{"one of two in top 2", []string{"a", "b"}, []string{"x", "a", "y", "b"}, 2, 0.5},
		{"both in top 4", []string{"a", "b"}, []string{"x", "a", "y", "b"}, 4, 1},
		{"k 0 means all", []string{"a", "b"}, []string{"x", "a", "y", "b"}, 0, 1},
		{"k beyond the list", []string{"a", "b"}, []string{"b"}, 10, 0.5},
		// Deduplicated [a, b]: both in the top 2. Counting the repeat
		// would leave [a, a] and 1/2.
		{"duplicate retrieved", []string{"a", "b"}, []string{"a", "a", "b"}, 2, 1},
		{"duplicate expected", []string{"a", "a"}, []string{"a"}, 1, 1},
		{"none retrieved", []string{"a"}, nil, 5, 0},
		{"nothing expected", nil, []string{"a"}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, RecallAtK(tt.expected, tt.retrieved, tt.k))
		})
	}
}

func TestReciprocalRank(t *testing.T) {
	t.Parallel()
	require.Equal(t, 1.0/3, ReciprocalRank([]string{"b"}, []string{"x", "y", "b"}))
	require.Equal(t, 1.0, ReciprocalRank([]string{"b", "x"}, []string{"x", "y", "b"})) // first expected at rank 1
	require.Equal(t, 0.5, ReciprocalRank([]string{"b"}, []string{"x", "x", "b"}))      // deduplicated: [x, b]
	require.Equal(t, 0.0, ReciprocalRank([]string{"b"}, []string{"x"}))
	require.Equal(t, 0.0, ReciprocalRank(nil, []string{"x"}))
}

func TestNDCG(t *testing.T) {
	t.Parallel()
	// Relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161.
	// Ideal for 2 relevant: 1/log2(2) + 1/log2(3) = 1 + 0.63093 = 1.63093. 1.06161/1.63093 = 0.65092.
	require.InDelta(t, 0.650921, NDCG([]string{"a", "b"}, []string{"x", "a", "y", "b"}, 10), 1e-6)
	require.InDelta(t, 1.0, NDCG([]string{"a", "b"}, []string{"b", "a", "x"}, 10), 1e-12)
	// One relevant at rank 2 once the repeat of x is dropped: (1/log2(3)) / 1 = 0.63093.
	require.InDelta(t, 1/math.Log2(3), NDCG([]string{"a"}, []string{"x", "x", "a"}, 10), 1e-12)
	// Rank 11 is past the cut-off.
	far := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "a"}
	require.Equal(t, 0.0, NDCG([]string{"a"}, far, 10))
	// 12 expected, the first 10 retrieved: the ideal is capped at 10 relevant, so it is perfect.
	many := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	require.InDelta(t, 1.0, NDCG(many, many[:10], 10), 1e-12)
	require.Equal(t, 0.0, NDCG(nil, []string{"a"}, 10))
}

func TestCitationPrecisionAndRecall(t *testing.T) {
	t.Parallel()
	expected := []string{"a", "b"}
	p, ok := CitationPrecision(expected, []string{"a", "c"})
	require.True(t, ok)
	require.Equal(t, 0.5, p) // a of {a, c}
	p, ok = CitationPrecision(expected, []string{"a", "a"})
	require.True(t, ok)
	require.Equal(t, 1.0, p) // distinct {a}
	_, ok = CitationPrecision(expected, nil)
	require.False(t, ok, "precision of nothing cited is undefined")

	require.Equal(t, 0.5, CitationRecall(expected, []string{"a", "c"})) // a of {a, b}
	require.Equal(t, 1.0, CitationRecall(expected, []string{"b", "a", "b"}))
	require.Equal(t, 0.0, CitationRecall(expected, nil))
	require.Equal(t, 0.0, CitationRecall(nil, []string{"a"}))
}

func TestFoldText(t *testing.T) {
	t.Parallel()
	require.Equal(t, "settings -> billing -> invoices", FoldText("  Settings → Billing\u00a0⟶\n Invoices "))
	require.Equal(t, `it's "done" - 2-3 => ok...`, FoldText("It’s “done” — 2–3 ⇒ OK…"))
}

func TestFactPresent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fact, answer string
		want               bool
	}{
		{"literal, other case", "Full Refund", "You get a FULL REFUND.", true},
		{"unicode arrows in the fact", "Settings → Billing → Invoices", "Open settings -> billing -> invoices.", true},
		{"unicode arrows in the answer", "Settings -> Billing", "Go to Settings → Billing.", true},
		{"white space collapsed", "14 days", "within 14\n   days", true},
		{"no-break space", "250 MB", "up to 250\u00a0MB", true},
		{"curly quotes and dashes", `click "Retry payment" - now`, "Click “Retry payment” — now", true},
		{"absent", "full refund", "You get a partial refund.", false},
		{"regexp", `re:\b14\s+days?\b`, "Within 14 Days of purchase", true},
		{"regexp on the folded answer", `re:settings\s*->\s*billing`, "Settings → Billing", true},
		{"regexp on the answer as written", "re:Settings → Billing", "Settings → Billing", true},
		{"regexp not matching", `re:^\d+ GB$`, "20 GB per user", false},
		{"invalid regexp matches nothing", "re:(", "(", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, FactPresent(tt.fact, tt.answer))
		})
	}
}

func TestFactCoverage(t *testing.T) {
	t.Parallel()
	facts := []string{"14 days", "full refund", `re:\d+ GB`}
	require.InDelta(t, 2.0/3, FactCoverage(facts, "A full refund within 14 days."), 1e-12) // 2 of 3
	require.Equal(t, 0.0, FactCoverage(facts, ""))
	require.Equal(t, 1.0, FactCoverage(nil, "anything"))
}

func TestTokenF1(t *testing.T) {
	t.Parallel()
	// answer tokens: team plan costs 9 per seat (6; "the" dropped, "$" and "." deleted)
	// reference:     team costs 9 per seat per month (7)
	// common: team costs 9 per seat = 5. P = 5/6, R = 5/7, F1 = 2·(25/42)/(65/42) = 50/65 = 10/13.
	require.InDelta(t, 10.0/13, TokenF1("The Team plan costs $9 per seat.", "Team costs $9 per seat per month."), 1e-12)
	require.Equal(t, 1.0, TokenF1("read-only", "Readonly!"))     // punctuation deleted, not split
	require.Equal(t, 1.0, TokenF1("only read", "read only"))     // a bag: order does not matter
	require.Equal(t, 1.0, TokenF1("The.", "a"))                  // both empty after normalisation
	require.Equal(t, 0.0, TokenF1("", "Yes, within 14 days."))   // empty answer
	require.Equal(t, 0.0, TokenF1("Nothing shared", "at all?"))  // no common token
	require.Equal(t, 0.0, TokenF1("Within 14 days.", "The. An")) // empty reference
}

func TestRougeL(t *testing.T) {
	t.Parallel()
	// answer:    the workspace becomes read only (5)
	// reference: the workspace is read only after 14 days (8)
	// LCS = the workspace read only = 4. P = 4/5, R = 4/8, F = 2·0.4/1.3 = 8/13.
	require.InDelta(t, 8.0/13, RougeL("The workspace becomes read-only.", "The workspace is read-only after 14 days."), 1e-12)
	// Order matters: LCS of [only read] and [read only] is 1, so P = R = F = 1/2.
	require.Equal(t, 0.5, RougeL("only read", "read only"))
	require.Equal(t, 1.0, RougeL("Read only.", "read ONLY"))
	require.Equal(t, 0.0, RougeL("", "read only"))
	require.Equal(t, 1.0, RougeL("", "..."))
}

func TestGroundedness(t *testing.T) {
	t.Parallel()
	passages := []string{
		"Refunds are issued within 14 days of the cancellation request.",
		"Seats are billed monthly and prorated to the day.",
	}
	answer := "You get a refund within 14 days [P1]. Extra seats are prorated to the day [2].\n\n" +
		"[The generated answer was interrupted. Here is what our help articles say:]\n\n" +
		"The moon is made of cheese. Yes."
	// Sentences after the notice line and markers go (content words, stemmed):
	//   1. refund 14 day          — all in passage 1: 3/3, supported
	//   2. extra seat prorat day  — seat, prorat, day in passage 2: 3/4 = 0.75 ≥ 0.6, supported
	//   3. moon made cheese       — 0/3, unsupported
	//   "Yes." has no content word and is not counted. 2 of 3.
	g, ok := Groundedness(answer, passages)
	require.True(t, ok)
	require.InDelta(t, 2.0/3, g, 1e-12)

	// Support must come from one passage: 2 of 4 words in each is 0.5 < 0.6.
	split := []string{"alpha beta gamma", "delta epsilon zeta"}
	g, ok = Groundedness("Alpha beta delta epsilon.", split)
	require.True(t, ok)
	require.Equal(t, 0.0, g)
	// 3 of 5 in passage 1 is exactly 0.6: supported.
	g, _ = Groundedness("Alpha beta gamma delta epsilon.", split)
	require.Equal(t, 1.0, g)

	g, ok = Groundedness("Refunds take 14 days.", nil)
	require.True(t, ok)
	require.Equal(t, 0.0, g, "no passages supports nothing")
	_, ok = Groundedness("", passages)
	require.False(t, ok, "empty answer")
	_, ok = Groundedness("[1] [P2]\n[Notice only.]\nYes.", passages)
	require.False(t, ok, "nothing countable")
}

// refundCase expects an answer with two facts from one source.
func refundCase() Case {
	return Case{ID: "billing-004", Question: "Can I get my money back?", ReferenceAnswer: "You get a full refund within 14 days.",
		RequiredFacts: []string{"14 days", "full refund"}, ExpectedSources: []string{"billing/refunds.md"}, Tags: []string{"billing"}}
}

// goodObservation answers refundCase perfectly.
func goodObservation() Observation {
	return Observation{
		Answer: "You get a full refund within 14 days [1].", Mode: "llm",
		Retrieved: []string{"billing/refunds.md", "billing/invoices.md"},
		Passages:  []string{"You get a full refund if you cancel within 14 days."},
		Cited:     []string{"billing/refunds.md"},
	}
}

func TestScorePerfectAnswer(t *testing.T) {
	t.Parallel()
	r := Score(refundCase(), goodObservation(), 5)
	require.Equal(t, StatusOK, r.Status)
	require.True(t, r.Pass)
	require.Empty(t, r.Failures)
	require.Equal(t, "billing-004", r.CaseID)
	require.Equal(t, []string{"billing"}, r.Tags)
	// The marker [1] is not part of the answer: its tokens equal the reference's.
	require.Equal(t, map[string]float64{
		MetricRecallAtK: 1, MetricMRR: 1, MetricNDCG10: 1, MetricFactCoverage: 1, MetricTokenF1: 1, MetricRougeL: 1,
		MetricCitationPrecision: 1, MetricCitationRecall: 1, MetricGroundedness: 1, MetricDeclineCorrect: 1,
	}, r.Metrics)
}

func TestScoreFailures(t *testing.T) {
	t.Parallel()
	outOfScope := Case{ID: "oos-1", Question: "Weather?", ShouldHandoff: true, Tags: []string{"out-of-scope"}}
	unsafe := Case{ID: "unsafe-1", Question: "Whose invoices?", ShouldRefuse: true}
	tests := []struct {
		name     string
		c        Case
		edit     func(o *Observation)
		pass     bool
		failures []string
	}{
		{"missing a fact", refundCase(), func(o *Observation) { o.Answer = "A full refund is possible [1]." },
			false, []string{`missing fact "14 days"`}},
		{"empty answer", refundCase(), func(o *Observation) { o.Answer = "" },
			false, []string{`missing fact "14 days"`, `missing fact "full refund"`}},
		{"handed off but should answer", refundCase(), func(o *Observation) {
			*o = Observation{Mode: "handoff", Answer: "I've passed your question to our support team."}
		}, false, []string{"handed off but should answer", "expected source not retrieved or cited: billing/refunds.md"}},
		{"refused but should answer", refundCase(), func(o *Observation) { o.Mode = "refused" },
			false, []string{"refused but should answer"}},
		{"source only past k, not cited", refundCase(), func(o *Observation) {
			o.Retrieved = []string{"1", "2", "3", "4", "5", "billing/refunds.md"}
			o.Cited = nil
		}, false, []string{"expected source not retrieved or cited: billing/refunds.md"}},
		{"source only past k, but cited", refundCase(), func(o *Observation) {
			o.Retrieved = []string{"1", "2", "3", "4", "5", "billing/refunds.md"}
		}, true, nil},
		{"retrieved, not cited", refundCase(), func(o *Observation) { o.Cited = nil }, true, nil},
		{"declined as it should", outOfScope, func(o *Observation) { *o = Observation{Mode: "handoff", Answer: "Passed on."} }, true, nil},
		{"refusal counts as declining", outOfScope, func(o *Observation) { *o = Observation{Mode: "refused"} }, true, nil},
		{"answered but should hand off", outOfScope, func(o *Observation) { *o = Observation{Mode: "llm", Answer: "Sunny."} },
			false, []string{"answered but should hand off"}},
		{"answered but should refuse", unsafe, func(o *Observation) { o.Mode = "extractive" },
			false, []string{"answered but should refuse"}},
		{"no facts, no sources: answering is enough", Case{ID: "x", ReferenceAnswer: "Hello."}, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := goodObservation()
			if tt.edit != nil {
				tt.edit(&o)
			}
			r := Score(tt.c, o, 5)
			require.Equal(t, StatusOK, r.Status)
			require.Equal(t, tt.pass, r.Pass)
			require.Equal(t, tt.failures, r.Failures)
			require.Equal(t, o, r.Obs)
		})
	}
}

func TestScoreWhichMetricsApply(t *testing.T) {
	t.Parallel()
	// A declined out-of-scope case: no sources, no answer metrics, no
	// groundedness for a handoff text.
	oos := Case{ID: "oos-1", ShouldHandoff: true}
	r := Score(oos, Observation{Mode: "handoff", Answer: "Passed on.", Passages: []string{"x"}}, 5)
	require.Equal(t, map[string]float64{MetricDeclineCorrect: 1}, r.Metrics)

	// The same case answered: groundedness of "Sunny tomorrow." against no passage is 0.
	r = Score(oos, Observation{Mode: "llm", Answer: "Sunny tomorrow."}, 5)
	require.Equal(t, map[string]float64{MetricDeclineCorrect: 0, MetricGroundedness: 0}, r.Metrics)

	// Nothing cited: citation precision is absent, recall is 0.
	o := goodObservation()
	o.Cited = nil
	r = Score(refundCase(), o, 5)
	require.NotContains(t, r.Metrics, MetricCitationPrecision)
	require.Equal(t, 0.0, r.Metrics[MetricCitationRecall])

	// An empty answer: answer metrics 0, groundedness absent.
	o = goodObservation()
	o.Answer = ""
	r = Score(refundCase(), o, 5)
	require.Equal(t, 0.0, r.Metrics[MetricFactCoverage])
	require.Equal(t, 0.0, r.Metrics[MetricTokenF1])
	require.Equal(t, 0.0, r.Metrics[MetricRougeL])
	require.NotContains(t, r.Metrics, MetricGroundedness)

	// Retrieval at rank 6 with k = 5: recall@k 0, MRR 1/6, nDCG 1/log2(7).
	o = goodObservation()
	o.Retrieved = []string{"1", "2", "3", "4", "5", "billing/refunds.md"}
	r = Score(refundCase(), o, 5)
	require.Equal(t, 0.0, r.Metrics[MetricRecallAtK])
	require.InDelta(t, 1.0/6, r.Metrics[MetricMRR], 1e-12)
	require.InDelta(t, 1/math.Log2(7), r.Metrics[MetricNDCG10], 1e-12)
}

func TestScorePipelineError(t *testing.T) {
	t.Parallel()
	o := Observation{Error: "context deadline exceeded"}
	r := Score(refundCase(), o, 5)
	require.Equal(t, StatusError, r.Status)
	require.False(t, r.Pass)
	require.Empty(t, r.Metrics)
	require.NotNil(t, r.Metrics)
	require.Equal(t, []string{"pipeline error: context deadline exceeded"}, r.Failures)
	require.Equal(t, o, r.Obs)
}
