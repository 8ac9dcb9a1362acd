package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/llm"
	"supportd/internal/metrics"
	"supportd/internal/testkit"
)

// readiness is /readyz's body with the model chain's detail.
type readiness struct {
	Status        string            `json:"status"`
	SchemaVersion int64             `json:"schema_version"`
	Models        []core.ModelState `json:"models"`
}

// A wrong API key is visible without reading logs: /readyz names the
// model and what its provider said, and supportd_llm_config_error is 1
// for it until a call succeeds. The replica stays ready: it still answers,
// from the help centre.
func TestConfigErrorShowsInReadyzAndMetrics(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	fake := newFakeModel(t, fakellm.Options{})
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{fake.url}, Metrics: m,
		Gateway: llm.GatewayParams{MaxAttempts: 1, BackoffBase: 5 * time.Millisecond}})
	b := serve(t, kit, func(d *httpapi.Deps) { d.Ops.Models, d.Ops.MetricsHandler = kit.Gateway, m.Handler() })
	ready := func() readiness {
		t.Helper()
		res := b.do(t, http.MethodGet, "/readyz", "", nil)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		var r readiness
		decodeStrict(t, res.body, &r)
		return r
	}
	const series = `model="model-a",provider="openai:model-a"`

	r := ready()
	require.Equal(t, "ready", r.Status)
	require.Equal(t, []core.ModelState{{Provider: "openai:model-a", Model: "model-a", Breaker: "closed"}}, r.Models)

	fake.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 401, Message: "Incorrect API key provided: sk-test"})
	ans := b.chat(t, "demo", refundQuestion, "")
	require.Equal(t, "extractive", ans.Mode)
	require.Equal(t, "client_error", ans.DegradedReason)
	r = ready()
	require.Equal(t, "ready", r.Status, "answers still come, from the help centre")
	require.Len(t, r.Models, 1)
	require.NotNil(t, r.Models[0].ConfigError)
	require.Equal(t, 401, r.Models[0].ConfigError.Status)
	require.Contains(t, r.Models[0].ConfigError.Message, "Incorrect API key provided")
	require.False(t, r.Models[0].ConfigError.Since.IsZero())
	require.Equal(t, map[string]float64{series: 1}, b.scrapeMetrics(t).series("supportd_llm_config_error"))

	fake.Reset()
	res := b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": refundQuestion})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var answered llmAnswer
	decodeStrict(t, res.body, &answered)
	require.Equal(t, "llm", answered.Mode)
	require.Nil(t, ready().Models[0].ConfigError)
	require.Equal(t, map[string]float64{series: 0}, b.scrapeMetrics(t).series("supportd_llm_config_error"))
}
