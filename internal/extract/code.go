package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// looksLikeCode reports whether a line is code, a command, a log entry or an
// error message, which must be quoted whole and never split at its dots.
func looksLikeCode(line string) bool {
	switch {
	case strings.HasPrefix(line, "$ "), strings.HasPrefix(line, "`"):
		return true
	case startsWithTimestamp(line), isErrorLine(line):
		return true
	}
	return symbolShare(line) > 0.15
}

// isErrorLine reports whether line starts like an error or log message:
// "ERROR 1045 (28000): …", "fatal: …", "TypeError: …",
// "java.lang.NullPointerException …".
func isErrorLine(line string) bool {
	head := line
	if i := strings.IndexAny(line, " :[("); i >= 0 {
		head = line[:i]
	}
	switch strings.ToLower(head) {
	case "error", "err", "fatal", "panic", "warning", "warn", "exception",
		"traceback", "critical", "severe", "e/", "w/":
		return len(head) < len(line)
	}
	return strings.HasSuffix(head, "Error") || strings.HasSuffix(head, "Exception")
}

// startsWithTimestamp reports whether line opens with a date such as
// "2024-05-01" or "[2024-05-01", as log lines do.
func startsWithTimestamp(line string) bool {
	line = strings.TrimPrefix(line, "[")
	if len(line) < 10 {
		return false
	}
	for i, c := range line[:10] {
		want := i != 4 && i != 7
		if want != (c >= '0' && c <= '9') || (!want && c != '-' && c != '/') {
			return false
		}
	}
	return true
}

// symbolShare is the share of a line's characters that are typical of code
// and rare in prose; lines shorter than 12 characters count as prose.
func symbolShare(line string) float64 {
	n := utf8.RuneCountInString(line)
	if n < 12 {
		return 0
	}
	k := 0
	for _, r := range line {
		if strings.ContainsRune("{}[]();=<>$\\|&#_", r) {
			k++
		}
	}
	return float64(k) / float64(n)
}

// neutralizeMarkers rewrites "[n]" that starts the text or follows white
// space as "(n)", so that numbers bracketed in the source can never be read
// as one of our citation markers. It only swaps brackets for parentheses,
// so it cannot create a new marker.
func neutralizeMarkers(s string) string {
	if !strings.Contains(s, "[") {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if b[i] != '[' || (i > 0 && !isASCIISpace(b[i-1])) {
			continue
		}
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(b) && b[j] == ']' {
			b[i], b[j] = '(', ')'
		}
	}
	return string(b)
}

// isASCIISpace matches the white space of Go's regexp \s, the definition
// clients are most likely to use when they look for markers.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// hasLetterWords reports whether s has at least n words containing a
// letter or digit; shorter units ("See .") are not worth quoting.
func hasLetterWords(s string, n int) bool {
	k := 0
	for _, f := range strings.Fields(s) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			k++
			if k >= n {
				return true
			}
		}
	}
	return false
}
