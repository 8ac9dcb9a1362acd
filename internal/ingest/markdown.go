package ingest

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// extractMarkdown loads a Markdown file: YAML front matter, if any, becomes
// metadata (its "title" the title) and is cut from the text; otherwise the
// first level-1 heading is the title.
func extractMarkdown(name string, data []byte) (extracted, error) {
	s, err := requireUTF8(name, data)
	if err != nil {
		return extracted{}, err
	}
	body, fm, err := splitFrontMatter(strings.ReplaceAll(s, "\r\n", "\n"))
	if err != nil {
		return extracted{}, invalid(name, err, "invalid YAML front matter")
	}
	title, _ := fm["title"].(string)
	if strings.TrimSpace(title) == "" {
		title = firstH1(body)
	}
	return extracted{title: title, text: body, meta: fm}, nil
}

// splitFrontMatter cuts a leading YAML block delimited by "---" and "---"
// (or "...") lines from s. Without a closing delimiter there is no front
// matter: the opening line is then a thematic break. The metadata is
// JSON-safe; nil when there is no front matter.
func splitFrontMatter(s string) (body string, meta map[string]any, err error) {
	first, rest, ok := strings.Cut(s, "\n")
	if !ok || strings.TrimRight(first, " \t") != "---" {
		return s, nil, nil
	}
	yamlText, body, ok := cutClosingDelimiter(rest)
	if !ok {
		return s, nil, nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(yamlText), &v); err != nil {
		return "", nil, err
	}
	if v == nil {
		return body, map[string]any{}, nil
	}
	m, ok := jsonSafe(v, 0).(map[string]any)
	if !ok {
		return "", nil, errors.New("front matter is not a mapping")
	}
	return body, m, nil
}

// cutClosingDelimiter splits s at its first "---" or "..." line.
func cutClosingDelimiter(s string) (before, after string, ok bool) {
	off := 0
	for line := range strings.Lines(s) {
		t := strings.TrimRight(line, " \t\n")
		if t == "---" || t == "..." {
			return s[:off], s[off+len(line):], true
		}
		off += len(line)
	}
	return "", "", false
}

// firstH1 returns the text of the first level-1 ATX heading outside fenced
// code, or "".
func firstH1(s string) string {
	var fence fenceTracker
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\n")
		if fence.inCode(line) {
			continue
		}
		if level, text, ok := atxHeading(line); ok && level == 1 && text != "" {
			return text
		}
	}
	return ""
}

// maxMetaDepth bounds recursion over front-matter values.
const maxMetaDepth = 32

// jsonSafe converts a decoded YAML value into one encoding/json can marshal:
// maps get string keys, NaN and infinities become strings, times become
// strings, and anything nested deeper than maxMetaDepth is dropped.
func jsonSafe(v any, depth int) any {
	if depth > maxMetaDepth {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonSafe(e, depth+1)
		}
		return out
	case map[any]any:
		return stringKeys(x, depth)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonSafe(e, depth+1)
		}
		return out
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case time.Time:
		return formatTime(x)
	case nil, string, bool, int, int64, uint64:
		return x
	}
	return fmt.Sprint(v)
}

// formatTime renders a YAML timestamp as it was most likely written: a bare
// date stays a date, anything else becomes RFC 3339.
func formatTime(t time.Time) string {
	if t.Location() == time.UTC && t.Equal(t.Truncate(24*time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

// stringKeys converts a YAML map with non-string keys. Entries are applied
// in (key, key type) order, so colliding keys such as 1 and "1" resolve the
// same way on every run.
func stringKeys(m map[any]any, depth int) map[string]any {
	type entry struct {
		key, typ string
		val      any
	}
	entries := make([]entry, 0, len(m))
	for k, v := range m {
		entries = append(entries, entry{key: fmt.Sprint(k), typ: fmt.Sprintf("%T", k), val: v})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].key != entries[j].key {
			return entries[i].key < entries[j].key
		}
		return entries[i].typ < entries[j].typ
	})
	out := make(map[string]any, len(entries))
	for _, e := range entries {
		out[e.key] = jsonSafe(e.val, depth+1)
	}
	return out
}
