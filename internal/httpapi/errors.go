package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// statusOf is the one place where error codes become HTTP statuses.
func statusOf(code core.Code) int {
	switch code {
	case core.CodeInvalid, core.CodeQuestionEmpty, core.CodeQuestionTooLong:
		return http.StatusBadRequest
	case core.CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case core.CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case core.CodeNotFound, core.CodeKBNotFound:
		return http.StatusNotFound
	case core.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case core.CodeConflict, core.CodeEmbeddingMismatch, core.CodeIdempotencyInFlight:
		return http.StatusConflict
	case core.CodeIdempotencyMismatch:
		return http.StatusUnprocessableEntity
	case core.CodeUnauthorized:
		return http.StatusUnauthorized
	case core.CodeForbidden:
		return http.StatusForbidden
	case core.CodeRateLimited, core.CodeBudgetExhausted:
		return http.StatusTooManyRequests
	case core.CodeUnavailable:
		return http.StatusServiceUnavailable
	case core.CodeUpstreamTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// fromEcho gives Echo's own errors (unknown route, wrong method, bad JSON,
// body limit) a code from the vocabulary.
func fromEcho(he *echo.HTTPError) *core.Error {
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok {
		msg = m
	}
	switch he.Code {
	case http.StatusNotFound:
		return core.Errorf(core.CodeNotFound, "no such route")
	case http.StatusMethodNotAllowed:
		return core.Errorf(core.CodeMethodNotAllowed, "method not allowed")
	case http.StatusRequestEntityTooLarge:
		return core.Errorf(core.CodeBodyTooLarge, "request body is too large")
	case http.StatusUnsupportedMediaType:
		return core.Errorf(core.CodeUnsupportedMedia, "unsupported content type")
	}
	if he.Code >= 400 && he.Code < 500 {
		return core.Wrap(core.CodeInvalid, he.Internal, msg)
	}
	return core.Wrap(core.CodeInternal, he, "internal error")
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      core.Code `json:"code"`
	Message   string    `json:"message"`
	RequestID string    `json:"request_id,omitempty"`
}

// errorHandler writes every error as {"error":{"code","message"}} with the
// status its code maps to.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code, status, msg := resolveError(log, c, err)
		body := errorBody{Error: errorDetail{Code: code, Message: msg, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}}
		writeError(log, c, status, body)
	}
}

// resolveError gives err its code, status and client-safe message, logs
// server errors with the request id (internal ones are shown generically)
// and sets Retry-After on 429 and 503.
func resolveError(log *slog.Logger, c echo.Context, err error) (core.Code, int, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		err = fromEcho(he)
	}
	code := core.ErrorCode(err)
	status := statusOf(code)
	msg := core.ErrorMessage(err)
	if status >= 500 {
		log.ErrorContext(c.Request().Context(), "request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"code", code, "status", status, "err", err.Error())
	}
	if code == core.CodeInternal {
		msg = "internal error"
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", retryAfterSeconds(core.RetryAfter(err)))
	}
	return code, status, msg
}

// writeError sends an error body, or only the status to a HEAD request.
func writeError(log *slog.Logger, c echo.Context, status int, body any) {
	var err error
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		log.WarnContext(c.Request().Context(), "write error response", "err", err)
	}
}

// retryAfterSeconds renders a retry hint in whole seconds, rounding up; no
// hint means 5 s.
func retryAfterSeconds(d time.Duration) string {
	if d <= 0 {
		return "5"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
