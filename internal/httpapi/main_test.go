package httpapi_test

import (
	"testing"

	"go.uber.org/goleak"

	"supportd/internal/browsertest"
	"supportd/internal/dbtest"
)

// TestMain fails the package when a test leaves a goroutine behind; the
// browser the browser tests share stops first.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(browsertest.Main(m), goleak.Cleanup(dbtest.Exit))
}
