package digest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"supportd/internal/eval"
)

// Formats a digest is written in.
const (
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// Write writes the digest as FormatMarkdown or FormatJSON.
func (d Digest) Write(w io.Writer, format string) error {
	switch format {
	case FormatMarkdown:
		return d.Markdown(w)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return fmt.Errorf("digest format %q is neither %s nor %s", format, FormatMarkdown, FormatJSON)
}

// Markdown writes the digest for people: a chat channel, an email, a
// wiki page.
func (d Digest) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Weekly digest: %s\n\n%s to %s (UTC)\n\n", d.KB, d.From.Format("2006-01-02 15:04"), d.To.Format("2006-01-02 15:04"))

	b.WriteString("## Questions\n\n")
	fmt.Fprintf(&b, "- questions answered: **%d** (%d the period before)\n", d.This.N, d.Before.N)
	fmt.Fprintf(&b, "- handoff rate: **%s** %s\n", percent(d.This.HandoffRate), trend(d.This.HandoffRate, d.Before.HandoffRate, d.Before.N))
	fmt.Fprintf(&b, "- low-confidence rate: **%s** %s\n", percent(d.This.LowRate), trend(d.This.LowRate, d.Before.LowRate, d.Before.N))

	b.WriteString("\n## Top failing topics\n\n")
	if len(d.This.Topics) == 0 {
		b.WriteString("none: every question was answered with confidence\n")
	} else {
		b.WriteString("| topic | unanswered | of | the period before |\n| --- | ---: | ---: | ---: |\n")
		for _, t := range d.This.Topics[:min(5, len(d.This.Topics))] {
			name := "`" + t.Topic + "`"
			if t.NoDocument {
				name = "“" + t.Topic + "” (no document found)"
			}
			before := "—"
			if t.ReferenceCount > 0 {
				before = fmt.Sprintf("%s of %d", percent(t.ReferenceUnansweredShare), t.ReferenceCount)
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", name, t.UnansweredCount, t.RecentCount, before)
		}
	}

	b.WriteString("\n## Relabelled\n\n")
	fmt.Fprintf(&b, "- items relabelled: **%d**%s\n", sum(d.Relabelled), labels(d.Relabelled))
	if d.Golden != nil {
		if d.Golden.Error != "" {
			fmt.Fprintf(&b, "- golden set `%s`: unreadable (%s)\n", d.Golden.Path, d.Golden.Error)
		} else {
			fmt.Fprintf(&b, "- golden set `%s`: **%d** cases\n", d.Golden.Path, d.Golden.Cases)
		}
		if d.Golden.Retune {
			fmt.Fprintf(&b, "- the golden set grew from %d to %d cases since retrieval was last tuned: run `supportd tune --kb %s --golden %s`\n",
				d.Golden.TunedCases, d.Golden.Cases, d.KB, d.Golden.Path)
		}
	}

	b.WriteString("\n## Evaluation\n\n")
	writeEval(&b, d.Eval)
	b.WriteString("\n## Drift\n\n")
	writeDrift(&b, d.Drift)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeEval(b *strings.Builder, e *EvalResult) {
	switch {
	case e == nil:
		b.WriteString("- no complete evaluation yet\n")
		return
	case e.BaselineID == 0:
		fmt.Fprintf(b, "- run #%d (%s, %s): pass rate **%.3f** on %d cases; no baseline to compare with\n",
			e.RunID, e.StartedAt.Format("2006-01-02"), e.Trigger, e.PassRate, e.Cases)
		return
	}
	verdict := "**no regression**"
	if e.Regressed {
		verdict = fmt.Sprintf("**REGRESSION**: %d case(s) flipped from pass to fail", len(e.Flipped))
	}
	fmt.Fprintf(b, "- run #%d (%s, %s): pass rate **%.3f** on %d cases against pinned baseline #%d: %s\n",
		e.RunID, e.StartedAt.Format("2006-01-02"), e.Trigger, e.PassRate, e.Cases, e.BaselineID, verdict)
	for _, m := range e.Moves {
		slice := ""
		if m.Slice != "" {
			slice = " (" + m.Slice + ")"
		}
		fmt.Fprintf(b, "  - %s%s: %.3f → %.3f\n", m.Metric, slice, m.Base, m.Current)
	}
}

func writeDrift(b *strings.Builder, d *DriftSignals) {
	switch {
	case d == nil:
		b.WriteString("- no drift report yet\n")
		return
	case d.Insufficient:
		fmt.Fprintf(b, "- report #%d (%s): not enough questions to judge\n", d.ReportID, d.CreatedAt.Format("2006-01-02 15:04"))
		return
	case !d.Alert:
		fmt.Fprintf(b, "- report #%d (%s): no drift\n", d.ReportID, d.CreatedAt.Format("2006-01-02 15:04"))
		return
	}
	fmt.Fprintf(b, "- report #%d (%s): **DRIFT ALERT**\n", d.ReportID, d.CreatedAt.Format("2006-01-02 15:04"))
	for _, s := range d.Alerted {
		fmt.Fprintf(b, "  - %s: %s\n", s.Name, s.Detail)
	}
	if len(d.NewTerms) > 0 {
		fmt.Fprintf(b, "  - new terms: %s\n", strings.Join(d.NewTerms[:min(10, len(d.NewTerms))], ", "))
	}
}

func percent(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// trend compares a rate with the period before's.
func trend(now, before float64, beforeN int) string {
	if beforeN == 0 {
		return "(no questions the period before)"
	}
	delta := 100 * (now - before)
	switch {
	case delta >= 0.05:
		return fmt.Sprintf("(↑ %.1f pts from %s)", delta, percent(before))
	case delta <= -0.05:
		return fmt.Sprintf("(↓ %.1f pts from %s)", -delta, percent(before))
	}
	return fmt.Sprintf("(unchanged from %s)", percent(before))
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// labels lists the counts per label in the documented order.
func labels(m map[string]int) string {
	var parts []string
	order := eval.Labels()
	for _, l := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(order, l) {
			order = append(order, l)
		}
	}
	for _, l := range order {
		if m[l] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l, m[l]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
