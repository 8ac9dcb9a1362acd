package embed

// isStopWord reports whether w (lower-cased, apostrophes removed) is a
// function word that says little about what a text is about. The list is the
// usual English one plus the question scaffolding support questions are made
// of ("how", "can", "possible", "way"), so a question's weight lands on its
// content words. A switch rather than a map keeps the list immutable.
func isStopWord(w string) bool {
	switch w {
	case "a", "about", "above", "after", "again", "against", "all", "also", "am", "an",
		"and", "any", "are", "arent", "as", "at", "be", "because", "been", "before",
		"being", "below", "between", "both", "but", "by", "can", "cannot", "cant", "could",
		"couldnt", "did", "didnt", "do", "does", "doesnt", "doing", "dont", "down", "during",
		"each", "either", "else", "etc", "ever", "every", "few", "for", "from", "further",
		"get", "gets", "got", "had", "hadnt", "has", "hasnt", "have", "havent", "having",
		"he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however",
		"i", "id", "if", "ill", "im", "in", "into", "is", "isnt", "it", "its",
		"itself", "ive", "just", "let", "lets", "like", "may", "me", "might", "more",
		"most", "much", "must", "my", "myself", "need", "no", "nor", "not", "now",
		"of", "off", "on", "once", "one", "only", "or", "other", "ought", "our",
		"ours", "ourselves", "out", "over", "own", "please", "possible", "same", "shall", "she",
		"should", "shouldnt", "so", "some", "such", "than", "that", "thats", "the", "their",
		"theirs", "them", "themselves", "then", "there", "theres", "these", "they", "this", "those",
		"through", "to", "too", "under", "until", "up", "upon", "us", "very", "via",
		"want", "was", "wasnt", "way", "ways", "we", "were", "what", "whats", "when",
		"where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
		"within", "without", "wont", "would", "wouldnt", "yes", "yet", "you", "your", "youre",
		"yours", "yourself", "yourselves":
		return true
	}
	return false
}
