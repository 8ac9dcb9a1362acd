package extract

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func TestAnswerHandlesUnicode(t *testing.T) {
	t.Parallel()
	p := core.Passage{
		DocumentID: 7, SourceURI: "https://help.example.com/ja/billing", Title: "請求書",
		Text: "請求書は設定から確認できます。支払い方法は「設定 → 請求」で変更します。\n" +
			"Ünïcödé wörds, emoji 🎉 and combining marks e\u0301 are fine. Invalid \xff\xfe bytes too.",
		Similarity: 0.7, BM25: 8, VectorRank: 1, TextRank: 1,
	}
	a := New(Params{})

	res := a.Answer("請求書はどこで確認できますか？", []core.Passage{p})
	require.False(t, res.Handoff)
	require.True(t, strings.HasPrefix(res.Text, "請求書は設定から確認できます。 [1]"), res.Text)
	requireMarkersValid(t, res)

	for _, q := range []string{"🎉🎉", "e\u0301", "\xff", "wörds ünïcödé?"} {
		res := a.Answer(q, []core.Passage{p})
		requireMarkersValid(t, res)
		require.True(t, res.Confidence >= 0 && res.Confidence <= 1)
	}
}

func TestAnswerHandlesVeryLongInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Refunds are issued within 5 business days after we cancel the plan. ", 40000) // ~2.7 MB
	noBreaks := strings.Repeat("refund", 200000)
	question := strings.Repeat("refund gift card cancel plan words ", 5000)
	passages := []core.Passage{
		{DocumentID: 1, Text: long, Similarity: 0.5, BM25: 5, VectorRank: 1, TextRank: 1},
		{DocumentID: 2, Text: noBreaks},
		{DocumentID: 3, Text: strings.Repeat("- item\n", 50000)},
	}

	res := New(Params{}).Answer(question, passages)

	require.True(t, res.Confidence >= 0 && res.Confidence <= 1)
	requireMarkersValid(t, res)
	require.Less(t, len(res.Text), 4000)
}
