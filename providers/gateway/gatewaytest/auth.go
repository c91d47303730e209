package gatewaytest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// Auth is the gateway's login: it hands out bearer tokens for one pair of
// keys and checks them on every other request. Safe for concurrent use.
type Auth struct {
	authKey, accKey string

	mu        sync.Mutex
	tokens    map[string]bool
	logins    int
	onRefused func(raw []byte)
}

// NewAuth makes the login for one account's keys.
func NewAuth(authKey, accKey string) *Auth {
	return &Auth{authKey: authKey, accKey: accKey, tokens: map[string]bool{}}
}

// ServeLogin answers POST /v2/auth/login {authkey, acckey} with {token}, or
// 401 {message} for wrong keys and 400 {message} for a malformed request.
func (a *Auth) ServeLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "login takes POST"})
		return
	}
	var req struct {
		AuthKey string `json:"authkey"`
		AccKey  string `json:"acckey"`
	}
	if err := DecodeStrict(r, &req, "authkey", "acckey"); err != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	if req.AuthKey != a.authKey || req.AccKey != a.accKey {
		WriteJSON(w, http.StatusUnauthorized, map[string]string{"message": "authkey or acckey is wrong"})
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	a.mu.Lock()
	a.tokens[tok] = true
	a.logins++
	a.mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]string{"token": tok})
}

// Check reports whether r carries a live bearer token. When it does not, it
// has answered 401 already.
func (a *Auth) Check(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	a.mu.Lock()
	live := ok && a.tokens[tok]
	a.mu.Unlock()
	if !live {
		WriteJSON(w, http.StatusUnauthorized, map[string]string{"message": "missing or expired bearer token: log in at /v2/auth/login"})
	}
	return live
}

// Expire drops every token handed out, as the gateway does when they reach
// their (undocumented) lifetime: the next request is answered 401.
func (a *Auth) Expire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.tokens)
}

// Tokens lists the live tokens, for tests that check none leaks.
func (a *Auth) Tokens() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.tokens))
	for t := range a.tokens {
		out = append(out, t)
	}
	return out
}

// Logins counts the successful logins so far.
func (a *Auth) Logins() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logins
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
