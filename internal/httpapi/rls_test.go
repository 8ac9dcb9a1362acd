package httpapi_test

import (
	"context"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// tenantFilter is a query's tenant filter: tenant_id = $1, c.tenant_id = $2.
var tenantFilter = regexp.MustCompile(`\b(\w+\.)?tenant_id = (\$\d+)`)

// forgetTenantFilters is the injected bug: every tenant-scoped statement
// loses its tenant_id filter (the parameter stays referenced, so the
// statement still prepares), and counts the statements it changed.
func forgetTenantFilters(changed *atomic.Int64) func(string) string {
	return func(sql string) string {
		out := tenantFilter.ReplaceAllString(sql, "($2::text IS NOT NULL)")
		if out != sql {
			changed.Add(1)
		}
		return out
	}
}

// Row-level security is the second wall: with the store's tenant filters
// removed, the whole authorization matrix still holds, because the
// database itself hides other tenants' rows from the application role.
func TestAuthzMatrixHoldsWithTenantFiltersRemoved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var changed atomic.Int64
	dbURL := testkit.DemoURL(t)

	// The bug is real: for the owner, whom row-level security does not
	// bind, the buggy store hands tenant B tenant A's knowledge base.
	owner, err := store.Open(ctx, store.Params{URL: dbtest.OwnerURL(dbURL), MaxConns: 2, RewriteSQL: forgetTenantFilters(&changed)})
	require.NoError(t, err)
	leaked, err := owner.KB(ctx, tenantB, testkit.DemoKB)
	owner.Close()
	require.NoError(t, err)
	require.Equal(t, tenantA, leaked.TenantID, "without row-level security the injected bug leaks")

	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 4, RewriteSQL: forgetTenantFilters(&changed)})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	_, err = st.KB(ctx, tenantB, testkit.DemoKB)
	require.Equal(t, core.CodeKBNotFound, core.ErrorCode(err), "row-level security hides tenant A's knowledge base")

	before := changed.Load()
	runAuthzMatrix(t, testkit.WireWith(t, st, testkit.Options{}))
	require.Greater(t, changed.Load()-before, int64(100), "the matrix ran on the buggy statements")
	t.Logf("statements that ran without their tenant filter: %d", changed.Load()-before)
}
