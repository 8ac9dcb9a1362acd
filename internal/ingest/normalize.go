package ingest

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxTitleRunes bounds a title, so a .txt whose first line is a whole
// paragraph still yields a title that fits a citation.
const maxTitleRunes = 200

// normalizeText makes text canonical, so that sources differing only in
// line endings, trailing spaces, blank-line runs or Unicode composition hash
// and chunk identically: CRLF and lone CR become LF, control characters
// other than tab and newline are dropped (PostgreSQL text cannot hold NUL),
// the text is NFC normalised, trailing whitespace is trimmed from
// every line, runs of blank lines collapse to one, and leading and trailing
// blank lines go.
func normalizeText(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = norm.NFC.String(strings.Map(dropControl, s)) // drop first: a dropped NUL could sit between a letter and its accent
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, line := range lines {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			blank++
			continue
		}
		if blank > 0 && len(out) > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// dropControl is a strings.Map function that removes control characters
// other than tab and newline, and stray byte-order marks.
func dropControl(r rune) rune {
	if r == '\n' || r == '\t' {
		return r
	}
	if unicode.IsControl(r) || r == '\uFEFF' {
		return -1
	}
	return r
}

// cleanTitle normalises a title to one trimmed NFC line of at most
// maxTitleRunes runes, with inner whitespace collapsed.
func cleanTitle(s string) string {
	s = norm.NFC.String(strings.Map(dropControl, s))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxTitleRunes {
		return s
	}
	r := []rune(s)[:maxTitleRunes]
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
}

// titleFromName derives a title from a file name: its base name without the
// extension, or the whole base name when that would leave nothing.
func titleFromName(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == "/" {
		return "Untitled"
	}
	if t := strings.TrimSuffix(base, path.Ext(base)); strings.TrimSpace(t) != "" {
		return cleanTitle(t)
	}
	return cleanTitle(base)
}

// firstLine returns the first line of s that is not blank, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// requireUTF8 rejects text-format input that is not valid UTF-8 and strips a
// leading byte-order mark.
func requireUTF8(name string, data []byte) (string, error) {
	if !utf8.Valid(data) {
		return "", invalid(name, nil, "file is not valid UTF-8 text")
	}
	return strings.TrimPrefix(string(data), "\uFEFF"), nil
}
