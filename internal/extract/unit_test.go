package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitUnits(t *testing.T) {
	t.Parallel()
	prose := func(s ...string) []unit {
		out := make([]unit, len(s))
		for i, x := range s {
			out[i] = unit{text: x, kind: kindProse, list: -1}
		}
		return out
	}
	tests := []struct {
		name string
		in   string
		want []unit
	}{
		{"two sentences", "Open Settings. Click Billing.", prose("Open Settings.", "Click Billing.")},
		{"abbreviation", "Use a card, e.g. Visa or Mastercard. Then click Save.",
			prose("Use a card, e.g. Visa or Mastercard.", "Then click Save.")},
		{"abbreviation before capital", "Ask Dr. Smith. Visit example.com. Then go.",
			prose("Ask Dr. Smith.", "Visit example.com.", "Then go.")},
		{"number abbreviation", "See No. 5 in the list. It explains fees.",
			prose("See No. 5 in the list.", "It explains fees.")},
		{"decimal", "The fee is 1.5 percent. It applies monthly.", prose("The fee is 1.5 percent.", "It applies monthly.")},
		{"version", "Upgrade to v2.3.1 first. Version 10.4 is unsupported.",
			prose("Upgrade to v2.3.1 first.", "Version 10.4 is unsupported.")},
		{"lower case after period", "Prices are in U.S. dollars. Taxes vary.", prose("Prices are in U.S. dollars.", "Taxes vary.")},
		{"menu path arrows", "Open Settings → Billing → Plan. Click Cancel.", prose("Open Settings → Billing → Plan.", "Click Cancel.")},
		{"menu path angle", "Go to Settings > Billing. Click Cancel.", prose("Go to Settings > Billing.", "Click Cancel.")},
		{"quotes and marks", "Really?! Yes. \"Quoted.\" Next one.", prose("Really?!", "Yes.", "\"Quoted.\"", "Next one.")},
		{"soft wrap", "This is a long line of prose that wraps across\nlines in the source file. Second sentence.",
			prose("This is a long line of prose that wraps across lines in the source file.", "Second sentence.")},
		{"cjk", "設定を開きます。請求をクリックします。", prose("設定を開きます。", "請求をクリックします。")},
		{"numbered steps", "To cancel your plan:\n1. Open Settings.\n2) Click Cancel plan.\n\n3. Confirm.\n1. Another list.", []unit{
			{text: "To cancel your plan:", kind: kindProse, list: -1},
			{text: "1. Open Settings.", kind: kindStep, list: 0},
			{text: "2) Click Cancel plan.", kind: kindStep, list: 0},
			{text: "3. Confirm.", kind: kindStep, list: 0},
			{text: "1. Another list.", kind: kindStep, list: 1},
		}},
		{"bullets stay whole", "Plans:\n- Monthly. Billed each month.\n* Annual, e.g. for teams\n  with more seats", []unit{
			{text: "Plans:", kind: kindHeading, list: -1},
			{text: "- Monthly. Billed each month.", kind: kindItem, list: -1},
			{text: "* Annual, e.g. for teams with more seats", kind: kindItem, list: -1},
		}},
		{"error line", "If you see this:\nERROR 1045 (28000): Access denied. Check it.\nThen retry.", []unit{
			{text: "If you see this:", kind: kindProse, list: -1},
			{text: "ERROR 1045 (28000): Access denied. Check it.", kind: kindCode, list: -1},
			{text: "Then retry.", kind: kindProse, list: -1},
		}},
		{"exception and log lines", "TypeError: x.y is not a function. Really.\n2024-05-01 12:00:01 WARN disk 91% full. Act.", []unit{
			{text: "TypeError: x.y is not a function. Really.\n2024-05-01 12:00:01 WARN disk 91% full. Act.", kind: kindCode, list: -1},
		}},
		{"fenced code", "Run:\n```sh\nfoo.bar(1). Baz.\n```\nAfter code.", []unit{
			{text: "Run:", kind: kindHeading, list: -1},
			{text: "```sh\nfoo.bar(1). Baz.\n```", kind: kindCode, list: -1},
			{text: "After code.", kind: kindProse, list: -1},
		}},
		{"unclosed fence", "```\nx := 1", []unit{{text: "```\nx := 1\n```", kind: kindCode, list: -1}}},
		{"indented code", "Example:\n    curl -X POST https://api.example.com/v1/refunds\n    -d amount=5", []unit{
			{text: "Example:", kind: kindHeading, list: -1},
			{text: "curl -X POST https://api.example.com/v1/refunds\n-d amount=5", kind: kindCode, list: -1},
		}},
		{"headings", "# Billing\nWireless PowerShare\nCharge your buds.", []unit{
			{text: "Billing", kind: kindHeading, list: -1},
			{text: "Wireless PowerShare", kind: kindHeading, list: -1},
			{text: "Charge your buds.", kind: kindProse, list: -1},
		}},
		{"empty", " \n\n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, splitUnits(tt.in))
		})
	}
}

func TestIsLeadIn(t *testing.T) {
	t.Parallel()
	require.True(t, isLeadIn("From Settings, tap Lock screen for the following options:"))
	require.True(t, isLeadIn("From Camera, tap Settings for the following options: Useful features"))
	require.False(t, isLeadIn("Roaming clock: Change to digital clocks when roaming."))
	require.False(t, isLeadIn("Open Settings."))
}
