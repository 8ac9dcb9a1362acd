package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// EvalQueue starts evaluation runs in the background (app.App); queued is
// false when the same evaluation is already waiting or running.
type EvalQueue interface {
	QueueEval(ctx context.Context, tenant, kb string) (queued bool, err error)
}

// evalData is the evaluation page: runs newest first and a trend chart
// per metric, oldest run on the left.
type evalData struct {
	KB     string
	KBs    []store.KB
	Runs   []eval.Run
	Trends []trend
	CanRun bool
}

// trend is one metric over the complete runs, drawn as an inline SVG
// polyline in a 0..1 box of chartW × chartH.
type trend struct {
	Metric string
	Points string
	Dots   []dot
	Last   float64
}

type dot struct {
	X, Y  string
	Title string
}

const chartW, chartH = 320.0, 80.0

// trends charts every metric the runs share, pass rate first.
func trends(runs []eval.Run) []trend {
	var complete []eval.Run
	for _, r := range slices.Backward(runs) {
		if r.Meta.Status == "complete" {
			complete = append(complete, r)
		}
	}
	if len(complete) == 0 {
		return nil
	}
	names := []string{eval.MetricPassRate}
	for m := range complete[len(complete)-1].Summary.Metrics {
		names = append(names, m)
	}
	slices.Sort(names[1:])
	out := make([]trend, 0, len(names))
	for _, m := range names {
		t := trend{Metric: m}
		var pts []string
		for i, r := range complete {
			v, ok := r.Summary.PassRate.Mean, true
			if m != eval.MetricPassRate {
				var s eval.Stat
				s, ok = r.Summary.Metrics[m]
				v = s.Mean
			}
			if !ok {
				continue
			}
			x := chartW / 2
			if len(complete) > 1 {
				x = float64(i) * chartW / float64(len(complete)-1)
			}
			y := chartH - min(1, max(0, v))*chartH
			xs, ys := strconv.FormatFloat(x, 'f', 1, 64), strconv.FormatFloat(y, 'f', 1, 64)
			pts = append(pts, xs+","+ys)
			t.Dots = append(t.Dots, dot{X: xs, Y: ys, Title: fmt.Sprintf("run %d: %.3f", r.Meta.ID, v)})
			t.Last = v
		}
		t.Points = strings.Join(pts, " ")
		out = append(out, t)
	}
	return out
}

func handleConsoleEval(v *view, runs EvalRuns, lib Library, queue EvalQueue) echo.HandlerFunc {
	return func(c echo.Context) error {
		s := sessionOf(c)
		kbs, err := lib.KBs(c.Request().Context(), s.Tenant)
		if err != nil {
			return err
		}
		d := evalData{KB: c.QueryParam("kb"), KBs: kbs, CanRun: queue != nil}
		if d.KB == "" && len(kbs) > 0 {
			d.KB = kbs[0].Name
		}
		if d.Runs, err = runs.List(c.Request().Context(), store.EvalRunFilter{Tenant: s.Tenant, KB: d.KB, Limit: 30}); err != nil {
			return err
		}
		d.Trends = trends(d.Runs)
		notice := noticeOf(c)
		if c.QueryParam("done") == "queued" {
			notice = "This evaluation is already waiting or running."
		}
		return v.render(c, http.StatusOK, "eval", page{Title: "Evaluation", Nav: "eval", Notice: notice, Data: d})
	}
}

// handleConsoleEvalReport shows a run's self-contained HTML report.
func handleConsoleEvalReport(runs EvalRuns) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id", "run id")
		if err != nil {
			return err
		}
		rep, err := runs.Report(c.Request().Context(), sessionOf(c).Tenant, id, "html")
		if err != nil {
			return err
		}
		return sendReport(c, rep)
	}
}

func handleConsoleRunEval(queue EvalQueue) echo.HandlerFunc {
	return func(c echo.Context) error {
		kb := c.FormValue("kb")
		if kb == "" {
			return core.Errorf(core.CodeInvalid, "name the knowledge base to evaluate")
		}
		queued, err := queue.QueueEval(c.Request().Context(), sessionOf(c).Tenant, kb)
		if err != nil {
			return err
		}
		done := "started"
		if !queued {
			done = "queued"
		}
		return c.Redirect(http.StatusSeeOther, consolePath+"/eval?"+url.Values{"kb": {kb}, "done": {done}}.Encode())
	}
}

// driftView is a stored drift report with what the page shows of it.
type driftView struct {
	Row  store.DriftReportRow
	Body driftBody
}

// driftBody is the part of drift.Report the page shows.
type driftBody struct {
	Insufficient bool `json:"insufficient"`
	Signals      []struct {
		Name      string  `json:"name"`
		Metric    string  `json:"metric"`
		Detail    string  `json:"detail"`
		Value     float64 `json:"value"`
		Threshold float64 `json:"threshold"`
		Z         float64 `json:"z"`
		Alert     bool    `json:"alert"`
	} `json:"signals"`
	NewTerms []struct {
		Term           string  `json:"term"`
		RecentCount    int     `json:"recent_count"`
		ReferenceCount int     `json:"reference_count"`
		Lift           float64 `json:"lift"`
	} `json:"new_terms"`
}

func handleConsoleDrift(v *view, reports DriftReports) echo.HandlerFunc {
	return func(c echo.Context) error {
		rows, err := reports.DriftReports(c.Request().Context(), sessionOf(c).Tenant, c.QueryParam("kb"), 10)
		if err != nil {
			return err
		}
		views := make([]driftView, len(rows))
		for i, r := range rows {
			views[i].Row = r
			if err := json.Unmarshal(r.Report, &views[i].Body); err != nil {
				return core.Wrap(core.CodeInternal, err, "read drift report")
			}
			if len(views[i].Body.NewTerms) > 10 {
				views[i].Body.NewTerms = views[i].Body.NewTerms[:10]
			}
		}
		return v.render(c, http.StatusOK, "drift", page{Title: "Drift", Nav: "drift", Data: views})
	}
}
