package limit_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"supportd/internal/limit"
	"supportd/internal/redistest"
)

func TestUnlimitedAlwaysAllows(t *testing.T) {
	t.Parallel()
	rdb := redistest.Dead(t) // never called: an unlimited rate needs no Redis
	for _, l := range []limit.Limiter{
		limit.New(limit.Rate{}, nil, ""),
		limit.New(limit.Rate{Limit: -1, Period: time.Second}, rdb, ""),
		limit.NewLocal(limit.Rate{}, limit.LocalParams{}),
		limit.NewRedis(rdb, limit.Rate{}, ""),
	} {
		for range 1000 {
			d, err := l.Allow(context.Background(), "k", 1_000_000)
			require.NoError(t, err)
			require.Equal(t, limit.Decision{Allowed: true, Remaining: math.MaxInt}, d)
		}
	}
}

func TestNewPicksTheBackend(t *testing.T) {
	t.Parallel()
	r := limit.Rate{Limit: 1, Period: time.Second}
	require.IsType(t, &limit.Local{}, limit.New(r, nil, ""))
	require.IsType(t, &limit.Redis{}, limit.New(r, redistest.Dead(t), ""))
	require.IsType(t, limit.Unlimited{}, limit.New(limit.Rate{}, nil, ""))
}

func TestInvalidWiringFailsFast(t *testing.T) {
	t.Parallel()
	bad := limit.Rate{Limit: 5}
	require.Error(t, bad.Validate())
	require.NoError(t, limit.Rate{}.Validate())
	require.NoError(t, limit.Rate{Limit: 5, Period: time.Second}.Validate())
	require.Panics(t, func() { limit.NewLocal(bad, limit.LocalParams{}) })

	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = plain.Close() })
	require.PanicsWithError(t,
		"limit: NewRedis needs a client with Options.ContextTimeoutEnabled so that its timeout bounds each call",
		func() { limit.NewRedis(plain, limit.Rate{Limit: 1, Period: time.Second}, "") })
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    limit.Decision
		want int
	}{
		{limit.Decision{Allowed: true}, 0},
		{limit.Decision{RetryAfter: time.Millisecond}, 1},
		{limit.Decision{RetryAfter: time.Second}, 1},
		{limit.Decision{RetryAfter: time.Second + time.Millisecond}, 2},
		{limit.Decision{RetryAfter: time.Minute}, 60},
	} {
		require.Equal(t, tc.want, tc.d.RetryAfterSeconds(), "%v", tc.d.RetryAfter)
	}
}
