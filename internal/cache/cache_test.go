package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"supportd/internal/cache"
	"supportd/internal/redistest"
	"supportd/internal/testclock"
)

// newCache builds a cache. Tests about what the Redis tier holds, not about
// its timeout, get a generous one, so that a loaded CI machine does not
// turn slowness into misses.
func newCache(t *testing.T, p cache.Params) *cache.Cache {
	t.Helper()
	if p.Redis != nil && p.RedisTimeout == 0 {
		p.RedisTimeout = 2 * time.Second
	}
	c, err := cache.New(p)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func TestLocalHitAndMiss(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCache(t, cache.Params{})

	_, _, ok := c.Get(ctx, "q1")
	require.False(t, ok)

	val := []byte("answer one")
	c.Set(ctx, "q1", val)
	val[0] = 'X' // the cache keeps its own copy
	got, tier, ok := c.Get(ctx, "q1")
	require.True(t, ok)
	require.Equal(t, cache.TierLocal, tier)
	require.Equal(t, "answer one", string(got))
	got[0] = 'Y' // and hands out copies
	got, _, _ = c.Get(ctx, "q1")
	require.Equal(t, "answer one", string(got))

	require.Equal(t, 1, c.Len())
	require.Equal(t, cache.Stats{LocalHits: 2, Misses: 1}, c.Stats())
}

func TestLocalEntriesExpireAfterTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testclock.New()
	c := newCache(t, cache.Params{TTL: time.Hour, Now: clock.Now})

	c.Set(ctx, "q", []byte("a"))
	clock.Advance(time.Hour - time.Second)
	_, _, ok := c.Get(ctx, "q")
	require.True(t, ok, "still fresh a second before the TTL")

	clock.Advance(2 * time.Second)
	_, _, ok = c.Get(ctx, "q")
	require.False(t, ok, "expired a second after the TTL")
	require.Equal(t, 0, c.Len())

	c.Set(ctx, "q", []byte("b")) // a new write starts a new lifetime
	clock.Advance(30 * time.Minute)
	got, _, ok := c.Get(ctx, "q")
	require.True(t, ok)
	require.Equal(t, "b", string(got))
}

func TestSizeBoundEvicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const size = 50
	c := newCache(t, cache.Params{Size: size})

	for i := range 10 * size {
		c.Set(ctx, fmt.Sprint("k", i), []byte("v"))
	}
	require.LessOrEqual(t, c.Len(), size)

	present := 0
	for i := range 10 * size {
		if _, _, ok := c.Get(ctx, fmt.Sprint("k", i)); ok {
			present++
		}
	}
	require.LessOrEqual(t, present, size)
	require.Positive(t, present)
}

func TestDeleteRemovesFromBothTiers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	prefix := testPrefix(t, rdb)
	c := newCache(t, cache.Params{Redis: rdb, Prefix: prefix})

	c.Set(ctx, "a", []byte("1"))
	c.Set(ctx, "b", []byte("2"))
	c.Delete(ctx, "a")
	_, _, ok := c.Get(ctx, "a")
	require.False(t, ok)
	n, err := rdb.Exists(ctx, prefix+"a", prefix+"b").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "only b is left in Redis")
}

func TestRedisTierIsSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdbA, rdbB := newRedis(t), newRedis(t) // two replicas, two connections
	prefix := testPrefix(t, rdbA)
	a := newCache(t, cache.Params{Redis: rdbA, Prefix: prefix, TTL: time.Hour})
	b := newCache(t, cache.Params{Redis: rdbB, Prefix: prefix, TTL: time.Hour})

	a.Set(ctx, "q", []byte("shared answer"))

	got, tier, ok := b.Get(ctx, "q")
	require.True(t, ok)
	require.Equal(t, cache.TierRedis, tier)
	require.Equal(t, "shared answer", string(got))

	got, tier, ok = b.Get(ctx, "q")
	require.True(t, ok)
	require.Equal(t, cache.TierLocal, tier, "a Redis hit is copied into the local tier")
	require.Equal(t, "shared answer", string(got))

	require.Equal(t, cache.Stats{LocalHits: 1, RedisHits: 1}, b.Stats())
	require.Equal(t, 1, b.Len())

	ttl, err := rdbA.PTTL(ctx, prefix+"q").Result()
	require.NoError(t, err)
	require.InDelta(t, time.Hour, ttl, float64(time.Minute), "Redis copy carries the TTL")
}

func TestRedisCopyKeepsItsRemainingLifetime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	prefix := testPrefix(t, rdb)
	clock := testclock.New()
	c := newCache(t, cache.Params{Redis: rdb, Prefix: prefix, TTL: time.Hour, Now: clock.Now})

	// Written by another replica 50 minutes ago: 10 minutes left.
	require.NoError(t, rdb.Set(ctx, prefix+"q", "old answer", 10*time.Minute).Err())
	_, tier, ok := c.Get(ctx, "q")
	require.True(t, ok)
	require.Equal(t, cache.TierRedis, tier)

	clock.Advance(9 * time.Minute)
	_, tier, ok = c.Get(ctx, "q")
	require.True(t, ok)
	require.Equal(t, cache.TierLocal, tier)

	clock.Advance(2 * time.Minute)
	require.NoError(t, rdb.Del(ctx, prefix+"q").Err()) // Redis has expired it by now too
	_, _, ok = c.Get(ctx, "q")
	require.False(t, ok, "the local copy must not outlive the Redis original")
}

func TestDeletePrefixClearsBothTiers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	prefix := testPrefix(t, rdb)
	c := newCache(t, cache.Params{Redis: rdb, Prefix: prefix})

	for _, k := range []string{"t1/a", "t1/b", "t1*/c", "t2/a"} {
		c.Set(ctx, k, []byte(k))
	}
	// Enough keys that the Redis walk takes more than one SCAN page.
	pipe := rdb.Pipeline()
	for i := range 2500 {
		pipe.Set(ctx, fmt.Sprintf("%st1/bulk%d", prefix, i), "x", time.Hour)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)

	c.DeletePrefix(ctx, "t1/")

	for _, k := range []string{"t1/a", "t1/b"} {
		_, _, ok := c.Get(ctx, k)
		require.False(t, ok, k)
	}
	fresh := newCache(t, cache.Params{Redis: rdb, Prefix: prefix}) // empty local tier: sees Redis only
	var left []string
	for _, k := range []string{"t1/a", "t1/b", "t1/bulk7"} {
		_, _, ok := fresh.Get(ctx, k)
		require.False(t, ok, k)
	}
	for _, k := range []string{"t1*/c", "t2/a"} { // a glob character in a key is not a wildcard
		_, tier, ok := c.Get(ctx, k)
		require.True(t, ok, k)
		require.Equal(t, cache.TierLocal, tier)
		_, tier, ok = fresh.Get(ctx, k)
		require.True(t, ok, k)
		require.Equal(t, cache.TierRedis, tier)
	}
	left, err = rdb.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	require.ElementsMatch(t, []string{prefix + "t1*/c", prefix + "t2/a"}, left)
	require.Zero(t, c.Stats().RedisErrors)
}

func TestRedisDownDegradesToMiss(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const timeout = cache.DefaultRedisTimeout
	for name, rdb := range map[string]*redis.Client{"refused": redistest.Dead(t), "hung": redistest.Hung(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			calls := &deadlines{}
			rdb.AddHook(calls)
			c := newCache(t, cache.Params{Redis: rdb, RedisTimeout: timeout})

			// The hung server's client has no read timeout of its own, so
			// only a deadline can end these calls. The caller's is a minute
			// away: a cache that set none of its own fails the bound below
			// after it instead of hanging.
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			_, _, ok := c.Get(ctx, "q")
			require.False(t, ok)
			c.Set(ctx, "q", []byte("a"))

			got, tier, ok := c.Get(ctx, "q")
			require.True(t, ok, "the local tier still works")
			require.Equal(t, cache.TierLocal, tier)
			require.Equal(t, "a", string(got))

			c.Delete(ctx, "q")
			c.DeletePrefix(ctx, "")
			require.Equal(t, cache.Stats{LocalHits: 1, Misses: 1, RedisErrors: 4}, c.Stats())
			// get, set, unlink and scan, and for the hung server the
			// connection handshake they wait on.
			require.GreaterOrEqual(t, calls.count(), 4)
			require.Zero(t, calls.unbounded(timeout), "every Redis call carries a deadline at most RedisTimeout away")
			if name == "hung" {
				require.Equal(t, calls.count(), calls.deadlineExceeded(), "each call was ended by the cache's deadline")
			}
		})
	}
}

// deadlines is a Redis hook that records, for each command or pipeline,
// the time its context had left when it was sent and the error it ended
// with. The time left is measured at the call, after the deadline was set,
// so it can only be shorter than the timeout that set it.
type deadlines struct {
	mu    sync.Mutex
	calls []deadlineCall
}

type deadlineCall struct {
	left time.Duration // 0: no deadline
	err  error
}

func (d *deadlines) record(ctx context.Context, call func(context.Context) error) error {
	var left time.Duration
	if dl, ok := ctx.Deadline(); ok {
		left = max(time.Until(dl), time.Nanosecond)
	}
	err := call(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, deadlineCall{left: left, err: err})
	return err
}

func (d *deadlines) DialHook(next redis.DialHook) redis.DialHook { return next }

func (d *deadlines) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		return d.record(ctx, func(ctx context.Context) error { return next(ctx, cmd) })
	}
}

func (d *deadlines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		return d.record(ctx, func(ctx context.Context) error { return next(ctx, cmds) })
	}
}

func (d *deadlines) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls)
}

// unbounded counts the calls sent with no deadline or one further than
// limit.
func (d *deadlines) unbounded(limit time.Duration) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.calls {
		if c.left == 0 || c.left > limit {
			n++
		}
	}
	return n
}

func (d *deadlines) deadlineExceeded() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.calls {
		if errors.Is(c.err, context.DeadlineExceeded) {
			n++
		}
	}
	return n
}

func TestCancelledCallerIsNotARedisError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := newCache(t, cache.Params{Redis: redistest.Dead(t)})
	_, _, ok := c.Get(ctx, "q")
	require.False(t, ok)
	require.Zero(t, c.Stats().RedisErrors)
}

func TestNewRejectsBadParams(t *testing.T) {
	t.Parallel()
	_, err := cache.New(cache.Params{Size: -1})
	require.Error(t, err)
	_, err = cache.New(cache.Params{TTL: -time.Second})
	require.Error(t, err)

	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = plain.Close() })
	_, err = cache.New(cache.Params{Redis: plain})
	require.ErrorContains(t, err, "ContextTimeoutEnabled")
}

func TestKeyIsInjectiveOverParts(t *testing.T) {
	t.Parallel()
	require.NotEqual(t, cache.Key("ab", "c"), cache.Key("a", "bc"))
	require.NotEqual(t, cache.Key("a", ""), cache.Key("a"))
	require.NotEqual(t, cache.Key(""), cache.Key())
	require.Equal(t, cache.Key("kb", "question"), cache.Key("kb", "question"))
	require.Len(t, cache.Key("x"), 64)
}

func ExampleKey() {
	fmt.Println(cache.Key("ab", "c") == cache.Key("a", "bc"))
	fmt.Println(cache.Key("tenant-1", "kb", "how do refunds work?"))
	// Output:
	// false
	// 7a65d6443bb40fcb9610aa52dd4d5289ca9944791186d5c3beedc80a37fcedcb
}
