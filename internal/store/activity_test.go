package store_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/store"
)

func TestConnectionsCountsAServersPoolByItsApplicationName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := dbtest.NewURL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set("application_name", "soaked")
	u.RawQuery = q.Encode()
	soaked, err := store.Open(ctx, store.Params{URL: u.String(), MaxConns: 3})
	require.NoError(t, err)
	t.Cleanup(soaked.Close)
	watcher, err := store.Open(ctx, store.Params{URL: dbURL})
	require.NoError(t, err)
	t.Cleanup(watcher.Close)

	require.NoError(t, soaked.Ping(ctx))
	n, err := watcher.Connections(ctx, "soaked")

	require.NoError(t, err)
	require.Positive(t, n)
	require.LessOrEqual(t, n, 3, "no more than the pool holds")
	n, err = watcher.Connections(ctx, "nobody")
	require.NoError(t, err)
	require.Zero(t, n)
}
