package httpapi

import (
	"context"
	"net/http"
	"net/mail"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/store"
)

// Handoffs takes visitors' requests for a person (the wiring stores them,
// redacted per policy, and sends the handoff webhook). An unknown turn is
// core.CodeNotFound.
type Handoffs interface {
	RequestHandoff(ctx context.Context, tenant string, h store.HandoffRequest) (store.HandoffTurn, error)
}

type handoffRequest struct {
	TurnID int64  `json:"turn_id"`
	Email  string `json:"email"`
}

// handleHandoff records that the visitor of a conversation wants a person
// to follow up its turn, optionally by email.
func handleHandoff(h Handoffs) echo.HandlerFunc {
	return func(c echo.Context) error {
		conv, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return core.Errorf(core.CodeInvalid, "the conversation id must be a UUID")
		}
		var req handoffRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.TurnID <= 0 {
			return core.Errorf(core.CodeInvalid, "turn_id (the conversation's turn to follow up) must be a positive number")
		}
		email := strings.TrimSpace(req.Email)
		if email != "" {
			if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
				return core.Errorf(core.CodeInvalid, "email must be a plain email address (name@example.com)")
			}
		}
		ht, err := h.RequestHandoff(c.Request().Context(), principal(c).Tenant,
			store.HandoffRequest{TurnID: req.TurnID, ConversationID: conv.String(), Email: email})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]any{"handoff_id": ht.RequestID})
	}
}
