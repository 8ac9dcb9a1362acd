package core

import (
	"context"
	"time"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request's id, so every layer can
// name it in its logs.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Mode says which stage of the answer chain produced an answer.
type Mode string

// Answer modes. Every turn carries exactly one.
const (
	ModeLLM        Mode = "llm"
	ModeCache      Mode = "cache"
	ModeFallback   Mode = "fallback"
	ModeExtractive Mode = "extractive"
	ModeHandoff    Mode = "handoff"
	ModeRefused    Mode = "refused"
)

// Purpose says why a question was asked, which decides what its turn may
// touch besides the answer.
type Purpose string

// Turn purposes.
const (
	// PurposeSupport is a person's question (the zero value counts as it):
	// it may be served from the answer cache, is queued for review when
	// weak, and counts in drift reports and golden-set candidates.
	PurposeSupport Purpose = "support"
	// PurposeEvaluation is a golden-set case: answered afresh rather than
	// from the cache, so the pipeline is measured, and kept out of review,
	// drift and candidates, which describe what customers ask.
	PurposeEvaluation Purpose = "evaluation"
)

// Passage is one retrieved chunk with the document it came from and the
// scores that ranked it.
type Passage struct {
	ChunkID    int64   `json:"chunk_id"`
	DocumentID int64   `json:"document_id"`
	SourceURI  string  `json:"uri"`
	Title      string  `json:"title"`
	Heading    string  `json:"heading,omitempty"`
	Text       string  `json:"text"`
	Ordinal    int     `json:"ordinal"`
	Score      float64 `json:"score"`       // fused score used for the final order
	VectorRank int     `json:"vector_rank"` // 1-based rank in the vector list, 0 when absent
	TextRank   int     `json:"text_rank"`   // 1-based rank in the BM25 list, 0 when absent
	Similarity float64 `json:"similarity"`  // cosine similarity to the query, 0..1
	BM25       float64 `json:"bm25"`        // BM25 score, 0 when no term matched
}

// Citation ties part of an answer to the document that supports it.
type Citation struct {
	// Marker is how the answer text refers to this citation, e.g. "[1]"
	// (extractive) or "[P2]" (model).
	Marker     string  `json:"marker,omitempty"`
	DocumentID int64   `json:"document_id"`
	Document   string  `json:"document"` // the document's source URI, its stable name
	Title      string  `json:"title"`
	URI        string  `json:"uri"`
	Snippet    string  `json:"snippet"`
	Score      float64 `json:"score"`
}

// Answer is the outcome of one turn.
type Answer struct {
	TurnID         int64         `json:"turn_id"`
	ConversationID string        `json:"conversation_id"`
	Text           string        `json:"answer"`
	Citations      []Citation    `json:"citations"`
	Confidence     float64       `json:"confidence"`
	Mode           Mode          `json:"mode"`
	DegradedReason string        `json:"degraded_reason,omitempty"`
	Model          string        `json:"model,omitempty"`
	Usage          *Usage        `json:"usage,omitempty"`
	Latency        time.Duration `json:"-"`
	// Retrieved are the passages the answer was drawn from, best first
	// (none for cache hits); evaluation scores retrieval with them.
	Retrieved []Passage `json:"-"`
}

// Usage is what a model answer consumed.
type Usage struct {
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
	// Estimated is true when some tokens were counted by the tokenizer
	// because the provider reported none (a failed or cut generation).
	Estimated bool `json:"estimated,omitempty"`
}

// ModelState is one model of the chain as an operator sees it.
type ModelState struct {
	Provider string `json:"provider"` // "kind:model"
	Model    string `json:"model"`
	// Breaker is its circuit breaker: "closed", "half-open" or "open".
	Breaker string `json:"breaker"`
	// ConfigError is set while the provider refuses calls as
	// misconfigured (HTTP 401, 403, 404: a wrong key or model name).
	ConfigError *ModelConfigError `json:"config_error,omitempty"`
}

// ModelConfigError is a provider's refusal that no retry will cure.
type ModelConfigError struct {
	Status  int       `json:"status"`  // the HTTP status
	Message string    `json:"message"` // what the provider said
	Since   time.Time `json:"since"`   // the first refusal in a row
}
