package httpapi

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"supportd/internal/auth"
	"supportd/internal/core"
)

// signinData is the sign-in form.
type signinData struct {
	CSRF, Next, Error string
}

// handleSigninPage shows the sign-in form with a fresh double-submit
// token.
func handleSigninPage(v *view) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := rand.Text()
		setCookie(c, signinCookie, token, 600)
		return v.render(c, http.StatusOK, "signin", page{Title: "Sign in",
			Data: signinData{CSRF: token, Next: safeNext(c.QueryParam("next"))}})
	}
}

// handleSignin exchanges the posted key for a session cookie. A wrong key
// shows the form again with the reason.
func handleSignin(v *view, s Sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(signinCookie)
		if err != nil || !sameToken(c.FormValue("csrf"), ck.Value) {
			return core.Errorf(core.CodeForbidden, "the sign-in form's CSRF token is missing or stale: reload the page and try again")
		}
		token, _, err := s.SignIn(c.Request().Context(), strings.TrimSpace(c.FormValue("key")))
		if code := core.ErrorCode(err); code == core.CodeUnauthorized || code == core.CodeForbidden {
			fresh := rand.Text()
			setCookie(c, signinCookie, fresh, 600)
			return v.render(c, statusOf(code), "signin", page{Title: "Sign in",
				Data: signinData{CSRF: fresh, Next: safeNext(c.FormValue("next")), Error: core.ErrorMessage(err)}})
		}
		if err != nil {
			return err
		}
		setCookie(c, signinCookie, "", -1)
		setCookie(c, sessionCookie, token, int(auth.SessionTTL.Seconds()))
		return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
	}
}

// handleSignout ends the session and clears its cookie.
func handleSignout(s Sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err == nil {
			if err := s.SignOut(c.Request().Context(), ck.Value); err != nil {
				return err
			}
		}
		setCookie(c, sessionCookie, "", -1)
		return c.Redirect(http.StatusSeeOther, consolePath+"/signin")
	}
}

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, consolePath) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return consolePath
	}
	return next
}
