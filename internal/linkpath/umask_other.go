//go:build !unix

package linkpath

import "os"

// umask is 0 where there is none: permissions are the system's.
func umask() os.FileMode { return 0 }
