package httpapi_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

// nodeDir holds the Node script and its locked dependencies; make test
// installs Node (scripts/node.sh) and runs npm ci there.
var nodeDir = filepath.Join("testdata", "node")

// TestOpenAINodeSDK runs the official openai npm package against a test
// server: a completion, a stream with usage, the models list, parsed errors
// and a retried 429. Node and the locked packages are required, not
// optional: make test provides both.
func TestOpenAINodeSDK(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is required: make test installs it (scripts/node.sh)")
	_, err = os.Stat(filepath.Join(nodeDir, "node_modules", "openai", "package.json"))
	require.NoError(t, err, "the openai package is not installed: run scripts/node.sh (make test does)")

	model := newFakeModel(t, fakellm.Options{})
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{model.url}})
	key, _ := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeChat}})
	limited, stored := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeChat}})
	lim := &scriptedLimiter{only: "key:" + stored.ID, refusals: []time.Duration{20 * time.Millisecond}}
	b := serve(t, kit, secured(kit), withOpenAI, func(d *httpapi.Deps) { d.Chat.ClientLimit = lim })
	want := b.ask(t, refundQuestion, bearer(key)...)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sdk.mjs")
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(), "SUPPORTD_BASE_URL="+b.srv.URL+"/v1", "SUPPORTD_KEY="+key,
		"SUPPORTD_LIMITED_KEY="+limited, "SUPPORTD_WANT_ANSWER="+want.Text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node sdk.mjs: %s%s", stdout.String(), stderr.String())
	require.Equal(t, []string{"ok completion", "ok stream", "ok stream helper", "ok models", "ok errors", "ok retry"},
		strings.Split(strings.TrimSpace(stdout.String()), "\n"), "every check ran")
	require.Equal(t, 2, lim.count("key:"+stored.ID), "the limited key's request and its one retry")
}
