package core

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. Clients switch on it; it
// never changes meaning once released. HTTP status is derived from it in
// exactly one place (httpapi's error handler).
type Code string

// The error vocabulary. README documents each code.
const (
	CodeInvalid          Code = "invalid_request"
	CodeQuestionEmpty    Code = "question_empty"
	CodeQuestionTooLong  Code = "question_too_long"
	CodeUnsupportedMedia Code = "unsupported_media_type"
	CodeBodyTooLarge     Code = "body_too_large"
	CodeNotFound         Code = "not_found"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeKBNotFound       Code = "kb_not_found"
	CodeConflict         Code = "conflict"
	// CodeIdempotencyInFlight: a request with the same Idempotency-Key is
	// still being processed. CodeIdempotencyMismatch: the key was used
	// for a different request.
	CodeIdempotencyInFlight Code = "idempotency_key_in_use"
	CodeIdempotencyMismatch Code = "idempotency_key_reused"
	CodeEmbeddingMismatch   Code = "embedding_mismatch"
	CodeUnauthorized        Code = "unauthorized"
	CodeForbidden           Code = "forbidden"
	CodeRateLimited         Code = "rate_limited"
	CodeBudgetExhausted     Code = "budget_exhausted"
	CodeUnavailable         Code = "unavailable"
	CodeUpstreamTimeout     Code = "upstream_timeout"
	CodeInternal            Code = "internal"
)

// Error is an error with a stable code and a message that is safe to show to
// a client. The wrapped cause is for logs only.
type Error struct {
	Code    Code
	Message string
	Err     error
	// RetryAfter, when set, tells the client when trying again can succeed.
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for logs.
func Wrap(code Code, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, or a generic message for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// RetryAfter returns the retry hint of the first *Error in err's chain.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
