package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// table is a Markdown table whose columns are padded to line up in a
// terminal as well as render.
type table struct {
	header []string
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	width := make([]int, len(t.header))
	for i := range width {
		width[i] = 3 // a rule needs three dashes
	}
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Fprintln(w, b.String())
	}
	line(t.header)
	rule := make([]string, len(width))
	for i, n := range width {
		rule[i] = strings.Repeat("-", n)
	}
	line(rule)
	for _, r := range t.rows {
		line(r)
	}
}

// Formatting helpers for table cells.

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

func millis(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func rate(n int, d time.Duration) string {
	if n == 0 || d <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
}

func share(x float64) string { return fmt.Sprintf("%.2f", x) }
