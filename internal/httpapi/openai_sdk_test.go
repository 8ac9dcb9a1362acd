package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/httpapi"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// createdAt is the clock of the OpenAI routes' "created" in these tests.
var createdAt = time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)

// withOpenAI names knowledge base demo "support" too and fixes the clock.
func withOpenAI(d *httpapi.Deps) {
	d.OpenAI = httpapi.OpenAI{Aliases: map[string]string{"support": "demo", "gone": "nowhere"}, Now: func() time.Time { return createdAt }}
}

// sdk is the official OpenAI Go client pointed at the test server; it
// records every attempt it makes, retries included.
type sdk struct {
	openai.Client
	mu       sync.Mutex
	attempts []*http.Request
}

func newSDK(b *bundle, key string, opts ...option.RequestOption) *sdk {
	s := &sdk{}
	s.Client = openai.NewClient(append([]option.RequestOption{option.WithBaseURL(b.srv.URL + "/v1/"), option.WithAPIKey(key),
		option.WithHTTPClient(b.srv.Client()),
		option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			s.mu.Lock()
			s.attempts = append(s.attempts, r)
			s.mu.Unlock()
			return next(r)
		})}, opts...)...)
	return s
}

// extension is the supportd object of a response or chunk.
type extension struct {
	TurnID         int64  `json:"turn_id"`
	ConversationID string `json:"conversation_id"`
	KB             string `json:"kb"`
	Citations      []struct {
		Document string `json:"document"`
	} `json:"citations"`
	Mode           string   `json:"mode"`
	Confidence     float64  `json:"confidence"`
	DegradedReason string   `json:"degraded_reason"`
	Model          string   `json:"model"`
	IgnoredParams  []string `json:"ignored_params"`
}

func extensionOf(t *testing.T, raw string) extension {
	t.Helper()
	var body struct {
		Supportd extension `json:"supportd"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &body))
	return body.Supportd
}

// ask answers question over /v1/chat, for comparison.
func (b *bundle) ask(t *testing.T, question string, header ...string) core.Answer {
	t.Helper()
	res := b.call(t, http.MethodPost, "/v1/chat", map[string]string{"kb": "demo", "question": question}, header...)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	var ans core.Answer
	require.NoError(t, json.Unmarshal(res.body, &ans))
	return ans
}

func refundParams(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model, Temperature: openai.Float(0.2), Messages: []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage("You are our IDE copilot."), openai.UserMessage(refundQuestion)}}
}

func TestOpenAISDKCompletionIsTheAssistantsAnswer(t *testing.T) {
	t.Parallel()
	b, _ := setupLLM(t, llm.GatewayParams{}, withOpenAI)
	want := b.ask(t, refundQuestion)
	c := newSDK(b, "any")

	for _, model := range []string{"kb:demo", "support"} {
		res, err := c.Chat.Completions.New(context.Background(), refundParams(model))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(res.ID, "chatcmpl-"), res.ID)
		require.Equal(t, "chat.completion", string(res.Object))
		require.Equal(t, createdAt.Unix(), res.Created)
		require.Equal(t, model, res.Model)
		require.Len(t, res.Choices, 1)
		require.Equal(t, "assistant", string(res.Choices[0].Message.Role))
		require.Equal(t, want.Text, res.Choices[0].Message.Content)
		require.Equal(t, "stop", res.Choices[0].FinishReason)
		require.Positive(t, res.Usage.PromptTokens)
		require.Positive(t, res.Usage.CompletionTokens)
		require.Equal(t, res.Usage.PromptTokens+res.Usage.CompletionTokens, res.Usage.TotalTokens)

		ext := extensionOf(t, res.RawJSON())
		require.Equal(t, "llm", ext.Mode)
		require.Equal(t, "demo", ext.KB)
		require.Positive(t, ext.TurnID)
		require.NoError(t, uuid.Validate(ext.ConversationID))
		require.Len(t, ext.Citations, len(want.Citations))
		require.Equal(t, want.Citations[0].Document, ext.Citations[0].Document)
		require.InDelta(t, want.Confidence, ext.Confidence, 1e-9)
		require.Equal(t, []string{"temperature", "messages[0]"}, ext.IgnoredParams)
	}
}

func TestOpenAISDKCarriesTheConversation(t *testing.T) {
	t.Parallel()
	b, model := setupLLM(t, llm.GatewayParams{}, withOpenAI)
	c := newSDK(b, "any")
	first, err := c.Chat.Completions.New(context.Background(), refundParams("kb:demo"))
	require.NoError(t, err)
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "kb:demo",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(refundQuestion),
			openai.AssistantMessage(first.Choices[0].Message.Content), openai.UserMessage("And on a monthly plan?")}})
	require.NoError(t, err)
	require.NotEmpty(t, res.Choices[0].Message.Content)
	var seen []string
	for _, r := range model.Requests() {
		for _, m := range r.Messages {
			seen = append(seen, m.Content)
		}
	}
	all := strings.Join(seen, "\n")
	require.Contains(t, all, "monthly plan", "the follow-up reached the model")
	require.Contains(t, all, first.Choices[0].Message.Content, "with the earlier answer as history")
}

func TestOpenAISDKStreamsChunksWithUsageLast(t *testing.T) {
	t.Parallel()
	b, _ := setupLLM(t, llm.GatewayParams{}, withOpenAI)
	want := b.ask(t, refundQuestion)
	c := newSDK(b, "any")
	p := refundParams("kb:demo")
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := c.Chat.Completions.NewStreaming(context.Background(), p)
	var chunks []openai.ChatCompletionChunk
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		ch := stream.Current()
		chunks = append(chunks, ch)
		require.True(t, acc.AddChunk(ch))
	}
	require.NoError(t, stream.Err())
	require.NoError(t, stream.Close())
	require.GreaterOrEqual(t, len(chunks), 3)

	id := chunks[0].ID
	require.True(t, strings.HasPrefix(id, "chatcmpl-"))
	for _, ch := range chunks {
		require.Equal(t, id, ch.ID)
		require.Equal(t, "chat.completion.chunk", string(ch.Object))
		require.Equal(t, createdAt.Unix(), ch.Created)
		require.Equal(t, "kb:demo", ch.Model)
	}
	require.Equal(t, "assistant", chunks[0].Choices[0].Delta.Role)
	usage := chunks[len(chunks)-1]
	require.Empty(t, usage.Choices, "the usage chunk has no choices")
	require.Positive(t, usage.Usage.PromptTokens)
	require.Equal(t, usage.Usage.PromptTokens+usage.Usage.CompletionTokens, usage.Usage.TotalTokens)
	final := chunks[len(chunks)-2]
	require.Equal(t, "stop", final.Choices[0].FinishReason)
	ext := extensionOf(t, final.RawJSON())
	require.Equal(t, "llm", ext.Mode)
	require.Len(t, ext.Citations, len(want.Citations))

	require.Equal(t, want.Text, acc.Choices[0].Message.Content)
	require.Equal(t, usage.Usage.TotalTokens, acc.Usage.TotalTokens)
}

func TestOpenAISDKListsTheKeysKnowledgeBases(t *testing.T) {
	t.Parallel()
	b, _ := setupLLM(t, llm.GatewayParams{}, withOpenAI)
	issueKey(t, b.kit.Store, nil, auth.CreateParams{Tenant: tenantB, Scopes: []string{"ingest"}}) // makes the tenant
	_, err := b.kit.Library.CreateKB(context.Background(), tenantB, "secret-kb", "test")
	require.NoError(t, err)
	page, err := newSDK(b, "any").Models.List(context.Background())
	require.NoError(t, err)
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
		require.Equal(t, "model", string(m.Object))
		require.Equal(t, "supportd", m.OwnedBy)
		require.Positive(t, m.Created)
	}
	require.Equal(t, []string{"kb:demo", "support"}, ids, "another tenant's KB and an alias of a missing KB stay out")
}

// requireAPIError checks an error the SDK parsed from OpenAI's shape.
func requireAPIError(t *testing.T, err error, status int, typ, code, param string) {
	t.Helper()
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr), "an *openai.Error: %v", err)
	require.Equal(t, status, apiErr.StatusCode)
	require.Equal(t, typ, apiErr.Type)
	require.Equal(t, code, apiErr.Code)
	require.Equal(t, param, apiErr.Param)
	require.NotEmpty(t, apiErr.Message)
}

func TestOpenAISDKParsesErrors(t *testing.T) {
	t.Parallel()
	b, _ := setupLLM(t, llm.GatewayParams{}, withOpenAI)
	c := newSDK(b, "any", option.WithMaxRetries(0))
	ctx := context.Background()
	for _, model := range []string{"gpt-4o", "kb:nowhere", "gone", "kb:"} {
		_, err := c.Chat.Completions.New(ctx, refundParams(model))
		requireAPIError(t, err, http.StatusNotFound, "invalid_request_error", "model_not_found", "model")
	}
	p := refundParams("kb:demo")
	p.N = openai.Int(2)
	_, err := c.Chat.Completions.New(ctx, p)
	requireAPIError(t, err, http.StatusBadRequest, "invalid_request_error", "invalid_request", "n")

	p = refundParams("kb:demo")
	p.Logprobs = openai.Bool(true)
	_, err = c.Chat.Completions.New(ctx, p)
	requireAPIError(t, err, http.StatusBadRequest, "invalid_request_error", "invalid_request", "logprobs")

	p = refundParams("kb:demo")
	p.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
		openai.TextContentPart("What is on this screenshot?"),
		openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/a.png"})})}
	_, err = c.Chat.Completions.New(ctx, p)
	requireAPIError(t, err, http.StatusBadRequest, "invalid_request_error", "invalid_request", "messages[0].content[1].type")

	_, err = c.Chat.Completions.New(ctx, refundParams("kb:demo"), option.WithJSONSet("tools",
		[]map[string]any{{"type": "function", "function": map[string]any{"name": "lookup"}}}))
	requireAPIError(t, err, http.StatusBadRequest, "invalid_request_error", "invalid_request", "tools")

	_, err = c.Chat.Completions.New(ctx, refundParams("kb:demo"), option.WithJSONSet("frobnicate", true))
	requireAPIError(t, err, http.StatusBadRequest, "invalid_request_error", "invalid_request", "frobnicate")
}

func TestOpenAIRoutesRefuseKeysInOpenAIsShape(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	b := serve(t, kit, secured(kit), withOpenAI)
	ingestOnly, _ := issueKey(t, b.kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{"ingest"}})
	_, err := newSDK(b, "sk_wrong", option.WithMaxRetries(0)).Chat.Completions.New(context.Background(), refundParams("kb:demo"))
	requireAPIError(t, err, http.StatusUnauthorized, "authentication_error", "unauthorized", "")
	_, err = newSDK(b, ingestOnly, option.WithMaxRetries(0)).Models.List(context.Background())
	requireAPIError(t, err, http.StatusForbidden, "permission_error", "forbidden", "")
}

// scriptedLimiter refuses the first calls (of client only, when set) with
// the given retry hints, then admits every call, counting them by client.
type scriptedLimiter struct {
	only     string
	mu       sync.Mutex
	refusals []time.Duration
	calls    map[string]int
}

func (l *scriptedLimiter) Allow(_ context.Context, key string, _ int) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[string]int{}
	}
	l.calls[key]++
	if len(l.refusals) == 0 || l.only != "" && key != l.only {
		return true, 0, nil
	}
	d := l.refusals[0]
	l.refusals = l.refusals[1:]
	return false, d, nil
}

// count is how many calls client made; "" counts every client's.
func (l *scriptedLimiter) count(client string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k, c := range l.calls {
		if client == "" || k == client {
			n += c
		}
	}
	return n
}

func TestOpenAISDKRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	// A short hint: the SDK waits it out and retries once.
	short := &scriptedLimiter{refusals: []time.Duration{20 * time.Millisecond}}
	b, _ := setupLLM(t, llm.GatewayParams{}, withOpenAI, func(d *httpapi.Deps) { d.Chat.ClientLimit = short })
	c := newSDK(b, "any")
	res, err := c.Chat.Completions.New(context.Background(), refundParams("kb:demo"))
	require.NoError(t, err)
	require.NotEmpty(t, res.Choices[0].Message.Content)
	require.Equal(t, 2, short.count(""))
	require.Len(t, c.attempts, 2)
	require.Equal(t, "1", c.attempts[1].Header.Get("X-Stainless-Retry-Count"))

	// A hint beyond what the SDK will wait: it gives up at once rather
	// than retrying on its own schedule, and reports the 429.
	long := &scriptedLimiter{refusals: []time.Duration{2 * time.Hour, 2 * time.Hour, 2 * time.Hour}}
	b, _ = setupLLM(t, llm.GatewayParams{}, withOpenAI, func(d *httpapi.Deps) { d.Chat.ClientLimit = long })
	c = newSDK(b, "any")
	_, err = c.Chat.Completions.New(context.Background(), refundParams("kb:demo"))
	requireAPIError(t, err, http.StatusTooManyRequests, "rate_limit_error", "rate_limited", "")
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, "7200", apiErr.Response.Header.Get("Retry-After"))
	require.Equal(t, "7200000", apiErr.Response.Header.Get("Retry-After-Ms"))
	require.Equal(t, 1, long.count(""))
	require.Len(t, c.attempts, 1)
}

// requireOpenAIError checks an error in OpenAI's shape, whose code is the
// /v1 code except for a knowledge base that does not exist, which is a
// model that does not.
func requireOpenAIError(t *testing.T, res response, status int, code core.Code) {
	t.Helper()
	require.Equal(t, status, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var e openAIErrorBody
	decodeStrict(t, res.body, &e)
	want := string(code)
	if code == core.CodeKBNotFound {
		want = "model_not_found"
	}
	require.Equal(t, want, e.Error.Code, "body: %s", res.body)
	require.NotEmpty(t, e.Error.Message)
	require.NotEmpty(t, e.Error.Type)
}
