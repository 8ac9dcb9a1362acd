package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"supportd/internal/assistant"
	"supportd/internal/core"
)

// completionRequest is the body of POST /v1/chat/completions: OpenAI's
// parameters that supportd honours, those it refuses unless they ask for
// what it does anyway, and sampling hints it accepts without applying
// (reported in supportd.ignored_params). Any other field is refused.
type completionRequest struct {
	Model         string              `json:"model"`
	Messages      []completionMessage `json:"messages"`
	Stream        bool                `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	// User is the end user's opaque id, as user_id on /v1/chat.
	User string `json:"user"`

	// Refused unless they ask for one plain-text choice.
	N              *int            `json:"n"`
	Logprobs       *bool           `json:"logprobs"`
	Modalities     []string        `json:"modalities"`
	ResponseFormat json.RawMessage `json:"response_format"`
	// Refused whenever present: supportd calls no tools and writes text.
	Tools             json.RawMessage `json:"tools"`
	ToolChoice        json.RawMessage `json:"tool_choice"`
	Functions         json.RawMessage `json:"functions"`
	FunctionCall      json.RawMessage `json:"function_call"`
	ParallelToolCalls json.RawMessage `json:"parallel_tool_calls"`
	TopLogprobs       json.RawMessage `json:"top_logprobs"`
	Audio             json.RawMessage `json:"audio"`
	Prediction        json.RawMessage `json:"prediction"`
	WebSearchOptions  json.RawMessage `json:"web_search_options"`
	LogitBias         json.RawMessage `json:"logit_bias"`
	// Accepted, not applied: the assistant's configuration decides how
	// its model samples and how long an answer may be.
	Temperature         json.RawMessage `json:"temperature"`
	TopP                json.RawMessage `json:"top_p"`
	MaxTokens           json.RawMessage `json:"max_tokens"`
	MaxCompletionTokens json.RawMessage `json:"max_completion_tokens"`
	PresencePenalty     json.RawMessage `json:"presence_penalty"`
	FrequencyPenalty    json.RawMessage `json:"frequency_penalty"`
	Seed                json.RawMessage `json:"seed"`
	Stop                json.RawMessage `json:"stop"`
	Store               json.RawMessage `json:"store"`
	Metadata            json.RawMessage `json:"metadata"`
	ServiceTier         json.RawMessage `json:"service_tier"`
	ReasoningEffort     json.RawMessage `json:"reasoning_effort"`
	Verbosity           json.RawMessage `json:"verbosity"`
	PromptCacheKey      json.RawMessage `json:"prompt_cache_key"`
	SafetyIdentifier    json.RawMessage `json:"safety_identifier"`
}

// completionMessage is one message of the conversation.
type completionMessage struct {
	Role         string          `json:"role"`
	Content      json.RawMessage `json:"content"`
	Name         string          `json:"name"`
	Refusal      json.RawMessage `json:"refusal"`
	ToolCalls    json.RawMessage `json:"tool_calls"`
	ToolCallID   json.RawMessage `json:"tool_call_id"`
	FunctionCall json.RawMessage `json:"function_call"`
	Audio        json.RawMessage `json:"audio"`
}

// completionParams are the parameters by how they are treated: known are
// completionRequest's fields; refused ones get a 400 whenever present;
// ignored ones are reported in supportd.ignored_params.
var completionParams = struct{ known, refused, ignored []string }{
	known: func() (names []string) {
		for f := range reflect.TypeFor[completionRequest]().Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			names = append(names, name)
		}
		return names
	}(),
	refused: []string{"tools", "tool_choice", "functions", "function_call", "parallel_tool_calls", "top_logprobs",
		"audio", "prediction", "web_search_options", "logit_bias"},
	ignored: []string{"temperature", "top_p", "max_tokens", "max_completion_tokens", "presence_penalty",
		"frequency_penalty", "seed", "stop", "store", "metadata", "service_tier", "reasoning_effort", "verbosity",
		"prompt_cache_key", "safety_identifier"},
}

// present reports whether a raw parameter was sent with a value.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// completionTurn is what a completion request asks.
type completionTurn struct {
	req     completionRequest
	turn    assistant.Turn
	ignored []string
}

// parseCompletion reads and checks a completion request: every parameter
// supportd cannot honour is refused by name.
func parseCompletion(body []byte, o OpenAI) (completionTurn, error) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) == nil {
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range raw {
				if !yield(k) {
					return
				}
			}
		})
		for _, name := range names {
			if !slices.Contains(completionParams.known, name) {
				return completionTurn{}, invalidParam(name, "unknown parameter %q", name)
			}
		}
	}
	var ct completionTurn
	if err := decodeStrict(body, &ct.req); err != nil {
		return ct, err
	}
	if err := ct.refuse(raw); err != nil {
		return ct, err
	}
	for _, name := range completionParams.ignored {
		if present(raw[name]) {
			ct.ignored = append(ct.ignored, name)
		}
	}
	kb, ok := o.kbOf(ct.req.Model)
	switch {
	case ct.req.Model == "":
		return ct, invalidParam("model", "model is required: kb:<knowledge base> or an alias")
	case !ok:
		return ct, &paramError{param: "model", err: core.Errorf(core.CodeNotFound,
			"the model %q does not exist: name a knowledge base as kb:<name> (GET /v1/models lists them)", ct.req.Model)}
	case len(ct.req.User) > 200:
		return ct, invalidParam("user", "user must be at most 200 characters")
	}
	ct.turn.KB, ct.turn.EndUserID = kb, ct.req.User
	return ct, ct.conversation()
}

// refuse names the first parameter that asks for what supportd does not
// do: tools, several choices, log probabilities, audio or structured
// output.
func (ct *completionTurn) refuse(raw map[string]json.RawMessage) error {
	r := ct.req
	for _, name := range completionParams.refused {
		if present(raw[name]) {
			return invalidParam(name, "%s is not supported: supportd answers in text from its knowledge bases and calls no tools", name)
		}
	}
	switch {
	case r.N != nil && *r.N != 1:
		return invalidParam("n", "n must be 1: supportd gives one answer")
	case r.Logprobs != nil && *r.Logprobs:
		return invalidParam("logprobs", "logprobs is not supported")
	case len(r.Modalities) > 0 && !slices.Equal(r.Modalities, []string{"text"}):
		return invalidParam("modalities", `modalities must be ["text"]`)
	}
	if present(r.ResponseFormat) {
		var f struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(r.ResponseFormat, &f) != nil || f.Type != "text" {
			return invalidParam("response_format", `response_format must be {"type":"text"}: json_object and json_schema are not supported`)
		}
	}
	return nil
}

// conversation makes the last message the question and the user and
// assistant messages before it the history. System and developer messages
// are not passed on, since supportd's own instructions govern its model;
// they are reported as ignored.
func (ct *completionTurn) conversation() error {
	msgs := ct.req.Messages
	if len(msgs) == 0 {
		return invalidParam("messages", "messages must hold at least one user message")
	}
	var history []assistant.Exchange
	for i, m := range msgs {
		text, err := m.text(i)
		if err != nil {
			return err
		}
		switch m.Role {
		case "system", "developer":
			ct.ignored = append(ct.ignored, fmt.Sprintf("messages[%d]", i))
		case "user":
			if i == len(msgs)-1 {
				ct.turn.Question, ct.turn.History = text, history
				return nil
			}
			history = append(history, assistant.Exchange{Question: text})
		case "assistant":
			if n := len(history); n > 0 && history[n-1].Answer == "" {
				history[n-1].Answer = text
			} else {
				history = append(history, assistant.Exchange{Answer: text})
			}
		case "tool", "function":
			return invalidParam(fmt.Sprintf("messages[%d].role", i), "%s messages are not supported: supportd calls no tools", m.Role)
		default:
			return invalidParam(fmt.Sprintf("messages[%d].role", i), "role must be system, developer, user or assistant")
		}
	}
	return invalidParam("messages", "the last message must be the user's question")
}

// text is a message's text: a string or text parts; other parts and tool
// calls are refused by name.
func (m completionMessage) text(i int) (string, error) {
	for name, raw := range map[string]json.RawMessage{"tool_calls": m.ToolCalls, "tool_call_id": m.ToolCallID,
		"function_call": m.FunctionCall, "audio": m.Audio} {
		if present(raw) {
			return "", invalidParam(fmt.Sprintf("messages[%d].%s", i, name), "%s is not supported: supportd calls no tools and reads text", name)
		}
	}
	if !present(m.Content) {
		if m.Role == "assistant" {
			return "", nil
		}
		return "", invalidParam(fmt.Sprintf("messages[%d].content", i), "content is required")
	}
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(m.Content, &parts) != nil {
		return "", invalidParam(fmt.Sprintf("messages[%d].content", i), "content must be a string or an array of text parts")
	}
	texts := make([]string, 0, len(parts))
	for j, p := range parts {
		switch p.Type {
		case "text":
			texts = append(texts, p.Text)
		case "refusal":
		default:
			return "", invalidParam(fmt.Sprintf("messages[%d].content[%d].type", i, j), "%q content parts are not supported: supportd reads text", p.Type)
		}
	}
	return strings.Join(texts, "\n"), nil
}
