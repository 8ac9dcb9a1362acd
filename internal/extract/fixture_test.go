package extract

import "supportd/internal/core"

// Help-centre passages about billing, with the scores a retriever would
// give them for an on-topic billing question.
func cancelPassage() core.Passage {
	return core.Passage{
		ChunkID: 11, DocumentID: 1, SourceURI: "https://help.example.com/billing/cancel",
		Title: "Cancel your subscription",
		Text: "You can cancel your subscription at any time.\n" +
			"To cancel your subscription:\n" +
			"1. Open Settings → Billing.\n" +
			"2. Click Cancel plan.\n" +
			"3. Confirm by clicking Yes.\n" +
			"Your plan stays active until the end of the billing period.",
		Score: 0.032, VectorRank: 1, TextRank: 1, Similarity: 0.66, BM25: 9.5,
	}
}

func refundPassage() core.Passage {
	return core.Passage{
		ChunkID: 21, DocumentID: 2, SourceURI: "https://help.example.com/billing/refunds",
		Title: "Refunds",
		Text: "Refunds are issued to the original payment method within 5 business days. " +
			"Annual plans are refunded pro rata, e.g. 6 of 12 months unused returns 50%. " +
			"We cannot refund gift cards.",
		Score: 0.030, VectorRank: 2, TextRank: 2, Similarity: 0.52, BM25: 6.1,
	}
}

func paymentPassage() core.Passage {
	return core.Passage{
		ChunkID: 31, DocumentID: 3, SourceURI: "https://help.example.com/billing/payment-method",
		Title: "Update your payment method",
		Text: "To change your card, go to Settings → Billing → Payment method and click Edit. " +
			"We accept Visa, Mastercard and American Express. " +
			"Prices changed on 1 March 2022 for new customers.",
		Score: 0.028, VectorRank: 3, TextRank: 3, Similarity: 0.41, BM25: 3.2,
	}
}

// invoicePassage is a second chunk of the payment-method document.
func invoicePassage() core.Passage {
	return core.Passage{
		ChunkID: 32, DocumentID: 3, SourceURI: "https://help.example.com/billing/payment-method",
		Title: "Update your payment method", Heading: "Invoices",
		Text:  "Download past invoices as PDF files from Settings → Billing → Invoices.",
		Score: 0.027, VectorRank: 4, TextRank: 2, Similarity: 0.45, BM25: 5.0,
	}
}

// offTopic gives passages the weak scores retrieval returns for a question
// the knowledge base does not cover: a low cosine and no or one lexical hit.
func offTopic(ps ...core.Passage) []core.Passage {
	for i := range ps {
		ps[i].Similarity = 0.12 - 0.02*float64(i)
		ps[i].VectorRank = i + 1
		ps[i].TextRank, ps[i].BM25 = 0, 0
	}
	return ps
}
