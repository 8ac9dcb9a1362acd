package paste

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message is a support message split in two.
type Message struct {
	// Question is what the customer wrote in their own words, lines in
	// their order. A message that is nothing but pasted text is its own
	// question.
	Question string
	// Pasted is the pasted text, lines in their order; empty when there is
	// none.
	Pasted string
	// Salient are the pasted lines that name an error or an error code,
	// without their timestamps and levels, once each, at most maxSalient.
	Salient []string

	// lines are the pasted lines by rank: salient first, then system
	// info, then the rest; each in its order.
	lines [3][]string
}

// Bounds of what Split keeps.
const (
	// maxSalient is how many salient lines retrieval gets.
	maxSalient = 8
	// maxLineRunes is where a long salient or excerpt line is cut.
	maxLineRunes = 300
)

// Ranks of pasted lines in an excerpt.
const (
	rankSalient = iota
	rankInfo
	rankOther
)

// Split splits msg into its question and its pasted text. It never fails:
// a message with nothing pasted is all question.
func Split(msg string) Message {
	lines := strings.Split(strings.ReplaceAll(msg, "\r\n", "\n"), "\n")
	kinds := classify(lines)
	var question, pasted []string
	var m Message
	seen := map[string]bool{}
	for i, line := range lines {
		switch kinds[i] {
		case prose:
			question = append(question, line)
			continue
		case fence:
			continue
		}
		pasted = append(pasted, line)
		rank := rankOther
		if kinds[i] == info {
			rank = rankInfo
		}
		if salient(line) {
			rank = rankSalient
			if key := strip(line); !seen[key] && len(m.Salient) < maxSalient {
				seen[key] = true
				m.Salient = append(m.Salient, cut(key))
			}
		}
		m.lines[rank] = append(m.lines[rank], line)
	}
	m.Question = strings.TrimSpace(strings.Join(question, "\n"))
	m.Pasted = strings.Join(pasted, "\n")
	if m.Question == "" {
		m.Question = strings.TrimSpace(msg)
	}
	return m
}

// Query is what to retrieve on: question (m.Question, or its standalone
// form in a conversation), then the salient lines.
func (m Message) Query(question string) string {
	return strings.Join(append([]string{question}, m.Salient...), "\n")
}

// Focus is what to score passages and quote sentences against: for a
// message with something pasted, the sentences of question that ask
// something (end in a question mark), or all of question when none does,
// then the salient lines; for a message with nothing pasted, question.
// A long report's greeting and story would otherwise dilute its question.
func (m Message) Focus(question string) string {
	if m.Pasted == "" {
		return question
	}
	if asks := questions(question); len(asks) > 0 {
		question = strings.Join(asks, " ")
	}
	return m.Query(question)
}

// sentenceRE is a sentence: up to and including its end mark, or a line.
var sentenceRE = regexp.MustCompile(`[^.!?。！？\n]+[.!?。！？]*`)

// questions returns the sentences of s that end in a question mark.
func questions(s string) []string {
	var out []string
	for _, sent := range sentenceRE.FindAllString(s, -1) {
		sent = strings.TrimSpace(sent)
		if strings.HasSuffix(sent, "?") || strings.HasSuffix(sent, "？") {
			out = append(out, sent)
		}
	}
	return out
}

// Excerpt returns at most limit runes of the pasted text for the model:
// the salient lines, then system info, then the other lines, each group
// in its order, whole lines only (a very long line is cut), up to the
// first line that does not fit, and a count of the lines left out. It is
// empty when nothing was pasted.
func (m Message) Excerpt(limit int) string {
	var kept []string
	used, left := 0, 0
	for _, group := range m.lines {
		for _, line := range group {
			line = cut(line)
			n := utf8.RuneCountInString(line) + 1 // and its line break
			if left > 0 || used+n > limit-markerRunes {
				left++
				continue
			}
			kept = append(kept, line)
			used += n
		}
	}
	if left > 0 {
		kept = append(kept, "[… "+strconv.Itoa(left)+" more lines]")
	}
	return strings.Join(kept, "\n")
}

// markerRunes is the room Excerpt keeps for its "[… N more lines]".
const markerRunes = len("[… 99999 more lines]")

// cut shortens a line to maxLineRunes runes.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= maxLineRunes {
		return s
	}
	return string([]rune(s)[:maxLineRunes-1]) + "…"
}

// kind is what a line of a message is.
type kind int

const (
	prose kind = iota
	logLine
	info  // "key: value" system info
	fence // a code fence's ``` line
)

// classify says what each line is: code inside fences, log and stack
// lines with what is indented under them, blocks of two or more "key:
// value" lines, and prose.
func classify(lines []string) []kind {
	kinds := make([]kind, len(lines))
	inFence := false
	for i, line := range lines {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "```"):
			kinds[i], inFence = fence, !inFence
		case inFence, logRE.MatchString(line):
			kinds[i] = logLine
		case i > 0 && kinds[i-1] == logLine && indented(line):
			kinds[i] = logLine
		}
	}
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && kinds[j] == prose && infoRE.MatchString(lines[j]) {
			j++
		}
		if j-i >= 2 {
			for k := i; k < j; k++ {
				kinds[k] = info
			}
		}
		i = max(j, i+1)
	}
	return kinds
}

func indented(line string) bool {
	return strings.TrimSpace(line) != "" && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"))
}

// codes are error codes: QS-SYNC-503, NET::ERR_CERT_DATE_INVALID,
// ECONNREFUSED, 0x80070643.
const codes = `\b[A-Z]{2,}(?:-[A-Z0-9]+)*-\d{3,}\b|\bERR_[A-Z_]+\b|\bE[A-Z]{4,}\b|\b0x[0-9A-Fa-f]{8}\b`

// The shapes of pasted lines.
var (
	// logRE: a timestamp or level first, an access log, a stack frame or
	// the first line of a traceback or an exception.
	logRE = regexp.MustCompile(`^(?:` +
		`\s*\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}` + // 2024-06-03 09:12:44
		`|\s*\[?\d{2}:\d{2}:\d{2}\b` + // 09:12:44
		`|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}\b` + // Jun  3 09:12:44 (syslog)
		`|\s*\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\]?[\s:]` +
		`|\d{1,3}(?:\.\d{1,3}){3} \S+ \S+ \[` + // access log
		`|\s+at \S+` + // JavaScript, Java, C# frames
		`|\s*File ".+", line \d+` + // Python frames
		`|Traceback \(most recent call last\):` +
		`|goroutine \d+ \[` +
		`|\s*[\w.$]*(?:Error|Exception)\b(?::| in thread|$)` +
		`|Exception in thread ` +
		`)`)
	// infoRE: "Key: value" with a short key.
	infoRE = regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9._/()-]*(?: [A-Za-z0-9._/()-]+){0,3}:\s+\S`)
	// salientRE: an error word, or an error code.
	salientRE = regexp.MustCompile(`(?i:\b(?:error|exception|fatal|panic|failed|failure|denied|refused|unauthorized|forbidden|timed? ?out)\b)|` + codes)
	// levelRE: the level word of a line's prefix.
	levelRE = regexp.MustCompile(`\b(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\b`)
	// prefixRE: a leading timestamp and level.
	prefixRE = regexp.MustCompile(`^\s*\[?(?:\d{4}-\d{2}-\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s*` +
		`(?:\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\]?:?\s+)?` +
		`|^\s*\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\]?:?\s+`)
)

// salient reports a pasted line that names an error: any line at an
// error level, a line without a level that has an error word or code, and
// a line at a lower level only for an error code.
func salient(line string) bool {
	rest := prefixRE.ReplaceAllString(line, "")
	switch levelRE.FindString(line[:len(line)-len(rest)]) {
	case "ERROR", "ERR", "FATAL", "CRITICAL", "CRIT", "PANIC":
		return true
	case "":
		return salientRE.MatchString(rest)
	default:
		return codeRE.MatchString(rest)
	}
}

// codeRE: an error code.
var codeRE = regexp.MustCompile(codes)

// strip drops a line's timestamp, level and surrounding white space.
func strip(line string) string {
	return strings.TrimSpace(prefixRE.ReplaceAllString(line, ""))
}
