package soak

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Usage is what one process holds at one moment.
type Usage struct {
	// RSS is its resident memory (VmRSS), in bytes.
	RSS uint64
	// PeakRSS is the most resident memory it has held (VmHWM), in bytes.
	PeakRSS uint64
	// Goroutines and HeapInuse are the Go runtime's go_goroutines and
	// go_memstats_heap_inuse_bytes.
	Goroutines int
	HeapInuse  uint64
	// Conns is its open database connections, -1 when not counted.
	Conns int
}

// Process samples one running server: memory from /proc/PID/status and
// the runtime's figures from its Prometheus endpoint.
type Process struct {
	PID int
	// Metrics is the URL of its /metrics (Prometheus text format).
	Metrics string
	// Conns, when set, counts its open database connections.
	Conns  func(ctx context.Context) (int, error)
	Client *http.Client
}

// Usage reads the process's figures now.
func (p Process) Usage(ctx context.Context) (Usage, error) {
	u := Usage{Conns: -1}
	var err error
	if u.RSS, u.PeakRSS, err = ReadMemory(p.PID); err != nil {
		return u, err
	}
	g, err := p.scrape(ctx)
	if err != nil {
		return u, err
	}
	u.Goroutines, u.HeapInuse = int(g["go_goroutines"]), uint64(g["go_memstats_heap_inuse_bytes"])
	if p.Conns != nil {
		if u.Conns, err = p.Conns(ctx); err != nil {
			return u, fmt.Errorf("count database connections: %w", err)
		}
	}
	return u, nil
}

// scrape reads the untyped or gauge values of the metrics endpoint.
func (p Process) scrape(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Metrics, nil)
	if err != nil {
		return nil, err
	}
	c := p.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", p.Metrics, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: status %d", p.Metrics, res.StatusCode)
	}
	return parseGauges(res.Body)
}

// parseGauges returns the value of every gauge without labels.
func parseGauges(r io.Reader) (map[string]float64, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			if g := m.GetGauge(); g != nil && len(m.GetLabel()) == 0 {
				out[name] = g.GetValue()
			}
		}
	}
	return out, nil
}

// ReadMemory returns a process's resident memory now and at its peak, in
// bytes, from /proc/PID/status.
func ReadMemory(pid int) (rss, peak uint64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus reads VmRSS and VmHWM ("VmRSS:   12345 kB") from a
// /proc/PID/status file.
func parseStatus(r io.Reader) (rss, peak uint64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in process status")
	}
	return rss, peak, sc.Err()
}

// MB is n bytes in mebibytes.
func MB(n uint64) float64 { return float64(n) / (1 << 20) }
