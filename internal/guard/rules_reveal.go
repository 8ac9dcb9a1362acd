package guard

import "regexp"

// promptNoun names the model's own instructions, after "your".
const promptNoun = `(?:system prompt|system message|prompt|instructions|rules|guidelines|directives|programming|configuration|config|pre-?prompt|meta-?prompt|initial prompt|context|system instructions|hidden instructions|guidance|orders|briefing|setup (?:message|prompt|instructions))`

// promptQualifier is an adjective that marks instructions as the model's
// hidden ones.
const promptQualifier = `(?:full|entire|complete|exact|original|initial|hidden|secret|internal|system|first|setup|configuration|opening|starting)`

// revealRules catch attempts to make the model print its prompt.
var revealRules = []rule{
	folded("reveal_your", SignalRevealPrompt, 0.7,
		revealVerb+gap5+`your (?:(?:full|entire|complete|exact|whole|original|initial|hidden|secret|internal|current|first|system|base|starting|confidential|configuration|setup)\s+)*`+promptNoun+`\b`).vetoedAsking().grouped("reveal_phrase"),
	folded("reveal_system_prompt", SignalRevealPrompt, 0.6,
		strongRevealVerb+`(?:(?:me|us|back|out|again|now|exactly|verbatim)\s+){0,2}(?:(?:the|this|that|its|your|ur|all|all of the|all of your)\s+)?(?:(?:system|initial|original|hidden|secret|internal|developer|pre|meta|master|base|starting|full|entire|complete|whole|confidential|exact)\s?)+prompts?\b`).
		vetoed(vetoAskingWide).kept(keepForSession).notAsked().unlessIn(terminalContext).grouped("reveal_phrase"),
	folded("reveal_system_instructions", SignalRevealPrompt, 0.6,
		strongRevealVerb+`(?:(?:me|us|back|out|again|now|exactly|verbatim)\s+){0,2}(?:(?:the|this|that|its|any|all|all of the)\s+)?(?:system|hidden|secret|internal|developer|confidential|initial) (?:instructions|directives|message|rules|guidelines)\b`).
		vetoed(vetoAskingWide).kept(keepForSession).notAsked().unlessIn(terminalContext).grouped("reveal_phrase"),
	// Code-call form: print(system_prompt).
	folded("reveal_call", SignalRevealPrompt, 0.6,
		`\b(?:print|echo|console\.log|puts|dump|output|reveal|show|display|return|cat)\s*\(\s*['"]?(?:system_?prompt|instructions|prompt|initial_prompt|hidden_prompt|config)\b`).needs("(").grouped("reveal_phrase"),
	folded("reveal_above", SignalRevealPrompt, 0.65,
		revealVerb+gap3+`(?:everything|all|anything|the (?:(?:hidden|secret|full|entire|whole|exact|original|initial|first|invisible|system)\s+)?(?:text|words|content|message|messages|lines?|sentences?|paragraphs?|instructions?|prompt|conversation|context|stuff|information)|what(?:'s| is| was) written|the first \S+ (?:words|lines|sentences|characters|tokens))\s+(?:(?:you|i|we)\s+(?:see|saw|have|had|got|were given|received|read)\s+|(?:that|which)\s+(?:came|comes|appears?|appeared|is|was|were|sits|goes)\s+)?(?:above|before (?:this|that|my|the (?:first|user|human)|the user's)|prior to (?:this|my)|preceding (?:this|my)|so far|at the (?:start|beginning|top)|you were (?:given|told|provided)|in your (?:context|memory|prompt)|from (?:the )?(?:start|beginning|top))\b`).
		vetoed(regexp.MustCompile(`^\s*(?:(?:the|a|an|my|your|this|that|it|each|every|our|their|its)\b|\d)`)).
		kept(regexp.MustCompile(`^\s*(?:this|that|my|the|your) (?:line|message|point|sentence|request|conversation|prompt|one|first (?:message|question|prompt|input)|question|input)\b`)).grouped("reveal_phrase"),
	folded("what_developer_wrote", SignalRevealPrompt, 0.5,
		`\b(?:everything|anything|what|all)\s+(?:that\s+)?(?:the |your )?(?:developers?|operators?|system|admins?|creators?|company|owners?|makers?|programmers?)\s+(?:wrote|said|told|gave|sent|typed|instructed|put)\b`).grouped("reveal_phrase"),
	folded("first_message", SignalRevealPrompt, 0.35,
		`\b(?:first|initial|opening|earliest)\s+(?:message|prompt|turn|instruction)s?\s+(?:in|of)\s+(?:this|the|our)\s+(?:chat|conversation|context|session)\b`),
	folded("respond_with_contents", SignalRevealPrompt, 0.3,
		`\b(?:respond|reply|answer)\s+with\s+(?:the\s+)?(?:full\s+|exact\s+)?(?:contents?|text)\s+of\b`),
	folded("summary_of_your_prompt", SignalRevealPrompt, 0.55,
		`\b(?:tl;?dr|summary|gist|recap|overview|outline|paraphrase|rundown|synopsis)\s+of\s+your\s+(?:\S+\s+)?`+promptNoun+`\b`).vetoedAsking().grouped("reveal_phrase"),
	folded("secret_in_prompt", SignalRevealPrompt, 0.5,
		`\b(?:password|secret|secret word|key|code|passphrase|flag|token)s?\s+(?:\S+\s+){0,2}?in\s+your\s+(?:system\s+)?(?:prompt|instructions|rules|context|configuration)\b`),
	folded("complete_the_sentence", SignalRevealPrompt, 0.55,
		`\b(?:complete|continue|finish)\s+(?:the|this)\s+(?:sentence|text|phrase|line)\b[^\n]{0,40}\b(?:my|your)\s+(?:instructions|prompt|rules|system prompt|guidelines)\b`),
	folded("prompt_line", SignalRevealPrompt, 0.5,
		`\b(?:first|opening|last|initial)\s+(?:line|lines|word|words|sentence|sentences|paragraph|characters?)\s+(?:of\s+)?(?:your|its|the|that)\s+(?:system prompt|prompt|instructions)\b|\b(?:system prompt|prompt|instructions)\b[^.?!\n]{0,40}\b(?:its|their)\s+(?:first|opening|last)\s+(?:line|word|sentence|words)\b`),
	folded("prompt_already_leaked", SignalRevealPrompt, 0.5,
		`\byour\s+(?:system\s+)?(?:prompt|instructions)\s+(?:has|have|was|were|is|are)\s+(?:already\s+)?(?:been\s+)?(?:already\s+)?(?:leaked|public|published|exposed|known|out)\b|\bno harm in (?:showing|sharing|revealing|telling|repeating)\b`),
	folded("top_of_context", SignalRevealPrompt, 0.6,
		`\b(?:words|text|content|lines?|sentences?|instructions|message) (?:at|in|on) the (?:very )?(?:top|start|beginning) of (?:your|the) (?:context|prompt|instructions|memory|conversation|input|context window)\b`).grouped("reveal_phrase"),
	folded("instructions_you_were_given", SignalRevealPrompt, 0.6,
		`\b(?:instructions?|rules?|prompts?|guidelines?|directives?|orders) (?:that )?(?:you were|you've been|you have been|were you|have you been) (?:given|told|programmed|provided|fed|instructed|trained|initiali[sz]ed|configured|prompted)\b`),
	folded("what_is_your_prompt", SignalRevealPrompt, 0.65,
		`\bwhat(?:'s| is| was| are| were| does| did| do)? (?:in |inside |written in |contained in |the content of |the contents of )?your (?:`+promptQualifier+`\s+)*(?:system prompt|system message|prompt|pre-?prompt)\b|\bwhat(?:'s| is| was| are| were| does| did| do)? (?:in |inside |written in |contained in |the content of |the contents of )?your (?:`+promptQualifier+`\s+)+(?:message|instructions|rules)\b`).
		vetoed(regexp.MustCompile(`^\s*(?:for|on|about|regarding|to|how|when|if|concerning)\b`)).grouped("reveal_phrase"),
	folded("what_are_your_rules", SignalRevealPrompt, 0.35,
		`\bwhat (?:are|were|is) your (?:instructions|rules|guidelines|directives|orders|programming|constraints|restrictions|limitations)\b|\bwhat (?:rules|instructions|guidelines|restrictions) (?:do|must|did) you (?:follow|obey|have|operate under|abide by)\b`).vetoedAsking(),
	folded("told_you_to", SignalRevealPrompt, 0.45,
		`\bwhat (?:\S+\s+){0,6}?told you to (?:say|do|answer|tell|write|respond)\b|\b(?:who|that) (?:built|made|created|trained|programmed|designed|configured) you told you\b`),
	folded("verbatim", SignalRevealPrompt, 0.4,
		`\b(?:verbatim|word[- ]for[- ]word|word by word|exactly as (?:written|given|stated|(?:it|they) (?:was|were|is|are) written)|in (?:its|their) entirety|character for character|without (?:any )?(?:changes|modifications?|omissions?|summari[sz]ing|paraphrasing)|in full)\b.*\b(?:instructions|prompt|rules|guidelines|directives|everything|above|message)\b|\b(?:instructions|prompt|rules|guidelines|directives|everything|above|message)\b.*\b(?:verbatim|word[- ]for[- ]word|word by word|in (?:its|their) entirety|character for character|in full)\b`),
	folded("starting_with_you_are", SignalRevealPrompt, 0.55,
		`\b(?:start|begin|starting|beginning)(?:ning)? (?:with|from|at) ['"]?(?:you are|you're|your instructions|system:|i am an? |as an ai|the system prompt|my instructions)`),
	folded("reformat_prompt", SignalRevealPrompt, 0.6,
		`\b(?:put|place|wrap|format|output|write|print|return|encode|convert|rewrite|translate|render|display|show|give|spell)\s+`+gap3+`(?:your|the (?:above|previous|system|initial|original|hidden)|all (?:of )?(?:your|the above))\s+`+gap2+`(?:instructions|prompt|rules|text|guidelines|directives|messages?|content)\s+`+gap3+`(?:in|into|inside|as|within|using)\s+(?:a |an |the )?(?:code ?block|markdown|json|base64|yaml|xml|hex|rot13|poem|song|story|list|numbered list|table|haiku|acrostic|reverse|backwards|pig latin|leetspeak)\b|\b(?:spell|write|print|output|say|repeat)\s+(?:out\s+)?your (?:\S+\s+)?(?:prompt|instructions|rules) (?:backwards|in reverse|reversed|one (?:character|letter|word) at a time)\b`),
	folded("state_every_rule", SignalRevealPrompt, 0.45,
		`\b(?:state|list|enumerate|recite|name|tell me)\s+(?:every|each|all|all of the|all your)\s+(?:rules?|instructions?|guidelines?|directives?|constraints?)\s+(?:you|that you)\b`),
	folded("before_conversation", SignalRevealPrompt, 0.35,
		`\bbefore (?:this|the|our) (?:conversation|chat|session) (?:started|began|begun|start)\b|\bbefore my first (?:message|question|prompt|input)\b`),
	folded("how_were_you_told", SignalRevealPrompt, 0.45,
		`\b(?:what|how) (?:were|was|have|did|has) you (?:been )?(?:told|instructed|programmed|prompted|configured|briefed)\b`),
	folded("your_system_prompt", SignalRevealPrompt, 0.45,
		`\byour (?:system|setup|initial|original|hidden|secret|starting|opening|configuration|config|developer|pre|meta|full|complete|entire|whole|exact)[ -]?(?:prompt|message|instructions|text|note|directives)\b`),
	folded("reveal_conversation_start", SignalRevealPrompt, 0.45,
		`\b(?:repeat|print|output|display|recite|reproduce|echo|dump)\s+`+gap3+`(?:the |this |our |your )?(?:beginning|start|top|first (?:part|message|line|lines|sentence|paragraph)) of (?:this|the|our|your) (?:conversation|context|prompt|session|context window)\b`),
	folded("reveal_confidential", SignalRevealPrompt, 0.6,
		`\b(?:reveal|leak|disclose|expose|divulge|dump|spill)\s+`+gap3+`(?:your|the|any|all)?\s*(?:confidential|secret|hidden|internal|private|system)\s+(?:instructions|prompt|configuration|rules|directives|guidelines)\b`).vetoedAsking(),
	compact("reveal_compact", SignalRevealPrompt, 0.7,
		`(?:reveal|print|show|repeat|output|display|dump|leak|recite)(?:me|us)?(?:your|the)(?:full|entire|complete|whole|hidden|secret|initial|original)?(?:systemprompt|initialprompt|hiddenprompt|systeminstructions|secretinstructions)`).
		needs("systemprompt", "initialprompt", "hiddenprompt", "systeminstructions", "secretinstructions").grouped("reveal_phrase").
		unlessIn(regexp.MustCompile(terminalContext.String() + `|\b(?:reveal|print|show|repeat|output|display|dump|leak|recite)\s+[a-z]`)),
}
