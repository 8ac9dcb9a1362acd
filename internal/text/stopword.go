package text

// IsStopWord reports whether w (lower-cased, apostrophes removed, as
// Tokenize returns words) is an English function word or a piece of the
// scaffolding support questions are made of ("how", "can", "please",
// "possible", "way"), which says little about what a text is about. A
// switch rather than a map keeps the list immutable.
func IsStopWord(w string) bool {
	switch w {
	case "a", "about", "above", "after", "again", "against", "all", "also", "am", "an",
		"and", "any", "anyone", "are", "arent", "as", "at", "be", "because", "been",
		"before", "being", "below", "between", "both", "but", "by", "can", "cannot", "cant",
		"could", "couldnt", "did", "didnt", "do", "does", "doesnt", "doing", "don", "dont",
		"down", "during", "each", "either", "else", "etc", "ever", "every", "few", "find",
		"for", "from", "further", "get", "gets", "getting", "got",
		"had", "hadnt", "has", "hasnt", "have", "havent", "having", "he", "hello", "help",
		"her", "here", "hers", "herself", "hey", "hi", "him", "himself", "his", "how",
		"however", "i", "id", "if", "ill", "im", "in", "into", "is", "isn",
		"isnt", "it", "its", "itself", "ive", "just", "let", "lets", "like",
		"ll", "may", "me", "might", "more", "most",
		"much", "must", "my", "myself", "need", "no", "nor", "not", "now", "of",
		"off", "ok", "okay", "on", "once", "one", "only", "or", "other",
		"ought", "our", "ours", "ourselves", "out", "over", "own", "please", "possible",
		"possibly", "re", "really", "same", "shall", "she", "should", "shouldnt", "so", "some",
		"someone", "something", "such", "than", "thank", "thanks",
		"that", "thats", "the", "their", "theirs", "them", "themselves", "then", "there", "theres",
		"these", "they", "this", "those", "through", "to", "too", "under", "until", "up",
		"upon", "us", "use", "used", "uses", "using", "ve", "very", "via", "want",
		"was", "wasnt", "way", "ways", "we", "were", "what", "whats", "when", "where",
		"whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
		"without", "wonder", "wondering", "wont", "would", "wouldnt", "yes", "yet", "you", "your",
		"youre", "yours", "yourself", "yourselves":
		return true
	}
	return false
}
