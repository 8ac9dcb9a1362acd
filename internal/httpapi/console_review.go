package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// reviewReasons are why the assistant or a visitor queues a turn.
var reviewReasons = []string{"thumbs_down", "handoff", "handoff_requested", "refused", "low_confidence"}

// reviewData is one page of the review queue and its filters.
type reviewData struct {
	Items   []store.ReviewItem
	KBs     []store.KB
	Reasons []string
	Labels  []string
	Filter  url.Values
	// Back is this page, where a relabelled item returns to.
	Back      string
	Next      string
	CanGolden bool
}

// reviewFilter reads the queue's filters: status (pending by default),
// kb, reason, and the days from and to (inclusive) it was queued.
func reviewFilter(c echo.Context, tenant string) (store.ReviewFilter, error) {
	f := store.ReviewFilter{Tenant: tenant, Status: c.QueryParam("status"), KB: c.QueryParam("kb"),
		Reason: c.QueryParam("reason"), Limit: consolePageSize + 1}
	switch f.Status {
	case "":
		f.Status = "pending"
	case "all":
		f.Status = ""
	case "pending", "resolved":
	default:
		return f, core.Errorf(core.CodeInvalid, `status must be "pending", "resolved" or "all"`)
	}
	if f.Reason != "" && !slices.Contains(reviewReasons, f.Reason) {
		return f, core.Errorf(core.CodeInvalid, "reason must be one of %s", strings.Join(reviewReasons, ", "))
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := c.QueryParam(d.name); v != "" {
			day, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return f, core.Errorf(core.CodeInvalid, "%s must be a date (YYYY-MM-DD)", d.name)
			}
			*d.dst = day.AddDate(0, 0, d.add)
		}
	}
	before, err := intParam(c, "before", 0, 0, 1<<62)
	f.Before = int64(before)
	return f, err
}

func handleConsoleReview(v *view, r Reviews, lib Library, golden GoldenSet) echo.HandlerFunc {
	return func(c echo.Context) error {
		s := sessionOf(c)
		f, err := reviewFilter(c, s.Tenant)
		if err != nil {
			return err
		}
		items, err := r.ReviewItems(c.Request().Context(), f)
		if err != nil {
			return err
		}
		kbs, err := lib.KBs(c.Request().Context(), s.Tenant)
		if err != nil {
			return err
		}
		q := c.QueryParams()
		d := reviewData{Items: items, KBs: kbs, Reasons: reviewReasons, Labels: eval.Labels(), Filter: q,
			Back: c.Request().URL.RequestURI(), CanGolden: golden != nil}
		if len(items) > consolePageSize {
			d.Items = items[:consolePageSize]
			next := url.Values{}
			for k, vs := range q {
				next[k] = vs
			}
			next.Del("done")
			next.Set("before", strconv.FormatInt(d.Items[consolePageSize-1].ID, 10))
			d.Next = consolePath + "/review?" + next.Encode()
		}
		notice := noticeOf(c)
		if c.QueryParam("done") == "golden" {
			n := func(k string) int { v, _ := strconv.Atoi(c.QueryParam(k)); return v }
			notice = fmt.Sprintf("Exported %d label(s); %d added to the golden set, %d already in it.",
				n("exported"), n("added"), n("skipped"))
		}
		return v.render(c, http.StatusOK, "review", page{Title: "Review queue", Nav: "review", Notice: notice, Data: d})
	}
}

// handleConsoleResolve saves a reviewer's verdict from the relabelling
// form: the same rules as POST /v1/review/{id}/resolve.
func handleConsoleResolve(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id", "review item id")
		if err != nil {
			return err
		}
		form, err := c.FormParams()
		if err != nil {
			return bodyError(err, "cannot read the form")
		}
		req := resolveRequest{Label: form.Get("label"), CorrectedAnswer: form.Get("corrected_answer"),
			ExpectedSources: form["expected_sources"], MissingDocument: form.Get("missing_document"),
			RequiredFacts: lines(form.Get("required_facts"))}
		s := sessionOf(c)
		res, err := req.resolution(s.Actor())
		if err != nil {
			return err
		}
		if _, err := r.ResolveReview(c.Request().Context(), s.Tenant, id, res); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, withDone(safeNext(form.Get("back")), "resolved"))
	}
}

// lines splits a text area into its non-blank lines.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// withDone adds done=what to a console URL.
func withDone(u, what string) string {
	p, err := url.Parse(u)
	if err != nil {
		return consolePath + "/review?done=" + what
	}
	q := p.Query()
	q.Set("done", what)
	p.RawQuery = q.Encode()
	return p.String()
}

// handleConsoleWeekExport downloads the labels of the last seven days as
// golden cases (JSON Lines); it records no export.
func handleConsoleWeekExport(r Reviews, now func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error {
		items, err := r.ReviewItems(c.Request().Context(), store.ReviewFilter{Tenant: sessionOf(c).Tenant, Status: "resolved",
			ResolvedSince: now().Add(-7 * 24 * time.Hour), Limit: 5000})
		if err != nil {
			return err
		}
		slices.Reverse(items)
		var b bytes.Buffer
		if _, err := eval.WriteReviewCases(&b, items); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition,
			fmt.Sprintf(`attachment; filename="labels-%s.jsonl"`, now().UTC().Format(time.DateOnly)))
		return c.Blob(http.StatusOK, "application/x-ndjson", b.Bytes())
	}
}

// handleConsoleAddGolden exports the labels no export included yet and
// adds their cases to the golden set.
func handleConsoleAddGolden(r Reviews, golden GoldenSet) echo.HandlerFunc {
	return func(c echo.Context) error {
		s := sessionOf(c)
		var added, skipped int
		// The labels count as exported only once the golden set has them.
		_, items, err := r.ExportReviews(c.Request().Context(), s.Tenant, s.Actor(), func(items []store.ReviewItem) error {
			var cases []eval.Case
			for _, it := range items {
				if cs, ok := eval.CaseFromReview(it); ok {
					cases = append(cases, cs)
				}
			}
			var err error
			if added, skipped, err = golden.Add(c.Request().Context(), cases); err != nil {
				// The cause names server paths: the console logs it, agents
				// read what to do.
				return core.Wrap(core.CodeUnavailable, err, "The golden set could not be updated; the server log has the cause. "+
					"No label was marked exported: press the button again once it is fixed.")
			}
			return nil
		})
		if err != nil {
			return err
		}
		q := url.Values{"done": {"golden"}, "exported": {strconv.Itoa(len(items))}, "added": {strconv.Itoa(added)},
			"skipped": {strconv.Itoa(skipped)}}
		return c.Redirect(http.StatusSeeOther, consolePath+"/review?"+q.Encode())
	}
}
