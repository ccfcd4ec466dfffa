package hub

import (
	"slices"
	"strings"
)

// hubHosts are the Hub's web addresses' hosts.
var hubHosts = []string{"huggingface.co", "www.huggingface.co", "hf.co"}

// RefFromAddress reads the repository, and revision where it shows one,
// from what a user copies out of a browser or writes by habit:
// https://huggingface.co/ORG/NAME, …/tree/REV, …/blob/REV/FILE,
// …/resolve/REV/FILE, the same without the scheme or on hf.co, and
// ORG/NAME/ with a slash after it. ok is false for anything else,
// datasets' and Spaces' addresses among them. The caller says which name
// to give instead: ParseRef takes names, not addresses.
func RefFromAddress(s string) (Ref, bool) {
	rest := s
	for _, scheme := range []string{"https://", "http://"} {
		rest = strings.TrimPrefix(rest, scheme)
	}
	host, path, _ := strings.Cut(rest, "/")
	hosted := false
	for _, h := range hubHosts {
		hosted = hosted || strings.EqualFold(host, h)
	}
	if !hosted {
		if rest != s { // another site's address
			return Ref{}, false
		}
		path = s
	}
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(parts) < 2 || !hosted && len(parts) != 2 || hosted && (parts[0] == "datasets" || parts[0] == "spaces") {
		return Ref{}, false
	}
	ref := parts[0] + "/" + parts[1]
	if len(parts) > 2 { // …/tree/REV, …/blob/REV/FILE, …/resolve/REV/FILE
		if len(parts) < 4 || !slices.Contains([]string{"tree", "blob", "resolve"}, parts[2]) {
			return Ref{}, false
		}
		if parts[3] != DefaultRevision {
			ref += "@" + parts[3]
		}
	}
	r, err := ParseRef(ref)
	return r, err == nil
}
