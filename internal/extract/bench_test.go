package extract

import (
	"fmt"
	"strings"
	"testing"

	"supportd/internal/core"
)

// benchPassage builds a help article of about 300 tokens.
func benchPassage(doc int64, topic string) core.Passage {
	var b strings.Builder
	fmt.Fprintf(&b, "You can manage your %s from the Billing page at any time.\n", topic)
	fmt.Fprintf(&b, "To change your %s:\n1. Open Settings → Billing.\n2. Click %s.\n3. Confirm with Save.\n", topic, topic)
	for i := range 12 {
		fmt.Fprintf(&b, "Note %d: changes to the %s apply from the next invoice, e.g. on day %d.5 of the cycle. ", i, topic, i)
	}
	b.WriteString("\n- Visa, Mastercard and American Express are accepted.\n- Invoices are emailed monthly.\n")
	return core.Passage{
		DocumentID: doc, SourceURI: fmt.Sprintf("https://help.example.com/%d", doc), Title: "Manage your " + topic,
		Text: b.String(), Similarity: 0.6, BM25: 8, VectorRank: int(doc), TextRank: int(doc),
	}
}

func BenchmarkAnswer(b *testing.B) {
	passages := []core.Passage{
		benchPassage(1, "payment method"), benchPassage(2, "billing address"), benchPassage(3, "subscription plan"),
	}
	a := New(Params{})
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Answer("How do I change my payment method to American Express?", passages)
	}
}
