package drift

import (
	"encoding/json"
	"regexp"
	"strings"
)

// strongLog matches lines that only machines write: one is enough. Every
// alternative is anchored at the start of a line, so a question that quotes
// an error inline ("I get HTTP/1.1 403 when…") does not match.
var strongLog = regexp.MustCompile(`(?m)^\s*(?:` + strings.Join([]string{
	// Python
	`Traceback \(most recent call last\):`,
	`File "[^"]+", line \d+`,
	// Go
	`goroutine \d+ \[[a-z ,0-9]+\]:`,
	`(?:panic|fatal error): .+`,
	`(?:/|[A-Za-z]:\\)?[\w./\\@-]+\.go:\d+(?: \+0x[0-9a-f]+)?\s*$`,
	// Java, Kotlin, .NET frames (a dotted method with arguments), JavaScript
	// frames (a file position line:column), .NET "in file:line n".
	`at [\w$` + "`" + `<>]+(?:\.[\w$` + "`" + `<>\[\]-]+){2,}\(.*\)\s*$`,
	`at (?:async )?[\w$.<>\[\] ]+ \((?:file://|/|[A-Za-z]:\\|node:|webpack:|https?://|<anonymous>).*:\d+:\d+\)\s*$`,
	`at (?:async )?(?:file://|/|node:|[A-Za-z]:\\).+:\d+:\d+\s*$`,
	`at .+ in .+:line \d+\s*$`,
	`Caused by: [\w$.]+`,
	`Exception in thread "`,
	`\.\.\. \d+ (?:more|common frames omitted)\s*$`,
	`[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\.[A-Z]\w*(?:Exception|Error)\b`,
	// Rust, Ruby, PHP, PowerShell
	`thread '[^']*' panicked at`,
	`[\w./-]+\.rb:\d+:in ` + "`",
	`PHP (?:Fatal error|Warning|Notice|Parse error):`,
	`#\d+ (?:/|[A-Za-z]:\\|\{main\}).*`,
	`At line:\d+ char:\d+`,
	// Timestamped lines with a level, either order, maybe behind a
	// docker compose prefix ("api-1  | "), and logfmt.
	`(?:[\w.-]+\s+\|\s+)?\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\S*\]?\s+(?:\S+\s+){0,3}\[?(?i:trace|debug|info|warn|warning|error|err|fatal|critical|crit|panic)\b`,
	`\[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]?:?\s+\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`,
	`(?:time|ts|timestamp)=\S+ .*level=\w+`,
	`level=\w+ .*(?:msg|message|error|err)=`,
	// klog and syslog
	`[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ `,
	`[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [\w./-]+(?:\[\d+\])?: `,
	// nginx and Apache: access log, error log
	`\S+ \S+ \S+ \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "`,
	`\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?:emerg|alert|crit|error|warn|notice|info|debug)\]`,
	`\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}\] \[`,
	// HTTP transcripts (curl -v, raw responses)
	`(?:< )?HTTP/\d(?:\.\d)? \d{3}\b`,
	`> (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP/\d`,
	`\* (?:Trying \S+|Connected to |TLSv|ALPN|SSL connection|Connection #\d|Host \S+ was resolved)`,
	// Databases
	`(?:ERROR|FATAL|DETAIL|HINT):\s+.*(?:SQLSTATE|relation|syntax error|violates|column)`,
}, "|") + `)`)

// weakLog matches lines that look machine-made but that a person might also
// type ("ERROR: cannot log in", "return x;"): a text needs at least two such
// lines, making up at least a third of its lines.
var weakLog = regexp.MustCompile(`^\s*(?:` + strings.Join([]string{
	`\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`,
	`\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s`,
	`\[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]?[:\s]`,
	`[A-Z]\w*(?:Error|Exception|Warning):`,
	`[<>]? ?(?i:content-type|content-length|date|server|host|user-agent|accept|authorization|set-cookie|cache-control|connection|location|vary|retry-after|www-authenticate|x-[\w-]+): `,
	`(?:func|def|class|import|from|package|const|let|var|return|public|private|static|async|await|try|catch|except|finally|#include|if|for|while|else)\b.*[;:{}()=]\s*$`,
	`(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER)\s+.*\b(?:FROM|INTO|SET|TABLE|WHERE)\b`,
	`"[^"]+"\s*:\s*\S`,
	`\{"[\w.-]+":`,
	`[{}\[\]()]+[;,]?\s*$`,
	`.*[;{]\s*$`,
	`\$ \S+`,
	`(?:import|from)\s+[\w.]+(?:\s+import\s+[\w., ]+)?\s*$`,
	`[\w.\[\]'"]+\s*=\s*.+[;)\]}]\s*$`,
	`[\w.]+\(.*\);?\s*$`,
	`(?:\w+=\S+\s+){2,}`,
}, "|") + `)`)

// IsPastedLog reports whether text contains machine output pasted by a
// user: a stack trace (Go, Java, Python, JavaScript, .NET, Rust, Ruby, PHP,
// PowerShell), log lines with a timestamp and a level, logfmt, klog, syslog,
// nginx or Apache lines, a database error, an HTTP transcript (status line,
// curl -v), a JSON document, or a few lines of code or shell session. A
// question may surround the paste.
//
// It decides per line. One line that only a machine writes (a traceback
// header, a frame "at com.x.Y(Y.java:12)", "2024-05-01T10:00:00Z ERROR …",
// "HTTP/1.1 502 Bad Gateway" at the start of a line) is enough. Lines a
// person might also type ("ERROR: cannot log in", "return x;") count only
// when there are at least two and they make at least a third of the
// lines. A JSON object or array counts when it has at least two members or
// 40 bytes. A plain question that mentions an error code, a status or a
// date inline ("I get QS-SYNC-409 when syncing", "why HTTP 429?") is not a
// pasted log.
//
// Limits: a single pasted line a person could have typed ("ERROR sync
// failed") is not recognised; two lines starting with a date and time are,
// even when typed; a log format none of the patterns knows needs two weak
// lines (timestamps, levels, key=value, code punctuation) to be caught.
func IsPastedLog(text string) bool {
	if !mayBeLog(text) {
		return false
	}
	if strongLog.MatchString(text) || hasJSONBlob(text) {
		return true
	}
	if strings.Count(strings.TrimSpace(text), "\n") == 0 {
		return false // weak lines need company
	}
	lines, weak := 0, 0
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		lines++
		if weakLog.MatchString(line) {
			weak++
		}
	}
	return weak >= 2 && 3*weak >= lines
}

// mayBeLog is a cheap filter: every pattern needs a digit or one of a few
// punctuation marks, and most questions have neither.
func mayBeLog(text string) bool {
	return strings.ContainsAny(text, "0123456789:;{}()[]=<>$*\"\t")
}

// hasJSONBlob reports whether text holds a JSON object or array from its
// first '{' or '[' to its last '}' or ']' with at least two members or 40
// bytes.
func hasJSONBlob(text string) bool {
	start := strings.IndexAny(text, "{[")
	end := strings.LastIndexAny(text, "}]")
	if start < 0 || end <= start {
		return false
	}
	blob := text[start : end+1]
	if !json.Valid([]byte(blob)) {
		return false
	}
	if len(blob) >= 40 {
		return true
	}
	var v any
	if json.Unmarshal([]byte(blob), &v) != nil {
		return false
	}
	switch v := v.(type) {
	case map[string]any:
		return len(v) >= 2
	case []any:
		return len(v) >= 2
	}
	return false
}
