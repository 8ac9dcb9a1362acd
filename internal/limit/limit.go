package limit

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
)

// Decision is the answer to one [Limiter.Allow] call.
type Decision struct {
	// Allowed reports whether the n units were taken.
	Allowed bool
	// RetryAfter is, when denied, how long until n units will be available,
	// rounded up to the millisecond and always > 0; zero when allowed.
	RetryAfter time.Duration
	// Remaining is how many units could be taken right after this call.
	Remaining int
}

// RetryAfterSeconds returns RetryAfter in whole seconds, rounded up, for a
// Retry-After header: at least 1 when denied, 0 when allowed.
func (d Decision) RetryAfterSeconds() int {
	if d.Allowed {
		return 0
	}
	return max(1, int(math.Ceil(d.RetryAfter.Seconds())))
}

// Limiter takes units from a key's allowance.
type Limiter interface {
	// Allow takes n units for key now; it never blocks. n < 1 counts as 1.
	// A request for more than the rate's Limit can never succeed and is
	// denied with RetryAfter = Period and Remaining = 0, without touching
	// the key's allowance. Errors mean the limiter itself failed (Redis
	// down or too slow); callers decide fail-open vs fail-closed.
	Allow(ctx context.Context, key string, n int) (Decision, error)
}

// Rate is Limit units per Period, with bursts of up to Limit: 60 per minute
// allows 60 at once, then one a second.
type Rate struct {
	Limit  int
	Period time.Duration
}

// Unlimited reports whether r imposes no limit (Limit <= 0).
func (r Rate) Unlimited() bool { return r.Limit <= 0 }

// Validate reports a Rate that limits without a positive Period.
func (r Rate) Validate() error {
	if !r.Unlimited() && r.Period <= 0 {
		return errors.New("limit: a rate with a positive Limit needs a positive Period")
	}
	return nil
}

// interval is the time one unit takes to come back.
func (r Rate) interval() float64 { return float64(r.Period) / float64(r.Limit) }

// New returns a Redis limiter when c is not nil, else a [Local] one with
// default parameters; an unlimited rate gives [Unlimited] either way.
// It panics on an invalid rate (see [Rate.Validate]).
func New(r Rate, c *redis.Client, prefix string) Limiter {
	switch {
	case r.Unlimited():
		return Unlimited{}
	case c != nil:
		return NewRedis(c, r, prefix)
	default:
		return NewLocal(r, LocalParams{})
	}
}

// Unlimited is a [Limiter] that allows everything.
type Unlimited struct{}

// Allow always allows, with Remaining = math.MaxInt.
func (Unlimited) Allow(context.Context, string, int) (Decision, error) {
	return Decision{Allowed: true, Remaining: math.MaxInt}, nil
}

// tooMany is the answer to a request for more than a whole burst.
func tooMany(r Rate) Decision { return Decision{RetryAfter: r.Period} }

// retryAfter rounds a wait up to the millisecond, so it is never zero nor
// shorter than the real wait.
func retryAfter(ns float64) time.Duration {
	d := time.Duration(math.Ceil(ns))
	return max(time.Millisecond, (d+time.Millisecond-1)/time.Millisecond*time.Millisecond)
}

func mustValid(r Rate) {
	if err := r.Validate(); err != nil {
		panic(err)
	}
}
