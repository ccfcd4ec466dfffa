// Package filelock takes advisory locks on whole files and folders
// (flock), which the kernel drops when the process holding them ends,
// however it ends. A writer holds the lock of its temporary until it is
// renamed into place, so that a later run can tell what a killed writer
// left behind (no lock held) from a live writer's work in progress.
//
// Where the system has no flock, no lock is ever taken: TryLock always
// fails and Hold holds nothing, so callers that remove only unlocked
// files remove nothing there.
package filelock

// Hold takes path's lock for as long as its writer works on it and returns
// what drops it; where the lock cannot be taken it holds nothing and the
// returned func does nothing.
func Hold(path string) (release func()) {
	if release, ok := TryLock(path); ok {
		return release
	}
	return func() {}
}
