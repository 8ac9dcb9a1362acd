package ingest

import (
	"regexp"
	"strings"
	"unicode"
)

// section is a run of body text under one heading path.
type section struct {
	heading string   // path joined by " > "
	blocks  []string // paragraphs (fenced code blocks whole), each with a word
}

// sections splits Markdown into sections at ATX headings outside fenced
// code. The document's first heading is its title, left out of every path,
// when it is a level-1 heading that equals title or comes before any body
// text.
func sections(text, title string) []section {
	p := sectionParser{title: title}
	for line := range strings.Lines(text) {
		p.line(strings.TrimRight(line, "\r\n"))
	}
	p.endSection()
	return p.out
}

// pathEntry is one heading on the current path.
type pathEntry struct {
	level int
	text  string
}

// sectionParser accumulates sections line by line.
type sectionParser struct {
	title       string
	fence       fenceTracker
	path        []pathEntry
	cur         section
	block       []string
	out         []section
	seenHeading bool
	seenBody    bool
}

// line consumes one line of the document.
func (p *sectionParser) line(l string) {
	if p.fence.inCode(l) {
		p.block = append(p.block, l)
		return
	}
	if level, text, ok := atxHeading(l); ok {
		p.heading(level, text)
		return
	}
	if strings.TrimSpace(l) == "" {
		p.endBlock()
		return
	}
	p.block = append(p.block, l)
}

// heading closes the current section and opens one under the new path.
func (p *sectionParser) heading(level int, text string) {
	p.endSection()
	text = cleanHeading(text)
	first := !p.seenHeading
	p.seenHeading = true
	if first && level == 1 && (text == p.title || !p.seenBody) {
		return
	}
	for len(p.path) > 0 && p.path[len(p.path)-1].level >= level {
		p.path = p.path[:len(p.path)-1]
	}
	p.path = append(p.path, pathEntry{level: level, text: text})
	names := make([]string, 0, len(p.path))
	for _, e := range p.path {
		if e.text != "" {
			names = append(names, e.text)
		}
	}
	p.cur = section{heading: strings.Join(names, " > ")}
}

// endBlock closes the paragraph being read. A block without a letter or
// digit (a thematic break, an empty code fence or table) is dropped: alone
// in a chunk it would be noise.
func (p *sectionParser) endBlock() {
	if b := strings.Join(p.block, "\n"); strings.IndexFunc(b, isWordRune) >= 0 {
		p.cur.blocks = append(p.cur.blocks, b)
		p.seenBody = true
	}
	p.block = p.block[:0]
}

// endSection closes the section being read, keeping it if it has text.
func (p *sectionParser) endSection() {
	p.endBlock()
	if len(p.cur.blocks) > 0 {
		p.out = append(p.out, p.cur)
	}
	p.cur = section{heading: p.cur.heading}
}

// isWordRune reports whether r is a letter or a digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// atxHeading parses an ATX heading line ("## Text ##"): its level 1-6 and
// its text without the closing sequence.
func atxHeading(line string) (level int, text string, ok bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return 0, "", false
	}
	for level < len(t) && t[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := t[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	rest = strings.TrimSpace(rest)
	if trimmed := strings.TrimRight(rest, "#"); trimmed == "" {
		rest = ""
	} else if trimmed != rest && (strings.HasSuffix(trimmed, " ") || strings.HasSuffix(trimmed, "\t")) {
		rest = strings.TrimSpace(trimmed)
	}
	return level, rest, true
}

// linkPattern matches an inline Markdown link or image.
var linkPattern = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)

// cleanHeading reduces a heading's inline Markdown to its words: links to
// their text, emphasis and code markers removed, whitespace collapsed.
func cleanHeading(s string) string {
	s = linkPattern.ReplaceAllString(s, "$1")
	s = strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// fenceTracker follows fenced code blocks (``` or ~~~) through a document
// read line by line.
type fenceTracker struct {
	marker byte // '`' or '~' while a fence is open
	n      int  // length of the opening run; 0 when no fence is open
}

// inCode reports whether line belongs to a fenced code block, fence lines
// included, and updates the state for the next line.
func (f *fenceTracker) inCode(line string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return f.n > 0
	}
	c, n := fenceRun(t)
	if f.n == 0 {
		if n >= 3 && (c == '~' || !strings.ContainsRune(t[n:], '`')) {
			f.marker, f.n = c, n
			return true
		}
		return false
	}
	if c == f.marker && n >= f.n && strings.TrimSpace(t[n:]) == "" {
		f.n = 0
	}
	return true
}

// closer returns the line that closes the open fence, or "" if none is open.
func (f *fenceTracker) closer() string {
	if f.n == 0 {
		return ""
	}
	return strings.Repeat(string(f.marker), f.n)
}

// fenceRun returns the fence character starting t and how often it repeats.
func fenceRun(t string) (byte, int) {
	if t == "" || (t[0] != '`' && t[0] != '~') {
		return 0, 0
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	return t[0], n
}
