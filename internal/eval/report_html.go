package eval

import (
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
)

// The HTML report is one self-contained page: inline CSS and inline SVG
// charts drawn here, no scripts and nothing loaded from elsewhere, so it
// can be archived as a CI artifact and opened offline. html/template
// escapes every piece of run data it prints.

// htmlView is the view plus what only the page shows.
type htmlView struct {
	view
	VerdictTone string
	Header      []field
	KPIs        []kpi
	Trend       trendChart
	Bars        barChart
	Cases       []caseRow
	FlippedIDs  map[string]bool
}

// kpi is one headline card; Tone is good, bad, warn, flat or none.
type kpi struct {
	Label, Value string
	Sub          []string // short facts, shown joined by " · "
	Delta, Tone  string
}

type caseRow struct {
	ID, Tags, Status, Outcome       string
	Pass                            bool
	Fact, Recall, Grounded, Decline string
	Mode, Latency                   string
	Failures                        []string
}

func writeHTML(w io.Writer, rep Report) error {
	t, err := template.New("report").Funcs(template.FuncMap{"pct": pct, "moveTone": moveTone}).Parse(reportHTML)
	if err != nil {
		return err
	}
	return t.Execute(w, newHTMLView(rep))
}

func newHTMLView(rep Report) htmlView {
	v := htmlView{view: newView(rep), FlippedIDs: map[string]bool{}}
	v.VerdictTone = map[string]string{"REGRESSION": "bad", "no regression": "good"}[v.Verdict]
	for _, f := range v.Meta {
		if f.Label != "status" {
			v.Header = append(v.Header, f)
		}
	}
	history := rep.History
	if len(history) == 0 {
		history = []RunPoint{PointOf(rep.Run)}
	}
	var base *RunPoint
	if rep.Comparison != nil {
		for _, id := range rep.Comparison.Flipped {
			v.FlippedIDs[id] = true
		}
		if i := slices.IndexFunc(history, func(p RunPoint) bool { return p.ID == rep.Comparison.BaseID }); i >= 0 {
			base = &history[i]
		}
	}
	v.KPIs = kpis(rep, base)
	v.Trend = newTrendChart(history, base)
	v.Bars = newBarChart(v.Slices, rep.Comparison)
	v.Cases = caseRows(rep.Run.Results)
	return v
}

func kpis(rep Report, base *RunPoint) []kpi {
	s, c := rep.Run.Summary, rep.Comparison
	pass := kpi{Label: "Pass rate", Value: "–", Sub: []string{"no scored cases"}}
	if s.PassRate.N > 0 {
		pass.Value = pct(s.PassRate.Mean)
		pass.Sub = []string{fmt.Sprintf("%d of %d passed", s.Passed, s.PassRate.N),
			fmt.Sprintf("CI %.0f–%.0f%%", 100*s.PassRate.CI.Lo, 100*s.PassRate.CI.Hi)}
	}
	pass.Delta, pass.Tone = metricDelta(c, MetricPassRate, s.PassRate.Mean, s.PassRate.N > 0, base)
	latency := kpi{Label: "p95 latency", Value: duration(s.LatencyP95), Sub: []string{"p50 " + duration(s.LatencyP50)}}
	cost := kpi{Label: "Cost", Value: usd(s.CostUSD),
		Sub: []string{thousands(s.PromptTokens) + " in", thousands(s.OutputTokens) + " out tokens"}}
	var baseP95, baseCost float64
	if base != nil {
		baseP95, baseCost = float64(base.LatencyP95), base.CostUSD
	}
	latency.Delta, latency.Tone = relativeDelta(c, baseP95, float64(s.LatencyP95))
	cost.Delta, cost.Tone = relativeDelta(c, baseCost, s.CostUSD)
	return []kpi{
		pass,
		metricKPI(rep, "Fact coverage", MetricFactCoverage, base),
		metricKPI(rep, "Recall@k", MetricRecallAtK, base),
		metricKPI(rep, "Groundedness", MetricGroundedness, base),
		latency,
		cost,
	}
}

func metricKPI(rep Report, label, metric string, base *RunPoint) kpi {
	k := kpi{Label: label, Value: "–", Sub: []string{"not measured"}}
	st, ok := rep.Run.Summary.Metrics[metric]
	ok = ok && st.N > 0
	if ok {
		k.Value = f3(st.Mean)
		k.Sub = []string{fmt.Sprintf("CI %s–%s", f3(st.CI.Lo), f3(st.CI.Hi)), fmt.Sprintf("N %d", st.N)}
	}
	k.Delta, k.Tone = metricDelta(rep.Comparison, metric, st.Mean, ok, base)
	return k
}

// metricDelta describes a metric's change against the baseline: from the
// comparison's overall move when there is one (it knows the noise), else
// from the baseline's point in the history.
func metricDelta(c *Comparison, metric string, cur float64, hasCur bool, base *RunPoint) (text, tone string) {
	if c == nil {
		return "no baseline", "none"
	}
	if i := slices.IndexFunc(c.Moves, func(m Move) bool { return m.Metric == metric && m.Slice == "" }); i >= 0 {
		m := c.Moves[i]
		if m.Regressed {
			return deltaText(metric, m.Delta, c.BaseID) + " · regressed", "bad"
		}
		return deltaText(metric, m.Delta, c.BaseID), deltaTone(m.Delta, m.Noise)
	}
	b, ok := baseValue(base, metric)
	if !ok || !hasCur {
		return fmt.Sprintf("not in baseline #%d", c.BaseID), "none"
	}
	return deltaText(metric, cur-b, c.BaseID), deltaTone(cur-b, 0.005)
}

func baseValue(base *RunPoint, metric string) (float64, bool) {
	switch {
	case base == nil:
		return 0, false
	case metric == MetricPassRate:
		return base.PassRate, true
	}
	v, ok := base.Metrics[metric]
	return v, ok
}

func deltaText(metric string, d float64, baseID int64) string {
	if metric == MetricPassRate {
		return fmt.Sprintf("%s %+.1f pts vs #%d", arrow(d), 100*d, baseID)
	}
	return fmt.Sprintf("%s %+.3f vs #%d", arrow(d), d, baseID)
}

// deltaTone colours a change of a higher-is-better metric; changes within
// the noise are flat.
func deltaTone(d, noise float64) string {
	switch {
	case math.Abs(d) <= noise:
		return "flat"
	case d > 0:
		return "good"
	}
	return "warn"
}

// relativeDelta describes the change of a lower-is-better quantity (latency,
// cost) in percent; within ±10% is flat.
func relativeDelta(c *Comparison, base, cur float64) (text, tone string) {
	switch {
	case c == nil:
		return "no baseline", "none"
	case base <= 0:
		return fmt.Sprintf("not in baseline #%d", c.BaseID), "none"
	}
	r := cur/base - 1
	text = fmt.Sprintf("%s %+.0f%% vs #%d", arrow(r), 100*r, c.BaseID)
	switch {
	case r > 0.10:
		return text, "bad"
	case r < -0.10:
		return text, "good"
	}
	return text, "flat"
}

func moveTone(m Move) string {
	if m.Regressed {
		return "bad"
	}
	return deltaTone(m.Delta, m.Noise)
}

func arrow(d float64) string {
	switch {
	case d > 0:
		return "▲"
	case d < 0:
		return "▼"
	}
	return "="
}

// trendChart is a line chart of the pass rate and key metric means across
// runs, on a 0..1 axis, with coordinates computed here.
type trendChart struct {
	W, H                     int
	Left, Right, Top, Bottom float64
	YTicks, XTicks           []tick
	Series                   []series
	Base                     *tick
}

type tick struct {
	X, Y       float64
	Label, Sub string
}

type series struct {
	Name, Color, Path string
	LegendX           float64
	Points            []point
}

type point struct {
	X, Y, R float64
	Title   string
}

type trendSeries struct {
	name, color string
	value       func(RunPoint) (float64, bool)
}

func trendSeriesList() []trendSeries {
	metric := func(m string) func(RunPoint) (float64, bool) {
		return func(p RunPoint) (float64, bool) { v, ok := p.Metrics[m]; return v, ok }
	}
	return []trendSeries{
		{"pass rate", "#2563eb", func(p RunPoint) (float64, bool) { return p.PassRate, true }},
		{MetricFactCoverage, "#16a34a", metric(MetricFactCoverage)},
		{MetricRecallAtK, "#d97706", metric(MetricRecallAtK)},
		{MetricGroundedness, "#9333ea", metric(MetricGroundedness)},
	}
}

func newTrendChart(history []RunPoint, base *RunPoint) trendChart {
	ch := trendChart{W: 720, H: 300, Left: 48, Right: 700, Top: 46, Bottom: 248}
	n := len(history)
	x := func(i int) float64 {
		if n == 1 {
			return (ch.Left + ch.Right) / 2
		}
		return r1(ch.Left + float64(i)*(ch.Right-ch.Left)/float64(n-1))
	}
	y := func(v float64) float64 { return r1(ch.Bottom - min(max(v, 0), 1)*(ch.Bottom-ch.Top)) }
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		ch.YTicks = append(ch.YTicks, tick{Y: y(v), Label: fmt.Sprintf("%.2f", v)})
	}
	every := (n + 7) / 8 // at most about eight labels, counted back from the current run
	for i, p := range history {
		if (n-1-i)%every == 0 {
			ch.XTicks = append(ch.XTicks, tick{X: x(i), Label: fmt.Sprintf("#%d", p.ID), Sub: p.StartedAt.UTC().Format("Jan 2")})
		}
		if base != nil && p.ID == base.ID {
			ch.Base = &tick{X: x(i), Label: "baseline"}
		}
	}
	legendX := ch.Left
	for _, ts := range trendSeriesList() {
		s := series{Name: ts.name, Color: ts.color, LegendX: legendX}
		var path strings.Builder
		pen := "M"
		for i, p := range history {
			v, ok := ts.value(p)
			if !ok {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", pen, x(i), y(v))
			pen = "L"
			s.Points = append(s.Points, point{X: x(i), Y: y(v), R: 3, Title: fmt.Sprintf("#%d · %s · %s %.3f",
				p.ID, p.StartedAt.UTC().Format("2006-01-02"), ts.name, v)})
		}
		if len(s.Points) == 0 {
			continue
		}
		s.Points[len(s.Points)-1].R = 4.5
		s.Path = strings.TrimSpace(path.String())
		ch.Series = append(ch.Series, s)
		legendX += 34 + 6.5*float64(len(ts.name))
	}
	return ch
}

func r1(x float64) float64 { return math.Round(x*10) / 10 }

// barChart is a horizontal bar per tag: its pass rate, with the baseline's
// pass rate marked when the comparison has it.
type barChart struct {
	W, H          int
	X0, X1, AxisY float64
	Ticks         []tick
	Rows          []bar
}

type bar struct {
	Y, W, BaseX      float64
	HasBase          bool
	Tag, Full, Value string
	Color, BaseTitle string
}

func newBarChart(rows []sliceRow, c *Comparison) barChart {
	const top, rowH = 8.0, 30.0
	ch := barChart{W: 440, X0: 118, X1: 336}
	ch.AxisY = top + rowH*float64(len(rows)) + 4
	ch.H = int(ch.AxisY) + 18
	scale := ch.X1 - ch.X0
	for _, v := range []float64{0, 0.5, 1} {
		ch.Ticks = append(ch.Ticks, tick{X: r1(ch.X0 + v*scale), Label: fmt.Sprintf("%.0f%%", 100*v)})
	}
	for i, s := range rows {
		b := bar{Y: top + rowH*float64(i), Tag: truncate(s.Tag, 16), Full: s.Tag, Color: "#3b82f6",
			Value: fmt.Sprintf("%s · N %d", pct(s.PassRate), s.N)}
		if !math.IsNaN(s.PassRate) {
			b.W = r1(s.PassRate * scale)
		}
		if c != nil {
			if j := slices.IndexFunc(c.Moves, func(m Move) bool { return m.Metric == MetricPassRate && m.Slice == s.Tag }); j >= 0 {
				m := c.Moves[j]
				b.HasBase, b.BaseX = true, r1(ch.X0+min(max(m.Base, 0), 1)*scale)
				b.BaseTitle = fmt.Sprintf("baseline #%d: %s", c.BaseID, pct(m.Base))
				if m.Regressed {
					b.Color = "#dc2626"
				}
			}
		}
		ch.Rows = append(ch.Rows, b)
	}
	return ch
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func caseRows(results []CaseResult) []caseRow {
	rows := make([]caseRow, 0, len(results))
	for _, r := range results {
		row := caseRow{
			ID: r.CaseID, Tags: strings.Join(r.Tags, ", "), Status: r.Status, Pass: r.Pass, Outcome: outcome(r),
			Fact: metricCell(r.Metrics, MetricFactCoverage), Recall: metricCell(r.Metrics, MetricRecallAtK),
			Grounded: metricCell(r.Metrics, MetricGroundedness), Decline: metricCell(r.Metrics, MetricDeclineCorrect),
			Mode: cmp.Or(r.Obs.Mode, "–"), Latency: duration(r.Obs.Latency),
		}
		if !r.Pass {
			row.Failures = failures(r)
		}
		rows = append(rows, row)
	}
	rank := map[string]int{"error": 0, "fail": 1, "stale": 2, "pass": 3}
	slices.SortStableFunc(rows, func(a, b caseRow) int { return cmp.Compare(rank[a.Outcome], rank[b.Outcome]) })
	return rows
}

func outcome(r CaseResult) string {
	switch {
	case r.Status == StatusError:
		return "error"
	case r.Status == StatusStale:
		return "stale"
	case r.Pass:
		return "pass"
	}
	return "fail"
}

func metricCell(m map[string]float64, name string) string {
	if v, ok := m[name]; ok {
		return f3(v)
	}
	return "–"
}

const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f4f5f7;--good:#15803d;--bad:#b91c1c;--warn:#b45309}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1200px;margin:0 auto;padding:0 28px}
.nowrap{white-space:nowrap}
.mono,dd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
header{background:#111827;color:#f9fafb;padding:22px 0 20px}
.title{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h1{font-size:22px;font-weight:650;margin:0 8px 0 0}
h2{font-size:15px;font-weight:650;margin:0 0 12px}
h3{font-size:13px;font-weight:650;margin:0 0 8px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;background:#e5e7eb;color:#374151}
.badge.status{background:#374151;color:#e5e7eb}
.badge.bad{background:#fee2e2;color:#991b1b}
.badge.good{background:#dcfce7;color:#166534}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:8px 28px;margin:16px 0 0}
dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#9ca3af}
dd{margin:0;overflow-wrap:anywhere;color:#e5e7eb}
main.wrap{padding-top:20px;padding-bottom:8px}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:12px}
.kpi,.card{background:#fff;border:1px solid var(--line);border-radius:10px}
.kpi{padding:14px 16px}
.kpi .label{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.kpi .value{font-size:26px;font-weight:650;margin:2px 0;font-variant-numeric:tabular-nums}
.kpi .sub{font-size:12px;color:var(--muted)}
.kpi .delta{font-size:12.5px;font-weight:600;margin-top:8px}
.kpi.tone-bad{border-color:#fca5a5;box-shadow:inset 3px 0 0 var(--bad)}
.good{color:var(--good)}.bad{color:var(--bad)}.warn{color:var(--warn)}.flat,.none{color:var(--muted)}
.card{padding:16px 18px;margin-top:16px}
.grid{display:grid;grid-template-columns:3fr 2fr;gap:16px}
.grid>.card,.stack>.card:first-child{margin-top:16px}
.stack{display:flex;flex-direction:column}
.charts{align-items:start}
.caption{font-size:12px;color:var(--muted);margin:-8px 0 8px}
svg{width:100%;height:auto;display:block}
svg.bars{max-width:560px}
svg text{font-family:inherit;font-size:11px;fill:#6b7280}
svg .grid-line{stroke:#e5e7eb;stroke-width:1}
svg .axis-line{stroke:#9ca3af;stroke-width:1}
svg .tag{fill:#374151;font-size:12px}
svg .val{fill:#374151;font-variant-numeric:tabular-nums}
svg .legend{fill:#374151;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em;border-bottom:1px solid var(--line);padding:6px 8px;white-space:nowrap}
td{padding:6px 8px;border-bottom:1px solid #f0f1f3;vertical-align:top}
tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.regressed td{background:#fef2f2}
tr.flipped td{background:#fff7ed}
.flag{font-size:11px;font-weight:700;color:var(--bad);letter-spacing:.03em}
.pill{display:inline-block;min-width:44px;text-align:center;padding:1px 7px;border-radius:6px;font-size:11.5px;font-weight:600}
.pill.pass{background:#dcfce7;color:#166534}.pill.fail{background:#fee2e2;color:#991b1b}
.pill.error{background:#fef3c7;color:#92400e}.pill.stale{background:#e5e7eb;color:#374151}
.tags{color:var(--muted);font-size:11.5px}
ul.fails{margin:0;padding-left:16px}
td.why{overflow-wrap:anywhere;min-width:220px}
ul.cases{margin:0;padding-left:18px}
ul.cases li{margin:2px 0}
.ops{display:grid;grid-template-columns:auto 1fr;gap:6px 16px;margin:0;font-size:13px}
.ops dt{color:var(--muted);font-size:11px;padding-top:2px}.ops dd{color:var(--fg);font-family:inherit;font-size:13px}
.muted{color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding:8px 0 28px}
@media (max-width:1100px){.kpis{grid-template-columns:repeat(3,1fr)}.grid{grid-template-columns:1fr}}
@media print{
 body{background:#fff;font-size:11px}
 header{background:#fff;color:#000;border-bottom:2px solid #000}
 dd{color:#000}.badge.status{background:#e5e7eb;color:#000}
 .kpis{grid-template-columns:repeat(3,1fr)}.grid{grid-template-columns:1fr}
 .kpi,.card,tr,svg{break-inside:avoid}
 th,td{padding:4px 5px}th,td .nowrap{white-space:normal}td.why{min-width:120px}.st{display:none}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
</style>
</head>
<body>
<header><div class="wrap">
 <div class="title">
  <h1>Eval run #{{.Run.Meta.ID}}</h1>
  <span class="badge status">{{or .Run.Meta.Status "unknown"}}</span>
  <span class="badge {{.VerdictTone}}">{{.Verdict}}{{if .HasBase}} vs #{{.BaseID}}{{end}}</span>
 </div>
 <dl>{{range .Header}}<div><dt>{{.Label}}</dt><dd>{{.Value}}</dd></div>{{end}}</dl>
</div></header>
<main class="wrap">
<section class="kpis">{{range .KPIs}}
 <div class="kpi tone-{{.Tone}}"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div><div class="sub">{{range $i, $s := .Sub}}{{if $i}} · {{end}}<span class="nowrap">{{$s}}</span>{{end}}</div><div class="delta {{.Tone}}">{{.Delta}}</div></div>{{end}}
</section>

<div class="grid charts">
<section class="card">
 <h2>Trend</h2>
 <p class="caption">Pass rate and metric means per run, on a 0–1 scale; the larger point is this run.</p>
 {{with .Trend}}<svg viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="Trend of pass rate and key metrics">
  {{range .Series}}<rect x="{{.LegendX}}" y="10" width="14" height="4" rx="2" fill="{{.Color}}"/><text class="legend" x="{{.LegendX}}" dx="20" y="16">{{.Name}}</text>{{end}}
  {{range .YTicks}}<line class="grid-line" x1="{{$.Trend.Left}}" x2="{{$.Trend.Right}}" y1="{{.Y}}" y2="{{.Y}}"/><text x="{{$.Trend.Left}}" dx="-8" y="{{.Y}}" dy="4" text-anchor="end">{{.Label}}</text>{{end}}
  <line class="axis-line" x1="{{.Left}}" x2="{{.Right}}" y1="{{.Bottom}}" y2="{{.Bottom}}"/>
  {{with .Base}}<line x1="{{.X}}" x2="{{.X}}" y1="{{$.Trend.Top}}" y2="{{$.Trend.Bottom}}" stroke="#6b7280" stroke-dasharray="4 4"/><text x="{{.X}}" y="{{$.Trend.Top}}" dy="-6" text-anchor="middle">{{.Label}}</text>{{end}}
  {{range .XTicks}}<text x="{{.X}}" y="{{$.Trend.Bottom}}" dy="18" text-anchor="middle" class="val">{{.Label}}</text><text x="{{.X}}" y="{{$.Trend.Bottom}}" dy="33" text-anchor="middle">{{.Sub}}</text>{{end}}
  {{range .Series}}<path d="{{.Path}}" fill="none" stroke="{{.Color}}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>
  {{$c := .Color}}{{range .Points}}<circle cx="{{.X}}" cy="{{.Y}}" r="{{.R}}" fill="{{$c}}" stroke="#fff" stroke-width="1.5"><title>{{.Title}}</title></circle>{{end}}{{end}}
 </svg>{{end}}
</section>
<div class="stack">
<section class="card">
 <h2>Pass rate by tag</h2>
 <p class="caption">Bars are this run; a dark tick marks the baseline; red bars regressed.</p>
 {{with .Bars}}<svg class="bars" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="Pass rate per tag">
  {{if .Rows}}{{range .Ticks}}<line class="grid-line" x1="{{.X}}" x2="{{.X}}" y1="4" y2="{{$.Bars.AxisY}}"/><text x="{{.X}}" y="{{$.Bars.AxisY}}" dy="13" text-anchor="middle">{{.Label}}</text>{{end}}{{end}}
  {{range .Rows}}<text class="tag" x="{{$.Bars.X0}}" dx="-8" y="{{.Y}}" dy="13" text-anchor="end"><title>{{.Full}}</title>{{.Tag}}</text>
  <rect x="{{$.Bars.X0}}" y="{{.Y}}" width="{{.W}}" height="18" rx="3" fill="{{.Color}}"/>
  {{if .HasBase}}<rect x="{{.BaseX}}" y="{{.Y}}" width="3" height="24" fill="#111827" transform="translate(-1.5 -3)"><title>{{.BaseTitle}}</title></rect>{{end}}
  <text class="val" x="{{$.Bars.X1}}" dx="10" y="{{.Y}}" dy="13">{{.Value}}</text>{{else}}<text x="0" y="20">No tagged cases.</text>{{end}}
 </svg>{{end}}
</section>
<section class="card">
 <h2>Operations</h2>
 <dl class="ops">{{range .Ops}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
</section>
</div>
</div>

{{if .HasBase}}
<section class="card">
 <h2>What moved vs run #{{.BaseID}}</h2>
 {{if .Moves}}<table>
  <thead><tr><th>Metric</th><th>Slice</th><th class="num">Base → current</th><th class="num">Delta</th><th class="num">Noise</th><th class="num">Threshold</th><th></th></tr></thead>
  <tbody>{{range .Moves}}<tr{{if .Regressed}} class="regressed"{{end}}><td class="mono">{{.Metric}}</td><td>{{or .Slice "overall"}}</td><td class="num">{{printf "%.3f" .Base}} → {{printf "%.3f" .Current}}</td><td class="num {{moveTone .}}">{{printf "%+.3f" .Delta}}</td><td class="num muted">±{{printf "%.3f" .Noise}}</td><td class="num muted">{{printf "%.3f" .Threshold}}</td><td>{{if .Regressed}}<span class="flag">REGRESSED</span>{{end}}</td></tr>{{end}}</tbody>
 </table>{{else}}<p class="muted">Nothing moved.</p>{{end}}
 <div class="grid">
  <div class="card"><h3>Flipped pass → fail ({{len .Flipped}})</h3>{{if .Flipped}}<ul class="cases">{{range .Flipped}}<li><span class="mono">{{.ID}}</span> — {{.Failures}}</li>{{end}}</ul>{{else}}<p class="muted">None.</p>{{end}}</div>
  <div class="card"><h3>Fixed ({{len .Fixed}})</h3>{{if .Fixed}}<ul class="cases">{{range .Fixed}}<li class="mono">{{.}}</li>{{end}}</ul>{{else}}<p class="muted">None.</p>{{end}}</div>
 </div>
</section>
{{end}}

<div class="grid">
<section class="card">
 <h2>Slices</h2>
 <table>
  <thead><tr><th>Tag</th><th class="num">N</th><th class="num">Pass</th>{{range .SliceCols}}<th class="num">{{.}}</th>{{end}}</tr></thead>
  <tbody>{{range .Slices}}<tr><td>{{.Tag}}</td><td class="num">{{.N}}</td><td class="num">{{pct .PassRate}}</td>{{range .Cells}}<td class="num">{{.}}</td>{{end}}</tr>{{else}}<tr><td colspan="8" class="muted">No tagged cases.</td></tr>{{end}}</tbody>
 </table>
</section>
<section class="card">
 <h2>All metrics</h2>
 <table>
  <thead><tr><th>Metric</th><th class="num">Mean</th><th class="num">95% CI</th><th class="num">N</th></tr></thead>
  <tbody>{{range .Overall}}<tr><td class="mono">{{.Name}}</td><td class="num">{{.Mean}}</td><td class="num muted">{{.CI}}</td><td class="num">{{.N}}</td></tr>{{end}}</tbody>
 </table>
</section>
</div>

<section class="card">
 <h2>Cases ({{len .Cases}})</h2>
 <p class="caption">Errors and failures first{{if .HasBase}}; cases that flipped from pass are highlighted{{end}}.</p>
 <table>
  <thead><tr><th>Case</th><th class="st">Status</th><th>Pass</th><th class="num">Fact cov.</th><th class="num">Recall@k</th><th class="num">Grounded</th><th class="num">Decline</th><th>Mode</th><th class="num">Latency</th><th>Failures</th></tr></thead>
  <tbody>{{range .Cases}}<tr{{if index $.FlippedIDs .ID}} class="flipped"{{end}}>
   <td><div class="mono nowrap">{{.ID}}</div><div class="tags">{{.Tags}}</div></td>
   <td class="muted st">{{.Status}}</td>
   <td><span class="pill {{.Outcome}}">{{.Outcome}}</span></td>
   <td class="num">{{.Fact}}</td><td class="num">{{.Recall}}</td><td class="num">{{.Grounded}}</td><td class="num">{{.Decline}}</td>
   <td>{{.Mode}}</td><td class="num">{{.Latency}}</td>
   <td class="why">{{if .Failures}}<ul class="fails">{{range .Failures}}<li>{{.}}</li>{{end}}</ul>{{end}}</td>
  </tr>{{else}}<tr><td colspan="10" class="muted">No cases.</td></tr>{{end}}</tbody>
 </table>
</section>
</main>
<footer class="wrap">supportd eval · run #{{.Run.Meta.ID}} · golden sha256 <span class="mono">{{or .Run.Meta.GoldenHash "–"}}</span></footer>
</body>
</html>
`
