package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"supportd/internal/assistant"
	"supportd/internal/support"
)

type chatRequest struct {
	KB             string         `json:"kb"`
	Question       string         `json:"question"`
	ConversationID string         `json:"conversation_id"`
	Filter         map[string]any `json:"filter"`
}

func handleChat(a Answerer, tenant string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req chatRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.KB == "" {
			return support.Errorf(support.CodeInvalid, "kb is required")
		}
		ans, err := a.Answer(c.Request().Context(), assistant.Turn{
			Tenant: tenant, KB: req.KB, Question: req.Question, ConversationID: req.ConversationID, Filter: req.Filter,
		})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ans)
	}
}
