package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// partialSuffix ends the name of a download cut short: blobs/ETAG.incomplete,
// kept for the next download of the blob to resume (huggingface_hub's name).
const partialSuffix = ".incomplete"

// PartialNote says where the downloads of repo cut short lie in the cache,
// that they are partial, and how to resume or remove them: for an error
// about a file the cache lacks, whose missing bytes may be there in part
// (offline, that file's name cannot be matched to a blob's, so every
// partial download of repo is named). It is "" when there is none, and
// starts with "; " otherwise.
func (c *Client) PartialNote(repo string) string {
	dir := filepath.Join(c.repoDir(repo), "blobs")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var parts []string
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || !strings.HasSuffix(e.Name(), partialSuffix) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s so far)", filepath.Join(dir, e.Name()), byteCount(info.Size())))
	}
	if len(parts) == 0 {
		return ""
	}
	what, it := "a partial download", "it"
	if len(parts) > 1 {
		what, it = fmt.Sprintf("%d partial downloads", len(parts)), "them"
	}
	resume := "the next run that reaches the Hub resumes " + it
	if c.Offline {
		resume = fmt.Sprintf("run again with %s unset to resume %s", c.OfflineVars(), it)
	}
	return fmt.Sprintf("; the cache holds %s of %s, cut short: %s; %s, or delete %s to start over",
		what, repo, strings.Join(parts, ", "), resume, it)
}

// byteCount prints n as a size: 512 bytes, 12.3 MB.
func byteCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}
