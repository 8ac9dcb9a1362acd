package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.opentelemetry.io/otel/propagation"

	"supportd/internal/core"
)

const smallBodyBytes = 64 << 10

// HTTPObserver records requests and rate-limit refusals (metrics.Metrics).
type HTTPObserver interface {
	HTTP(route, method string, status int, d time.Duration)
	RateLimited(limiter string)
}

func middlewares(d Deps) []echo.MiddlewareFunc {
	mw := []echo.MiddlewareFunc{
		middleware.RequestID(),
		requestIDContext,
		middleware.SecureWithConfig(middleware.SecureConfig{
			XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
			ContentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'", ReferrerPolicy: "no-referrer",
		}),
		requestLog(d.Log, d.Ops.Metrics),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
				d.Log.ErrorContext(c.Request().Context(), "panic", "err", err, "stack", string(stack))
				return core.Wrap(core.CodeInternal, err, "internal error")
			},
		}),
	}
	if d.Ops.TracerProvider != nil {
		// Spans continue the caller's W3C trace context.
		mw = append(mw, otelecho.Middleware("supportd", otelecho.WithTracerProvider(d.Ops.TracerProvider),
			otelecho.WithPropagators(propagation.TraceContext{}),
			otelecho.WithSkipper(func(c echo.Context) bool { return c.Path() == "/metrics" || c.Path() == "/healthz" })))
	}
	return mw
}

// requestIDContext puts the request id into the request's context, so the
// assistant's log lines carry it.
func requestIDContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		c.SetRequest(c.Request().WithContext(core.WithRequestID(c.Request().Context(), id)))
		return next(c)
	}
}

// requestLog writes one JSON line per request and records its metrics.
func requestLog(log *slog.Logger, obs HTTPObserver) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogLatency: true, LogMethod: true, LogRoutePath: true, LogRequestID: true, LogURIPath: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			status := v.Status
			level := slog.LevelInfo
			streamErr, _ := c.Get(streamErrKey).(error)
			if c.Get(outcomeKey) == "client_disconnected" {
				status = 499 // nginx's "client closed request"
			} else if streamErr != nil {
				status = statusOf(core.ErrorCode(streamErr))
				log.ErrorContext(c.Request().Context(), "request failed after streaming began", "request_id", v.RequestID,
					"code", core.ErrorCode(streamErr), "status", status, "err", streamErr.Error())
			} else if v.Error != nil {
				status = statusOf(core.ErrorCode(v.Error))
				var he *echo.HTTPError
				if errors.As(v.Error, &he) {
					status = statusOf(fromEcho(he).Code)
				}
			}
			if status >= 500 {
				level = slog.LevelWarn
			}
			if obs != nil {
				route := v.RoutePath
				if route == "" {
					route = "unmatched" // never a raw path: unbounded label values
				}
				obs.HTTP(route, v.Method, status, v.Latency)
			}
			log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method),
				slog.String("route", v.RoutePath), slog.String("path", v.URIPath),
				slog.Int("status", status), slog.Int64("latency_us", v.Latency.Microseconds()))
			return nil
		},
	})
}

// limitBody rejects bodies over max bytes with body_too_large, whether the
// client declared the length or streams it.
func limitBody(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > max {
				return core.Errorf(core.CodeBodyTooLarge, "request body is %d bytes; the limit is %d", req.ContentLength, max)
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, max)
			return next(c)
		}
	}
}

// bodyError turns a body-reading failure into a coded error.
func bodyError(err error, what string) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return core.Errorf(core.CodeBodyTooLarge, "request body is larger than %d bytes", tooLarge.Limit)
	}
	// The reader's own wording (multipart, net/http) stays in the log.
	return core.Wrap(core.CodeInvalid, err, what)
}
