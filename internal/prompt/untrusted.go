package prompt

import (
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// defanged replaces the bracket of a delimiter found in untrusted text.
const defanged = '‹'

// funcs returns the template functions that print untrusted text.
func funcs() template.FuncMap {
	return template.FuncMap{
		"untrusted": untrusted,
		"attr":      attr,
		"inline":    inline,
	}
}

// isSanitizer reports whether name is one of the functions in funcs.
func isSanitizer(name string) bool {
	return name == "untrusted" || name == "attr" || name == "inline"
}

// untrusted makes s safe to print between prompt delimiters: it drops
// control characters and defangs every delimiter s contains. Invalid UTF-8
// becomes U+FFFD. It is idempotent and never adds runes.
func untrusted(s string) string {
	return defang(stripControls(s))
}

// stripControls turns CRLF and CR into LF and drops the C0 controls other
// than LF and tab, DEL and the C1 controls.
func stripControls(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	// strings.Map also replaces each invalid byte with U+FFFD.
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return -1
		}
		return r
	}, s)
}

// defang replaces the bracket of each delimiter in s with '‹'.
func defang(s string) string {
	if !strings.ContainsAny(s, "<＜﹤") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		if isBracket(r) && opensDelimiter(s[i+utf8.RuneLen(r):]) {
			b.WriteRune(defanged)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isBracket reports whether r may read as the '<' of a tag.
func isBracket(r rune) bool {
	return r == '<' || r == '＜' || r == '﹤'
}

// opensDelimiter reports whether s, the text after a bracket, makes it a
// delimiter tag: optional white space, invisible format characters and
// slashes, then a reserved tag name in any case.
func opensDelimiter(s string) bool {
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == '/' || r == '\\'
	})
	for _, tag := range [...]string{"passage", "question", "reference", "answer", "pasted"} {
		if hasFoldPrefix(s, tag) {
			return true
		}
	}
	return false
}

// hasFoldPrefix reports whether s begins with prefix under Unicode simple
// case folding, the folding of strings.EqualFold and regexp's (?i).
func hasFoldPrefix(s, prefix string) bool {
	for _, want := range prefix {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 || !foldEqual(r, want) {
			return false
		}
		s = s[n:]
	}
	return true
}

// foldEqual reports whether a and b are equal under simple case folding.
func foldEqual(a, b rune) bool {
	for f := a; ; {
		if f == b {
			return true
		}
		if f = unicode.SimpleFold(f); f == a {
			return false
		}
	}
}

// attr is untrusted for a double-quoted attribute value: & < > and " become
// entities, and newline and tab become a space.
func attr(s string) string {
	s = untrusted(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\n', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// inline is untrusted folded onto one line: each run of white space,
// line breaks included, becomes one space, and the ends are trimmed.
func inline(s string) string {
	return strings.Join(strings.Fields(untrusted(s)), " ")
}
