package ingest

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// newChunker builds a Chunker or fails the test.
func newChunker(t testing.TB, size, overlap int) *Chunker {
	t.Helper()
	c, err := NewChunker(ChunkerParams{Size: size, Overlap: overlap})
	require.NoError(t, err)
	return c
}

// requireInvariants checks what every Split result must satisfy: dense
// ordinals, non-empty text within size whose Tokens is exact, no heading
// lines outside code.
func requireInvariants(t testing.TB, c *Chunker, chunks []Chunk) {
	t.Helper()
	for i, ch := range chunks {
		require.Equal(t, i, ch.Ordinal)
		require.NotEmpty(t, strings.TrimSpace(ch.Text), "chunk %d", i)
		require.Equal(t, c.CountTokens(ch.Text), ch.Tokens, "chunk %d", i)
		require.LessOrEqual(t, ch.Tokens, c.size, "chunk %d: %q", i, ch.Text)
	}
}

func TestNewChunker(t *testing.T) {
	t.Parallel()
	c, err := NewChunker(ChunkerParams{})
	require.NoError(t, err)
	require.Equal(t, [2]int{300, 50}, [2]int{c.size, c.overlap})
	c, err = NewChunker(ChunkerParams{Size: 100})
	require.NoError(t, err)
	require.Equal(t, [2]int{100, 50}, [2]int{c.size, c.overlap})
	c, err = NewChunker(ChunkerParams{Size: 8, Overlap: 7})
	require.NoError(t, err)
	require.Equal(t, [2]int{8, 7}, [2]int{c.size, c.overlap})

	tests := []struct {
		name    string
		p       ChunkerParams
		wantMsg string
	}{
		{"size below minimum", ChunkerParams{Size: 7, Overlap: 1}, "chunk size 7 is below the minimum of 8 tokens"},
		{"negative size", ChunkerParams{Size: -1, Overlap: 1}, "chunk size -1 is below the minimum of 8 tokens"},
		{"overlap equals size", ChunkerParams{Size: 100, Overlap: 100}, "chunk overlap 100 must be at least 0 and less than chunk size 100"},
		{"default overlap exceeds small size", ChunkerParams{Size: 40}, "chunk overlap 50 must be at least 0 and less than chunk size 40"},
		{"negative overlap", ChunkerParams{Size: 100, Overlap: -5}, "chunk overlap -5 must be at least 0 and less than chunk size 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewChunker(tt.p)
			require.Nil(t, c)
			requireCode(t, err, core.CodeInvalid, tt.wantMsg)
		})
	}
}

func TestCountTokens(t *testing.T) {
	t.Parallel()
	c := newChunker(t, 0, 0)
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello world", 2},
		{"eleven", 2},
		{" eleven", 1},
		{"<|endoftext|>", 7}, // special tokens count as plain text
		{"café 日本語", 6},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, c.CountTokens(tt.in), "%q", tt.in)
	}
}

func TestSplitHeadings(t *testing.T) {
	t.Parallel()
	text := "Preamble before any heading.\n\n" +
		"# Billing\n\nOverview.\n\n" +
		"## Refunds\n\n" + // no body: no chunk of its own
		"### [Annual](/annual) **plans**\n\nPro rata.\n\n" +
		"```\n# comment, not a heading\n\ncode\n```\n\n" +
		"### Monthly plans ###\n\nFull refund.\n\n" +
		"## Invoices\n\nSent monthly.\n\n" +
		"# Account\n\n#### Deep\n\nSkipped levels are fine.\n\n#\n\nUnder an empty heading."
	c := newChunker(t, 0, 0)
	tests := []struct {
		name, title string
		want        []Chunk
	}{
		{
			name: "title heading after body text is a section", title: "Guide",
			want: []Chunk{
				{Heading: "", Text: "Preamble before any heading."},
				{Heading: "Billing", Text: "Overview."},
				{Heading: "Billing > Refunds > Annual plans", Text: "Pro rata.\n\n```\n# comment, not a heading\n\ncode\n```"},
				{Heading: "Billing > Refunds > Monthly plans", Text: "Full refund."},
				{Heading: "Billing > Invoices", Text: "Sent monthly."},
				{Heading: "Account > Deep", Text: "Skipped levels are fine."},
				{Heading: "", Text: "Under an empty heading."},
			},
		},
		{
			name: "heading equal to the title is left out", title: "Billing",
			want: []Chunk{
				{Heading: "", Text: "Preamble before any heading."},
				{Heading: "", Text: "Overview."},
				{Heading: "Refunds > Annual plans", Text: "Pro rata.\n\n```\n# comment, not a heading\n\ncode\n```"},
				{Heading: "Refunds > Monthly plans", Text: "Full refund."},
				{Heading: "Invoices", Text: "Sent monthly."},
				{Heading: "Account > Deep", Text: "Skipped levels are fine."},
				{Heading: "", Text: "Under an empty heading."},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := c.Split(Document{Title: tt.title, Text: text})
			requireInvariants(t, c, got)
			for i := range tt.want {
				tt.want[i].Ordinal = i
				tt.want[i].Tokens = c.CountTokens(tt.want[i].Text)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSplitLeadingTitleHeading(t *testing.T) {
	t.Parallel()
	c := newChunker(t, 0, 0)
	// A first-line # heading is the title even when the title came from
	// elsewhere (front matter, <title>).
	got := c.Split(Document{Title: "Refunds | Acme", Text: "# Refunds\n\nIntro.\n\n## How to ask\n\nEmail us."})
	require.Equal(t, []Chunk{
		{Ordinal: 0, Heading: "", Text: "Intro.", Tokens: 2},
		{Ordinal: 1, Heading: "How to ask", Text: "Email us.", Tokens: 3},
	}, got)
}

func TestSplitFAQKeepsPairsTogether(t *testing.T) {
	t.Parallel()
	c := newChunker(t, 0, 0)
	for _, file := range []string{"faq.csv", "faq.json"} {
		data, err := os.ReadFile("testdata/" + file)
		require.NoError(t, err)
		doc, err := loadString(file, string(data))
		require.NoError(t, err)
		got := c.Split(doc)
		requireInvariants(t, c, got)
		want := []Chunk{
			{Ordinal: 0, Heading: "How do I reset my password?", Text: `Click "Forgot password" on the login page.`},
			{Ordinal: 1, Heading: "Can I get a refund?", Text: "Yes, within 30 days."},
		}
		if file == "faq.csv" {
			want[1].Text += "\n\n\\# Annual plans are pro rata."
		}
		for i := range want {
			want[i].Tokens = c.CountTokens(want[i].Text)
		}
		require.Equal(t, want, got, file)
	}
}

func TestSplitPacksWithOverlap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		size, overlap int
		title, text   string
		want          []Chunk
	}{
		{
			name: "paragraphs packed, overlap cut at a sentence", size: 24, overlap: 8, title: "Router guide",
			text: "# Router guide\n\nIntro paragraph here.\n\n## Setup\n\n" +
				"Plug in the router. Wait for the green light. Open the app on your phone. Follow the steps shown.\n\n" +
				"If the light stays red, call support. They answer around the clock.\n\n### Wi-Fi\n\nThe network name is on the sticker.",
			want: []Chunk{
				{Heading: "", Text: "Intro paragraph here."},
				{Heading: "Setup", Text: "Plug in the router. Wait for the green light. Open the app on your phone. Follow the steps shown."},
				{Heading: "Setup", Text: "Follow the steps shown.\n\nIf the light stays red, call support. They answer around the clock."},
				{Heading: "Setup > Wi-Fi", Text: "The network name is on the sticker."},
			},
		},
		{
			name: "long sentence split by words, list by lines, no overlap across sections", size: 10, overlap: 3, title: "T",
			text: "## Long\n\none two three four five six seven eight nine ten eleven twelve thirteen fourteen\n\n" +
				"- item one\n- item two\n- item three\n\n## Next\n\nShort.",
			want: []Chunk{
				{Heading: "Long", Text: "one two three four five six seven eight nine ten"},
				{Heading: "Long", Text: "eight nine ten eleven twelve thirteen fourteen"},
				{Heading: "Long", Text: "thirteen fourteen\n\n- item one"},
				{Heading: "Long", Text: "- item one\n- item two"},
				{Heading: "Long", Text: "- item two\n- item three"},
				{Heading: "Next", Text: "Short."},
			},
		},
		{
			name: "word longer than a chunk split by bytes", size: 8, overlap: 2, title: "T",
			text: strings.Repeat("ab", 40),
			// 6-byte fragments (Size-Overlap); each later chunk repeats 2
			// tokens ("abab") and adds two fragments.
			want: slices.Concat(
				[]Chunk{{Text: strings.Repeat("ab", 6)}},
				slices.Repeat([]Chunk{{Text: strings.Repeat("ab", 8)}}, 5),
				[]Chunk{{Text: strings.Repeat("ab", 6)}}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newChunker(t, tt.size, tt.overlap)
			got := c.Split(Document{Title: tt.title, Text: tt.text})
			requireInvariants(t, c, got)
			for i := range tt.want {
				tt.want[i].Ordinal = i
				tt.want[i].Tokens = c.CountTokens(tt.want[i].Text)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestSplitOverlapOnLongDocument checks on a realistic document that every
// chunk after a section's first starts with a suffix of the chunk before it,
// at most Overlap tokens long.
func TestSplitOverlapOnLongDocument(t *testing.T) {
	t.Parallel()
	c := newChunker(t, 60, 15)
	doc, err := loadString("bench.md", benchDocument(8000))
	require.NoError(t, err)
	chunks := c.Split(doc)
	requireInvariants(t, c, chunks)
	require.Greater(t, len(chunks), 20)
	pairs := 0
	for i := 1; i < len(chunks); i++ {
		prev, cur := chunks[i-1], chunks[i]
		if prev.Heading != cur.Heading {
			continue
		}
		pairs++
		overlap := sharedOverlap(prev.Text, cur.Text)
		require.NotEmpty(t, overlap, "chunks %d and %d share no overlap:\n%q\n%q", i-1, i, prev.Text, cur.Text)
		require.LessOrEqual(t, c.CountTokens(overlap), 15)
	}
	require.GreaterOrEqual(t, pairs, 10)
}

// sharedOverlap returns the longest suffix of prev that starts cur.
func sharedOverlap(prev, cur string) string {
	for i := range len(prev) {
		if strings.HasPrefix(cur, prev[i:]) {
			return prev[i:]
		}
	}
	return ""
}

func TestSplitDeterministic(t *testing.T) {
	t.Parallel()
	doc, err := loadString("bench.md", benchDocument(20000))
	require.NoError(t, err)
	first := newChunker(t, 0, 0).Split(doc)
	for range 3 {
		require.Equal(t, first, newChunker(t, 0, 0).Split(doc))
	}
}

func TestSplitNothingToChunk(t *testing.T) {
	t.Parallel()
	c := newChunker(t, 0, 0)
	for _, text := range []string{"", "\n\n  \n", "# Title", "# A\n## B\n### C\n", "```\n```", "# A\n\n---\n\n* * *\n\n| |\n|-|"} {
		require.Empty(t, c.Split(Document{Title: "A", Text: text}), "%q", text)
	}
}

func TestSplitToleratesRawText(t *testing.T) {
	t.Parallel()
	c := newChunker(t, 16, 4)
	got := c.Split(Document{Text: "a\r\n\r\nb\xff\xfe c\x00d"})
	requireInvariants(t, c, got)
	want := "a\n\nb\uFFFD c\x00d"
	require.Equal(t, []Chunk{{Ordinal: 0, Text: want, Tokens: c.CountTokens(want)}}, got)
}

// benchDocument builds a deterministic Markdown document of about n bytes:
// sections and subsections of varied paragraphs, lists and code.
func benchDocument(n int) string {
	words := strings.Fields("the router account billing refund plan light green password reset support " +
		"network cable invoice annual monthly email settings click open wait restart device app phone " +
		"customer order shipping return warranty update firmware signal channel")
	var b strings.Builder
	b.WriteString("# Bench\n\nThis guide covers everything.\n\n")
	seed := uint32(1)
	rnd := func(k int) int { seed = seed*1664525 + 1013904223; return int(seed>>16) % k }
	for s := 0; b.Len() < n; s++ {
		fmt.Fprintf(&b, "## Section %d\n\n", s)
		for p := 0; p < 2+rnd(4) && b.Len() < n; p++ {
			if p == 2 {
				fmt.Fprintf(&b, "### Details %d.%d\n\n", s, p)
			}
			switch rnd(6) {
			case 0:
				for i := 0; i < 3+rnd(4); i++ {
					fmt.Fprintf(&b, "- %s %s %s\n", words[rnd(len(words))], words[rnd(len(words))], words[rnd(len(words))])
				}
			case 1:
				b.WriteString("```\nsupportctl restart --device 42\n```\n")
			default:
				for i := 0; i < 2+rnd(9); i++ {
					for w := 0; w < 4+rnd(14); w++ {
						if w > 0 {
							b.WriteByte(' ')
						}
						b.WriteString(words[rnd(len(words))])
					}
					b.WriteString(". ")
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
	}
	return strings.TrimSpace(b.String())
}

func BenchmarkChunk(b *testing.B) {
	c := newChunker(b, 0, 0)
	doc, err := loadString("bench.md", benchDocument(20<<10))
	require.NoError(b, err)
	b.SetBytes(int64(len(doc.Text)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(c.Split(doc))
	}
	b.ReportMetric(float64(n), "chunks")
}

// A hostile document of one enormous "word" must chunk in linear time. BPE
// costs about the square of the unbroken run it is given, so the test adds
// up len(s)² over every string the tokenizer sees: four times the text must
// cost about four times as much, not sixteen.
func TestSplitLongRunIsLinear(t *testing.T) {
	t.Parallel()
	cost := func(n int) float64 {
		c, err := NewChunker(ChunkerParams{})
		require.NoError(t, err)
		count := c.count
		var mu sync.Mutex
		var sum float64
		c.count = func(s string) int {
			mu.Lock()
			sum += float64(len(s)) * float64(len(s))
			mu.Unlock()
			return count(s)
		}
		kept := 0
		for _, ch := range c.Split(Document{Title: "x", Text: strings.Repeat("a", n)}) {
			require.LessOrEqual(t, ch.Tokens, DefaultChunkSize)
			kept += len(ch.Text)
		}
		require.GreaterOrEqual(t, kept, n, "nothing is lost")
		return sum
	}
	require.Less(t, cost(16<<10)/cost(4<<10), 4.4)
}
