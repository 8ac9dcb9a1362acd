package auth_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/store"
)

// noKeys stands in for the store where a test never reaches it.
type noKeys struct{ auth.Keys }

func TestDescribeStateFollowsTheClock(t *testing.T) {
	t.Parallel()
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	now := expires.Add(-time.Second)
	svc := auth.New(noKeys{}, func() time.Time { return now })
	k := store.APIKey{ID: "abcdefghijklmnop", Kind: "secret", Name: "ci", Scopes: []string{"chat", "eval"},
		ExpiresAt: &expires}

	require.Equal(t, `abcdefghijklmnop  secret  active   scopes=chat,eval origins= name="ci"`, svc.Describe(k))
	now = expires
	require.Equal(t, `abcdefghijklmnop  secret  expired  scopes=chat,eval origins= name="ci"`, svc.Describe(k),
		"a key is expired from the instant it expires")
	k.RevokedAt = &now
	require.Contains(t, svc.Describe(k), " revoked ", "revocation outranks expiry")
}
