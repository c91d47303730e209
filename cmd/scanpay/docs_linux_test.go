//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
)

const posDoc = "../../docs/pos-integration.md"

// docBlock is one fenced block of a document, with the HTML comment line
// right above it (if any).
type docBlock struct {
	line      int // of the opening fence, 1-based
	lang      string
	directive string // "test: …", "not run: …" or ""
	text      string
}

var directiveRe = regexp.MustCompile(`^<!-- ((?:test|not run): .*) -->$`)

func docBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []docBlock
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		blk := docBlock{line: i + 1, lang: lang}
		if i > 0 {
			if m := directiveRe.FindStringSubmatch(lines[i-1]); m != nil {
				blk.directive = m[1]
			}
		}
		j := i + 1
		for ; j < len(lines) && lines[j] != "```"; j++ {
		}
		blk.text = strings.Join(lines[i+1:j], "\n")
		out = append(out, blk)
		i = j
	}
	return out
}

// docBlockOf is the one block of lang in the document.
func docBlockOf(t *testing.T, path, lang string) docBlock {
	t.Helper()
	var found []docBlock
	for _, b := range docBlocks(t, path) {
		if b.lang == lang {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s has %d ```%s blocks, want 1", path, len(found), lang)
	}
	return found[0]
}

var (
	containsRe = regexp.MustCompile(`contains="((?:[^"\\]|\\.)*)"`)
	statusRe   = regexp.MustCompile(`status=(\d+)`)
	saveRe     = regexp.MustCompile(`save=([A-Z_]+)`)
)

// runDocSandbox starts the real binary in SANDBOX on a free port and a
// Unix socket, and returns the environment the doc's examples read.
func runDocSandbox(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	sock := filepath.Join(dir, "api.sock")
	cmd, stderr := startRun(t, dir, addr, "--socket", sock)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("scanpay run: %v\n%s", err, stderr.String())
		}
	})
	token, err := os.ReadFile(filepath.Join(dir, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "SCANPAY_URL=http://"+addr, "SCANPAY_TOKEN="+strings.TrimSpace(string(token)),
		"SCANPAY_TOKEN_FILE="+filepath.Join(dir, "api-token"), "SCANPAY_SOCKET="+sock)
}

// TestDocsCurlWalkthroughAgainstTheBinary: every ```sh block of
// docs/pos-integration.md either runs, in order, against the real binary
// in SANDBOX and answers what the comment above it says, or says why it
// is not run.
func TestDocsCurlWalkthroughAgainstTheBinary(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed to check the documentation's examples: install it (apt-get install curl)")
	}
	env := runDocSandbox(t)
	ran := 0
	for _, blk := range docBlocks(t, posDoc) {
		if blk.lang != "sh" {
			continue
		}
		d, isTest := strings.CutPrefix(blk.directive, "test: ")
		if !isTest {
			if !strings.HasPrefix(blk.directive, "not run: ") {
				t.Errorf("%s:%d: a ```sh block needs <!-- test: … --> or <!-- not run: why --> right above it", posDoc, blk.line)
			}
			continue
		}
		if !strings.Contains(blk.text, "curl ") {
			t.Fatalf("line %d: a tested example without curl", blk.line)
		}
		ran++
		stream := strings.HasPrefix(d, "stream")
		var status int
		var contains, save string
		if s := statusRe.FindStringSubmatch(d); s != nil {
			status, _ = strconv.Atoi(s[1])
		}
		if c := containsRe.FindStringSubmatch(d); c != nil {
			contains = strings.ReplaceAll(c[1], `\"`, `"`)
		}
		if s := saveRe.FindStringSubmatch(d); s != nil {
			save = s[1]
		}
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		cmd := exec.CommandContext(ctx, "sh", "-ec", blk.text)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		out := stdout.String()
		if stream {
			// A stream runs until curl's --max-time: exit 28 is its end.
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 28) {
				t.Errorf("line %d: %v: %s", blk.line, err, stderr.String())
			}
			if !strings.Contains(out, contains) {
				t.Errorf("line %d: stream %q lacks %q", blk.line, out, contains)
			}
			continue
		}
		if err != nil {
			t.Fatalf("line %d: %v: %s", blk.line, err, stderr.String())
		}
		head, body, _ := strings.Cut(out, "\r\n\r\n")
		fields := strings.Fields(head)
		if len(fields) < 2 || fields[1] != strconv.Itoa(status) {
			t.Fatalf("line %d: status line %q, want %d\n%s", blk.line, strings.SplitN(head, "\r\n", 2)[0], status, out)
		}
		if !strings.Contains(head, "Scanpay-Mode: SANDBOX") {
			t.Errorf("line %d: the answer does not say SANDBOX:\n%s", blk.line, head)
		}
		if !strings.Contains(body, contains) {
			t.Errorf("line %d: body %s lacks %q", blk.line, body, contains)
		}
		if save != "" {
			var v struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == "" {
				t.Fatalf("line %d: no id to save in %s", blk.line, body)
			}
			env = append(env, save+"="+v.ID)
		}
	}
	if ran < 10 {
		t.Fatalf("only %d tested examples found", ran)
	}
}

// TestDocsScanCodeIsOneWallets: the code the walkthrough scans fits one
// rule only, so the payment it pays never depends on a tie-break.
func TestDocsScanCodeIsOneWallets(t *testing.T) {
	b, err := os.ReadFile(posDoc)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/v1/scans" [^']*'\{"terminal_id":"[^"]*","code":"([^"]+)"\}'`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the walkthrough forwards no scan to /v1/scans")
	}
	cl, err := providers.NewClassifier(providers.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	got := cl.Classify(string(m[1]))
	if got.Wallet != "jkopay" || len(got.Candidates) != 0 {
		t.Errorf("the walkthrough's code classifies as %+v, want jkopay and no other candidate", got)
	}
}

// envValue is the last value of key in env.
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// TestDocsExamplesAgainstTheBinary: the page's Python and C# blocks, run
// as they stand (python3; Mono's mcs and mono) against the real binary in
// SANDBOX, pay when the customer scans, and a refusal ends each with
// scanpay's message and exit code 1, not an exception's trace.
func TestDocsExamplesAgainstTheBinary(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		tools []string
		// prepare writes the block to dir and answers the command that runs it.
		prepare func(t *testing.T, dir, text string) []string
	}{
		{"python", []string{"python3"}, func(t *testing.T, dir, text string) []string {
			script := filepath.Join(dir, "pay.py")
			writeFile(t, script, text)
			return []string{"python3", script}
		}},
		{"csharp", []string{"mcs", "mono"}, func(t *testing.T, dir, text string) []string {
			src, exe := filepath.Join(dir, "Pay.cs"), filepath.Join(dir, "Pay.exe")
			writeFile(t, src, text)
			out, err := exec.Command("mcs", "-warnaserror+", "-r:System.Net.Http.dll", "-r:System.Runtime.Serialization.dll", "-out:"+exe, src).CombinedOutput()
			if err != nil {
				t.Fatalf("mcs: %v\n%s", err, out)
			}
			return []string{"mono", exe}
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			for _, tool := range tc.tools {
				if _, err := exec.LookPath(tool); err != nil {
					t.Fatalf("%s is needed to check the documentation's %s example: install it (.ci/run's install step names the Debian packages)", tool, tc.lang)
				}
			}
			argv := tc.prepare(t, t.TempDir(), docBlockOf(t, posDoc, tc.lang).text)
			env := runDocSandbox(t)
			t.Run("pays", func(t *testing.T) { exampleThatPays(t, env, argv) })
			t.Run("refused", func(t *testing.T) { exampleRefused(t, env, argv) })
		})
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startExample starts argv with env, its output captured.
func startExample(t *testing.T, env, argv []string) (*exec.Cmd, *lockedBuffer, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// exampleThatPays runs an example, scans as the customer once its payment
// awaits a scan, and checks it reports the approval.
func exampleThatPays(t *testing.T, env, argv []string) {
	url, token := envValue(env, "SCANPAY_URL"), envValue(env, "SCANPAY_TOKEN")
	api := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cmd, stdout, stderr := startExample(t, env, argv)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the example opened no payment\n%s", stderr.String())
		}
		_, body := api("GET", "/v1/payments?order_number=A-1001&terminal_id=AB123456", "")
		if strings.Contains(body, `"state":"awaiting_scan"`) {
			break
		}
	}
	if code, body := api("POST", "/v1/scans", `{"terminal_id":"AB123456","code":"22A234567890123456"}`); code != 200 || !strings.Contains(body, `"kind":"payment"`) {
		t.Fatalf("scan: %d %s", code, body)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", argv[0], err, stderr.String())
	}
	if got := stdout.String(); got != "approved payment approved\n" {
		t.Errorf("the example printed %q\n%s", got, stderr.String())
	}
}

// exampleRefused runs an example with a wrong token: it must end with
// scanpay's answer, not a crash.
func exampleRefused(t *testing.T, env, argv []string) {
	wrong := filepath.Join(t.TempDir(), "api-token")
	writeFile(t, wrong, "not-the-token")
	cmd, stdout, stderr := startExample(t, append(env, "SCANPAY_TOKEN_FILE="+wrong), argv)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("%s with a wrong token: %v, want exit 1\n%s%s", argv[0], err, stdout.String(), stderr.String())
	}
	got := stderr.String()
	if !strings.HasPrefix(got, "scanpay refused the payment (401): wrong API token") || strings.Contains(got, "Traceback") || strings.Contains(got, "Exception") {
		t.Errorf("a refusal printed %q, want scanpay's message and no trace", got)
	}
}
