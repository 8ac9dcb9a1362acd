package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// RateLimiter admits n units for a key without blocking.
type RateLimiter interface {
	Allow(ctx context.Context, key string, n int) (allowed bool, retryAfter time.Duration, err error)
}

// limitClients answers 429 with Retry-After once a client exceeds its
// rate. A failing limiter admits the request: a broken Redis must not take
// the API down.
func limitClients(limits Chat, log *slog.Logger, obs HTTPObserver) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			lim := limits.ClientLimit
			if principal(c).Widget && limits.WidgetLimit != nil {
				lim = limits.WidgetLimit
			}
			if lim == nil {
				return next(c)
			}
			ok, retry, err := lim.Allow(c.Request().Context(), clientID(c), 1)
			if err != nil {
				log.WarnContext(c.Request().Context(), "rate limiter unavailable; admitting", "err", err)
			}
			if err == nil && !ok {
				if obs != nil {
					obs.RateLimited(strings.SplitN(clientID(c), ":", 2)[0])
				}
				return &core.Error{Code: core.CodeRateLimited, RetryAfter: retry,
					Message: "too many requests from this client; retry after the Retry-After delay"}
			}
			return next(c)
		}
	}
}

// clientID names the caller for rate limits and budgets: its verified key,
// or for a publishable widget key (shared by every visitor of a site) the
// key and the visitor's address, or without keys the address alone (see
// clientIP).
func clientID(c echo.Context) string {
	p := principal(c)
	switch {
	case p.Widget:
		return "widget:" + p.KeyID + ":ip:" + c.RealIP()
	case p.KeyID != "" && p.KeyID != "dev":
		return "key:" + p.KeyID
	}
	return "ip:" + c.RealIP()
}

// clientIP finds the visitor's address: the peer's, unless the peer is one
// of the trusted proxies, in which case it is the nearest X-Forwarded-For
// entry that is not a trusted proxy. Loopback and private peers are trusted
// only when listed: a header anyone can send must not choose the rate
// limit's bucket.
func clientIP(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
