package guard

import (
	"regexp"
	"slices"
	"strings"
)

// view selects one of the views a rule runs on.
type view uint8

const (
	viewRaw view = iota
	viewPlain
	viewFolded
	viewCompact
)

func (v *views) get(w view) string {
	switch w {
	case viewRaw:
		return v.raw
	case viewPlain:
		return v.plain
	case viewCompact:
		return v.compact
	}
	return v.folded
}

// rule is one weighted pattern.
type rule struct {
	// id names the rule in tests and debugging; unique.
	id string
	// group, when set, makes rules that catch the same thing in different
	// views (a phrase and its squashed form) count once.
	group  string
	signal string
	weight float64
	view   view
	// need, when set, skips the regexp unless one of these substrings
	// occurs: a cheap prefilter.
	need []string
	re   *regexp.Regexp
	// The vetoes below stand in for the look-arounds RE2 lacks. Each
	// cancels one match, not the rule; a later match may still count.
	//
	// veto is tried on the text right after a match (anchor it with ^):
	// "your instructions for exporting" asks for help, "your
	// instructions." asks for the prompt. keep, when it also matches
	// there, overrides veto ("your content policy for this session").
	veto, keep *regexp.Regexp
	// pre is tried on the text just before a match (anchor it with $):
	// "how can I ignore …" asks whether the speaker may, it orders nothing.
	pre *regexp.Regexp
	// span is tried on the match itself: "my previous instructions" are the
	// speaker's own.
	span *regexp.Regexp
	// unless, when set, is tried on the folded view; if it matches, the
	// rule does not fire ("system prompt" in a text about a terminal).
	unless *regexp.Regexp
	// words, alsoWords and script gate the rule: see gates.go.
	words, alsoWords []string
	script           script
}

func (r *rule) groupKey() string {
	if r.group != "" {
		return r.group
	}
	return r.id
}

// preWindow is how far back, in bytes, pre looks.
const preWindow = 64

// fires reports whether r matches v at least once without a veto.
func (r *rule) fires(v *views) bool {
	text := v.get(r.view)
	if len(r.need) > 0 && !slices.ContainsFunc(r.need, func(n string) bool { return strings.Contains(text, n) }) {
		return false
	}
	if r.unless != nil && r.unless.MatchString(v.folded) {
		return false
	}
	if r.veto == nil && r.pre == nil && r.span == nil {
		return r.re.MatchString(text)
	}
	for _, loc := range r.re.FindAllStringIndex(text, 32) {
		if r.accepts(text, loc[0], loc[1]) {
			return true
		}
	}
	return false
}

func (r *rule) accepts(text string, start, end int) bool {
	if r.span != nil && r.span.MatchString(text[start:end]) {
		return false
	}
	if r.pre != nil && r.pre.MatchString(text[max(0, start-preWindow):start]) {
		return false
	}
	if r.veto != nil {
		rest := text[end:]
		if r.veto.MatchString(rest) && (r.keep == nil || !r.keep.MatchString(rest)) {
			return false
		}
	}
	return true
}

// Building blocks of the English patterns, which run on the folded view
// (lower case, single spaces, ASCII apostrophes).
const (
	gap1 = `(?:\S+\s+){0,1}?`
	gap2 = `(?:\S+\s+){0,2}?`
	gap3 = `(?:\S+\s+){0,3}?`
	gap5 = `(?:\S+\s+){0,5}?`

	overrideVerb = `\b(?:ignore|disregard|forget|override|overwrite|bypass|abandon|discard|overlook|dismiss|scrap|ditch|nevermind|never mind|do not follow|don't follow|dont follow|stop following|no longer follow|set aside|put aside|cast aside|throw out|throw away|pay no attention to|pay no heed to|omit)\s+`
	// pastQualifier points back at what the model was told before.
	pastQualifier  = `(?:previous|previously|prior|above|earlier|preceding|foregoing|former|initial|original)\s+`
	ownerQualifier = `(?:your|all (?:of )?your|the system|system|developer|safety|openai's|anthropic's)\s+`
	strongObject   = `(?:instructions?|prompts?|rules|guidelines|directions|directives|guardrails|programming|constraints|restrictions|training|policies|safeguards|commands)\b`
	revealVerb     = `\b(?:repeat|print|show|reveal|output|display|tell|give|write|dump|leak|disclose|recite|paste|spit out|send|share|copy|echo|return|list|read|quote|expose|type|provide|translate|summari[sz]e|encode|put|render|state|post|emit|spells? out|spelling out|divulge|regurgitate|reproduce)\s+`
	// strongRevealVerb leaves out verbs that also mean writing or moving
	// a prompt of one's own ("write", "copy", "send"): with "the system
	// prompt" and no "your", only a verb of showing is an attack.
	strongRevealVerb = `\b(?:repeat|print|show|reveal|output|display|tell|give|dump|leak|disclose|recite|spit out|echo|expose|spells? out|spelling out|divulge|regurgitate|reproduce)\s+`
	// askingFor vetoes a match followed by a topic: "your instructions for
	// exporting" asks for help, not for the prompt.
	askingFor = `^\s*(?:for|on|about|regarding|to|how|when|if|concerning|re|around)\b`
	// askingWide adds the prepositions that follow a product setting
	// ("override the system prompt per conversation").
	askingWide = `^\s*(?:for|on|about|regarding|to|how|when|if|concerning|re|around|per|with|via|using|from|in|at|by|through|into|between|field|settings?|template|editor|box|page|tab|section|option|feature)\b`
	// mine: the speaker's own earlier instructions.
	mine      = `\b(?:my|our|mine)\b`
	afterMine = `^\s*(?:that |which )?(?:i|we) (?:gave|sent|wrote|provided|left|made|added|entered|set|typed|posted|shared)\b`
	// askingWhether ends a text that asks whether someone other than the
	// model may do what follows: "how can I ignore …", "is it possible
	// to override …". "Can you …" is not in it: that asks the model.
	askingWhether = `(?:\b(?:can|could|should|do|does|would|will|may|must|did) (?:i|we|they|admins?|users?|owners?|agents?|people|one|someone|my team|our team|it|the (?:bot|assistant|widget|chatbot|agent))(?: \S+)?|\bhow (?:do|can|could|should|would|to)(?: i| we)?|\b(?:way|able|possible|want|need|allowed|option|permission|trying|try|how) to|\bi(?:'d| would)? (?:like|want|need) to)\s*$`
	// forSession keeps a match that askingFor would veto: "for this
	// session" scopes an attack, it does not name a topic.
	forSession = `^\s*for\s+(?:this|the rest|now|me|us|the next|the remainder|today|the duration|all future|future)\b`
	// modelNoun names an AI being spoken to.
	modelNoun = `(?:ai|assistant|ai assistant|language models?|large language models?|llms?|chatbots?|bots?|models?|gpts?|chatgpt|claude|copilot|gemini|ai (?:assistants?|models?|systems?|agents?|bots?|readers?|tools?)|automated (?:systems?|agents?|assistants?|readers?))`
)

var (
	vetoAskingFor  = regexp.MustCompile(askingFor)
	vetoAskingWide = regexp.MustCompile(askingWide)
	keepForSession = regexp.MustCompile(forSession)
	vetoMine       = regexp.MustCompile(mine)
	vetoAfterMine  = regexp.MustCompile(afterMine + `|` + askingFor)
	preAsking      = regexp.MustCompile(askingWhether)
	// terminalContext marks "system prompt" as a shell's prompt.
	terminalContext = regexp.MustCompile(`\b(?:terminal|shell|console|bash|zsh|fish|powershell|command[ -]line|cmd(?:\.exe)?|command prompt|cli|ssh|tty|putty|iterm|ps1|dos)\b`)
)

func folded(id, signal string, w float64, pattern string) rule {
	return rule{id: id, signal: signal, weight: w, view: viewFolded, re: regexp.MustCompile(pattern)}
}

func (r rule) vetoed(veto *regexp.Regexp) rule  { r.veto = veto; return r }
func (r rule) kept(keep *regexp.Regexp) rule    { r.keep = keep; return r }
func (r rule) vetoedAsking() rule               { return r.vetoed(vetoAskingFor).kept(keepForSession) }
func (r rule) notAsked() rule                   { r.pre = preAsking; return r }
func (r rule) notMine() rule                    { r.span = vetoMine; return r.vetoed(vetoAfterMine).kept(keepForSession) }
func (r rule) unlessIn(ctx *regexp.Regexp) rule { r.unless = ctx; return r }
func (r rule) grouped(group string) rule        { r.group = group; return r }
func (r rule) needs(subs ...string) rule        { r.need = subs; return r }
func (r rule) on(v view) rule                   { r.view = v; return r }
func compact(id, signal string, w float64, pattern string) rule {
	return folded(id, signal, w, pattern).on(viewCompact)
}

// allRules is every pattern the Detector runs.
var allRules = gated(slices.Concat(overrideRules, revealRules, rolePlayRules, addressedRules, markupRules, i18nRules))

// allRulesPrefilter is allRules' prefilter, built once.
var allRulesPrefilter = newPrefilter(allRules)
