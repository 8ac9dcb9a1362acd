package fakellm_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind, such
// as a hang handler that outlived its client.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
