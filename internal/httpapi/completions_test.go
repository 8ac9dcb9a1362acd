package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// completionBody asks the refund question of knowledge base demo.
func completionBody(extra string) string {
	return `{"model":"kb:demo","messages":[{"role":"user","content":"` + refundQuestion + `"}]` + extra + `}`
}

// wireChunk is a streamed chunk as sent, keys and all.
type wireChunk map[string]json.RawMessage

// streamCompletion posts a streamed completion and returns its events'
// data, checking that none is named: OpenAI's stream has only data lines.
func (b *bundle) streamCompletion(t *testing.T, body string) []string {
	t.Helper()
	res := b.do(t, http.MethodPost, "/v1/chat/completions", "application/json", strings.NewReader(body))
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	require.Equal(t, "text/event-stream", res.header.Get("Content-Type"))
	var data []string
	for _, ev := range newSSEReader(strings.NewReader(string(res.body))).all(t) {
		require.Empty(t, ev.name, "OpenAI's chunks are unnamed events")
		data = append(data, ev.data)
	}
	require.Equal(t, "[DONE]", data[len(data)-1], "the stream ends with data: [DONE]")
	return data[:len(data)-1]
}

func decodeChunks(t *testing.T, data []string) []wireChunk {
	t.Helper()
	out := make([]wireChunk, len(data))
	for i, d := range data {
		require.NoError(t, json.Unmarshal([]byte(d), &out[i]), d)
	}
	return out
}

func TestCompletionStreamIsOpenAIsChunkFormat(t *testing.T) {
	t.Parallel()
	b := setupWith(t, testkit.Options{}, withOpenAI)
	chunks := decodeChunks(t, b.streamCompletion(t, completionBody(`,"stream":true,"stream_options":{"include_usage":true}`)))
	require.GreaterOrEqual(t, len(chunks), 3)
	require.JSONEq(t, `[]`, string(chunks[len(chunks)-1]["choices"]), "the usage chunk comes last, without choices")
	require.JSONEq(t, `{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}`, string(chunks[len(chunks)-1]["usage"]),
		"an extractive answer used no model")
	var first struct {
		Choices []struct {
			Delta map[string]any `json:"delta"`
		} `json:"choices"`
	}
	require.NoError(t, json.Unmarshal(chunks[0]["choices"], &first.Choices))
	require.Equal(t, "assistant", first.Choices[0].Delta["role"])
	final := chunks[len(chunks)-2]
	require.JSONEq(t, `[{"index":0,"delta":{},"finish_reason":"stop","logprobs":null}]`, string(final["choices"]))
	var ext extension
	require.NoError(t, json.Unmarshal(final["supportd"], &ext))
	require.Equal(t, "extractive", ext.Mode)
	require.Equal(t, "billing/refunds.md", ext.Citations[0].Document)
	for _, ch := range chunks[:len(chunks)-1] {
		require.NotContains(t, ch, "usage")
		require.Equal(t, `"chat.completion.chunk"`, string(ch["object"]))
	}

	chunks = decodeChunks(t, b.streamCompletion(t, completionBody(`,"stream":true`)))
	require.Contains(t, string(chunks[len(chunks)-1]["choices"]), `"finish_reason":"stop"`, "without include_usage no usage chunk")
}

// A completion stream keeps quiet time alive with the same comments as
// /v1/chat's, on the same ticker.
func TestCompletionStreamSendsKeepalives(t *testing.T) {
	t.Parallel()
	model := newHeldModel(t)
	ticks, tune := manualTicks(t, 7*time.Second)
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{model.url}, Gateway: llm.GatewayParams{FirstToken: time.Minute, Total: time.Minute}})
	b := serve(t, kit, tune, withOpenAI)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opened := make(chan *http.Response, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL+"/v1/chat/completions",
			strings.NewReader(completionBody(`,"stream":true`)))
		if err != nil {
			panic(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := b.srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		opened <- res
	}()
	<-model.waiting
	ticks <- time.Now()
	res := <-opened
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	r := bufio.NewReader(res.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, ": keepalive\n", line)
	close(model.release)
	events := newSSEReader(r).all(t)
	require.Equal(t, "[DONE]", events[len(events)-1].data)
}

func TestCompletionBadBodiesGetOpenAIsErrorShape(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	b := serve(t, kit, openAll(kit), withOpenAI)
	cases := append([]badBody{}, shapes...)
	for i, s := range cases {
		if s.name == "unknown field" {
			cases[i].message = `unknown parameter "nope"`
		}
	}
	cases = append(cases,
		badBody{"messages string", `{"model":"kb:demo","messages":"hi"}`, "messages must be an array of objects"},
		badBody{"no messages", `{"model":"kb:demo","messages":[]}`, "messages must hold at least one user message"},
		badBody{"assistant last", `{"model":"kb:demo","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`,
			"the last message must be the user's question"},
		badBody{"tool role", `{"model":"kb:demo","messages":[{"role":"tool","content":"a","tool_call_id":"x"}]}`,
			"tool_call_id is not supported: supportd calls no tools and reads text"},
		badBody{"json schema", completionBody(`,"response_format":{"type":"json_schema"}`),
			`response_format must be {"type":"text"}: json_object and json_schema are not supported`},
		badBody{"stream options alone", completionBody(`,"stream_options":{"include_usage":true}`), "stream_options needs stream: true"},
	)
	for _, s := range cases {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			res := b.do(t, http.MethodPost, "/v1/chat/completions", "application/json", strings.NewReader(s.body))
			requireOpenAIError(t, res, http.StatusBadRequest, core.CodeInvalid)
			var e openAIErrorBody
			require.NoError(t, json.Unmarshal(res.body, &e))
			require.Equal(t, s.message, e.Error.Message)
			require.Equal(t, "invalid_request_error", e.Error.Type)
			require.NotRegexp(t, goIsm, e.Error.Message)
		})
	}
	res := b.do(t, http.MethodPost, "/v1/chat/completions", "text/plain", strings.NewReader(completionBody("")))
	requireOpenAIError(t, res, http.StatusUnsupportedMediaType, core.CodeUnsupportedMedia)
}

// openAIErrorBody is an error in OpenAI's shape.
type openAIErrorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code"`
	} `json:"error"`
}

// A completion stream that degrades says so in a chunk before the text
// that stands in for the model's, as /v1/chat's status event does.
func TestCompletionStreamSaysWhenItDegrades(t *testing.T) {
	t.Parallel()
	model := newHeldModel(t)
	_, tune := manualTicks(t, 5*time.Second)
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{model.url},
		Gateway: llm.GatewayParams{FirstToken: time.Second, Total: time.Minute, MaxAttempts: 3}})
	b := serve(t, kit, tune, withOpenAI)
	chunks := decodeChunks(t, b.streamCompletion(t, completionBody(`,"stream":true`)))
	require.JSONEq(t, `{"mode":"extractive","degraded_reason":"first_token_timeout"}`, string(chunks[0]["supportd"]))
	require.JSONEq(t, `[{"index":0,"delta":{"role":"assistant"},"finish_reason":null,"logprobs":null}]`, string(chunks[0]["choices"]))
	var ext extension
	require.NoError(t, json.Unmarshal(chunks[len(chunks)-1]["supportd"], &ext))
	require.Equal(t, "extractive", ext.Mode)
	require.Equal(t, "first_token_timeout", ext.DegradedReason)
	require.Equal(t, 1, model.Count("/chat/completions"), "the stalled model is not asked again")
}
