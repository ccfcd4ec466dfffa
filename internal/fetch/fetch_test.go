package fetch

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"http://x/a.jpg": true, "HTTPS://x": true, "https://": true, "ftp://x/a": false,
		"photos/a.jpg": false, "http:/x": false, "C:\\x.png": false, "-": false,
	} {
		if IsURL(s) != want {
			t.Errorf("IsURL(%q) = %v", s, !want)
		}
	}
}

// TestNoHost: a URL without a host is refused as such, before any request,
// where "http://" used to be read as a file name (no such file).
func TestNoHost(t *testing.T) {
	for _, u := range []string{"http://", "https:///photo.jpg"} {
		if _, err := (&Getter{}).Get(context.Background(), u); err == nil || err.Error() != "bad URL: no host after //" {
			t.Errorf("%s: %v, want bad URL: no host after //", u, err)
		}
	}
}

func TestGet(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for range 20 { // no Content-Length: the cap must stop the read
			w.Write(body)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body[:10])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(body[:100])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	g := &Getter{Timeout: 300 * time.Millisecond, MaxBytes: 5000}
	tests := []struct {
		path string
		want string // error text; "" for success
	}{
		{"/ok", ""},
		{"/moved", ""},
		{"/missing", "404 Not Found"},
		{"/chunked", "too large: more than 5000 bytes"},
		{"/slow", "no complete answer within 300ms"},
		{"/cut", "connection closed before the whole body arrived"},
	}
	for _, tt := range tests {
		data, err := g.Get(context.Background(), srv.URL+tt.path)
		switch {
		case tt.want == "" && (err != nil || !bytes.Equal(data, body)):
			t.Errorf("%s: %d bytes, %v", tt.path, len(data), err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.path, err, tt.want)
		case err != nil && strings.Contains(err.Error(), srv.URL):
			t.Errorf("%s: error %q repeats the URL", tt.path, err)
		}
	}
	small := &Getter{MaxBytes: 999}
	if _, err := small.Get(context.Background(), srv.URL+"/ok"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Content-Length over the cap: %v", err)
	}
	if _, err := g.Get(context.Background(), "http://127.0.0.1:1/x.png"); err == nil || !strings.Contains(err.Error(), "cannot download") {
		t.Errorf("closed port: %v", err)
	}
}

// TestPrefix: Prefix returns the first n bytes, from a server that honours
// Range and from one that sends the whole body anyway, and a shorter body
// whole.
func TestPrefix(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	var ranges []string
	mux := http.NewServeMux()
	mux.HandleFunc("/ranged", func(w http.ResponseWriter, r *http.Request) {
		ranges = append(ranges, r.Header.Get("Range"))
		http.ServeContent(w, r, "x.npy", time.Time{}, bytes.NewReader(body))
	})
	mux.HandleFunc("/whole", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) { w.Write(body[:5]) })
	mux.HandleFunc("/missing", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	g := &Getter{Timeout: time.Second}
	for _, tc := range []struct {
		path string
		want []byte
		err  string
	}{
		{"/ranged", body[:128], ""},
		{"/whole", body[:128], ""},
		{"/short", body[:5], ""},
		{"/missing", nil, "404 Not Found"},
	} {
		got, err := g.Prefix(context.Background(), srv.URL+tc.path, 128)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
	if len(ranges) != 1 || ranges[0] != "bytes=0-127" {
		t.Errorf("Range headers %q, want one bytes=0-127", ranges)
	}
}

// rawStatus answers with the status line "HTTP/1.1 " + status as it is:
// net/http's server writes only the standard reason phrases.
func rawStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		buf.Flush()
	}
}

// TestStatusEscapes: a server's reason phrase is the server's text, and a
// terminal obeys the escapes in it (a window title set, colours, the
// screen cleared); the message quotes it, so it is printed as text.
func TestStatusEscapes(t *testing.T) {
	srv := httptest.NewServer(rawStatus("404 \x1b]0;owned\a\x1b[31mRed \u009b2J"))
	defer srv.Close()
	_, err := (&Getter{}).Get(context.Background(), srv.URL+"/a.jpg")
	want := `server answered "404 \x1b]0;owned\a\x1b[31mRed \u009b2J"`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	srv2 := httptest.NewServer(rawStatus("404 Not Found"))
	defer srv2.Close()
	if _, err := (&Getter{}).Get(context.Background(), srv2.URL); err == nil || err.Error() != "server answered 404 Not Found" {
		t.Errorf("error %v, want server answered 404 Not Found", err)
	}
}
