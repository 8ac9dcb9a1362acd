package guard

// unlimited describes a persona without limits.
const unlimited = `(?:no|zero|without(?: any)?|free of|unbound by) (?:restrictions|rules|filters|limits|limitations|guidelines|ethics|morals|boundaries|censorship|guardrails|safety|content polic(?:y|ies))`

// rolePlayRules catch personas and games meant to lift restrictions.
var rolePlayRules = []rule{
	folded("pretend", SignalRolePlay, 0.3,
		`\b(?:pretend|imagine|suppose|assume)\s+(?:that\s+)?(?:you are|you're|you were|to be|you have|you can)\b`),
	folded("act_unrestricted", SignalRolePlay, 0.65,
		`\b(?:act|behave|respond|answer|reply|speak|talk|write|function|operate|roleplay|role-play|role play)\s+(?:as|like)\s+(?:if\s+)?(?:you\s+(?:are|were|have|had)\s+)?`+gap5+`(?:unrestricted|unfiltered|uncensored|evil|jailbroken|amoral|unethical|rogue|malicious|`+unlimited+`)\b`),
	folded("pretend_no_rules", SignalRolePlay, 0.55,
		`\b(?:pretend|imagine|suppose|assume|let's say|act as if)\s+(?:that\s+)?(?:there (?:are|is|were|was)|you (?:have|had))\s+no\s+(?:rules|restrictions|guidelines|limits|limitations|filters|policy|policies|guardrails|instructions)\b`),
	plain("unlimited_latin", SignalRolePlay, 0.3,
		`\b(?:sin|sans|ohne|senza|sem|zonder)\s+(?:\S+\s+)?(?:restricciones|limites|reglas|filtros|censura|restrictions|regles|filtres|censure|einschrankungen|regeln|filter|grenzen|zensur|restrizioni|limiti|regole|filtri|restricoes|regras|beperkingen|regels)\b`),
	plain("unlimited_ru", SignalRolePlay, 0.3, `без (?:каких-либо )?(?:ограничений|правил|фильтров|цензуры)`),
	compact("unlimited_cjk", SignalRolePlay, 0.3, `(?:不受|没有|沒有|无|無)(?:任何)?(?:限制|规则|規則|约束|約束)|制限(?:の|が)?(?:ない|なし|無し)`),
	compact("zh_anything", SignalOverride, 0.3, `你(?:现在|現在)?可以(?:回答|说|說|做)任何`),
	folded("role_play_game", SignalRolePlay, 0.3,
		`\b(?:role-?play|roleplay|role play)(?:\s*:|\s+(?:as|a|an|with|game|scenario)\b)|\blet's play a (?:game|role)\b|\byou will (?:now )?(?:play|act as|be) (?:the role|a character|my)\b`),
	folded("stay_in_character", SignalRolePlay, 0.45,
		`\b(?:stay in character|never break character|don't break character|do not break character|remain in character|stay in role)\b`),
	folded("grandma", SignalRolePlay, 0.45,
		`\b(?:grandma|grandmother|granny|nana|grandpa|grandfather)\b[^\n]{0,160}?\b(?:used to|would always|would|always)\s+(?:read|tell|told|recite|recited|sing|sang|say|said|whisper|whispered|give|gave|share|shared|list|listed)\b`),
	folded("deceased_relative", SignalRolePlay, 0.3,
		`\b(?:deceased|late|dead|departed|passed)\s+(?:grandma|grandmother|granny|nana|grandpa|grandfather|mother|father|mom|dad)\b`),
	folded("no_restrictions", SignalRolePlay, 0.3,
		`\b(?:no|without|zero|free of|free from|unbound by|not bound by) (?:any )?(?:restrictions|limitations|filters|censorship|content polic(?:y|ies)|ethical (?:guidelines|constraints|boundaries|limits)|moral (?:guidelines|constraints|limits)|safety (?:guidelines|filters|rules)|rules or (?:restrictions|limitations)|guardrails)\b`),
	folded("unfiltered_persona", SignalRolePlay, 0.3,
		`\b(?:unfiltered|uncensored|unrestricted|amoral|unhinged|unaligned|unchained)\b`),
	folded("no_longer_ai", SignalRolePlay, 0.6,
		`\byou(?: are|'re) no longer (?:an? )?(?:ai|assistant|chatbot|bot|language model|llm|bound|restricted|limited)\b`),
	folded("evil_twin", SignalRolePlay, 0.5,
		`\b(?:evil|opposite|unhinged|chaos|chaotic) (?:twin|version of yourself|alter ego|persona|ai|assistant|gpt|bot|character)\b`),
	folded("two_responses", SignalRolePlay, 0.6,
		`\b(?:two|2|both) (?:responses|answers|ways|replies)\b[^\n]{0,120}\b(?:jailbroken|dan|developer mode|unfiltered|uncensored|evil)\b`),
}

// addressedRules catch text that speaks to an AI reading it. They are weak
// in questions (users legitimately say "when answering, always use metric
// units") and are what InstructionLike flags in documents.
var addressedRules = []rule{
	folded("note_to_model", SignalAddressedToModel, 0.3,
		`\b(?:note|message|instructions?|reminder|notice|attention|psa|memo|directive|warning)\s*(?:to|for)\s+(?:the |any |all |every |an? )?`+modelNoun+`\b|\b(?:attention|hey|dear|hello|note|psa|warning),?\s+(?:the |any |all )?`+modelNoun+`\s*[:!]`),
	folded("model_colon_directive", SignalAddressedToModel, 0.35,
		`(?m)(?:^|[.!?'"]\s+|['"])\s*(?:dear |hey |hi |attention |to )?`+modelNoun+`\s*[:,!]+\s*(?:please\s+)?(?:ignore|disregard|always|never|you must|you should|do not|don't|forget|say|tell|respond|answer|reply|recommend|include|from now on|when|if|stop|make sure|remember|new rule|new instructions?)\b`),
	folded("if_you_are_ai", SignalAddressedToModel, 0.45,
		`\b(?:if|when|in case) you(?:'re| are) (?:an? |the )?(?:ai|language model|llm|chatbot|large language model|assistant|ai assistant|automated (?:system|agent|assistant)|bot|gpt|chatgpt|model|machine|robot)\b`),
	folded("model_reading_this", SignalAddressedToModel, 0.45,
		`\b(?:ai|llms?|language models?|assistants?|chatbots?|models?|bots?|agents?|crawlers?|gpts?|ai systems?|ai tools?|scrapers?)\s+(?:that (?:is|are) |who (?:is|are) )?(?:reading|processing|summari[sz]ing|parsing|indexing|analy[sz]ing|ingesting|scraping|seeing) (?:this|these)\b`),
	folded("when_answering_always", SignalAddressedToModel, 0.3,
		`\bwhen (?:answering|responding|replying|summari[sz]ing|you answer|you respond|you reply|you summari[sz]e|asked|users ask|a user asks|customers ask|someone asks|generating)\b[^.\n]{0,80}?[, ]\s*(?:you (?:must|should|will) |please |make sure to )?(?:always|never|only|must)\s+(?:say|tell|state|claim|mention|recommend|respond|answer|reply|include|add|direct|refer|insist|deny|suggest|link|use|output|write|praise|promote|advise)\b`),
	folded("model_must", SignalAddressedToModel, 0.35,
		`\b(?:ai|assistant|language model|llm|chatbot)s?\s+(?:must|should|shall|will) (?:always|never|ignore|disregard|say|tell|respond|answer|recommend|include)\b`),
	folded("hidden_note_for_model", SignalAddressedToModel, 0.4,
		`\b(?:hidden|secret|invisible) (?:instructions?|message|text|prompt|note) (?:for|to) (?:the )?(?:ai|assistant|model|llm|bot|chatbot)\b`),
}
