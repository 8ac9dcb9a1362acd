package limit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Defaults for [NewRedis].
const (
	DefaultPrefix = "supportd:limit:"
	// DefaultRedisTimeout bounds each call to Redis unless
	// [Redis.WithTimeout] says otherwise; the caller's ctx may cut it
	// shorter. A stalled Redis costs a request at most this long.
	DefaultRedisTimeout = 50 * time.Millisecond
)

// Redis is a [Limiter] whose state lives in Redis (GCRA, one key per
// limited key, expiring once the key is back to a full burst), so that
// every replica sharing the Redis enforces one limit together. Its Redis
// keys are "rate:" + prefix + key: pass identifiers, not secrets, as keys.
type Redis struct {
	rate    Rate
	limit   redis_rate.Limit
	prefix  string
	timeout time.Duration
	limiter *redis_rate.Limiter
}

// NewRedis returns a Redis limiter for r on c; an empty prefix means
// [DefaultPrefix]. It panics on an invalid rate (see [Rate.Validate]) and
// on a client without Options.ContextTimeoutEnabled, which could not
// honour its timeout; both are wiring mistakes to catch at start-up.
func NewRedis(c *redis.Client, r Rate, prefix string) *Redis {
	mustValid(r)
	if c == nil || !c.Options().ContextTimeoutEnabled {
		panic(errors.New("limit: NewRedis needs a client with Options.ContextTimeoutEnabled so that its timeout bounds each call"))
	}
	return &Redis{
		rate:    r,
		limit:   redis_rate.Limit{Rate: r.Limit, Burst: r.Limit, Period: r.Period},
		prefix:  cmp.Or(prefix, DefaultPrefix),
		timeout: DefaultRedisTimeout,
		limiter: redis_rate.NewLimiter(c),
	}
}

// WithTimeout returns a copy of l whose calls to Redis are bounded by d
// instead of [DefaultRedisTimeout]; d <= 0 keeps the default.
func (l *Redis) WithTimeout(d time.Duration) *Redis {
	c := *l
	c.timeout = cmp.Or(max(d, 0), DefaultRedisTimeout)
	return &c
}

// Allow implements [Limiter]. Its errors wrap the Redis client's.
func (l *Redis) Allow(ctx context.Context, key string, n int) (Decision, error) {
	n = max(n, 1)
	switch {
	case l.rate.Unlimited():
		return Unlimited{}.Allow(ctx, key, n)
	case n > l.rate.Limit:
		return tooMany(l.rate), nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := l.limiter.AllowN(ctx, l.prefix+key, l.limit, n)
	if err != nil {
		return Decision{}, fmt.Errorf("limit: take %d units in redis: %w", n, err)
	}
	if res.Allowed > 0 {
		return Decision{Allowed: true, Remaining: l.remaining(res.ResetAfter)}, nil
	}
	return Decision{RetryAfter: retryAfter(float64(res.RetryAfter)), Remaining: l.remaining(res.ResetAfter)}, nil
}

// remaining derives the units left from the time until the key is back to a
// full burst. redis_rate's own Remaining is 0 on every denial, and when
// allowed is a float truncated by Redis, where float error turns 3 into
// 2.999… and so into 2 about half the time; the tolerance here absorbs that
// error, and floor keeps partial units out.
func (l *Redis) remaining(resetAfter time.Duration) int {
	left := float64(l.rate.Limit) - float64(resetAfter)/l.rate.interval()
	return max(0, int(math.Floor(left+1e-6)))
}
