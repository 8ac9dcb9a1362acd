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
// user (store.Store).
type Privacy interface {
	DeleteConversation(ctx context.Context, tenant, id, actor string) (store.Deleted, error)
	DeleteEndUser(ctx context.Context, tenant, endUser, actor string) (store.Deleted, error)
}

// CacheDeleter drops answer-cache entries derived from deleted turns.
type CacheDeleter interface {
	Delete(ctx context.Context, keys ...string)
}

type deletedBody struct {
	store.Deleted
	CacheEntries int `json:"cache_entries"`
}

func handleDeleteConversation(p Privacy, cache CacheDeleter) echo.HandlerFunc {
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
		return c.JSON(http.StatusOK, map[string]deletedBody{"deleted": dropCached(c.Request().Context(), cache, d)})
	}
}

func handleDeleteEndUser(p Privacy, cache CacheDeleter) echo.HandlerFunc {
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
		return c.JSON(http.StatusOK, map[string]deletedBody{"deleted": dropCached(c.Request().Context(), cache, d)})
	}
}

func dropCached(ctx context.Context, cache CacheDeleter, d store.Deleted) deletedBody {
	if cache != nil && len(d.CacheKeys) > 0 {
		cache.Delete(ctx, d.CacheKeys...)
	}
	return deletedBody{Deleted: d, CacheEntries: len(d.CacheKeys)}
}
