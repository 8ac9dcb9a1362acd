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
	without := refundPassage()
	without.Text = "Annual plans are refunded pro rata. We cannot refund gift cards."
	with := without
	with.Text = "Refunds arrive within 5 business days. " + without.Text

	before := a.Confidence(q, []core.Passage{without, cancelPassage()})
	after := a.Confidence(q, []core.Passage{with, cancelPassage()})

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
	prev = -1.0
	for _, ranks := range [][2]int{{0, 0}, {5, 0}, {9, 7}, {3, 1}, {1, 1}} {
		c := conf(func(p *core.Passage) { p.VectorRank, p.TextRank = ranks[0], ranks[1] })
		require.GreaterOrEqual(t, c, prev, "ranks %v", ranks)
		prev = c
	}
}

func TestConfidenceFormula(t *testing.T) {
	t.Parallel()
	p := core.Passage{
		DocumentID: 1, Text: "We cannot refund gift cards.",
		Similarity: 0.35, BM25: 10, VectorRank: 1, TextRank: 3,
	}
	// Every question term is in the sentence, so coverage is 1 and the
	// retrieval part counts in full: 0.55 + 0.20·0.5 + 0.15·0.5 + 0.10·0.5.
	require.InDelta(t, 0.775, New(Params{}).Confidence("refund gift cards", []core.Passage{p}), 1e-9)
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

func TestAgreement(t *testing.T) {
	t.Parallel()
	require.Equal(t, 1.0, agreement(core.Passage{VectorRank: 1, TextRank: 1}))
	require.Equal(t, 0.5, agreement(core.Passage{VectorRank: 1, TextRank: 3}))
	require.Zero(t, agreement(core.Passage{VectorRank: 1}))
	require.Zero(t, agreement(core.Passage{TextRank: 1}))
}
