package hub

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// TestFromEnv checks huggingface_hub's environment: where the cache is,
// which token, which endpoint, offline or not.
func TestFromEnv(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	tests := []struct {
		env              map[string]string
		cache, token, ep string
		offline          bool
	}{
		{map[string]string{}, filepath.Join(home, ".cache", "huggingface", "hub"), "", DefaultEndpoint, false},
		{map[string]string{"XDG_CACHE_HOME": "/x"}, "/x/huggingface/hub", "", DefaultEndpoint, false},
		{map[string]string{"XDG_CACHE_HOME": "/x", "HF_HOME": "/h"}, "/h/hub", "", DefaultEndpoint, false},
		{map[string]string{"HF_HOME": "/h", "HF_HUB_CACHE": "/c"}, "/c", "", DefaultEndpoint, false},
		{map[string]string{"HF_HOME": "TOKENDIR"}, "TOKENDIR/hub", "hf_fromfile", DefaultEndpoint, false},
		{map[string]string{"HF_HOME": "TOKENDIR", "HF_TOKEN": "hf_env"}, "TOKENDIR/hub", "hf_env", DefaultEndpoint, false},
		{map[string]string{"HF_ENDPOINT": "http://mirror:8080/", "HF_HUB_OFFLINE": "1"}, "", "", "http://mirror:8080", true},
		{map[string]string{"HF_HUB_OFFLINE": "0"}, "", "", DefaultEndpoint, false},
		// Expanded as huggingface_hub expands them (expanduser, expandvars):
		// they were taken as written, "~" a folder in the working folder.
		{map[string]string{"HF_HOME": "~/hf"}, filepath.Join(home, "hf", "hub"), "", DefaultEndpoint, false},
		{map[string]string{"XDG_CACHE_HOME": "~"}, filepath.Join(home, "huggingface", "hub"), "", DefaultEndpoint, false},
		{map[string]string{"HF_HUB_CACHE": "$ROOT/c", "ROOT": "/r"}, "/r/c", "", DefaultEndpoint, false},
		{map[string]string{"HF_HUB_CACHE": "${ROOT}/c/$VITCTL_NEVER_SET", "ROOT": "/r"}, "/r/c/$VITCTL_NEVER_SET", "", DefaultEndpoint, false},
		{map[string]string{"HF_HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/old"}, "/old", "", DefaultEndpoint, false},
		{map[string]string{"HF_HUB_CACHE": "/c", "HUGGINGFACE_HUB_CACHE": "/old"}, "/c", "", DefaultEndpoint, false},
		{map[string]string{"HF_TOKEN_PATH": "~/tok"}, "", "hf_home", DefaultEndpoint, false},
	}
	os.WriteFile(filepath.Join(home, "tok"), []byte("hf_home\n"), 0o600)
	tokenDir := t.TempDir()
	os.WriteFile(filepath.Join(tokenDir, "token"), []byte("hf_fromfile\n"), 0o600)
	for _, tt := range tests {
		for _, k := range []string{"XDG_CACHE_HOME", "HF_HOME", "HF_HUB_CACHE", "HF_TOKEN", "HF_TOKEN_PATH", "HF_ENDPOINT", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HUGGINGFACE_HUB_CACHE", "ROOT"} {
			v := tt.env[k]
			if v == "TOKENDIR" {
				v = tokenDir
			}
			t.Setenv(k, v)
		}
		c := FromEnv()
		cache := tt.cache
		if len(cache) > 8 && cache[:8] == "TOKENDIR" {
			cache = tokenDir + cache[8:]
		}
		if tt.cache != "" && c.CacheDir != filepath.FromSlash(cache) || c.Token != tt.token || c.Endpoint != tt.ep || c.Offline != tt.offline {
			t.Errorf("%v: got cache %q token %q endpoint %q offline %v", tt.env, c.CacheDir, c.Token, c.Endpoint, c.Offline)
		}
	}
}

// TestEnvPathWindows: on Windows a path from the environment that starts
// ~\ is under the home folder, as one that starts ~/ is, as Python's
// ntpath.expanduser has it; HF_HOME=~\hf was a folder "~" in the working
// folder. Elsewhere ~\hf is a name (a \ is a character of it).
func TestEnvPathWindows(t *testing.T) {
	home := HomeDir()
	if home == "" {
		t.Skip("no home folder")
	}
	for _, tc := range []struct{ p, goos, want string }{
		{`~\hf`, "windows", home + `\hf`},
		{`~/hf`, "windows", home + `/hf`},
		{`~`, "windows", home},
		{`~\hf`, "linux", `~\hf`},
		{`~/hf`, "linux", home + `/hf`},
		{`a\~\hf`, "windows", `a\~\hf`},
	} {
		if got := envPath(tc.p, tc.goos); got != tc.want {
			t.Errorf("%s on %s: %q, want %q", tc.p, tc.goos, got, tc.want)
		}
	}
}

// TestOfflineFromEnv reads offline mode as huggingface_hub's constants do,
// _is_true(HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE): the alias counts when
// HF_HUB_OFFLINE is unset or empty (it was not read at all), and messages
// name the setting in effect and every variable to unset.
func TestOfflineFromEnv(t *testing.T) {
	for _, tc := range []struct {
		hub, transformers string
		offline           bool
		setting, unset    string
	}{
		{"", "", false, "HF_HUB_OFFLINE=1", "HF_HUB_OFFLINE"},
		{"1", "", true, "HF_HUB_OFFLINE=1", "HF_HUB_OFFLINE"},
		{"", "1", true, "TRANSFORMERS_OFFLINE=1", "TRANSFORMERS_OFFLINE"},
		{"", "TRUE", true, "TRANSFORMERS_OFFLINE=TRUE", "TRANSFORMERS_OFFLINE"},
		{"", "on", true, "TRANSFORMERS_OFFLINE=on", "TRANSFORMERS_OFFLINE"},
		{"", "0", false, "HF_HUB_OFFLINE=1", "HF_HUB_OFFLINE"},
		{"0", "1", false, "HF_HUB_OFFLINE=1", "HF_HUB_OFFLINE"}, // HF_HUB_OFFLINE decides
		{"yes", "0", true, "HF_HUB_OFFLINE=yes", "HF_HUB_OFFLINE"},
		{"1", "1", true, "HF_HUB_OFFLINE=1", "HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE"},
	} {
		t.Setenv("HF_HUB_OFFLINE", tc.hub)
		t.Setenv("TRANSFORMERS_OFFLINE", tc.transformers)
		c := FromEnv()
		if c.Offline != tc.offline || c.OfflineSetting() != tc.setting || c.OfflineVars() != tc.unset {
			t.Errorf("HF_HUB_OFFLINE=%q TRANSFORMERS_OFFLINE=%q: offline %v, %q, unset %q; want %v, %q, unset %q",
				tc.hub, tc.transformers, c.Offline, c.OfflineSetting(), c.OfflineVars(), tc.offline, tc.setting, tc.unset)
		}
	}
}

// TestNoHomeWords: the words of no home folder are those of the system:
// on Windows, which has no user ids (os.Getuid is -1) nor password
// database, they said "HOME is not set and user -1 has no home folder in
// the password database"; its ~ is USERPROFILE.
func TestNoHomeWords(t *testing.T) {
	for _, tc := range []struct {
		goos      string
		uid       int
		want, not string
		homeVar   string
	}{
		{"linux", 1234, "HOME is not set and user 1234 has no home folder in the password database, so there is no ~/.cache", "USERPROFILE", "HOME"},
		{"darwin", 501, "HOME is not set and user 501 has no home folder", "USERPROFILE", "HOME"},
		{"windows", -1, "USERPROFILE is not set and Windows gives no profile folder for this user, so there is no ~/.cache", "user -1", "USERPROFILE"},
	} {
		msg := noHome(tc.uid, tc.goos).Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) {
			t.Errorf("%s: %q, want %q and no %q", tc.goos, msg, tc.want, tc.not)
		}
		if v := homeVar(tc.goos); v != tc.homeVar {
			t.Errorf("%s: home variable %s, want %s", tc.goos, v, tc.homeVar)
		}
	}
}

// TestNoHome: with HOME unset and no password database entry for this
// user (a container run as --user 1234, OpenShift's random user id,
// under env -i), there is no default cache, and a download says so and
// what to set. The caches were ".cache/huggingface/hub" and
// ".cache/vitctl" under the working folder: a run filled whatever folder
// it was started in with downloads. No token is read from the working
// folder either.
func TestNoHome(t *testing.T) {
	defer func(f func() (*user.User, error)) { currentUser = f }(currentUser)
	currentUser = func() (*user.User, error) { return nil, user.UnknownUserIdError(12345) }
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HF_TOKEN_PATH"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Chdir(t.TempDir())
	os.WriteFile("token", []byte("hf_not_mine\n"), 0o600)
	c := FromEnv()
	if CacheHome() != "" || c.CacheDir != "" || c.Token != "" {
		t.Errorf("CacheHome %q, cache %q, token %q: want none", CacheHome(), c.CacheDir, c.Token)
	}
	if _, ok := c.CachedCommit("org/m", "main"); ok {
		t.Error("CachedCommit found a commit in no cache")
	}
	_, _, err := c.File(t.Context(), Ref{Repo: "org/m", Revision: "main"}, "config.json")
	if err == nil || !strings.Contains(err.Error(), "HOME is not set and user") || !strings.Contains(err.Error(), "point HF_HOME (or XDG_CACHE_HOME) at a folder") {
		t.Errorf("File: %v, want it to say there is no home folder and what to set", err)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 1 {
		t.Errorf("the working folder holds %d entries, want the token file alone", len(ents))
	}
	t.Setenv("HF_HOME", "/h")
	if c := FromEnv(); c.CacheDir != filepath.FromSlash("/h/hub") {
		t.Errorf("HF_HOME=/h: cache %q", c.CacheDir)
	}
}
