package linkpath

import "os"

// KeptMode is the permissions a file written to path (its Target) keeps:
// those of the regular file there (results or a model made private, 0600,
// stay private), else NewFileMode's.
func KeptMode(path string) os.FileMode {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		return st.Mode().Perm()
	}
	return NewFileMode()
}

// NewFileMode is the permissions of a new file: 0666 less the umask, as
// open(2) gives them, for a file written through a temporary (made 0600)
// that is then chmodded. It was 0644 whatever the umask: a cache shared
// by a group (umask 002) got files the group could not replace, and a
// private run's results (umask 077) were readable by all.
func NewFileMode() os.FileMode { return 0o666 &^ umask() }

// NewFolderMode is the permissions of a new folder, 0777 less the umask,
// as mkdir(2) gives them, for a temporary folder (made 0700) put in place.
func NewFolderMode() os.FileMode { return 0o777 &^ umask() }
