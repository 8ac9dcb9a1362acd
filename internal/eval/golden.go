package eval

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// idRE is what a case id may contain: ids end up in JUnit test names, file
// names and URLs.
var idRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// caseFields are the keys of one golden line in schema order; Required
// keys must be present even when their value is empty or false, so that a
// forgotten field is an error rather than a silent default.
// goldenset/schema.json documents the same keys (a test checks it).
var caseFields = []struct {
	Name     string
	Required bool
}{
	{"id", true},
	{"question", true},
	{"history", false},
	{"reference_answer", true},
	{"required_facts", true},
	{"expected_sources", true},
	{"should_handoff", true},
	{"should_refuse", false},
	{"tags", true},
}

// ValidationError lists every problem found in a golden file, each as
// "path:line: message", in file order.
type ValidationError struct {
	Problems []string
}

// Error joins the problems, one per line.
func (e *ValidationError) Error() string { return strings.Join(e.Problems, "\n") }

// LoadGolden reads and validates the golden file at path; see
// [ParseGolden]. A folder is read as a retrieval dataset (corpus.jsonl and
// qa.jsonl; see [DatasetGolden]).
func LoadGolden(path string) (GoldenSet, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return DatasetGolden(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return GoldenSet{}, fmt.Errorf("load golden set: %w", err)
	}
	defer f.Close()
	return ParseGolden(f, path)
}

// ParseGolden reads a golden set: JSON Lines, one [Case] per line, blank
// lines and lines starting with "//" skipped. Decoding is strict (unknown
// and missing keys are errors) and every line is validated; all problems
// come back at once in a *[ValidationError], each prefixed "path:line: ".
// A line whose structure is wrong is not checked further.
//
// The rules: id matches ^[A-Za-z0-9._-]+$ and is unique; question is not
// blank; reference_answer is not blank unless the case declines
// (should_handoff or should_refuse); a declining case has no
// required_facts; facts, sources and tags are non-blank and not repeated;
// a "re:" fact compiles; history alternates user and assistant turns,
// starting with user and ending with assistant, each with content.
func ParseGolden(r io.Reader, path string) (GoldenSet, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return GoldenSet{}, fmt.Errorf("read golden set %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	p := goldenParser{path: path, seen: map[string]int{}}
	lines := bytes.Split(bytes.TrimPrefix(data, []byte("\uFEFF")), []byte("\n"))
	for i, line := range lines {
		p.parseLine(i+1, line)
	}
	if len(p.cases) == 0 && len(p.problems) == 0 {
		p.problems = append(p.problems, path+": no cases")
	}
	if len(p.problems) > 0 {
		return GoldenSet{}, &ValidationError{Problems: p.problems}
	}
	return GoldenSet{Path: path, Hash: hex.EncodeToString(sum[:]), Cases: p.cases}, nil
}

// goldenParser accumulates the cases and problems of one file.
type goldenParser struct {
	path     string
	cases    []Case
	seen     map[string]int // case id → line of its first use
	problems []string
}

func (p *goldenParser) addf(line int, format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf("%s:%d: %s", p.path, line, fmt.Sprintf(format, args...)))
}

func (p *goldenParser) parseLine(n int, line []byte) {
	text := bytes.TrimSpace(line)
	if len(text) == 0 || bytes.HasPrefix(text, []byte("//")) {
		return
	}
	c, ok := p.decode(n, text)
	if !ok {
		return
	}
	c.Line = n
	p.checkID(n, c.ID)
	for _, msg := range caseProblems(c) {
		p.addf(n, "%s", msg)
	}
	p.cases = append(p.cases, c)
}

// decode checks the line's keys, then decodes it strictly.
func (p *goldenParser) decode(n int, text []byte) (Case, bool) {
	if !utf8.Valid(text) {
		p.addf(n, "line is not valid UTF-8")
		return Case{}, false
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(text, &keys); err != nil || keys == nil {
		p.addf(n, "%s", jsonProblem(err))
		return Case{}, false
	}
	ok := true
	for _, msg := range keyProblems(keys) {
		p.addf(n, "%s", msg)
		ok = false
	}
	if !ok {
		// Decode what is known, so that nested problems show too but
		// unknown keys are not reported twice.
		maps.DeleteFunc(keys, func(k string, _ json.RawMessage) bool { return !knownCaseField(k) })
		text, _ = json.Marshal(keys) // re-encoding decoded raw JSON cannot fail
	}
	var c Case
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		p.addf(n, "%s", jsonProblem(err))
		return Case{}, false
	}
	return c, ok
}

// keyProblems reports unknown keys (alphabetically) and missing required
// keys (in schema order).
func keyProblems(keys map[string]json.RawMessage) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !knownCaseField(k) {
			out = append(out, fmt.Sprintf("unknown field %q", k))
		}
	}
	for _, f := range caseFields {
		if _, has := keys[f.Name]; f.Required && !has {
			out = append(out, fmt.Sprintf("missing required field %q", f.Name))
		}
	}
	return out
}

func knownCaseField(name string) bool {
	for _, f := range caseFields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// jsonProblem turns a decoding error into a message naming the field.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "line is not a JSON object"
	case errors.As(err, &syn):
		return "invalid JSON: " + syn.Error()
	case errors.As(err, &typ) && typ.Field == "":
		return "line is not a JSON object"
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: expected %s, got %s", typ.Field, jsonKind(typ.Type), typ.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.String:
		return "string"
	}
	return t.String()
}

func (p *goldenParser) checkID(n int, id string) {
	switch first, dup := p.seen[id]; {
	case id == "":
		p.addf(n, "id is empty")
	case !idRE.MatchString(id):
		p.addf(n, "id %q must match %s", id, idRE)
	case dup:
		p.addf(n, "duplicate id %q (first on line %d)", id, first)
	default:
		p.seen[id] = n
	}
}

// caseProblems validates everything but the id.
func caseProblems(c Case) []string {
	var out []string
	if strings.TrimSpace(c.Question) == "" {
		out = append(out, "question is empty")
	}
	if strings.TrimSpace(c.ReferenceAnswer) == "" && !c.Declines() {
		out = append(out, "reference_answer is empty (allowed only when should_handoff or should_refuse is true)")
	}
	out = append(out, factProblems(c)...)
	out = append(out, listProblems("expected_sources", c.ExpectedSources)...)
	out = append(out, listProblems("tags", c.Tags)...)
	return append(out, historyProblems(c.History)...)
}

func factProblems(c Case) []string {
	if c.Declines() && len(c.RequiredFacts) > 0 {
		return []string{"required_facts must be empty when should_handoff or should_refuse is true"}
	}
	out := listProblems("required_facts", c.RequiredFacts)
	for i, f := range c.RequiredFacts {
		pat, isRE := strings.CutPrefix(f, "re:")
		switch {
		case !isRE:
		case strings.TrimSpace(pat) == "":
			out = append(out, fmt.Sprintf("required_facts[%d]: empty regexp", i))
		default:
			if _, err := regexp.Compile(pat); err != nil {
				out = append(out, fmt.Sprintf("required_facts[%d]: invalid regexp: %s", i, regexpProblem(err)))
			}
		}
	}
	return out
}

// regexpProblem drops the "error parsing regexp: " prefix.
func regexpProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}

// listProblems reports blank and repeated entries of a string list.
func listProblems(field string, values []string) []string {
	var out []string
	first := map[string]int{}
	for i, v := range values {
		if strings.TrimSpace(v) == "" {
			out = append(out, fmt.Sprintf("%s[%d] is empty", field, i))
			continue
		}
		if j, dup := first[v]; dup {
			out = append(out, fmt.Sprintf("%s[%d]: duplicate of %s[%d] %q", field, i, field, j, v))
			continue
		}
		first[v] = i
	}
	return out
}

// historyProblems checks that the turns pair up as the runner sends them:
// user, assistant, user, assistant, ...
func historyProblems(h []Message) []string {
	var out []string
	for i, m := range h {
		want := "user"
		if i%2 == 1 {
			want = "assistant"
		}
		if m.Role != want {
			out = append(out, fmt.Sprintf("history[%d].role must be %q, not %q (turns alternate user, assistant)", i, want, m.Role))
		}
		if strings.TrimSpace(m.Content) == "" {
			out = append(out, fmt.Sprintf("history[%d].content is empty", i))
		}
	}
	if len(h)%2 == 1 {
		out = append(out, fmt.Sprintf("history must end with an assistant turn (it has %d turns)", len(h)))
	}
	return out
}
