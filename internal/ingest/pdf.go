package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Limits that keep a hostile PDF from exhausting the server. Real support
// documents are far below each of them.
const (
	maxPDFPages      = 5000     // pages read from one file
	maxPDFTreeNodes  = 20000    // page-tree nodes visited (bounds cycles and fan-out)
	maxPDFTreeDepth  = 64       // page-tree nesting
	maxPDFPageStream = 16 << 20 // decoded content-stream bytes on one page
	maxPDFText       = 32 << 20 // extracted text bytes in one file
)

// errPDFTooLarge reports a PDF past one of the limits above.
var errPDFTooLarge = errors.New("pdf exceeds extraction limits")

// extractPDF loads a PDF's text layer: pages in order, each page break a
// blank line. The title is the Info dictionary's /Title, if any. The PDF
// library signals many malformations by panicking; they are recovered here
// and reported as CodeInvalid like any other unreadable file.
func extractPDF(name string, data []byte) (ex extracted, err error) {
	defer func() {
		if p := recover(); p != nil {
			ex, err = extracted{}, invalid(name, fmt.Errorf("pdf: %v", p), "not a readable PDF")
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return extracted{}, invalid(name, err, "not a readable PDF (it may be damaged or encrypted)")
	}
	pages, err := pdfPages(r)
	if err != nil {
		return extracted{}, pdfError(name, err)
	}
	text, err := pdfText(pages)
	if err != nil {
		return extracted{}, pdfError(name, err)
	}
	if strings.TrimSpace(text) == "" {
		return extracted{}, invalid(name, nil, "no text found (a scanned PDF needs OCR first)")
	}
	title := r.Trailer().Key("Info").Key("Title").Text()
	return extracted{title: title, text: text, meta: map[string]any{"pages": len(pages)}}, nil
}

// pdfError says whether a PDF was too large or unreadable.
func pdfError(name string, err error) error {
	if errors.Is(err, errPDFTooLarge) {
		return invalid(name, err, "PDF exceeds the extraction limits (pages or content size)")
	}
	return invalid(name, err, "not a readable PDF")
}

// pdfText extracts and joins the text of pages, page breaks as blank lines.
func pdfText(pages []pdf.Page) (string, error) {
	var b strings.Builder
	for i, p := range pages {
		if err := checkPageStream(p); err != nil {
			return "", fmt.Errorf("page %d: %w", i+1, err)
		}
		t, err := p.GetPlainText(nil)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", i+1, err)
		}
		if b.Len()+len(t) > maxPDFText {
			return "", errPDFTooLarge
		}
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(t)
	}
	// Glyphs the library could not map come out as U+FFFD; they are noise
	// for search and citation alike.
	return strings.ReplaceAll(strings.ToValidUTF8(b.String(), ""), "\uFFFD", ""), nil
}

// checkPageStream decodes p's content streams into io.Discard, so that a
// decompression bomb is refused before text extraction buffers it.
func checkPageStream(p pdf.Page) error {
	c := p.V.Key("Contents")
	streams := []pdf.Value{c}
	if c.Kind() == pdf.Array {
		streams = streams[:0]
		for i := 0; i < c.Len(); i++ {
			streams = append(streams, c.Index(i))
		}
	}
	var total int64
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		n, _ := io.Copy(io.Discard, io.LimitReader(rc, maxPDFPageStream-total+1))
		_ = rc.Close()
		if total += n; total > maxPDFPageStream {
			return errPDFTooLarge
		}
	}
	return nil
}

// pdfPages lists the pages of r in document order. It walks the page tree
// itself rather than calling Reader.Page, which trusts /Count and loops
// forever on a tree that contains itself.
func pdfPages(r *pdf.Reader) ([]pdf.Page, error) {
	w := pageWalker{}
	w.walk(r.Trailer().Key("Root").Key("Pages"), 0)
	return w.pages, w.err
}

// pageWalker collects leaf pages within the tree limits.
type pageWalker struct {
	pages   []pdf.Page
	visited int
	err     error
}

// walk visits v, a page-tree node at depth.
func (w *pageWalker) walk(v pdf.Value, depth int) {
	if w.err != nil || v.Kind() != pdf.Dict {
		return
	}
	if w.visited++; w.visited > maxPDFTreeNodes || depth > maxPDFTreeDepth {
		w.err = errPDFTooLarge
		return
	}
	kids := v.Key("Kids")
	switch typ := v.Key("Type").Name(); {
	case typ == "Pages" || (typ == "" && kids.Kind() == pdf.Array):
		for i := 0; i < kids.Len() && w.err == nil; i++ {
			w.walk(kids.Index(i), depth+1)
		}
	case typ == "Page" || typ == "":
		if len(w.pages) == maxPDFPages {
			w.err = errPDFTooLarge
			return
		}
		w.pages = append(w.pages, pdf.Page{V: v})
	}
}
