package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/web"
)

func TestWidgetScriptIsServedWithAValidator(t *testing.T) {
	t.Parallel()
	b := newSite(t).bundle
	want, err := web.FS.ReadFile("widget.js")
	require.NoError(t, err)

	res := b.do(t, http.MethodGet, "/widget.js", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/javascript; charset=utf-8", res.header.Get("Content-Type"))
	require.Equal(t, "cross-origin", res.header.Get("Cross-Origin-Resource-Policy"))
	require.Equal(t, "public, max-age=300", res.header.Get("Cache-Control"))
	require.Equal(t, want, res.body)

	again := b.do(t, http.MethodGet, "/widget.js", "", nil, "If-None-Match", res.header.Get("ETag"))
	require.Equal(t, http.StatusNotModified, again.status)
	require.Empty(t, again.body)
}

// Text assets go out gzipped to clients that accept it, and as they are to
// the others; caches keep the two apart (Vary, one ETag each).
func TestStaticAssetsAreGzipped(t *testing.T) {
	t.Parallel()
	b := newSite(t).bundle
	for _, name := range []string{"widget.js", "demo.css"} {
		want, err := web.FS.ReadFile(name)
		require.NoError(t, err)
		plain := b.do(t, http.MethodGet, "/"+name, "", nil, "Accept-Encoding", "identity")
		require.Equal(t, http.StatusOK, plain.status)
		require.Empty(t, plain.header.Get("Content-Encoding"))
		require.Equal(t, "Accept-Encoding", plain.header.Get("Vary"))
		require.Equal(t, want, plain.body)

		gz := b.do(t, http.MethodGet, "/"+name, "", nil, "Accept-Encoding", "br, gzip")
		require.Equal(t, http.StatusOK, gz.status)
		require.Equal(t, "gzip", gz.header.Get("Content-Encoding"))
		require.Equal(t, "Accept-Encoding", gz.header.Get("Vary"))
		require.NotEqual(t, plain.header.Get("ETag"), gz.header.Get("ETag"))
		require.Equal(t, strconv.Itoa(len(gz.body)), gz.header.Get("Content-Length"))
		r, err := gzip.NewReader(bytes.NewReader(gz.body))
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, want, got)
		t.Logf("%s: %d bytes, %d gzipped", name, len(want), len(gz.body))

		head := b.do(t, http.MethodHead, "/"+name, "", nil, "Accept-Encoding", "gzip")
		require.Equal(t, http.StatusOK, head.status)
		require.Empty(t, head.body)
		require.Equal(t, "gzip", head.header.Get("Content-Encoding"))
		require.Equal(t, gz.header.Get("Content-Length"), head.header.Get("Content-Length"))

		again := b.do(t, http.MethodGet, "/"+name, "", nil, "Accept-Encoding", "gzip", "If-None-Match", gz.header.Get("ETag"))
		require.Equal(t, http.StatusNotModified, again.status)
	}
}

func TestDemoPage(t *testing.T) {
	t.Parallel()
	b := newSite(t).bundle
	cases := []struct {
		name, query string
		wantStatus  int
		wantCode    core.Code
		wantBody    []string
	}{
		{"no key configured", "", http.StatusOK, "", []string{
			`<script src="/widget.js" data-key="" data-kb="demo"`, "No widget key is configured", `<li id="billing/refunds.md">Refund Policy</li>`}},
		{"key from the query", "?key=pk_abcdefgh_123&lang=fr", http.StatusOK, "", []string{
			`data-key="pk_abcdefgh_123"`, `data-lang="fr"`, `data-key=&#34;pk_abcdefgh_123&#34;`}},
		{"a key that is not publishable", "?key=sk_abcdefgh_123", http.StatusBadRequest, core.CodeInvalid, nil},
		{"markup in the key", `?key=pk_"><script>alert(1)</script>`, http.StatusBadRequest, core.CodeInvalid, nil},
		{"unknown language", "?key=pk_abcdefgh_123&lang=de", http.StatusBadRequest, core.CodeInvalid, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.do(t, http.MethodGet, "/demo"+tc.query, "", nil)
			if tc.wantCode != "" {
				requireError(t, res, tc.wantStatus, tc.wantCode)
				return
			}
			require.Equal(t, tc.wantStatus, res.status)
			require.Contains(t, res.header.Get("Content-Security-Policy"), "script-src 'self';")
			for _, s := range tc.wantBody {
				require.Contains(t, string(res.body), s)
			}
		})
	}
}

// HEAD answers every page and file a browser or a load balancer GETs
// with GET's status and headers and no body.
func TestHeadAnswersLikeGetWithoutABody(t *testing.T) {
	t.Parallel()
	b := newSite(t).bundle
	for _, tc := range []struct {
		path string
		// sized is true for files whose length is known before sending.
		sized bool
	}{
		{"/widget.js", true}, {"/demo.css", true}, {"/console/static/console.js", true}, {"/console/static/console.css", true},
		{"/demo", false}, {"/healthz", false}, {"/readyz", false}, {"/openapi.json", false}, {"/docs", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			// Set by hand, so the client leaves gzipped bodies as sent.
			get := b.do(t, http.MethodGet, tc.path, "", nil, "Accept-Encoding", "gzip")
			require.Equal(t, http.StatusOK, get.status)
			head := b.do(t, http.MethodHead, tc.path, "", nil, "Accept-Encoding", "gzip")
			require.Equal(t, http.StatusOK, head.status)
			require.Empty(t, head.body)
			require.Equal(t, get.header.Get("Content-Type"), head.header.Get("Content-Type"))
			require.Equal(t, get.header.Get("ETag"), head.header.Get("ETag"))
			require.Equal(t, get.header.Get("Cache-Control"), head.header.Get("Cache-Control"))
			if tc.sized {
				require.Equal(t, strconv.Itoa(len(get.body)), head.header.Get("Content-Length"))
			}
		})
	}
}
