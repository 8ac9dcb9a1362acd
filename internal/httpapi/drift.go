package httpapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"supportd/internal/store"
)

// DriftReports serves stored drift reports (store.Store).
type DriftReports interface {
	DriftReports(ctx context.Context, tenant, kb string, limit int) ([]store.DriftReportRow, error)
}

// handleDrift returns the newest drift reports (?kb= filters, ?limit= up to
// 100, default 1: the current state).
func handleDrift(d DriftReports) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, err := intParam(c, "limit", 1, 1, 100)
		if err != nil {
			return err
		}
		reports, err := d.DriftReports(c.Request().Context(), principal(c).Tenant, c.QueryParam("kb"), limit)
		if err != nil {
			return err
		}
		if reports == nil {
			reports = []store.DriftReportRow{}
		}
		return c.JSON(http.StatusOK, map[string]any{"reports": reports})
	}
}
