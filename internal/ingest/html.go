package ingest

import (
	"bytes"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extractHTML loads an HTML page as Markdown: headings become # lines, lists
// "- " lines, paragraphs stay separated by blank lines. The title is the
// page's <title>, else its first <h1>. Input must be UTF-8.
func extractHTML(name string, data []byte) (extracted, error) {
	s, err := requireUTF8(name, data)
	if err != nil {
		return extracted{}, err
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return extracted{}, invalid(name, err, "not a readable HTML document")
	}
	title := elementText(doc, atom.Title)
	if title == "" {
		title = elementText(doc, atom.H1)
	}
	md, err := newHTMLConverter().ConvertNode(doc)
	if err != nil {
		return extracted{}, invalid(name, err, "not a readable HTML document")
	}
	return extracted{title: title, text: string(md)}, nil
}

// newHTMLConverter builds the HTML→Markdown converter. It is built per call
// because the library's Converter keeps per-conversion error state.
// Escaping is off: the text is for retrieval and citation, where "\*" noise
// hurts more than an ambiguous "*" does.
func newHTMLConverter() *converter.Converter {
	conv := converter.NewConverter(
		converter.WithEscapeMode(converter.EscapeModeDisabled),
		converter.WithPlugins(
			base.NewBasePlugin(),
			commonmark.NewCommonmarkPlugin(
				commonmark.WithListEndComment(false),
				commonmark.WithCodeBlockFence("```"),
				commonmark.WithBulletListMarker("-"),
			),
			table.NewTablePlugin(),
		),
	)
	// Page chrome is dropped with its content, or it would be repeated into
	// every article's chunks. The base plugin already drops <head>,
	// <script>, <style>, <noscript>, <iframe> and form inputs; <form> is kept
	// because some sites wrap the whole page in one.
	for _, tag := range []string{"script", "style", "nav", "header", "footer", "aside", "template"} {
		conv.Register.TagType(tag, converter.TagTypeRemove, converter.PriorityEarly)
	}
	return conv
}

// elementText returns the whitespace-collapsed text of the first HTML (not
// SVG or MathML) element with tag a that holds text, or "".
func elementText(doc *html.Node, a atom.Atom) string {
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != a || n.Namespace != "" {
			continue
		}
		var b bytes.Buffer
		for c := range n.Descendants() {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
				b.WriteByte(' ')
			}
		}
		if t := strings.Join(strings.Fields(b.String()), " "); t != "" {
			return t
		}
	}
	return ""
}
