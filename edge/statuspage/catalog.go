package statuspage

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// The page's languages: Traditional Chinese first (the default), English
// by the switch.
const (
	langZH = "zh-TW"
	langEN = "en"
)

//go:embed assets/messages.json
var messagesJSON []byte

// catalogue is every text of the page, by language then key.
type catalogue map[string]map[string]string

func loadCatalogue() (catalogue, error) {
	var c catalogue
	if err := json.Unmarshal(messagesJSON, &c); err != nil {
		return nil, fmt.Errorf("statuspage: assets/messages.json: %w", err)
	}
	for _, l := range []string{langZH, langEN} {
		if len(c[l]) == 0 {
			return nil, fmt.Errorf("statuspage: assets/messages.json has no %q texts", l)
		}
	}
	return c, nil
}

// text is key in lang; a missing key shows as itself in brackets, which
// the catalogue test forbids.
func (c catalogue) text(lang, key string) string {
	if s, ok := c[lang][key]; ok {
		return s
	}
	return "⟦" + key + "⟧"
}

// langOf is the request's language: ?lang= (remembered in a cookie),
// else the cookie, else Traditional Chinese.
func langOf(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == langEN || l == langZH {
		http.SetCookie(w, &http.Cookie{Name: "scanpay_lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteStrictMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie("scanpay_lang"); err == nil && (c.Value == langEN || c.Value == langZH) {
		return c.Value
	}
	return langZH
}
