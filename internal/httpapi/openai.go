package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// OpenAI configures the OpenAI-compatible routes, /v1/chat/completions and
// /v1/models.
type OpenAI struct {
	// Aliases name knowledge bases as models, besides "kb:<name>": alias
	// → knowledge base.
	Aliases map[string]string
	// Now stamps responses' "created" (default time.Now).
	Now func() time.Time
}

// kbPrefix names a knowledge base as a model: "kb:billing".
const kbPrefix = "kb:"

// kbOf resolves a model name to a knowledge base.
func (o OpenAI) kbOf(model string) (string, bool) {
	if name, ok := strings.CutPrefix(model, kbPrefix); ok {
		return name, name != ""
	}
	kb, ok := o.Aliases[model]
	return kb, ok
}

func (o OpenAI) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// paramError is an error about one request parameter, which OpenAI's error
// shape names in "param".
type paramError struct {
	param string
	err   error
}

func (e *paramError) Error() string { return e.param + ": " + e.err.Error() }
func (e *paramError) Unwrap() error { return e.err }

// invalidParam is a 400 naming param.
func invalidParam(param, format string, args ...any) error {
	return &paramError{param: param, err: core.Errorf(core.CodeInvalid, format, args...)}
}

// openAIError is the body of an error in OpenAI's shape.
type openAIError struct {
	Error openAIErrorDetail `json:"error"`
}

type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// openAIErrors writes the errors of the routes after it (authentication,
// limits and the handler's) in OpenAI's shape, which the OpenAI SDKs
// parse, with Retry-After-Ms beside Retry-After as OpenAI sends it.
func openAIErrors(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err == nil || c.Response().Committed {
				return err
			}
			code, status, msg := resolveError(log, c, err)
			if c.Response().Header().Get("Retry-After") != "" {
				d := core.RetryAfter(err)
				if d <= 0 {
					d = 5 * time.Second // as Retry-After says
				}
				c.Response().Header().Set("Retry-After-Ms", strconv.FormatInt(max(d.Milliseconds(), 1), 10))
			}
			detail := openAIErrorDetail{Message: msg, Type: openAIType(status), Code: string(code)}
			var pe *paramError
			if errors.As(err, &pe) {
				detail.Param = &pe.param
				if pe.param == "model" && (code == core.CodeKBNotFound || code == core.CodeNotFound) {
					detail.Code = "model_not_found"
				}
			}
			writeError(log, c, status, openAIError{Error: detail})
			return nil
		}
	}
}

// openAIType is the error type OpenAI gives a status.
func openAIType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// modelList is GET /v1/models in OpenAI's list shape.
type modelList struct {
	Object string  `json:"object"`
	Data   []model `json:"data"`
}

type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// handleModels lists the knowledge bases the key may ask, as "kb:<name>"
// and under each alias that names one of them.
func handleModels(lib Library, o OpenAI) echo.HandlerFunc {
	return func(c echo.Context) error {
		tenant := principal(c).Tenant
		kbs, err := lib.KBs(c.Request().Context(), tenant)
		if err != nil {
			return err
		}
		list := modelList{Object: "list", Data: []model{}}
		created := map[string]int64{}
		for _, kb := range kbs {
			created[kb.Name] = kb.CreatedAt.Unix()
			list.Data = append(list.Data, model{ID: kbPrefix + kb.Name, Object: "model", Created: kb.CreatedAt.Unix(), OwnedBy: "supportd"})
		}
		aliases := make([]string, 0, len(o.Aliases))
		for alias := range o.Aliases {
			aliases = append(aliases, alias)
		}
		slices.Sort(aliases)
		for _, alias := range aliases {
			if at, ok := created[o.Aliases[alias]]; ok {
				list.Data = append(list.Data, model{ID: alias, Object: "model", Created: at, OwnedBy: "supportd"})
			}
		}
		return c.JSON(http.StatusOK, list)
	}
}
