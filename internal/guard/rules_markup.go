package guard

import (
	"regexp"
	"strings"
)

func plain(id, signal string, w float64, pattern string) rule {
	return folded(id, signal, w, pattern).on(viewPlain)
}

// markupRules catch structure smuggled into text: chat-template tokens,
// closing tags of the prompt's own sections, fake headers, and
// instructions to put data into URLs. They run on the plain view, where
// leetspeak is not undone (URLs and tags keep their digits).
var markupRules = []rule{
	plain("chat_template_token", SignalDelimiter, 0.8,
		`<\|\s*(?:im_start|im_end|im_sep|endoftext|end_of_text|system|assistant|user|eot_id|start_header_id|end_header_id|begin_of_text|eos|bos|fim_[a-z]+|tool|ipython|developer)\s*\|>`).needs("<|").grouped("chat_token"),
	plain("chat_template_generic", SignalDelimiter, 0.6, `<\|[a-z_]{2,24}\|>`).needs("<|").grouped("chat_token"),
	plain("inst_tag", SignalDelimiter, 0.7, `\[/?inst\]|<<\s*/?sys\s*>>`).needs("inst]", "sys"),
	plain("bracket_role", SignalDelimiter, 0.4,
		`\[\s*(?:system|admin|developer|sys|assistant)\s*(?:override|message|note|instructions?|command|prompt)\s*\]`).needs("[").grouped("bracket_role"),
	plain("bracket_role_weak", SignalDelimiter, 0.3, `\[/?\s*(?:system|sys|assistant|admin|administrator|developer|operator|root|sudo)\s*\]`).needs("[").grouped("bracket_role"),
	plain("closing_section_tag", SignalDelimiter, 0.6,
		`</\s*(?:passages?|retrieved(?:_[a-z]+)?|context(?:_[a-z]+)?|documents?|search_results?|kb|knowledge(?:_base)?|tool_(?:output|result|response)|function_results?|user_(?:query|input|message|question)|untrusted(?:_[a-z]+)?|system(?:_prompt|_message)?|instructions?|prompt|chunks?|excerpts?|snippets?|sources?|question|query)\s*>`).needs("</"),
	plain("opening_control_tag", SignalDelimiter, 0.45,
		`<\s*(?:system|system_prompt|system_message|instructions?|admin|developer|sys|prompt|assistant|new_instructions|override)(?:\s[^>\n]{0,60})?>`).needs("<"),
	plain("compound_control_tag", SignalDelimiter, 0.55,
		`</?\s*(?:[a-z]+_)+(?:instructions?|system|prompt|directives?|override|admin|developer)(?:_[a-z]+)*\s*>|</?\s*(?:admin|developer|system|operator)_(?:[a-z]+_)*[a-z]+\s*>`).needs("_"),
	plain("markdown_role_header", SignalDelimiter, 0.55,
		`(?m)^\s*#{1,6}\s*(?:system|assistant|developer|admin|system prompt|system message|new system prompt|new instructions|new rules|instructions for (?:the )?(?:ai|assistant|model|llm|bot)|override|jailbreak)\s*(?:override)?\s*:?\s*$`).needs("#"),
	plain("alpaca_header", SignalDelimiter, 0.5, `(?m)^\s*#{2,4}\s*(?:instruction|response|input)\s*:`).needs("#"),
	plain("section_boundary", SignalDelimiter, 0.55,
		`[=\-#*~_<>\[\]|{}]{2,}\s*(?:end|close|closing|begin|start|beginning|stop)\s+(?:of\s+)?(?:the\s+)?(?:system\s+(?:prompt|message|instructions)|context|passages?|documents?|retrieved\s+\w+|user\s+(?:input|message|query|data|content)|instructions|prompt|untrusted\s+\w+|input|search\s+results|knowledge\s+base|conversation|transcript)\b|\b(?:end|close|closing|begin|start|beginning|stop)\s+(?:of\s+)?(?:the\s+)?(?:system\s+(?:prompt|message|instructions)|context|passages?|documents?|retrieved\s+\w+|user\s+(?:input|message|query|data|content)|instructions|prompt|untrusted\s+\w+|search\s+results|knowledge\s+base)\s*[=\-#*~_<>\[\]|{}]{2,}`),
	plain("section_end_sentence", SignalDelimiter, 0.45,
		`(?:^|[.!?]\s+)(?:end|close) of (?:the )?(?:passages?|context|documents?|retrieved \w+|search results|knowledge base|system prompt|instructions|user input|untrusted \w+)\s*(?:[.:!\n]|$)`),
	plain("role_command", SignalDelimiter, 0.5,
		`\b(?:system|admin|administrator|developer|root|sudo|security|priority|official|openai|anthropic|model)\s*(?:override|command|instructions?|directives?)\s*[:\]!-]`),
	plain("json_role", SignalDelimiter, 0.5, `"role"\s*:\s*"(?:system|developer|assistant)"`).needs(`"role"`),
	folded("exfiltrate_instruction", SignalExfiltration, 0.65,
		`\b(?:send|post|upload|forward|transmit|leak|exfiltrate|append|add|include|embed|encode|put|insert|attach)\s+`+gap5+`(?:the |this |our |my |their |all |your )?(?:conversation|chat(?: history| log)?|previous messages|message history|user'?s? (?:data|email|messages|details|information|password|name|address)|(?:system )?prompt|api keys?|secrets?|credentials|passwords?|session (?:token|cookie)|cookies?|personal (?:data|information))\s+`+gap5+`(?:to|into|in|as|via|onto)\s+(?:the |a |an |this |that |my )?(?:url|link|image|query (?:string|parameter)|markdown(?: image)?|https?:)`),
	folded("secret_request", SignalExfiltration, 0.45,
		`\b(?:disclose|reveal|list|share|dump|print|show|send|give me|output|leak|expose)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:stored|saved|internal|configured|known|other users'?|customers'?)\s+(?:api keys?|passwords|credentials|secrets|tokens|private keys|access keys)\b`),
	folded("render_image_url", SignalExfiltration, 0.3,
		`\b(?:render|display|show|output|include|insert|embed|load|fetch)\s+(?:an? |this |the following )?(?:markdown )?image\b[^\n]{0,80}(?:https?://|url)`),
}

var (
	roleLine     = regexp.MustCompile(`(?m)^\s*(system|assistant|ai|developer|sys|model|user|human)\s*:`)
	mdImage      = regexp.MustCompile(`!\[[^\]\n]{0,200}\]\(\s*<?([^\s)>]+)`)
	mdLink       = regexp.MustCompile(`\[[^\]\n]{0,200}\]\(\s*<?([^\s)>]+)`)
	htmlImg      = regexp.MustCompile(`<img\b[^>]{0,200}?\bsrc\s*=\s*["']?([^"'\s>]+)`)
	bareURL      = regexp.MustCompile(`https?://[^\s"'<>)\]]+`)
	placeholder  = regexp.MustCompile(`\{[^}\s]{0,40}\}|\[[a-z_ ]{2,40}\]|<[a-z_ ]{2,40}>|\$\{?[a-z_]{2,}\}?|%7b|%5b|%3c|\.\.\.|xxx`)
	exfilParam   = regexp.MustCompile(`[?&](?:data|secret|secrets|prompt|system|conversation|convo|history|chat|summary|password|pwd|pass|token|key|apikey|api_key|email|info|message|msg|payload|content|text|leak|exfil|q|d|c|p|s|m|x)=`)
	exfilSubject = regexp.MustCompile(`conversation|history|chat|summary|secret|prompt|password|token|api_?key|credential|messages|context|instruction|personal|private|data`)
)

// probeTranscript scores fake conversation turns: lines that start with
// role names. "System:" alone is common in pasted device details, so it
// is weak; "System:" with "Assistant:" is a forged transcript.
func probeTranscript(v views, h hits) {
	if !strings.Contains(v.plain, ":") {
		return
	}
	roles := map[string]bool{}
	for _, m := range roleLine.FindAllStringSubmatch(v.plain, 64) {
		roles[m[1]] = true
	}
	system := roles["system"] || roles["sys"] || roles["developer"]
	assistant := roles["assistant"] || roles["ai"] || roles["model"]
	user := roles["user"] || roles["human"]
	switch {
	case system && assistant:
		h.add("transcript", SignalDelimiter, 0.55)
	case assistant && user:
		h.add("transcript", SignalDelimiter, 0.4)
	case system:
		h.add("transcript", SignalDelimiter, 0.25)
	}
}

// probeLinks scores URLs built to carry data out: an image (fetched
// without a click) or link whose URL holds a placeholder such as {data} or
// a query parameter named for secrets.
func probeLinks(v views, h hits) {
	text := v.plain
	if !strings.Contains(text, "http") && !strings.Contains(text, "//") {
		return
	}
	for _, re := range []*regexp.Regexp{mdImage, htmlImg} {
		for _, m := range re.FindAllStringSubmatch(text, 16) {
			url := m[1]
			switch {
			case !strings.Contains(url, "//"):
			case placeholder.MatchString(url):
				h.add("exfil_image", SignalExfiltration, 0.8)
			case exfilParam.MatchString(url):
				h.add("exfil_image", SignalExfiltration, 0.5)
			case strings.Contains(url, "?"):
				h.add("exfil_image", SignalExfiltration, 0.25)
			}
		}
	}
	for _, m := range mdLink.FindAllStringSubmatch(text, 16) {
		if strings.Contains(m[1], "//") && placeholder.MatchString(m[1]) {
			h.add("exfil_link", SignalExfiltration, 0.6)
		}
	}
	for _, url := range bareURL.FindAllString(text, 16) {
		_, query, ok := strings.Cut(url, "?")
		if !ok {
			continue
		}
		if p := placeholder.FindString(query); p != "" && exfilSubject.MatchString(p) {
			h.add("exfil_url", SignalExfiltration, 0.45)
		}
	}
}
