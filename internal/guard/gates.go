package guard

import (
	"strings"
	"unicode"
)

// Gates make the Detector fast. Go's regexp engine has no literal
// prefilter for patterns that start with an alternation, so running every
// pattern over every text costs milliseconds. Each rule is therefore gated:
// it runs only if the text holds one of its key words as a whole token
// (ruleWords), or characters of the script it is written in (ruleScripts).
// A gate must be implied by the pattern — a word every match contains — so
// that it changes speed, never results; TestGatesDoNotChangeScores checks
// that on the corpora.

// script is a bit set of writing systems present in a text.
type script uint8

const (
	scriptCJK script = 1 << iota // Han, kana, Hangul
	scriptCyrillic
	scriptArabic
	scriptDevanagari
)

// scriptsOf returns the scripts that occur in s.
func scriptsOf(s string) script {
	var m script
	for _, r := range s {
		if r < 0x400 {
			continue
		}
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			m |= scriptCJK
		case unicode.Is(unicode.Cyrillic, r):
			m |= scriptCyrillic
		case unicode.Is(unicode.Arabic, r):
			m |= scriptArabic
		case unicode.Is(unicode.Devanagari, r):
			m |= scriptDevanagari
		}
	}
	return m
}

// tokensOf returns the set of words (runs of letters and digits) of the
// given texts.
func tokensOf(texts ...string) map[string]struct{} {
	set := map[string]struct{}{}
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			set[w] = struct{}{}
		}
	}
	return set
}

// Key word lists shared by several rules.
var (
	overrideVerbWords = []string{"ignore", "disregard", "forget", "override", "overwrite", "bypass", "abandon", "discard",
		"overlook", "dismiss", "scrap", "ditch", "nevermind", "mind", "follow", "following", "aside", "throw", "attention", "heed", "omit"}
	ignoreWords    = []string{"ignore", "disregard", "forget"}
	modelWords     = []string{"ai", "assistant", "assistants", "language", "model", "models", "llm", "llms", "chatbot", "chatbots", "bot", "bots", "gpt", "gpts", "chatgpt", "claude", "copilot", "gemini", "automated", "machine", "robot", "agents", "agent", "crawlers", "crawler", "scrapers", "scraper"}
	followWords    = []string{"follow", "obey", "listen", "adhere", "comply", "respect", "honor", "honour", "abide"}
	filterWords    = []string{"filters", "filter", "guardrails", "guardrail", "safeguards", "safeguard", "restrictions", "censorship", "moderation", "alignment", "safety", "content", "limitations"}
	promptNounWord = []string{"prompt", "instructions", "rules", "guidelines", "directives", "programming", "configuration", "config", "preprompt", "pre", "metaprompt", "meta", "context", "guidance", "orders", "briefing", "setup", "message"}
)

// ruleWords lists, per rule, the words one of which every match contains.
var ruleWords = map[string][]string{
	"override_past": overrideVerbWords, "override_owner": overrideVerbWords, "override_given": overrideVerbWords,
	"override_all": overrideVerbWords, "override_all_rules": overrideVerbWords, "override_everything": overrideVerbWords,
	"override_the":                overrideVerbWords,
	"supersedes":                  {"overrides", "supersedes", "replaces", "precedence", "cancels", "voids", "invalidates", "trumps"},
	"ignore_sources":              ignoreWords,
	"ignore_what_sources_say":     ignoreWords,
	"everything_before_void":      {"void", "invalid", "cancelled", "canceled", "null", "irrelevant", "obsolete", "revoked", "deleted", "meaningless", "valid"},
	"update_your_instructions":    {"update", "change", "modify", "rewrite", "edit", "replace", "amend", "overwrite", "reprogram", "reset"},
	"regardless_of_instructions":  {"regardless", "irrespective", "matter", "even", "despite", "spite"},
	"rules_lifted":                {"lifted", "removed", "disabled", "suspended", "off", "waived", "deactivated", "turned"},
	"sandbox_claim":               {"environment", "mode", "session", "context"},
	"authorized_by_creators":      {"authorized", "authorised", "approved", "allowed", "permitted", "cleared", "instructed"},
	"you_are_mine_now":            {"now"},
	"forget_everything":           {"forget"},
	"forget_training":             {"forget"},
	"insert_into_answers":         {"answer", "answers", "response", "responses", "replies", "output", "outputs"},
	"priority_command":            {"command", "commands", "instruction", "instructions", "directive", "directives", "order", "orders", "override", "overrides", "message", "messages", "update", "updates"},
	"new_instructions":            {"instruction", "instructions", "rules", "rule", "task", "directive", "directives", "prompt", "orders", "objective", "mission", "policy"},
	"here_new_instructions":       {"here"},
	"you_are_now_strong":          {"now"},
	"you_are_now":                 {"now"},
	"reprogrammed":                {"been"},
	"updated":                     {"been"},
	"ignore_and_do":               ignoreWords,
	"ignore_question_and_do":      ignoreWords,
	"respond_to_every":            {"every", "all", "each", "any"},
	"always_tell_users":           {"always", "never", "now"},
	"obey_me":                     {"obey", "follow", "listen"},
	"not_those_instructions":      {"not"},
	"may_now":                     {"now"},
	"authority_claim":             {"user"},
	"from_now_on":                 {"now", "moment", "point", "henceforth"},
	"new_role":                    {"new", "only", "real", "true", "actual"},
	"do_not_follow":               followWords,
	"do_not_follow_these":         followWords,
	"rules_no_longer_apply":       {"apply", "valid", "effect", "active", "relevant", "matter"},
	"not_bound":                   {"bound", "restricted", "limited", "constrained", "governed", "required", "obligated", "subject"},
	"no_rules":                    {"no"},
	"can_do_anything":             {"anything"},
	"bad_mode":                    {"mode"},
	"developer_mode":              {"developer"},
	"enable_developer_mode":       {"developer"},
	"developer_mode_enabled":      {"developer"},
	"jailbreak":                   {"jailbreak"},
	"jailbreak_strong":            {"jailbreak", "jailbroken"},
	"do_anything_now":             {"anything"},
	"system_prompt_mention":       {"system", "systemprompt", "systemprompts"},
	"admin_override":              {"override", "overrides"},
	"override_code":               {"override"},
	"i_am_your_developer":         {"developer", "creator", "administrator", "admin", "owner", "programmer", "operator", "maker", "trainer", "developers", "creators", "administrators", "admins", "owners", "programmers", "operators", "makers", "trainers"},
	"stop_being_assistant":        {"being", "acting", "pretending", "act", "persona", "voice", "routine", "facade", "mask"},
	"disable_your_filters":        filterWords,
	"disable_filters":             {"safety", "content", "citation", "moderation", "ethical", "moral"},
	"decode_and_follow":           {"decode", "decrypt", "decipher", "unscramble", "reverse", "rot13", "rot", "base64", "translate"},
	"encoded_instructions":        {"base64", "base", "hex", "hexadecimal", "rot13", "rot", "encoded", "encrypted", "obfuscated", "reversed", "caesar"},
	"reveal_your":                 promptNounWord,
	"reveal_system_prompt":        {"prompt", "prompts"},
	"reveal_system_instructions":  {"system", "hidden", "secret", "internal", "developer", "confidential", "initial"},
	"reveal_above":                {"above", "before", "prior", "preceding", "far", "start", "beginning", "top", "given", "told", "provided", "context", "memory", "prompt"},
	"what_developer_wrote":        {"wrote", "said", "told", "gave", "sent", "typed", "instructed", "put"},
	"first_message":               {"first", "initial", "opening", "earliest"},
	"respond_with_contents":       {"respond", "reply", "answer"},
	"summary_of_your_prompt":      {"tl", "dr", "tldr", "summary", "gist", "recap", "overview", "outline", "paraphrase", "rundown", "synopsis"},
	"secret_in_prompt":            {"password", "passwords", "secret", "secrets", "key", "keys", "code", "codes", "passphrase", "flag", "flags", "token", "tokens"},
	"complete_the_sentence":       {"complete", "continue", "finish"},
	"prompt_line":                 {"first", "opening", "last", "initial"},
	"prompt_already_leaked":       {"leaked", "public", "published", "exposed", "known", "out", "harm"},
	"top_of_context":              {"top", "start", "beginning"},
	"instructions_you_were_given": {"given", "told", "programmed", "provided", "fed", "instructed", "trained", "initialized", "initialised", "configured", "prompted"},
	"what_is_your_prompt":         {"what", "whats"},
	"what_are_your_rules":         {"what"},
	"told_you_to":                 {"told"},
	"verbatim":                    {"verbatim", "word", "entirety", "character", "changes", "modification", "modifications", "omission", "omissions", "summarizing", "summarising", "paraphrasing", "full", "exactly"},
	"starting_with_you_are":       {"start", "begin", "starting", "beginning"},
	"reformat_prompt":             {"code", "codeblock", "markdown", "json", "base64", "yaml", "xml", "hex", "rot13", "poem", "song", "story", "list", "table", "haiku", "acrostic", "reverse", "backwards", "pig", "leetspeak", "reversed", "one"},
	"state_every_rule":            {"every", "each", "all"},
	"before_conversation":         {"before"},
	"how_were_you_told":           {"told", "instructed", "programmed", "prompted", "configured", "briefed"},
	"your_system_prompt":          {"your"},
	"reveal_conversation_start":   {"beginning", "start", "top", "first"},
	"reveal_confidential":         {"reveal", "leak", "disclose", "expose", "divulge", "dump", "spill"},
	"pretend":                     {"pretend", "imagine", "suppose", "assume"},
	"act_unrestricted":            {"act", "behave", "respond", "answer", "reply", "speak", "talk", "write", "function", "operate", "roleplay", "role"},
	"pretend_no_rules":            {"pretend", "imagine", "suppose", "assume", "say", "act"},
	"unlimited_latin":             {"sin", "sans", "ohne", "senza", "sem", "zonder"},
	"role_play_game":              {"roleplay", "role", "play", "game", "character", "will"},
	"stay_in_character":           {"character", "role"},
	"grandma":                     {"grandma", "grandmother", "granny", "nana", "grandpa", "grandfather"},
	"deceased_relative":           {"deceased", "late", "dead", "departed", "passed"},
	"no_restrictions":             {"no", "without", "zero", "free", "unbound", "bound"},
	"unfiltered_persona":          {"unfiltered", "uncensored", "unrestricted", "amoral", "unhinged", "unaligned", "unchained"},
	"no_longer_ai":                {"longer"},
	"evil_twin":                   {"evil", "opposite", "unhinged", "chaos", "chaotic"},
	"two_responses":               {"responses", "answers", "ways", "replies"},
	"note_to_model":               modelWords,
	"model_colon_directive":       modelWords,
	"if_you_are_ai":               modelWords,
	"model_reading_this":          modelWords,
	"when_answering_always":       {"when"},
	"model_must":                  modelWords,
	"hidden_note_for_model":       modelWords,
	"opening_control_tag":         {"system", "instructions", "instruction", "admin", "developer", "sys", "prompt", "assistant", "override"},
	"compound_control_tag":        {"instructions", "instruction", "system", "prompt", "directive", "directives", "override", "admin", "developer", "operator"},
	"section_boundary":            {"end", "close", "closing", "begin", "start", "beginning", "stop"},
	"section_end_sentence":        {"end", "close"},
	"role_command":                {"override", "command", "instruction", "instructions", "directive", "directives"},
	"exfiltrate_instruction":      {"url", "link", "image", "query", "markdown", "http", "https"},
	"secret_request":              {"disclose", "reveal", "list", "share", "dump", "print", "show", "send", "give", "output", "leak", "expose"},
	"reveal_call":                 {"print", "echo", "console", "puts", "dump", "output", "reveal", "show", "display", "return", "cat"},
	"render_image_url":            {"image"},
	"fr_override":                 {"ignore", "ignorez", "ignorer", "oublie", "oubliez", "oublier", "tiens", "tenez", "abstraction", "obeis", "obeissez", "desobeis", "desobeissez"},
	"fr_forget_all":               {"oublie", "oubliez", "oublier"},
	"fr_reveal":                   {"revele", "revelez", "reveler", "affiche", "affichez", "afficher", "montre", "montrez", "montrer", "donne", "donnez", "donner", "repete", "repetez", "repeter", "ecris", "ecrit", "ecrivez", "dis", "dites", "imprime", "imprimez", "imprimer", "communique", "communiquez", "communiquer", "recite", "recitez", "reciter", "divulgue", "divulguez", "divulguer"},
	"fr_what":                     {"quel", "quelle", "quels", "quelles"},
	"de_override":                 {"ignoriere", "ignorieren", "ignoriert", "ignorier", "vergiss", "vergesst", "vergessen", "missachte", "missachten", "uberspring", "uberspringe", "uberspringen"},
	"de_forget_all":               {"vergiss"},
	"de_reveal_your":              {"zeig", "zeige", "zeigt", "zeigen", "gib", "geben", "verrate", "verraten", "nenne", "nennen", "wiederhole", "wiederholen", "drucke", "schreib", "schreibe", "offenbare", "enthulle", "teile"},
	"de_reveal_system":            {"zeig", "zeige", "zeigt", "zeigen", "gib", "geben", "verrate", "verraten", "nenne", "wiederhole", "drucke", "offenbare", "enthulle"},
	"de_what":                     {"was"},
	"es_override":                 {"ignora", "ignore", "ignoren", "ignorad", "olvida", "olvide", "olviden", "olvidad", "omite", "omita", "descarta", "descarte", "sigas", "siga", "hagas", "haz"},
	"es_forget_all":               {"olvida", "olvide", "olviden", "olvidad"},
	"es_reveal":                   {"revela", "revele", "revelame", "muestra", "muestrame", "muestre", "muestreme", "dime", "digame", "imprime", "imprima", "repite", "repita", "escribe", "escriba", "ensename", "comparte", "comparta", "dame", "deme", "copia", "recita", "divulga"},
	"es_what":                     {"cual", "cuales"},
	"pt_override":                 {"ignore", "ignora", "ignorem", "esqueca", "esquece", "esquecam", "desconsidere", "desconsidera", "descarte", "siga", "obedeca", "deixe"},
	"pt_forget_all":               {"esqueca", "esquece", "esquecam"},
	"pt_reveal":                   {"revele", "revela", "mostre", "mostra", "diga", "imprima", "repita", "escreva", "exiba", "exibe", "compartilhe", "de", "liste"},
	"pt_what":                     {"qual", "quais"},
	"it_override":                 {"ignora", "ignori", "ignorate", "dimentica", "dimentichi", "dimenticate", "seguire", "segua", "trascura", "tralascia", "lascia"},
	"it_forget_all":               {"dimentica", "dimentichi", "dimenticate"},
	"it_reveal":                   {"rivela", "rivelami", "riveli", "mostra", "mostrami", "mostri", "mostrate", "dimmi", "dica", "stampa", "stampi", "ripeti", "ripeta", "scrivi", "scriva", "elenca", "condividi", "dammi", "dia"},
	"it_what":                     {"qual", "quale", "quali"},
	"nl_override":                 {"negeer", "negeren", "negeert", "vergeet", "vergeten", "volg"},
	"nl_forget_all":               {"vergeet"},
	"nl_reveal_your":              {"toon", "laat", "geef", "herhaal", "print", "vertel", "onthul", "schrijf", "deel", "noem"},
	"nl_reveal_system":            {"toon", "laat", "geef", "herhaal", "print", "vertel", "onthul", "schrijf", "deel"},
	"nl_what":                     {"wat"},
}

// ruleAlsoWords lists, for some rules, a second set of words one of which
// every match also contains.
var ruleAlsoWords = map[string][]string{
	"secret_request":        {"keys", "key", "passwords", "credentials", "secrets", "tokens"},
	"secret_in_prompt":      {"prompt", "instructions", "rules", "context", "configuration"},
	"what_is_your_prompt":   {"prompt", "preprompt", "message", "instructions", "rules"},
	"what_are_your_rules":   {"instructions", "rules", "guidelines", "directives", "orders", "programming", "constraints", "restrictions", "limitations", "follow", "obey", "have", "operate", "abide"},
	"prompt_already_leaked": {"prompt", "instructions", "harm"},
	"your_system_prompt":    {"prompt", "message", "instructions", "text", "note", "directives"},
}

// ruleScripts lists, per rule, the script every match is written in.
var ruleScripts = map[string]script{
	"ru_override": scriptCyrillic, "ru_forget_all": scriptCyrillic, "ru_reveal": scriptCyrillic, "ru_what": scriptCyrillic,
	"unlimited_ru": scriptCyrillic,
	"ar_override":  scriptArabic, "ar_reveal": scriptArabic,
	"hi_override": scriptDevanagari, "hi_reveal": scriptDevanagari,
	"zh_override": scriptCJK, "zh_reveal": scriptCJK, "zh_reveal_system": scriptCJK, "zh_reveal_ba": scriptCJK,
	"zh_what": scriptCJK, "zh_reveal_above": scriptCJK, "zh_you_are_now": scriptCJK, "zh_anything": scriptCJK,
	"unlimited_cjk": scriptCJK, "ja_override": scriptCJK, "ja_reveal": scriptCJK, "ja_what": scriptCJK,
	"ko_override": scriptCJK, "ko_reveal": scriptCJK,
}

// gated returns rules with their gates filled in from ruleWords and
// ruleScripts.
func gated(rules []rule) []rule {
	out := make([]rule, len(rules))
	for i, r := range rules {
		r.words = ruleWords[r.id]
		r.alsoWords = ruleAlsoWords[r.id]
		r.script = ruleScripts[r.id]
		out[i] = r
	}
	return out
}

// open reports whether r's gate lets it run on a text with these tokens
// and scripts.
func (r *rule) open(tokens map[string]struct{}, scripts script) bool {
	if r.script != 0 && scripts&r.script == 0 {
		return false
	}
	return anyToken(tokens, r.words) && anyToken(tokens, r.alsoWords)
}

// anyToken reports whether one of words is in tokens; true when words is
// empty.
func anyToken(tokens map[string]struct{}, words []string) bool {
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if _, ok := tokens[w]; ok {
			return true
		}
	}
	return false
}
