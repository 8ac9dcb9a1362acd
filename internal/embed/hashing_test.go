package embed

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func newTestHashing(t testing.TB) *Hashing {
	t.Helper()
	h, err := NewHashing(DefaultHashingDimension)
	require.NoError(t, err)
	return h
}

func embedQuery(t testing.TB, h *Hashing, text string) []float32 {
	t.Helper()
	v, err := h.EmbedQuery(context.Background(), text)
	require.NoError(t, err)
	return v
}

func cosine(t testing.TB, h *Hashing, a, b string) float32 {
	t.Helper()
	return dot(embedQuery(t, h, a), embedQuery(t, h, b))
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestNewHashingDimension(t *testing.T) {
	t.Parallel()
	for _, dim := range []int{MinHashingDimension, 384, 512, MaxHashingDimension} {
		h, err := NewHashing(dim)
		require.NoError(t, err)
		require.Equal(t, dim, h.Dimension())
		require.Len(t, embedQuery(t, h, "reset my password"), dim)
	}
	for _, dim := range []int{0, -1, MinHashingDimension - 1, MaxHashingDimension + 1} {
		_, err := NewHashing(dim)
		require.ErrorContains(t, err, "outside [64, 2000]")
	}
}

func TestHashingModelNamesRecipeAndDimension(t *testing.T) {
	t.Parallel()
	require.Equal(t, "hash-v2-384", newTestHashing(t).Model())
	h, err := NewHashing(512)
	require.NoError(t, err)
	require.Equal(t, "hash-v2-512", h.Model())
}

func TestHashingDeterministic(t *testing.T) {
	t.Parallel()
	text := "How do I turn on Wi-Fi calling? Tap Settings › Connections › Wi-Fi Calling."
	a, b := newTestHashing(t), newTestHashing(t)
	docs, err := a.EmbedDocuments(context.Background(), []string{text, text})
	require.NoError(t, err)
	require.Equal(t, docs[0], docs[1])
	require.Equal(t, docs[0], embedQuery(t, b, text), "a fresh instance and EmbedQuery agree")
}

func TestHashingUnitNorm(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	texts := []string{
		"a",
		"password",
		"Straße, Ærø and 東京: ÜBER-groß café",
		strings.Repeat("the battery drains fast when the screen is on. ", 200),
		"",
		"   \n\t ",
		"!!! --- ???",
	}
	docs, err := h.EmbedDocuments(context.Background(), texts)
	require.NoError(t, err)
	require.Len(t, docs, len(texts))
	for i, v := range docs {
		require.Len(t, v, h.Dimension())
		require.InDelta(t, 1, norm(v), 1e-5, "text %d", i)
	}
}

// TestHashingWordlessText pins the documented choice: a text without words
// embeds to one fixed unit vector that matches nothing real.
func TestHashingWordlessText(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	empty := embedQuery(t, h, "")
	require.InDelta(t, 1, norm(empty), 1e-6)
	require.Equal(t, empty, embedQuery(t, h, " \n\t "))
	require.Equal(t, empty, embedQuery(t, h, "-- ... !!"))
	for _, real := range []string{"reset password", "the", "invoice download 2024"} {
		require.Less(t, math.Abs(float64(dot(empty, embedQuery(t, h, real)))), 0.2, real)
	}
}

func TestHashingParaphraseBeatsUnrelated(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	q := "How do I reset my password?"
	para := cosine(t, h, q, "To reset your password, open Settings and tap Reset password.")
	unrelated := cosine(t, h, q, "Download an invoice as a PDF from the billing page.")
	require.Greater(t, para, unrelated+0.2, "paraphrase %.3f, unrelated %.3f", para, unrelated)
}

func TestHashingTypoRobust(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	typo := cosine(t, h, "pasword reset", "password reset")
	other := cosine(t, h, "pasword reset", "invoice download")
	require.Greater(t, typo, other+0.2, "typo %.3f, other %.3f", typo, other)
}

func TestHashingHyphenatedCompound(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	joined := cosine(t, h, "wifi not working", "Wi-Fi is not working")
	other := cosine(t, h, "wifi not working", "Bluetooth is not working")
	require.Greater(t, joined, other, "joined %.3f, other %.3f", joined, other)
}

func TestHashingStopWordsCarryLittle(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	doc := "How can I turn on the GPS? From Settings, tap Location and turn on location services."
	stops := cosine(t, h, "how can I do this with the one of them", doc)
	content := cosine(t, h, "GPS location", doc)
	require.Less(t, stops, float32(0.15), "stop words alone")
	require.Greater(t, content, 3*stops, "content %.3f, stop words %.3f", content, stops)
}

func TestHashingHonoursContext(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.EmbedDocuments(ctx, []string{"a"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = h.EmbedQuery(ctx, "a")
	require.ErrorIs(t, err, context.Canceled)
}

func TestHashingConcurrentUse(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	texts := []string{"reset password", "battery drains fast", "pair Bluetooth headphones", "screen timeout"}
	want, err := h.EmbedDocuments(context.Background(), texts)
	require.NoError(t, err)
	var wg sync.WaitGroup
	got := make([][][]float32, 8)
	for g := range got {
		wg.Go(func() {
			got[g], _ = h.EmbedDocuments(context.Background(), texts)
		})
	}
	wg.Wait()
	for _, g := range got {
		require.Equal(t, want, g)
	}
}

// TestHashingDocumentsInOrder: a batch embedded across cores gives each
// text the vector it gets alone, in the texts' order.
func TestHashingDocumentsInOrder(t *testing.T) {
	t.Parallel()
	h := newTestHashing(t)
	var texts []string
	for i := range 101 {
		texts = append(texts, fmt.Sprintf("reset password %d %s", i, strings.Repeat("battery drains ", i%7)))
	}
	got, err := h.EmbedDocuments(context.Background(), texts)
	require.NoError(t, err)
	require.Len(t, got, len(texts))
	for i, text := range texts {
		require.Equal(t, embedQuery(t, h, text), got[i], "text %d", i)
	}
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	cfg := defaultHashConfig(DefaultHashingDimension)
	toks, _ := tokenize(nil, nil, "The phone's Wi-Fi: don't RESET\nStraße 42 passwords", &cfg)
	var stems []string
	var stops []bool
	for _, tk := range toks {
		stems = append(stems, tk.stem)
		stops = append(stops, tk.stop)
	}
	require.Equal(t, []string{"the", "phone", "wi", "fi", "dont", "reset", "straße", "42", "password"}, stems)
	require.Equal(t, []bool{true, false, false, false, true, false, false, false, false}, stops)
	require.True(t, toks[3].Join)
	require.True(t, toks[4].Break)
	require.InDelta(t, cfg.digitPrior, toks[7].prior, 0)
	require.InDelta(t, cfg.shortPrior, toks[2].prior, 0)
	require.InDelta(t, cfg.stopPrior, toks[0].prior, 0)
	require.InDelta(t, 1, toks[8].prior, 0)

	cfg.stemmer = stemNone
	toks, _ = tokenize(nil, nil, "passwords", &cfg)
	require.Equal(t, "passwords", toks[0].stem)
}

// benchChunk is about 200 tokens of manual-like text.
var benchChunk = strings.Repeat("To turn on Wi-Fi calling, open Settings and tap Connections. "+
	"Make calls over Wi-Fi when your mobile network signal is weak; your carrier may charge for it. "+
	"If the battery drains quickly, check which apps use the most power in Device care. ", 4)

func BenchmarkHashingEmbed(b *testing.B) {
	h := newTestHashing(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchChunk)))
	for b.Loop() {
		if _, err := h.EmbedQuery(ctx, benchChunk); err != nil {
			b.Fatal(err)
		}
	}
}
