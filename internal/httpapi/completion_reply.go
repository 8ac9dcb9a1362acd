package httpapi

import (
	"encoding/json"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// completion is the answer of POST /v1/chat/completions in OpenAI's shape,
// with supportd's details in one extension object.
type completion struct {
	ID       string             `json:"id"`
	Object   string             `json:"object"`
	Created  int64              `json:"created"`
	Model    string             `json:"model"`
	Choices  []completionChoice `json:"choices"`
	Usage    completionUsage    `json:"usage"`
	Supportd supportdExtension  `json:"supportd"`
}

type completionChoice struct {
	Index        int             `json:"index"`
	Message      completionReply `json:"message"`
	FinishReason string          `json:"finish_reason"`
	Logprobs     *struct{}       `json:"logprobs"`
}

type completionReply struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

type completionUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// supportdExtension is what an OpenAI response cannot say: the turn, its
// citations, how it was produced and how sure it is, as /v1/chat says it.
type supportdExtension struct {
	TurnID         int64           `json:"turn_id"`
	ConversationID string          `json:"conversation_id"`
	KB             string          `json:"kb"`
	Citations      []core.Citation `json:"citations"`
	Mode           core.Mode       `json:"mode"`
	Confidence     float64         `json:"confidence"`
	DegradedReason string          `json:"degraded_reason,omitempty"`
	// Model is the model that wrote the answer; empty when none did.
	Model string `json:"model,omitempty"`
	// IgnoredParams are the request's parameters accepted but not
	// applied: sampling hints and system messages.
	IgnoredParams []string `json:"ignored_params,omitempty"`
}

// completionHead is what every response and chunk of one request shares.
type completionHead struct {
	id, model string
	created   int64
	ct        completionTurn
}

func (h completionHead) extension(ans core.Answer) supportdExtension {
	cites := ans.Citations
	if cites == nil {
		cites = []core.Citation{}
	}
	return supportdExtension{TurnID: ans.TurnID, ConversationID: ans.ConversationID, KB: h.ct.turn.KB, Citations: cites,
		Mode: ans.Mode, Confidence: ans.Confidence, DegradedReason: ans.DegradedReason, Model: ans.Model,
		IgnoredParams: h.ct.ignored}
}

// finishReason is "content_filter" for an answer the guard refused,
// "stop" for every other.
func finishReason(m core.Mode) string {
	if m == core.ModeRefused {
		return "content_filter"
	}
	return "stop"
}

func usageOf(u *core.Usage) completionUsage {
	if u == nil {
		return completionUsage{}
	}
	return completionUsage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.PromptTokens + u.CompletionTokens}
}

// handleCompletions answers the last user message through the same
// assistant as /v1/chat, in OpenAI's chat completion shape, streamed as
// OpenAI's chunks when asked.
func handleCompletions(d Chat, o OpenAI) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := readJSON(c)
		if err != nil {
			return err
		}
		ct, err := parseCompletion(body, o)
		if err != nil {
			return err
		}
		ct.turn.Tenant, ct.turn.ClientID = principal(c).Tenant, clientID(c)
		h := completionHead{id: "chatcmpl-" + c.Response().Header().Get(echo.HeaderXRequestID), model: ct.req.Model,
			created: o.now().Unix(), ct: ct}
		if ct.req.Stream {
			s := &sse{c: c}
			return asModel(streamAnswer(c, d, s, ct.turn, &completionChunks{s: s, head: h}))
		}
		if ct.req.StreamOptions != nil {
			return invalidParam("stream_options", "stream_options needs stream: true")
		}
		ans, err := d.Answerer.Answer(c.Request().Context(), ct.turn)
		if err != nil {
			return abandoned(c, asModel(err))
		}
		return c.JSON(http.StatusOK, completion{ID: h.id, Object: "chat.completion", Created: h.created, Model: h.model,
			Choices: []completionChoice{{Message: completionReply{Role: "assistant", Content: ans.Text},
				FinishReason: finishReason(ans.Mode)}},
			Usage: usageOf(ans.Usage), Supportd: h.extension(ans)})
	}
}

// asModel names the model as the parameter at fault when its knowledge
// base does not exist.
func asModel(err error) error {
	if core.ErrorCode(err) == core.CodeKBNotFound {
		return &paramError{param: "model", err: err}
	}
	return err
}

// chunk is one event of a streamed completion.
type chunk struct {
	ID      string           `json:"id"`
	Object  string           `json:"object"`
	Created int64            `json:"created"`
	Model   string           `json:"model"`
	Choices []chunkChoice    `json:"choices"`
	Usage   *completionUsage `json:"usage,omitempty"`
	// Supportd is a statusExtension when the answer degrades and the
	// supportdExtension on the last choice chunk.
	Supportd any `json:"supportd,omitempty"`
}

type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	FinishReason *string    `json:"finish_reason"`
	Logprobs     *struct{}  `json:"logprobs"`
}

type chunkDelta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// statusExtension says mid-stream that the answer degrades.
type statusExtension struct {
	Mode           core.Mode `json:"mode"`
	DegradedReason string    `json:"degraded_reason"`
}

// completionChunks is the OpenAI stream format: the first chunk carries
// the role, tokens follow as content deltas, the last choice chunk has
// the finish reason and the extension, then the usage chunk when
// stream_options.include_usage asks, then "data: [DONE]".
type completionChunks struct {
	s       *sse
	head    completionHead
	started atomic.Bool
}

func (f *completionChunks) send(ch chunk) error {
	ch.ID, ch.Object, ch.Created, ch.Model = f.head.id, "chat.completion.chunk", f.head.created, f.head.model
	if ch.Choices == nil {
		ch.Choices = []chunkChoice{}
	}
	b, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return f.s.write("data: " + string(b) + "\n\n")
}

// delta is a choice chunk; the first of the stream names the role.
func (f *completionChunks) delta(content *string, finish *string) chunkChoice {
	d := chunkDelta{Content: content}
	if !f.started.Swap(true) {
		d.Role = "assistant"
	}
	return chunkChoice{Delta: d, FinishReason: finish}
}

func (f *completionChunks) token(text string) error {
	return f.send(chunk{Choices: []chunkChoice{f.delta(&text, nil)}})
}

func (f *completionChunks) status(mode core.Mode, reason string) error {
	return f.send(chunk{Choices: []chunkChoice{f.delta(nil, nil)}, Supportd: statusExtension{Mode: mode, DegradedReason: reason}})
}

func (f *completionChunks) failed(err error, _ string) error {
	code, msg := core.ErrorCode(err), publicMessage(err)
	b, merr := json.Marshal(openAIError{Error: openAIErrorDetail{Message: msg, Type: openAIType(statusOf(code)), Code: string(code)}})
	if merr != nil {
		return merr
	}
	return f.s.write("data: " + string(b) + "\n\n")
}

func (f *completionChunks) finish(ans core.Answer) error {
	reason := finishReason(ans.Mode)
	if err := f.send(chunk{Choices: []chunkChoice{f.delta(nil, &reason)}, Supportd: f.head.extension(ans)}); err != nil {
		return err
	}
	if opts := f.head.ct.req.StreamOptions; opts != nil && opts.IncludeUsage {
		u := usageOf(ans.Usage)
		if err := f.send(chunk{Usage: &u}); err != nil {
			return err
		}
	}
	return f.s.write("data: [DONE]\n\n")
}
