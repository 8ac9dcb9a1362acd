package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"supportd/internal/core"
)

// Document is one loaded source file, normalised to Markdown-ish text.
type Document struct {
	// SourceURI is the document's stable identity within a knowledge base:
	// the path relative to the ingest root, or the upload's name.
	SourceURI string
	// Title comes from front matter, the first # heading, <title> or <h1>,
	// the PDF's Info dictionary, the first line of a .txt file, or else the
	// file name without its extension.
	Title string
	// Text is Markdown with # headings kept where the source had structure.
	Text string
	// ContentHash is the hex SHA-256 of Title, Text and the source's own
	// metadata (not its byte size), so a formatting-only change
	// that yields the same text does not re-ingest.
	ContentHash string
	// Metadata always holds "format" and "bytes" (the source's size), plus
	// per-format keys: front-matter keys for Markdown, "pages" for PDF,
	// "entries" for FAQ files. Values are JSON-encodable.
	Metadata map[string]any
}

// format names one supported input format; it is also Metadata["format"].
type format string

const (
	formatMarkdown format = "markdown"
	formatHTML     format = "html"
	formatText     format = "text"
	formatPDF      format = "pdf"
	formatFAQCSV   format = "faq_csv"
	formatFAQJSON  format = "faq_json"
)

// formatByExt maps a lower-case file extension to its format.
func formatByExt(ext string) (format, bool) {
	switch ext {
	case ".md", ".markdown":
		return formatMarkdown, true
	case ".html", ".htm":
		return formatHTML, true
	case ".txt":
		return formatText, true
	case ".pdf":
		return formatPDF, true
	case ".csv":
		return formatFAQCSV, true
	case ".json":
		return formatFAQJSON, true
	}
	return "", false
}

// extracted is what a format's extractor hands back before normalisation.
type extracted struct {
	title string // "" when the source names none
	text  string
	meta  map[string]any
}

// Load reads one source file and returns it as a Document whose SourceURI is
// name. The format is chosen by name's extension (case-insensitive); a name
// without an extension is sniffed from its content (PDF, HTML, else
// Markdown). size is a hint for buffering; pass -1 when unknown.
//
// Every error is a *core.Error whose message names the file and is safe to
// show to a client: CodeUnsupportedMedia for an unsupported extension or
// content type, CodeBodyTooLarge when r is an http.MaxBytesReader that hit
// its limit, CodeInvalid for content that cannot be read as its format or
// holds no text (not one letter or digit), and CodeInternal for other read
// failures.
func Load(name string, r io.Reader, size int64) (Document, error) {
	data, err := readAll(r, size)
	if err != nil {
		return Document{}, readError(name, err)
	}
	f, err := detectFormat(name, data)
	if err != nil {
		return Document{}, err
	}
	ex, err := extract(f, name, data)
	if err != nil {
		return Document{}, err
	}
	return finish(name, f, len(data), ex)
}

// detectFormat picks the format from name's extension, sniffing data only
// when name has none.
func detectFormat(name string, data []byte) (format, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	if ext == "" {
		return sniffFormat(name, data)
	}
	if f, ok := formatByExt(ext); ok {
		return f, nil
	}
	return "", core.Errorf(core.CodeUnsupportedMedia,
		"%q: unsupported file type %q (supported: .md, .markdown, .html, .htm, .txt, .pdf, .csv, .json)", name, ext)
}

// sniffFormat maps http.DetectContentType's verdict onto a format. Plain
// text is read as Markdown, which is a superset of it.
func sniffFormat(name string, data []byte) (format, error) {
	ct := http.DetectContentType(data)
	switch {
	case strings.HasPrefix(ct, "application/pdf"):
		return formatPDF, nil
	case strings.HasPrefix(ct, "text/html"):
		return formatHTML, nil
	case strings.HasPrefix(ct, "text/plain"):
		return formatMarkdown, nil
	}
	return "", core.Errorf(core.CodeUnsupportedMedia, "%q: unsupported content type %q", name, ct)
}

// extract runs the extractor for f.
func extract(f format, name string, data []byte) (extracted, error) {
	switch f {
	case formatMarkdown:
		return extractMarkdown(name, data)
	case formatHTML:
		return extractHTML(name, data)
	case formatText:
		return extractText(name, data)
	case formatPDF:
		return extractPDF(name, data)
	case formatFAQCSV:
		return extractFAQCSV(name, data)
	default:
		return extractFAQJSON(name, data)
	}
}

// finish normalises the extracted text and fills in the Document.
func finish(name string, f format, size int, ex extracted) (Document, error) {
	text := normalizeText(ex.text)
	if strings.IndexFunc(text, isWordRune) < 0 {
		return Document{}, core.Errorf(core.CodeInvalid, "%q: no text found", name)
	}
	meta := make(map[string]any, len(ex.meta)+2)
	for k, v := range ex.meta {
		meta[k] = v
	}
	meta["format"] = string(f)
	meta["bytes"] = size
	title := cleanTitle(ex.title)
	if title == "" {
		title = titleFromName(name)
	}
	return Document{
		SourceURI:   name,
		Title:       title,
		Text:        text,
		ContentHash: contentHash(title, text, ex.meta),
		Metadata:    meta,
	}, nil
}

// contentHash covers everything stored from a source except its byte size:
// the title, the text and the source's own metadata (front matter), so an
// edit to any of them re-ingests while a formatting-only change does not.
func contentHash(title, text string, meta map[string]any) string {
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(text))
	h.Write([]byte{0})
	if meta == nil {
		meta = map[string]any{}
	}
	if b, err := json.Marshal(meta); err == nil { // map keys marshal sorted
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// maxSizeHint caps the buffer preallocated from Load's size hint, so a wrong
// hint cannot allocate more than a real file would need.
const maxSizeHint = 64 << 20

// readAll reads r to the end, preallocating from the size hint.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > maxSizeHint {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// readError translates a read failure into the error vocabulary.
func readError(name string, err error) error {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return core.Wrap(core.CodeBodyTooLarge, err,
			fmt.Sprintf("%q: file is larger than %d bytes", name, mbe.Limit))
	}
	return core.Wrap(core.CodeInternal, err, fmt.Sprintf("%q: reading file failed", name))
}

// invalid builds the CodeInvalid error for content that cannot be read as
// its format; msg says what is wrong in client-safe words.
func invalid(name string, cause error, msg string) error {
	return core.Wrap(core.CodeInvalid, cause, fmt.Sprintf("%q: %s", name, msg))
}
