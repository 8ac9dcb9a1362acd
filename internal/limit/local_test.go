package limit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/limit"
	"supportd/internal/testclock"
)

// take calls Allow n times for one unit and returns the decisions.
func take(t *testing.T, l limit.Limiter, key string, n int) []limit.Decision {
	t.Helper()
	out := make([]limit.Decision, n)
	for i := range out {
		d, err := l.Allow(context.Background(), key, 1)
		require.NoError(t, err)
		out[i] = d
	}
	return out
}

func allowed(ds []limit.Decision) int {
	n := 0
	for _, d := range ds {
		if d.Allowed {
			n++
		}
	}
	return n
}

func TestLocalAllowsBurstThenDenies(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	l := limit.NewLocal(limit.Rate{Limit: 60, Period: time.Minute}, limit.LocalParams{Now: clock.Now})

	for i, d := range take(t, l, "k", 60) {
		require.Equal(t, limit.Decision{Allowed: true, Remaining: 59 - i}, d, "unit %d", i)
	}
	d := take(t, l, "k", 1)[0]
	require.Equal(t, limit.Decision{Allowed: false, RetryAfter: time.Second, Remaining: 0}, d,
		"denied, and one unit comes back after Period/Limit")
	require.Equal(t, 1, d.RetryAfterSeconds())
}

func TestLocalRefillsAsTimePasses(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	l := limit.NewLocal(limit.Rate{Limit: 60, Period: time.Minute}, limit.LocalParams{Now: clock.Now})
	require.Equal(t, 60, allowed(take(t, l, "k", 61)))

	clock.Advance(time.Second)
	ds := take(t, l, "k", 2)
	require.True(t, ds[0].Allowed, "one unit back after a second")
	require.False(t, ds[1].Allowed)

	clock.Advance(400 * time.Millisecond)
	d := take(t, l, "k", 1)[0]
	require.False(t, d.Allowed)
	require.Equal(t, 600*time.Millisecond, d.RetryAfter)

	clock.Advance(10 * time.Minute) // refills to the burst, not past it
	require.Equal(t, 60, allowed(take(t, l, "k", 70)))
}

func TestLocalRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	l := limit.NewLocal(limit.Rate{Limit: 3, Period: time.Second}, limit.LocalParams{Now: clock.Now})
	ds := take(t, l, "k", 4)
	require.Equal(t, 3, allowed(ds))
	require.Equal(t, 334*time.Millisecond, ds[3].RetryAfter, "1/3 s, rounded up to the millisecond")
	require.Equal(t, 1, ds[3].RetryAfterSeconds())

	d, err := l.Allow(context.Background(), "k2", 2)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	d, err = l.Allow(context.Background(), "k2", 3) // 1 left, 2 missing
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Equal(t, 667*time.Millisecond, d.RetryAfter)
	require.Equal(t, 1, d.Remaining)
}

func TestLocalKeysAreIndependent(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	l := limit.NewLocal(limit.Rate{Limit: 5, Period: time.Minute}, limit.LocalParams{Now: clock.Now})
	require.Equal(t, 5, allowed(take(t, l, "tenant-a", 10)))
	require.Equal(t, 5, allowed(take(t, l, "tenant-b", 10)))
	require.Equal(t, 0, allowed(take(t, l, "tenant-a", 1)))
}

func TestLocalMaxKeysBoundsMemory(t *testing.T) {
	t.Parallel()
	const maxKeys = 20
	l := limit.NewLocal(limit.Rate{Limit: 5, Period: time.Minute}, limit.LocalParams{MaxKeys: maxKeys})
	for i := range 50 * maxKeys {
		take(t, l, fmt.Sprint("ip-", i), 1)
	}
	require.LessOrEqual(t, l.Len(), maxKeys)
	require.Positive(t, l.Len())
}

func TestLocalMoreThanABurstIsDeniedClearly(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	r := limit.Rate{Limit: 10, Period: time.Minute}
	l := limit.NewLocal(r, limit.LocalParams{Now: clock.Now})

	d, err := l.Allow(context.Background(), "k", 11)
	require.NoError(t, err)
	require.Equal(t, limit.Decision{RetryAfter: time.Minute}, d, "can never pass: denied with a full Period")
	require.Equal(t, 60, d.RetryAfterSeconds())

	d, err = l.Allow(context.Background(), "k", 10)
	require.NoError(t, err)
	require.True(t, d.Allowed, "the oversized request took nothing")

	clock.Advance(time.Minute)
	d, err = l.Allow(context.Background(), "k", 0)
	require.NoError(t, err)
	require.Equal(t, 9, d.Remaining, "n < 1 counts as 1")
}

func TestLocalIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	clock := testclock.New() // frozen: nothing refills during the test
	l := limit.NewLocal(limit.Rate{Limit: 25, Period: time.Hour}, limit.LocalParams{Now: clock.Now})
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				d, err := l.Allow(context.Background(), "shared", 1)
				if err == nil && d.Allowed {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 25, ok.Load())
}
