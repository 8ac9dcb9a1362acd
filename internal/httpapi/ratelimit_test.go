package httpapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/core"
	"supportd/internal/httpapi"
	"supportd/internal/limit"
	"supportd/internal/testkit"
)

func withClientLimit(l limit.Limiter) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) { d.Chat.ClientLimit = app.Limiter{Limiter: l} }
}

// chatAs asks the refund question as the client holding API key key; an
// empty key sends no Authorization header, so the client is its address.
func (b *bundle) chatAs(t *testing.T, key string, header ...string) response {
	t.Helper()
	if key != "" {
		header = append(header, "Authorization", "Bearer "+key)
	}
	return b.do(t, http.MethodPost, "/v1/chat", "application/json",
		strings.NewReader(`{"kb":"demo","question":"`+refundQuestion+`"}`), header...)
}

// requireRateLimited checks a 429 rate_limited error whose Retry-After is
// whole seconds between 1 and maxWait.
func requireRateLimited(t *testing.T, res response, maxWait int) {
	t.Helper()
	requireError(t, res, http.StatusTooManyRequests, core.CodeRateLimited)
	secs, err := strconv.Atoi(res.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", res.header.Get("Retry-After"))
	require.Positive(t, secs)
	require.LessOrEqual(t, secs, maxWait)
}

// redisTimeout replaces the limiter's 50 ms production budget per Redis call
// in tests that count exact admissions: on a loaded CI machine a slow call
// would fail open and admit one request too many.
const redisTimeout = 2 * time.Second

func TestChatIsRateLimitedPerClient(t *testing.T) {
	t.Parallel()
	// 3 a minute: one comes back every 20 s, so no retry is ever longer.
	b := setupWith(t, testkit.Options{}, withClientLimit(
		limit.NewLocal(limit.Rate{Limit: 3, Period: time.Minute}, limit.LocalParams{})))

	for i := range 3 {
		res := b.chatAs(t, "one")
		require.Equal(t, http.StatusOK, res.status, "chat %d: %s", i+1, res.body)
	}
	requireRateLimited(t, b.chatAs(t, "one"), 20)
	// Streaming clients are refused before the stream starts.
	requireRateLimited(t, b.chatAs(t, "one", "Accept", "text/event-stream"), 20)
	require.Equal(t, 3, b.countTurns(t), "a refused chat stores nothing")

	// Until API keys are verified, a bearer token proves nothing: making
	// one up must not buy a fresh allowance, so the limit follows the
	// caller's address.
	requireRateLimited(t, b.chatAs(t, "made-up"), 20)
	requireRateLimited(t, b.chatAs(t, ""), 20)
}

// Two replicas of the API share a limit through Redis. Each replica here
// is its own Echo instance with its own limiter on its own Redis client
// (own connection pool): nothing in process memory is shared between them,
// the limit's state lives only in Redis, so they behave exactly as two
// processes would. The knowledge base they share is in Postgres, as in
// production.
func TestChatRateLimitHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	prefix := testkit.UniquePrefix(t)
	// 4 a minute: one comes back every 15 s, far longer than the test.
	rate := limit.Rate{Limit: 4, Period: time.Minute}
	replicas := []*bundle{
		serve(t, kit, withClientLimit(limit.NewRedis(testkit.Redis(t), rate, prefix).WithTimeout(redisTimeout))),
		serve(t, kit, withClientLimit(limit.NewRedis(testkit.Redis(t), rate, prefix).WithTimeout(redisTimeout))),
	}

	var got []int
	for i := range 8 {
		res := replicas[i%2].chatAs(t, "shared")
		got = append(got, res.status)
		if res.status == http.StatusTooManyRequests {
			requireRateLimited(t, res, 15)
		}
	}
	require.Equal(t, []int{200, 200, 200, 200, 429, 429, 429, 429}, got)
	require.Equal(t, 4, replicas[0].countTurns(t))
}

func TestChatStaysUpWhenTheLimiterRedisIsDown(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: every call is refused at once.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true,
		DialTimeout: 100 * time.Millisecond, DialerRetries: 1, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	l := limit.NewRedis(rdb, limit.Rate{Limit: 1, Period: time.Minute}, "supportd:test:down:")
	_, err := l.Allow(context.Background(), "probe", 1)
	require.Error(t, err, "the limiter must really be failing for this test to mean anything")

	b := setupWith(t, testkit.Options{}, withClientLimit(l))
	// A working limiter of 1 a minute would refuse the second chat.
	for i := range 3 {
		res := b.chatAs(t, "one")
		require.Equal(t, http.StatusOK, res.status, "chat %d: %s", i+1, res.body)
	}
	require.Equal(t, 3, b.countTurns(t))
}
