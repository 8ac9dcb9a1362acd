package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"supportd/internal/core"
)

// addFileSeed adds a testdata file to f's corpus.
func addFileSeed(f *testing.F, name string) {
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(f, err)
	f.Add(data)
}

// hangLimit is how long one fuzz input may run before it counts as a hang.
// The fuzzer has no per-input timeout of its own.
const hangLimit = 10 * time.Second

// watchdog crashes the process, which makes the fuzzer save the input, if
// the returned stop function is not called within hangLimit.
func watchdog(input any) (stop func() bool) {
	return time.AfterFunc(hangLimit, func() { panic(fmt.Sprintf("input ran over %v: %q", hangLimit, input)) }).Stop
}

// fuzzLoad loads data as name and checks Load's contract: a CodeInvalid
// error naming the file, or a normalised document that chunks within the
// chunker's invariants.
func fuzzLoad(t *testing.T, c *Chunker, name string, data []byte) {
	defer watchdog(data)()
	doc, err := Load(name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		var se *core.Error
		require.ErrorAs(t, err, &se)
		require.Equal(t, core.CodeInvalid, se.Code, "%v", err)
		require.True(t, strings.HasPrefix(se.Message, `"`+name+`": `), se.Message)
		return
	}
	requireNormalized(t, doc)
	requireInvariants(t, c, c.Split(doc))
}

// requireNormalized checks the promises Load makes about a Document.
func requireNormalized(t *testing.T, doc Document) {
	t.Helper()
	text := doc.Text
	require.True(t, utf8.ValidString(text))
	require.True(t, norm.NFC.IsNormalString(text))
	require.GreaterOrEqual(t, strings.IndexFunc(text, isWordRune), 0)
	require.NotContains(t, text, "\r")
	require.NotContains(t, text, "\n\n\n")
	require.Equal(t, strings.Trim(text, "\n"), text)
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		require.Equal(t, strings.TrimRightFunc(line, unicode.IsSpace), line)
	}
	require.Equal(t, -1, strings.IndexFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }))
	require.Equal(t, wantHash(doc.Title, text, doc.Metadata), doc.ContentHash)
	require.NotEmpty(t, doc.Title)
	require.True(t, utf8.ValidString(doc.Title))
	require.LessOrEqual(t, utf8.RuneCountInString(doc.Title), maxTitleRunes+1)
	require.NotContains(t, doc.Title, "\n")
	_, err := json.Marshal(doc.Metadata)
	require.NoError(t, err)
}

func FuzzLoadMarkdown(f *testing.F) {
	addFileSeed(f, "refunds.md")
	for _, s := range []string{
		"", "# T\n\nbody", "---\ntitle: x\n---\n", "---\na: &a [*a]\n---\nx", "---\n? [a]\n: b\n---\nx",
		"```\n# x\n", "~~~~\n```\n~~~\n# h\ntext", "#\n##\n#######\n", "\uFEFFa\r\n\r\n\r\nb\x00", "cafe\u0301",
	} {
		f.Add([]byte(s))
	}
	c := newChunker(f, 64, 16) // loads the encoding before the watchdog runs
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, c, "f.md", data) })
}

func FuzzLoadHTML(f *testing.F) {
	addFileSeed(f, "refunds.html")
	for _, s := range []string{
		"", "<p>x</p>", "<title>T</title><h1>H</h1>", "<table><tr><td>a<td>b</table>", "<ul><li><ol><li>x",
		"<pre><code>a\n\n\nb</code></pre>", "<svg><title>t</title></svg>", "<h2><a href='#x'>A</a></h2>text",
		strings.Repeat("<div>", 500) + "deep",
	} {
		f.Add([]byte(s))
	}
	c := newChunker(f, 64, 16) // loads the encoding before the watchdog runs
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, c, "f.html", data) })
}

func FuzzLoadCSV(f *testing.F) {
	addFileSeed(f, "faq.csv")
	for _, s := range []string{
		"", "question,answer\n", "question,answer\nq,a\n", "Answer,Question\n\"a\nb\",\"q\"\"\"\n",
		"question,answer\nq,\"```\n# x\"\n", "question,answer\nq,a,b\n", "question\nq\n",
	} {
		f.Add([]byte(s))
	}
	c := newChunker(f, 64, 16) // loads the encoding before the watchdog runs
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, c, "f.csv", data) })
}

func FuzzLoadPDF(f *testing.F) {
	addFileSeed(f, "guide.pdf")
	valid := buildPDF("Title", "Hello world.\nSecond line.", "Page two.")
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("%PDF-1.4\n"))
	f.Add(pdfObjects([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}, ""))
	c := newChunker(f, 64, 16) // loads the encoding before the watchdog runs
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, c, "f.pdf", data) })
}

// FuzzChunk splits arbitrary text with arbitrary parameters: chunks must
// keep the invariants, be deterministic, and between them hold every
// non-space character of the section bodies, in order.
func FuzzChunk(f *testing.F) {
	f.Add("# T\n\nIntro.\n\n## A\n\nOne. Two. Three.\n\n- x\n- y", "T", uint16(0), uint16(0))
	f.Add(strings.Repeat("word ", 300), "", uint16(2), uint16(1))
	f.Add(strings.Repeat("x", 2000), "", uint16(0), uint16(7))
	f.Add("```\n# a\n\n\nb\n```\n# H #\ntext\r\nmore\x00\xff", "H", uint16(40), uint16(39))
	f.Add(benchDocument(3000), "Bench", uint16(100), uint16(20))
	newChunker(f, 0, 0) // loads the encoding before the watchdog runs
	f.Fuzz(func(t *testing.T, text, title string, size, overlap uint16) {
		defer watchdog(text)()
		s := MinChunkSize + int(size)%300
		o := 1 + int(overlap)%(s-1)
		c := newChunker(t, s, o)
		doc := Document{Title: title, Text: text}
		chunks := c.Split(doc)
		requireInvariants(t, c, chunks)
		require.Equal(t, chunks, c.Split(doc))
		requireCovers(t, strings.ToValidUTF8(text, "\uFFFD"), title, chunks)
	})
}

// requireCovers checks that the section bodies' non-space characters appear,
// in order, within the chunks' (which may repeat some as overlap).
func requireCovers(t *testing.T, text, title string, chunks []Chunk) {
	t.Helper()
	var body, got strings.Builder
	for _, sec := range sections(text, title) {
		for _, b := range sec.blocks {
			body.WriteString(stripSpace(b))
		}
	}
	for _, ch := range chunks {
		got.WriteString(stripSpace(ch.Text))
	}
	want, have := []rune(body.String()), got.String()
	i := 0
	for _, r := range have {
		if i < len(want) && r == want[i] {
			i++
		}
	}
	require.Equal(t, len(want), i, "content lost after %q", string(want[:i]))
}

// stripSpace removes all white space from s.
func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
