package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// faqEntry is one question with its answer.
type faqEntry struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// extractFAQCSV loads a CSV FAQ: a header row naming "question" and
// "answer" columns (any case, any position, other columns ignored), then one
// entry per row. Rows whose question and answer are both empty are skipped.
func extractFAQCSV(name string, data []byte) (extracted, error) {
	s, err := requireUTF8(name, data)
	if err != nil {
		return extracted{}, err
	}
	r := csv.NewReader(strings.NewReader(s))
	header, err := r.Read()
	if err != nil {
		return extracted{}, invalid(name, err, "not a readable CSV file")
	}
	qi, ai := faqColumns(header)
	if qi < 0 || ai < 0 {
		return extracted{}, invalid(name, nil, `CSV header must name "question" and "answer" columns`)
	}
	var entries []faqEntry
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return extracted{}, invalid(name, err, "not a readable CSV file: "+csvPosition(err))
		}
		entries = append(entries, faqEntry{Question: rec[qi], Answer: rec[ai]})
	}
	return faqDocument(name, entries)
}

// faqColumns finds the question and answer columns in a CSV header; -1
// when absent.
func faqColumns(header []string) (qi, ai int) {
	qi, ai = -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "question":
			qi = cmpFirst(qi, i)
		case "answer":
			ai = cmpFirst(ai, i)
		}
	}
	return qi, ai
}

// cmpFirst keeps the first column index found.
func cmpFirst(cur, i int) int {
	if cur >= 0 {
		return cur
	}
	return i
}

// csvPosition renders where a CSV parse error is, for the client message.
func csvPosition(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	return "unexpected content"
}

// extractFAQJSON loads a JSON FAQ: one array of {"question", "answer"}
// objects; other fields are ignored.
func extractFAQJSON(name string, data []byte) (extracted, error) {
	if _, err := requireUTF8(name, data); err != nil {
		return extracted{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	var entries []faqEntry
	if err := dec.Decode(&entries); err != nil {
		return extracted{}, invalid(name, err, `not a JSON array of {"question", "answer"} objects`)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return extracted{}, invalid(name, err, "unexpected content after the JSON array")
	}
	return faqDocument(name, entries)
}

// faqDocument renders entries as "## question\n\nanswer" sections, so that
// each pair is one section for the chunker and its question the heading.
func faqDocument(name string, entries []faqEntry) (extracted, error) {
	var b strings.Builder
	n := 0
	for i, e := range entries {
		q := strings.Join(strings.Fields(e.Question), " ")
		a := strings.TrimSpace(e.Answer)
		if q == "" && a == "" {
			continue
		}
		if q == "" || a == "" {
			return extracted{}, invalid(name, nil, fmt.Sprintf("entry %d has an empty question or answer", i+1))
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", q, escapeHeadingLines(a))
		n++
	}
	return extracted{text: b.String(), meta: map[string]any{"entries": n}}, nil
}

// escapeHeadingLines backslash-escapes answer lines that would read as
// Markdown headings, so an answer cannot split its own section. Lines in
// fenced code are left alone: they are not headings. A fence the answer
// leaves open is closed, or it would swallow the following questions.
func escapeHeadingLines(s string) string {
	var fence fenceTracker
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if fence.inCode(line) {
			continue
		}
		if _, _, ok := atxHeading(line); ok {
			lines[i] = `\` + strings.TrimLeft(line, " ")
		}
	}
	if c := fence.closer(); c != "" {
		lines = append(lines, c)
	}
	return strings.Join(lines, "\n")
}
