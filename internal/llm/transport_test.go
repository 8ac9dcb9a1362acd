package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/llm"
)

// TestTheModelClientKeepsSmallConnectionBuffers holds the default
// client's per-connection buffers under net/http's 4 KiB each way: under
// 1,000 concurrent streams each holds a connection of its own.
func TestTheModelClientKeepsSmallConnectionBuffers(t *testing.T) {
	t.Parallel()
	c := llm.NewHTTPClient()
	tr, ok := c.Transport.(*http.Transport)
	require.True(t, ok)
	require.Positive(t, tr.ReadBufferSize)
	require.LessOrEqual(t, tr.ReadBufferSize, 1024)
	require.Positive(t, tr.WriteBufferSize)
	require.LessOrEqual(t, tr.WriteBufferSize, 1024)
	require.NotNil(t, tr.Proxy, "the proxy still comes from the environment")
	require.Zero(t, c.Timeout, "deadlines come from contexts")
}

// TestLinesLongerThanTheBuffersStillStream sends a prompt, a response
// header and streamed events each longer than the connection buffers.
func TestLinesLongerThanTheBuffersStillStream(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("refund ", 700) // ~4.9 KB in one event
	var gotPrompt string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Messages) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		gotPrompt = body.Messages[len(body.Messages)-1].Content
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Long", strings.Repeat("h", 3000))
		for _, s := range []string{long, "[P1]"} {
			b, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "model": "m",
				"choices": []map[string]any{{"index": 0, "delta": map[string]string{"content": s}}}})
			_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
			w.(http.Flusher).Flush()
		}
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(hs.Close)
	p, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "m", BaseURL: hs.URL + "/v1", APIKey: "test"})
	require.NoError(t, err)
	prompt := strings.Repeat("passage text ", 400)
	res, err := p.Generate(context.Background(), llm.Request{Messages: []llm.Message{{Role: "user", Content: prompt}}})
	require.NoError(t, err)
	require.Equal(t, prompt, gotPrompt)
	require.Equal(t, long+"[P1]", res.Text)
}
