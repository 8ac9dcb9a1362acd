package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/auth"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

// Every console route but sign-in and the static files needs a session:
// without one a page sends the browser to sign in and a form is refused.
func TestConsoleRoutesNeedSession(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	var routes []string
	b := serve(t, kit, secured(kit), func(d *httpapi.Deps) {
		for _, r := range httpapi.New(*d).Routes() {
			if strings.HasPrefix(r.Path, "/console") && (r.Method == http.MethodGet || r.Method == http.MethodPost) {
				routes = append(routes, r.Method+" "+r.Path)
			}
		}
	})
	require.Len(t, routes, 23)
	cb := &consoleBundle{bundle: b}
	br := cb.browser(t)
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		path = strings.NewReplacer(":id", "1", ":kb", "demo", "*", "console.css").Replace(path)
		var p page
		if method == http.MethodGet {
			p = br.get(path)
		} else {
			p = br.post(path, url.Values{"csrf": {"x"}})
		}
		switch {
		case strings.HasPrefix(path, "/console/static/") || path == "/console/signin":
			require.Contains(t, []int{http.StatusOK, http.StatusForbidden}, p.status, r)
		case method == http.MethodGet:
			require.Equal(t, http.StatusSeeOther, p.status, r)
			require.True(t, strings.HasPrefix(p.location(), "/console/signin?next="), r)
		default:
			require.Equal(t, http.StatusUnauthorized, p.status, r)
		}
	}
}

func TestConsoleEvaluationAndDrift(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	set, err := eval.LoadGolden(testkit.RepoRoot() + "/goldenset/demo.jsonl")
	require.NoError(t, err)
	set.Cases = set.Cases[:4]
	for range 2 {
		_, err := kit.EvalRunner().Run(context.Background(), kit.EvalParams(kit.KB(t, "demo"), set, "cli"))
		require.NoError(t, err)
	}
	report, err := json.Marshal(map[string]any{"insufficient": false, "alert": true,
		"signals":   []map[string]any{{"name": "pasted_logs", "metric": "rate_delta", "value": 0.38, "threshold": 0.1, "z": 5.2, "alert": true, "detail": "share of pasted logs 3% → 41%"}},
		"new_terms": []map[string]any{{"term": "kubectl", "recent_count": 12, "reference_count": 0, "lift": 9}}})
	require.NoError(t, err)
	_, err = kit.Store.SaveDriftReport(context.Background(), testkit.Tenant, "demo", true, report)
	require.NoError(t, err)
	b := &consoleBundle{bundle: serve(t, kit, withConsole(kit), func(d *httpapi.Deps) {
		d.Eval, d.Drift = app.EvalRuns{Runner: kit.EvalRunner()}, kit.Store
		d.Console.EvalQueue = kit
	})}
	b.admin, _ = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"admin"}})
	br := b.browser(t)
	br.signIn(b.admin)

	p := br.get("/console/eval")
	require.Equal(t, http.StatusOK, p.status)
	requireStrictPage(t, p)
	require.Equal(t, 2, strings.Count(p.body, `">HTML report</a>`))
	require.Contains(t, p.body, `aria-label="pass_rate over the last runs`)
	require.Regexp(t, `<polyline points="0\.0,[\d.]+ 320\.0,[\d.]+"`, p.body, "two runs, left to right")
	require.Contains(t, p.body, `aria-label="recall@k over the last runs`)

	var id int64
	require.NoError(t, dbtest.Owner(t, kit.Store).QueryRow(context.Background(), `SELECT max(id) FROM eval_runs`).Scan(&id))
	p = br.get("/console/eval/runs/" + itoa(int(id)) + "/report")
	require.Equal(t, http.StatusOK, p.status)
	require.Equal(t, "default-src 'none'; style-src 'unsafe-inline'; img-src data:", p.header.Get("Content-Security-Policy"))
	require.Contains(t, p.body, "<html")
	require.Equal(t, http.StatusNotFound, br.get("/console/eval/runs/999999/report").status)

	p = br.post("/console/eval/run", url.Values{"kb": {"demo"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Contains(t, br.get(p.location()).body, "Evaluation run started.")
	p = br.post("/console/eval/run", url.Values{"kb": {"demo"}})
	require.Contains(t, br.get(p.location()).body, "already waiting or running")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM river_job WHERE kind = 'eval_golden' AND args->>'kb' = 'demo'
		AND args->>'tenant' = 'default' AND args->>'baseline' = 'pinned'`))

	p = br.get("/console/drift")
	require.Equal(t, http.StatusOK, p.status)
	requireStrictPage(t, p)
	for _, want := range []string{"demo · ", `<span class="error">alert</span>`, "pasted_logs", "share of pasted logs 3% → 41%",
		"kubectl", "(12 recent, 0 before)"} {
		require.Contains(t, p.body, want)
	}
}
