package eval

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"supportd/internal/core"
)

// Report is what a renderer needs: the run, optionally its comparison with
// a baseline, and recent history for trends (oldest first, the current run
// last).
type Report struct {
	Run        Run         `json:"run"`
	Comparison *Comparison `json:"comparison,omitempty"` // nil without a baseline
	History    []RunPoint  `json:"history"`
}

// RunPoint is one run on a trend chart: its pass rate and metric means, plus
// the operational numbers a baseline card compares against.
type RunPoint struct {
	ID         int64              `json:"id"`
	StartedAt  time.Time          `json:"started_at"`
	PassRate   float64            `json:"pass_rate"`
	Metrics    map[string]float64 `json:"metrics"` // means
	LatencyP95 time.Duration      `json:"latency_p95_ns"`
	CostUSD    float64            `json:"cost_usd"`
}

// PointOf returns the trend point of a run. Metrics that applied to no case
// are left out rather than plotted as zero.
func PointOf(r Run) RunPoint {
	p := RunPoint{
		ID:         r.Meta.ID,
		StartedAt:  r.Meta.StartedAt,
		PassRate:   r.Summary.PassRate.Mean,
		Metrics:    make(map[string]float64, len(r.Summary.Metrics)),
		LatencyP95: r.Summary.LatencyP95,
		CostUSD:    r.Summary.CostUSD,
	}
	for name, s := range r.Summary.Metrics {
		if s.N > 0 {
			p.Metrics[name] = s.Mean
		}
	}
	return p
}

// Formats lists the report formats Render accepts.
func Formats() []string { return []string{"table", "json", "markdown", "junit", "html"} }

// Render writes rep to w in format. An unknown format is an invalid_request
// error naming the formats; nothing is written unless rendering succeeded.
func Render(w io.Writer, format string, rep Report) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "table":
		err = writeTable(&buf, newView(rep))
	case "json":
		err = writeJSON(&buf, rep)
	case "markdown":
		err = writeMarkdown(&buf, newView(rep))
	case "junit":
		err = writeJUnit(&buf, rep)
	case "html":
		err = writeHTML(&buf, rep)
	default:
		return core.Errorf(core.CodeInvalid, "unknown report format %q: want one of %s",
			format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("render %s report: %w", format, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	return nil
}

func writeJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// maxFailedListed caps the failed cases a text report lists.
const maxFailedListed = 30

// maxMovesListed caps the unregressed moves a report lists; regressed moves
// are always listed.
const maxMovesListed = 10

// metricOrder is the display order of the known metrics.
func metricOrder() []string {
	return []string{
		MetricFactCoverage, MetricRecallAtK, MetricMRR, MetricNDCG10,
		MetricGroundedness, MetricCitationPrecision, MetricCitationRecall,
		MetricTokenF1, MetricRougeL, MetricDeclineCorrect,
		MetricJudgeFaithfulness, MetricJudgeRelevance,
	}
}

// sliceMetrics are the columns of the per-tag table.
func sliceMetrics() []string {
	return []string{MetricFactCoverage, MetricRecallAtK, MetricMRR, MetricGroundedness, MetricDeclineCorrect}
}

// view is a report prepared for display: what the table, Markdown and HTML
// formats all show, in display order.
type view struct {
	Run        Run
	Title      string
	Meta       []field
	Overall    []statRow
	Ops        []field
	SliceCols  []string
	Slices     []sliceRow
	HasBase    bool
	BaseID     int64
	Moves      []Move
	Flipped    []caseLine
	Unscored   []string // the baseline's cases this run could not score
	Fixed      []string
	Verdict    string
	Failed     []caseLine
	MoreFailed int
}

type field struct{ Label, Value string }

type statRow struct {
	Name, Mean, CI string
	N              int
}

type sliceRow struct {
	Tag      string
	N        int     // scored cases with the tag
	PassRate float64 // NaN when N is 0
	Cells    []string
}

type caseLine struct{ ID, Failures string }

func newView(rep Report) view {
	r := rep.Run
	v := view{
		Run:       r,
		Title:     fmt.Sprintf("supportd eval · run #%d", r.Meta.ID),
		Meta:      metaFields(r.Meta, r.Summary),
		Overall:   overallRows(r.Summary),
		Ops:       opsFields(r.Summary),
		SliceCols: sliceMetrics(),
		Slices:    sliceRows(r),
		Verdict:   verdict(rep.Comparison),
	}
	v.Failed, v.MoreFailed = failedLines(r.Results)
	if c := rep.Comparison; c != nil {
		byID := resultsByID(r.Results)
		v.HasBase, v.BaseID = true, c.BaseID
		v.Moves = movesToShow(c.Moves)
		v.Flipped = caseLines(c.Flipped, byID)
		v.Fixed = c.Fixed
		v.Unscored = c.Unscored
	}
	return v
}

func verdict(c *Comparison) string {
	switch {
	case c == nil:
		return "no baseline"
	case c.Regressed:
		return "REGRESSION"
	}
	return "no regression"
}

func metaFields(m RunMeta, s Summary) []field {
	started := "–"
	if !m.StartedAt.IsZero() {
		started = m.StartedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	if m.FinishedAt != nil && !m.StartedAt.IsZero() {
		started += " (took " + m.FinishedAt.Sub(m.StartedAt).Round(time.Second).String() + ")"
	}
	commit := cmp.Or(m.GitCommit, "–")
	return []field{
		{"status", cmp.Or(m.Status, "–")},
		{"KB", fmt.Sprintf("%s (content v%d)", cmp.Or(m.KB, "–"), m.ContentVersion)},
		{"golden", strings.TrimSuffix(cmp.Or(m.GoldenPath, "–")+" @ "+shortHash(m.GoldenHash), " @ ")},
		{"model", cmp.Or(m.Model, "–")},
		{"prompts", promptFingerprint(m.PromptVersions)},
		{"started", started},
		{"trigger", fmt.Sprintf("%s · commit %s", cmp.Or(m.Trigger, "–"), shortHash(commit))},
		{"cases", fmt.Sprintf("%d · passed %d · errors %d · stale %d", s.Cases, s.Passed, s.Errors, s.Stale)},
	}
}

func shortHash(h string) string { return h[:min(len(h), 12)] }

// promptFingerprint names the prompt versions a run used by a short hash of
// all of them, followed by the versions themselves.
func promptFingerprint(versions map[string]string) string {
	if len(versions) == 0 {
		return "–"
	}
	names := sortedKeys(versions)
	h := sha256.New()
	pairs := make([]string, len(names))
	for i, n := range names {
		pairs[i] = n + "=" + versions[n]
		fmt.Fprintln(h, pairs[i])
	}
	return hex.EncodeToString(h.Sum(nil))[:8] + " (" + strings.Join(pairs, ", ") + ")"
}

func overallRows(s Summary) []statRow {
	rows := []statRow{statRowOf(MetricPassRate, s.PassRate)}
	for _, name := range orderedMetrics(s.Metrics) {
		rows = append(rows, statRowOf(name, s.Metrics[name]))
	}
	return rows
}

func statRowOf(name string, s Stat) statRow {
	return statRow{Name: name, Mean: f3(s.Mean), CI: fmt.Sprintf("[%s, %s]", f3(s.CI.Lo), f3(s.CI.Hi)), N: s.N}
}

// orderedMetrics returns the names in m: known metrics in display order,
// then any others alphabetically.
func orderedMetrics[V any](m map[string]V) []string {
	var names []string
	for _, n := range metricOrder() {
		if _, ok := m[n]; ok {
			names = append(names, n)
		}
	}
	for _, n := range sortedKeys(m) {
		if !slices.Contains(names, n) && n != MetricPassRate {
			names = append(names, n)
		}
	}
	return names
}

func opsFields(s Summary) []field {
	return []field{
		{"decline", fmt.Sprintf("precision %s · recall %s", f3(s.DeclinePrecision), f3(s.DeclineRecall))},
		{"answer", fmt.Sprintf("precision %s · recall %s", f3(s.AnswerPrecision), f3(s.AnswerRecall))},
		{"ECE", fmt.Sprintf("%s (confidence against a right answer, %d bins)", f3(s.ECE), ECEBins)},
		{"latency", fmt.Sprintf("p50 %s · p95 %s", duration(s.LatencyP50), duration(s.LatencyP95))},
		{"tokens", fmt.Sprintf("prompt %s · completion %s · cost %s",
			thousands(s.PromptTokens), thousands(s.OutputTokens), usd(s.CostUSD))},
		{"modes", modeMix(s.Modes)},
	}
}

// modeMix lists modes by count, most frequent first.
func modeMix(modes map[string]int) string {
	names := sortedKeys(modes)
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(modes[b], modes[a]) })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, modes[n])
	}
	return cmp.Or(strings.Join(parts, " · "), "–")
}

func sliceRows(r Run) []sliceRow {
	tags := map[string]bool{}
	for tag := range r.Summary.Slices {
		tags[tag] = true
	}
	for _, res := range r.Results {
		for _, tag := range res.Tags {
			tags[tag] = true
		}
	}
	var rows []sliceRow
	for _, tag := range sortedKeys(tags) {
		row := sliceRow{Tag: tag}
		row.PassRate, row.N = slicePassRate(r, tag)
		for _, m := range sliceMetrics() {
			row.Cells = append(row.Cells, statCell(r.Summary.Slices[tag], m))
		}
		rows = append(rows, row)
	}
	return rows
}

// slicePassRate prefers the summary's own figure for the tag and otherwise
// counts passes among the tag's scored (status ok) cases.
func slicePassRate(r Run, tag string) (float64, int) {
	if s, ok := r.Summary.Slices[tag][MetricPassRate]; ok && s.N > 0 {
		return s.Mean, s.N
	}
	n, passed := 0, 0
	for _, res := range r.Results {
		if res.Status == StatusOK && slices.Contains(res.Tags, tag) {
			n++
			if res.Pass {
				passed++
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(passed) / float64(n), n
}

func statCell(stats map[string]Stat, metric string) string {
	s, ok := stats[metric]
	if !ok || s.N == 0 {
		return "–"
	}
	return f3(s.Mean)
}

// movesToShow returns every regressed move and the largest other moves by
// size, regressed first.
func movesToShow(moves []Move) []Move {
	var regressed, rest []Move
	for _, m := range moves {
		switch {
		case m.Regressed:
			regressed = append(regressed, m)
		case m.Delta != 0:
			rest = append(rest, m)
		}
	}
	bySize := func(a, b Move) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Delta), math.Abs(a.Delta)),
			cmp.Compare(a.Slice, b.Slice), cmp.Compare(a.Metric, b.Metric))
	}
	slices.SortFunc(regressed, bySize)
	slices.SortFunc(rest, bySize)
	return append(regressed, rest[:min(len(rest), maxMovesListed)]...)
}

func resultsByID(results []CaseResult) map[string]CaseResult {
	m := make(map[string]CaseResult, len(results))
	for _, r := range results {
		m[r.CaseID] = r
	}
	return m
}

func caseLines(ids []string, byID map[string]CaseResult) []caseLine {
	lines := make([]caseLine, len(ids))
	for i, id := range ids {
		lines[i] = caseLine{ID: id, Failures: strings.Join(failures(byID[id]), "; ")}
	}
	return lines
}

func failedLines(results []CaseResult) ([]caseLine, int) {
	var lines []caseLine
	more := 0
	for _, r := range results {
		switch {
		case r.Pass:
		case len(lines) == maxFailedListed:
			more++
		default:
			lines = append(lines, caseLine{ID: r.CaseID, Failures: strings.Join(failures(r), "; ")})
		}
	}
	return lines, more
}

// failures says why a case did not pass, falling back to its status when
// the scorer recorded no reason.
func failures(r CaseResult) []string {
	out := slices.Clone(r.Failures) // Score already records a pipeline error here
	switch {
	case len(out) > 0 || r.Pass:
	case r.Status == StatusStale:
		out = append(out, "stale: an expected source is no longer in the knowledge base")
	case r.Status == StatusError:
		out = append(out, "error")
	default:
		out = append(out, "failed")
	}
	return out
}

func writeTable(w io.Writer, v view) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, v.Title)
	for _, f := range v.Meta {
		fmt.Fprintf(tw, "  %s\t%s\n", f.Label, f.Value)
	}
	fmt.Fprintln(tw, "\nMETRIC\tMEAN\t95% CI\tN")
	for _, r := range v.Overall {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", r.Name, r.Mean, r.CI, r.N)
	}
	fmt.Fprintln(tw)
	for _, f := range v.Ops {
		fmt.Fprintf(tw, "  %s\t%s\n", f.Label, f.Value)
	}
	fmt.Fprintf(tw, "\nTAG\tN\tPASS\t%s\n", strings.Join(v.SliceCols, "\t"))
	for _, s := range v.Slices {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Tag, s.N, pct(s.PassRate), strings.Join(s.Cells, "\t"))
	}
	if v.HasBase {
		writeTableComparison(tw, v)
	}
	if len(v.Failed) > 0 {
		fmt.Fprintf(tw, "\nFailed cases (%d):\n", len(v.Failed)+v.MoreFailed)
		writeCaseLines(tw, v.Failed)
		if v.MoreFailed > 0 {
			fmt.Fprintf(tw, "  ... and %d more\n", v.MoreFailed)
		}
	}
	fmt.Fprintf(tw, "\nVerdict: %s%s\n", v.Verdict, baseSuffix(v))
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads empty last cells; trailing blanks only get in the way.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func writeTableComparison(w io.Writer, v view) {
	fmt.Fprintf(w, "\nWhat moved vs run #%d:\n", v.BaseID)
	if len(v.Moves) == 0 {
		fmt.Fprintln(w, "  nothing moved")
	} else {
		fmt.Fprintln(w, "METRIC\tSLICE\tBASE → CURRENT\tDELTA\tNOISE\tTHRESHOLD\t")
	}
	for _, m := range v.Moves {
		flag := ""
		if m.Regressed {
			flag = "REGRESSED"
		}
		fmt.Fprintf(w, "%s\t%s\t%s → %s\t%s\t±%s\t%s\t%s\n", m.Metric, sliceName(m.Slice),
			f3(m.Base), f3(m.Current), signed(m.Delta), f3(m.Noise), f3(m.Threshold), flag)
	}
	if len(v.Unscored) > 0 {
		fmt.Fprintf(w, "\nNot scored in this run (%d of the baseline's cases): %s\n", len(v.Unscored), strings.Join(v.Unscored, ", "))
	}
	fmt.Fprintln(w, "\nFlipped pass → fail:")
	writeCaseLines(w, v.Flipped)
	fmt.Fprintln(w, "\nFixed:")
	if len(v.Fixed) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, id := range v.Fixed {
		fmt.Fprintf(w, "  %s\n", id)
	}
}

func writeCaseLines(w io.Writer, lines []caseLine) {
	if len(lines) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %s: %s\n", l.ID, oneLine(l.Failures))
	}
}

func baseSuffix(v view) string {
	if !v.HasBase {
		return ""
	}
	return fmt.Sprintf(" (run #%d vs baseline #%d)", v.Run.Meta.ID, v.BaseID)
}

func writeMarkdown(w io.Writer, v view) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s — %s\n\n", v.Title, v.Verdict)
	for _, f := range v.Meta {
		fmt.Fprintf(&b, "- **%s**: %s\n", f.Label, mdEscape(f.Value))
	}
	b.WriteString("\n### Overall\n\n")
	mdRow(&b, "metric", "mean", "95% CI", "N")
	b.WriteString("| --- | ---: | --- | ---: |\n")
	for _, r := range v.Overall {
		mdRow(&b, r.Name, r.Mean, r.CI, fmt.Sprint(r.N))
	}
	b.WriteString("\n")
	for _, f := range v.Ops {
		fmt.Fprintf(&b, "- **%s**: %s\n", f.Label, mdEscape(f.Value))
	}
	b.WriteString("\n### Slices\n\n")
	mdRow(&b, append([]string{"tag", "N", "pass rate"}, v.SliceCols...)...)
	b.WriteString("| --- " + strings.Repeat("| ---: ", 2+len(v.SliceCols)) + "|\n")
	for _, s := range v.Slices {
		mdRow(&b, append([]string{s.Tag, fmt.Sprint(s.N), pct(s.PassRate)}, s.Cells...)...)
	}
	if v.HasBase {
		writeMarkdownComparison(&b, v)
	}
	if len(v.Failed) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>Failed cases (%d)</summary>\n\n", len(v.Failed)+v.MoreFailed)
		mdCaseList(&b, v.Failed)
		if v.MoreFailed > 0 {
			fmt.Fprintf(&b, "- … and %d more\n", v.MoreFailed)
		}
		b.WriteString("\n</details>\n")
	}
	fmt.Fprintf(&b, "\n**Verdict: %s**%s\n", v.Verdict, baseSuffix(v))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownComparison(b *strings.Builder, v view) {
	fmt.Fprintf(b, "\n### What moved vs run #%d\n\n", v.BaseID)
	if len(v.Moves) == 0 {
		b.WriteString("Nothing moved.\n")
	} else {
		mdRow(b, "metric", "slice", "base → current", "delta", "noise", "threshold", "")
		b.WriteString("| --- | --- | --- | ---: | ---: | ---: | --- |\n")
	}
	for _, m := range v.Moves {
		flag := ""
		if m.Regressed {
			flag = "**REGRESSED**"
		}
		mdRow(b, m.Metric, sliceName(m.Slice), f3(m.Base)+" → "+f3(m.Current),
			signed(m.Delta), "±"+f3(m.Noise), f3(m.Threshold), flag)
	}
	if len(v.Unscored) > 0 {
		fmt.Fprintf(b, "\n**Not scored in this run** (%d of the baseline's cases): `%s`\n", len(v.Unscored), mdEscape(strings.Join(v.Unscored, ", ")))
	}
	b.WriteString("\n**Flipped pass → fail:**\n\n")
	mdCaseList(b, v.Flipped)
	b.WriteString("\n**Fixed:**\n\n")
	if len(v.Fixed) == 0 {
		b.WriteString("- none\n")
	}
	for _, id := range v.Fixed {
		fmt.Fprintf(b, "- `%s`\n", mdEscape(id))
	}
}

// mdRow writes one table row; the cells are escaped.
func mdRow(b *strings.Builder, cells ...string) {
	for _, c := range cells {
		b.WriteString("| " + mdEscape(c) + " ")
	}
	b.WriteString("|\n")
}

func mdCaseList(b *strings.Builder, lines []caseLine) {
	if len(lines) == 0 {
		b.WriteString("- none\n")
	}
	for _, l := range lines {
		fmt.Fprintf(b, "- `%s`: %s\n", mdEscape(l.ID), mdEscape(l.Failures))
	}
}

// mdEscape keeps user text from breaking a table row or being read as HTML
// (a PR comment renders raw tags).
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "'", "\r", " ", "\n", " ", "\t", " ").Replace(s)
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(s) }

func sliceName(s string) string { return cmp.Or(s, "overall") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Number formatting shared by the formats.

func f3(x float64) string { return fmt.Sprintf("%.3f", x) }

func signed(x float64) string { return fmt.Sprintf("%+.3f", x) }

func pct(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

func usd(x float64) string {
	if x >= 1 {
		return fmt.Sprintf("$%.2f", x)
	}
	return fmt.Sprintf("$%.4f", x)
}

func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// JUnit XML, as CI servers read it: one suite, one test case per golden case.

type junitSuite struct {
	XMLName    xml.Name        `xml:"testsuite"`
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitProblem `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, rep Report) error {
	suite := junitSuite{
		Name:       "supportd-eval",
		Tests:      len(rep.Run.Results),
		Properties: junitProperties(rep),
	}
	if t := rep.Run.Meta.StartedAt; !t.IsZero() {
		suite.Timestamp = t.UTC().Format(time.RFC3339)
	}
	var total time.Duration
	for _, r := range rep.Run.Results {
		c := junitCaseOf(r)
		suite.Cases = append(suite.Cases, c)
		total += r.Obs.Latency
		switch {
		case c.Error != nil:
			suite.Errors++
		case c.Skipped != nil:
			suite.Skipped++
		case c.Failure != nil:
			suite.Failures++
		}
	}
	if m := rep.Run.Meta; m.FinishedAt != nil {
		total = m.FinishedAt.Sub(m.StartedAt)
	}
	suite.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suite); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitCaseOf(r CaseResult) junitCase {
	tag := "untagged"
	if len(r.Tags) > 0 {
		tag = r.Tags[0]
	}
	c := junitCase{ClassName: "golden." + tag, Name: r.CaseID, Time: seconds(r.Obs.Latency)}
	why := failures(r)
	switch {
	case r.Status == StatusError:
		c.Error = &junitProblem{Message: cmp.Or(r.Obs.Error, "pipeline error"), Type: "error", Text: strings.Join(why, "\n")}
	case r.Status == StatusStale:
		c.Skipped = &junitProblem{Message: "stale case: " + strings.Join(why, "; ")}
	case !r.Pass:
		c.Failure = &junitProblem{Message: strings.Join(why, "; "), Type: "eval", Text: strings.Join(why, "\n")}
	}
	return c
}

func junitProperties(rep Report) []junitProperty {
	m := rep.Run.Meta
	props := []junitProperty{
		{"run_id", fmt.Sprint(m.ID)},
		{"status", m.Status},
		{"trigger", m.Trigger},
		{"kb", m.KB},
		{"content_version", fmt.Sprint(m.ContentVersion)},
		{"golden_path", m.GoldenPath},
		{"golden_hash", m.GoldenHash},
		{"model", m.Model},
		{"git_commit", m.GitCommit},
		{"verdict", verdict(rep.Comparison)},
	}
	if rep.Comparison != nil {
		props = append(props, junitProperty{"baseline_id", fmt.Sprint(rep.Comparison.BaseID)})
	}
	for _, name := range sortedKeys(m.PromptVersions) {
		props = append(props, junitProperty{"prompt." + name, m.PromptVersions[name]})
	}
	return props
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
