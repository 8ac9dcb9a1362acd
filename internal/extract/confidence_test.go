package extract

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func TestConfidenceRisesWithTheAnswerSentence(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	const q = "How many business days until my refund arrives?"
	// Retrieval of middling strength, and no other passage: the
	// fixtures' strong similarity would vouch for a half-covered question
	// on its own.
	without := refundPassage()
	without.Similarity, without.BM25 = 0.35, 4
	without.Text = "Annual plans are refunded pro rata. We cannot refund gift cards."
	with := without
	with.Text = "Refunds arrive within 5 business days. " + without.Text

	before := a.Confidence(q, []core.Passage{without})
	after := a.Confidence(q, []core.Passage{with})

	require.Greater(t, after, before)
	require.Less(t, before, DefaultMinConfidence, "without the answer the question is only half covered")
	require.Greater(t, after, DefaultMinConfidence)
}

func TestConfidenceIsMonotoneInRetrievalSignals(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	const q = "Do you refund gift cards?"
	conf := func(mod func(*core.Passage)) float64 {
		p := refundPassage()
		mod(&p)
		return a.Confidence(q, []core.Passage{p})
	}
	prev := -1.0
	for _, sim := range []float64{0, 0.1, 0.3, 0.5, 0.7, 1} {
		c := conf(func(p *core.Passage) { p.Similarity = sim })
		require.GreaterOrEqual(t, c, prev, "similarity %v", sim)
		prev = c
	}
	prev = -1.0
	for _, bm := range []float64{0, 1, 5, 10, 40} {
		c := conf(func(p *core.Passage) { p.BM25 = bm })
		require.GreaterOrEqual(t, c, prev, "bm25 %v", bm)
		prev = c
	}
}

func TestConfidenceFormula(t *testing.T) {
	t.Parallel()
	p := core.Passage{
		DocumentID: 1, Text: "We cannot refund gift cards.",
		Similarity: 0.35, BM25: 10, VectorRank: 1, TextRank: 3,
	}
	// Every question term is in the sentence, so coverage is 1; similarity
	// 0.35 scales to 0.5 and BM25 10 saturates to 0.5.
	s := New(Params{}).Signals("refund gift cards", []core.Passage{p})
	require.Equal(t, 1.0, s.Coverage)
	require.InDelta(t, 0.5, s.Similarity, 1e-9)
	require.InDelta(t, 0.5, s.BM25, 1e-9)
	z := interceptWeight + coverageWeight*1 + similarityWeight*0.5 + bm25Weight*0.5
	require.InDelta(t, 1/(1+math.Exp(-z)), New(Params{}).Confidence("refund gift cards", []core.Passage{p}), 1e-9)
}

// The signals read the passages as documented: coverage from the chosen
// sentences, the best similarity and BM25 among the considered passages.
func TestSignalsMeasureTheConsideredPassages(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	weak := paymentPassage()
	weak.Similarity, weak.BM25 = 0.6, 30
	s := a.Signals("Do you refund gift cards?", []core.Passage{refundPassage(), weak})
	require.Equal(t, 1.0, s.Coverage, "the gift-card sentence holds every term")
	require.Equal(t, 1.0, s.Similarity, "0.6 is the ceiling, from the second passage")
	require.InDelta(t, 30.0/40, s.BM25, 1e-9, "the best BM25, from the second passage")

	// Half the question's weight is a word no passage holds: coverage
	// falls, and so does confidence, while the retrieval signals stay.
	off := a.Signals("Do you refund gift cards for the zeppelin?", []core.Passage{refundPassage(), weak})
	require.Less(t, off.Coverage, s.Coverage)
	require.Equal(t, s.BM25, off.BM25)
	require.Less(t, off.Confidence(), s.Confidence())

	require.Equal(t, Signals{}, a.Signals("Do you refund gift cards?", nil))
	require.Equal(t, Signals{}, a.Signals("how can I?", []core.Passage{refundPassage()}), "no content word")
}

func TestConfidenceStaysInRangeOnOddScores(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -5, 1e300} {
		p := refundPassage()
		p.Similarity, p.BM25, p.VectorRank, p.TextRank = v, v, -3, 1<<30
		c := a.Confidence("Do you refund gift cards?", []core.Passage{p})
		require.True(t, c >= 0 && c <= 1, "confidence %v for score %v", c, v)
	}
}
