package extract

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func FuzzAnswer(f *testing.F) {
	f.Add("How do I cancel my subscription?", cancelPassage().Text, refundPassage().Text, 0.6, 9.0, 1, 1, int64(1))
	f.Add("Who won the 2022 world cup?", paymentPassage().Text, "", 0.1, 0.0, 1, 0, int64(3))
	f.Add("error 1045", "ERROR 1045 (28000): denied [2]\n```\ncode [1]\n", "1. a\n2. b [3]", 0.3, 2.0, 2, 5, int64(0))
	f.Add("請求書", "請求書は設定から確認できます。", "- [1] x\n  [2] y", 0.9, 30.0, 1, 1, int64(7))
	a := New(Params{})
	f.Fuzz(func(t *testing.T, question, text1, text2 string, sim, bm float64, vr, tr int, doc int64) {
		passages := []core.Passage{
			{DocumentID: doc, SourceURI: "a", Title: "A", Text: text1, Similarity: sim, BM25: bm, VectorRank: vr, TextRank: tr},
			{DocumentID: doc + 1, SourceURI: "b", Title: "B", Text: text2, Similarity: sim / 2, BM25: bm / 2, VectorRank: vr + 1},
			{DocumentID: doc, SourceURI: "a", Title: "A", Text: text2 + "\n" + text1},
		}
		res := a.Answer(question, passages)
		require.True(t, res.Confidence >= 0 && res.Confidence <= 1, "confidence %v", res.Confidence)
		require.Equal(t, res.Confidence, a.Confidence(question, passages))
		require.Equal(t, res.Handoff, len(res.Citations) == 0)
		if res.Handoff {
			require.Equal(t, HandoffText, res.Text)
		}
		requireMarkersValid(t, res)
	})
}
