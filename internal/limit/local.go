package limit

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/time/rate"
)

// DefaultMaxKeys bounds the keys a [Local] limiter tracks by default.
const DefaultMaxKeys = 100_000

// LocalParams configures a [Local] limiter. Zero values take defaults.
type LocalParams struct {
	// MaxKeys bounds the keys tracked at once, so memory stays bounded.
	// Dropping a key forgets what it spent; the W-TinyLFU policy drops
	// rarely used keys first, so a busy key is not reset by a flood of
	// one-off keys.
	MaxKeys int
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
}

// Local is a [Limiter] that keeps a token bucket per key in this process.
// Use it for one replica, or as a per-replica share of a global limit.
type Local struct {
	rate  Rate
	every rate.Limit
	now   func() time.Time
	keys  *otter.Cache[string, *rate.Limiter]
}

// NewLocal returns a Local limiter for r. It panics on an invalid rate
// (see [Rate.Validate]).
func NewLocal(r Rate, p LocalParams) *Local {
	mustValid(r)
	maxKeys := DefaultMaxKeys
	if p.MaxKeys > 0 {
		maxKeys = p.MaxKeys
	}
	l := &Local{
		rate: r,
		now:  p.Now,
		keys: otter.Must(&otter.Options[string, *rate.Limiter]{MaximumSize: maxKeys}),
	}
	if l.now == nil {
		l.now = time.Now
	}
	if !r.Unlimited() {
		l.every = rate.Limit(float64(r.Limit) / r.Period.Seconds())
	}
	return l
}

// Allow implements [Limiter]; it never fails.
func (l *Local) Allow(ctx context.Context, key string, n int) (Decision, error) {
	n = max(n, 1)
	switch {
	case l.rate.Unlimited():
		return Unlimited{}.Allow(ctx, key, n)
	case n > l.rate.Limit:
		return tooMany(l.rate), nil
	}
	now := l.now()
	bucket := l.bucket(key)
	if bucket.AllowN(now, n) {
		return Decision{Allowed: true, Remaining: int(bucket.TokensAt(now))}, nil
	}
	tokens := bucket.TokensAt(now)
	return Decision{
		RetryAfter: retryAfter((float64(n) - tokens) * l.rate.interval()),
		Remaining:  max(0, int(tokens)),
	}, nil
}

// bucket returns key's token bucket, creating a full one on first use.
func (l *Local) bucket(key string) *rate.Limiter {
	if b, ok := l.keys.GetIfPresent(key); ok {
		return b
	}
	b, _ := l.keys.SetIfAbsent(key, rate.NewLimiter(l.every, l.rate.Limit))
	return b
}

// Len returns how many keys are tracked, after pending evictions.
func (l *Local) Len() int {
	l.keys.CleanUp()
	return l.keys.EstimatedSize()
}

// set makes key's allowance remaining units now, as another limiter
// decided it: [Failover] keeps its in-process limiter in step with Redis.
func (l *Local) set(key string, remaining int) {
	if l.rate.Unlimited() {
		return
	}
	b := rate.NewLimiter(l.every, l.rate.Limit)
	b.AllowN(l.now(), l.rate.Limit-min(max(remaining, 0), l.rate.Limit))
	l.keys.Set(key, b)
}
