package bench

import (
	"math/rand/v2"
	"strings"
)

// functionWords head the synthetic vocabulary, roughly in English frequency
// order. Queries never sample them: a user's question keeps its content
// words.
var functionWords = strings.Fields(`
the to and of a you in your is for on it this that be with can or are from
as if by not when will an at all any after before more then than each only
also which may into so up out do does how what there these they we our its
was has have been use using other some new one two must should would could
about over per without while where who both same such very most many`)

// helpNouns, helpVerbs and helpAdjectives follow the function words in the
// vocabulary: the common words of a software help centre. Titles and
// headings are built from them too.
var (
	helpNouns = strings.Fields(`
account settings user team workspace project file folder page button menu
link profile permission role admin member access login session password
email message notification device app browser screen data report dashboard
plan billing invoice payment card subscription trial license seat refund
price tax receipt upload download export import backup restore storage
limit quota usage integration webhook key token domain security error
issue problem request support ticket help guide step option field value
list item name address phone number code time date day week month year
minute hour status version update change feature tool template document
image video audio calendar event task comment label tag group channel
network connection server region history log audit policy rule`)
	helpVerbs = strings.Fields(`
open select choose click tap enter type save delete remove add create edit
enable disable turn connect reset verify confirm check review share invite
assign manage configure install restart sign search filter sort copy move
rename schedule send receive view show hide find contact pay cancel renew
upgrade downgrade allow block sync refresh retry wait start stop set keep
make need want see get try learn note`)
	helpAdjectives = strings.Fields(`
following current default available required optional automatic manual
private public shared active inactive previous next recent primary
secondary custom full free paid monthly annual single multiple right left
top bottom first last general advanced basic secure invalid expired pending
failed successful`)
)

// productNouns name the features of the synthetic products.
var productNouns = strings.Fields(`
Hub Sync Drive Desk Pay Mail Chat Board Vault Forms Notes Flow Cloud Link
Books Studio Connect Insights Monitor Sheets`)

// categories are the top folders of the synthetic help centre.
var categories = strings.Fields(`
getting-started account billing integrations troubleshooting security
admin mobile`)

// tailWords is the size of the vocabulary's long tail of rare,
// pronounceable pseudo-words, standing in for product jargon, error names
// and everything else a real help centre says once or twice.
const tailWords = 8000

// syllable parts of the pseudo-words.
var (
	onsets = strings.Fields("b c d f g h k l m n p r s t v w z br cl dr fl gr pl st tr")
	nuclei = strings.Fields("a e i o u ai ea ou")
	codas  = append([]string{""}, strings.Fields("n r s l t x m")...)
)

// vocabulary is the word list the Zipf draw indexes: function words, then
// help-centre nouns, verbs and adjectives, then the pseudo-word tail. It is the same for every seed,
// so corpora of different seeds differ in text, not in language.
type vocabulary struct {
	words    []string
	function map[string]bool
}

// newVocabulary builds the vocabulary; the tail comes from a fixed seed.
func newVocabulary() *vocabulary {
	v := &vocabulary{function: make(map[string]bool, len(functionWords))}
	seen := map[string]bool{}
	for _, w := range functionWords {
		v.function[w] = true
		v.words, seen[w] = append(v.words, w), true
	}
	for _, list := range [][]string{helpNouns, helpVerbs, helpAdjectives} {
		for _, w := range list {
			if !seen[w] {
				v.words, seen[w] = append(v.words, w), true
			}
		}
	}
	r := rand.New(rand.NewPCG(0x5eed, 0x70ca))
	for n := 0; n < tailWords; {
		if w := pseudoWord(r, 2+r.IntN(2)); !seen[w] {
			v.words, seen[w] = append(v.words, w), true
			n++
		}
	}
	return v
}

// pseudoWord joins n random syllables.
func pseudoWord(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(onsets[r.IntN(len(onsets))])
		b.WriteString(nuclei[r.IntN(len(nuclei))])
		b.WriteString(codas[r.IntN(len(codas))])
	}
	return b.String()
}

// tail returns the pseudo-words.
func (v *vocabulary) tail() []string { return v.words[len(v.words)-tailWords:] }
