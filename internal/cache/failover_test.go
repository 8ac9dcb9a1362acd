package cache_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/cache"
	"supportd/internal/redistest"
)

// TestRedisOutageIsReportedAndTheLocalTierServes stops Redis under a
// cache: entries are still kept and found in process, the outage is
// reported once, and the return of Redis is reported and shared again.
func TestRedisOutageIsReportedAndTheLocalTierServes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	outage := redistest.NewOutage(rdb)
	var changes []bool
	p := cache.Params{Redis: rdb, Prefix: testPrefix(t, rdb),
		OnRedisChange: func(down bool, err error) {
			changes = append(changes, down)
			require.Equal(t, down, err != nil)
		}}
	c := newCache(t, p)

	outage.Set(true)
	c.Set(ctx, "q1", []byte("a1"))
	val, tier, ok := c.Get(ctx, "q1")
	require.True(t, ok)
	require.Equal(t, cache.TierLocal, tier)
	require.Equal(t, "a1", string(val))
	_, _, ok = c.Get(ctx, "q2")
	require.False(t, ok)
	require.Equal(t, []bool{true}, changes, "reported once")

	outage.Set(false)
	c.Set(ctx, "q3", []byte("a3"))
	require.Equal(t, []bool{true, false}, changes, "the return is reported")
	val, tier, ok = newCache(t, cache.Params{Redis: rdb, Prefix: p.Prefix}).Get(ctx, "q3")
	require.True(t, ok, "another replica finds what was set after the return")
	require.Equal(t, cache.TierRedis, tier)
	require.Equal(t, "a3", string(val))
}
