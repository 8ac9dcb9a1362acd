package scale_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/scale"
)

// TestClientAccountsForEveryRequest drives the client against a scripted
// server: only an answer, a degraded answer or a 429/503 with Retry-After
// is acceptable; a 503 without it, a 500, or an answer that changed for
// the same question in the same mode is a failure; a refused connection is
// retried on the next replica.
func TestClientAccountsForEveryRequest(t *testing.T) {
	t.Parallel()
	var step atomic.Int64
	replies := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) { fmt.Fprint(w, `{"turn_id":1,"mode":"llm","answer":"A"}`) },
		func(w http.ResponseWriter) { fmt.Fprint(w, `{"turn_id":2,"mode":"cache","answer":"A"}`) },
		func(w http.ResponseWriter) { fmt.Fprint(w, `{"turn_id":3,"mode":"extractive","answer":"B"}`) },
		func(w http.ResponseWriter) { w.Header().Set("Retry-After", "1"); w.WriteHeader(503) },
		func(w http.ResponseWriter) { w.WriteHeader(503) },
		func(w http.ResponseWriter) { w.WriteHeader(500) },
		func(w http.ResponseWriter) { fmt.Fprint(w, `{"turn_id":4,"mode":"llm","answer":"C"}`) },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		replies[step.Add(1)-1](w)
	}))
	defer srv.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()

	c := scale.NewClient([]string{dead.URL, srv.URL}, "demo")
	var got []scale.Outcome
	for range replies {
		got = append(got, c.Ask(context.Background(), "q", "10.0.0.1").Outcome)
	}
	require.Equal(t, []scale.Outcome{scale.Answered, scale.Answered, scale.Degraded, scale.Unavailable, scale.Failed,
		scale.Failed, scale.Wrong}, got)
	tally := c.Take()
	require.Equal(t, len(replies), tally.Sent)
	require.Equal(t, []int64{1, 2, 3, 4}, tally.Acked)
	require.Equal(t, 3, tally.Bad())
	require.Positive(t, tally.Retried, "the closed replica's refusals were retried")
	require.Equal(t, []int{0, 4}, tally.PerTarget)
}

func TestPanicsFindsRecoveredAndFatalOnes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.log"), []byte(`{"msg":"request"}`+"\n"+
		`{"level":"ERROR","msg":"panic","err":"boom"}`+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.log"), []byte("panic: runtime error\n\tpanic: in a question\n"), 0o644))
	found, err := scale.Panics(dir)
	require.NoError(t, err)
	require.Len(t, found, 2)
}
