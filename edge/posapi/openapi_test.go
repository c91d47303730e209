package posapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/statuspage"
)

type openapiDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openapiDoc {
	t.Helper()
	var doc openapiDoc
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

// Every route the mux serves is documented, and every documented route is
// served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var served []string
	s := &Server{metrics: newMetrics(newFakeEngine(), nil)}
	for _, rt := range s.routes() {
		served = append(served, rt.pattern)
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Errorf("routes and openapi.json differ\nserved:\n%s\ndocumented:\n%s", strings.Join(served, "\n"), strings.Join(documented, "\n"))
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal(OpenAPI, &raw); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"\$ref": "#/([^"]+)"`).FindAllStringSubmatch(string(OpenAPI), -1) {
		var node any = raw
		for _, part := range strings.Split(m[1], "/") {
			obj, ok := node.(map[string]any)
			if !ok || obj[part] == nil {
				t.Errorf("$ref #/%s does not resolve", m[1])
				break
			}
			node = obj[part]
		}
	}
}

// The documented error codes are exactly the ones the API answers with.
func TestOpenAPIErrorCodes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	documented := doc.Components.Schemas.Error.Properties.Error.Properties.Code.Enum
	var known []string
	for code := range statusOf {
		known = append(known, code)
	}
	sort.Strings(documented)
	sort.Strings(known)
	if strings.Join(documented, ",") != strings.Join(known, ",") {
		t.Errorf("error codes differ\ndocumented %v\nanswered   %v", documented, known)
	}
}

// docs/openapi.json is a copy of the embedded source of truth.
func TestDocsOpenAPIIsTheEmbeddedOne(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, OpenAPI) {
		t.Error("docs/openapi.json differs from edge/posapi/openapi.json: copy edge/posapi/openapi.json to docs/")
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	ts := startServer(t, newFakeEngine())
	a := call(t, "GET", ts.url+"/openapi.json", "", nil)
	if a.status != 200 || !bytes.Equal(a.body, OpenAPI) {
		t.Errorf("GET /openapi.json: %d", a.status)
	}
}

// A string the server bounds in bytes says so: JSON Schema's maxLength
// counts characters, so it is the same number (never less strict than the
// server: n bytes are at most n characters), and the description tells a
// client that a name or note in Chinese fits a third of it.
func TestOpenAPIByteLimitsSayBytes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					MaxLength   int    `json:"maxLength"`
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		schema, prop string
		bytes        int
	}{
		{"PageLinkRequest", "operator", statuspage.MaxOperator},
		{"PaymentSettleRequest", "note", edge.MaxSettleNote},
		{"RefundSettleRequest", "note", edge.MaxSettleNote},
	} {
		p, ok := doc.Components.Schemas[c.schema].Properties[c.prop]
		want := fmt.Sprintf("at most %d bytes", c.bytes)
		if !ok || p.MaxLength != c.bytes || !strings.Contains(p.Description, want) {
			t.Errorf("%s.%s: maxLength %d, description %q; want maxLength %d and a description saying %q",
				c.schema, c.prop, p.MaxLength, p.Description, c.bytes, want)
		}
	}
}
