package text

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	toks := Tokenize(nil, "The phone's Wi-Fi: don’t RESET\nStraße 42 ＡＢＣ请求书が届くabc")
	var words []string
	var brks, joins, spaceless []bool
	for _, tk := range toks {
		words = append(words, tk.Word)
		brks = append(brks, tk.Break)
		joins = append(joins, tk.Join)
		spaceless = append(spaceless, tk.Spaceless)
	}
	require.Equal(t, []string{"the", "phones", "wi", "fi", "dont", "reset", "straße", "42", "ａｂｃ", "请求书が届く", "abc"}, words)
	require.Equal(t, []bool{false, false, false, false, true, false, true, false, false, false, false}, brks)
	require.Equal(t, []bool{false, false, false, true, false, false, false, false, false, false, false}, joins)
	require.Equal(t, []bool{false, false, false, false, false, false, false, false, false, true, false}, spaceless)
}

func TestTokenizeEdges(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"":                     nil,
		"  ...  ":              nil,
		"'quoted' rock'n'roll": {"quoted", "rocknroll"},
		"x-1 -ray well-":       {"x", "1", "ray", "well"},
		"café CRÈME naïve":     {"café", "crème", "naïve"},
		"e\u0301t\u00e9":       {"e\u0301t\u00e9"},
		"1.5 v2.3.1 HDR10+":    {"1", "5", "v2", "3", "1", "hdr10"},
		"請求書。設定":               {"請求書", "設定"},
	} {
		require.Equal(t, want, Words(in), "%q", in)
	}
	toks := Tokenize(nil, "請求書。設定")
	require.True(t, toks[1].Break, "a CJK full stop is a boundary")
	toks = Tokenize(nil, "x-1")
	require.False(t, toks[1].Join, "a hyphen before a digit does not join")
}

func TestTokenizeAppends(t *testing.T) {
	t.Parallel()
	dst := Tokenize(nil, "one")
	dst = Tokenize(dst, "two three")
	require.Len(t, dst, 3)
	require.Equal(t, "three", dst[2].Word)
}

func TestStem(t *testing.T) {
	t.Parallel()
	for _, group := range [][]string{
		{"setting", "set"},
		{"charging", "charged"},
		{"updates", "update"},
		{"battery", "batteries"},
		{"stop", "stopped", "stopping"},
		{"refund", "refunds", "refunded", "refunding"},
		{"connection", "connections"},
		{"connect", "connected", "connecting"},
		{"password", "passwords"},
	} {
		for _, w := range group[1:] {
			require.Equal(t, Stem(group[0]), Stem(w), "%s vs %s", group[0], w)
		}
	}
	for in, want := range map[string]string{
		"access": "access", "installing": "install", "batteries": "battery", "addresses": "address",
		"running": "run", "charging": "charg", "settings": "setting", "generously": "generously", "status": "status",
		"class": "class", "gps": "gps", "the": "the", "it": "it", "gas": "gas",
		"mp3s": "mp3s", "straße": "straße", "Settings": "Settings", "1045": "1045",
	} {
		require.Equal(t, want, Stem(in), in)
	}
}

func TestIsStopWord(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"the", "how", "dont", "please", "possible", "way", "thanks", "okay", "help", "use", "using"} {
		require.True(t, IsStopWord(w), w)
	}
	for _, w := range []string{"", "refund", "battery", "wifi", "user", "The", "don't"} {
		require.False(t, IsStopWord(w), w)
	}
}

func TestTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"How do I cancel my subscription?", []string{"cancel", "subscription"}},
		{"Refunds were refunded; refunding!", []string{"refund", "refund", "refund"}},
		{"Settings → Billing", []string{"setting", "bill"}},
		{"What's the weather in Paris tomorrow?", []string{"weather", "paris", "tomorrow"}},
		{"Version 2.3.1 of HDR10+, a b 7", []string{"version", "2", "3", "1", "hdr10", "7"}},
		{"Café CRÈME", []string{"café", "crème"}},
		{"請求書 abc", []string{"請", "求", "書", "abc"}},
		{"", nil},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Terms(tt.in), tt.in)
	}
}

func TestTermsBoundsLongWords(t *testing.T) {
	t.Parallel()
	terms := Terms(strings.Repeat("é", 10000))
	require.Len(t, terms, 1)
	require.Equal(t, MaxTermRunes, utf8.RuneCountInString(terms[0]))
}

func TestSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"Open Settings. Click Billing.", []string{"Open Settings.", "Click Billing."}},
		{"Really?! Yes. (Quite.) \"Done.\" Next", []string{"Really?!", "Yes.", "(Quite.)", "\"Done.\"", "Next"}},
		{"Costs 1.5 dollars in v2.3.1 at example.com. Then stop.", []string{"Costs 1.5 dollars in v2.3.1 at example.com.", "Then stop."}},
		{"See e.g. the manual. Ask Dr. Smith or J. Doe. Fine.", []string{"See e.g. the manual.", "Ask Dr. Smith or J. Doe.", "Fine."}},
		{"See no. 5 of it. No. It ends.", []string{"See no. 5 of it.", "No.", "It ends."}},
		{"lower. case stays", []string{"lower. case stays"}},
		{"請求書を開く。設定を確認！", []string{"請求書を開く。", "設定を確認！"}},
		{"Wait… Then go.", []string{"Wait…", "Then go."}},
		{"   ", nil},
		{"", nil},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Sentences(tt.in), "%q", tt.in)
	}
}

func FuzzText(f *testing.F) {
	f.Add("The phone's Wi-Fi: don't RESET\nStraße 42. Dr. Who? 請求書。設定")
	f.Add("'-'—’\u0301ー…。 e.g. U.S. 1.5")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		lower := strings.ToLower(s)
		for _, tk := range Tokenize(nil, s) {
			require.NotEmpty(t, tk.Word)
			require.True(t, strings.Contains(lower, tk.Word) || strings.ContainsAny(lower, "'’"), "%q not in text", tk.Word)
		}
		for _, term := range Terms(s) {
			require.NotEmpty(t, term)
			require.LessOrEqual(t, utf8.RuneCountInString(term), MaxTermRunes)
		}
		var joined strings.Builder
		for _, sent := range Sentences(s) {
			require.Equal(t, strings.TrimSpace(sent), sent)
			require.NotEmpty(t, sent)
			joined.WriteString(sent)
		}
		require.Equal(t, strings.Join(strings.Fields(s), ""), strings.Join(strings.Fields(joined.String()), ""),
			"sentences keep every non-space character in order")
	})
}
