package llm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// Provider kinds.
const (
	OpenAI    = "openai"
	Anthropic = "anthropic"
	Ollama    = "ollama"
)

// ProviderParams configures one provider.
type ProviderParams struct {
	Kind    string // OpenAI (any OpenAI-compatible server), Anthropic or Ollama
	Model   string
	BaseURL string // empty: the vendor's default endpoint
	APIKey  string
	// HTTPClient is the transport underneath; default NewHTTPClient().
	HTTPClient *http.Client
	// CountTokens estimates usage when the provider reports none.
	CountTokens func(string) int
}

// LangChain is a Provider backed by a langchaingo model.
type LangChain struct {
	kind, model string
	llm         llms.Model
	count       func(string) int
	// terminal is the byte sequence that ends a complete stream; a stream
	// that closes without it was cut.
	terminal []byte
}

// NewProvider builds a provider. Every setting is passed explicitly, so
// langchaingo's fallbacks to OPENAI_* environment variables never apply.
func NewProvider(p ProviderParams) (*LangChain, error) {
	if p.Model == "" {
		return nil, fmt.Errorf("llm provider %s: model is required", p.Kind)
	}
	base := p.HTTPClient
	if base == nil {
		base = NewHTTPClient()
	}
	doer := &capturingClient{inner: base}
	lc := &LangChain{kind: p.Kind, model: p.Model, count: p.CountTokens}
	if lc.count == nil {
		lc.count = func(s string) int { return len(strings.Fields(s)) }
	}
	var err error
	switch p.Kind {
	case OpenAI:
		opts := []openai.Option{openai.WithModel(p.Model), openai.WithToken(cmpOr(p.APIKey, "none")), openai.WithHTTPClient(doer)}
		if p.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(p.BaseURL))
		}
		lc.llm, err = openai.New(opts...)
		lc.terminal = []byte("[DONE]")
	case Anthropic:
		opts := []anthropic.Option{anthropic.WithModel(p.Model), anthropic.WithToken(p.APIKey), anthropic.WithHTTPClient(doer)}
		if p.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(p.BaseURL))
		}
		lc.llm, err = anthropic.New(opts...)
		lc.terminal = []byte("message_stop")
	case Ollama:
		hc := &http.Client{Transport: roundTripperFunc(doer.Do)}
		opts := []ollama.Option{ollama.WithModel(p.Model), ollama.WithHTTPClient(hc)}
		if p.BaseURL != "" {
			opts = append(opts, ollama.WithServerURL(p.BaseURL))
		}
		lc.llm, err = ollama.New(opts...)
		lc.terminal = []byte(`"done":true`)
	default:
		return nil, fmt.Errorf("llm provider: unknown kind %q (want %s, %s or %s)", p.Kind, OpenAI, Anthropic, Ollama)
	}
	if err != nil {
		return nil, fmt.Errorf("llm provider %s: %w", p.Kind, err)
	}
	return lc, nil
}

// Buffer sizes of a model connection (net/http's default: 4 KiB each
// way). A streamed answer arrives as events of a few hundred bytes and a
// request is written once, so small buffers cost a few more syscalls and
// save about 6 KiB a connection: 6 MB under 1,000 concurrent streams,
// where each stream holds a connection of its own over HTTP/1.1.
const (
	modelReadBuffer  = 1 << 10
	modelWriteBuffer = 1 << 10
)

// NewHTTPClient is the default client to model servers: net/http's
// default transport (proxy from the environment, HTTP/2 when TLS offers
// it, the same dial and idle timeouts) with small connection buffers, and
// no overall timeout (deadlines come from contexts).
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ReadBufferSize, t.WriteBufferSize = modelReadBuffer, modelWriteBuffer
	return &http.Client{Transport: t}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Name implements Provider.
func (l *LangChain) Name() string { return l.kind + ":" + l.model }

// Model implements Provider.
func (l *LangChain) Model() string { return l.model }

// Generate implements Provider. It always streams from the upstream, so the
// gateway can watch for the first token, and classifies every failure.
func (l *LangChain) Generate(ctx context.Context, req Request) (Response, error) {
	call := &callInfo{terminal: l.terminal}
	ctx = context.WithValue(ctx, callKey{}, call)
	var text strings.Builder
	opts := []llms.CallOption{
		llms.WithTemperature(req.Temperature),
		llms.WithStreamingFunc(func(ctx context.Context, chunk []byte) error {
			if len(chunk) == 0 {
				return nil
			}
			text.Write(chunk)
			if req.OnToken != nil {
				return req.OnToken(ctx, string(chunk))
			}
			return nil
		}),
	}
	if req.MaxTokens > 0 {
		opts = append(opts, llms.WithMaxTokens(req.MaxTokens))
	}
	resp, err := l.llm.GenerateContent(ctx, toLangChain(req.Messages), opts...)
	streamed := text.Len() > 0
	if err == nil {
		err = call.incomplete()
	}
	if err != nil {
		e := l.classify(ctx, call, err, streamed, text.String())
		if billed(e) {
			e.Usage = l.usage(nil, req.Messages, e.Partial)
		}
		return Response{}, e
	}
	out := Response{Provider: l.Name(), Text: text.String()}
	if out.Text == "" && len(resp.Choices) > 0 {
		out.Text = resp.Choices[0].Content
	}
	out.Usage = l.usage(resp, req.Messages, out.Text)
	if strings.TrimSpace(out.Text) == "" {
		return Response{}, &Error{Provider: l.Name(), Kind: KindEmpty, Usage: out.Usage, Err: errors.New("the model returned no text")}
	}
	return out, nil
}

// billed reports a failed call the provider is taken to have charged
// for: one whose stream had begun (HTTP 200), or one still waiting for
// its first token when it was abandoned. A refused call (an HTTP error
// status, no connection) costs nothing.
func billed(e *Error) bool {
	switch {
	case e.Status == http.StatusOK:
		return true
	case e.Status != 0:
		return false
	}
	return e.Kind == KindFirstToken || e.Kind == KindSlowStream || e.Kind == KindTimeout || e.Kind == KindCanceled
}

func toLangChain(msgs []Message) []llms.MessageContent {
	out := make([]llms.MessageContent, 0, len(msgs))
	for _, m := range msgs {
		role := llms.ChatMessageTypeHuman
		switch m.Role {
		case "system":
			role = llms.ChatMessageTypeSystem
		case "assistant":
			role = llms.ChatMessageTypeAI
		}
		out = append(out, llms.TextParts(role, m.Content))
	}
	return out
}

// usage takes the provider's token counts when it reports them and
// estimates them otherwise.
func (l *LangChain) usage(resp *llms.ContentResponse, msgs []Message, text string) Usage {
	var u Usage
	if resp != nil && len(resp.Choices) > 0 {
		info := resp.Choices[0].GenerationInfo
		u.PromptTokens = intOf(info, "PromptTokens", "InputTokens", "prompt_tokens")
		u.CompletionTokens = intOf(info, "CompletionTokens", "OutputTokens", "completion_tokens")
	}
	if u.PromptTokens == 0 {
		for _, m := range msgs {
			u.PromptTokens += l.count(m.Content)
		}
		u.Estimated = true
	}
	if u.CompletionTokens == 0 && text != "" {
		u.CompletionTokens = l.count(text)
		u.Estimated = true
	}
	return u
}

func intOf(info map[string]any, keys ...string) int {
	for _, k := range keys {
		switch v := info[k].(type) {
		case int:
			return v
		case int64:
			return int(v)
		case float64:
			return int(v)
		}
	}
	return 0
}

// classify turns a failed call into an *Error using what the transport saw.
func (l *LangChain) classify(ctx context.Context, call *callInfo, err error, streamed bool, partial string) *Error {
	e := &Error{Provider: l.Name(), Err: err, Streamed: streamed, Partial: partial}
	status, retryAfter, bodyErr := call.snapshot()
	e.Status, e.RetryAfter = status, retryAfter
	switch {
	case errors.Is(context.Cause(ctx), errFirstToken):
		e.Kind = KindFirstToken
	case errors.Is(context.Cause(ctx), errSlowStream):
		e.Kind = KindSlowStream
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		e.Kind = KindTimeout
	case ctx.Err() != nil:
		e.Kind = KindCanceled
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
	case status >= 500:
		e.Kind = KindServer
	case status >= 400:
		e.Kind = KindClient
	case bodyErr != nil || errors.Is(err, errIncomplete):
		e.Kind = KindInterrupted
	case status == 0:
		e.Kind = KindNetwork
	default:
		e.Kind = KindMalformed
	}
	return e
}

// callKey carries a call's *callInfo to the transport.
type callKey struct{}

// callInfo records what the HTTP transport saw of one call: langchaingo
// reports upstream failures as text, without the status or headers.
type callInfo struct {
	mu         sync.Mutex
	terminal   []byte
	status     int
	retryAfter time.Duration
	bodyErr    error
	streamEnd  bool // the body was read to EOF
	sawEnd     bool // the terminal marker was seen
	tail       []byte
}

var errIncomplete = errors.New("the stream ended before the model finished")

func (c *callInfo) snapshot() (int, time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, c.retryAfter, c.bodyErr
}

// incomplete reports a successful-looking call whose stream was cut.
func (c *callInfo) incomplete() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bodyErr != nil {
		return c.bodyErr
	}
	if c.status == http.StatusOK && !c.sawEnd {
		return errIncomplete
	}
	return nil
}

func (c *callInfo) observe(p []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Keep a short tail so a marker split across reads is still found.
	buf := append(c.tail, p...)
	if bytes.Contains(buf, c.terminal) {
		c.sawEnd = true
	}
	if n := len(c.terminal); len(buf) > n {
		buf = buf[len(buf)-n:]
	}
	c.tail = append(c.tail[:0], buf...)
	if errors.Is(err, io.EOF) {
		c.streamEnd = true
	} else if err != nil && c.bodyErr == nil {
		c.bodyErr = err
	}
}

// capturingClient records status, Retry-After and body errors of each
// response into the call's callInfo.
type capturingClient struct{ inner *http.Client }

func (c *capturingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.inner.Do(req)
	call, _ := req.Context().Value(callKey{}).(*callInfo)
	if err != nil || call == nil {
		return resp, err
	}
	call.mu.Lock()
	call.status = resp.StatusCode
	call.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	call.mu.Unlock()
	resp.Body = &observedBody{ReadCloser: resp.Body, call: call}
	return resp, nil
}

type observedBody struct {
	io.ReadCloser
	call *callInfo
}

func (b *observedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.call.observe(p[:n], err)
	return n, err
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
