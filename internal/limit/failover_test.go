package limit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/limit"
	"supportd/internal/redistest"
	"supportd/internal/testclock"
)

// TestFailoverRunsInProcessWhileRedisIsDown stops Redis under a limiter:
// it keeps deciding in process from where Redis left the key, says so once,
// tries Redis again only after its retry interval, and says when Redis is
// back, which then decides again.
func TestFailoverRunsInProcessWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newRedis(t)
	outage := redistest.NewOutage(rdb)
	clock := testclock.New()
	var changes []bool
	var lastErr error
	r := limit.Rate{Limit: 4, Period: time.Hour} // no refill to speak of during the test
	l := limit.NewFailover(newLimiter(rdb, r, testPrefix(t, rdb)), limit.FailoverParams{Retry: time.Second, Now: clock.Now,
		OnChange: func(down bool, err error) { changes, lastErr = append(changes, down), err }})

	for i := range 2 {
		d, err := l.Allow(ctx, "k", 1)
		require.NoError(t, err)
		require.True(t, d.Allowed, "unit %d from Redis", i)
	}
	require.Empty(t, changes)

	outage.Set(true)
	d, err := l.Allow(ctx, "k", 1)
	require.NoError(t, err, "the fallback decides: no error reaches the caller")
	require.True(t, d.Allowed, "the third of four units, in process")
	require.Equal(t, []bool{true}, changes, "the outage is reported once")
	require.Error(t, lastErr)
	d, _ = l.Allow(ctx, "k", 1)
	require.True(t, d.Allowed, "the fourth")
	d, _ = l.Allow(ctx, "k", 1)
	require.False(t, d.Allowed, "the in-process limiter went on from what Redis had left, not from a full burst")
	require.Equal(t, []bool{true}, changes)

	outage.Set(false)
	d, _ = l.Allow(ctx, "other", 1)
	require.True(t, d.Allowed)
	require.Equal(t, []bool{true}, changes, "Redis is not tried again before the retry interval")
	clock.Advance(time.Second)
	d, err = l.Allow(ctx, "k", 1)
	require.NoError(t, err)
	require.True(t, d.Allowed, "Redis decides again: it counted two units of k, not the two taken in process")
	require.Equal(t, 1, d.Remaining)
	require.Equal(t, []bool{true, false}, changes, "the return is reported")
	d, _ = l.Allow(ctx, "third", 1)
	require.True(t, d.Allowed)
	require.Equal(t, 3, d.Remaining, "from Redis")
}

// TestFailoverPassesOnACallerThatGaveUp does not call a cancelled request
// a Redis outage.
func TestFailoverPassesOnACallerThatGaveUp(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	var changes []bool
	l := limit.NewFailover(newLimiter(rdb, limit.Rate{Limit: 4, Period: time.Hour}, testPrefix(t, rdb)),
		limit.FailoverParams{OnChange: func(down bool, _ error) { changes = append(changes, down) }})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Allow(ctx, "k", 1)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	require.Empty(t, changes)
}
