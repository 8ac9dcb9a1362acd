package extract

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func TestAnswerPicksTheAnsweringSentence(t *testing.T) {
	t.Parallel()
	a := New(Params{MaxSentences: 1})

	res := a.Answer("Can gift cards be refunded?", []core.Passage{refundPassage(), cancelPassage(), paymentPassage()})

	require.False(t, res.Handoff)
	require.Equal(t, "We cannot refund gift cards. [1]", res.Text)
	require.Equal(t, []core.Citation{{
		Marker:     "[1]",
		DocumentID: 2,
		Document:   "https://help.example.com/billing/refunds",
		Title:      "Refunds",
		URI:        "https://help.example.com/billing/refunds",
		Snippet:    "We cannot refund gift cards.",
		Score:      0.030,
	}}, res.Citations)
}

func TestAnswerCitesTheDocumentThatAnswers(t *testing.T) {
	t.Parallel()
	a := New(Params{})

	// The answer is in the second passage; the first only shares "billing".
	res := a.Answer("Which credit cards do you accept?", []core.Passage{cancelPassage(), paymentPassage()})

	require.False(t, res.Handoff)
	require.Contains(t, res.Text, "We accept Visa, Mastercard and American Express. [1]")
	require.Len(t, res.Citations, 1)
	require.Equal(t, int64(3), res.Citations[0].DocumentID)
	require.Greater(t, res.Confidence, DefaultMinConfidence)
}

func TestAnswerKeepsProcedureTogetherInOrder(t *testing.T) {
	t.Parallel()
	a := New(Params{})

	res := a.Answer("Where is the Cancel plan button?", []core.Passage{cancelPassage(), refundPassage()})

	require.False(t, res.Handoff)
	require.Equal(t, "You can cancel your subscription at any time. [1] To cancel your subscription: [1]\n"+
		"1. Open Settings → Billing. [1]\n"+
		"2. Click Cancel plan. [1]\n"+
		"3. Confirm by clicking Yes. [1]", res.Text)
	require.Len(t, res.Citations, 1)
}

func TestAnswerTakesWholeProcedureEvenWithOneSentence(t *testing.T) {
	t.Parallel()
	a := New(Params{MaxSentences: 1})

	res := a.Answer("Where is the Cancel plan button?", []core.Passage{cancelPassage()})

	require.Equal(t, "1. Open Settings → Billing. [1]\n2. Click Cancel plan. [1]\n3. Confirm by clicking Yes. [1]", res.Text)
}

func TestAnswerDedupesCitationsByDocument(t *testing.T) {
	t.Parallel()
	a := New(Params{})

	res := a.Answer("How do I change my card and download invoices?",
		[]core.Passage{paymentPassage(), invoicePassage(), refundPassage()})

	require.False(t, res.Handoff)
	require.Equal(t, "To change your card, go to Settings → Billing → Payment method and click Edit. [1]\n\n"+
		"Download past invoices as PDF files from Settings → Billing → Invoices. [1]", res.Text)
	require.Len(t, res.Citations, 1)
	require.Equal(t, int64(3), res.Citations[0].DocumentID)
	require.Equal(t, "To change your card, go to Settings → Billing → Payment method and click Edit. "+
		"Download past invoices as PDF files from Settings → Billing → Invoices.", res.Citations[0].Snippet)
	require.InDelta(t, 0.028, res.Citations[0].Score, 1e-9, "a document's citation keeps its best passage score")
}

func TestAnswerNumbersCitationsInOrderOfFirstUse(t *testing.T) {
	t.Parallel()
	a := New(Params{})

	res := a.Answer("Do you refund gift cards, and do you accept American Express?",
		[]core.Passage{refundPassage(), paymentPassage()})

	require.False(t, res.Handoff)
	require.Len(t, res.Citations, 2)
	require.Equal(t, int64(2), res.Citations[0].DocumentID)
	require.Equal(t, int64(3), res.Citations[1].DocumentID)
	require.Less(t, strings.Index(res.Text, "[1]"), strings.Index(res.Text, "[2]"))
	require.Contains(t, res.Text, "We cannot refund gift cards. [1]")
	require.Contains(t, res.Text, "We accept Visa, Mastercard and American Express. [2]")
	requireMarkersValid(t, res)
}

func TestAnswerHandsOff(t *testing.T) {
	t.Parallel()
	lexicalHit := paymentPassage() // mentions 2022, so text search finds it
	lexicalHit.Similarity, lexicalHit.BM25, lexicalHit.TextRank = 0.2, 3.1, 1

	tests := []struct {
		name     string
		question string
		passages []core.Passage
	}{
		{"weather", "What's the weather in Paris tomorrow?", offTopic(cancelPassage(), refundPassage(), paymentPassage())},
		{"sport", "Who won the 2022 world cup?", append([]core.Passage{lexicalHit}, offTopic(cancelPassage(), refundPassage())...)},
		{"no passages", "How do I cancel my subscription?", nil},
		{"empty passages", "How do I cancel my subscription?", []core.Passage{}},
		{"no content words", "How do I?", []core.Passage{cancelPassage()}},
		{"empty question", "", []core.Passage{cancelPassage()}},
	}
	a := New(Params{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := a.Answer(tt.question, tt.passages)
			require.True(t, res.Handoff)
			require.Equal(t, HandoffText, res.Text)
			require.NotNil(t, res.Citations)
			require.Empty(t, res.Citations)
			require.Less(t, res.Confidence, DefaultMinConfidence)
		})
	}
}

func TestAnswerNoPassagesHasZeroConfidence(t *testing.T) {
	t.Parallel()
	a := New(Params{})

	require.Zero(t, a.Answer("How do I cancel?", nil).Confidence)
	require.Zero(t, a.Confidence("How do I cancel?", nil))
}

func TestAnswerHonoursMinConfidence(t *testing.T) {
	t.Parallel()
	ps := []core.Passage{cancelPassage()}
	conf := New(Params{}).Confidence("How do I cancel my subscription?", ps)

	require.False(t, New(Params{MinConfidence: conf}).Answer("How do I cancel my subscription?", ps).Handoff)
	require.True(t, New(Params{MinConfidence: conf + 0.01}).Answer("How do I cancel my subscription?", ps).Handoff)
}

func TestAnswerDrawsOnlyFromMaxPassages(t *testing.T) {
	t.Parallel()
	a := New(Params{MaxPassages: 1})

	res := a.Answer("Do you accept Visa?", []core.Passage{cancelPassage(), paymentPassage()})

	require.True(t, res.Handoff, "the answer is in the second passage, which is not considered")
}

func TestConfidenceMatchesAnswer(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	ps := []core.Passage{refundPassage(), cancelPassage()}

	require.Equal(t, a.Answer("Do you refund gift cards?", ps).Confidence, a.Confidence("Do you refund gift cards?", ps))
}

func TestAnswerNeutralisesBracketedNumbersInSource(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	p := refundPassage()
	p.Text = "Refunds for gift cards are not possible [7]. See the terms [12] for details."

	res := a.Answer("Are gift card refunds possible?", []core.Passage{p})

	require.False(t, res.Handoff)
	require.Equal(t, "Refunds for gift cards are not possible (7). [1]", res.Text)
	requireMarkersValid(t, res)
}

func TestAnswerKeepsListItemsAndErrorLinesWhole(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	p := core.Passage{
		DocumentID: 9, SourceURI: "https://help.example.com/errors/1045", Title: "Database login fails",
		Text: "If the import stops, the log shows:\n" +
			"ERROR 1045 (28000): Access denied for user 'app'. Check the password.\n" +
			"Reset the database password in Settings → Integrations.\n" +
			"Causes include:\n" +
			"- an expired password, e.g. after 90 days\n" +
			"- a user without the CONNECT privilege",
		Similarity: 0.6, BM25: 12, VectorRank: 1, TextRank: 1,
	}

	res := a.Answer("What does ERROR 1045 access denied mean?", []core.Passage{p})

	require.False(t, res.Handoff)
	require.Equal(t, "If the import stops, the log shows: [1]\n"+
		"ERROR 1045 (28000): Access denied for user 'app'. Check the password. [1]\n"+
		"Reset the database password in Settings → Integrations. [1]", res.Text)

	res = a.Answer("Can an expired password cause it?", []core.Passage{p})
	require.Contains(t, res.Text, "- an expired password, e.g. after 90 days [1]")
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()

	require.Equal(t, Params{MaxSentences: 3, MinConfidence: 0.4, MaxPassages: 3}, New(Params{}).p)
	require.Equal(t, Params{MaxSentences: 3, MinConfidence: 0.4, MaxPassages: 3}, New(Params{MaxSentences: -1, MinConfidence: -2, MaxPassages: -3}).p)
	require.Equal(t, Params{MaxSentences: 5, MinConfidence: 0.5, MaxPassages: 2}, New(Params{MaxSentences: 5, MinConfidence: 0.5, MaxPassages: 2}).p)
}

func TestAnswerQuotesAWindowOfALongProcedure(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		if i == 25 {
			b.WriteString("25. Click Export invoices.\n")
			continue
		}
		b.WriteString(strconv.Itoa(i) + ". Click Next.\n")
	}
	p := core.Passage{DocumentID: 1, Text: b.String(), Similarity: 0.6, BM25: 9, VectorRank: 1, TextRank: 1}

	res := New(Params{MaxSentences: 1}).Answer("How do I export invoices?", []core.Passage{p})

	require.False(t, res.Handoff)
	lines := strings.Split(res.Text, "\n")
	require.Len(t, lines, maxSteps)
	require.Equal(t, "19. Click Next. [1]", lines[0])
	require.Contains(t, lines, "25. Click Export invoices. [1]")
}
