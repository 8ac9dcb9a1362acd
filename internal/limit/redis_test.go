package limit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"supportd/internal/limit"
	"supportd/internal/redistest"
)

// TestRedisLimitHoldsAcrossReplicas is the proof that a limit is global:
// two limiters on two connections, as two API replicas would have, hammer
// one key concurrently, and together they let exactly Limit units through.
func TestRedisLimitHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	rdbA, rdbB := newRedis(t), newRedis(t)
	prefix := testPrefix(t, rdbA)
	r := limit.Rate{Limit: 10, Period: time.Minute} // refills one per 6 s: none during the test
	replicas := []*limit.Redis{newLimiter(rdbA, r, prefix), newLimiter(rdbB, r, prefix)}

	var ok, denied atomic.Int64
	var wg sync.WaitGroup
	for i := range 10 {
		l := replicas[i%2]
		wg.Go(func() {
			for range 4 {
				d, err := l.Allow(context.Background(), "tenant-1", 1)
				if !assertNoError(t, err) {
					return
				}
				if d.Allowed {
					ok.Add(1)
					continue
				}
				denied.Add(1)
				if d.RetryAfter <= 0 || d.RetryAfter > 6*time.Second+time.Millisecond {
					t.Errorf("RetryAfter %v outside (0, Period/Limit]", d.RetryAfter)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 10, ok.Load(), "allowed across both replicas")
	require.EqualValues(t, 30, denied.Load())

	// A third replica sees the same spent allowance.
	d, err := newLimiter(newRedis(t), r, prefix).Allow(context.Background(), "tenant-1", 1)
	require.NoError(t, err)
	require.False(t, d.Allowed)
}

// newLimiter returns a Redis limiter with a timeout generous enough that a
// loaded CI machine does not turn slowness into errors: these tests are
// about the limit, TestRedisDownReturnsErrorQuickly is about the timeout.
func newLimiter(c *redis.Client, r limit.Rate, prefix string) *limit.Redis {
	return limit.NewRedis(c, r, prefix).WithTimeout(2 * time.Second)
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("Allow: %v", err)
		return false
	}
	return true
}

func TestRedisDeniesWithRetryAfter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	// One unit per 6 h: RetryAfter only drifts from the interval by the
	// test's own run time, which is far less than the minute allowed here.
	const interval = 6 * time.Hour
	l := newLimiter(rdb, limit.Rate{Limit: 4, Period: 4 * interval}, testPrefix(t, rdb))

	for i := range 4 {
		d, err := l.Allow(ctx, "k", 1)
		require.NoError(t, err)
		require.Equal(t, limit.Decision{Allowed: true, Remaining: 3 - i}, d, "unit %d", i)
	}
	d, err := l.Allow(ctx, "k", 1)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Zero(t, d.Remaining)
	require.LessOrEqual(t, d.RetryAfter, interval, "at most Period/Limit")
	require.Greater(t, d.RetryAfter, interval-time.Minute, "about Period/Limit")
	require.Equal(t, int(interval/time.Second), d.RetryAfterSeconds())

	d, err = l.Allow(ctx, "k2", 3)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	d, err = l.Allow(ctx, "k2", 2) // 1 left, 1 missing
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Equal(t, 1, d.Remaining, "a denial still reports what is left")
	require.Greater(t, d.RetryAfter, interval-time.Minute)
}

// age makes a limiter key's state d older, as if d had passed: redis_rate
// keeps one number per key, the theoretical arrival time in seconds, and
// reads the clock from Redis, which a test cannot set.
func age(t *testing.T, rdb *redis.Client, key string, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	tat, err := rdb.Get(ctx, key).Float64()
	require.NoError(t, err)
	require.NoError(t, rdb.SetArgs(ctx, key, tat-d.Seconds(), redis.SetArgs{KeepTTL: true}).Err())
}

func TestRedisRefillsAfterRetryAfter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	prefix := testPrefix(t, rdb)
	l := newLimiter(rdb, limit.Rate{Limit: 2, Period: time.Hour}, prefix)
	d, err := l.Allow(ctx, "k", 2)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	d, err = l.Allow(ctx, "k", 1)
	require.NoError(t, err)
	require.False(t, d.Allowed)

	age(t, rdb, "rate:"+prefix+"k", d.RetryAfter)
	d, err = l.Allow(ctx, "k", 1)
	require.NoError(t, err)
	require.True(t, d.Allowed, "a unit is back after RetryAfter")
	d, err = l.Allow(ctx, "k", 1)
	require.NoError(t, err)
	require.False(t, d.Allowed, "and only one")
}

func TestRedisKeysAreIndependent(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	prefix := testPrefix(t, rdb)
	l := newLimiter(rdb, limit.Rate{Limit: 3, Period: time.Minute}, prefix)
	require.Equal(t, 3, allowed(take(t, l, "a", 5)))
	require.Equal(t, 3, allowed(take(t, l, "b", 5)))

	other := newLimiter(rdb, limit.Rate{Limit: 3, Period: time.Minute}, prefix+"other:")
	require.Equal(t, 3, allowed(take(t, other, "a", 5)), "a different prefix is a different limit")

	keys, err := rdb.Keys(context.Background(), "rate:"+prefix+"*").Result()
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"rate:" + prefix + "a", "rate:" + prefix + "b", "rate:" + prefix + "other:a"}, keys)
	ttl, err := rdb.TTL(context.Background(), "rate:"+prefix+"a").Result()
	require.NoError(t, err)
	require.Positive(t, ttl, "state expires once the key is back to a full burst")
}

func TestRedisMoreThanABurstIsDeniedClearly(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	l := newLimiter(rdb, limit.Rate{Limit: 5, Period: time.Minute}, testPrefix(t, rdb))
	d, err := l.Allow(context.Background(), "k", 6)
	require.NoError(t, err)
	require.Equal(t, limit.Decision{RetryAfter: time.Minute}, d)

	d, err = l.Allow(context.Background(), "k", 5)
	require.NoError(t, err)
	require.True(t, d.Allowed, "the oversized request took nothing")
	require.Zero(t, d.Remaining)
}

func TestRedisDownReturnsAnError(t *testing.T) {
	t.Parallel()
	for name, rdb := range map[string]*redis.Client{"refused": redistest.Dead(t), "hung": redistest.Hung(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := limit.NewRedis(rdb, limit.Rate{Limit: 5, Period: time.Second}, "")
			// The caller sets no deadline: only the limiter's own timeout
			// can end a call to a Redis that never answers.
			d, err := l.Allow(context.Background(), "k", 1)
			require.Error(t, err)
			require.False(t, d.Allowed, "the zero Decision on error")
			if name == "hung" {
				require.ErrorIs(t, err, context.DeadlineExceeded, "ended by the limiter's timeout")
			}
		})
	}
}
