package limit

import (
	"cmp"
	"context"
	"sync"
	"time"
)

// DefaultRetry is how often a [Failover] tries Redis again while it is down.
const DefaultRetry = time.Second

// FailoverParams configures a [Failover]. Zero values take defaults.
type FailoverParams struct {
	// Retry is how often Redis is tried again while it fails; default
	// [DefaultRetry]. In between, the in-process limiter decides at once.
	Retry time.Duration
	// Now is the clock of the retries and of the in-process limiter;
	// default time.Now.
	Now func() time.Time
	// OnChange is told when Redis starts failing (down, with the error)
	// and when it answers again; it must not block.
	OnChange func(down bool, err error)
}

// Failover is a [Redis] limiter that decides in process while Redis fails,
// so that limits degrade to per replica instead of to none. Its in-process
// limiter is kept in step with what Redis last said of each key, so that
// a key already spent stays spent when Redis goes, rather than getting a
// fresh burst on every replica.
type Failover struct {
	redis    *Redis
	local    *Local
	retry    time.Duration
	now      func() time.Time
	onChange func(down bool, err error)

	mu      sync.Mutex
	down    bool
	retryAt time.Time
}

// NewFailover returns a limiter that asks r and falls back to an
// in-process limiter of the same rate.
func NewFailover(r *Redis, p FailoverParams) *Failover {
	now := p.Now
	if now == nil {
		now = time.Now
	}
	return &Failover{redis: r, local: NewLocal(r.rate, LocalParams{Now: now}), retry: cmp.Or(p.Retry, DefaultRetry),
		now: now, onChange: p.OnChange}
}

// Allow implements [Limiter]. It fails only when ctx has ended.
func (f *Failover) Allow(ctx context.Context, key string, n int) (Decision, error) {
	if f.tryRedis() {
		d, err := f.redis.Allow(ctx, key, n)
		if err == nil {
			f.local.set(key, d.Remaining)
			f.mark(false, nil)
			return d, nil
		}
		if ctx.Err() != nil {
			return d, err
		}
		f.mark(true, err)
	}
	return f.local.Allow(ctx, key, n)
}

// Down reports whether Redis was failing at the last try.
func (f *Failover) Down() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

// tryRedis says whether to ask Redis: always while it works, and once per
// retry interval while it fails.
func (f *Failover) tryRedis() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down {
		return true
	}
	now := f.now()
	if now.Before(f.retryAt) {
		return false
	}
	f.retryAt = now.Add(f.retry)
	return true
}

func (f *Failover) mark(down bool, err error) {
	f.mu.Lock()
	changed := f.down != down
	f.down = down
	if down {
		f.retryAt = f.now().Add(f.retry)
	}
	f.mu.Unlock()
	if changed && f.onChange != nil {
		f.onChange(down, err)
	}
}
