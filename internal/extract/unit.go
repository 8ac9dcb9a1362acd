package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"supportd/internal/text"
)

// unitKind says how a unit is matched and printed.
type unitKind int

const (
	kindProse   unitKind = iota // a sentence of running text
	kindItem                    // a bullet list item, kept whole
	kindStep                    // a numbered list item, part of a procedure
	kindCode                    // a code block or a code, log or error line
	kindHeading                 // a title line: context, never quoted
)

// unit is the smallest piece of a passage the answerer quotes.
type unit struct {
	text string
	kind unitKind
	list int // procedure id shared by consecutive numbered steps; -1 otherwise
}

// splitUnits cuts a passage into units in reading order.
func splitUnits(text string) []unit {
	s := splitter{list: -1}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		i = s.line(lines, i)
	}
	s.flush()
	return s.units
}

// splitter carries the state of one splitUnits call.
type splitter struct {
	units    []unit
	para     []string // prose lines waiting to be joined and split
	tail     []string // separators and lines waiting to be joined to the last unit
	list     int      // id of the open procedure, -1 when none
	lastStep int      // number of the last numbered step seen
	lists    int      // procedures seen so far
}

// line consumes lines[i] (and, for a code fence, the lines up to its end)
// and returns the index of the last line it used.
func (s *splitter) line(lines []string, i int) int {
	raw := strings.TrimRight(lines[i], " \t")
	trim := strings.TrimSpace(raw)
	switch {
	case trim == "":
		s.flush()
	case isFence(trim):
		return s.fence(lines, i)
	case strings.HasPrefix(trim, "#"):
		s.heading(strings.TrimSpace(strings.TrimLeft(trim, "#")))
	case stepNumber(trim) > 0:
		s.step(trim)
	case isBullet(trim):
		s.add(unit{text: trim, kind: kindItem, list: -1})
	case s.continuesItem(raw):
		s.extend(" ", trim)
	case isIndentedCode(raw) || looksLikeCode(trim):
		s.code(trim)
	default:
		s.prose(trim)
	}
	return i
}

// extend queues a line to be joined, after sep, to the last unit; lines
// are joined once, when the unit is complete, so long runs stay linear.
func (s *splitter) extend(sep, line string) {
	s.tail = append(s.tail, sep, line)
}

// closeTail joins the queued lines into the last unit.
func (s *splitter) closeTail() {
	if len(s.tail) == 0 {
		return
	}
	last := &s.units[len(s.units)-1]
	last.text += strings.Join(s.tail, "")
	s.tail = s.tail[:0]
}

// add appends u after flushing pending prose; anything but a step closes
// the open procedure.
func (s *splitter) add(u unit) {
	s.flush()
	if u.kind != kindStep {
		s.list = -1
	}
	s.units = append(s.units, u)
}

func (s *splitter) heading(text string) {
	if text != "" {
		s.add(unit{text: text, kind: kindHeading, list: -1})
	}
}

// step adds a numbered item, continuing the open procedure when its number
// follows (or repeats, as in Markdown's "1. 1. 1.") the previous one.
func (s *splitter) step(text string) {
	n := stepNumber(text)
	if s.list < 0 || (n != s.lastStep+1 && n != s.lastStep) {
		s.flush()
		s.list = s.lists
		s.lists++
	}
	s.lastStep = n
	s.add(unit{text: text, kind: kindStep, list: s.list})
}

// code adds a code or log line, merging it into a code unit right before.
func (s *splitter) code(text string) {
	if len(s.para) == 0 && len(s.units) > 0 {
		last := &s.units[len(s.units)-1]
		if last.kind == kindCode && !strings.HasPrefix(last.text, "```") &&
			!strings.HasPrefix(last.text, "~~~") {
			s.extend("\n", text)
			return
		}
	}
	s.add(unit{text: text, kind: kindCode, list: -1})
}

// fence adds a fenced code block as one unit; an unclosed fence runs to the
// end of the passage.
func (s *splitter) fence(lines []string, i int) int {
	marker := strings.TrimSpace(lines[i])[:3]
	block := []string{strings.TrimSpace(lines[i])}
	j := i + 1
	for ; j < len(lines); j++ {
		block = append(block, strings.TrimRight(lines[j], " \t"))
		if strings.HasPrefix(strings.TrimSpace(lines[j]), marker) {
			break
		}
	}
	if j == len(lines) {
		block = append(block, marker)
		j--
	}
	s.add(unit{text: strings.Join(block, "\n"), kind: kindCode, list: -1})
	return j
}

// prose queues a line of running text, starting a new paragraph unless the
// line reads as the soft-wrapped continuation of the previous one.
func (s *splitter) prose(line string) {
	if n := len(s.para); n > 0 && !softWrap(s.para[n-1], line) {
		s.flush()
	}
	s.list = -1
	s.para = append(s.para, line)
}

// flush splits the queued paragraph into sentences; a lone short line with
// no closing punctuation is a heading.
func (s *splitter) flush() {
	s.closeTail()
	if len(s.para) == 0 {
		return
	}
	txt := strings.Join(s.para, " ")
	lone := len(s.para) == 1
	s.para = s.para[:0]
	if lone && isHeadingLine(txt) {
		s.units = append(s.units, unit{text: txt, kind: kindHeading, list: -1})
		return
	}
	for _, sent := range text.Sentences(txt) {
		s.units = append(s.units, unit{text: sent, kind: kindProse, list: -1})
	}
}

// continuesItem reports whether an indented line carries on the list item
// just added.
func (s *splitter) continuesItem(raw string) bool {
	if len(s.para) > 0 || len(s.units) == 0 || !strings.HasPrefix(raw, "  ") {
		return false
	}
	k := s.units[len(s.units)-1].kind
	return k == kindItem || k == kindStep
}

func isFence(trim string) bool {
	return strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~")
}

// stepNumber returns n for a line starting "n. " or "n) " (n up to three
// digits), and 0 otherwise.
func stepNumber(trim string) int {
	n, i := 0, 0
	for ; i < len(trim) && i < 3 && trim[i] >= '0' && trim[i] <= '9'; i++ {
		n = n*10 + int(trim[i]-'0')
	}
	if i == 0 || i+1 >= len(trim) || (trim[i] != '.' && trim[i] != ')') ||
		(trim[i+1] != ' ' && trim[i+1] != '\t') || n == 0 {
		return 0
	}
	return n
}

func isBullet(trim string) bool {
	for _, p := range []string{"- ", "* ", "+ ", "• ", "‣ ", "◦ "} {
		if strings.HasPrefix(trim, p) && len(strings.TrimSpace(trim[len(p):])) > 0 {
			return true
		}
	}
	return false
}

func isIndentedCode(raw string) bool {
	return strings.HasPrefix(raw, "\t") || strings.HasPrefix(raw, "    ")
}

// softWrap reports whether line continues prev within one paragraph: prev
// lacks closing punctuation and line either starts in lower case or both
// read as wrapped prose rather than a title.
func softWrap(prev, line string) bool {
	if endsSentence(prev) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(line)
	if unicode.IsLower(first) {
		return true
	}
	return utf8.RuneCountInString(prev) >= 50 && !isHeadingLine(line)
}

// isHeadingLine reports whether a line reads as a title: at most eight
// words, no closing punctuation, and not a menu path; or at most three
// words ending in a colon ("Shooting methods:").
func isHeadingLine(line string) bool {
	words := len(strings.Fields(line))
	if strings.HasSuffix(line, ":") {
		return words <= 3
	}
	if endsSentence(line) || isMenuPath(line) {
		return false
	}
	return words <= 8
}

// isMenuPath reports whether s names a path through menus, as in
// "Settings > Billing" or "Settings → Billing".
func isMenuPath(s string) bool {
	return strings.Contains(s, " > ") || strings.ContainsAny(s, "→»")
}

// endsSentence reports whether s ends with punctuation that closes a
// sentence or introduces what follows.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \t\"'”’)]*_")
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?:;…。！？", r)
}
