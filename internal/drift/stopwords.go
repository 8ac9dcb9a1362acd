package drift

import "strings"

// langSet is a set of Latin-script languages, one bit per entry of
// latinLanguages.
type langSet uint8

// latinLanguages are the languages DetectLanguage tells apart by stop
// words, in bit order of langSet.
var latinLanguages = [...]string{"en", "de", "fr", "es", "pt", "it", "nl"}

// stopWordLists are each language's most frequent function words, plus the
// greetings and courtesies that open support questions: they say which
// language a question is in and nothing about its topic. A word may belong
// to several languages ("in", "de", "a"). English also lists contraction
// stems ("doesn" of "doesn't"), because tokens split at apostrophes.
var stopWordLists = [len(latinLanguages)]string{
	// en
	`a about above after again against all also am an and any anyone are as at
	be because been before being below between both but by can cannot could did
	do does doing done down during each either else ever every few for from
	further get gets getting got had has have having he her here hers him his how
	i if in into is it its itself just let like me more most much must my myself
	need needs no nor not now of off on once one only or other our ours out over
	own please same she should since so some someone still such than that the
	their theirs them then there these they this those through to too trying tried
	under until up very want wants was way we were what when where whether which
	while who whom why will with within without would yet you your yours yourself
	hi hello hey thanks thank dear regards anybody something anything everything
	don doesn didn isn aren wasn weren haven hasn hadn won wouldn couldn shouldn
	ll ve re im ive dont doesnt cant isnt wont didnt`,
	// de
	`aber alle allem allen aller alles als also am an andere anderen auch auf aus
	bei beim bin bis bist bitte da damit dann das dass dein deine dem den denn der
	des dich die dies diese dieser dieses dir doch dort du durch ein eine einem
	einen einer eines er es etwas euch für gegen gibt habe haben hat hatte hier
	ich ihm ihn ihr ihre im in ins ist ja jetzt kann kein keine keinen können
	man mein meine meinem meinen meiner mich mir mit möchte muss nach nicht nichts
	noch nun nur ob oder ohne schon sehr sein seine sich sie sind so soll über um
	und uns unser unsere von vor war warum was weil welche wenn werden wie wieder
	wir wird wo wurde zu zum zur zwischen hallo danke geht leider mehr immer`,
	// fr
	`à au aux avec ce ces cela cet cette comment dans de des du elle elles en est
	et être été il ils je la le les leur leurs lui ma mais me même mes moi mon ne
	nos notre nous on ou où par pas peut peux pour pourquoi quand que quel quelle
	qui sa sans se ses son sont sur ta te tes toi ton tous tout tu un une vos votre
	vous ai as avez avons ont suis était fait faire aussi très plus bonjour merci
	salut svp cordialement est-ce qu`,
	// es
	`a al algo algún alguna como cómo con cuando cuándo cual cuál de del desde
	donde dónde el él ella en entre era es esa ese eso esta está estas este esto
	estoy ha hay la las le les lo los me mi mis muy más nada ni no nos o otra otro
	para pero poco por porque puede puedo qué que quiero se ser si sí sin sobre
	son su sus también te tengo tiene todo todos tu tú un una uno unos y ya yo hola
	gracias favor saludos ayuda`,
	// pt
	`a ao aos as até com como da das de do dos e é ela ele em entre era essa esse
	esta está estou eu foi há isso já mais mas me meu meus minha minhas muito na
	não nas nem no nos o obrigado obrigada olá oi os ou para pela pelo por porque
	pode posso quando que quem se sem ser seu sua são também tem tenho um uma
	você vocês consigo ajuda preciso`,
	// it
	`a ad al alla alle anche che chi ci come con cosa da dal dalla dei del della
	delle di è e gli ha ho i il in io la le lo ma mi mia mio ne nel nella no non o
	per perché più può posso quando questo questa quella quello se si sono su sul
	sua suo tra un una uno vorrei ciao grazie buongiorno salve devo riesco mio`,
	// nl
	`aan al alles als bij dan dat de die dit door een en er geen had heb hebben
	heeft het hier hij hoe ik in is ja je jij kan kunnen maar me meer met mij mijn
	na naar niet niets nog nu of om ook op over te tot u uit van veel voor waar
	wanneer wat waarom we wel werd wie wij wil word worden wordt zal ze zich zijn
	zo hallo dank bedankt alstublieft graag`,
}

// stopWords maps every stop word to the languages it belongs to. It is
// built once from stopWordLists and never written afterwards.
var stopWords = buildStopWords()

func buildStopWords() map[string]langSet {
	m := make(map[string]langSet, 700)
	for i, list := range stopWordLists {
		for _, w := range strings.Fields(list) {
			m[w] |= 1 << i
		}
	}
	return m
}

// hintRunes are letters that, on their own, suggest a language: German
// umlauts, Spanish ñ and inverted marks, Portuguese nasal vowels, French
// and Italian grave accents. They break ties between stop-word counts.
var hintRunes = map[rune]langSet{
	'ä': de, 'ö': de, 'ü': de, 'ß': de,
	'ñ': es, '¿': es, '¡': es,
	'ã': pt, 'õ': pt,
	'ç': fr | pt,
	'è': fr | it, 'à': fr | it, 'ù': fr | it,
	'ê': fr | pt, 'â': fr | pt, 'ô': fr | pt,
	'î': fr, 'û': fr, 'ë': fr, 'ï': fr, 'œ': fr,
	'ì': it, 'ò': it,
	'á': es | pt, 'í': es | pt, 'ó': es | pt, 'ú': es | pt,
}

// Bits of langSet, in the order of latinLanguages.
const (
	en langSet = 1 << iota
	de
	fr
	es
	pt
	it
	nl
)
