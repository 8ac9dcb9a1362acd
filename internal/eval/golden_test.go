package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const demoGolden = "../../goldenset/demo.jsonl"

func TestLoadGoldenDemo(t *testing.T) {
	t.Parallel()
	set, err := LoadGolden(demoGolden)
	require.NoError(t, err)

	data, err := os.ReadFile(demoGolden)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	require.Equal(t, hex.EncodeToString(sum[:]), set.Hash)
	require.Equal(t, demoGolden, set.Path)
	require.Len(t, set.Cases, 64)
	require.Equal(t, "billing-001", set.Cases[0].ID)
	declines, withHistory := 0, 0
	for i, c := range set.Cases {
		require.Equal(t, i+1, c.Line, c.ID) // no blank or comment lines in the demo file
		if c.Declines() {
			declines++
		}
		if len(c.History) > 0 {
			withHistory++
		}
	}
	require.Equal(t, 7, declines)    // README: 7 out-of-scope questions
	require.Equal(t, 4, withHistory) // README: 4 follow-ups
}

// TestDemoFactsOccurInTheirSources checks the README's promise that every
// required fact occurs in one of the case's expected sources, with the
// same matching the metrics use.
func TestDemoFactsOccurInTheirSources(t *testing.T) {
	t.Parallel()
	set, err := LoadGolden(demoGolden)
	require.NoError(t, err)
	for _, c := range set.Cases {
		var sources strings.Builder
		for _, src := range c.ExpectedSources {
			data, err := os.ReadFile(filepath.Join("../../goldenset/corpus", src))
			require.NoError(t, err, "%s: expected source", c.ID)
			sources.Write(data)
		}
		for _, f := range c.RequiredFacts {
			require.True(t, FactPresent(f, sources.String()), "%s: fact %q not in %v", c.ID, f, c.ExpectedSources)
		}
	}
}

func TestGoldenSchemaMatchesCase(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../goldenset/schema.json")
	require.NoError(t, err)
	var schema struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(data, &schema))
	require.Equal(t, "https://json-schema.org/draft/2020-12/schema", schema.Schema)

	tags, omitempty := jsonTags(reflect.TypeFor[Case]())
	require.ElementsMatch(t, tags, slices.Collect(maps.Keys(schema.Properties)), "schema properties vs Case json tags")
	var names, required []string
	for _, f := range caseFields {
		names = append(names, f.Name)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	require.ElementsMatch(t, tags, names, "caseFields vs Case json tags")
	require.ElementsMatch(t, required, schema.Required, "schema required vs caseFields")
	for _, name := range omitempty {
		require.NotContains(t, schema.Required, name, "an omitempty field cannot be required")
	}

	var history struct {
		Items struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(schema.Properties["history"], &history))
	msgTags, _ := jsonTags(reflect.TypeFor[Message]())
	require.ElementsMatch(t, msgTags, slices.Collect(maps.Keys(history.Items.Properties)))
	require.ElementsMatch(t, msgTags, history.Items.Required)
}

// jsonTags returns the JSON names of t's serialised fields and those of
// them marked omitempty.
func jsonTags(t reflect.Type) (names, omitempty []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		names = append(names, name)
		if strings.Contains(opts, "omitempty") {
			omitempty = append(omitempty, name)
		}
	}
	return names, omitempty
}

// goldenLine is a valid golden line after edit changes its fields.
func goldenLine(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	m := map[string]any{
		"id": "billing-001", "question": "Can I get a refund?", "reference_answer": "Yes, within 14 days.",
		"required_facts": []string{"14 days"}, "expected_sources": []string{"billing/refunds.md"},
		"should_handoff": false, "tags": []string{"billing"},
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestParseGoldenSkipsBlankAndCommentLines(t *testing.T) {
	t.Parallel()
	second := goldenLine(t, func(m map[string]any) {
		m["id"] = "oos-001"
		m["should_handoff"], m["reference_answer"] = true, ""
		m["required_facts"], m["expected_sources"] = []string{}, []string{}
		m["history"] = []Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "hello"}}
	})
	third := goldenLine(t, func(m map[string]any) {
		m["id"], m["should_refuse"] = "unsafe.1", true
		m["required_facts"] = []string{}
	})
	data := "\uFEFF// a comment\n" + goldenLine(t, nil) + "\r\n\n   \n  // indented comment\n" + second + "\n" + third
	set, err := ParseGolden(strings.NewReader(data), "g.jsonl")
	require.NoError(t, err)

	sum := sha256.Sum256([]byte(data))
	require.Equal(t, hex.EncodeToString(sum[:]), set.Hash) // of the raw bytes, BOM included
	require.Len(t, set.Cases, 3)
	require.Equal(t, []int{2, 6, 7}, []int{set.Cases[0].Line, set.Cases[1].Line, set.Cases[2].Line})
	require.Equal(t, Case{ID: "billing-001", Question: "Can I get a refund?", ReferenceAnswer: "Yes, within 14 days.",
		RequiredFacts: []string{"14 days"}, ExpectedSources: []string{"billing/refunds.md"}, Tags: []string{"billing"}, Line: 2},
		set.Cases[0])
	require.True(t, set.Cases[1].Declines())
	require.True(t, set.Cases[2].Declines())
}

func TestParseGoldenProblems(t *testing.T) {
	t.Parallel()
	edit := func(f func(m map[string]any)) string { return goldenLine(t, f) }
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"empty file", "", []string{"g.jsonl: no cases"}},
		{"only comments", "// nothing yet\n\n", []string{"g.jsonl: no cases"}},
		{"truncated JSON", `{"id": `, []string{"g.jsonl:1: invalid JSON: unexpected end of JSON input"}},
		{"trailing data", edit(nil) + " {}", []string{"g.jsonl:1: invalid JSON: invalid character '{' after top-level value"}},
		{"not an object", "[1, 2]", []string{"g.jsonl:1: line is not a JSON object"}},
		{"null", "null", []string{"g.jsonl:1: line is not a JSON object"}},
		{"invalid UTF-8", "{\"id\": \"\xff\"}", []string{"g.jsonl:1: line is not valid UTF-8"}},
		{"unknown and missing fields", edit(func(m map[string]any) {
			m["tag"], m["answer"] = m["tags"], "x"
			delete(m, "tags")
			delete(m, "should_handoff")
		}), []string{
			`g.jsonl:1: unknown field "answer"`,
			`g.jsonl:1: unknown field "tag"`,
			`g.jsonl:1: missing required field "should_handoff"`,
			`g.jsonl:1: missing required field "tags"`,
		}},
		{"wrong type", edit(func(m map[string]any) { m["should_handoff"] = "yes" }),
			[]string{"g.jsonl:1: should_handoff: expected boolean, got string"}},
		{"wrong list type", edit(func(m map[string]any) { m["tags"] = "billing" }),
			[]string{"g.jsonl:1: tags: expected array, got string"}},
		{"wrong nested type", edit(func(m map[string]any) { m["history"] = []any{map[string]any{"role": 1, "content": "x"}} }),
			[]string{"g.jsonl:1: history.role: expected string, got number"}},
		{"unknown nested field", edit(func(m map[string]any) {
			m["history"] = []any{map[string]any{"role": "user", "content": "x", "name": "Ann"}}
		}), []string{`g.jsonl:1: unknown field "name"`}},
		{"unknown fields at both levels", edit(func(m map[string]any) {
			m["notes"] = "x"
			m["history"] = []any{map[string]any{"role": "user", "content": "x", "name": "Ann"}}
		}), []string{`g.jsonl:1: unknown field "notes"`, `g.jsonl:1: unknown field "name"`}},
		{"empty id", edit(func(m map[string]any) { m["id"] = "" }), []string{"g.jsonl:1: id is empty"}},
		{"bad id", edit(func(m map[string]any) { m["id"] = "billing 003" }),
			[]string{`g.jsonl:1: id "billing 003" must match ^[A-Za-z0-9._-]+$`}},
		{"duplicate id", edit(nil) + "\n\n" + edit(nil),
			[]string{`g.jsonl:3: duplicate id "billing-001" (first on line 1)`}},
		{"blank question", edit(func(m map[string]any) { m["question"] = " \t" }), []string{"g.jsonl:1: question is empty"}},
		{"empty reference", edit(func(m map[string]any) { m["reference_answer"] = "" }),
			[]string{"g.jsonl:1: reference_answer is empty (allowed only when should_handoff or should_refuse is true)"}},
		{"facts on a declining case", edit(func(m map[string]any) { m["should_handoff"] = true }),
			[]string{"g.jsonl:1: required_facts must be empty when should_handoff or should_refuse is true"}},
		{"invalid regexp", edit(func(m map[string]any) { m["required_facts"] = []string{"14 days", "re:(abc"} }),
			[]string{"g.jsonl:1: required_facts[1]: invalid regexp: missing closing ): `(abc`"}},
		{"empty regexp", edit(func(m map[string]any) { m["required_facts"] = []string{"re: "} }),
			[]string{"g.jsonl:1: required_facts[0]: empty regexp"}},
		{"empty fact", edit(func(m map[string]any) { m["required_facts"] = []string{""} }),
			[]string{"g.jsonl:1: required_facts[0] is empty"}},
		{"duplicate source", edit(func(m map[string]any) {
			m["expected_sources"] = []string{"billing/refunds.md", "billing/refunds.md"}
		}), []string{`g.jsonl:1: expected_sources[1]: duplicate of expected_sources[0] "billing/refunds.md"`}},
		{"empty tag", edit(func(m map[string]any) { m["tags"] = []string{"billing", ""} }),
			[]string{"g.jsonl:1: tags[1] is empty"}},
		{"history out of order", edit(func(m map[string]any) {
			m["history"] = []Message{{Role: "assistant", Content: "hi"}, {Role: "user", Content: ""}, {Role: "system", Content: "x"}}
		}), []string{
			`g.jsonl:1: history[0].role must be "user", not "assistant" (turns alternate user, assistant)`,
			`g.jsonl:1: history[1].role must be "assistant", not "user" (turns alternate user, assistant)`,
			"g.jsonl:1: history[1].content is empty",
			`g.jsonl:1: history[2].role must be "user", not "system" (turns alternate user, assistant)`,
			"g.jsonl:1: history must end with an assistant turn (it has 3 turns)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseGolden(strings.NewReader(tt.input), "g.jsonl")
			var verr *ValidationError
			require.ErrorAs(t, err, &verr)
			require.Equal(t, tt.want, verr.Problems)
		})
	}
}

func TestParseGoldenReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	lines := []string{
		`{"id": "a-1", "question": "", "reference_answer": "r", "required_facts": ["re:[", "x"], "expected_sources": [], "should_handoff": false, "tags": ["t"]}`,
		`// skipped`,
		`{"id": "a-1", "question": "q", "reference_answer": "r", "required_facts": [], "expected_sources": [], "should_handoff": false, "tags": ["t"], "note": 1}`,
		`{"id": "a-2", "question": "q", "reference_answer": "r", "required_facts": [], "expected_sources": [""], "should_handoff": false, "tags": ["t"]}`,
	}
	_, err := ParseGolden(strings.NewReader(strings.Join(lines, "\n")), "goldenset/x.jsonl")
	want := []string{
		"goldenset/x.jsonl:1: question is empty",
		"goldenset/x.jsonl:1: required_facts[0]: invalid regexp: missing closing ]: `[`",
		`goldenset/x.jsonl:3: unknown field "note"`,
		"goldenset/x.jsonl:4: expected_sources[0] is empty",
	}
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, want, verr.Problems)
	require.Equal(t, strings.Join(want, "\n"), err.Error())
}

func TestLoadGoldenMissingFile(t *testing.T) {
	t.Parallel()
	_, err := LoadGolden("testdata/does-not-exist.jsonl")
	require.ErrorIs(t, err, fs.ErrNotExist)
	var verr *ValidationError
	require.False(t, errors.As(err, &verr))
}
