package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/digest"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

func TestDigestIsServed(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	_, rep := kit.Ingest(t, "demo", false, testkit.DemoCorpus())
	require.Zero(t, rep.Counts["failed"])
	b := serve(t, kit, func(d *httpapi.Deps) { d.Digest = kit.Digests() })
	b.chat(t, "demo", "How do I get a refund on an annual plan?", "")
	b.chat(t, "demo", "What will the weather be in Paris tomorrow?", "")

	res := b.do(t, http.MethodGet, "/v1/digest?kb=demo", "", nil)
	require.Equal(t, http.StatusOK, res.status, string(res.body))
	require.Equal(t, "text/markdown; charset=utf-8", res.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(string(res.body), "# Weekly digest: demo\n"), string(res.body))
	require.Contains(t, string(res.body), "- questions answered: **2** (0 the period before)\n")
	require.Contains(t, string(res.body), "- handoff rate: **50.0%** (no questions the period before)\n")

	res = b.do(t, http.MethodGet, "/v1/digest?kb=demo&format=json", "", nil)
	require.Equal(t, http.StatusOK, res.status, string(res.body))
	requireJSON(t, res)
	var d digest.Digest
	require.NoError(t, json.Unmarshal(res.body, &d))
	require.Equal(t, 2, d.This.N)
	require.Equal(t, 1, d.This.Handoffs)

	requireError(t, b.do(t, http.MethodGet, "/v1/digest", "", nil), http.StatusBadRequest, core.CodeInvalid)
	requireError(t, b.do(t, http.MethodGet, "/v1/digest?kb=demo&format=pdf", "", nil), http.StatusBadRequest, core.CodeInvalid)
	requireError(t, b.do(t, http.MethodGet, "/v1/digest?kb=nope", "", nil), http.StatusNotFound, core.CodeKBNotFound)
}
