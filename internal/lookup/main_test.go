package lookup_test

import (
	"testing"

	"go.uber.org/goleak"

	"supportd/internal/dbtest"
)

// TestMain fails the package when a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(dbtest.Exit))
}
