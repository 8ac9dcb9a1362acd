package fakellm

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// chatRequest is the body of POST /chat/completions, as far as the fake
// reads it.
type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []wireMessage `json:"messages"`
	Temperature         float64       `json:"temperature"`
	MaxTokens           int           `json:"max_tokens"`
	MaxCompletionTokens int           `json:"max_completion_tokens"`
	Stream              bool          `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// wireMessage is one request message; content is a string, null, or an
// array of typed parts.
type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text returns the message content, joining text parts with newlines.
func (m wireMessage) text() (string, error) {
	raw := bytes.TrimSpace(m.Content)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("message content is neither a string nor an array of parts")
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}

// decode reads r into the Request the server records.
func (c chatRequest) decode() (Request, error) {
	req := Request{
		Model:       c.Model,
		Stream:      c.Stream,
		Temperature: c.Temperature,
		MaxTokens:   c.MaxCompletionTokens,
	}
	if req.MaxTokens == 0 {
		req.MaxTokens = c.MaxTokens
	}
	req.IncludeUsage = c.StreamOptions != nil && c.StreamOptions.IncludeUsage
	if len(c.Messages) == 0 {
		return req, errors.New("messages must not be empty")
	}
	for _, m := range c.Messages {
		text, err := m.text()
		if err != nil {
			return req, err
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: text})
	}
	return req, nil
}

// usage is the token accounting of a response.
type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// newUsage counts completion tokens of answer on top of prompt tokens.
func newUsage(prompt int, answer string) usage {
	c := countTokens(answer)
	return usage{PromptTokens: prompt, CompletionTokens: c, TotalTokens: prompt + c}
}

// completion is a non-streaming chat.completion response.
type completion struct {
	ID                string             `json:"id"`
	Object            string             `json:"object"`
	Created           int64              `json:"created"`
	Model             string             `json:"model"`
	SystemFingerprint string             `json:"system_fingerprint"`
	Choices           []completionChoice `json:"choices"`
	Usage             usage              `json:"usage"`
}

// completionChoice is the one choice of a completion.
type completionChoice struct {
	Index        int             `json:"index"`
	Message      responseMessage `json:"message"`
	Logprobs     *struct{}       `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
}

// responseMessage is the assistant message of a completion.
type responseMessage struct {
	Role    string    `json:"role"`
	Content string    `json:"content"`
	Refusal *struct{} `json:"refusal"`
}

// chunk is one chat.completion.chunk of a stream.
type chunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []chunkChoice `json:"choices"`
	// Usage is omitted unless the client asked for it; then it is null on
	// every chunk but the last, as OpenAI does.
	Usage any `json:"usage,omitempty"`
}

// chunkChoice is the one choice of a chunk.
type chunkChoice struct {
	Index        int       `json:"index"`
	Delta        delta     `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

// delta is the new part of the assistant message in a chunk.
type delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// systemFingerprint identifies the fake in every response.
const systemFingerprint = "fp_fakellm"

// apiError is OpenAI's error body.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// writeError writes an OpenAI-style error. A 429 gets Retry-After
// retryAfter seconds when retryAfter > 0.
func writeError(w http.ResponseWriter, status, retryAfter int, message string) {
	var body apiError
	body.Error.Message = message
	body.Error.Type, body.Error.Code = errorType(status)
	if status == http.StatusTooManyRequests && retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeJSON(w, status, body)
}

// errorType returns OpenAI's error type and code for a status.
func errorType(status int) (string, *string) {
	code := func(s string) *string { return &s }
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_request_error", code("invalid_api_key")
	case status == http.StatusNotFound:
		return "invalid_request_error", code("not_found")
	case status == http.StatusTooManyRequests:
		return "requests", code("rate_limit_exceeded")
	case status >= 500:
		return "server_error", nil
	default:
		return "invalid_request_error", nil
	}
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
