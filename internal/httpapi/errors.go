package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/support"
)

// statusOf is the one place where error codes become HTTP statuses.
func statusOf(code support.Code) int {
	switch code {
	case support.CodeInvalid, support.CodeQuestionEmpty, support.CodeQuestionTooLong:
		return http.StatusBadRequest
	case support.CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case support.CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case support.CodeNotFound, support.CodeKBNotFound:
		return http.StatusNotFound
	case support.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case support.CodeConflict, support.CodeEmbeddingMismatch:
		return http.StatusConflict
	case support.CodeUnauthorized:
		return http.StatusUnauthorized
	case support.CodeForbidden:
		return http.StatusForbidden
	case support.CodeRateLimited, support.CodeBudgetExhausted:
		return http.StatusTooManyRequests
	case support.CodeUnavailable:
		return http.StatusServiceUnavailable
	case support.CodeUpstreamTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// fromEcho gives Echo's own errors (unknown route, wrong method, bad JSON,
// body limit) a code from the vocabulary.
func fromEcho(he *echo.HTTPError) *support.Error {
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok {
		msg = m
	}
	switch he.Code {
	case http.StatusNotFound:
		return support.Errorf(support.CodeNotFound, "no such route")
	case http.StatusMethodNotAllowed:
		return support.Errorf(support.CodeMethodNotAllowed, "method not allowed")
	case http.StatusRequestEntityTooLarge:
		return support.Errorf(support.CodeBodyTooLarge, "request body is too large")
	case http.StatusUnsupportedMediaType:
		return support.Errorf(support.CodeUnsupportedMedia, "unsupported content type")
	}
	if he.Code >= 400 && he.Code < 500 {
		return support.Wrap(support.CodeInvalid, he.Internal, msg)
	}
	return support.Wrap(support.CodeInternal, he, "internal error")
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      support.Code `json:"code"`
	Message   string       `json:"message"`
	RequestID string       `json:"request_id,omitempty"`
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
		code := support.ErrorCode(err)
		status := statusOf(code)
		reqID := c.Response().Header().Get(echo.HeaderXRequestID)
		msg := support.ErrorMessage(err)
		if status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed", "request_id", reqID,
				"code", code, "status", status, "err", err.Error())
		}
		if code == support.CodeInternal {
			msg = "internal error"
		}
		if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
			c.Response().Header().Set("Retry-After", retryAfterSeconds(support.RetryAfter(err)))
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
