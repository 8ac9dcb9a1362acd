package extract

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func passwordPassage() core.Passage {
	return core.Passage{
		ChunkID: 41, DocumentID: 4, SourceURI: "account/password.md", Title: "Your password",
		Text:  "To reset your password on the web, open Settings → Account and click Reset password.",
		Score: 0.033, VectorRank: 1, TextRank: 1, Similarity: 0.55, BM25: 9.5,
	}
}

func appPasswordPassage() core.Passage {
	return core.Passage{
		ChunkID: 51, DocumentID: 5, SourceURI: "mobile/sign-in.md", Title: "Signing in on the app",
		Text: "To reset your password in the mobile app:\n" +
			"1. Open the app and tap Sign in.\n" +
			"2. Tap Forgot password.\n" +
			"3. Enter the code we email you and choose a new password.\n",
		Score: 0.032, VectorRank: 2, TextRank: 2, Similarity: 0.5, BM25: 8.7,
	}
}

// A second passage that answers as well as the first is quoted too: each
// passage's text in retrieval order, its procedure whole and in order, and
// each cited with its own marker in order of first use.
func TestAnswerQuotesEveryPassageThatAnswers(t *testing.T) {
	t.Parallel()
	res := New(Params{}).Answer("How do I reset my password?",
		[]core.Passage{passwordPassage(), appPasswordPassage(), refundPassage()})

	require.False(t, res.Handoff)
	require.Len(t, res.Citations, 2, "the refund passage does not answer: %s", res.Text)
	require.Equal(t, "account/password.md", res.Citations[0].Document)
	require.Equal(t, "[1]", res.Citations[0].Marker)
	require.Equal(t, "mobile/sign-in.md", res.Citations[1].Document)
	require.Equal(t, "[2]", res.Citations[1].Marker)
	require.Contains(t, res.Text, "open Settings → Account and click Reset password. [1]")
	steps := []string{
		"1. Open the app and tap Sign in. [2]",
		"2. Tap Forgot password. [2]",
		"3. Enter the code we email you and choose a new password. [2]",
	}
	at := strings.Index(res.Text, "[1]")
	for _, s := range steps {
		i := strings.Index(res.Text, s)
		require.Greater(t, i, at, "%q comes after what precedes it in:\n%s", s, res.Text)
		at = i
	}
	requireMarkersValid(t, res)
}

// A passage that only shares a word with the question is not quoted
// beside the one that answers it.
func TestAnswerDoesNotQuoteAPassageThatOnlySharesAWord(t *testing.T) {
	t.Parallel()
	res := New(Params{}).Answer("Can gift cards be refunded?", []core.Passage{refundPassage(), paymentPassage()})
	require.False(t, res.Handoff)
	require.Len(t, res.Citations, 1, res.Text)
	require.Equal(t, int64(2), res.Citations[0].DocumentID)
}

// One word the knowledge base never mentions, appended to a question the
// passages answer well, lowers confidence but does not turn the answer
// into a handoff.
func TestAnswerSurvivesOneOffTopicWordAppended(t *testing.T) {
	t.Parallel()
	a := New(Params{})
	ps := []core.Passage{passwordPassage(), appPasswordPassage()}
	plain := a.Answer("How do I reset my password in the mobile app?", ps)
	appended := a.Answer("How do I reset my password in the mobile app? pineapple", ps)
	require.False(t, plain.Handoff)
	require.False(t, appended.Handoff, "confidence %.3f", appended.Confidence)
	require.Less(t, appended.Confidence, plain.Confidence)
	require.Equal(t, plain.Text, appended.Text, "the word changes nothing that is quoted")
}
