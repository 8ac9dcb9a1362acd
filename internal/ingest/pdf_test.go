package ingest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// pdfObjects renders numbered PDF objects (object i+1 is objs[i]) with a
// correct cross-reference table and a trailer whose Root is object 1.
// info, when not "", is the Info dictionary's body.
func pdfObjects(objs []string, info string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	if info != "" {
		objs = append(objs, info)
	}
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	infoRef := ""
	if info != "" {
		infoRef = fmt.Sprintf(" /Info %d 0 R", len(objs))
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, infoRef, xref)
	return b.Bytes()
}

// buildPDF makes a valid PDF with one page per element of pages, each line
// of a page drawn as its own text object in Helvetica. title, when not "",
// goes into the Info dictionary.
func buildPDF(title string, pages ...string) []byte {
	kids := make([]string, len(pages))
	objs := []string{"", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"}
	for i, page := range pages {
		pageObj, contentObj := len(objs)+1, len(objs)+2
		kids[i] = fmt.Sprintf("%d 0 R", pageObj)
		var content strings.Builder
		for j, line := range strings.Split(page, "\n") {
			fmt.Fprintf(&content, "BT /F1 12 Tf 72 %d Td (%s) Tj ET\n", 720-14*j, pdfEscape(line))
		}
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", contentObj),
			fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()))
	}
	objs[0] = "<< /Type /Catalog /Pages 2 0 R >>"
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages))
	info := ""
	if title != "" {
		info = fmt.Sprintf("<< /Title (%s) >>", pdfEscape(title))
	}
	return pdfObjects(objs, info)
}

// pdfEscape escapes a PDF literal string.
func pdfEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(s)
}

func TestLoadPDF(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/guide.pdf")
	require.NoError(t, err)
	tests := []struct {
		name, file string
		data       []byte
		wantTitle  string
		wantText   string
		wantPages  int
	}{
		{
			name: "fixture written by a PDF library, compressed streams", file: "guide.pdf", data: fixture,
			wantTitle: "Router Setup Guide",
			wantText: "Router Setup Guide\nPlug the router into a power outlet.\nWait for the status light to turn green.\n\n" +
				"Troubleshooting\nIf the light blinks red, restart the router.",
			wantPages: 2,
		},
		{
			name: "built in the test, Info title", file: "manual.pdf",
			data:      buildPDF("Modem (v2) manual", "Page one.\nSecond line.", "Page two."),
			wantTitle: "Modem (v2) manual", wantText: "Page one.\nSecond line.\n\nPage two.", wantPages: 2,
		},
		{
			name: "no Info title falls back to the file name", file: "docs/Quick Start.pdf",
			data:      buildPDF("", "Hello."),
			wantTitle: "Quick Start", wantText: "Hello.", wantPages: 1,
		},
		{
			name: "blank page in the middle keeps one page break", file: "gap.pdf",
			data:      buildPDF("", "First.", " ", "Third."),
			wantTitle: "gap", wantText: "First.\n\nThird.", wantPages: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Load(tt.file, bytes.NewReader(tt.data), int64(len(tt.data)))
			require.NoError(t, err)
			require.Equal(t, tt.wantTitle, doc.Title)
			require.Equal(t, tt.wantText, doc.Text)
			require.Equal(t, map[string]any{"format": "pdf", "bytes": len(tt.data), "pages": tt.wantPages}, doc.Metadata)
		})
	}
}

func TestLoadPDFBroken(t *testing.T) {
	t.Parallel()
	valid := buildPDF("T", "Some text.")
	cyclic := pdfObjects([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 1 >>",
	}, "")
	tests := []struct {
		name    string
		data    []byte
		wantMsg string
	}{
		{"empty file", nil, `"x.pdf": not a readable PDF (it may be damaged or encrypted)`},
		{"not a PDF", []byte("hello, I am plain text"), `"x.pdf": not a readable PDF (it may be damaged or encrypted)`},
		{"truncated", valid[:len(valid)/2], `"x.pdf": not a readable PDF (it may be damaged or encrypted)`},
		{"garbage in the middle", bytes.Replace(valid, []byte("/Type /Pages"), []byte("/Type (((((("), 1), `"x.pdf": not a readable PDF`},
		{"page tree that contains itself", cyclic, `"x.pdf": PDF exceeds the extraction limits (pages or content size)`},
		{"pages without text", buildPDF("", " ", " "), `"x.pdf": no text found (a scanned PDF needs OCR first)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load("x.pdf", bytes.NewReader(tt.data), int64(len(tt.data)))
			requireCode(t, err, core.CodeInvalid, tt.wantMsg)
		})
	}
}

// TestLoadPDFTruncatedNeverPanics cuts a valid PDF at every length: each cut
// must load or fail with CodeInvalid, never panic.
func TestLoadPDFTruncatedNeverPanics(t *testing.T) {
	t.Parallel()
	valid := buildPDF("T", "Some text.", "More text.")
	for n := range len(valid) {
		doc, err := Load("x.pdf", bytes.NewReader(valid[:n]), int64(n))
		if err != nil {
			require.Equal(t, core.CodeInvalid, core.ErrorCode(err), "cut at %d: %v", n, err)
			continue
		}
		require.NotEmpty(t, strings.TrimSpace(doc.Text), "cut at %d", n)
	}
}
