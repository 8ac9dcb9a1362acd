package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// EvalRuns reads stored evaluation runs (eval.Runner).
type EvalRuns interface {
	List(ctx context.Context, f store.EvalRunFilter) ([]eval.Run, error)
	Load(ctx context.Context, tenant string, id int64) (eval.Run, *eval.Comparison, error)
	History(ctx context.Context, tenant, kb string, upTo int64, n int) ([]eval.Run, error)
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
		limit, err := intParam(c, "limit", 20, 1, 100)
		if err != nil {
			return err
		}
		before, err := intParam(c, "before", 0, 0, 1<<62)
		if err != nil {
			return err
		}
		list, err := runs.List(c.Request().Context(), store.EvalRunFilter{Tenant: tenant, KB: c.QueryParam("kb"), Before: int64(before), Limit: limit})
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
		tenant := principal(c).Tenant
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return core.Errorf(core.CodeInvalid, "run id must be a positive number")
		}
		ctx := c.Request().Context()
		run, cmpn, err := runs.Load(ctx, tenant, id)
		if err != nil {
			return err
		}
		format := c.QueryParam("format")
		if format == "" || format == "json" {
			return c.JSON(http.StatusOK, map[string]any{"meta": run.Meta, "summary": run.Summary, "comparison": cmpn, "results": run.Results})
		}
		history, err := runs.History(ctx, tenant, run.Meta.KB, id, 12)
		if err != nil {
			return err
		}
		rep := eval.Report{Run: run, Comparison: cmpn}
		for _, h := range history {
			rep.History = append(rep.History, eval.PointOf(h))
		}
		var buf bytes.Buffer
		if err := eval.Render(&buf, format, rep); err != nil {
			return core.Wrap(core.CodeInvalid, err, err.Error())
		}
		ct := map[string]string{"html": echo.MIMETextHTMLCharsetUTF8, "junit": echo.MIMEApplicationXMLCharsetUTF8}[format]
		if ct == "" {
			ct = echo.MIMETextPlainCharsetUTF8
		}
		if format == "html" {
			// The report is self-contained: inline styles and SVG only.
			c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		}
		return c.Blob(http.StatusOK, ct, buf.Bytes())
	}
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
