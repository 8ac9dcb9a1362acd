package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/scale"
	"supportd/internal/testkit"
)

// TestReplicaKilledUnderLoadLosesNoTurn is `make scale-test` cut down to
// what CI can afford: two `supportd serve` processes (this test binary in
// the role of the command) share a database under round-robin load, one
// is SIGKILLed, and every answer a client received has its turn stored,
// every other request got a retriable error, and no process panicked.
func TestReplicaKilledUnderLoadLosesNoTurn(t *testing.T) {
	t.Parallel()
	url := testkit.DemoURL(t)
	cp := scale.ClusterParams{Spawner: scale.Spawner{Binary: os.Args[0], Env: []string{asBinaryEnv + "=1"}, LogDir: t.TempDir()},
		DB: scale.Database{AppURL: url, OwnerURL: dbtest.OwnerURL(url)}, Replicas: 2, Filled: true}
	rep, err := scale.Run(context.Background(), scale.Params{Cluster: cp, Golden: "../../goldenset/demo.jsonl", Workers: 4,
		Load: 6 * time.Second, Kill: true})
	require.NoError(t, err)
	var out strings.Builder
	rep.Print(&out)
	t.Log("\n" + out.String())
	require.True(t, rep.OK(), out.String())
	names := make([]string, len(rep.Checks))
	for i, c := range rep.Checks {
		names[i] = c.Name
	}
	require.Equal(t, []string{"replica killed", "no lost turn", "only retriable errors", "no panic"}, names)
}
