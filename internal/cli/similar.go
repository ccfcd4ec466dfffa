package cli

import "strings"

// similar says whether a user who typed name may have meant candidate (a
// built-in model's name, a flag): the same but for letter case, dashes and
// underscores ("TOP_K" for "top-k"), one holding the other where the held
// one has at least 3 letters ("vit-tiny", "thread"), or at most two edits
// apart ("fashon-vit", "presicion").
func similar(name, candidate string) bool {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s)) }
	n, c := norm(name), norm(candidate)
	return n == c || len(n) >= 3 && strings.Contains(c, n) || len(c) >= 3 && strings.Contains(n, c) || editDistance(n, c) <= 2
}

// didYouMean is "; did you mean A or B?" for the suggestions, or "".
func didYouMean(alts []string) string {
	if len(alts) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(alts, " or ") + "?"
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
