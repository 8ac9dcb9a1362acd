package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/store"
)

// Keys issues, lists and revokes API keys (auth.Service). An unknown key
// is core.CodeNotFound; a bad request is core.CodeInvalid.
type Keys interface {
	Create(ctx context.Context, p auth.CreateParams) (string, store.APIKey, error)
	List(ctx context.Context, tenant string) ([]store.APIKey, error)
	Revoke(ctx context.Context, tenant, id, actor string) error
}

// AuditLog reads the audit log (store.Store).
type AuditLog interface {
	AuditPage(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
}

// Conversations reads stored conversations (store.Store); an unknown one
// is core.CodeNotFound.
type Conversations interface {
	Conversations(ctx context.Context, f store.ConversationFilter) ([]store.Conversation, error)
	ConversationTurns(ctx context.Context, tenant, id string, limit int) ([]store.Turn, error)
}

type keyRequest struct {
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Widget  bool     `json:"widget"`
	Origins []string `json:"origins"`
	// TTLSeconds bounds the key's life; 0 never expires.
	TTLSeconds int64 `json:"ttl_seconds"`
}

type keyCreated struct {
	Key store.APIKey `json:"key"`
	// Secret is the key itself, shown this once: only its hash is stored.
	Secret string `json:"secret"`
}

func handleCreateKey(keys Keys) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req keyRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if len(req.Name) > 200 || req.TTLSeconds < 0 || req.TTLSeconds > 10*365*86400 {
			return core.Errorf(core.CodeInvalid, "name is limited to 200 characters and ttl_seconds to 0 (never expires) .. 10 years")
		}
		p := principal(c)
		secret, k, err := keys.Create(c.Request().Context(), auth.CreateParams{Tenant: p.Tenant, Name: req.Name, Scopes: req.Scopes,
			Widget: req.Widget, Origins: req.Origins, TTL: time.Duration(req.TTLSeconds) * time.Second, Actor: p.Actor()})
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(http.StatusCreated, keyCreated{Key: nonNilKey(k), Secret: secret})
	}
}

func nonNilKey(k store.APIKey) store.APIKey {
	if k.AllowedOrigins == nil {
		k.AllowedOrigins = []string{}
	}
	return k
}

func handleListKeys(keys Keys) echo.HandlerFunc {
	return func(c echo.Context) error {
		list, err := keys.List(c.Request().Context(), principal(c).Tenant)
		if err != nil {
			return err
		}
		out := make([]store.APIKey, len(list))
		for i, k := range list {
			out[i] = nonNilKey(k)
		}
		return c.JSON(http.StatusOK, map[string]any{"keys": out})
	}
}

func handleRevokeKey(keys Keys) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		if err := keys.Revoke(c.Request().Context(), p.Tenant, c.Param("id"), p.Actor()); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"revoked": c.Param("id")})
	}
}

// handleAuditLog pages the audit log newest first: ?action= filters,
// ?limit= (max 500) and ?before=ID page; next_before is the ?before= of
// the next page, absent on the last.
func handleAuditLog(log AuditLog) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, before, err := pageParams(c, 50, 500)
		if err != nil {
			return err
		}
		entries, err := log.AuditPage(c.Request().Context(), store.AuditFilter{Tenant: principal(c).Tenant,
			Action: c.QueryParam("action"), Before: before, Limit: limit})
		if err != nil {
			return err
		}
		resp := map[string]any{"entries": nonNil(entries)}
		if len(entries) == limit {
			resp["next_before"] = entries[len(entries)-1].ID
		}
		return c.JSON(http.StatusOK, resp)
	}
}

// handleListConversations lists conversations newest first: ?kb=,
// ?end_user= and ?since=TIME (RFC 3339) filter; ?limit= (max 200) and
// ?before=ID page.
func handleListConversations(convs Conversations) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, err := intParam(c, "limit", 50, 1, 200)
		if err != nil {
			return err
		}
		f := store.ConversationFilter{Tenant: principal(c).Tenant, KB: c.QueryParam("kb"), EndUserID: c.QueryParam("end_user"), Limit: limit}
		if v := c.QueryParam("since"); v != "" {
			if f.Since, err = time.Parse(time.RFC3339, v); err != nil {
				return core.Errorf(core.CodeInvalid, "since must be an RFC 3339 time")
			}
		}
		if v := c.QueryParam("before"); v != "" {
			if _, err := uuid.Parse(v); err != nil {
				return core.Errorf(core.CodeInvalid, "before must be a conversation id")
			}
			f.Before = v
		}
		list, err := convs.Conversations(c.Request().Context(), f)
		if err != nil {
			return err
		}
		resp := map[string]any{"conversations": nonNil(list)}
		if len(list) == limit {
			resp["next_before"] = list[len(list)-1].ID
		}
		return c.JSON(http.StatusOK, resp)
	}
}

// maxTurnsShown bounds one conversation's turns in a response.
const maxTurnsShown = 500

func handleGetConversation(convs Conversations) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return core.Errorf(core.CodeInvalid, "conversation id must be a UUID")
		}
		turns, err := convs.ConversationTurns(c.Request().Context(), principal(c).Tenant, id.String(), maxTurnsShown)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"id": id.String(), "turns": turns})
	}
}

type kbRequest struct {
	Name string `json:"name"`
}

func handleCreateKB(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req kbRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		p := principal(c)
		kb, err := lib.CreateKB(c.Request().Context(), p.Tenant, req.Name, p.Actor())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, kb)
	}
}

func handleDeleteKB(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		if err := lib.RemoveKB(c.Request().Context(), p.Tenant, c.Param("kb"), p.Actor()); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"deleted": c.Param("kb")})
	}
}

func handleKBStats(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		st, err := lib.Stats(c.Request().Context(), principal(c).Tenant, c.Param("kb"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
