package llm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Message is one chat message. Role is "system", "user" or "assistant".
type Message struct {
	Role    string
	Content string
}

// Request is one completion request.
type Request struct {
	Messages    []Message
	MaxTokens   int
	Temperature float64
	// OnToken, when set, receives the answer's text as it streams in.
	// Returning an error aborts the generation.
	OnToken func(ctx context.Context, text string) error
	// Elapsed is how long the caller's request has already run: the
	// first-token deadline counts from the request's start, so time spent
	// before the model call (retrieval) is not granted twice.
	Elapsed time.Duration
}

// Usage counts tokens of one completion.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	// Estimated is true when some count came from the tokenizer because
	// the provider reported none (a failed or cut call, or a provider
	// that does not report usage).
	Estimated bool `json:"estimated,omitempty"`
}

// Add returns u plus v; the sum is estimated when either part is.
func (u Usage) Add(v Usage) Usage {
	return Usage{PromptTokens: u.PromptTokens + v.PromptTokens, CompletionTokens: u.CompletionTokens + v.CompletionTokens,
		Estimated: u.Estimated || v.Estimated}
}

// Total is prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Charge is what one call to a provider billed.
type Charge struct {
	Provider string // the provider's Name
	Model    string // the model alone, for price lookups
	Usage    Usage
}

// Response is a completed answer.
type Response struct {
	Text     string
	Provider string // the provider's Name
	Usage    Usage
}

// Provider is one model behind one endpoint.
type Provider interface {
	// Name identifies provider and model, e.g. "openai:gpt-4o-mini".
	Name() string
	// Model is the model name alone, for price lookups.
	Model() string
	// Generate streams a completion. Failures are *Error with a Kind; a
	// cancelled ctx yields KindCanceled.
	Generate(ctx context.Context, req Request) (Response, error)
}

// Kind classifies why a model call failed.
type Kind string

// Failure kinds, as reported in degraded_reason.
const (
	KindTimeout         Kind = "timeout"
	KindFirstToken      Kind = "first_token_timeout"
	KindSlowStream      Kind = "slow_stream" // began, but its opening missed the first-token deadline
	KindRateLimited     Kind = "rate_limited"
	KindServer          Kind = "server_error"
	KindClient          Kind = "client_error"
	KindMalformed       Kind = "malformed_response"
	KindInterrupted     Kind = "stream_interrupted"
	KindNetwork         Kind = "network_error"
	KindEmpty           Kind = "empty_answer"
	KindCircuitOpen     Kind = "circuit_open"
	KindProviderLimited Kind = "provider_rate_limited"
	KindCanceled        Kind = "canceled"
)

// Error is a classified model failure.
type Error struct {
	Provider   string
	Kind       Kind
	Status     int           // HTTP status when there was one
	RetryAfter time.Duration // from a 429's Retry-After
	// Streamed is true when some text had already been passed to OnToken:
	// the caller cannot silently retry elsewhere.
	Streamed bool
	// Partial is the text streamed before the failure.
	Partial string
	// Usage is what the failed call billed: zero when the provider
	// refused it, else the tokens it took in and streamed out (estimated).
	Usage Usage
	Err   error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Provider, e.Kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// retryable reports failures worth another attempt at the same provider.
func (e *Error) retryable() bool {
	if e.Streamed {
		return false
	}
	switch e.Kind {
	case KindRateLimited, KindServer, KindMalformed, KindInterrupted, KindNetwork:
		// Not a timeout: a model that was too slow once is abandoned for
		// the fallback rather than waited for again.
		return true
	}
	return false
}

// KindOf returns the Kind of the first *Error in err's chain, or "" when
// there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
