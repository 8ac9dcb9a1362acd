package fakellm_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"supportd/internal/fakellm"
)

func TestChatThroughLangchaingo(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundAnswer, got)

	got, err = b.ask(t, question("Warranty coverage duration?", refunds))
	require.NoError(t, err)
	require.Equal(t, "I don't know.", got)
}

func TestChatUsage(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	prompt := "<question>Where is my order?</question>\n" + passage("P1", "T", "Where orders go")
	resp, err := b.llm.GenerateContent(t.Context(), []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "Be brief."),
		llms.TextParts(llms.ChatMessageTypeHuman, prompt),
	})
	require.NoError(t, err)
	require.Len(t, resp.Choices, 1)
	c := resp.Choices[0]
	require.Equal(t, "Where orders go [P1]", c.Content)
	require.Equal(t, "stop", c.StopReason)
	// Tokens are whitespace-separated words: "Be brief." is 2;
	// "<question>Where is my order?</question>" is 4; `<passage id="P1"
	// title="T" source="kb/p1.md">` is 4, "Where orders go" 3, "</passage>" 1.
	require.Equal(t, 14, c.GenerationInfo["PromptTokens"])
	require.Equal(t, 4, c.GenerationInfo["CompletionTokens"])
	require.Equal(t, 18, c.GenerationInfo["TotalTokens"])
}

func TestChatStreamingThroughLangchaingo(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})

	chunks, resp, err := b.stream(t.Context(), refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundTokens(), chunks)
	c := resp.Choices[0]
	require.Equal(t, refundAnswer, c.Content)
	require.Equal(t, "stop", c.StopReason)
	// langchaingo asks for stream usage; it arrives in the last chunk.
	require.Equal(t, 15, c.GenerationInfo["CompletionTokens"])
	require.Equal(t, len(strings.Fields(refundPrompt)), c.GenerationInfo["PromptTokens"])
	require.True(t, b.fake.LastRequest().IncludeUsage)
}

func TestChatStreamWireFormat(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{Now: func() time.Time { return time.Unix(1700000000, 0) }})
	prompt := question("When do orders ship?", passage("P2", "Ship", "Orders ship fast."))
	body, err := json.Marshal(map[string]any{
		"model": "gpt-fake", "stream": true, "stream_options": map[string]bool{"include_usage": true},
		"messages": []map[string]any{{"role": "user", "content": []map[string]string{{"type": "text", "text": prompt}}}},
	})
	require.NoError(t, err)

	require.Len(t, strings.Fields(prompt), 20)

	resp, raw := b.post(t, "/chat/completions", string(body)) // no /v1 prefix
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	head := `"id":"chatcmpl-fake-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-fake","system_fingerprint":"fp_fakellm"`
	want := "" +
		`data: {` + head + `,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n" +
		`data: {` + head + `,"choices":[{"index":0,"delta":{"content":"Orders "},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n" +
		`data: {` + head + `,"choices":[{"index":0,"delta":{"content":"ship "},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n" +
		`data: {` + head + `,"choices":[{"index":0,"delta":{"content":"fast. "},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n" +
		`data: {` + head + `,"choices":[{"index":0,"delta":{"content":"[P2]"},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n" +
		`data: {` + head + `,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}` + "\n\n" +
		`data: {` + head + `,"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":4,"total_tokens":24}}` + "\n\n" +
		"data: [DONE]\n\n"
	require.Equal(t, want, raw)

	req := b.fake.LastRequest()
	require.Equal(t, prompt, req.Messages[0].Content, "text parts are read as the content")
}

func TestChatStreamWithoutUsage(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	_, raw := b.post(t, "/v1/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	require.NotContains(t, raw, `"usage"`)
	require.Contains(t, raw, `"delta":{"content":"hi"}`)
	require.True(t, strings.HasSuffix(raw, "data: [DONE]\n\n"))
}

func TestChatJSONWireFormat(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{Now: func() time.Time { return time.Unix(1700000000, 0) }})
	resp, raw := b.post(t, "/v1/chat/completions", `{"messages":[{"role":"user","content":"say\nhello there"}]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.JSONEq(t, `{
		"id":"chatcmpl-fake-1","object":"chat.completion","created":1700000000,"model":"fake",
		"system_fingerprint":"fp_fakellm",
		"choices":[{"index":0,"message":{"role":"assistant","content":"hello there","refusal":null},"logprobs":null,"finish_reason":"stop"}],
		"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}
	}`, raw)
}

func TestChatBadRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantMessage              string
	}{
		{"invalid json", "POST", "/v1/chat/completions", `{`, 400, "decoding request: unexpected EOF"},
		{"no messages", "POST", "/v1/chat/completions", `{"messages":[]}`, 400, "messages must not be empty"},
		{"bad content", "POST", "/chat/completions", `{"messages":[{"role":"user","content":7}]}`, 400,
			"message content is neither a string nor an array of parts"},
		{"unknown path", "GET", "/v1/nope", ``, 404, "no route for GET /v1/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, raw := b.do(t, tt.method, tt.path, tt.body)
			require.Equal(t, tt.wantStatus, resp.StatusCode)
			var body struct {
				Error struct{ Message, Type string }
			}
			require.NoError(t, json.Unmarshal([]byte(raw), &body))
			require.Equal(t, tt.wantMessage, body.Error.Message)
			require.Equal(t, "invalid_request_error", body.Error.Type)
		})
	}
}

func TestRequestsRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	require.Equal(t, fakellm.Request{}, b.fake.LastRequest())

	_, err := b.ask(t, "first")
	require.NoError(t, err)
	_, _, err = b.stream(t.Context(), "ignored")
	require.NoError(t, err)
	_, err = b.llm.GenerateContent(t.Context(), []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "You are helpful."),
		llms.TextParts(llms.ChatMessageTypeHuman, refundPrompt),
	}, llms.WithMaxTokens(64), llms.WithTemperature(0.25), llms.WithModel("other"))
	require.NoError(t, err)
	b.post(t, "/chat/completions", `{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"x"}]}`)
	b.do(t, http.MethodGet, "/v1/models", "")

	reqs := b.fake.Requests()
	require.Len(t, reqs, 4)
	require.Equal(t, fakellm.Request{Model: "fake", Messages: []fakellm.Message{{Role: "user", Content: "first"}}}, reqs[0])
	require.True(t, reqs[1].Stream)
	require.True(t, reqs[1].IncludeUsage)
	require.Equal(t, fakellm.Request{
		Model: "other",
		Messages: []fakellm.Message{
			{Role: "system", Content: "You are helpful."},
			{Role: "user", Content: refundPrompt},
		},
		MaxTokens:   64,
		Temperature: 0.25,
	}, reqs[2])
	require.Equal(t, 9, reqs[3].MaxTokens, "legacy max_tokens is read too")
	require.Equal(t, reqs[3], b.fake.LastRequest())

	reqs[0].Messages[0].Content = "mutated"
	require.Equal(t, "first", b.fake.Requests()[0].Messages[0].Content, "callers get copies")

	require.Equal(t, 4, b.fake.Count("/chat/completions"))
	require.Equal(t, 4, b.fake.Count("/v1/chat/completions"))
	require.Equal(t, 1, b.fake.Count("/models"))
	require.Equal(t, 0, b.fake.Count("/embeddings"))
}

func TestModels(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{Model: "demo"})
	for _, path := range []string{"/models", "/v1/models"} {
		resp, raw := b.do(t, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.JSONEq(t, `{"object":"list","data":[
			{"id":"demo","object":"model","created":0,"owned_by":"fakellm"},
			{"id":"fake-embedding","object":"model","created":0,"owned_by":"fakellm"}]}`, raw)
	}
}

func TestTokenDelayPacesTheStream(t *testing.T) {
	t.Parallel()
	var p pauses
	b := setup(t, fakellm.Options{TokenDelay: 25 * time.Millisecond, Wait: p.wait})

	chunks, _, err := b.stream(t.Context(), refundPrompt)

	require.NoError(t, err)
	require.Equal(t, refundTokens(), chunks)
	want := make([]time.Duration, len(chunks)-1)
	for i := range want {
		want[i] = 25 * time.Millisecond
	}
	require.Equal(t, want, p.list(), "one pause of TokenDelay between consecutive tokens: a fixed token rate")
}
