package httpapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// Console is the agent console's services; a nil Sessions leaves /console
// out.
type Console struct {
	Sessions      Sessions
	Conversations HandoffInbox
	// Keys issues, lists and revokes API keys on the keys page.
	Keys KeyAdmin
	// Golden takes relabelled items into the golden set; nil hides the
	// button.
	Golden GoldenSet
	// EvalQueue starts evaluation runs from the evaluation page; nil hides
	// "run now".
	EvalQueue EvalQueue
	// Now is the clock of "this week"; nil is time.Now.
	Now func() time.Time
}

// GoldenSet grows the golden set the scheduled evaluation runs
// (app.GoldenFile); a case with problems is an error and adds nothing.
type GoldenSet interface {
	Add(ctx context.Context, cases []eval.Case) (added, skipped int, err error)
}

func (cs Console) clock() func() time.Time {
	if cs.Now == nil {
		return time.Now
	}
	return cs.Now
}

// Sessions exchange an admin or agent key for a console session
// (auth.Service). Session fails with core.CodeUnauthorized when the
// session is unknown, expired or its key no longer valid.
type Sessions interface {
	SignIn(ctx context.Context, key string) (string, auth.Session, error)
	Session(ctx context.Context, token string) (auth.Session, error)
	SignOut(ctx context.Context, token string) error
}

// HandoffInbox serves the handoff inbox (store.Store). An unknown
// conversation is core.CodeNotFound.
type HandoffInbox interface {
	Inbox(ctx context.Context, f store.InboxFilter) ([]store.InboxEntry, error)
	ConversationDetail(ctx context.Context, tenant, id string) (store.ConversationDetail, error)
	MarkHandled(ctx context.Context, tenant, id, actor string) error
}

// KeyAdmin manages the tenant's API keys (auth.Service).
type KeyAdmin interface {
	Create(ctx context.Context, p auth.CreateParams) (string, store.APIKey, error)
	List(ctx context.Context, tenant string) ([]store.APIKey, error)
	Revoke(ctx context.Context, tenant, id, actor string) error
}

const (
	sessionCookie = "supportd_console"
	// signinCookie carries the sign-in form's CSRF token (double submit):
	// there is no session to bind it to yet.
	signinCookie = "supportd_signin"
	sessionKey   = "supportd.console_session"
	consolePath  = "/console"
	// consoleCSP allows the console's own script and style and nothing
	// else: no inline script, no external resources.
	consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

//go:embed console
var consoleFiles embed.FS

// view renders the console's pages.
type view struct {
	pages map[string]*template.Template
	log   *slog.Logger
}

var consoleFuncs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"num":  func(f float64) string { return fmt.Sprintf("%.3f", f) },
	"join": strings.Join,
	"has": func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	},
}

// newView parses the layout with each page once.
func newView(log *slog.Logger) *view {
	v := &view{pages: map[string]*template.Template{}, log: log}
	names, err := fs.Glob(consoleFiles, "console/templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "console/templates/"), ".html")
		if base == "layout" {
			continue
		}
		v.pages[base] = template.Must(template.New("layout.html").Funcs(consoleFuncs).
			ParseFS(consoleFiles, "console/templates/layout.html", n))
	}
	return v
}

// page is what every console template gets.
type page struct {
	Title   string
	Nav     string
	Session *auth.Session
	Notice  string
	Data    any
}

// render writes a page with status; templates execute into a buffer
// first, so a failing one becomes an error page, not half a page.
func (v *view) render(c echo.Context, status int, name string, p page) error {
	if s, ok := c.Get(sessionKey).(auth.Session); ok {
		p.Session = &s
	}
	var b bytes.Buffer
	if err := v.pages[name].Execute(&b, p); err != nil {
		return core.Wrap(core.CodeInternal, err, "render console page "+name)
	}
	return c.HTMLBlob(status, b.Bytes())
}

// consoleHeaders sets the console's strict CSP and keeps its pages out of
// caches.
func consoleHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// consoleErrors shows errors as pages: a missing or ended session goes to
// the sign-in page, anything else is an error page with the status its
// code maps to.
func (v *view) consoleErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			err = fromEcho(he)
		}
		code := core.ErrorCode(err)
		if code == core.CodeUnauthorized && c.Request().Method == http.MethodGet {
			return c.Redirect(http.StatusSeeOther, consolePath+"/signin?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		status, msg := statusOf(code), core.ErrorMessage(err)
		if status >= http.StatusInternalServerError {
			v.log.ErrorContext(c.Request().Context(), "console request failed", "request_id",
				c.Response().Header().Get(echo.HeaderXRequestID), "code", code, "err", err.Error())
		}
		if code == core.CodeInternal {
			msg = "internal error"
		}
		return v.render(c, status, "error", page{Title: http.StatusText(status), Data: map[string]any{"Code": code, "Message": msg,
			"RequestID": c.Response().Header().Get(echo.HeaderXRequestID)}})
	}
}

// withSession admits requests of a live session and checks the session's
// CSRF token on every request that changes something.
func withSession(s Sessions) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var token string
			if ck, err := c.Cookie(sessionCookie); err == nil {
				token = ck.Value
			}
			sess, err := s.Session(c.Request().Context(), token)
			if err != nil {
				return err
			}
			if unsafeMethod(c.Request().Method) && !sameToken(csrfOf(c), sess.CSRF) {
				return core.Errorf(core.CodeForbidden, "the form's CSRF token is missing or stale: reload the page and try again")
			}
			c.Set(sessionKey, sess)
			c.Set(principalKey, sess.Principal)
			return next(c)
		}
	}
}

// adminOnly keeps keys, deletion and knowledge-base changes to admins.
func adminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s, _ := c.Get(sessionKey).(auth.Session); !s.Admin() {
			return core.Errorf(core.CodeForbidden, "this page is for admins; an agent key cannot use it")
		}
		return next(c)
	}
}

func sessionOf(c echo.Context) auth.Session {
	s, _ := c.Get(sessionKey).(auth.Session)
	return s
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// csrfOf is the token a form posted, or the one a script sent as a
// header.
func csrfOf(c echo.Context) string {
	if h := c.Request().Header.Get("X-CSRF-Token"); h != "" {
		return h
	}
	return c.FormValue("csrf")
}

func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// consoleStatic serves the console's script and style sheet.
func consoleStatic() echo.HandlerFunc {
	sub, err := fs.Sub(consoleFiles, "console/static")
	if err != nil {
		panic(err)
	}
	return echo.WrapHandler(http.StripPrefix(consolePath+"/static/", http.FileServerFS(sub)))
}

// setCookie writes a console cookie: HttpOnly, SameSite=Strict, scoped to
// /console, Secure when the request came over TLS; maxAge < 0 deletes it.
func setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: consolePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https"})
}
