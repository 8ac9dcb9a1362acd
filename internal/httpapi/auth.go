package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"supportd/internal/auth"
	"supportd/internal/core"
)

// Authenticator verifies API keys (auth.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (auth.Principal, error)
}

// OriginChecker says whether any widget key admits a browser origin; CORS
// preflights carry no key, so they are answered on this.
type OriginChecker interface {
	WidgetOriginAllowed(ctx context.Context, origin string) (bool, error)
}

const principalKey = "supportd.principal"

// principal is the authenticated caller of a request.
func principal(c echo.Context) auth.Principal {
	p, _ := c.Get(principalKey).(auth.Principal)
	return p
}

// requireScope authenticates the request's key and checks it holds scope.
// Without an Authenticator (development mode) every request acts for the
// configured tenant with every scope.
func requireScope(a Access, scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a.Auth == nil {
				c.Set(principalKey, auth.Principal{Tenant: a.Tenant, KeyID: "dev", Scopes: auth.AllScopes()})
				return next(c)
			}
			key := presentedKey(c.Request())
			if key == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="supportd"`)
				return core.Errorf(core.CodeUnauthorized, "an API key is required: send Authorization: Bearer <key>")
			}
			p, err := a.Auth.Authenticate(c.Request().Context(), key)
			if err != nil {
				if core.ErrorCode(err) == core.CodeUnauthorized {
					c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="supportd", error="invalid_token"`)
				}
				return err
			}
			if err := checkWidget(c, p); err != nil {
				return err
			}
			if !p.Can(scope) {
				return core.Errorf(core.CodeForbidden, "this key lacks the %q scope", scope)
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// checkWidget binds a publishable key to its origins: a browser always
// sends Origin on these requests, and the answer is readable only there.
func checkWidget(c echo.Context, p auth.Principal) error {
	if !p.Widget {
		return nil
	}
	origin, err := auth.NormalizeOrigin(c.Request().Header.Get(echo.HeaderOrigin))
	if err != nil || !slices.Contains(p.Origins, origin) {
		return core.Errorf(core.CodeForbidden, "this widget key is not valid on this origin")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderAccessControlAllowOrigin, origin)
	// The widget reads how long to wait after a 429, and shows the
	// request id a visitor can quote to support.
	h.Set(echo.HeaderAccessControlExposeHeaders, "Retry-After, X-Request-Id, Idempotent-Replayed")
	h.Add(echo.HeaderVary, echo.HeaderOrigin)
	return nil
}

func presentedKey(r *http.Request) string {
	if v := r.Header.Get(echo.HeaderAuthorization); strings.HasPrefix(v, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(v, "Bearer "))
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// preflight answers CORS preflights for origins some widget key admits;
// other origins get no CORS headers, so browsers refuse them.
func preflight(origins OriginChecker) echo.HandlerFunc {
	return func(c echo.Context) error {
		origin, err := auth.NormalizeOrigin(c.Request().Header.Get(echo.HeaderOrigin))
		if err != nil || origins == nil {
			return c.NoContent(http.StatusNoContent)
		}
		ok, err := origins.WidgetOriginAllowed(c.Request().Context(), origin)
		if err != nil {
			return err
		}
		if ok {
			h := c.Response().Header()
			h.Set(echo.HeaderAccessControlAllowOrigin, origin)
			h.Set(echo.HeaderAccessControlAllowMethods, "POST")
			h.Set(echo.HeaderAccessControlAllowHeaders, "Authorization, Content-Type, Accept, Idempotency-Key")
			h.Set(echo.HeaderAccessControlMaxAge, "600")
			h.Add(echo.HeaderVary, echo.HeaderOrigin)
		}
		return c.NoContent(http.StatusNoContent)
	}
}
