package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

func handleListQuarantined(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		kb, docs, err := lib.Quarantined(c.Request().Context(), principal(c).Tenant, c.Param("kb"))
		if err != nil {
			return err
		}
		if docs == nil {
			docs = []store.Document{}
		}
		return c.JSON(http.StatusOK, map[string]any{"kb": kb.Name, "documents": docs})
	}
}

func handleRelease(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return core.Errorf(core.CodeInvalid, "document id must be a positive integer")
		}
		p := principal(c)
		doc, err := lib.Release(c.Request().Context(), ingest.ReleaseParams{Tenant: p.Tenant, KB: c.Param("kb"), Actor: p.Actor(), DocumentID: id})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, doc)
	}
}
