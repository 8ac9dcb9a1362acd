package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
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

// Digests writes the weekly digest of a knowledge base (digest.Builder):
// format is "markdown" or "json"; an unknown knowledge base is
// core.CodeKBNotFound.
type Digests interface {
	Write(ctx context.Context, tenant, kb, format string, w io.Writer) error
}

// handleDigest returns the digest of ?kb= for the period ending now, as
// Markdown or, with ?format=json, as JSON.
func handleDigest(d Digests) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, tenant, kb, format := c.Request().Context(), principal(c).Tenant, c.QueryParam("kb"), cmp.Or(c.QueryParam("format"), "markdown")
		if kb == "" {
			return core.Errorf(core.CodeInvalid, "kb is required")
		}
		ct := map[string]string{"markdown": "text/markdown; charset=utf-8", "json": echo.MIMEApplicationJSON}[format]
		if ct == "" {
			return core.Errorf(core.CodeInvalid, `format must be "markdown" or "json"`)
		}
		var b bytes.Buffer
		if err := d.Write(ctx, tenant, kb, format, &b); err != nil {
			return err
		}
		return c.Blob(http.StatusOK, ct, b.Bytes())
	}
}
