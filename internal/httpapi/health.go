package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// Health reports whether the database answers and its schema is current.
type Health interface {
	Ping(ctx context.Context) error
	MigrationState(ctx context.Context) (current, target int64, err error)
}

// Models reports the model chain's state (llm.Gateway).
type Models interface {
	ModelStates() []core.ModelState
}

func handleHealthz() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}

// handleReadyz says whether this replica can serve: the database answers
// within a second and its schema is the one this binary expects. With a
// model chain it also shows each model's breaker and configuration error;
// those do not make the replica unready, since it still answers from the
// help centre.
func handleReadyz(h Health, models Models) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second)
		defer cancel()
		if err := h.Ping(ctx); err != nil {
			return core.Wrap(core.CodeUnavailable, err, "database is unreachable")
		}
		current, target, err := h.MigrationState(ctx)
		if err != nil {
			return core.Wrap(core.CodeUnavailable, err, "cannot read the schema version")
		}
		if current != target {
			return core.Errorf(core.CodeUnavailable, "database schema is at version %d; this binary needs %d (run supportd migrate)", current, target)
		}
		body := map[string]any{"status": "ready", "schema_version": current}
		if models != nil {
			body["models"] = models.ModelStates()
		}
		return c.JSON(http.StatusOK, body)
	}
}
