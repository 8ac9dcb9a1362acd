package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// requireCode asserts that err is a *core.Error with code and message.
func requireCode(t *testing.T, err error, code core.Code, msg string) {
	t.Helper()
	var se *core.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, code, se.Code, "error: %v", err)
	require.Equal(t, msg, se.Message)
}

// loadString loads s as a file called name.
func loadString(name, s string) (Document, error) {
	return Load(name, strings.NewReader(s), int64(len(s)))
}

func TestLoadFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file      string
		wantTitle string
		wantText  string
		wantMeta  map[string]any
	}{
		{
			file:      "refunds.md",
			wantTitle: "Refund policy",
			wantText: "# Refunds\n\nWe refund any plan within 30 days.\n\n## Annual plans\n\nAnnual plans are refunded pro rata.\n\n" +
				"```sh\n# not a heading\ncurl -X POST /refunds\n```",
			wantMeta: map[string]any{"format": "markdown", "bytes": 229,
				"title": "Refund policy", "tags": []any{"billing", "refunds"}, "owner": "billing-team"},
		},
		{
			file:      "refunds.html",
			wantTitle: "Refunds | Acme Help",
			wantText: "# Refunds\n\nWe refund any plan within 30 days.\n\n## How to ask\n\n" +
				"1. Open [Settings](/settings).\n2. Choose *Request refund*.\n\n- Monthly plans: full refund\n- Annual plans: pro rata",
			wantMeta: map[string]any{"format": "html", "bytes": 825},
		},
		{
			file:      "router.txt",
			wantTitle: "Resetting your router",
			wantText: "Resetting your router\n\nHold the reset button for 10 seconds.\nThe light turns amber, then green.\n" +
				"Works the same in every caf\u00e9.",
			wantMeta: map[string]any{"format": "text", "bytes": 133},
		},
		{
			file:      "faq.csv",
			wantTitle: "faq",
			wantText: "## How do I reset my password?\n\nClick \"Forgot password\" on the login page.\n\n" +
				"## Can I get a refund?\n\nYes, within 30 days.\n\n\\# Annual plans are pro rata.",
			wantMeta: map[string]any{"format": "faq_csv", "bytes": 194, "entries": 2},
		},
		{
			file:      "faq.json",
			wantTitle: "faq",
			wantText: "## How do I reset my password?\n\nClick \"Forgot password\" on the login page.\n\n" +
				"## Can I get a refund?\n\nYes, within 30 days.",
			wantMeta: map[string]any{"format": "faq_json", "bytes": 190, "entries": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open("testdata/" + tt.file)
			require.NoError(t, err)
			t.Cleanup(func() { _ = f.Close() })
			doc, err := Load(tt.file, f, -1)
			require.NoError(t, err)
			require.Equal(t, Document{
				SourceURI:   tt.file,
				Title:       tt.wantTitle,
				Text:        tt.wantText,
				ContentHash: wantHash(tt.wantTitle, tt.wantText, tt.wantMeta),
				Metadata:    tt.wantMeta,
			}, doc)
		})
	}
}

func TestLoadTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, input, want string
	}{
		{"front matter title wins over heading", "a.md", "---\ntitle: From YAML\n---\n# From heading\n\nx", "From YAML"},
		{"first level-1 heading", "a.md", "Intro text.\n\n## Sub\n\n# Main  title #\n\ntext", "Main title"},
		{"heading in code is not a title", "a.md", "```\n# code\n```\n\n# Real", "Real"},
		{"blank front matter title falls through", "a.md", "---\ntitle: \"  \"\n---\n# H\n\nx", "H"},
		{"no heading: file name without extension", "guides/Set up SSO.markdown", "Just text.", "Set up SSO"},
		{"dot file keeps its name", ".md", "Just text.", ".md"},
		{"txt first non-blank line", "a.txt", "\n\n  Router   basics \nBody.", "Router basics"},
		{"long txt line is cut", "a.txt", strings.Repeat("word ", 60), strings.TrimSpace(strings.Repeat("word ", 40)) + "…"},
		{"html title", "a.html", "<title> Billing\n FAQ </title><h1>Other</h1><p>x</p>", "Billing FAQ"},
		{"html h1 when no title", "a.htm", "<body><h1>Billing <em>FAQ</em></h1><p>x</p></body>", "Billing FAQ"},
		{"svg title is not the page title", "a.html", "<svg><title>icon</title></svg><h1>Page</h1><p>x</p>", "Page"},
		{"html without either", "b.html", "<p>x</p>", "b"},
		{"faq uses the file name", "Billing FAQ.json", `[{"question":"q","answer":"a"}]`, "Billing FAQ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadString(tt.file, tt.input)
			require.NoError(t, err)
			require.Equal(t, tt.want, doc.Title)
		})
	}
}

func TestLoadNormalizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{"CRLF and lone CR", "a\r\nb\rc", "a\nb\nc"},
		{"trailing spaces and tabs", "a  \t\nb ", "a\nb"},
		{"blank-line runs collapse to one", "a\n\n\n\n\nb\n \n\t\nc", "a\n\nb\n\nc"},
		{"leading and trailing blank lines", "\n\n  \na\n\n\n", "a"},
		{"NFC", "cafe\u0301 \u212b", "caf\u00e9 \u00c5"},
		{"control characters dropped, tabs kept", "a\x00b\x07c\td\u200b", "abc\td\u200b"},
		{"byte-order mark", "\uFEFFa", "a"},
		{"leading indentation kept", "    code\n  - item", "    code\n  - item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadString("n.txt", tt.input)
			require.NoError(t, err)
			require.Equal(t, tt.want, doc.Text)
		})
	}
}

func TestLoadHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{
			name: "page chrome dropped",
			input: `<header>Logo</header><nav>Home | Billing</nav><aside>Related</aside><script>var x</script>` +
				`<style>p{}</style><noscript>Enable JS</noscript><p>Body.</p><footer>Copyright</footer>`,
			want: "Body.",
		},
		{
			name:  "headings become # lines at their level",
			input: "<h1>A</h1><p>x</p><h3>C</h3><p>y</p><h6>F</h6><p>z</p>",
			want:  "# A\n\nx\n\n### C\n\ny\n\n###### F\n\nz",
		},
		{
			name:  "nested lists become - lines",
			input: "<ul><li>one<ul><li>inner</li></ul></li><li>two</li></ul>",
			want:  "- one\n\n  - inner\n- two",
		},
		{
			name:  "paragraph breaks kept, inline whitespace collapsed",
			input: "<div><p>First\n   para.</p><p>Second<br>line.</p></div>",
			want:  "First para.\n\nSecond\nline.",
		},
		{
			name:  "markdown characters are not escaped",
			input: "<p>Use *.csv files_only & 1. numbers</p>",
			want:  "Use *.csv files_only & 1. numbers",
		},
		{
			name:  "same text from different markup",
			input: "<html><body>\n\n<p>Body.</p>\n\n\n</body></html>",
			want:  "Body.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadString("p.html", tt.input)
			require.NoError(t, err)
			require.Equal(t, tt.want, doc.Text)
		})
	}
}

func TestLoadContentHashIgnoresFormatting(t *testing.T) {
	t.Parallel()
	a, err := loadString("a.html", "<p>Refunds take\n 5 days.</p>")
	require.NoError(t, err)
	b, err := loadString("a.html", "<div class=x>\n  <p>Refunds   take 5 days.</p>\n</div>")
	require.NoError(t, err)
	require.Equal(t, a.ContentHash, b.ContentHash)
	c, err := loadString("a.html", "<p>Refunds take 6 days.</p>")
	require.NoError(t, err)
	require.NotEqual(t, a.ContentHash, c.ContentHash)
}

// wantHash recomputes a document's content hash independently: SHA-256 of
// title, NUL, text, NUL and the JSON of the source's metadata without the
// keys Load adds itself.
func wantHash(title, text string, meta map[string]any) string {
	own := map[string]any{}
	for k, v := range meta {
		if k != "format" && k != "bytes" {
			own[k] = v
		}
	}
	b, _ := json.Marshal(own)
	sum := sha256.Sum256([]byte(title + "\x00" + text + "\x00" + string(b)))
	return hex.EncodeToString(sum[:])
}

func TestLoadContentHashFollowsTitleAndFrontMatter(t *testing.T) {
	t.Parallel()
	a, err := loadString("a.md", "---\ntitle: Refunds\nlang: en\n---\nRefunds take 5 days.\n")
	require.NoError(t, err)
	b, err := loadString("a.md", "---\ntitle: Refund policy\nlang: en\n---\nRefunds take 5 days.\n")
	require.NoError(t, err)
	c, err := loadString("a.md", "---\ntitle: Refunds\nlang: de\n---\nRefunds take 5 days.\n")
	require.NoError(t, err)
	require.Equal(t, a.Text, b.Text)
	require.NotEqual(t, a.ContentHash, b.ContentHash, "a new title re-ingests")
	require.NotEqual(t, a.ContentHash, c.ContentHash, "new front matter re-ingests")
}

func TestLoadFrontMatter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input string
		wantText    string
		wantMeta    map[string]any
	}{
		{
			name:     "values stay JSON-safe",
			input:    "---\ntitle: T\ndate: 2024-05-01\nat: 2024-05-01T10:30:00+02:00\nn: .nan\nnested: {1: one, a: [x, {b: c}]}\n---\nBody",
			wantText: "Body",
			wantMeta: map[string]any{"format": "markdown", "title": "T", "date": "2024-05-01", "at": "2024-05-01T10:30:00+02:00", "n": "NaN",
				"nested": map[string]any{"1": "one", "a": []any{"x", map[string]any{"b": "c"}}}},
		},
		{
			name:     "format and bytes are not overridden",
			input:    "---\nformat: docx\nbytes: 1\n---\nBody",
			wantText: "Body",
			wantMeta: map[string]any{"format": "markdown", "bytes": 35},
		},
		{
			name:     "empty front matter",
			input:    "---\n---\nBody",
			wantText: "Body",
			wantMeta: map[string]any{"format": "markdown", "bytes": 12},
		},
		{
			name:     "unclosed is a thematic break, not front matter",
			input:    "---\ntitle: x\n\nBody",
			wantText: "---\ntitle: x\n\nBody",
			wantMeta: map[string]any{"format": "markdown", "bytes": 18},
		},
		{
			name:     "CRLF and dots closer",
			input:    "---\r\nowner: ops\r\n...\r\nBody",
			wantText: "Body",
			wantMeta: map[string]any{"format": "markdown", "owner": "ops"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadString("f.md", tt.input)
			require.NoError(t, err)
			require.Equal(t, tt.wantText, doc.Text)
			tt.wantMeta["bytes"] = len(tt.input)
			require.Equal(t, tt.wantMeta, doc.Metadata)
		})
	}
}

func TestLoadFAQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, input, want string
	}{
		{
			name: "csv columns in any order and case, extra columns ignored",
			file: "f.csv", input: "id,ANSWER, Question \n1,Yes.,Can I pay by card?\n2,No.,Do you ship abroad?\n",
			want: "## Can I pay by card?\n\nYes.\n\n## Do you ship abroad?\n\nNo.",
		},
		{
			name: "csv multi-line question collapses, blank rows skipped, BOM stripped",
			file: "f.csv", input: "\uFEFFquestion,answer\n\"Multi\nline?\",\"Line 1\nLine 2\"\n,\n",
			want: "## Multi line?\n\nLine 1\nLine 2",
		},
		{
			name: "answer headings escaped, code fences left alone and closed",
			file: "f.json", input: `[{"question":"Q1","answer":"# not a section\n` + "```" + `\n# comment\n"},{"question":"Q2","answer":"A2"}]`,
			want: "## Q1\n\n\\# not a section\n```\n# comment\n```\n\n## Q2\n\nA2",
		},
		{
			name: "json null entries skipped",
			file: "f.json", input: `[null, {"question":"Q","answer":"A","tags":["x"]}]`,
			want: "## Q\n\nA",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadString(tt.file, tt.input)
			require.NoError(t, err)
			require.Equal(t, tt.want, doc.Text)
		})
	}
}

func TestLoadSniffsWithoutExtension(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input string
		wantFormat  string
		wantText    string
	}{
		{"html", "<!DOCTYPE html><html><body><h2>Hi</h2><p>there</p></body></html>", "html", "## Hi\n\nthere"},
		{"pdf", string(buildPDF("", "Sniffed.")), "pdf", "Sniffed."},
		{"plain text read as markdown", "# Notes\n\nbody", "markdown", "# Notes\n\nbody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadString("upload", tt.input)
			require.NoError(t, err)
			require.Equal(t, tt.wantFormat, doc.Metadata["format"])
			require.Equal(t, tt.wantText, doc.Text)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, input string
		wantCode          core.Code
		wantMsg           string
	}{
		{"unsupported extension", "slides.pptx", "x", core.CodeUnsupportedMedia,
			`"slides.pptx": unsupported file type ".pptx" (supported: .md, .markdown, .html, .htm, .txt, .pdf, .csv, .json)`},
		{"unsupported sniffed type", "image", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", core.CodeUnsupportedMedia,
			`"image": unsupported content type "image/png"`},
		{"empty markdown", "a.md", "", core.CodeInvalid, `"a.md": no text found`},
		{"whitespace-only text", "a.txt", " \n\t\r\n \u00a0", core.CodeInvalid, `"a.txt": no text found`},
		{"punctuation only", "a.md", "---\n\n* * *\n\n\u200b", core.CodeInvalid, `"a.md": no text found`},
		{"front matter only", "a.md", "---\ntitle: x\n---\n\n", core.CodeInvalid, `"a.md": no text found`},
		{"html without text", "a.html", "<html><head><title>T</title></head><body><nav>menu</nav><script>x</script></body></html>",
			core.CodeInvalid, `"a.html": no text found`},
		{"invalid UTF-8 markdown", "a.md", "caf\xe9", core.CodeInvalid, `"a.md": file is not valid UTF-8 text`},
		{"invalid UTF-8 text", "a.txt", "\xff\xfe", core.CodeInvalid, `"a.txt": file is not valid UTF-8 text`},
		{"invalid UTF-8 html", "a.html", "<p>\xc3\x28</p>", core.CodeInvalid, `"a.html": file is not valid UTF-8 text`},
		{"invalid UTF-8 csv", "a.csv", "question,answer\nq,\xff", core.CodeInvalid, `"a.csv": file is not valid UTF-8 text`},
		{"invalid UTF-8 json", "a.json", "[{\"question\":\"\xff\",\"answer\":\"a\"}]", core.CodeInvalid, `"a.json": file is not valid UTF-8 text`},
		{"bad front matter", "a.md", "---\ntitle: [unclosed\n---\nBody", core.CodeInvalid, `"a.md": invalid YAML front matter`},
		{"front matter not a mapping", "a.md", "---\n- a\n- b\n---\nBody", core.CodeInvalid, `"a.md": invalid YAML front matter`},
		{"csv without answer column", "a.csv", "question,reply\nq,r\n", core.CodeInvalid,
			`"a.csv": CSV header must name "question" and "answer" columns`},
		{"csv empty", "a.csv", "", core.CodeInvalid, `"a.csv": not a readable CSV file`},
		{"csv header only", "a.csv", "question,answer\n", core.CodeInvalid, `"a.csv": no text found`},
		{"csv ragged row", "a.csv", "question,answer\nq,a,extra\n", core.CodeInvalid,
			`"a.csv": not a readable CSV file: line 2: wrong number of fields`},
		{"csv bare quote", "a.csv", "question,answer\nq,say \"hi\"\n", core.CodeInvalid,
			`"a.csv": not a readable CSV file: line 2: bare " in non-quoted-field`},
		{"csv missing answer", "a.csv", "question,answer\nq1,a1\nq2, \n", core.CodeInvalid,
			`"a.csv": entry 2 has an empty question or answer`},
		{"json malformed", "a.json", `[{"question":"q","answer":"a"`, core.CodeInvalid,
			`"a.json": not a JSON array of {"question", "answer"} objects`},
		{"json object not array", "a.json", `{"question":"q","answer":"a"}`, core.CodeInvalid,
			`"a.json": not a JSON array of {"question", "answer"} objects`},
		{"json wrong type", "a.json", `[{"question":1,"answer":"a"}]`, core.CodeInvalid,
			`"a.json": not a JSON array of {"question", "answer"} objects`},
		{"json trailing data", "a.json", `[{"question":"q","answer":"a"}] []`, core.CodeInvalid,
			`"a.json": unexpected content after the JSON array`},
		{"json missing question", "a.json", `[{"answer":"a"}]`, core.CodeInvalid,
			`"a.json": entry 1 has an empty question or answer`},
		{"json empty array", "a.json", `[]`, core.CodeInvalid, `"a.json": no text found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadString(tt.file, tt.input)
			requireCode(t, err, tt.wantCode, tt.wantMsg)
		})
	}
}

func TestLoadReadErrors(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(strings.Repeat("x", 100))), 10)
	_, err := Load("big.md", body, -1)
	requireCode(t, err, core.CodeBodyTooLarge, `"big.md": file is larger than 10 bytes`)

	cause := errors.New("disk on fire")
	_, err = Load("a.md", io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(cause)), -1)
	requireCode(t, err, core.CodeInternal, `"a.md": reading file failed`)
	require.ErrorIs(t, err, cause)
}

func TestLoadSizeHintIsOnlyAHint(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{-1, 0, 1, 3, 1 << 40} {
		doc, err := Load("a.md", bytes.NewReader([]byte("abc")), size)
		require.NoError(t, err)
		require.Equal(t, "abc", doc.Text)
		require.Equal(t, 3, doc.Metadata["bytes"])
	}
}
