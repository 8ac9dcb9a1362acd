package assistant

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"supportd/internal/core"
)

// degradedLog writes one WARN line per degraded reason and interval, so a
// provider that rejects every call (a wrong API key) is seen within
// seconds without a line per question. Each line counts the answers with
// the same reason it left out since the previous one.
type degradedLog struct {
	every time.Duration
	mu    sync.Mutex
	per   map[string]*reasonLog
}

type reasonLog struct {
	limit      *rate.Limiter
	suppressed int
}

// allow says whether a degraded answer for reason gets a line at now, and
// how many were left out before it.
func (d *degradedLog) allow(reason string, now time.Time) (bool, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.per[reason]
	if !ok {
		r = &reasonLog{limit: rate.NewLimiter(rate.Every(d.every), 1)}
		d.per[reason] = r
	}
	if !r.limit.AllowN(now, 1) {
		r.suppressed++
		return false, 0
	}
	n := r.suppressed
	r.suppressed = 0
	return true, n
}

// warnDegraded logs a degraded answer's reason at WARN, rate-limited, with
// what the model's provider said when it failed (detail).
func (a *Assistant) warnDegraded(ctx context.Context, w *work, ans core.Answer, detail string) {
	if ans.DegradedReason == "" {
		return
	}
	ok, suppressed := a.degraded.allow(ans.DegradedReason, a.d.Now())
	if !ok {
		return
	}
	a.d.Log.WarnContext(ctx, "degraded answer", "request_id", core.RequestID(ctx), "tenant", w.turn.Tenant, "kb", w.kb.Name,
		"reason", ans.DegradedReason, "mode", string(ans.Mode), "model", ans.Model, "error", detail, "suppressed", suppressed)
}
