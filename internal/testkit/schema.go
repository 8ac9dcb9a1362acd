package testkit

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// goldenSchema is goldenset/schema.json, compiled once per test binary.
var goldenSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return jsonschema.NewCompiler().Compile(filepath.Join(RepoRoot(), "goldenset", "schema.json"))
})

// RequireGoldenLines fails the test unless every non-blank line of jsonl
// validates against goldenset/schema.json, the published format of a
// golden case; it returns how many lines it checked.
func RequireGoldenLines(t testing.TB, jsonl []byte) int {
	t.Helper()
	sch, err := goldenSchema()
	if err != nil {
		t.Fatalf("testkit: compile golden schema: %v", err)
	}
	n := 0
	for i, line := range bytes.Split(jsonl, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 || bytes.HasPrefix(bytes.TrimSpace(line), []byte("//")) {
			continue
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
		if err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		if err := sch.Validate(v); err != nil {
			t.Fatalf("line %d does not validate against goldenset/schema.json: %v\n%s", i+1, err, line)
		}
		n++
	}
	return n
}
