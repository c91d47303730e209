package certify

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/scanpay/scanpay/internal/mask"
)

// secretFields are JSON keys (compared without case, '_' and '-') whose
// values are secrets: keys, login keys, tokens, passwords.
var secretFields = []string{"key", "merchantkey", "authkey", "acckey", "token", "accesstoken", "refreshtoken", "password", "secret", "hashkey", "hashiv", "apikey"}

// secretHeaders are headers whose values are secrets.
// LINE Pay's v2 sends its channel secret as a header; v4 an HMAC.
var secretHeaders = []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-line-channelsecret", "x-line-authorization"}

// jsonString matches a JSON "name": "value" pair.
var jsonString = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"`)

// SecretName reports whether a field or key of this name holds a secret
// (a key, token or password), to be shown masked.
func SecretName(name string) bool {
	return secretName(name) || strings.Contains(strings.ToLower(name), "secret") || strings.HasSuffix(strings.ToLower(name), "_key")
}

func secretName(name string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))
	return slices.Contains(secretFields, n)
}

// masker hides payment codes and secrets in what the transcript shows.
// Codes are masked wherever they appear; a secret is found by its field
// or header name, and its value is then masked wherever else it appears
// too (a token echoed in a later header, say).
type masker struct {
	codes   []string
	secrets map[string]bool
}

func newMasker() *masker { return &masker{secrets: map[string]bool{}} }

func (m *masker) addCode(code string) {
	if code != "" && !slices.Contains(m.codes, code) {
		m.codes = append(m.codes, code)
		// Longest first, so that a code inside another is not half masked.
		sort.Slice(m.codes, func(i, j int) bool { return len(m.codes[i]) > len(m.codes[j]) })
	}
}

// learn records the secrets a body or header carries, before any text is
// masked, so that they are hidden wherever they appear.
func (m *masker) learn(ex exchange) {
	for _, b := range [][]byte{ex.ReqBody, ex.RespBody} {
		for _, g := range jsonString.FindAllSubmatch(b, -1) {
			if secretName(string(g[1])) && len(g[3]) > 0 {
				m.secrets[string(g[3])] = true
			}
		}
	}
	for _, h := range []http.Header{ex.ReqHdr, ex.RespHdr} {
		for name, vs := range h {
			if !slices.Contains(secretHeaders, strings.ToLower(name)) {
				continue
			}
			for _, v := range vs {
				if _, tok, ok := strings.Cut(v, " "); ok && len(tok) >= 8 {
					m.secrets[tok] = true // "Bearer <token>"
				}
				m.secrets[v] = true
			}
		}
	}
}

// text masks s: secret fields, then every known secret, then every code.
func (m *masker) text(s string) string {
	s = jsonString.ReplaceAllStringFunc(s, func(pair string) string {
		g := jsonString.FindStringSubmatch(pair)
		if secretName(g[1]) && g[3] != "" {
			return `"` + g[1] + `"` + g[2] + `"` + mask.Secret(g[3]) + `"`
		}
		return pair
	})
	secrets := make([]string, 0, len(m.secrets))
	for v := range m.secrets {
		if len(v) >= 4 { // a secret this short would mask unrelated text; its field is masked above
			secrets = append(secrets, v)
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, mask.Secret(v))
	}
	for _, c := range m.codes {
		s = strings.ReplaceAll(s, c, mask.Code(c))
	}
	return s
}

func (m *masker) header(name string, v string) string {
	if slices.Contains(secretHeaders, strings.ToLower(name)) {
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + mask.Secret(v)
		}
		return mask.Secret(v)
	}
	return m.text(v)
}

// writeExchange writes one exchange, masked, as the transcript shows it.
func (m *masker) writeExchange(w io.Writer, ex exchange) {
	fmt.Fprintf(w, "\n--> %s %s   (%s)\n", ex.Method, m.text(ex.URL), ex.At.UTC().Format("2006-01-02T15:04:05.000Z"))
	m.writeHeaders(w, ex.ReqHdr)
	if len(ex.ReqBody) > 0 {
		fmt.Fprintf(w, "%s\n", m.text(string(ex.ReqBody)))
	}
	switch {
	case ex.Status == "":
		fmt.Fprintf(w, "<-- no answer after %s: %s\n", ex.Took.Round(1e6), m.text(ex.Err))
		return
	case ex.Withheld:
		fmt.Fprintf(w, "<-- %s after %s, WITHHELD from the client by certify (the client saw a lost answer):\n", ex.Status, ex.Took.Round(1e6))
	default:
		fmt.Fprintf(w, "<-- %s after %s\n", ex.Status, ex.Took.Round(1e6))
	}
	m.writeHeaders(w, ex.RespHdr)
	if len(ex.RespBody) > 0 {
		fmt.Fprintf(w, "%s\n", m.text(string(ex.RespBody)))
	}
	if ex.Err != "" {
		fmt.Fprintf(w, "    (reading the answer failed: %s)\n", m.text(ex.Err))
	}
}

func (m *masker) writeHeaders(w io.Writer, h http.Header) {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, v := range h[n] {
			fmt.Fprintf(w, "    %s: %s\n", n, m.header(n, v))
		}
	}
}
