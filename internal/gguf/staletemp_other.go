//go:build !unix

package gguf

// tryLock: no lock is taken on this system, so no temporary is taken for
// a dead writer's (see staleAfter).
func tryLock(path string) (release func(), ok bool) { return nil, false }
