package guard

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// acceptedQuestions are realistic support questions, including what users
// paste: stack traces, JSON, logs, URLs, error codes, other scripts, emoji.
var acceptedQuestions = []string{
	"How do I reset my password?",
	"ok",
	"??",
	"Why was I charged twice this month?",
	"I'm getting error QS-SYNC-409 when I save a document. What does it mean?",
	"Error 0x80070643 during install",
	"ERR_CONNECTION_REFUSED on https://app.example.com/login?next=%2Fdashboard",
	"https://app.example.com/api/v2/items?page=2&limit=50&sort=-created_at",
	"Order #12345 still says processing after 6 days, where is it?",
	"192.168.1.10:8080 → 502 Bad Gateway",
	"{\"error\":{\"code\":\"rate_limited\",\"message\":\"Too many requests\",\"retry_after\":30}}",
	"{\"id\":12345,\"ts\":1699999999,\"v\":[1,2,3]}",
	"Getting this:\nException in thread \"main\" java.lang.NullPointerException\n\tat com.acme.sync.Client.connect(Client.java:88)\n\tat com.acme.sync.Main.main(Main.java:14)",
	"Traceback (most recent call last):\n  File \"/usr/lib/python3.11/site-packages/acme/cli.py\", line 42, in main\n    client.login(token)\nacme.errors.AuthError: 401 Unauthorized",
	"203.0.113.7 - - [12/Mar/2024:10:22:01 +0000] \"POST /v1/chat HTTP/1.1\" 502 157 \"-\" \"curl/8.4.0\"",
	"2024-03-12T10:22:01.123Z ERROR [sync] worker=3 job=8812 status=409 retry=2/5",
	"psql output:\n id | name  | plan\n----+-------+------\n  1 | acme  | pro\n  2 | beta  | team\n(2 rows)",
	"=====================================================================\nBUILD FAILED\n=====================================================================",
	"    at Object.<anonymous> (/srv/app/index.js:12:9)\n    at Module._compile (node:internal/modules/cjs/loader:1256:14)",
	"SELECT * FROM orders WHERE id = 42; -- returns nothing",
	"kubectl get pods -n acme\nNAME                      READY   STATUS             RESTARTS   AGE\nacme-agent-7d9f8c-x2x4z   0/1     CrashLoopBackOff   12         10m",
	"sha256 mismatch: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"v1.2.3 → v1.3.0 broke the import, 10.0.19045.3693 Windows build",
	"如何重置我的密码？我收不到验证邮件。",
	"同步一直卡在99%，错误代码 QS-SYNC-409，怎么办？",
	"كيف يمكنني إعادة تعيين كلمة المرور؟ لا يصلني البريد.",
	"Как сбросить пароль, если я не помню почту?",
	"मैं अपना पासवर्ड कैसे बदलूं? ईमेल नहीं आ रहा है।",
	"パスワードを忘れました。どうすればいいですか？",
	"비밀번호를 잊어버렸어요. 어떻게 재설정하나요?",
	"Comment exporter mes factures en PDF ?",
	"Wie kann ich mein Abo kündigen?",
	"ฉันจะรีเซ็ตรหัสผ่านได้อย่างไร",
	"App keeps logging me out every 5 minutes 😡😡 please help, I have a deadline today 🙏",
	"Hi! Love the product ❤️ Quick question: can I share a board with someone outside my team? 🤔",
	"😭😭😭 my files are gone 😭😭😭",
	"👍",
	"Help!!!!!!!!!! It's broken!!!!!!",
	"hahahaha ok that worked, thanks",
	"The total is $1,299.00 (incl. 20% VAT) but I expected €1.099,00",
	"Phone: +1 (555) 123-4567, ticket: 2024-0113-88",
	"Can you explain the difference between the Team and Business plans? We have 25 seats.",
	"Is my data stored in the EU (Frankfurt) or the US (us-east-1)?",
	"#!/bin/bash\nset -euo pipefail\ncurl -fsSL https://example.com/install.sh | sh",
	"md5: d41d8cd98f00b204e9800998ecf8427e",
	"AAAA record for app.example.com points to 2001:db8::1, is that right?",
	"The CSV has 10,000 rows; the export cuts off at 9,999",
	"Tab\tseparated\tvalues\tlook\tweird\tin\tthe\tpreview",
	"Lines are CRLF\r\nin the export\r\nis that expected?",
}

// rejectedQuestions are inputs CheckQuestion refuses, with the reason.
var rejectedQuestions = []struct {
	name, q string
	want    Reason
}{
	{"empty", "", ReasonEmpty},
	{"spaces", "     ", ReasonEmpty},
	{"whitespace mix", " \t\n\r\n ", ReasonEmpty},
	{"zero-width only", "\u200b\u200b\ufeff", ReasonEmpty},
	{"ideographic space", "\u3000\u3000", ReasonEmpty},
	{"too long ascii", strings.Repeat("How do I reset my password? ", 600), ReasonTooLong},
	{"too long runes", strings.Repeat("密码", 8001), ReasonTooLong},
	{"too long and invalid", strings.Repeat("\xff", 64001), ReasonTooLong},
	{"invalid utf8", "reset my password \xff\xfe please", ReasonInvalidUTF8},
	{"truncated rune", "caf\xc3", ReasonInvalidUTF8},
	{"nul byte", "reset\x00password", ReasonControlChars},
	{"bell", "hello\x07world", ReasonControlChars},
	{"escape", "\x1b[31mred\x1b[0m text", ReasonControlChars},
	{"c1 control", "price\u0085list", ReasonControlChars},
	{"replacement char", "caf\ufffd au lait", ReasonControlChars},
	{"delete", "abc\x7fdef", ReasonControlChars},
	{"same letter", "a" + strings.Repeat("a", 40), ReasonFlood},
	{"same emoji", strings.Repeat("😂", 35), ReasonFlood},
	{"exclamations", "help" + strings.Repeat("!", 45), ReasonFlood},
	{"short pattern", strings.Repeat("asdf", 20), ReasonFlood},
	{"laughing", strings.Repeat("ha", 40), ReasonFlood},
	{"repeated word", strings.Repeat("refund ", 25), ReasonFlood},
	{"repeated word with filler", strings.Repeat("spam spam spam eggs ", 8), ReasonFlood},
	{"cjk run", strings.Repeat("好", 31), ReasonFlood},
	{"symbol soup", "#$%^&*()!@#$%^&*()!@#", ReasonGarbled},
	{"digits and symbols", "1/2/3/4/5/6/7/8/9/0/1/2/3/4", ReasonGarbled},
	{"emoji only", "🙏🙏🔥🔥💯💯👍👍🎉🎉😀😀", ReasonGarbled},
	{"box drawing", "┌─┐│ │└─┘┌─┐│ │└─┘", ReasonGarbled},
	{"punctuation", "?!?!?!...???!!!,,,;;;", ReasonGarbled},
}

func TestCheckQuestionAccepts(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(acceptedQuestions), 40)
	for _, q := range acceptedQuestions {
		require.Nil(t, CheckQuestion(q, QuestionLimits{}), "%q", q)
	}
}

func TestCheckQuestionRejects(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(rejectedQuestions), 20)
	for _, tc := range rejectedQuestions {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rej := CheckQuestion(tc.q, QuestionLimits{})
			require.NotNil(t, rej)
			require.Equal(t, tc.want, rej.Reason)
			require.NotEmpty(t, rej.Message)
			require.Equal(t, rej.Message, rej.Error())
		})
	}
}

func TestCheckQuestionLimits(t *testing.T) {
	t.Parallel()
	q := strings.Repeat("é", 10) // 10 runes, 20 bytes
	require.Nil(t, CheckQuestion(q, QuestionLimits{MaxChars: 10}), "the limit counts runes, not bytes")
	rej := CheckQuestion(q+"é", QuestionLimits{MaxChars: 10})
	require.NotNil(t, rej)
	require.Equal(t, ReasonTooLong, rej.Reason)
	require.Contains(t, rej.Message, "10 characters")

	long := strings.Repeat("How do I reset my password? ", DefaultMaxQuestionChars/28+1)
	require.Equal(t, ReasonTooLong, CheckQuestion(long, QuestionLimits{}).Reason, "zero MaxChars means the default")
	require.Equal(t, ReasonTooLong, CheckQuestion(long, QuestionLimits{MaxChars: -1}).Reason)
	require.Nil(t, CheckQuestion(long, QuestionLimits{MaxChars: 2 * DefaultMaxQuestionChars}))
}

func TestCheckQuestionMessagesDoNotEchoInput(t *testing.T) {
	t.Parallel()
	for _, tc := range rejectedQuestions {
		rej := CheckQuestion(tc.q, QuestionLimits{})
		if strings.TrimSpace(tc.q) != "" {
			require.NotContains(t, rej.Message, tc.q, tc.name)
		}
	}
}

func TestCheckQuestionFloodEdges(t *testing.T) {
	t.Parallel()
	require.Nil(t, CheckQuestion(strings.Repeat("a", runLimit-1)+" ok", QuestionLimits{}), "just under the run limit")
	require.NotNil(t, CheckQuestion(strings.Repeat("a", runLimit)+" ok", QuestionLimits{}), "at the run limit")
	require.Nil(t, CheckQuestion("log:\n"+strings.Repeat("-", separatorRunLimit-1)+"\nend", QuestionLimits{}), "separator rule")
	require.NotNil(t, CheckQuestion("log:\n"+strings.Repeat("-", separatorRunLimit+1)+"\nend", QuestionLimits{}))
	require.Nil(t, CheckQuestion("indent:\n"+strings.Repeat(" ", 60)+"deep", QuestionLimits{}))
	// Under the token rule's minimum of words, and not periodic.
	require.Nil(t, CheckQuestion("refund refund please refund now refund the refund refund", QuestionLimits{}))
}

func TestCheckQuestionUnicodeSeparators(t *testing.T) {
	t.Parallel()
	for _, sep := range []string{"—", "–", "―", "‐", "━", "═", "＝", "－", "・", "…", "〜", "～", "\u200b", "\u3000"} {
		rule := strings.Repeat(sep, 42)
		require.Nil(t, CheckQuestion("同步失败，怎么办？\n"+rule, QuestionLimits{}), "rule of %q", sep)
		require.Nil(t, CheckQuestion(rule+"\nSync fails, what now?\n"+rule, QuestionLimits{}), "rules of %q", sep)
		require.Equal(t, ReasonFlood, CheckQuestion("sync fails\n"+strings.Repeat(sep, separatorRunLimit+1), QuestionLimits{}).Reason,
			"a rule of %q past the separator limit", sep)
	}
}

func TestCheckQuestionMojibake(t *testing.T) {
	t.Parallel()
	// 文字化け decoded as Latin-1: the C1 control U+0081 follows the
	// Latin-1 reading of a UTF-8 lead byte.
	require.Nil(t, CheckQuestion("ファイル名が「æ–‡å\u00ad—åŒ–ã\u0081‘」になります", QuestionLimits{}))
	require.Nil(t, CheckQuestion("the title shows as Ã\u0083Â© instead of é", QuestionLimits{}))
	// A C1 control anywhere else is still refused.
	require.Equal(t, ReasonControlChars, CheckQuestion("price\u0085list", QuestionLimits{}).Reason)
	require.Equal(t, ReasonControlChars, CheckQuestion("\u0081 at the start", QuestionLimits{}).Reason)
}

func TestNormalizeQuestion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		notes          []Note
	}{
		{"plain", "How do I reset my password?", "How do I reset my password?", nil},
		{"zero-width", "search misses in\u200bvoice\ufeff", "search misses invoice", []Note{NoteInvisible}},
		{"rule", "同步失败\n" + strings.Repeat("—", 42), "同步失败\n———", []Note{NoteSeparatorRun}},
		{"short rule kept", "a --- b", "a --- b", nil},
		{"spaces kept", "id |    name", "id |    name", nil},
		// The soft hyphen of 字's mojibake is invisible too.
		{"mojibake", "shows æ–‡å\u00ad—åŒ–ã\u0081‘", "shows æ–‡å—åŒ–ã‘", []Note{NoteInvisible, NoteMojibake}},
		{"all", "x\u200b\n" + strings.Repeat("=", 50) + "\nã\u0082¢", "x\n===\nã¢", []Note{NoteInvisible, NoteMojibake, NoteSeparatorRun}},
		{"emoji run kept", "👎👎👎👎👎👎👎👎👎", "👎👎👎👎👎👎👎👎👎", nil},
	}
	for _, tc := range cases {
		got, notes := NormalizeQuestion(tc.in)
		require.Equal(t, tc.want, got, tc.name)
		require.Equal(t, tc.notes, notes, tc.name)
	}
}
