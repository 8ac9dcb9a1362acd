package testkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RealMessages returns the messages issue 15 found rejected as invalid,
// by file name: a 2,737-character bug report with a pasted log, a Chinese
// report ending in a rule of em dashes, a run of emoji, a report quoting
// zero-width spaces and a Japanese report quoting mojibake. Each is
// trimmed, as the assistant trims a question.
func RealMessages(t testing.TB) map[string]string {
	t.Helper()
	dir := filepath.Join(RepoRoot(), "internal", "guard", "testdata", "messages")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("testkit: real messages: %v", err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("testkit: real messages: %v", err)
		}
		out[e.Name()] = strings.TrimSpace(string(b))
	}
	return out
}
