package fakellm_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
)

func TestAnswer(t *testing.T) {
	t.Parallel()
	user := func(s string) []fakellm.Message { return []fakellm.Message{{Role: "user", Content: s}} }
	tests := []struct {
		name     string
		messages []fakellm.Message
		want     string
	}{
		{"best overlap wins and is cited", user(refundPrompt), refundAnswer},
		{"one-sentence passage", user(question("When do orders ship?",
			passage("P1", "Ship", "Orders ship within 2 business days"))), "Orders ship within 2 business days [P1]"},
		{"tie goes to the lowest id, numerically", user(question("reset link",
			passage("P10", "A", "The reset link expires."), passage("P2", "B", "A reset link is sent. Check spam."))),
			"A reset link is sent. Check spam. [P2]"},
		{"title words do not count", user(question("refund policy?",
			passage("P1", "Refund Policy", "Money back in 14 days."))), "I don't know."},
		{"case and punctuation are ignored", user(question("PASSWORD?!", password)),
			"To reset your password, open Settings and choose Security. A reset link is emailed to you. [P3]"},
		{"no overlap", user(question("Warranty coverage duration?", refunds, shipping)), "I don't know."},
		{"no passages", user("<question>How are annual plans refunded?</question>"), "I don't know."},
		{"condense prompt answers the follow-up", user(
			"Rewrite the follow-up as a standalone question.\n\nChat history:\nUser: How do refunds work?\n" +
				"Assistant: Refunds take 14 days. [P1]\n\nFollow-up:   and for annual plans?  \n"),
			"and for annual plans?"},
		{"last follow-up marker wins", user("Follow-up: first\nFollow-up: second"), "second"},
		{"no tag echoes the last line", user("hello\nlast line here  \n\n"), "last line here"},
		{"only the last user message counts", []fakellm.Message{
			{Role: "system", Content: "<question>ignored</question>"},
			{Role: "user", Content: "old\nFollow-up: stale"},
			{Role: "assistant", Content: "Follow-up: not me"},
			{Role: "user", Content: refundPrompt},
		}, refundAnswer},
		{"fault markers are ignored", user(refundPrompt + " [[fault:500]]"), refundAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, fakellm.Answer(tt.messages))
		})
	}
}
