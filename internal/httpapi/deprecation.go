package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// MinSunsetNotice is the versioning policy's least time between a route's
// deprecation and its sunset (README, "Versioning policy").
const MinSunsetNotice = 6 // months

// Deprecation marks a route that will go away.
type Deprecation struct {
	// Since is when the route was deprecated; Sunset is when it stops
	// answering, at least MinSunsetNotice months later.
	Since, Sunset time.Time
	// Link documents the change and what replaces the route.
	Link string
}

// Deprecated is the route option for a deprecated route: every response
// carries Deprecation (RFC 9745, "@" and the Unix time), Sunset (RFC 8594,
// an HTTP date) and Link with rel="deprecation". The route must also be
// deprecated: true in openapi.yaml (the contract test checks both ways). A
// sunset sooner than the policy allows panics, when the routes are built.
func Deprecated(d Deprecation) echo.MiddlewareFunc {
	if d.Sunset.Before(d.Since.AddDate(0, MinSunsetNotice, 0)) || d.Link == "" {
		panic(fmt.Sprintf("httpapi.Deprecated: sunset %s is less than %d months after %s, or no link",
			d.Sunset.Format(time.DateOnly), MinSunsetNotice, d.Since.Format(time.DateOnly)))
	}
	deprecation := "@" + strconv.FormatInt(d.Since.Unix(), 10)
	sunset := d.Sunset.UTC().Format(http.TimeFormat)
	link := "<" + d.Link + `>; rel="deprecation"; type="text/html"`
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Deprecation", deprecation)
			h.Set("Sunset", sunset)
			h.Add("Link", link)
			return next(c)
		}
	}
}
