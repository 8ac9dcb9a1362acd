package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/store"
)

// keysData is the keys page: the tenant's keys and, right after one was
// created, its plaintext, shown this once.
type keysData struct {
	Keys    []keyRow
	Scopes  []string
	Created string
}

// keyRow is a key and its state now.
type keyRow struct {
	store.APIKey
	State string
}

func keyRows(keys []store.APIKey, now time.Time) []keyRow {
	rows := make([]keyRow, len(keys))
	for i, k := range keys {
		rows[i] = keyRow{APIKey: k, State: "active"}
		switch {
		case k.RevokedAt != nil:
			rows[i].State = "revoked"
		case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
			rows[i].State = "expired"
		}
	}
	return rows
}

func (v *view) keysPage(c echo.Context, keys KeyAdmin, now func() time.Time, status int, created string) error {
	list, err := keys.List(c.Request().Context(), sessionOf(c).Tenant)
	if err != nil {
		return err
	}
	return v.render(c, status, "keys", page{Title: "Keys", Nav: "keys", Notice: noticeOf(c),
		Data: keysData{Keys: keyRows(list, now()), Scopes: auth.AllScopes(), Created: created}})
}

func handleConsoleKeys(v *view, keys KeyAdmin, now func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error { return v.keysPage(c, keys, now, http.StatusOK, "") }
}

// handleConsoleCreateKey issues a key and shows its plaintext once, in
// the response to the form (never in a URL).
func handleConsoleCreateKey(v *view, keys KeyAdmin, now func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error {
		form, err := c.FormParams()
		if err != nil {
			return bodyError(err, "cannot read the form")
		}
		s := sessionOf(c)
		p := auth.CreateParams{Tenant: s.Tenant, Name: strings.TrimSpace(form.Get("name")), Scopes: form["scopes"],
			Widget: form.Get("widget") == "on", Origins: lines(form.Get("origins")), Actor: s.Actor()}
		if days := form.Get("ttl_days"); days != "" {
			n, err := strconv.Atoi(days)
			if err != nil || n < 1 || n > 3650 {
				return core.Errorf(core.CodeInvalid, "expires after must be a whole number of days from 1 to 3650")
			}
			p.TTL = time.Duration(n) * 24 * time.Hour
		}
		if p.Name == "" || len(p.Name) > 100 {
			return core.Errorf(core.CodeInvalid, "a key needs a name of at most 100 characters")
		}
		if p.Widget {
			p.Scopes = []string{auth.ScopeChat}
		}
		plain, _, err := keys.Create(c.Request().Context(), p)
		if err != nil {
			return err
		}
		return v.keysPage(c, keys, now, http.StatusCreated, plain)
	}
}

func handleConsoleRevokeKey(keys KeyAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		s := sessionOf(c)
		if err := keys.Revoke(c.Request().Context(), s.Tenant, c.Param("id"), s.Actor()); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, consolePath+"/keys?done=revoked")
	}
}
