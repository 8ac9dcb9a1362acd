package guard

import (
	"slices"
	"strings"
	"unicode"
)

// Note names something unusual that CheckQuestion lets through and
// NormalizeQuestion changes: it is logged with the answer, so that odd
// input is seen without being refused.
type Note string

// Notes NormalizeQuestion returns, in this (alphabetical) order.
const (
	// NoteInvisible: zero-width and other invisible format characters
	// were removed.
	NoteInvisible Note = "invisible_chars"
	// NoteMojibake: C1 controls of UTF-8 text decoded as Latin-1 were
	// removed.
	NoteMojibake Note = "mojibake"
	// NoteSeparatorRun: a drawn rule longer than ruleMax was shortened.
	NoteSeparatorRun Note = "separator_run"
)

// A rule of more than ruleMax repeated separators ("————…", "=====…")
// is shortened to ruleKeep of them: it carries no meaning for retrieval or
// the model, only tokens.
const (
	ruleMax  = 8
	ruleKeep = 3
)

// NormalizeQuestion returns q as retrieval and the model should read it:
// invisible characters and mojibake controls removed, long drawn rules
// shortened, white space and everything else untouched. It returns the
// notes of what it changed, nil when nothing.
func NormalizeQuestion(q string) (string, []Note) {
	rs := []rune(q)
	var b strings.Builder
	b.Grow(len(q))
	var notes []Note
	note := func(n Note) {
		if !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	inMojibake := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if inMojibake = c1(r) && (inMojibake || (i > 0 && mojibakeLead(rs[i-1]))); inMojibake {
			note(NoteMojibake)
			continue
		}
		if invisible(r) {
			note(NoteInvisible)
			continue
		}
		if !separatorRune(r) || unicode.IsSpace(r) {
			b.WriteRune(r)
			continue
		}
		j := i + 1
		for j < len(rs) && rs[j] == r {
			j++
		}
		n := j - i
		if n > ruleMax {
			n = ruleKeep
			note(NoteSeparatorRun)
		}
		b.WriteString(strings.Repeat(string(r), n))
		i = j - 1
	}
	slices.Sort(notes)
	return b.String(), notes
}
