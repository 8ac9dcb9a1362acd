package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"
)

// FaultsParams is one run of the fault benchmark.
type FaultsParams struct {
	N          int           // questions asked under each fault
	FirstToken time.Duration // the first-token deadline the server runs with
	Total      time.Duration // its whole-answer deadline
	Corpus     string        // folder of the demo corpus
	Golden     string        // golden set whose answerable questions are asked
}

// Command is the command line that repeats the run.
func (p FaultsParams) Command() string {
	return fmt.Sprintf("supportd bench faults --n %d --first-token %s --total %s", p.N, p.FirstToken, p.Total)
}

// Budget is the latency every answer should stay within: the first-token
// deadline plus 250 ms.
func (p FaultsParams) Budget() time.Duration { return p.FirstToken + 250*time.Millisecond }

// Fault is one way the model misbehaves, turned on by Inject until the
// next Inject.
type Fault struct {
	Name   string
	Inject func()
}

// FaultsDeps are what the fault benchmark drives: the full API over the
// wiring whose only model is the fake, the faults it can inject, and a
// count of the calls the model received.
type FaultsDeps struct {
	Deps
	API    http.Handler
	Faults []Fault
	Calls  func() int
}

// FaultsReport is the outcome of Faults.
type FaultsReport struct {
	Params FaultsParams
	Rows   []FaultRow
}

// FaultRow is the answers under one fault.
type FaultRow struct {
	Fault     string
	Latencies []time.Duration
	Modes     map[string]int
	Calls     int // model calls for the N questions
}

// Faults asks N golden questions under each fault, one at a time, and
// times each whole answer. The server must run without an answer cache,
// so that every question reaches the model.
func Faults(ctx context.Context, d FaultsDeps, p FaultsParams) (FaultsReport, error) {
	rep := FaultsReport{Params: p}
	if err := d.check(); err != nil {
		return rep, err
	}
	if d.API == nil || len(d.Faults) == 0 || d.Calls == nil || p.N <= 0 {
		return rep, fmt.Errorf("bench faults: missing dependency or N")
	}
	g := &gateway{d: GatewayDeps{Deps: d.Deps}, p: GatewayParams{Corpus: p.Corpus, Golden: p.Golden}, client: &http.Client{}}
	if err := g.setup(ctx, "bench-gateway"); err != nil {
		return rep, err
	}
	g.api = httptest.NewServer(d.API)
	defer g.api.Close()
	for _, f := range d.Faults {
		f.Inject()
		row := FaultRow{Fault: f.Name, Modes: map[string]int{}}
		before := d.Calls()
		for i := range p.N {
			took, mode, err := g.chat(ctx, g.api.URL+"/v1/chat", g.qs[i%len(g.qs)])
			if err != nil {
				return rep, fmt.Errorf("bench faults: %s: %w", f.Name, err)
			}
			row.Latencies = append(row.Latencies, took)
			row.Modes[mode]++
		}
		row.Calls = d.Calls() - before
		d.progress("bench faults: %s: p99 %s", f.Name, Percentile(row.Latencies, 99))
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

// WriteMarkdown prints the report.
func (r FaultsReport) WriteMarkdown(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "## supportd bench faults\n\n`%s` · fake LLM in process · %s\n\n", p.Command(), machine())
	fmt.Fprintf(w, "Budget: first-token timeout + 250 ms = %s. Each answer is one non-streamed POST /v1/chat, timed whole.\n\n", p.Budget())
	fmt.Fprintln(w, "| fault | answers | p50 ms | p99 ms | within budget | modes | model calls per answer |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, row := range r.Rows {
		p99 := Percentile(row.Latencies, 99)
		within := "yes"
		if p99 > p.Budget() {
			within = "no"
		}
		fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %s | %s | %.2f |\n", row.Fault, len(row.Latencies), ms(Percentile(row.Latencies, 50)),
			ms(p99), within, modes(row.Modes), float64(row.Calls)/float64(max(len(row.Latencies), 1)))
	}
	fmt.Fprintln(w)
}

// modes renders mode counts as "extractive 20, llm 1", most frequent first.
func modes(m map[string]int) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
