package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/store"
)

// Privacy deletes what the service holds about a conversation or an end
// user, derived copies (cached answers) included. An unknown conversation
// is core.CodeNotFound.
type Privacy interface {
	DeleteConversation(ctx context.Context, tenant, id, actor string) (store.Deleted, error)
	DeleteEndUser(ctx context.Context, tenant, endUser, actor string) (store.Deleted, error)
}

type deletedBody struct {
	store.Deleted
	CacheEntries int `json:"cache_entries"`
}

func handleDeleteConversation(p Privacy) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return core.Errorf(core.CodeInvalid, "conversation id must be a UUID")
		}
		who := principal(c)
		d, err := p.DeleteConversation(c.Request().Context(), who.Tenant, id.String(), who.Actor())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]deletedBody{"deleted": {Deleted: d, CacheEntries: len(d.CacheKeys)}})
	}
}

func handleDeleteEndUser(p Privacy) echo.HandlerFunc {
	return func(c echo.Context) error {
		user := c.Param("id")
		if user == "" || len(user) > 200 {
			return core.Errorf(core.CodeInvalid, "end-user id must be 1 to 200 characters")
		}
		who := principal(c)
		d, err := p.DeleteEndUser(c.Request().Context(), who.Tenant, user, who.Actor())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]deletedBody{"deleted": {Deleted: d, CacheEntries: len(d.CacheKeys)}})
	}
}
