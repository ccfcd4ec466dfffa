// Package hub fetches files of Hugging Face Hub repositories into the local
// Hugging Face cache, in the layout huggingface_hub uses (models--ORG--NAME
// with refs/, blobs/ and snapshots/), so files are shared with Python tools
// in both directions. It speaks the Hub's resolve protocol (HEAD for the
// commit and etag, GET with resume, SHA-256 check of LFS files) and knows
// nothing about models.
package hub

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// DefaultRevision is the branch used when a reference names none.
const DefaultRevision = "main"

// Ref names a model repository at a revision: ORG/NAME[@REVISION].
type Ref struct {
	Repo     string // ORG/NAME
	Revision string // branch, tag or commit hash
}

func (r Ref) String() string { return r.Repo + "@" + r.Revision }

var (
	repoPart   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	commitHash = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// ParseRef parses ORG/NAME or ORG/NAME@REVISION. Its error says what is
// wrong with s, not s itself: the caller names it.
func ParseRef(s string) (Ref, error) {
	repo, rev, found := strings.Cut(s, "@")
	if !found {
		rev = DefaultRevision
	}
	org, name, ok := strings.Cut(repo, "/")
	switch {
	case !ok || strings.Contains(name, "/"):
		return Ref{}, errors.New("want ORG/NAME or ORG/NAME@REVISION")
	case !validPart(org) || !validPart(name):
		return Ref{}, errors.New("ORG and NAME are letters, digits, '.', '_' and '-', starting with a letter or digit, without \"..\" or \"--\"")
	case found && rev == "":
		return Ref{}, fmt.Errorf("empty revision after @ (a branch, tag or commit; ORG/NAME alone is @%s)", DefaultRevision)
	case !validRevision(rev):
		return Ref{}, fmt.Errorf("revision %q is not a branch, tag or commit name", rev)
	}
	return Ref{Repo: repo, Revision: rev}, nil
}

// IsCommit reports whether rev is a full commit hash.
func IsCommit(rev string) bool { return commitHash.MatchString(rev) }

func validPart(s string) bool {
	return len(s) <= 96 && repoPart.MatchString(s) && !strings.Contains(s, "..") && !strings.Contains(s, "--")
}

// validRevision accepts git ref names such as main, v1.0 and refs/pr/1: no
// empty, dot-led or ".." components, which would leave refs/ on disk.
func validRevision(rev string) bool {
	if rev == "" || len(rev) > 200 {
		return false
	}
	for _, c := range strings.Split(rev, "/") {
		if !validName(c) {
			return false
		}
	}
	return true
}

// validName is one component of a cache path taken from the network or a
// user: a revision part, a commit, an etag or a repository file name part.
func validName(c string) bool {
	if c == "" || c[0] == '.' || strings.Contains(c, "..") {
		return false
	}
	for _, r := range c {
		if r < 0x20 || r == 0x7f || r == '\\' || r == ':' || r == '/' {
			return false
		}
	}
	return true
}

// validFile accepts a file name inside a repository, such as
// model-00001-of-00002.safetensors or onnx/model.onnx.
func validFile(name string) bool {
	if name == "" || len(name) > 400 {
		return false
	}
	for _, c := range strings.Split(name, "/") {
		if !validName(c) {
			return false
		}
	}
	return true
}

// folderName is the cache folder of a model repository: models--ORG--NAME.
func folderName(repo string) string {
	return "models--" + strings.ReplaceAll(repo, "/", "--")
}
