package posapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docExample is one ```sh block of docs/pos-integration.md with the
// <!-- test: ... --> line above it saying what it must answer.
type docExample struct {
	line     int
	script   string
	status   int
	contains string
	save     string
	stream   bool
}

var (
	directiveRe = regexp.MustCompile(`^<!-- test: (.*) -->$`)
	containsRe  = regexp.MustCompile(`contains="((?:[^"\\]|\\.)*)"`)
	statusRe    = regexp.MustCompile(`status=(\d+)`)
	saveRe      = regexp.MustCompile(`save=([A-Z_]+)`)
)

func docExamples(t *testing.T, path string) []docExample {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []docExample
	for i := 0; i < len(lines); i++ {
		m := directiveRe.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || lines[i+1] != "```sh" {
			t.Fatalf("%s:%d: a test directive must stand right above a ```sh block", path, i+1)
		}
		ex := docExample{line: i + 1, stream: strings.Contains(m[1], "stream")}
		if s := statusRe.FindStringSubmatch(m[1]); s != nil {
			ex.status, _ = strconv.Atoi(s[1])
		}
		if c := containsRe.FindStringSubmatch(m[1]); c != nil {
			ex.contains = strings.ReplaceAll(c[1], `\"`, `"`)
		}
		if s := saveRe.FindStringSubmatch(m[1]); s != nil {
			ex.save = s[1]
		}
		j := i + 2
		for ; j < len(lines) && lines[j] != "```"; j++ {
		}
		ex.script = strings.Join(lines[i+2:j], "\n")
		out = append(out, ex)
		i = j
	}
	return out
}

// The curl examples of docs/pos-integration.md run, in order, against a
// real server (with the fake engine) and answer what the page says.
func TestDocsCurlExamples(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl is needed to check the documentation's examples: install it (apt-get install curl)")
	}
	examples := docExamples(t, "../../docs/pos-integration.md")
	if len(examples) < 10 {
		t.Fatalf("only %d tested examples found", len(examples))
	}
	sock := filepath.Join(t.TempDir(), "api.sock")
	ts := startServer(t, newFakeEngine("AB123456"), func(c *Config, _ *timeouts, _ *bool) { c.Socket = sock })
	env := append(os.Environ(), "SCANPAY_URL="+ts.url, "SCANPAY_TOKEN="+testToken, "SCANPAY_SOCKET="+sock)
	for _, ex := range examples {
		if !strings.Contains(ex.script, "curl ") {
			t.Fatalf("line %d: a tested example without curl", ex.line)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, "sh", "-c", ex.script)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		out := stdout.String()
		if ex.stream {
			// A stream runs until curl's --max-time: exit 28 is its end.
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 28) {
				t.Errorf("line %d: %v: %s", ex.line, err, stderr.String())
			}
			if !strings.Contains(out, ex.contains) {
				t.Errorf("line %d: stream %q lacks %q", ex.line, out, ex.contains)
			}
			continue
		}
		if err != nil {
			t.Fatalf("line %d (%s): %v: %s", ex.line, curl, err, stderr.String())
		}
		head, body, _ := strings.Cut(out, "\r\n\r\n")
		fields := strings.Fields(head)
		if len(fields) < 2 || fields[1] != strconv.Itoa(ex.status) {
			t.Fatalf("line %d: status line %q, want %d\n%s", ex.line, strings.SplitN(head, "\r\n", 2)[0], ex.status, out)
		}
		if !strings.Contains(body, ex.contains) {
			t.Errorf("line %d: body %s lacks %q", ex.line, body, ex.contains)
		}
		if ex.save != "" {
			var v struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == "" {
				t.Fatalf("line %d: no id to save in %s", ex.line, body)
			}
			env = append(env, ex.save+"="+v.ID)
		}
	}
}
