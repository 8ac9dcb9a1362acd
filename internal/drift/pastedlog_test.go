package drift_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/drift"
)

var pastedLogs = []struct{ name, text string }{
	{"go panic", `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]

goroutine 1 [running]:
main.(*Syncer).Run(0x0)
	/home/dev/quillsync/syncer.go:42 +0x1c
main.main()
	/home/dev/quillsync/main.go:17 +0x85`},
	{"go goroutine only", "sync keeps crashing:\ngoroutine 23 [chan receive, 5 minutes]:\ngithub.com/quillstack/agent.(*Pool).wait(...)"},
	{"java npe", `Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "token" is null
	at com.quillstack.sso.SamlHandler.parse(SamlHandler.java:88)
	at com.quillstack.sso.SamlHandler.handle(SamlHandler.java:41)
	at java.base/java.lang.Thread.run(Thread.java:833)`},
	{"java caused by", `org.springframework.web.client.HttpClientErrorException$Unauthorized: 401 Unauthorized
	at org.springframework.web.client.HttpClientErrorException.create(HttpClientErrorException.java:105)
Caused by: com.quillstack.client.AuthException: token expired
	... 12 more`},
	{"python traceback", `Traceback (most recent call last):
  File "/app/export.py", line 27, in <module>
    client.export(project_id)
  File "/usr/lib/python3.12/site-packages/quillstack/client.py", line 310, in export
    raise ApiError(resp.status_code, resp.text)
quillstack.errors.ApiError: 502 Bad Gateway`},
	{"python with question", "Why does the export script fail?\n\nTraceback (most recent call last):\n  File \"run.py\", line 4, in <module>\nKeyError: 'project'"},
	{"node", `TypeError: Cannot read properties of undefined (reading 'id')
    at syncFolder (/srv/app/sync.js:58:23)
    at async Promise.all (index 0)
    at async main (/srv/app/index.js:12:5)`},
	{"dotnet", `System.Net.Http.HttpRequestException: Response status code does not indicate success: 403 (Forbidden).
   at System.Net.Http.HttpResponseMessage.EnsureSuccessStatusCode()
   at Quillstack.Client.ExportAsync(String id) in C:\src\Quillstack\Client.cs:line 88`},
	{"rust", "thread 'main' panicked at src/sync.rs:42:9:\ncalled `Result::unwrap()` on an `Err` value: Timeout"},
	{"nginx access", `203.0.113.7 - - [12/Mar/2025:10:15:32 +0000] "POST /v1/export HTTP/1.1" 504 167 "-" "quillstack-cli/2.3.1"
203.0.113.7 - - [12/Mar/2025:10:15:40 +0000] "POST /v1/export HTTP/1.1" 504 167 "-" "quillstack-cli/2.3.1"`},
	{"nginx error", `2025/03/12 10:15:32 [error] 3121#3121: *8812 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 203.0.113.7`},
	{"apache error", `[Wed Mar 12 10:15:32.123456 2025] [proxy:error] [pid 4242] AH00957: HTTP: attempt to connect to 10.0.0.5:8080 failed`},
	{"json pretty", `{
  "error": {
    "code": "rate_limited",
    "message": "Too many requests",
    "retry_after": 30
  }
}`},
	{"json inline after question", `the export endpoint returns {"error":"invalid_grant","error_description":"refresh token expired"} what now?`},
	{"curl verbose", `*   Trying 198.51.100.4:443...
* Connected to api.quillstack.com (198.51.100.4) port 443
> GET /v1/projects HTTP/2
> Host: api.quillstack.com
< HTTP/2 401
< content-type: application/json`},
	{"http response", "HTTP/1.1 503 Service Unavailable\nContent-Type: text/html\nRetry-After: 120\n\n<html><body>maintenance</body></html>"},
	{"timestamp level", "2025-03-12T10:15:32.481Z ERROR sync/worker.go:88 sync failed code=QS-SYNC-409 folder=/Shared/Design"},
	{"python logging", "2025-03-12 10:15:32,481 - quillstack.sync - WARNING - retrying upload (attempt 3)\n2025-03-12 10:15:40,002 - quillstack.sync - ERROR - upload failed"},
	{"logfmt", `time=2025-03-12T10:15:32Z level=error msg="webhook delivery failed" status=500 attempt=3`},
	{"klog", "E0312 10:15:32.481234       1 controller.go:114] failed to sync secret quillstack/sso-cert"},
	{"syslog", "Mar 12 10:15:32 laptop quillsyncd[4121]: sync aborted: QS-SYNC-409 conflict on /Users/ana/Quill"},
	{"level first", "[ERROR] 2025-03-12 10:15:32 webhook signature mismatch"},
	{"psql", `ERROR:  duplicate key value violates unique constraint "users_email_key"
DETAIL:  Key (email)=(ana@example.com) already exists.`},
	{"code js", "const res = await fetch(url, {\n  method: 'POST',\n  headers: { Authorization: `Bearer ${token}` },\n});\nconsole.log(await res.json());"},
	{"code python", "import quillstack\nclient = quillstack.Client(api_key=KEY)\nfor p in client.projects():\n    print(p.id)"},
	{"php", "PHP Fatal error:  Uncaught Exception: sync failed in /var/www/sync.php:12\nStack trace:\n#0 /var/www/index.php(4): sync()\n#1 {main}"},
	{"ruby", "NoMethodError: undefined method `id' for nil\napp/services/export.rb:31:in `call'\napp/jobs/export_job.rb:9:in `perform'"},
	{"docker compose", "api-1  | 2025-03-12T10:15:32Z ERROR webhook delivery failed status=500"},
	{"json lines", "{\"level\":\"error\",\"msg\":\"sync failed\"}\n{\"level\":\"info\",\"msg\":\"retrying\"}"},
	{"powershell", "Invoke-RestMethod : The remote server returned an error: (401) Unauthorized.\nAt line:1 char:1\n+ Invoke-RestMethod -Uri https://api.quillstack.com/v1/me"},
	{"shell session", "$ quillstack sync --all\nError: QS-SYNC-409 conflict\n$ quillstack --version\n2.3.1"},
}

var notPastedLogs = []string{
	"How do I download my invoice for March?",
	"I get QS-SYNC-409 when syncing",
	"Sync fails with error QS-SYNC-409: conflict, what does that mean?",
	"Why does the API return 429 Too Many Requests?",
	"Error 500 on /v1/export since yesterday",
	"What does HTTP/1.1 403 mean in your docs?",
	"Since 2025-03-12 10:15 my exports fail",
	"ERROR: can't log in, please help",
	"How do I call GET /v1/projects with curl?",
	"pip install quillstack fails on Windows, any idea?",
	"The app says \"Something went wrong (code E1023)\" when I open settings",
	"My token looks like qs_live_abc123, is that the right format?",
	"Is there a limit of 10,000 rows for CSV export?",
	"Hi!\n\nWe moved to Okta last week. Since then SSO fails for half the team.\n\nThanks, Ana",
	"Two questions:\n- can I pay yearly?\n- is VAT included?",
	"Where do I find the webhook secret (Settings > API)?",
	"What's the difference between the Team and Business plans?",
	"I see 'Error: token expired' when logging in",
	"TypeError in the dashboard when I click export",
	"The API returns {\"ok\":false} sometimes",
	"Can I set timeout=30 in the config file?",
	"Wie kann ich meine Rechnung herunterladen? Fehler QS-BILL-402",
	"同期エラー QS-SYNC-409 が表示されます",
	"at home (since 10:30) sync doesn't work",
	"Our SSO config: IdP = Okta, ACS URL = https://app.quillstack.com/sso/acs, is that right?",
	"I tried:\n1. logging out\n2. clearing the cache (Ctrl+Shift+R)\n3. another browser\nstill broken",
	"Why is my bill $49 (not $29)?",
	"Can you explain what status=409 and code=QS-SYNC-409 mean?",
	"Login() doesn't work",
	"[urgent] export broken since the update to 2.3.1",
}

func TestIsPastedLog(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(pastedLogs), 20)
	require.GreaterOrEqual(t, len(notPastedLogs), 20)
	for _, c := range pastedLogs {
		require.True(t, drift.IsPastedLog(c.text), "%s:\n%s", c.name, c.text)
	}
	for _, text := range notPastedLogs {
		require.False(t, drift.IsPastedLog(text), "%q", text)
	}
}
