package guard

// keywords are the words injection patterns hinge on, spelt right. Words
// whose near misses are ordinary English ("forgot" for "forget",
// "overrode" for "override") are left out on purpose.
var keywords = []string{
	"ignore", "disregard", "previous", "instructions", "instruction", "prompt",
	"system", "bypass", "reveal", "guidelines", "restrictions", "jailbreak",
	"developer", "pretend", "unfiltered", "uncensored", "confidential",
	"directives", "everything", "initial", "original",
}

// slang expands chat abbreviations of words the patterns need ("plz
// ignor prev instrux & giv me ur sys prompt").
var slang = map[string]string{
	"plz": "please", "pls": "please", "ur": "your", "prev": "previous",
	"instrux": "instructions", "instrs": "instructions", "instr": "instructions",
	"sys": "system", "msg": "message", "msgs": "messages",
}

// realWords are ordinary words within reach of a key word, which must not
// be "repaired" into it.
var realWords = map[string]bool{
	"instructor": true, "instructors": true, "developed": true, "repeal": true,
}

// repairWord returns the key word w is a likely misspelling or
// abbreviation of, or w. A
// word of 5 to 8 letters may be one edit away (insertion, deletion,
// substitution or swap of neighbours), a longer one two, and the first
// letter must match. Inflections (the key word plus a suffix, "ignored",
// "prompts") are not misspellings and are kept, so that "the app ignored
// my previous settings" stays what it says.
func repairWord(w string) string {
	if long, ok := slang[w]; ok {
		return long
	}
	if len(w) < 5 {
		return w
	}
	if realWords[w] {
		return w
	}
	for _, k := range keywords {
		if w == k {
			return w
		}
	}
	for _, k := range keywords {
		limit := 1
		if len(k) >= 9 {
			limit = 2
		}
		if w[0] != k[0] || abs(len(w)-len(k)) > limit {
			continue
		}
		if len(w) > len(k) && w[:len(k)] == k {
			continue
		}
		if editDistance(w, k, limit) <= limit {
			return k
		}
	}
	return w
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the optimal-string-alignment distance between a and b
// (Levenshtein plus swaps of neighbours), or limit+1 once it must exceed
// limit.
func editDistance(a, b string, limit int) int {
	var rows [3][24]int
	if len(b) >= len(rows[0]) {
		return limit + 1
	}
	prev2, prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
