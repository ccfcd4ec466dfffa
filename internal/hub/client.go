package hub

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// DefaultEndpoint is the Hub's address when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Client fetches repository files into a Hugging Face cache folder.
type Client struct {
	Endpoint string // scheme://host[/prefix], no trailing slash
	Token    string // sent as "Authorization: Bearer" to Endpoint only
	Offline  bool   // use the cache only (HF_HUB_OFFLINE=1)
	CacheDir string // the hub cache: models--ORG--NAME folders
	// OfflineBy is the settings that turn Offline on, for messages
	// ("HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=yes"), the one that
	// decides first; empty: HF_HUB_OFFLINE=1.
	OfflineBy []string

	HTTP *http.Client
	// MetaTimeout bounds each HEAD request; IdleTimeout bounds the wait for
	// the next bytes of a download (the whole download has no limit).
	MetaTimeout, IdleTimeout time.Duration
	// Attempts is how many times a dropped download is resumed before
	// giving up (at least 1).
	Attempts int
	// Progress, when set, is called as a file's bytes arrive; total is -1
	// when unknown.
	Progress func(file string, done, total int64)
}

// FromEnv returns a Client configured the way huggingface_hub configures
// itself: HF_ENDPOINT, HF_TOKEN (else the token file huggingface-cli login
// writes), HF_HUB_OFFLINE (else TRANSFORMERS_OFFLINE), and the cache
// folder of CacheDirFromEnv.
func FromEnv() *Client {
	offline, by := offlineFromEnv()
	return &Client{
		Endpoint:  strings.TrimRight(cmp.Or(os.Getenv("HF_ENDPOINT"), DefaultEndpoint), "/"),
		Token:     tokenFromEnv(),
		Offline:   offline,
		OfflineBy: by,
		CacheDir:  CacheDirFromEnv(),
	}
}

// offlineVars are the variables that turn offline mode on, read as
// huggingface_hub's constants read them: HF_HUB_OFFLINE, else (unset or
// empty) TRANSFORMERS_OFFLINE, its alias, which transformers documents.
var offlineVars = []string{"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"}

// offlineFromEnv reports whether offline mode is on (the first of
// offlineVars set decides: HF_HUB_OFFLINE=0 TRANSFORMERS_OFFLINE=1 is
// online), and the settings that turn it on, each of offlineVars set true,
// for messages that say what to unset.
func offlineFromEnv() (on bool, by []string) {
	decided := false
	for _, v := range offlineVars {
		s := os.Getenv(v)
		if s == "" {
			continue
		}
		if !decided {
			on, decided = envTrue(s), true
		}
		if envTrue(s) {
			by = append(by, v+"="+s)
		}
	}
	if !on {
		return false, nil
	}
	return true, by
}

// OfflineSetting is the setting that turned offline mode on, for
// messages: "HF_HUB_OFFLINE=1", or "TRANSFORMERS_OFFLINE=1" when the
// alias was set instead.
func (c *Client) OfflineSetting() string {
	if len(c.OfflineBy) == 0 {
		return "HF_HUB_OFFLINE=1"
	}
	return c.OfflineBy[0]
}

// OfflineVars names the variables to unset to download again:
// "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE" or both ("HF_HUB_OFFLINE and
// TRANSFORMERS_OFFLINE").
func (c *Client) OfflineVars() string {
	if len(c.OfflineBy) == 0 {
		return "HF_HUB_OFFLINE"
	}
	names := make([]string, len(c.OfflineBy))
	for i, s := range c.OfflineBy {
		names[i], _, _ = strings.Cut(s, "=")
	}
	return strings.Join(names, " and ")
}

// CacheDirFromEnv is $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (its
// older name), else $HF_HOME/hub, else ~/.cache/huggingface/hub (with
// $XDG_CACHE_HOME for ~/.cache), as in huggingface_hub's constants, and
// expanded as they are (EnvPath).
// "" when none of them is set and there is no home folder (NoHome).
func CacheDirFromEnv() string {
	if d := cmp.Or(os.Getenv("HF_HUB_CACHE"), os.Getenv("HUGGINGFACE_HUB_CACHE")); d != "" {
		return EnvPath(d)
	}
	return under(hfHome(), "hub")
}

// under is base/name, or "" when base is: a folder of no home folder is
// none, where it was name under the working folder.
func under(base, name string) string {
	if base == "" {
		return ""
	}
	return filepath.Join(base, name)
}

// NoHome says why a cache folder that defaults to one under ~ has none:
// a process run as a user the password database does not know (a
// container's --user 1234, OpenShift's random user id) with HOME unset
// (env -i, some schedulers) has no ~, and its caches were ".cache/…"
// under whatever folder it was started in.
func NoHome() error { return noHome(os.Getuid(), runtime.GOOS) }

// noHome is NoHome for user id uid on goos. Windows has no user ids
// (os.Getuid is -1: "user -1 has no home folder") nor password database:
// its ~ is USERPROFILE (homeVar), else the profile folder of the user's
// account.
func noHome(uid int, goos string) error {
	why := fmt.Sprintf("user %d has no home folder in the password database", uid)
	if goos == "windows" {
		why = "Windows gives no profile folder for this user"
	}
	return fmt.Errorf("%s is not set and %s, so there is no ~/.cache", homeVar(goos), why)
}

// HomeVar is the variable that names the home folder here, as
// os.UserHomeDir reads it: HOME, or USERPROFILE on Windows.
var HomeVar = homeVar(runtime.GOOS)

func homeVar(goos string) string {
	if goos == "windows" {
		return "USERPROFILE"
	}
	return "HOME"
}

// EnvPath is a path from the environment as huggingface_hub takes it,
// os.path.expandvars(os.path.expanduser(p)): a leading ~ is $HOME, and
// $NAME and ${NAME} the variables set (others stay as written). A path
// set where no shell expands it (a Dockerfile's ENV HF_HOME=~/hf, a
// systemd unit, a .env file) named a folder "~" in the working folder,
// where Python found its models.
func EnvPath(p string) string { return envPath(p, runtime.GOOS) }

// envPath is EnvPath on goos: on Windows ~\ leads a path as ~/ does,
// as Python's ntpath.expanduser takes both (HF_HOME=~\hf was a folder
// "~" in the working folder); elsewhere a \ is part of a name.
func envPath(p, goos string) string {
	if p == "~" || strings.HasPrefix(p, "~/") || goos == "windows" && strings.HasPrefix(p, `~\`) {
		if home := HomeDir(); home != "" {
			p = home + p[1:]
		}
	}
	return envVar.ReplaceAllStringFunc(p, func(m string) string {
		name := strings.Trim(m[1:], "{}")
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return m
	})
}

// HomeDir is the user's home folder as Python's os.path.expanduser finds
// it: $HOME, else this user's entry in the password database, where a
// process started without HOME (a cron job, a systemd unit, env -i)
// finds it. Without the fallback the caches were ".cache/…" under the
// working folder, wherever the process was started. "" when neither
// says.
func HomeDir() string {
	if home, err := os.UserHomeDir(); err == nil {
		return home
	}
	if u, err := currentUser(); err == nil {
		return u.HomeDir
	}
	return ""
}

// currentUser is user.Current; a test's own stands for a user id the
// password database lacks.
var currentUser = user.Current

// envVar is what Python's posixpath.expandvars replaces.
var envVar = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// cacheFrom says where CacheDirFromEnv's folder comes from, for
// messages, with what to set to change it.
func cacheFrom() (from, fix string) {
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME"} {
		if d := os.Getenv(v); d != "" {
			return v + "=" + d, "point " + v + " at a folder you can write into"
		}
	}
	return CacheHomeFrom("HF_HUB_CACHE")
}

// CacheHomeFrom says where CacheHome's folder comes from, for messages:
// "XDG_CACHE_HOME=/x", or "~/.cache" when XDG_CACHE_HOME is unset; and
// what to do when a cache under it cannot be made or written, naming the
// variable set that moves that cache elsewhere when XDG_CACHE_HOME is
// unset.
func CacheHomeFrom(set string) (from, fix string) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return "XDG_CACHE_HOME=" + d, "point XDG_CACHE_HOME at a folder you can write into"
	}
	return "~/.cache", "make ~/.cache a folder you can write into, or point " + set + " at one"
}

// cacheError is err in writing into the cache, said with where the cache
// is, where that comes from and what to do: it was "mkdir /x: not a
// directory", of XDG_CACHE_HOME=/x.
// Other errors (a wait for a lock cancelled) are returned as they are.
func (c *Client) cacheError(err error) error {
	ok, err := PathProblem(err)
	if !ok {
		return err
	}
	from, fix := "", "make it a folder you can write into"
	if c.CacheDir == CacheDirFromEnv() {
		f, x := cacheFrom()
		from, fix = " ("+f+")", x
	}
	return fmt.Errorf("Hugging Face cache %s%s: %w: %s", c.CacheDir, from, err, fix)
}

// PathProblem words err, a failed mkdir, open or write in a cache, for a
// message: "P is not a folder (not a directory)", else "PATH: REASON". ok
// is false, and err returned as it is, for an error of no path (a
// cancelled wait), which is no fault of the cache's.
func PathProblem(err error) (ok bool, reworded error) {
	pe, ok := errors.AsType[*fs.PathError](err)
	switch {
	case !ok:
		return false, err
	case errors.Is(err, syscall.ENOTDIR):
		return true, fmt.Errorf("%s is not a folder (%w)", pe.Path, pe.Err)
	}
	return true, fmt.Errorf("%s: %w", pe.Path, pe.Err)
}

func hfHome() string {
	if d := os.Getenv("HF_HOME"); d != "" {
		return EnvPath(d)
	}
	return under(CacheHome(), "huggingface")
}

// CacheHome is the folder the Hugging Face cache and vitctl's are in
// unless set otherwise: $XDG_CACHE_HOME (expanded: EnvPath), else
// ~/.cache (HomeDir); "" when neither is known (NoHome).
func CacheHome() string {
	if base := EnvPath(os.Getenv("XDG_CACHE_HOME")); base != "" {
		return base
	}
	return under(HomeDir(), ".cache")
}

// tokenFromEnv is $HF_TOKEN, else the file at $HF_TOKEN_PATH or
// $HF_HOME/token that `huggingface-cli login` writes.
func tokenFromEnv() string {
	if t := strings.TrimSpace(os.Getenv("HF_TOKEN")); t != "" {
		return t
	}
	path := cmp.Or(EnvPath(os.Getenv("HF_TOKEN_PATH")), under(hfHome(), "token"))
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 4096 {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func envTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "on", "yes", "true":
		return true
	}
	return false
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// defaultHTTP bounds connecting and waiting for headers; bodies are bounded
// by the idle timeout of each download instead, so large files may take as
// long as they need while a stalled one fails.
var defaultHTTP = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		MaxIdleConnsPerHost:   4,
	},
}

func (c *Client) metaTimeout() time.Duration { return cmp.Or(c.MetaTimeout, 30*time.Second) }
func (c *Client) idleTimeout() time.Duration { return cmp.Or(c.IdleTimeout, 60*time.Second) }
func (c *Client) attempts() int              { return max(cmp.Or(c.Attempts, 3), 1) }
