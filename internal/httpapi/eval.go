package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// EvalRuns reads stored evaluation runs and renders their reports. An
// unknown run is core.CodeNotFound.
type EvalRuns interface {
	List(ctx context.Context, f store.EvalRunFilter) ([]eval.Run, error)
	Load(ctx context.Context, tenant string, id int64) (eval.Run, *eval.Comparison, error)
	// Report renders a run in format (eval.Formats); an unknown format is
	// core.CodeInvalid.
	Report(ctx context.Context, tenant string, id int64, format string) (Rendered, error)
	// Accept pins a complete run as its knowledge base's baseline and
	// audits it: core.CodeNotFound for an unknown (or another tenant's)
	// run, core.CodeConflict for one that is not complete.
	Accept(ctx context.Context, tenant string, id int64, actor string) (eval.Run, error)
}

// Rendered is a report ready to send.
type Rendered struct {
	ContentType string
	Body        []byte
}

type evalRunSummary struct {
	Meta    eval.RunMeta `json:"meta"`
	Summary eval.Summary `json:"summary"`
}

// handleListEvalRuns lists runs newest first: ?kb= filters, ?limit= (max
// 100) and ?before=ID page.
func handleListEvalRuns(runs EvalRuns) echo.HandlerFunc {
	return func(c echo.Context) error {
		tenant := principal(c).Tenant
		limit, before, err := pageParams(c, 20, 100)
		if err != nil {
			return err
		}
		list, err := runs.List(c.Request().Context(), store.EvalRunFilter{Tenant: tenant, KB: c.QueryParam("kb"), Before: before, Limit: limit})
		if err != nil {
			return err
		}
		out := make([]evalRunSummary, len(list))
		for i, r := range list {
			out[i] = evalRunSummary{Meta: r.Meta, Summary: r.Summary}
		}
		return c.JSON(http.StatusOK, map[string]any{"runs": out})
	}
}

// handleGetEvalRun returns a run with its comparison and cases as JSON, or
// with ?format=html|markdown|junit|table the rendered report.
func handleGetEvalRun(runs EvalRuns) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id", "run id")
		if err != nil {
			return err
		}
		format := c.QueryParam("format")
		if format == "" || format == "json" {
			run, cmpn, err := runs.Load(c.Request().Context(), principal(c).Tenant, id)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, map[string]any{"meta": run.Meta, "summary": run.Summary, "comparison": cmpn, "results": run.Results})
		}
		rep, err := runs.Report(c.Request().Context(), principal(c).Tenant, id, format)
		if err != nil {
			return err
		}
		return sendReport(c, rep)
	}
}

// sendReport sends a rendered report; an HTML one is self-contained
// (inline styles and SVG only), and its CSP allows just that.
func sendReport(c echo.Context, rep Rendered) error {
	if strings.HasPrefix(rep.ContentType, echo.MIMETextHTML) {
		c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	}
	return c.Blob(http.StatusOK, rep.ContentType, rep.Body)
}

// idParam reads a positive numeric path parameter; what names it in the
// error.
func idParam(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.CodeInvalid, "%s must be a positive number", what)
	}
	return id, nil
}

// handleAcceptEvalRun pins a run as the baseline the regression gate
// compares later runs with. Admin only: moving the baseline decides what
// counts as a regression, which an eval (CI) key must not do for itself.
func handleAcceptEvalRun(runs EvalRuns) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id", "run id")
		if err != nil {
			return err
		}
		p := principal(c)
		run, err := runs.Accept(c.Request().Context(), p.Tenant, id, p.Actor())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, evalRunSummary{Meta: run.Meta, Summary: run.Summary})
	}
}

// pageParams reads a keyset page: ?limit= (1 to max, default def) and
// ?before= (an id; 0, the default, starts at the newest).
func pageParams(c echo.Context, def, max int) (limit int, before int64, err error) {
	if limit, err = intParam(c, "limit", def, 1, max); err != nil {
		return 0, 0, err
	}
	b, err := intParam(c, "before", 0, 0, 1<<62)
	return limit, int64(b), err
}

func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, core.Errorf(core.CodeInvalid, "%s must be a whole number between %d and %d", name, lo, hi)
	}
	return n, nil
}
