package guard

import (
	"fmt"
	"strconv"
	"strings"
)

// corpusLine is one example of a corpus file and the group it is filed
// under.
type corpusLine struct {
	category, text string
	line           int
}

// parseCorpus reads the corpus format shared by testdata/injection and
// testdata/train: one example per line; blank lines and lines starting
// with "# " are skipped; "# == name ==" starts a group. Examples may use
// the escapes \n, \t, \\, \uXXXX and \UXXXXXXXX.
func parseCorpus(data string) ([]corpusLine, error) {
	var out []corpusLine
	category := "uncategorised"
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.HasPrefix(line, "# == "):
			category = strings.TrimSuffix(strings.TrimPrefix(line, "# == "), " ==")
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "# "), line == "#":
		default:
			text, err := unescapeLine(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			out = append(out, corpusLine{category: category, text: text, line: i + 1})
		}
	}
	return out, nil
}

func unescapeLine(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '\\':
			b.WriteByte('\\')
		case 'u', 'U':
			width := 4
			if s[i] == 'U' {
				width = 8
			}
			if i+1+width > len(s) {
				return "", fmt.Errorf("short escape at %d", i)
			}
			n, err := strconv.ParseUint(s[i+1:i+1+width], 16, 32)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(n))
			i += width
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}
