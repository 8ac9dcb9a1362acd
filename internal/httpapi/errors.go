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
// status its code maps to. Internal errors are logged with the request id
// and shown generically.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			err = fromEcho(he)
		}
		code := core.ErrorCode(err)
		status := statusOf(code)
		reqID := c.Response().Header().Get(echo.HeaderXRequestID)
		msg := core.ErrorMessage(err)
		if status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed", "request_id", reqID,
				"code", code, "status", status, "err", err.Error())
		}
		if code == core.CodeInternal {
			msg = "internal error"
		}
		if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
			c.Response().Header().Set("Retry-After", retryAfterSeconds(core.RetryAfter(err)))
		}
		body := errorBody{Error: errorDetail{Code: code, Message: msg, RequestID: reqID}}
		var werr error
		if c.Request().Method == http.MethodHead {
			werr = c.NoContent(status)
		} else {
			werr = c.JSON(status, body)
		}
		if werr != nil {
			log.WarnContext(c.Request().Context(), "write error response", "err", werr)
		}
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
